/* SPDX-License-Identifier: BSD-2-Clause */
/* The stream framer (src/core/streamdec.c): messages cut from in-order bytes
 * however the bytes are split into segments. */
#include <stdio.h>
#include <string.h>

#include "t.h"
#include "wire/dissect.h"
#include "wire/streamdec.h"

struct got {
	unsigned n;
	uint8_t kind[16];
	size_t len[16];
	unsigned at[16]; /* piece that completed it */
	uint8_t first[16][64];
	unsigned piece;
};

static void cb(void *ud, const struct wire_streamdec_msg *m)
{
	struct got *g = ud;
	if (g->n >= 16)
		return;
	g->kind[g->n] = m->kind;
	g->len[g->n] = m->len;
	g->at[g->n] = g->piece;
	memcpy(g->first[g->n], m->data, m->len < 64 ? m->len : 64);
	g->n++;
}

static const struct wire_reasm_ends ends80 = {4, {{10, 0, 0, 1}, {10, 0, 0, 2}}, {40000, 80}};
static const struct wire_reasm_ends ends53 = {4, {{10, 0, 0, 1}, {10, 0, 0, 2}}, {40000, 53}};

/* Feeds msg to direction dir of a new stream as the pieces split at cuts. */
static void feed(struct wire_streamdec *s, struct got *g, const struct wire_reasm_ends *e, int dir,
                 const uint8_t *msg, size_t n, const size_t *cuts, unsigned ncuts)
{
	struct wire_reasm_event ev = {.stream = 7, .dir = 0, .kind = WIRE_REASM_NEW, .ends = e};
	wire_streamdec_event(s, &ev);
	size_t at = 0;
	for (unsigned i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		g->piece = i;
		ev.kind = WIRE_REASM_DATA;
		ev.dir = (uint8_t)dir;
		ev.data = msg + at;
		ev.len = end - at;
		ev.offset = at;
		if (ev.len)
			wire_streamdec_event(s, &ev);
		at = end;
	}
	g->piece = ncuts + 1;
	ev.kind = WIRE_REASM_END;
	ev.dir = 0;
	wire_streamdec_event(s, &ev);
	ev.dir = 1;
	wire_streamdec_event(s, &ev);
}

static const char resp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "5\r\nhello\r\n10;x=y\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n"
                           "HTTP/1.1 304 Not Modified\r\n\r\n"
                           "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";

/* Every split point of a chunked response followed by pipelined ones (every
 * first cut, with a second cut every 7 bytes after it): the same three heads,
 * each completed by the piece holding its last byte. */
static void test_http_every_split(void)
{
	size_t n = sizeof(resp) - 1;
	const char *end1 = strstr(resp, "X-T: 1\r\n\r\n") + 10;
	size_t e1 = (size_t)(end1 - resp);
	size_t e2 = (size_t)(strstr(resp, "Modified\r\n\r\n") + 12 - resp);
	unsigned bad = 0, runs = 0;
	for (size_t a = 0; a <= n; a++)
		for (size_t b = a; b <= n; b += 7) {
			struct got g = {0};
			struct wire_streamdec *s = wire_streamdec_new(cb, &g);
			size_t cuts[2] = {a, b};
			feed(s, &g, &ends80, 1, (const uint8_t *)resp, n, cuts, 2);
			unsigned want1 = e1 <= a ? 0 : e1 <= b ? 1 : 2;
			unsigned want2 = e2 <= a ? 0 : e2 <= b ? 1 : 2;
			unsigned want3 = n <= a ? 0 : n <= b ? 1 : 2;
			runs++;
			if (g.n != 3 || g.kind[0] != WIRE_L_HTTP || g.at[0] != want1 ||
			    g.at[1] != want2 || g.at[2] != want3 ||
			    memcmp(g.first[1], "HTTP/1.1 304", 12) || g.len[2] != 38 ||
			    wire_streamdec_stats(s)->messages != 3)
				bad++;
			wire_streamdec_free(s);
		}
	CHECK(runs > 1000);
	CHECK_INT(bad, 0);
}

/* A response without a length ends with the direction. */
static void test_http_until_close(void)
{
	static const char r[] = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody bytes";
	struct got g = {0};
	struct wire_streamdec *s = wire_streamdec_new(cb, &g);
	size_t cut = 5;
	feed(s, &g, &ends80, 1, (const uint8_t *)r, sizeof(r) - 1, &cut, 1);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.at[0], 2); /* at the end */
	wire_streamdec_free(s);
}

/* A DNS message over TCP split across 3 segments (inside the length too). */
static void test_dns_three_segments(void)
{
	uint8_t m[2 + 29] = {0,   29,  0x12, 0x34, 1,   0,   0, 1,   0,   0,   0, 0, 0, 0, 7, 'e',
	                     'x', 'a', 'm',  'p',  'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
	size_t cuts[2] = {1, 17};
	struct got g = {0};
	struct wire_streamdec *s = wire_streamdec_new(cb, &g);
	feed(s, &g, &ends53, 0, m, sizeof(m), cuts, 2);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.kind[0], WIRE_L_DNS);
	CHECK_INT(g.at[0], 2);
	CHECK_INT(g.len[0], sizeof(m));
	CHECK_MEM(g.first[0], 31, m, 31);
	wire_streamdec_free(s);
}

/* A ClientHello in 2 records, the second record in 2 segments: one message
 * on the last segment, decoded with its server name. */
static void test_tls_hello_two_records(void)
{
	uint8_t hs[4 + 2 + 32 + 1 + 4 + 2 + 2 + 16];
	size_t k = 0;
	hs[k++] = 1; /* ClientHello */
	hs[k++] = 0, hs[k++] = 0, hs[k++] = (uint8_t)(sizeof(hs) - 4);
	hs[k++] = 3, hs[k++] = 3;
	memset(hs + k, 0xaa, 32), k += 32;
	hs[k++] = 0;                                           /* session id */
	hs[k++] = 0, hs[k++] = 2, hs[k++] = 0x13, hs[k++] = 1; /* suites */
	hs[k++] = 1, hs[k++] = 0;                              /* compression */
	hs[k++] = 0, hs[k++] = 16;                             /* extensions */
	static const uint8_t sni[16] = {0, 0,   0,   12,  0,   10,  0,   0,
	                                7, 'a', '.', 'e', 'x', 'a', 'm', 'p'};
	memcpy(hs + k, sni, 16), k += 16;
	uint8_t wire[2 * 5 + sizeof(hs)];
	size_t h1 = 20, w = 0;
	wire[w++] = 22, wire[w++] = 3, wire[w++] = 1, wire[w++] = 0, wire[w++] = (uint8_t)h1;
	memcpy(wire + w, hs, h1), w += h1;
	size_t h2 = sizeof(hs) - h1;
	wire[w++] = 22, wire[w++] = 3, wire[w++] = 1, wire[w++] = 0, wire[w++] = (uint8_t)h2;
	memcpy(wire + w, hs + h1, h2), w += h2;
	size_t cut = 5 + h1 + 8;
	struct got g = {0};
	struct wire_streamdec *s = wire_streamdec_new(cb, &g);
	uint8_t full[5 + sizeof(hs)];
	feed(s, &g, &ends80, 0, wire, w, &cut, 1);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.kind[0], WIRE_L_TLS);
	CHECK_INT(g.at[0], 1);
	CHECK_INT(g.len[0], 5 + sizeof(hs));
	memcpy(full, g.first[0], 64 < sizeof(full) ? 64 : sizeof(full));
	CHECK_INT(full[0], 22);
	CHECK_INT(full[5], 1);
	CHECK_INT((size_t)(full[3] << 8 | full[4]), sizeof(hs));
	wire_streamdec_free(s);
}

int main(void)
{
	test_http_every_split();
	test_http_until_close();
	test_dns_three_segments();
	test_tls_hello_two_records();
	return T_END();
}
