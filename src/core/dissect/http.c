/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * HTTP/1.x message heads (RFC 9112 sections 3, 4 and 5) at the start of a TCP
 * segment: the request line (method SP target SP version) or the status line
 * (version SP code SP reason), and the header lines that follow up to the
 * empty line or the end of the segment. Only what is in this segment is seen;
 * header bytes and lines are capped by WIRE_HTTP_HEADER_BYTES_MAX and
 * WIRE_HTTP_HEADER_LINES_MAX.
 *
 *   start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
 */
#include <string.h>
#include <strings.h>

#include "wire/dissect.h"

/* Returns the length of the line at r (without CR LF) and moves past its end,
 * or -1 (nothing moved) when no LF is in the bytes left. */
static long line(struct wire_rd *r, const uint8_t **start)
{
	size_t left = wire_rd_left(r);
	if (left > WIRE_HTTP_HEADER_BYTES_MAX)
		left = WIRE_HTTP_HEADER_BYTES_MAX;
	const uint8_t *lf = memchr(r->p, '\n', left);
	if (!lf)
		return -1;
	size_t n = (size_t)(lf - r->p);
	*start = r->p;
	wire_rd_skip(r, n + 1);
	if (n > 0 && (*start)[n - 1] == '\r')
		n--;
	return (long)n;
}

/* Splits at the first space: returns the length of the token before it. */
static size_t token(const uint8_t *p, size_t n)
{
	const uint8_t *sp = memchr(p, ' ', n);
	return sp ? (size_t)(sp - p) : n;
}

const char *wire_http_hk_name(unsigned hk)
{
	static const char *const names[WIRE_HH_COUNT] = {
	    NULL,     "host",       "user-agent",        "content-type",  "content-length",
	    "server", "location",   "connection",        "accept",        "referer",
	    "cookie", "set-cookie", "transfer-encoding", "cache-control", "date"};
	return hk < WIRE_HH_COUNT ? names[hk] : NULL;
}

/* Which known header a name of n bytes is (case-insensitive). */
static uint8_t header_kind(const uint8_t *p, size_t n)
{
	for (unsigned k = 1; k < WIRE_HH_COUNT; k++) {
		const char *name = wire_http_hk_name(k);
		if (strlen(name) == n && !strncasecmp((const char *)p, name, n))
			return (uint8_t)k;
	}
	return WIRE_HH_OTHER;
}

/* Adds header line hs (n bytes) to d's table for h. */
static void keep_header(struct wire_dissect *d, struct wire_http *h, const uint8_t *hs, size_t n)
{
	if (d->nhh >= WIRE_HTTP_HDR_TAB_MAX) {
		h->hh_cut = 1;
		return;
	}
	struct wire_http_hdr *e = &d->hh[d->nhh++];
	const uint8_t *colon = memchr(hs, ':', n);
	size_t v = colon ? (size_t)(colon - hs) + 1 : n;
	e->line = hs;
	e->len = (uint16_t)(n > 0xffffu ? 0xffffu : n);
	e->hk = colon ? header_kind(hs, (size_t)(colon - hs)) : WIRE_HH_OTHER;
	while (v < e->len && (hs[v] == ' ' || hs[v] == '\t'))
		v++;
	e->val = (uint16_t)(v < e->len ? v : e->len);
	h->hh_n++;
}

void wire_http_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_http *h = &l->u.http;
	const uint8_t *s = NULL;
	memset(h, 0, sizeof(*h));
	if (wire_rd_left(r) == 0) {
		wire_layer_trunc(l);
		return;
	}
	const uint8_t *begin = r->p;
	long n = line(r, &s);
	if (n < 0) {
		/* The first line does not end in this segment: show what there is. */
		s = r->p;
		n = (long)wire_rd_left(r);
		if (n > 1024)
			n = 1024;
		wire_rd_skip(r, wire_rd_left(r));
	}
	size_t len = (size_t)n;
	size_t a = token(s, len);
	if (len >= 5 && memcmp(s, "HTTP/", 5) == 0) {
		h->ver = s;
		h->ver_len = (uint16_t)a;
		size_t rest = a < len ? len - a - 1 : 0;
		const uint8_t *c = s + len - rest;
		size_t b = token(c, rest);
		if (b != 3 || c[0] < '0' || c[0] > '9' || c[1] < '0' || c[1] > '9' || c[2] < '0' ||
		    c[2] > '9') {
			wire_layer_invalid(l, "bad http status code");
			return;
		}
		h->status = (uint16_t)((c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0'));
		h->reason = b < rest ? c + b + 1 : c + b;
		h->reason_len = (uint16_t)(b < rest ? rest - b - 1 : 0);
	} else {
		h->is_req = 1;
		h->method = s;
		h->method_len = (uint16_t)a;
		size_t rest = a < len ? len - a - 1 : 0;
		const uint8_t *u = s + len - rest;
		size_t b = token(u, rest);
		h->uri = u;
		h->uri_len = (uint16_t)b;
		h->ver = b < rest ? u + b + 1 : u + b;
		h->ver_len = (uint16_t)(b < rest ? rest - b - 1 : 0);
		if (a == 0 || b == 0) {
			wire_layer_invalid(l, "bad http request line");
			return;
		}
	}
	/* Header lines: up to the empty line. */
	h->hdr = r->p;
	h->hh_first = d->nhh;
	for (unsigned i = 0; i < WIRE_HTTP_HEADER_LINES_MAX; i++) {
		const uint8_t *hs = NULL;
		long k = line(r, &hs);
		if (k < 0) {
			wire_rd_skip(r, wire_rd_left(r));
			break;
		}
		if (k == 0) {
			h->hdr_len = (uint32_t)(hs - h->hdr);
			break;
		}
		h->hdr_len = (uint32_t)(r->p - h->hdr);
		keep_header(d, h, hs, (size_t)k);
	}
	l->len = (uint32_t)(r->p - begin);
}

const struct wire_proto wire_proto_http = {"http", WIRE_L_HTTP, wire_http_decode};
