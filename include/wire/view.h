/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `wirecat view`: a capture as one self-contained HTML page. The core reads
 * the packets, decodes each once with the printers (the one-line summary, the
 * -V tree) and writes them as JSON inside the page, every string escaped so
 * that no byte of a packet can end the JSON's <script> element or run as
 * code (see wire_view_json_str). The page itself (web/) is compiled in.
 */
#ifndef WIRE_VIEW_H
#define WIRE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "wire/pcapio.h"
#include "wire/sink.h"

/* --html holds every packet in one page: past these the page would be too
 * heavy for a browser, and the file is refused (documented in wirecat.1). */
#define WIRE_VIEW_HTML_PKTS_MAX 20000u      /* packets */
#define WIRE_VIEW_HTML_FILE_MAX (32u << 20) /* bytes of the capture file */
#define WIRE_VIEW_PKT_TEXT_MAX (256u << 10) /* bytes of one packet's tree or line */
/* A trace's NDJSON: a longer line is shown as "cut" (the packet lines of
 * trace --json hold at most 64 KiB of bytes as hex, plus their fields). */
#define WIRE_VIEW_ND_LINE_MAX (256u << 10) /* bytes of one line */
#define WIRE_VIEW_ND_HEX_MAX (64u << 10)   /* captured bytes of one packet event */

/* Writes the page for every packet r yields to out. Returns 0 and the packet
 * count in *npkts; WIRE_E_LIMIT-like -E2BIG when the file holds more than
 * WIRE_VIEW_HTML_PKTS_MAX packets; a reader error (with why); or the sink's
 * negative error. */
int wire_view_html(struct wire_pcap_reader *r, const char *title, struct wire_sink *out,
                   uint64_t *npkts, char *why, size_t n);
/* Writes the page for the NDJSON that `trace --json` writes (len bytes at
 * text): each line goes in as one JSON string, parsed by the page, and the
 * bytes of each "packet" event are dissected as a capture's. Returns 0
 * and the line count in *nev, -E2BIG past WIRE_VIEW_HTML_PKTS_MAX lines, or
 * the sink's negative error. */
int wire_view_html_ndjson(const char *text, size_t len, const char *title, struct wire_sink *out,
                          uint64_t *nev);
/* Writes n bytes at p as a JSON string (with its quotes) that is also safe
 * inside an HTML <script> element: ", \ and control bytes escaped as JSON
 * wants, and <, >, & and every byte >= 0x80 as \u00XX (bytes are taken as
 * Latin-1, so no U+2028/U+2029 can appear). Returns 0 or the sink error. */
int wire_view_json_str(struct wire_sink *s, const void *p, size_t n);

#endif
