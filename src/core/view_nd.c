/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The page of a trace: the NDJSON that `wirecat trace --json` writes
 * (include/wire/view.h). Every line goes into the page as one JSON string,
 * parsed there; the lines of "packet" events are also read here, as hostile
 * input, for their captured bytes ("hex"), which are dissected and printed
 * like a capture's packets so the page shows their tree and bytes. Lines
 * longer than WIRE_VIEW_ND_LINE_MAX are replaced by a line saying so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print/pr.h"
#include "view_int.h"
#include "wire/text.h"
#include "wire/view.h"

struct view_nd {
	const char *title, *text;
	size_t len;
	uint64_t *nev;
	struct view *v;
	uint8_t *bytes; /* WIRE_VIEW_ND_HEX_MAX: one packet's captured bytes */
	uint64_t npk;
	struct wire_stats *st; /* the packets' protocol hierarchy ("hier") */
};

/* Where the value of "key" starts in the line (after the colon and spaces),
 * or NULL. The key is looked for with its quotes: inside a JSON string a
 * quote is escaped, so a string cannot hold it. */
static const char *nd_val(const char *p, size_t n, const char *key)
{
	size_t k = strlen(key);
	const char *end = p + n;
	for (const char *q = p; (q = memchr(q, '"', (size_t)(end - q))) != NULL; q++) {
		if ((size_t)(end - q) < k + 2 || memcmp(q + 1, key, k) || q[k + 1] != '"')
			continue;
		const char *v = q + k + 2;
		while (v < end && (*v == ' ' || *v == ':'))
			v++;
		return v < end ? v : NULL;
	}
	return NULL;
}

/* The number at v (a JSON number or a string of digits), bounded by end;
 * 0 when v is NULL (no such key). */
static double nd_num(const char *v, const char *end)
{
	char b[40];
	size_t n = 0;
	if (!v)
		return 0;
	if (v < end && *v == '"')
		v++;
	while (v < end && n < sizeof(b) - 1 && strchr("0123456789.eE+-", *v))
		b[n++] = *v++;
	b[n] = '\0';
	return n ? strtod(b, NULL) : 0;
}

/* The link type of the bytes, from the first name of "frame.protocols"
 * (the trace's capture gives Ethernet, Linux cooked v2 or raw IP). */
static int nd_link(const char *p, size_t n)
{
	const char *v = nd_val(p, n, "frame.protocols"), *end = p + n;
	if (!v || v >= end || *v != '"')
		return WIRE_LINK_ETHERNET;
	v++;
	size_t left = (size_t)(end - v);
	if (left >= 3 && !memcmp(v, "sll", 3))
		return WIRE_LINK_LINUX_SLL2;
	if ((left >= 3 && !memcmp(v, "raw", 3)) || (left >= 2 && !memcmp(v, "ip", 2)))
		return WIRE_LINK_RAW;
	return WIRE_LINK_ETHERNET;
}

/* A "packet" event's bytes, dissected into the page's packets (ev: its line). */
static void nd_packet(struct view_nd *nd, const char *p, size_t n, uint64_t ev)
{
	const char *end = p + n, *h = nd_val(p, n, "hex");
	const char *ev_kind = nd_val(p, n, "event");
	if (!h || *h != '"' || !ev_kind || (size_t)(end - ev_kind) < 8 ||
	    memcmp(ev_kind, "\"packet\"", 8))
		return;
	uint32_t cap = 0;
	for (h++; h + 1 < end && cap < WIRE_VIEW_ND_HEX_MAX; h += 2) {
		int hi = wire_hexval(h[0]), lo = wire_hexval(h[1]);
		if (hi < 0 || lo < 0)
			break;
		nd->bytes[cap++] = (uint8_t)(hi << 4 | lo);
	}
	double t = nd_num(nd_val(p, n, "time"), end);
	const char *fl = nd_val(p, n, "frame.len");
	double wl = fl ? nd_num(fl, end) : 0;
	struct wire_pkt pkt = {.data = nd->bytes, .caplen = cap, .linktype = nd_link(p, n)};
	pkt.wirelen = wl >= cap && wl < 1e9 ? (uint32_t)wl : cap;
	if (t > 0 && t < 1e12) {
		pkt.ts.tv_sec = (time_t)t;
		pkt.ts.tv_nsec = (long)((t - (double)pkt.ts.tv_sec) * 1e9);
	}
	pkt.num = ++nd->npk; /* the first one writes no comma before it */
	wire_view_packet(nd->v, &pkt, (long long)ev);
	wire_stats_add(nd->st, &nd->v->d, -1);
}

/* The packets of the trace's "packet" events. */
static void nd_packets(struct view_nd *nd, struct wire_sink *o)
{
	uint64_t k = 0;
	for (size_t at = 0; at < nd->len && !o->err;) {
		const char *line = nd->text + at, *nl = memchr(line, '\n', nd->len - at);
		size_t n = nl ? (size_t)(nl - line) : nd->len - at;
		if (n && k < WIRE_VIEW_HTML_PKTS_MAX && n <= WIRE_VIEW_ND_LINE_MAX)
			nd_packet(nd, line, n, k);
		k += n != 0;
		at += n + 1;
	}
}

/* Each line of the NDJSON as one JSON string (the page parses it). */
static int nd_events(struct view_nd *nd, struct wire_sink *o)
{
	*nd->nev = 0;
	for (size_t at = 0; at < nd->len;) {
		const char *line = nd->text + at, *nl = memchr(line, '\n', nd->len - at);
		size_t n = nl ? (size_t)(nl - line) : nd->len - at;
		if (n) {
			if (++*nd->nev > WIRE_VIEW_HTML_PKTS_MAX)
				return -E2BIG;
			wire_sink_puts(o, *nd->nev > 1 ? ",\n" : "\n");
			if (n <= WIRE_VIEW_ND_LINE_MAX) {
				wire_view_json_str(o, line, n);
			} else {
				char m[120];
				int k =
				    snprintf(m, sizeof(m),
				             "{\"event\":\"cut\",\"text\":\"a line of %zu bytes, "
				             "more than the page takes (%u)\"}",
				             n, WIRE_VIEW_ND_LINE_MAX);
				wire_view_json_str(o, m, (size_t)k);
			}
		}
		at += n + 1;
		if (o->err)
			return o->err;
	}
	return 0;
}

static int view_nd_data(void *arg, struct wire_sink *o)
{
	struct view_nd *nd = arg;
	wire_sink_puts(o, "{\"file\":");
	wire_view_json_str(o, nd->title, strlen(nd->title));
	wire_view_field_tables(o);
	wire_sink_puts(o, ",\"trace\":1,\"events\":[");
	int rc = nd_events(nd, o);
	if (rc < 0)
		return rc;
	wire_sink_puts(o, "\n],\"packets\":[");
	nd_packets(nd, o);
	wire_sink_puts(o, "\n]");
	wire_view_io_member(o, nd->v);
	wire_sink_puts(o, ",\"hier\":");
	wire_stats_hier_json(nd->st, o);
	return wire_sink_puts(o, "}");
}

int wire_view_html_ndjson(const char *text, size_t len, const char *title, struct wire_sink *out,
                          uint64_t *nev)
{
	struct view_nd nd = {
	    title, text, len, nev, wire_view_new(out), malloc(WIRE_VIEW_ND_HEX_MAX), 0, NULL};
	struct view_io *io = calloc(1, sizeof(*io));
	int rc = -ENOMEM;
	if (nd.v && nd.bytes && io && wire_stats_new(&nd.st) == 0) {
		nd.v->io = io;
		rc = wire_view_write_page(out, view_nd_data, &nd);
		nd.v->io = NULL;
	}
	free(io);
	wire_stats_free(nd.st);
	wire_view_free(nd.v);
	free(nd.bytes);
	return rc;
}
