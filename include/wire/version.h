/* SPDX-License-Identifier: BSD-2-Clause */
/* The version of wirecat (also in CMakeLists.txt's project()). */
#ifndef WIRE_VERSION_H
#define WIRE_VERSION_H
#define WIRE_VERSION "0.1.0"
#endif
