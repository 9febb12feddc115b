/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP analysis (tcpanalysis.h): each tcp.analysis.* flag from a crafted
 * sequence of segments, the values checked against what tshark 4.0 gives for
 * the same sequence (tests/net/test_tcpanalysis.py compares whole files). */
#include <string.h>

#include "t.h"
#include "wire/dissect.h"
#include "wire/limits.h"
#include "wire/tcpanalysis.h"

#define MS 1000000ull
#define S WIRE_TH_SYN
#define A WIRE_TH_ACK
#define F WIRE_TH_FIN
#define R WIRE_TH_RST

static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};

struct run {
	struct wire_tcpa *a;
	uint16_t cport;
	uint64_t ms;
	struct wire_tcpa_res res;
};

/* Feeds one segment (dir 0: client to server) at ms; returns its flags. */
static uint32_t seg(struct run *r, int dir, uint64_t ms, uint32_t seq, uint32_t ack, uint16_t fl,
                    uint32_t len, uint16_t win, int ws)
{
	struct wire_tcpa_seg g = {
	    .alen = 4,
	    .src = dir ? srv : cli,
	    .dst = dir ? cli : srv,
	    .sport = dir ? 80 : r->cport,
	    .dport = dir ? r->cport : 80,
	    .seq = seq,
	    .ack = ack,
	    .flags = fl,
	    .win = win,
	    .wscale = (int8_t)ws,
	    .len = len,
	    .ts = ms * MS,
	};
	wire_tcpa_feed(r->a, &g, &r->res);
	return r->res.flags;
}

#define C(ms, seq, ack, fl, len) seg(&r, 0, ms, seq, ack, fl, len, 1000, -1)
#define V(ms, seq, ack, fl, len) seg(&r, 1, ms, seq, ack, fl, len, 1000, -1)
#define VW(ms, seq, ack, fl, len, w) seg(&r, 1, ms, seq, ack, fl, len, w, -1)

static void handshake(struct run *r)
{
	CHECK_INT(seg(r, 0, 0, 1000, 0, S, 0, 1000, 7), 0);
	CHECK_INT(seg(r, 1, 10, 5000, 1001, S | A, 0, 1000, 7), 0);
	CHECK_INT(seg(r, 0, 20, 1001, 5001, A, 0, 1000, -1), 0);
}

static void loss_and_retransmissions(void)
{
	struct run r = {.a = wire_tcpa_new(), .cport = 1001};
	CHECK(r.a != NULL);
	handshake(&r);
	CHECK_INT(C(100, 1001, 5001, A, 100), 0);
	CHECK_INT(C(102, 1201, 5001, A, 100), WIRE_TCPA_LOST);
	CHECK_INT(V(110, 5001, 1101, A, 0), 0);
	for (unsigned k = 1; k <= 3; k++) {
		CHECK_INT(V(110 + k, 5001, 1101, A, 0), WIRE_TCPA_DUP_ACK);
		CHECK_INT(r.res.dupack, k);
	}
	CHECK_INT(C(115, 1101, 5001, A, 100), WIRE_TCPA_FAST_RETRANS | WIRE_TCPA_RETRANS);
	CHECK_INT(V(120, 5001, 1301, A, 0), 0);
	CHECK_INT(C(300, 1201, 5001, A, 100), WIRE_TCPA_SPURIOUS | WIRE_TCPA_RETRANS);
	CHECK_INT(C(310, 1301, 5001, A, 100), 0);
	CHECK_INT(C(600, 1301, 5001, A, 100), WIRE_TCPA_RETRANS);
	CHECK_INT(C(601, 1501, 5001, A, 100), WIRE_TCPA_LOST);
	/* within the iRTT (20 ms) of the highest segment: out of order */
	CHECK_INT(C(605, 1401, 5001, A, 100), WIRE_TCPA_OOO);
	CHECK_INT(C(800, 1601, 5001, A | F, 0), 0);
	/* a new SYN on the same ports with another ISN */
	CHECK_INT(seg(&r, 0, 2000, 90000, 0, S, 0, 1000, 7), WIRE_TCPA_REUSED);
	CHECK_INT(seg(&r, 1, 2010, 7000, 90001, S | A, 0, 1000, 7), 0);
	CHECK_INT(wire_tcpa_stats(r.a)->convs, 2);
	wire_tcpa_free(r.a);
}

static void windows(void)
{
	struct run r = {.a = wire_tcpa_new(), .cport = 1002};
	CHECK_INT(seg(&r, 0, 0, 1000, 0, S, 0, 1000, -1), 0);
	CHECK_INT(seg(&r, 1, 10, 5000, 1001, S | A, 0, 1000, -1), 0);
	CHECK_INT(C(20, 1001, 5001, A, 0), 0);
	CHECK_INT(C(100, 1001, 5001, A, 500), 0);
	CHECK_INT(C(101, 1501, 5001, A, 500), WIRE_TCPA_WIN_FULL);
	CHECK_INT(VW(110, 5001, 2001, A, 0, 0), WIRE_TCPA_ZERO_WIN);
	CHECK_INT(C(300, 2001, 5001, A, 1), WIRE_TCPA_ZWP);
	CHECK_INT(VW(310, 5001, 2001, A, 0, 0), WIRE_TCPA_ZERO_WIN | WIRE_TCPA_ZWP_ACK);
	CHECK_INT(VW(400, 5001, 2001, A, 0, 2000), WIRE_TCPA_WIN_UPDATE);
	/* the probe did not move the next sequence number */
	CHECK_INT(C(401, 2001, 5001, A, 100), 0);
	/* a RST is never a zero window */
	CHECK_INT(VW(500, 5001, 2101, R | A, 0, 0), 0);
	wire_tcpa_free(r.a);
}

/* A SYN/ACK seen twice is a retransmission (the SYN counts in the sequence);
 * data starting one byte early (after a probe) is not looked at. */
static void resent_syn_and_one_byte_early(void)
{
	struct run r = {.a = wire_tcpa_new(), .cport = 1005};
	CHECK_INT(seg(&r, 0, 0, 1000, 0, S, 0, 1000, -1), 0);
	CHECK_INT(seg(&r, 1, 1, 5000, 1001, S | A, 0, 1000, -1), 0);
	CHECK_INT(seg(&r, 1, 1, 5000, 1001, S | A, 0, 1000, -1), WIRE_TCPA_RETRANS);
	CHECK_INT(C(2, 1001, 5001, A, 100), 0);
	CHECK_INT(C(2, 1100, 5001, A, 50), 0);
	CHECK_INT(C(2, 1100, 5001, A, 50), WIRE_TCPA_RETRANS); /* ends at nextseq */
	wire_tcpa_free(r.a);
}

static void keepalive_and_unseen(void)
{
	struct run r = {.a = wire_tcpa_new(), .cport = 1003};
	handshake(&r);
	CHECK_INT(C(100, 1001, 5001, A, 10), 0);
	CHECK_INT(V(110, 5001, 1011, A, 0), 0);
	CHECK_INT(C(1100, 1010, 5001, A, 0), WIRE_TCPA_KEEPALIVE);
	CHECK_INT(V(1110, 5001, 1011, A, 0), WIRE_TCPA_KA_ACK);
	CHECK_INT(C(2100, 1010, 5001, A, 1), WIRE_TCPA_KEEPALIVE);
	CHECK_INT(V(2110, 5001, 1011, A, 0), WIRE_TCPA_KA_ACK);
	/* the server acks bytes the capture never had */
	CHECK_INT(V(2200, 5001, 1111, A, 0), WIRE_TCPA_ACK_LOST);
	wire_tcpa_free(r.a);
}

/* More conversations than the table holds: evictions are counted, and an
 * evicted conversation starts again without false flags. */
static void eviction(void)
{
	struct run r = {.a = wire_tcpa_new()};
	unsigned flagged = 0;
	for (uint32_t i = 0; i < WIRE_TCPA_MAX_CONVS + 1000; i++) {
		r.cport = (uint16_t)(1024 + i % 60000);
		uint8_t c2[4] = {10, 1, (uint8_t)(i >> 8), (uint8_t)i};
		struct wire_tcpa_seg g = {.alen = 4,
		                          .src = c2,
		                          .dst = srv,
		                          .sport = r.cport,
		                          .dport = 80,
		                          .seq = i,
		                          .flags = S,
		                          .win = 100,
		                          .wscale = -1,
		                          .ts = i};
		wire_tcpa_feed(r.a, &g, &r.res);
		flagged += r.res.flags != 0;
	}
	CHECK_INT(flagged, 0);
	CHECK(wire_tcpa_stats(r.a)->evicted >= 1000);
	wire_tcpa_free(r.a);
}

static void names(void)
{
	CHECK_STR(wire_tcpa_field(0), "tcp.analysis.retransmission");
	CHECK_STR(wire_tcpa_field(14), "tcp.analysis.reused_ports");
	CHECK_STR(wire_tcpa_tag(6), "dup ack");
	CHECK(wire_tcpa_field(WIRE_TCPA_KINDS) == NULL);
}

int main(void)
{
	loss_and_retransmissions();
	windows();
	resent_syn_and_one_byte_early();
	keepalive_and_unseen();
	eviction();
	names();
	return T_END();
}
