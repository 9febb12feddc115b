/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The page of `wirecat view`, built into the binary from web/ by
 * web/embed.cmake: each array holds its file followed by a NUL.
 */
#ifndef WIRE_VIEW_ASSETS_H
#define WIRE_VIEW_ASSETS_H

extern const unsigned char wire_view_page[];
extern const unsigned long wire_view_page_len;
extern const unsigned char wire_view_css[];
extern const unsigned long wire_view_css_len;
extern const unsigned char wire_view_js[];
extern const unsigned long wire_view_js_len;
extern const unsigned char wire_view_srv_js[];
extern const unsigned long wire_view_srv_js_len;

#endif
