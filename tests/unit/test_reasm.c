/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP reassembly (src/core/reasm.c): every order of 3 and 4 segments, with
 * duplicates and overlaps on both sides, retransmissions with other bytes
 * (the first copy wins and is counted), gaps that stay (marked, never
 * invented bytes), sequence wrap-around at 2^32, the memory caps (window,
 * total, streams: each counted), tcp.stream numbering (two connections, a
 * 4-tuple reused after FIN or with a new ISN) and both directions
 * interleaved. Each direction's output is rendered as text: the bytes as
 * delivered, "<N>" for a gap of N bytes, "$" for its end; it is compared
 * with the expected text exactly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "wire/dissect.h"
#include "wire/reasm.h"

#define NSTREAM 8
#define OUTMAX 4096

struct out {
	char s[NSTREAM][2][OUTMAX];
	size_t n[NSTREAM][2];
	uint64_t off[NSTREAM][2]; /* next offset expected in events */
	int news, bad;
	uint8_t client_port[NSTREAM];
};

static void put(struct out *o, uint32_t st, int dir, const char *p, size_t n)
{
	if (o->n[st][dir] + n >= OUTMAX) {
		o->bad++;
		return;
	}
	memcpy(o->s[st][dir] + o->n[st][dir], p, n);
	o->n[st][dir] += n;
	o->s[st][dir][o->n[st][dir]] = 0;
}

static void on_ev(void *ud, const struct wire_reasm_event *ev)
{
	struct out *o = ud;
	char g[32];
	if (ev->stream >= NSTREAM || ev->dir > 1) {
		o->bad++;
		return;
	}
	if (ev->kind != WIRE_REASM_NEW && ev->offset != o->off[ev->stream][ev->dir])
		o->bad++; /* offsets must run on without holes */
	switch (ev->kind) {
	case WIRE_REASM_NEW:
		o->news++;
		o->client_port[ev->stream] = (uint8_t)ev->ends->port[0];
		break;
	case WIRE_REASM_DATA:
		put(o, ev->stream, ev->dir, (const char *)ev->data, ev->len);
		o->off[ev->stream][ev->dir] += ev->len;
		break;
	case WIRE_REASM_GAP:
		snprintf(g, sizeof(g), "<%zu>", ev->len);
		put(o, ev->stream, ev->dir, g, strlen(g));
		o->off[ev->stream][ev->dir] += ev->len;
		break;
	case WIRE_REASM_END: put(o, ev->stream, ev->dir, "$", 1); break;
	default: o->bad++;
	}
}

static const uint8_t A[4] = {10, 0, 0, 1}, B[4] = {10, 0, 0, 2};

/* A segment from the client (dir 0, port 1000+conn) or the server. */
static struct wire_reasm_seg seg(int conn, int from_server, uint32_t seq, uint16_t flags,
                                 const char *data, size_t len)
{
	struct wire_reasm_seg s = {
	    .alen = 4,
	    .src = from_server ? B : A,
	    .dst = from_server ? A : B,
	    .sport = (uint16_t)(from_server ? 80 : 1000 + conn),
	    .dport = (uint16_t)(from_server ? 1000 + conn : 80),
	    .seq = seq,
	    .ack = 0,
	    .flags = flags,
	    .data = (const uint8_t *)data,
	    .len = len,
	};
	return s;
}

static struct wire_reasm *mk(struct out *o, size_t dir, size_t total, size_t streams)
{
	memset(o, 0, sizeof(*o));
	struct wire_reasm_limits l = wire_reasm_default_limits();
	if (dir)
		l.dir_bytes = dir;
	if (total)
		l.total_bytes = total;
	if (streams)
		l.max_streams = streams;
	return wire_reasm_new(&l, on_ev, o);
}

static long feed(struct wire_reasm *r, int conn, int srv, uint32_t seq, uint16_t fl, const char *d,
                 size_t len)
{
	struct wire_reasm_seg s = seg(conn, srv, seq, fl, d, len);
	return wire_reasm_feed(r, &s);
}

/* ---- permutations ----------------------------------------------------------- */

struct piece {
	uint32_t at, len;
};

static int next_perm(int *a, int n)
{
	int i = n - 2;
	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return 0;
	int j = n - 1;
	while (a[j] <= a[i])
		j--;
	int t = a[i];
	a[i] = a[j];
	a[j] = t;
	for (int lo = i + 1, hi = n - 1; lo < hi; lo++, hi--) {
		t = a[lo];
		a[lo] = a[hi];
		a[hi] = t;
	}
	return 1;
}

/* Feeds the pieces of text (after a SYN at isn) in every order, repeat
 * times each; each order must give exactly text then "$" at the end. Returns
 * the number of orders. */
static int all_orders(uint32_t isn, const char *text, const struct piece *pc, int n, int repeat)
{
	int ord[8], count = 0;
	for (int i = 0; i < n; i++)
		ord[i] = i;
	do {
		struct out o;
		struct wire_reasm *r = mk(&o, 0, 0, 0);
		feed(r, 0, 0, isn, WIRE_TH_SYN, NULL, 0);
		for (int k = 0; k < repeat; k++)
			for (int i = 0; i < n; i++) {
				const struct piece *p = &pc[ord[i]];
				feed(r, 0, 0, isn + 1 + p->at, WIRE_TH_ACK, text + p->at, p->len);
			}
		feed(r, 0, 0, isn + 1 + (uint32_t)strlen(text), WIRE_TH_FIN | WIRE_TH_ACK, NULL, 0);
		char want[256];
		snprintf(want, sizeof(want), "%s$", text);
		CHECK_STR(o.s[0][0], want);
		CHECK_INT(wire_reasm_stats(r)->gap_bytes, 0);
		CHECK_INT(wire_reasm_stats(r)->conflict_bytes, 0);
		wire_reasm_finish(r);
		CHECK_STR(o.s[0][1], "$");
		CHECK_INT(wire_reasm_stats(r)->mem, 0);
		CHECK_INT(o.bad, 0);
		wire_reasm_free(r);
		count++;
	} while (next_perm(ord, n));
	return count;
}

static void test_orders(void)
{
	const char *t = "0123456789ABCDEF";
	struct piece four[4] = {{0, 4}, {4, 4}, {8, 4}, {12, 4}};
	CHECK_INT(all_orders(1000, t, four, 4, 1), 24);
	CHECK_INT(all_orders(1000, t, four, 4, 2), 24);   /* every segment twice */
	struct piece three[3] = {{0, 6}, {4, 6}, {8, 8}}; /* overlapping */
	CHECK_INT(all_orders(1000, t, three, 3, 1), 6);
	struct piece cover[4] = {{0, 16}, {2, 3}, {5, 9}, {14, 2}}; /* one covers all */
	CHECK_INT(all_orders(7, t, cover, 4, 1), 24);
	/* wrap-around: the data crosses 2^32 */
	CHECK_INT(all_orders(0xfffffff5u, t, four, 4, 1), 24);
	CHECK_INT(all_orders(0xfffffffeu, t, three, 3, 2), 6);
}

/* ---- overlaps with different bytes ------------------------------------------- */

static void test_first_wins(void)
{
	struct out o;
	struct wire_reasm *r = mk(&o, 0, 0, 0);
	feed(r, 0, 0, 100, WIRE_TH_SYN, NULL, 0);
	feed(r, 0, 0, 101 + 4, 0, "MMMM", 4); /* [4,8) queued first */
	feed(r, 0, 0, 101 + 2, 0, "llll", 4); /* [2,6): its right side overlaps */
	feed(r, 0, 0, 101 + 6, 0, "rrrr", 4); /* [6,10): its left side overlaps */
	CHECK_INT(o.n[0][0], 0);
	feed(r, 0, 0, 101, 0, "abcdefghijkl", 12); /* covers all, last */
	CHECK_STR(o.s[0][0], "abllMMMMrrkl");
	const struct wire_reasm_stats *st = wire_reasm_stats(r);
	CHECK_INT(st->conflict_bytes, 2 + 2 + 8);
	CHECK_INT(st->retrans_bytes, 2 + 2 + 8);
	/* a retransmission of delivered bytes with other content: ignored */
	feed(r, 0, 0, 101, 0, "WXYZ", 4);
	CHECK_STR(o.s[0][0], "abllMMMMrrkl");
	CHECK_INT(st->retrans_bytes, 16);
	/* a segment half old, half new */
	feed(r, 0, 0, 101 + 10, 0, "zzmn", 4);
	CHECK_STR(o.s[0][0], "abllMMMMrrklmn");
	CHECK_INT(st->delivered, 14);
	CHECK_INT(o.bad, 0);
	wire_reasm_free(r);
}

/* ---- gaps ------------------------------------------------------------------- */

static void test_gaps(void)
{
	struct out o;
	struct wire_reasm *r = mk(&o, 0, 0, 0);
	/* stream 0: segment 2 of 3 never comes */
	feed(r, 0, 0, 0, WIRE_TH_SYN, NULL, 0);
	feed(r, 0, 0, 1, 0, "aaaa", 4);
	feed(r, 0, 0, 9, 0, "cccc", 4);
	CHECK_STR(o.s[0][0], "aaaa");
	/* stream 1: the last segment before the FIN never comes */
	feed(r, 1, 0, 50, WIRE_TH_SYN, NULL, 0);
	feed(r, 1, 0, 51, 0, "xy", 2);
	feed(r, 1, 0, 58, WIRE_TH_FIN, NULL, 0);
	CHECK_STR(o.s[1][0], "xy");
	/* stream 2: no SYN seen, data from the middle, then a hole and more */
	feed(r, 2, 1, 7000, WIRE_TH_ACK, "hello", 5);
	feed(r, 2, 1, 7008, WIRE_TH_ACK, "!", 1);
	wire_reasm_finish(r);
	CHECK_STR(o.s[0][0], "aaaa<4>cccc$");
	CHECK_STR(o.s[1][0], "xy<5>$");
	CHECK_STR(o.s[2][0], "hello<3>!$"); /* the server sent first: it is dir 0 */
	const struct wire_reasm_stats *st = wire_reasm_stats(r);
	CHECK_INT(st->gaps, 3);
	CHECK_INT(st->gap_bytes, 12);
	CHECK_INT(st->delivered, 16);
	CHECK_INT(st->streams, 3);
	CHECK_INT(o.bad, 0);
	wire_reasm_free(r);
}

/* Data past the FIN is dropped and counted; the FIN ends the direction. */
static void test_fin(void)
{
	struct out o;
	struct wire_reasm *r = mk(&o, 0, 0, 0);
	feed(r, 0, 0, 0, WIRE_TH_SYN, NULL, 0);
	feed(r, 0, 0, 5, 0, "efgh", 4);           /* [4,8) queued, partly past the FIN */
	feed(r, 0, 0, 3, WIRE_TH_FIN, "cdEF", 4); /* FIN at 6: "ef" kept first */
	feed(r, 0, 0, 1, 0, "ab", 2);             /* fills the hole */
	CHECK_STR(o.s[0][0], "abcdef$");
	feed(r, 0, 0, 9, 0, "late", 4);
	CHECK_STR(o.s[0][0], "abcdef$");
	const struct wire_reasm_stats *st = wire_reasm_stats(r);
	CHECK_INT(st->after_fin, 2 + 4); /* "gh" and "late" */
	CHECK_INT(st->mem, 0);           /* the ended direction's window is freed */
	wire_reasm_finish(r);
	CHECK_STR(o.s[0][0], "abcdef$");
	CHECK_INT(o.bad, 0);
	wire_reasm_free(r);
}

/* ---- memory caps -------------------------------------------------------------- */

static void test_window_cap(void)
{
	struct out o;
	struct wire_reasm *r = mk(&o, 64, 0, 0);
	char big[200];
	memset(big, 'x', sizeof(big));
	feed(r, 0, 0, 0, WIRE_TH_SYN, NULL, 0);
	feed(r, 0, 0, 1 + 10, 0, "queued", 6); /* held at offset 10 */
	feed(r, 0, 0, 1 + 100, 0, "far", 3);   /* past the 64-byte window */
	/* the hole before "queued" is given up, then the one before "far" */
	CHECK_STR(o.s[0][0], "<10>queued<84>far");
	feed(r, 0, 0, 1, 0, big, 10); /* the missing bytes, too late */
	CHECK_STR(o.s[0][0], "<10>queued<84>far");
	const struct wire_reasm_stats *st = wire_reasm_stats(r);
	CHECK_INT(st->window_giveups, 2);
	CHECK_INT(st->retrans_bytes, 10);
	/* a segment longer than the window, one byte out of order: what fits
	 * is held, the rest gives up the one-byte hole, the byte comes too late */
	feed(r, 0, 0, 1 + 103 + 1, 0, big, 200);
	feed(r, 0, 0, 1 + 103, 0, "y", 1);
	CHECK_INT(o.n[0][0], strlen("<10>queued<84>far<1>") + 200);
	CHECK(strncmp(o.s[0][0], "<10>queued<84>far<1>xxx", 23) == 0);
	CHECK_INT(st->window_giveups, 3);
	CHECK(st->mem_peak <= 64 + 8);
	CHECK_INT(o.bad, 0);
	wire_reasm_free(r);
}

/* Bytes queued in a small window survive its growth (found by fuzz_reasm). */
static void test_window_grows(void)
{
	struct out o;
	struct wire_reasm *r = mk(&o, 4096, 0, 0);
	char big[300];
	memset(big, 'z', sizeof(big));
	feed(r, 0, 0, 0, WIRE_TH_SYN, NULL, 0);
	feed(r, 0, 0, 1 + 10, 0, "held", 4);   /* a 64-byte window */
	feed(r, 0, 0, 1 + 200, 0, "more", 4);  /* grows it to 256 */
	feed(r, 0, 0, 1 + 1000, 0, "last", 4); /* and to 1024 */
	feed(r, 0, 0, 1 + 14, 0, big, 186);
	feed(r, 0, 0, 1, 0, "0123456789", 10);
	char want[400];
	snprintf(want, sizeof(want), "0123456789held%.186smore", big);
	CHECK_STR(o.s[0][0], want);
	wire_reasm_finish(r);
	snprintf(want, sizeof(want), "0123456789held%.186smore<796>last$", big);
	CHECK_STR(o.s[0][0], want);
	CHECK_INT(wire_reasm_stats(r)->delivered, 10 + 4 + 186 + 4 + 4);
	CHECK_INT(o.bad, 0);
	wire_reasm_free(r);
}

static void test_total_cap(void)
{
	struct out o;
	/* room for two full windows only */
	struct wire_reasm *r = mk(&o, 64, 2 * (64 + 8), 0);
	const struct wire_reasm_stats *st = wire_reasm_stats(r);
	for (int c = 0; c < 3; c++) {
		feed(r, c, 0, 0, WIRE_TH_SYN, NULL, 0);
		feed(r, c, 0, 1 + 60, 0, "tail", 4); /* needs a 64-byte window */
		CHECK(st->mem <= 2 * (64 + 8));
	}
	CHECK_INT(st->mem_flushes, 1);
	CHECK_STR(o.s[0][0], "<60>tail"); /* the oldest was flushed */
	CHECK_STR(o.s[1][0], "");
	feed(r, 1, 0, 1, 0, "0123456789012345678901234567890123456789012345678901234567890123", 60);
	CHECK_STR(o.s[1][0], "012345678901234567890123456789012345678901234567890123456789tail");
	CHECK(st->mem_peak <= 2 * (64 + 8));
	wire_reasm_finish(r);
	CHECK_STR(o.s[2][0], "<60>tail$");
	CHECK_INT(st->mem, 0);
	CHECK_INT(o.bad, 0);
	wire_reasm_free(r);
}

static void test_stream_cap(void)
{
	struct out o;
	struct wire_reasm *r = mk(&o, 0, 0, 2);
	CHECK_INT(feed(r, 0, 0, 0, WIRE_TH_SYN, NULL, 0), 0);
	feed(r, 0, 0, 1, 0, "a", 1);
	feed(r, 0, 0, 3, 0, "c", 1);
	CHECK_INT(feed(r, 1, 0, 0, WIRE_TH_SYN, NULL, 0), 1);
	CHECK_INT(feed(r, 2, 0, 0, WIRE_TH_SYN, NULL, 0), 2); /* evicts stream 0 */
	CHECK_STR(o.s[0][0], "a<1>c$");
	CHECK_STR(o.s[0][1], "$");
	CHECK_INT(wire_reasm_stats(r)->evicted, 1);
	CHECK_INT(feed(r, 0, 0, 4, 0, "d", 1), 3); /* forgotten: a new number */
	CHECK_INT(wire_reasm_stats(r)->evicted, 2);
	CHECK_INT(o.bad, 0);
	wire_reasm_free(r);
}

/* ---- numbering ---------------------------------------------------------------- */

static void test_numbering(void)
{
	struct out o;
	struct wire_reasm *r = mk(&o, 0, 0, 0);
	CHECK_INT(feed(r, 0, 0, 100, WIRE_TH_SYN, NULL, 0), 0);
	CHECK_INT(feed(r, 1, 0, 900, WIRE_TH_SYN, NULL, 0), 1);
	CHECK_INT(feed(r, 0, 1, 500, WIRE_TH_SYN | WIRE_TH_ACK, NULL, 0), 0);
	CHECK_INT(feed(r, 0, 0, 100, WIRE_TH_SYN, NULL, 0), 0); /* SYN retransmitted */
	CHECK_INT(feed(r, 1, 1, 77, WIRE_TH_SYN | WIRE_TH_ACK, NULL, 0), 1);
	CHECK_INT(feed(r, 0, 0, 101, WIRE_TH_ACK, "req", 3), 0);
	CHECK_INT(feed(r, 0, 1, 501, WIRE_TH_ACK | WIRE_TH_FIN, "resp", 4), 0);
	CHECK_INT(feed(r, 0, 0, 104, WIRE_TH_ACK | WIRE_TH_FIN, NULL, 0), 0);
	CHECK_INT(feed(r, 0, 1, 506, WIRE_TH_ACK, NULL, 0), 0); /* last ACK: same stream */
	/* the 4-tuple of stream 0 again, after the FINs: stream 2 */
	CHECK_INT(feed(r, 0, 0, 100, WIRE_TH_SYN, NULL, 0), 2);
	CHECK_STR(o.s[0][0], "req$");
	CHECK_STR(o.s[0][1], "resp$");
	CHECK_INT(feed(r, 0, 0, 101, 0, "again", 5), 2);
	/* a SYN with another ISN on a live stream: Wireshark's reused ports */
	CHECK_INT(feed(r, 1, 0, 5555, WIRE_TH_SYN, NULL, 0), 3);
	CHECK_STR(o.s[1][0], "$");
	CHECK_INT(feed(r, 1, 0, 5556, 0, "new", 3), 3);
	/* a SYN/ACK first: its receiver is the client */
	CHECK_INT(feed(r, 5, 1, 1, WIRE_TH_SYN | WIRE_TH_ACK, NULL, 0), 4);
	CHECK_INT(o.client_port[4], 1005 & 0xff);
	CHECK_INT(feed(r, 5, 1, 2, WIRE_TH_ACK, "srv", 3), 4);
	wire_reasm_finish(r);
	CHECK_STR(o.s[2][0], "again$");
	CHECK_STR(o.s[3][0], "new$");
	CHECK_STR(o.s[4][1], "srv$");
	CHECK_INT(o.news, 5);
	CHECK_INT(wire_reasm_stats(r)->streams, 5);
	CHECK_INT(o.bad, 0);
	wire_reasm_free(r);
}

/* IPv6 and IPv4 streams with the same ports are different streams. */
static void test_v6(void)
{
	struct out o;
	struct wire_reasm *r = mk(&o, 0, 0, 0);
	uint8_t a6[16] = {0xfe, 0x80, [15] = 1}, b6[16] = {0xfe, 0x80, [15] = 2};
	struct wire_reasm_seg s = {.alen = 16, .src = a6, .dst = b6, .sport = 1000, .dport = 80};
	s.flags = WIRE_TH_SYN;
	CHECK_INT(wire_reasm_feed(r, &s), 0);
	CHECK_INT(feed(r, 0, 0, 1, WIRE_TH_SYN, NULL, 0), 1);
	s.flags = 0;
	s.seq = 1;
	s.data = (const uint8_t *)"six";
	s.len = 3;
	CHECK_INT(wire_reasm_feed(r, &s), 0);
	s.alen = 5;
	CHECK(wire_reasm_feed(r, &s) < 0);
	wire_reasm_finish(r);
	CHECK_STR(o.s[0][0], "six$");
	wire_reasm_free(r);
}

/* ---- both directions ------------------------------------------------------------ */

static void test_interleaved(void)
{
	struct out o;
	struct wire_reasm *r = mk(&o, 0, 0, 0);
	feed(r, 0, 0, 0xfffffff0u, WIRE_TH_SYN, NULL, 0);
	feed(r, 0, 1, 40, WIRE_TH_SYN | WIRE_TH_ACK, NULL, 0);
	feed(r, 0, 0, 0xfffffff1u + 6, 0, "GHIJKL", 6);
	feed(r, 0, 1, 41 + 3, 0, "def", 3);
	feed(r, 0, 0, 0xfffffff1u + 12, WIRE_TH_FIN, "MNOPQRSTUVWXYZ", 14);
	feed(r, 0, 1, 41, 0, "abc", 3);
	CHECK_STR(o.s[0][1], "abcdef");
	CHECK_STR(o.s[0][0], "");
	feed(r, 0, 0, 0xfffffff1u, 0, "ABCDEF", 6);
	feed(r, 0, 1, 41 + 6, WIRE_TH_FIN, "ghi", 3);
	CHECK_STR(o.s[0][0], "ABCDEFGHIJKLMNOPQRSTUVWXYZ$");
	CHECK_STR(o.s[0][1], "abcdefghi$");
	CHECK_INT(wire_reasm_stats(r)->mem, 0);
	CHECK_INT(o.bad, 0);
	wire_reasm_finish(r);
	CHECK_STR(o.s[0][0], "ABCDEFGHIJKLMNOPQRSTUVWXYZ$");
	wire_reasm_free(r);
}

static void test_bad_limits(void)
{
	struct wire_reasm_limits l = wire_reasm_default_limits();
	struct out o;
	l.dir_bytes = 100; /* not a power of two */
	CHECK(wire_reasm_new(&l, on_ev, &o) == NULL);
	l = wire_reasm_default_limits();
	l.total_bytes = 10;
	CHECK(wire_reasm_new(&l, on_ev, &o) == NULL);
	struct wire_reasm *r = wire_reasm_new(NULL, on_ev, &o);
	CHECK(r != NULL);
	wire_reasm_free(r);
}

int main(void)
{
	test_orders();
	test_first_wins();
	test_gaps();
	test_fin();
	test_window_cap();
	test_window_grows();
	test_total_cap();
	test_stream_cap();
	test_numbering();
	test_v6();
	test_interleaved();
	test_bad_limits();
	return T_END();
}
