/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Small character helpers shared by the parsers of text that peers and files
 * send (HTTP, URLs, frame specs, /proc tables), independent of the locale.
 */
#ifndef WIRE_TEXT_H
#define WIRE_TEXT_H

/* Returns the value of a hex digit (0-15), or -1 when c is not one. */
static inline int wire_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
