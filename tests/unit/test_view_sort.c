/* SPDX-License-Identifier: BSD-2-Clause */
/* The server's sort (src/core/view_sort.c): the heap sort done a step at a
 * time against the order it must give (key, then number, both directions,
 * turned around half-way), and the keys: addresses by their bytes (IPv4
 * before IPv6, 10.0.0.2 before 10.0.0.10), length and time as numbers, and
 * the Info column as the page shows it. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "view_int.h"
#include "wire/packet.h"

static int in_order(const struct wire_vsort_ent *e, uint32_t n, int desc)
{
	for (uint32_t i = 1; i < n; i++) {
		int c = memcmp(e[i - 1].k, e[i].k, WIRE_VIEW_SORT_KEY);
		if ((desc ? c < 0 : c > 0) || (c == 0 && e[i - 1].n >= e[i].n))
			return 0;
	}
	return 1;
}

/* Sorts e[0..n) by steps; returns the steps taken (bounded), or -1. */
static long heap(struct wire_vsort_ent *e, uint32_t n, int desc)
{
	uint32_t hi = n / 2, hend = n;
	long steps = 0;
	while (wire_vsort_step(e, n, desc, &hi, &hend))
		if (++steps > 4L * n + 8)
			return -1;
	return steps;
}

static void test_heap(void)
{
	static const uint32_t sizes[] = {0, 1, 2, 3, 17, 1000};
	srand(7);
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t n = sizes[s];
		struct wire_vsort_ent *e = calloc(n + 1, sizeof(*e));
		CHECK(e != NULL);
		if (!e)
			return;
		for (uint32_t i = 0; i < n; i++) {
			e[i].k[0] = (uint8_t)(rand() % 5); /* many ties */
			e[i].k[WIRE_VIEW_SORT_KEY - 1] = (uint8_t)(rand() % 2);
			e[i].n = n - i + (uint32_t)(rand() % 3) * 5000;
		}
		CHECK(heap(e, n, 0) >= 0);
		CHECK(in_order(e, n, 0));
		CHECK(heap(e, n, 1) >= 0); /* turned around */
		CHECK(in_order(e, n, 1));
		free(e);
	}
}

static uint8_t frame[128];

/* An Ethernet frame of IPv4 (or IPv6) UDP from src to dst, 10 payload bytes. */
static struct wire_pkt udp_pkt(const uint8_t *src, const uint8_t *dst, int v6, uint64_t num)
{
	memset(frame, 0, sizeof(frame));
	size_t ip = 14, al = v6 ? 16 : 4, hl = v6 ? 40 : 20;
	frame[12] = v6 ? 0x86 : 0x08;
	frame[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		frame[ip] = 0x60;
		frame[ip + 5] = 18; /* payload length */
		frame[ip + 6] = 17;
		frame[ip + 7] = 64;
	} else {
		frame[ip] = 0x45;
		frame[ip + 3] = 20 + 18;
		frame[ip + 8] = 64;
		frame[ip + 9] = 17;
	}
	memcpy(frame + ip + hl - 2 * al, src, al);
	memcpy(frame + ip + hl - al, dst, al);
	uint8_t *u = frame + ip + hl;
	u[0] = 0x03, u[1] = 0xe8, u[2] = 0x13, u[3] = 0x89, u[5] = 18; /* 1000 -> 5001 */
	uint32_t len = (uint32_t)(ip + hl + 18);
	struct wire_pkt p = {.data = frame,
	                     .caplen = len,
	                     .wirelen = len,
	                     .linktype = 1,
	                     .num = num,
	                     .ts = {1700000000, (long)num}};
	return p;
}

static void key_of(struct view *v, int col, struct wire_pkt p, uint8_t *k)
{
	wire_vsort_key(v, col, &p, k);
}

static void test_keys(void)
{
	struct view *v = NULL;
	CHECK_INT(wire_view_open(&v, 1), 0);
	if (!v)
		return;
	static const uint8_t a2[4] = {10, 0, 0, 2}, a10[4] = {10, 0, 0, 10}, b1[4] = {11, 0, 0, 1};
	static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	uint8_t k2[WIRE_VIEW_SORT_KEY], k10[WIRE_VIEW_SORT_KEY], kb[WIRE_VIEW_SORT_KEY],
	    k6[WIRE_VIEW_SORT_KEY];
	key_of(v, WIRE_VC_SRC, udp_pkt(a2, b1, 0, 1), k2);
	key_of(v, WIRE_VC_SRC, udp_pkt(a10, b1, 0, 2), k10);
	key_of(v, WIRE_VC_SRC, udp_pkt(b1, a2, 0, 3), kb);
	key_of(v, WIRE_VC_SRC, udp_pkt(s6, s6, 1, 4), k6);
	CHECK(memcmp(k2, k10, sizeof(k2)) < 0); /* 10.0.0.2 < 10.0.0.10 */
	CHECK(memcmp(k10, kb, sizeof(k2)) < 0);
	CHECK(memcmp(kb, k6, sizeof(k2)) < 0); /* IPv4 before IPv6 */
	CHECK_INT(k2[0], 1);
	CHECK_INT(k6[0], 2);
	key_of(v, WIRE_VC_DST, udp_pkt(b1, a10, 0, 5), k10);
	CHECK(memcmp(k10 + 1, a10, 4) == 0);
	key_of(v, WIRE_VC_LEN, udp_pkt(a2, b1, 0, 1), k2);
	key_of(v, WIRE_VC_LEN, udp_pkt(s6, s6, 1, 1), k6);
	CHECK(memcmp(k2, k6, sizeof(k2)) < 0); /* 52 < 72 bytes */
	key_of(v, WIRE_VC_T, udp_pkt(a2, b1, 0, 9), k2);
	key_of(v, WIRE_VC_T, udp_pkt(a2, b1, 0, 10), k10);
	CHECK(memcmp(k2, k10, sizeof(k2)) < 0);
	key_of(v, WIRE_VC_P, udp_pkt(a2, b1, 0, 1), k2);
	CHECK(k2[0] >= 'a' && k2[0] <= 'z');
	key_of(v, WIRE_VC_INFO, udp_pkt(a2, b1, 0, 1), k2);
	static const char want[] = "1000 \xe2\x86\x92 5001 "; /* "IP a.1000 > b.5001: " cut */
	CHECK(memcmp(k2, want, sizeof(want) - 1) == 0);
	key_of(v, WIRE_VC_INFO, udp_pkt(s6, s6, 1, 1), k6);
	CHECK(memcmp(k6, want, sizeof(want) - 1) == 0);
	wire_view_close(v);
}

int main(void)
{
	test_heap();
	test_keys();
	return T_END();
}
