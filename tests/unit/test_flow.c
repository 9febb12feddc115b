/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The --flow ladder (wire/flow.h): the exact text of a small exchange (the
 * layout tshark's -z flow,tcp,standard prints, checked against it by
 * tests/golden/test_flow_tshark.py), the stream column and separators, a
 * host talking to itself, nanosecond and negative times, flags without a
 * name, and the host and arrow caps counted instead of drawn.
 */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "wire/buf.h"
#include "wire/dissect.h"
#include "wire/flow.h"
#include "wire/limits.h"
#include "wire/sink.h"

static const uint8_t ha[4] = {10, 0, 0, 1}, hb[4] = {10, 0, 0, 2};

static struct wire_flow_seg seg(const uint8_t *s, const uint8_t *d, uint16_t sp, uint16_t dp,
                                uint16_t flags, uint32_t len, uint32_t stream, long ms)
{
	struct wire_flow_seg g;
	memset(&g, 0, sizeof(g));
	g.ts.tv_sec = 100 + ms / 1000;
	g.ts.tv_nsec = (ms % 1000) * 1000000L;
	g.alen = 4;
	g.src = s;
	g.dst = d;
	g.sport = sp;
	g.dport = dp;
	g.flags = flags;
	g.seq = 1;
	g.ack = 1;
	g.len = len;
	g.stream = stream;
	g.digits = 6;
	return g;
}

/* The ladder of f as a NUL-terminated string (freed by the caller). */
static char *text(struct wire_flow *f)
{
	struct wire_buf mem;
	struct wire_sink sink;
	wire_buf_init(&mem, 1 << 20);
	wire_sink_init_mem(&sink, &mem);
	CHECK_INT(wire_flow_write(f, &sink), 0);
	wire_sink_flush(&sink);
	size_t n = wire_buf_used(&mem);
	char *s = malloc(n + 1);
	if (!s)
		abort();
	if (n) /* an empty ladder: the buffer may hold no memory at all */
		memcpy(s, wire_buf_head(&mem), n);
	s[n] = '\0';
	wire_buf_free(&mem);
	return s;
}

static void test_two_hosts(void)
{
	struct wire_flow *f = wire_flow_new();
	struct wire_flow_seg g = seg(ha, hb, 40000, 80, WIRE_TH_SYN, 0, 0, 0);
	g.seq = 0;
	wire_flow_add(f, &g);
	g = seg(hb, ha, 80, 40000, WIRE_TH_PSH | WIRE_TH_ACK, 605, 0, 1500);
	wire_flow_add(f, &g);
	char *s = text(f);
	CHECK_STR(s, "|Time     | 10.0.0.1                              |\n"
	             "|         |                   | 10.0.0.2          |                   \n"
	             "|0.000000 |         SYN       |                   |Seq = 0\n"
	             "|         |(40000)  ------------------>  (80)     |\n"
	             "|1.500000 |         PSH, ACK - Len: 605           |Seq = 1 Ack = 1\n"
	             "|         |(40000)  <------------------  (80)     |\n");
	free(s);
	wire_flow_free(f);
}

static void test_streams_self_and_times(void)
{
	struct wire_flow *f = wire_flow_new();
	struct timespec t0 = {101, 0};
	wire_flow_set_start(f, &t0); /* later than both: negative times */
	struct wire_flow_seg g = seg(ha, ha, 1, 2, 0, 0, 0, 0);
	wire_flow_add(f, &g);
	g = seg(ha, hb, 3, 4, WIRE_TH_ACK | 0x100 | 0x200, 0, 7, 2);
	g.ts.tv_nsec += 123;
	g.digits = 9;
	wire_flow_add(f, &g);
	char *s = text(f);
	/* a host to itself: its arrow goes to the next lane */
	CHECK(strstr(s, "Conv.| Time    | 10.0.0.1") == s);
	CHECK(strstr(s, "0    |-1.000000|         <None>    |                   |Seq = 1\n"
	                "     |         |(1)      ------------------>  (2)      |\n") != NULL);
	/* the separator: the lanes and the stream and time columns wide */
	CHECK(strstr(s, "|\n---------------------------------------------------------\n"
	                "7    |-0.997999877|") != NULL);
	CHECK(strstr(s, "ACK, AE, Reserved") != NULL);
	CHECK(strstr(s, "|Seq = 1 Ack = 1\n") != NULL);
	free(s);
	wire_flow_free(f);
}

static void test_caps(void)
{
	struct wire_flow *f = wire_flow_new();
	uint8_t a[4] = {10, 1, 0, 0}, b[4] = {10, 2, 0, 0};
	for (unsigned i = 0; i < WIRE_FLOW_NODES_MAX; i++) {
		a[3] = (uint8_t)i;
		b[3] = (uint8_t)i;
		struct wire_flow_seg g = seg(a, b, 1, 2, WIRE_TH_ACK, 0, i, (long)i);
		wire_flow_add(f, &g);
	}
	const struct wire_flow_stats *st = wire_flow_stats(f);
	CHECK_INT(st->items, WIRE_FLOW_NODES_MAX / 2);
	CHECK_INT(st->over_nodes, WIRE_FLOW_NODES_MAX / 2);
	char *s = text(f);
	CHECK(strstr(s, "10.1.0.19") != NULL && strstr(s, "10.1.0.20") == NULL);
	free(s);
	/* an empty ladder prints nothing */
	struct wire_flow *e = wire_flow_new();
	s = text(e);
	CHECK_STR(s, "");
	free(s);
	wire_flow_free(e);
	/* not IPv4 or IPv6: left out */
	struct wire_flow_seg g = seg(ha, hb, 1, 2, 0, 0, 0, 0);
	g.alen = 6;
	CHECK_INT(wire_flow_add(f, &g), 0);
	CHECK_INT(st->items, WIRE_FLOW_NODES_MAX / 2);
	wire_flow_free(f);
}

int main(void)
{
	test_two_hosts();
	test_streams_self_and_times();
	test_caps();
	return T_END();
}
