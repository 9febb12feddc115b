/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the IPv4/IPv6 defragmenter (src/core/defrag.c): every order
 * of 3 and 4 fragments, the RFC 5722 overlap cases, Linux's IPv4 duplicate
 * rule, the 8-byte rule, atomic fragments, timeouts, eviction and limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "wire/defrag.h"
#include "wire/dissect.h"
#include "wire/packet.h"

#define PAT(i) ((uint8_t)((i)*7u + 3u))

static uint8_t pat[WIRE_DEFRAG_DGRAM_MAX + 64];
static uint8_t alt[WIRE_DEFRAG_DGRAM_MAX + 64]; /* the same offsets, other bytes */

struct fr {
	uint32_t off, len;
	int more;
	int other; /* bytes from alt[] instead of pat[] */
};

static struct wire_defrag_frag mk(int family, uint32_t id, struct fr f, uint64_t ts)
{
	struct wire_defrag_frag x;
	memset(&x, 0, sizeof(x));
	x.family = family;
	x.src[0] = 10;
	x.src[3] = 1;
	x.dst[0] = 10;
	x.dst[3] = 2;
	x.id = id;
	x.proto = 17;
	x.hdr_len = 20;
	x.offset = f.off;
	x.more = f.more;
	x.data = (f.other ? alt : pat) + f.off;
	x.len = f.len;
	x.ts_us = ts;
	return x;
}

static int feed(struct wire_defrag *d, int family, uint32_t id, struct fr f, uint64_t ts,
                struct wire_defrag_out *o)
{
	struct wire_defrag_frag x = mk(family, id, f, ts);
	return wire_defrag_feed(d, &x, o);
}

/* ---- every order ---------------------------------------------------------- */

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
	for (int l = i + 1, r = n - 1; l < r; l++, r--) {
		t = a[l];
		a[l] = a[r];
		a[r] = t;
	}
	return 1;
}

static void test_orders(int family, const struct fr *frs, int n, uint32_t total)
{
	int a[8], perms = 0;
	for (int i = 0; i < n; i++)
		a[i] = i;
	do {
		struct wire_defrag d;
		struct wire_defrag_out o;
		CHECK_INT(wire_defrag_init(&d, NULL), 0);
		for (int i = 0; i < n; i++) {
			int rc = feed(&d, family, 7, frs[a[i]], 1000, &o);
			CHECK_INT(rc, i == n - 1 ? WIRE_DEFRAG_DONE : WIRE_DEFRAG_HELD);
		}
		CHECK_INT(o.len, total);
		CHECK_MEM(o.data, o.len, pat, total);
		CHECK_INT(o.nfrags, n);
		CHECK_INT(o.proto, 17);
		CHECK_INT(d.nq, 0);
		CHECK_INT(d.held, 0);
		CHECK_INT(d.st.done, 1);
		wire_defrag_free(&d);
		perms++;
	} while (next_perm(a, n));
	CHECK_INT(perms, n == 3 ? 6 : 24);
}

static void test_permutations(void)
{
	static const struct fr three[] = {{0, 1480, 1, 0}, {1480, 1480, 1, 0}, {2960, 100, 0, 0}};
	static const struct fr four[] = {
	    {0, 8, 1, 0}, {8, 16, 1, 0}, {24, 1232, 1, 0}, {1256, 3, 0, 0}};
	for (int fam = 4; fam <= 6; fam += 2) {
		test_orders(fam, three, 3, 3060);
		test_orders(fam, four, 4, 1259);
	}
}

/* ---- tables of overlap cases ------------------------------------------- */

struct ocase {
	const char *name;
	int family;
	struct fr f[6];
	int n;
	int last_rc;      /* result of the last feed */
	uint32_t len;     /* datagram length when DONE */
	uint64_t dup;     /* duplicates ignored */
	uint64_t overlap; /* datagrams dropped for overlap */
	uint64_t bad;
};

static const struct ocase ocases[] = {
    /* RFC 5722: any overlap discards the datagram */
    {"v6 overlap at start",
     6,
     {{8, 16, 1, 0}, {0, 16, 1, 0}, {24, 8, 0, 0}},
     3,
     WIRE_DEFRAG_HELD,
     0,
     0,
     1,
     0},
    {"v6 overlap in the middle",
     6,
     {{0, 16, 1, 0}, {24, 8, 0, 0}, {8, 24, 1, 0}},
     3,
     WIRE_DEFRAG_DROPPED,
     0,
     0,
     1,
     0},
    {"v6 overlap at end",
     6,
     {{0, 8, 1, 0}, {16, 16, 0, 0}, {8, 16, 1, 0}},
     3,
     WIRE_DEFRAG_DROPPED,
     0,
     0,
     1,
     0},
    {"v6 contained fragment", 6, {{0, 32, 1, 0}, {8, 8, 1, 0}}, 2, WIRE_DEFRAG_DROPPED, 0, 0, 1, 0},
    {"v6 exact duplicate",
     6,
     {{0, 16, 1, 0}, {0, 16, 1, 0}, {16, 5, 0, 0}},
     3,
     WIRE_DEFRAG_DONE,
     21,
     1,
     0,
     0},
    {"v6 exact duplicate of the last",
     6,
     {{16, 5, 0, 0}, {16, 5, 0, 0}, {0, 16, 1, 0}},
     3,
     WIRE_DEFRAG_DONE,
     21,
     1,
     0,
     0},
    {"v6 same range, other bytes",
     6,
     {{0, 16, 1, 0}, {0, 16, 1, 1}, {16, 5, 0, 0}},
     3,
     WIRE_DEFRAG_HELD,
     0,
     0,
     1,
     0},
    {"v6 overlap after completion starts anew",
     6,
     {{0, 16, 1, 0}, {16, 8, 0, 0}, {8, 8, 1, 0}},
     3,
     WIRE_DEFRAG_HELD,
     0,
     0,
     0,
     0},
    /* Linux IPv4: a fragment inside one in-order run is a duplicate */
    {"v4 duplicate inside an in-order run",
     4,
     {{0, 16, 1, 0}, {16, 16, 1, 0}, {8, 16, 1, 1}, {32, 4, 0, 0}},
     4,
     WIRE_DEFRAG_DONE,
     36,
     1,
     0,
     0},
    {"v4 same bytes across two runs is an overlap",
     4,
     {{16, 16, 1, 0}, {40, 4, 0, 0}, {0, 16, 1, 0}, {8, 16, 1, 0}},
     4,
     WIRE_DEFRAG_DROPPED,
     0,
     0,
     1,
     0},
    {"v4 exact duplicate",
     4,
     {{0, 16, 1, 0}, {0, 16, 1, 1}, {16, 4, 0, 0}},
     3,
     WIRE_DEFRAG_DONE,
     20,
     1,
     0,
     0},
    {"v4 overlap past the tail",
     4,
     {{0, 16, 1, 0}, {8, 16, 1, 0}},
     2,
     WIRE_DEFRAG_DROPPED,
     0,
     0,
     1,
     0},
    {"v4 overlap at start",
     4,
     {{8, 16, 1, 0}, {32, 4, 0, 0}, {0, 16, 1, 0}},
     3,
     WIRE_DEFRAG_DROPPED,
     0,
     0,
     1,
     0},
    {"v4 MF length cut to 8", 4, {{0, 12, 1, 0}, {8, 4, 0, 0}}, 2, WIRE_DEFRAG_DONE, 12, 0, 0, 0},
    /* both: inconsistent ends */
    {"two different last fragments",
     6,
     {{8, 8, 1, 0}, {16, 8, 0, 0}, {16, 16, 0, 0}},
     3,
     WIRE_DEFRAG_DROPPED,
     0,
     0,
     0,
     1},
    {"bytes beyond the end", 4, {{24, 8, 0, 0}, {32, 8, 1, 0}}, 2, WIRE_DEFRAG_DROPPED, 0, 0, 0, 1},
    {"last fragment before held bytes",
     4,
     {{24, 8, 1, 0}, {8, 8, 0, 0}},
     2,
     WIRE_DEFRAG_DROPPED,
     0,
     0,
     0,
     1},
    {"empty fragment kills the datagram",
     4,
     {{0, 8, 1, 0}, {8, 0, 1, 0}},
     2,
     WIRE_DEFRAG_DROPPED,
     0,
     0,
     0,
     1},
    {"v6 M set, end not a multiple of 8", 6, {{0, 12, 1, 0}}, 1, WIRE_DEFRAG_DROPPED, 0, 0, 0, 1},
    {"v6 not a multiple of 8 keeps the datagram",
     6,
     {{0, 8, 1, 0}, {8, 12, 1, 0}, {8, 8, 0, 0}},
     3,
     WIRE_DEFRAG_DONE,
     16,
     0,
     0,
     1},
    {"v4 over 65535", 4, {{0, 8, 1, 0}, {65512, 8, 0, 0}}, 2, WIRE_DEFRAG_DROPPED, 0, 0, 0, 1},
    {"v4 65535 exactly",
     4,
     {{65504, 11, 0, 0}, {0, 65504, 1, 0}},
     2,
     WIRE_DEFRAG_DONE,
     65515,
     0,
     0,
     0},
    {"v6 over 65535", 6, {{65528, 8, 0, 0}}, 1, WIRE_DEFRAG_DROPPED, 0, 0, 0, 1},
    {"v6 65535 exactly",
     6,
     {{65528, 7, 0, 0}, {0, 65528, 1, 0}},
     2,
     WIRE_DEFRAG_DONE,
     65535,
     0,
     0,
     0},
};

static void run_ocase(const struct ocase *c)
{
	struct wire_defrag d;
	struct wire_defrag_out o;
	int rc = -1;
	CHECK_INT(wire_defrag_init(&d, NULL), 0);
	for (int i = 0; i < c->n; i++)
		rc = feed(&d, c->family, 99, c->f[i], 5, &o);
	if (rc != c->last_rc)
		fprintf(stderr, "case: %s\n", c->name);
	CHECK_INT(rc, c->last_rc);
	if (rc == WIRE_DEFRAG_DONE) {
		CHECK_INT(o.len, c->len);
		CHECK_MEM(o.data, o.len, pat, c->len); /* the first copy wins */
	}
	if (d.st.dup != c->dup || d.st.dropped[WIRE_DEFRAG_OVERLAP] != c->overlap ||
	    d.st.dropped[WIRE_DEFRAG_BAD] != c->bad)
		fprintf(stderr, "case: %s\n", c->name);
	CHECK_INT(d.st.dup, c->dup);
	CHECK_INT(d.st.dropped[WIRE_DEFRAG_OVERLAP], c->overlap);
	CHECK_INT(d.st.dropped[WIRE_DEFRAG_BAD], c->bad);
	wire_defrag_free(&d);
}

static void test_overlap_table(void)
{
	for (size_t i = 0; i < sizeof(ocases) / sizeof(ocases[0]); i++)
		run_ocase(&ocases[i]);
}

/* After an overlap the datagram is gone: its other fragments start a new one
 * that can never complete from what was sent. */
static void test_overlap_discards_everything(void)
{
	struct wire_defrag d;
	struct wire_defrag_out o;
	CHECK_INT(wire_defrag_init(&d, NULL), 0);
	CHECK_INT(feed(&d, 6, 1, (struct fr){0, 16, 1, 0}, 1, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(feed(&d, 6, 1, (struct fr){8, 16, 1, 0}, 1, &o), WIRE_DEFRAG_DROPPED);
	CHECK_INT(o.why, WIRE_DEFRAG_OVERLAP);
	CHECK_INT(d.st.frags_dropped, 2);
	CHECK_INT(d.nq, 0);
	CHECK_INT(feed(&d, 6, 1, (struct fr){16, 8, 0, 0}, 1, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(d.nq, 1);
	wire_defrag_finish(&d);
	CHECK_INT(d.st.unfinished, 1);
	CHECK_INT(d.held, 0);
	wire_defrag_free(&d);
}

/* ---- atomic fragments, keys -------------------------------------------- */

static void test_atomic(void)
{
	struct wire_defrag d;
	struct wire_defrag_out o;
	CHECK_INT(wire_defrag_init(&d, NULL), 0);
	CHECK_INT(feed(&d, 6, 5, (struct fr){0, 16, 1, 0}, 1, &o), WIRE_DEFRAG_HELD);
	/* RFC 6946: same id, offset 0, M=0: passes through, queue untouched */
	CHECK_INT(feed(&d, 6, 5, (struct fr){0, 13, 0, 0}, 1, &o), WIRE_DEFRAG_WHOLE);
	CHECK(o.data == pat);
	CHECK_INT(o.len, 13);
	CHECK_INT(d.st.atomic, 1);
	CHECK_INT(d.nq, 1);
	CHECK_INT(feed(&d, 6, 5, (struct fr){16, 3, 0, 0}, 1, &o), WIRE_DEFRAG_DONE);
	CHECK_INT(o.len, 19);
	wire_defrag_free(&d);
}

static void test_keys(void)
{
	struct wire_defrag d;
	struct wire_defrag_out o;
	CHECK_INT(wire_defrag_init(&d, NULL), 0);
	struct wire_defrag_frag a = mk(4, 1, (struct fr){0, 8, 1, 0}, 1);
	struct wire_defrag_frag b = mk(4, 1, (struct fr){8, 8, 0, 0}, 1);
	b.proto = 6; /* IPv4: the protocol is in the key */
	CHECK_INT(wire_defrag_feed(&d, &a, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(wire_defrag_feed(&d, &b, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(d.nq, 2);
	b.proto = 17;
	b.dst[3] = 9; /* another destination */
	CHECK_INT(wire_defrag_feed(&d, &b, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(d.nq, 3);
	b.dst[3] = 2;
	CHECK_INT(wire_defrag_feed(&d, &b, &o), WIRE_DEFRAG_DONE);
	/* IPv6: not in the key; the offset-0 fragment's next header wins */
	struct wire_defrag_frag c = mk(6, 1, (struct fr){8, 8, 0, 0}, 1);
	struct wire_defrag_frag e = mk(6, 1, (struct fr){0, 8, 1, 0}, 1);
	c.proto = 44;
	CHECK_INT(wire_defrag_feed(&d, &c, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(wire_defrag_feed(&d, &e, &o), WIRE_DEFRAG_DONE);
	CHECK_INT(o.proto, 17);
	CHECK_INT(wire_defrag_feed(&d, &(struct wire_defrag_frag){.family = 5}, &o) < 0, 1);
	wire_defrag_free(&d);
}

/* ---- timeouts, eviction, limits ------------------------------------------ */

static void test_timeout(void)
{
	struct wire_defrag d;
	struct wire_defrag_out o;
	CHECK_INT(wire_defrag_init(&d, NULL), 0);
	/* missing middle: never a datagram */
	CHECK_INT(feed(&d, 4, 1, (struct fr){0, 8, 1, 0}, 0, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(feed(&d, 4, 1, (struct fr){16, 8, 0, 0}, 1000, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(feed(&d, 6, 1, (struct fr){0, 8, 1, 0}, 1000, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(wire_defrag_expire(&d, 30000000), 0); /* exactly 30 s: kept */
	/* 45 s: the IPv4 one is over ipfrag_time, the IPv6 one is not */
	CHECK_INT(wire_defrag_expire(&d, 45000000), 1);
	CHECK_INT(d.st.dropped[WIRE_DEFRAG_TIMEOUT], 1);
	CHECK_INT(d.st.frags_dropped, 2);
	CHECK_INT(d.nq, 1);
	/* the late middle starts a new datagram that never completes */
	CHECK_INT(feed(&d, 4, 1, (struct fr){8, 8, 1, 0}, 46000000, &o), WIRE_DEFRAG_HELD);
	/* time going backwards expires nothing */
	CHECK_INT(wire_defrag_expire(&d, 0), 0);
	/* a fragment fed after 60 s expires the IPv6 one */
	CHECK_INT(feed(&d, 4, 2, (struct fr){0, 8, 1, 0}, 61001001, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(d.st.dropped[WIRE_DEFRAG_TIMEOUT], 2);
	CHECK_INT(d.nq, 2);
	wire_defrag_finish(&d);
	CHECK_INT(d.st.unfinished, 2);
	CHECK_INT(d.nq, 0);
	wire_defrag_free(&d);
}

static void test_eviction(void)
{
	struct wire_defrag_limits lim;
	wire_defrag_defaults(&lim);
	lim.queues_max = 4;
	struct wire_defrag d;
	struct wire_defrag_out o;
	CHECK_INT(wire_defrag_init(&d, &lim), 0);
	for (uint32_t id = 0; id < 5; id++)
		CHECK_INT(feed(&d, id % 2 ? 6 : 4, id, (struct fr){0, 8, 1, 0}, 10 + id, &o),
		          WIRE_DEFRAG_HELD);
	CHECK_INT(d.nq, 4);
	CHECK_INT(d.st.dropped[WIRE_DEFRAG_EVICTED], 1);
	/* id 0 (the oldest, IPv4) was evicted, id 1 (IPv6) was not */
	CHECK_INT(feed(&d, 6, 1, (struct fr){8, 8, 0, 0}, 20, &o), WIRE_DEFRAG_DONE);
	CHECK_INT(feed(&d, 4, 0, (struct fr){8, 8, 0, 0}, 20, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(d.st.dropped[WIRE_DEFRAG_EVICTED], 1);
	wire_defrag_free(&d);
}

/* Eviction with datagrams of one family only (the other age list empty):
 * found by fuzz_defrag (read before the slot array). */
static void test_eviction_one_family(void)
{
	struct wire_defrag_limits lim;
	wire_defrag_defaults(&lim);
	lim.queues_max = 2;
	struct wire_defrag d;
	struct wire_defrag_out o;
	CHECK_INT(wire_defrag_init(&d, &lim), 0);
	for (uint32_t id = 0; id < 6; id++)
		CHECK_INT(feed(&d, 4, id, (struct fr){0, 8, 1, 0}, 10 + id, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(d.nq, 2);
	CHECK_INT(d.st.dropped[WIRE_DEFRAG_EVICTED], 4);
	CHECK_INT(feed(&d, 4, 5, (struct fr){8, 8, 0, 0}, 20, &o), WIRE_DEFRAG_DONE);
	CHECK_INT(feed(&d, 4, 4, (struct fr){8, 8, 0, 0}, 20, &o), WIRE_DEFRAG_DONE);
	wire_defrag_free(&d);
}

static void test_too_many(void)
{
	struct wire_defrag_limits lim;
	wire_defrag_defaults(&lim);
	lim.frags_max = 4;
	struct wire_defrag d;
	struct wire_defrag_out o;
	CHECK_INT(wire_defrag_init(&d, &lim), 0);
	for (uint32_t i = 0; i < 4; i++)
		CHECK_INT(feed(&d, 6, 1, (struct fr){8 * i, 8, 1, 0}, 1, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(feed(&d, 6, 1, (struct fr){32, 8, 0, 0}, 1, &o), WIRE_DEFRAG_DROPPED);
	CHECK_INT(o.why, WIRE_DEFRAG_TOO_MANY);
	CHECK_INT(d.st.dropped[WIRE_DEFRAG_TOO_MANY], 1);
	CHECK_INT(d.st.frags_dropped, 5);
	/* 4 fragments is fine */
	for (uint32_t i = 0; i < 3; i++)
		CHECK_INT(feed(&d, 6, 2, (struct fr){8 * i, 8, 1, 0}, 1, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(feed(&d, 6, 2, (struct fr){24, 8, 0, 0}, 1, &o), WIRE_DEFRAG_DONE);
	wire_defrag_free(&d);
}

static void test_memory(void)
{
	struct wire_defrag_limits lim;
	wire_defrag_defaults(&lim);
	lim.mem_max = 5000;
	struct wire_defrag d;
	struct wire_defrag_out o;
	CHECK_INT(wire_defrag_init(&d, &lim), 0);
	/* two datagrams of 2000 bytes fit (buffers sized by the last fragment) */
	CHECK_INT(feed(&d, 4, 1, (struct fr){1000, 1000, 0, 0}, 1, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(feed(&d, 4, 2, (struct fr){1000, 1000, 0, 0}, 2, &o), WIRE_DEFRAG_HELD);
	CHECK(d.held <= lim.mem_max);
	CHECK_INT(d.nq, 2);
	/* a third one evicts the oldest */
	CHECK_INT(feed(&d, 4, 3, (struct fr){1000, 1000, 0, 0}, 3, &o), WIRE_DEFRAG_HELD);
	CHECK(d.held <= lim.mem_max);
	CHECK_INT(d.st.dropped[WIRE_DEFRAG_MEMORY], 1);
	CHECK_INT(feed(&d, 4, 1, (struct fr){0, 1000, 1, 0}, 4, &o), WIRE_DEFRAG_HELD);
	CHECK_INT(d.st.dropped[WIRE_DEFRAG_MEMORY], 2); /* id 1 came back, id 2 went */
	CHECK_INT(feed(&d, 4, 3, (struct fr){0, 1000, 1, 0}, 5, &o), WIRE_DEFRAG_DONE);
	CHECK_INT(o.len, 2000);
	/* one datagram larger than the cap on its own is dropped */
	CHECK_INT(feed(&d, 4, 9, (struct fr){0, 6000, 1, 0}, 6, &o), WIRE_DEFRAG_DROPPED);
	CHECK_INT(o.why, WIRE_DEFRAG_MEMORY);
	CHECK(d.held <= lim.mem_max);
	wire_defrag_free(&d);
}

/* Many datagrams interleaved, all complete: nothing left, nothing dropped. */
static void test_interleaved(void)
{
	struct wire_defrag d;
	struct wire_defrag_out o;
	CHECK_INT(wire_defrag_init(&d, NULL), 0);
	int done = 0;
	for (uint32_t part = 0; part < 3; part++)
		for (uint32_t id = 0; id < 500; id++) {
			struct fr f = {(2 - part) * 504, part ? 504 : 100, part ? 1 : 0, 0};
			int rc = feed(&d, id % 3 ? 4 : 6, id, f, part, &o);
			if (rc == WIRE_DEFRAG_DONE && o.len == 1108 &&
			    memcmp(o.data, pat, 1108) == 0)
				done++;
		}
	CHECK_INT(done, 500);
	CHECK_INT(d.nq, 0);
	CHECK_INT(d.held, 0);
	CHECK_INT(d.st.frags_dropped, 0);
	CHECK_STR(wire_defrag_why_name(WIRE_DEFRAG_OVERLAP), "overlap");
	wire_defrag_free(&d);
}

/* ---- whole packets (defrag_pkt.c) -------------------------------------- */

static void be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Raw IPv6 with a Destination Options header before the Fragment header:
 * the reassembled packet names UDP in the options header, its payload
 * length covers the options and the datagram, and the UDP checksum over the
 * whole datagram verifies. */
static void test_packet_v6_ext(void)
{
	uint8_t udp[28], frag[2][40 + 8 + 8 + 16];
	memcpy(udp + 8, pat, 20);
	be16(udp, 5001);
	be16(udp + 2, 6001);
	be16(udp + 4, 28);
	be16(udp + 6, 0);
	uint8_t src[16] = {0xfd, [15] = 1}, dst[16] = {0xfd, [15] = 2},
	        ph[8] = {0, 0, 0, 28, 0, 0, 0, 17};
	uint32_t sum = wire_csum_add(wire_csum_add(wire_csum_add(0, src, 16), dst, 16), ph, 8);
	be16(udp + 6, wire_csum_fold(wire_csum_add(sum, udp, 28)));
	struct wire_defragger g;
	CHECK_INT(wire_defragger_init(&g, NULL), 0);
	const struct wire_pkt *show = NULL;
	for (int i = 1; i >= 0; i--) { /* last fragment first */
		uint8_t *b = frag[i];
		size_t n = i ? 12 : 16;
		memset(b, 0, sizeof(frag[i]));
		b[0] = 0x60;
		be16(b + 4, (unsigned)(8 + 8 + n));
		b[6] = 60; /* destination options */
		b[7] = 64;
		memcpy(b + 8, src, 16);
		memcpy(b + 24, dst, 16);
		b[40] = 44; /* then the Fragment header */
		b[42] = 1;  /* PadN, 4 bytes */
		b[43] = 4;
		b[48] = 17;
		be16(b + 50, (unsigned)(i ? 16 : 0) | (i ? 0 : 1));
		b[55] = 7; /* id */
		memcpy(b + 56, udp + (i ? 16 : 0), n);
		struct wire_pkt pkt = {.data = b,
		                       .caplen = (uint32_t)(56 + n),
		                       .wirelen = (uint32_t)(56 + n),
		                       .linktype = WIRE_LINK_RAW,
		                       .num = (uint64_t)(2 - i)};
		CHECK_INT(wire_defragger_packet(&g, &pkt, &show), i ? 0 : 1);
	}
	CHECK_INT(show->caplen, 40 + 8 + 28);
	CHECK_INT(show->data[40], 17);
	CHECK_INT(show->data[4] << 8 | show->data[5], 36);
	CHECK_MEM(show->data + 48, 28, udp, 28);
	struct wire_dissect d;
	wire_dissect(&d, show);
	CHECK(d.tp >= 0 && d.l[d.tp].kind == WIRE_L_UDP);
	if (d.tp >= 0) {
		CHECK_INT(d.l[d.tp].u.udp.ulen, 28);
		CHECK_INT(d.l[d.tp].u.udp.csum_st, WIRE_CSUM_OK);
	}
	CHECK_INT(g.fragments, 2);
	wire_defragger_free(&g);
}

/* IPv4: the rebuilt header has the total length, DF kept, no MF or offset,
 * and a checksum that verifies; a fragment cut by the snapshot length is
 * counted, not fed. */
static void test_packet_v4(void)
{
	uint8_t f[2][20 + 16];
	struct wire_defragger g;
	const struct wire_pkt *show = NULL;
	CHECK_INT(wire_defragger_init(&g, NULL), 0);
	for (int i = 0; i < 2; i++) {
		uint8_t *b = f[i];
		memset(b, 0, sizeof(f[i]));
		b[0] = 0x45;
		be16(b + 2, 36);
		be16(b + 4, 0x4242);
		be16(b + 6, 0x4000u | (i ? 2u : 0x2000u)); /* DF; offset 16 or MF */
		b[8] = 64;
		b[9] = 17;
		b[12] = 10;
		b[15] = 1;
		b[16] = 10;
		b[19] = 2;
		be16(b + 10, wire_csum_fold(wire_csum_add(0, b, 20)));
		memcpy(b + 20, pat + 16 * i, 16);
		struct wire_pkt pkt = {
		    .data = b, .caplen = 36, .wirelen = 36, .linktype = WIRE_LINK_RAW};
		if (i == 1) { /* first cut short: not fed */
			pkt.caplen = 30;
			CHECK_INT(wire_defragger_packet(&g, &pkt, &show), 0);
			CHECK(show == &pkt);
			CHECK_INT(g.truncated, 1);
			pkt.caplen = 36;
		}
		CHECK_INT(wire_defragger_packet(&g, &pkt, &show), i);
	}
	CHECK_INT(show->caplen, 52);
	CHECK_INT(show->data[2] << 8 | show->data[3], 52);
	CHECK_INT(show->data[6] << 8 | show->data[7], 0x4000);
	CHECK_INT(wire_csum_fold(wire_csum_add(0, show->data, 20)), 0);
	CHECK_MEM(show->data + 20, 32, pat, 32);
	wire_defragger_free(&g);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(pat); i++) {
		pat[i] = PAT(i);
		alt[i] = (uint8_t)~PAT(i);
	}
	test_permutations();
	test_overlap_table();
	test_overlap_discards_everything();
	test_atomic();
	test_keys();
	test_timeout();
	test_eviction();
	test_eviction_one_family();
	test_too_many();
	test_memory();
	test_interleaved();
	test_packet_v6_ext();
	test_packet_v4();
	return T_END();
}
