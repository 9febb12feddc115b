/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the --trace engine without capture: the adapter over the
 * dissectors (Ethernet, QinQ with 0x88a8 and 0x9100, SLL2, IPv4/IPv6,
 * TCP/UDP, ICMP and ICMPv6 errors with the quoted packet, IPv4 and IPv6
 * fragments; every truncation agrees with what wire_dissect says), the TCP state tracker (client
 * and server, each way of closing, the RST causes; both sides of one capture fed to two trackers,
 * FINs crossing in either capture order), and the merged timeline (calls and packets fed out of
 * order come out in time order, unrelated packets are dropped, and the notes: handshake, TIME_WAIT,
 * segments, ICMP tied to its datagram, fragments), and printing that stalls on a full pipe while
 * the command's calls go on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "wire/buf.h"
#include "wire/dissect.h"
#include "wire/err.h"
#include "wire/sink.h"
#include "wire/trace.h"

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

/* ---- frames ------------------------------------------------------------- */

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

/* Writes an IPv4 header (no options) at p. Returns 20. */
static size_t ip4(uint8_t *p, uint16_t tot, uint16_t id, uint16_t frag, uint8_t proto,
                  const uint8_t src[4], const uint8_t dst[4])
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, tot);
	put16(p + 4, id);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	return 20;
}

static const uint8_t A[4] = {127, 0, 0, 1}, B[4] = {127, 0, 0, 2};

static unsigned check_cuts(const uint8_t *f, size_t n, int linktype);

static void test_decode_tcp(void)
{
	uint8_t f[14 + 20 + 20 + 6];
	memset(f, 0, sizeof(f));
	put16(f + 12, 0x0800);
	ip4(f + 14, 46, 7, 0x4000, IPPROTO_TCP, A, B);
	uint8_t *t = f + 34;
	put16(t, 40000);
	put16(t + 2, 5005);
	put32(t + 4, 1000);
	put32(t + 8, 2000);
	put16(t + 12, (uint16_t)(5u << 12 | F_PSH | F_ACK));
	put16(t + 14, 512);
	memcpy(t + 20, "hello\n", 6);
	struct wire_pkt pkt = {
	    .data = f, .caplen = sizeof(f), .wirelen = sizeof(f), .linktype = WIRE_LINK_ETHERNET};
	struct wire_tpkt p;
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.family, 4);
	CHECK_INT(p.proto, IPPROTO_TCP);
	CHECK_INT(p.sport, 40000);
	CHECK_INT(p.dport, 5005);
	CHECK_INT(p.seq, 1000);
	CHECK_INT(p.ack, 2000);
	CHECK_INT(p.tflags, F_PSH | F_ACK);
	CHECK_INT(p.paylen, 6);
	CHECK_INT(p.win, 512);
	CHECK_INT(p.l4ok, 1);
	CHECK(!memcmp(p.src, A, 4) && !memcmp(p.dst, B, 4));

	/* Ethernet padding is not payload: the IP length rules */
	uint8_t g[80];
	memset(g, 0, sizeof(g));
	memcpy(g, f, sizeof(f) - 6);
	ip4(g + 14, 40, 7, 0, IPPROTO_TCP, A, B);
	memcpy(g + 34, t, 20);
	pkt.data = g;
	pkt.caplen = pkt.wirelen = sizeof(g);
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.paylen, 0);

	/* every truncation: no over-read, and no transport fields from a
	 * header that was cut */
	for (uint32_t cut = 0; cut < sizeof(f); cut++) {
		uint8_t *c = malloc(cut ? cut : 1);
		memcpy(c, f, cut);
		struct wire_pkt q = {
		    .data = c, .caplen = cut, .wirelen = sizeof(f), .linktype = WIRE_LINK_ETHERNET};
		int r = wire_trace_decode(&q, &p);
		CHECK_INT(r, cut >= 34 ? 1 : 0);
		CHECK_INT(p.l4ok, cut >= 54 ? 1 : 0);
		free(c);
	}
	CHECK_INT(check_cuts(f, sizeof(f), WIRE_LINK_ETHERNET), sizeof(f) + 1 - 34);
	/* invalid: data offset under 5 words, IHL under 5 */
	put16(t + 12, (uint16_t)(4u << 12 | F_ACK));
	pkt.data = f;
	pkt.caplen = pkt.wirelen = sizeof(f);
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.l4ok, 0);
	f[14] = 0x44;
	CHECK_INT(wire_trace_decode(&pkt, &p), 0);
	/* not IP */
	put16(f + 12, 0x0806);
	CHECK_INT(wire_trace_decode(&pkt, &p), 0);
}

static void test_decode_icmp(void)
{
	/* SLL2 + IPv4 + ICMP port unreachable quoting IPv4 + UDP */
	uint8_t f[20 + 20 + 8 + 20 + 8];
	memset(f, 0, sizeof(f));
	put16(f, 0x0800);
	size_t o = 20;
	o += ip4(f + o, 56, 1, 0, IPPROTO_ICMP, B, A);
	f[o] = 3;
	f[o + 1] = 3;
	o += 8;
	o += ip4(f + o, 34, 4242, 0x4000, IPPROTO_UDP, A, B);
	put16(f + o, 40001);
	put16(f + o + 2, 5006);
	put16(f + o + 4, 14);
	struct wire_pkt pkt = {
	    .data = f, .caplen = sizeof(f), .wirelen = sizeof(f), .linktype = WIRE_LINK_LINUX_SLL2};
	struct wire_tpkt p;
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.proto, IPPROTO_ICMP);
	CHECK_INT(p.itype, 3);
	CHECK_INT(p.icode, 3);
	CHECK_INT(p.q.ok, 1);
	CHECK_INT(p.q.proto, IPPROTO_UDP);
	CHECK_INT(p.q.sport, 40001);
	CHECK_INT(p.q.dport, 5006);
	CHECK_INT(p.q.ipid, 4242);
	CHECK(!memcmp(p.q.src, A, 4) && !memcmp(p.q.dst, B, 4));
	for (uint32_t cut = 0; cut < sizeof(f); cut++) {
		uint8_t *c = malloc(cut ? cut : 1);
		memcpy(c, f, cut);
		struct wire_pkt q = {.data = c,
		                     .caplen = cut,
		                     .wirelen = sizeof(f),
		                     .linktype = WIRE_LINK_LINUX_SLL2};
		(void)wire_trace_decode(&q, &p);
		CHECK(p.q.sport == 0 || cut >= sizeof(f) - 4);
		free(c);
	}
	CHECK_INT(check_cuts(f, sizeof(f), WIRE_LINK_LINUX_SLL2), sizeof(f) + 1 - 40);
}

static void test_decode_ip6_frag(void)
{
	/* raw IPv6 + fragment header + UDP (first fragment) */
	uint8_t f[40 + 8 + 8];
	memset(f, 0, sizeof(f));
	f[0] = 0x60;
	put16(f + 4, 16);
	f[6] = 44;
	f[23] = 1;
	f[39] = 2;
	f[40] = IPPROTO_UDP;
	put16(f + 42, 0 | 1); /* offset 0, more fragments */
	put32(f + 44, 99);
	put16(f + 48, 1234);
	put16(f + 50, 5678);
	put16(f + 52, 3008);
	struct wire_pkt pkt = {
	    .data = f, .caplen = sizeof(f), .wirelen = sizeof(f), .linktype = WIRE_LINK_RAW};
	struct wire_tpkt p;
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.family, 6);
	CHECK_INT(p.proto, IPPROTO_UDP);
	CHECK_INT(p.frag, 1);
	CHECK_INT(p.mf, 1);
	CHECK_INT(p.ipid, 99);
	CHECK_INT(p.sport, 1234);
	CHECK_INT(p.paylen, 3000);
	/* a later fragment: no ports */
	put16(f + 42, (uint16_t)(185u << 3));
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.fragoff, 1480);
	CHECK_INT(p.mf, 0);
	CHECK_INT(p.sport, 0);
	CHECK_INT(p.l4ok, 0);
	CHECK_INT(p.iplen, 8);
	/* the IP header is whole from byte 40 on; the fragment header ends
	 * the chain before byte 48, and the trace says nothing of it then */
	CHECK_INT(check_cuts(f, sizeof(f), WIRE_LINK_RAW), sizeof(f) + 1 - 40);
	put16(f + 42, 0 | 1);
	CHECK_INT(check_cuts(f, sizeof(f), WIRE_LINK_RAW), sizeof(f) + 1 - 40);
	pkt.caplen = 47;
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.frag, 0);
	CHECK_INT(p.l4ok, 0);

	/* IPv4: a first and a later fragment of one UDP datagram */
	uint8_t g[14 + 20 + 8 + 8];
	memset(g, 0, sizeof(g));
	put16(g + 12, 0x0800);
	ip4(g + 14, 36, 555, 0x2000, IPPROTO_UDP, A, B);
	put16(g + 34, 40001);
	put16(g + 36, 5006);
	put16(g + 38, 2008);
	struct wire_pkt p4 = {
	    .data = g, .caplen = sizeof(g), .wirelen = sizeof(g), .linktype = WIRE_LINK_ETHERNET};
	CHECK_INT(wire_trace_decode(&p4, &p), 1);
	CHECK_INT(p.frag, 1);
	CHECK_INT(p.mf, 1);
	CHECK_INT(p.ipid, 555);
	CHECK_INT(p.iplen, 16);
	CHECK_INT(p.l4ok, 1);
	CHECK_INT(p.paylen, 2000);
	CHECK_INT(check_cuts(g, sizeof(g), WIRE_LINK_ETHERNET), sizeof(g) + 1 - 34);
	ip4(g + 14, 36, 555, 185, IPPROTO_UDP, A, B); /* offset 1480, last */
	CHECK_INT(wire_trace_decode(&p4, &p), 1);
	CHECK_INT(p.fragoff, 1480);
	CHECK_INT(p.mf, 0);
	CHECK_INT(p.l4ok, 0);
	CHECK_INT(p.iplen, 16);
}

/* The first IP layer outside an ICMP error's quote, or NULL. */
static const struct wire_layer *outer_ip(const struct wire_dissect *d)
{
	for (unsigned i = 0; i < d->n; i++)
		if ((d->l[i].kind == WIRE_L_IPV4 || d->l[i].kind == WIRE_L_IPV6) && !d->l[i].quoted)
			return &d->l[i];
	return NULL;
}

/* Cuts frame f (n bytes) at every length and checks that the trace's view
 * agrees with the dissector's: an IP packet only when its header was
 * decoded whole, transport fields only from a TCP/UDP header the dissector
 * read, the quoted packet only when the quoted IP header was read. Returns
 * how many cuts gave an IP packet. */
static unsigned check_cuts(const uint8_t *f, size_t n, int linktype)
{
	unsigned ip = 0;
	for (size_t cut = 0; cut <= n; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);
		memcpy(c, f, cut);
		struct wire_pkt q = {.data = c,
		                     .caplen = (uint32_t)cut,
		                     .wirelen = (uint32_t)n,
		                     .linktype = linktype};
		struct wire_tpkt p;
		struct wire_dissect d;
		int r = wire_trace_decode(&q, &p);
		wire_dissect(&d, &q);
		const struct wire_layer *l = outer_ip(&d);
		CHECK_INT(r, l && l->status == WIRE_LS_OK);
		ip += r == 1;
		const struct wire_layer *tl = NULL;
		for (const struct wire_layer *x = l; x && x < d.l + d.n; x++)
			if ((x->kind == WIRE_L_TCP || x->kind == WIRE_L_UDP) && !x->quoted) {
				tl = x;
				break;
			}
		if (r && p.l4ok && (p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP)) {
			CHECK(tl != NULL);
			CHECK(tl && (tl->status == WIRE_LS_OK || tl->have >= 20));
			CHECK(tl && tl->u.tcp.sport == p.sport);
		}
		if (r && tl && tl->status == WIRE_LS_OK)
			CHECK_INT(p.l4ok, 1);
		if (r && p.q.ok) {
			int quoted_ip = 0;
			for (unsigned i = 0; i < d.n; i++)
				quoted_ip |=
				    d.l[i].quoted && d.l[i].status == WIRE_LS_OK &&
				    (d.l[i].kind == WIRE_L_IPV4 || d.l[i].kind == WIRE_L_IPV6);
			CHECK(quoted_ip);
		}
		free(c);
	}
	return ip;
}

/* A TCP segment behind n VLAN tags (tpids from tp) on Ethernet. Returns the
 * frame length. */
static size_t vlan_frame(uint8_t *f, const uint16_t *tp, unsigned n)
{
	size_t o = 12;
	memset(f, 0, 14 + 4 * n + 40);
	for (unsigned i = 0; i < n; i++) {
		o += put16(f + o, tp[i]);
		o += put16(f + o, (uint16_t)(100 + i));
	}
	o += put16(f + o, 0x0800);
	o += ip4(f + o, 40, 9, 0x4000, IPPROTO_TCP, A, B);
	put16(f + o, 40000);
	put16(f + o + 2, 5005);
	put32(f + o + 4, 77);
	put16(f + o + 12, (uint16_t)(5u << 12 | F_SYN));
	return o + 20;
}

/* QinQ (802.1ad 0x88a8 and the older 0x9100 outer tags over 0x8100) decodes
 * as `read` decodes it: up to WIRE_VLAN_DEPTH_MAX tags, no more. */
static void test_decode_qinq(void)
{
	static const uint16_t ad[] = {0x88a8, 0x8100}, old[] = {0x9100, 0x8100, 0x8100},
	                      deep[] = {0x9100, 0x88a8, 0x8100, 0x8100, 0x8100};
	uint8_t f[14 + 4 * 5 + 40];
	struct wire_tpkt p;
	struct wire_pkt pkt = {.data = f, .linktype = WIRE_LINK_ETHERNET};
	pkt.caplen = pkt.wirelen = (uint32_t)vlan_frame(f, ad, 2);
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.l4ok, 1);
	CHECK_INT(p.tflags, F_SYN);
	CHECK_INT(p.seq, 77);
	CHECK_INT(check_cuts(f, pkt.caplen, WIRE_LINK_ETHERNET), 1 + 20);
	pkt.caplen = pkt.wirelen = (uint32_t)vlan_frame(f, old, 3);
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.sport, 40000);
	CHECK_INT(p.dport, 5005);
	CHECK(!memcmp(p.src, A, 4) && !memcmp(p.dst, B, 4));
	CHECK_INT(check_cuts(f, pkt.caplen, WIRE_LINK_ETHERNET), 1 + 20);
	pkt.caplen = pkt.wirelen = (uint32_t)vlan_frame(f, deep, 5); /* over the limit */
	CHECK_INT(wire_trace_decode(&pkt, &p), 0);
}

/* A Linux cooked v2 frame (the "any" interface) with IPv6 and TCP. */
static void test_decode_sll2(void)
{
	uint8_t f[20 + 40 + 20 + 4];
	memset(f, 0, sizeof(f));
	put16(f, 0x86dd);
	put32(f + 4, 3); /* ifindex */
	put16(f + 8, 1); /* ARPHRD_ETHER */
	f[10] = 4;       /* outgoing */
	f[11] = 6;
	uint8_t *ip = f + 20;
	ip[0] = 0x60;
	put16(ip + 4, 24);
	ip[6] = IPPROTO_TCP;
	ip[7] = 64;
	ip[23] = 1;
	ip[39] = 2;
	uint8_t *t = ip + 40;
	put16(t, 443);
	put16(t + 2, 50000);
	put32(t + 4, 5);
	put32(t + 8, 6);
	put16(t + 12, (uint16_t)(5u << 12 | F_PSH | F_ACK));
	put16(t + 14, 100);
	memcpy(t + 20, "\x17\x03\x03\x00", 4);
	struct wire_pkt pkt = {
	    .data = f, .caplen = sizeof(f), .wirelen = sizeof(f), .linktype = WIRE_LINK_LINUX_SLL2};
	struct wire_tpkt p;
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.family, 6);
	CHECK_INT(p.proto, IPPROTO_TCP);
	CHECK_INT(p.sport, 443);
	CHECK_INT(p.paylen, 4);
	CHECK_INT(p.iplen, 24);
	CHECK_INT(p.tflags, F_PSH | F_ACK);
	CHECK_INT(p.win, 100);
	CHECK_INT(p.tls_ct, 0); /* a TLS record header needs 5 bytes */
	CHECK_INT(p.src[15], 1);
	CHECK_INT(p.dst[15], 2);
	CHECK_INT(check_cuts(f, sizeof(f), WIRE_LINK_LINUX_SLL2), sizeof(f) + 1 - 60);
}

/* ICMPv6 port unreachable quoting an IPv6 UDP datagram, on Ethernet. */
static void test_decode_icmp6_quote(void)
{
	uint8_t f[14 + 40 + 8 + 40 + 8 + 4];
	memset(f, 0, sizeof(f));
	put16(f + 12, 0x86dd);
	uint8_t *ip = f + 14;
	ip[0] = 0x60;
	put16(ip + 4, 8 + 40 + 8 + 4);
	ip[6] = IPPROTO_ICMPV6;
	ip[23] = 2;
	ip[39] = 1;
	uint8_t *ic = ip + 40;
	ic[0] = 1; /* destination unreachable */
	ic[1] = 4; /* port unreachable */
	uint8_t *qi = ic + 8;
	qi[0] = 0x60;
	put16(qi + 4, 12);
	qi[6] = IPPROTO_UDP;
	qi[23] = 1;
	qi[39] = 2;
	put16(qi + 40, 40001);
	put16(qi + 42, 5006);
	put16(qi + 44, 12);
	struct wire_pkt pkt = {
	    .data = f, .caplen = sizeof(f), .wirelen = sizeof(f), .linktype = WIRE_LINK_ETHERNET};
	struct wire_tpkt p;
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.proto, IPPROTO_ICMPV6);
	CHECK_INT(p.l4ok, 1);
	CHECK_INT(p.itype, 1);
	CHECK_INT(p.icode, 4);
	CHECK_INT(p.q.ok, 1);
	CHECK_INT(p.q.family, 6);
	CHECK_INT(p.q.proto, IPPROTO_UDP);
	CHECK_INT(p.q.sport, 40001);
	CHECK_INT(p.q.dport, 5006);
	CHECK_INT(p.q.src[15], 1);
	CHECK_INT(p.q.dst[15], 2);
	check_cuts(f, sizeof(f), WIRE_LINK_ETHERNET);
	/* packet too big carries the MTU */
	ic[0] = 2;
	ic[1] = 0;
	put32(ic + 4, 1280);
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.mtu, 1280);
	CHECK_INT(p.q.sport, 40001);
}

/* ---- the tracker ---------------------------------------------------------- */

static struct wire_tpkt seg(unsigned flags, uint32_t seq, uint32_t ack, uint32_t len, int out)
{
	struct wire_tpkt p;
	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = IPPROTO_TCP;
	memcpy(p.src, out ? A : B, 4);
	memcpy(p.dst, out ? B : A, 4);
	p.sport = out ? 40000 : 5005;
	p.dport = out ? 5005 : 40000;
	p.tflags = (uint16_t)flags;
	p.seq = seq;
	p.ack = ack;
	p.paylen = len;
	p.l4ok = 1;
	return p;
}

static int feed(struct wire_tcp_track *t, unsigned flags, uint32_t seq, uint32_t ack, uint32_t len,
                int out, char *note, size_t n)
{
	struct wire_tpkt p = seg(flags, seq, ack, len, out);
	return wire_tcp_track(t, out, &p, note, n);
}

static void test_tracker(void)
{
	char nt[400];
	struct wire_tcp_track t;

	/* client: handshake, data, active close -> TIME_WAIT */
	memset(&t, 0, sizeof(t));
	CHECK(feed(&t, F_SYN, 100, 0, 0, 1, nt, sizeof(nt)) & WIRE_TCPT_STATE);
	CHECK_INT(t.state, WIRE_TCPS_SYN_SENT);
	CHECK_INT(feed(&t, F_SYN | F_ACK, 900, 101, 0, 0, nt, sizeof(nt)), 0);
	CHECK_INT(t.state, WIRE_TCPS_SYN_SENT);
	int ev = feed(&t, F_ACK, 101, 901, 0, 1, nt, sizeof(nt));
	CHECK(ev & WIRE_TCPT_CONNECTED);
	CHECK_INT(t.state, WIRE_TCPS_ESTABLISHED);
	CHECK(!strncmp(nt, "connected (handshake ", 21));
	CHECK_INT(feed(&t, F_PSH | F_ACK, 101, 901, 6, 1, nt, sizeof(nt)), 0);
	CHECK_INT(t.sent, 6);
	feed(&t, F_FIN | F_ACK, 107, 901, 0, 1, nt, sizeof(nt));
	CHECK_INT(t.state, WIRE_TCPS_FIN_WAIT1);
	feed(&t, F_ACK, 901, 108, 0, 0, nt, sizeof(nt));
	CHECK_INT(t.state, WIRE_TCPS_FIN_WAIT2);
	ev = feed(&t, F_FIN | F_ACK, 901, 108, 0, 0, nt, sizeof(nt));
	CHECK(ev & WIRE_TCPT_TIME_WAIT);
	CHECK_INT(t.state, WIRE_TCPS_TIME_WAIT);
	CHECK(!strncmp(nt, "TIME_WAIT on this side (it closed first)", 40));
	CHECK_INT(t.closed_first, 1);

	/* the FIN that acknowledges ours goes straight to TIME_WAIT */
	memset(&t, 0, sizeof(t));
	feed(&t, F_SYN, 1, 0, 0, 1, nt, sizeof(nt));
	feed(&t, F_SYN | F_ACK, 50, 2, 0, 0, nt, sizeof(nt));
	feed(&t, F_ACK, 2, 51, 0, 1, nt, sizeof(nt));
	feed(&t, F_FIN | F_ACK, 2, 51, 0, 1, nt, sizeof(nt));
	feed(&t, F_FIN | F_ACK, 51, 3, 0, 0, nt, sizeof(nt));
	CHECK_INT(t.state, WIRE_TCPS_TIME_WAIT);

	/* simultaneous close: FIN_WAIT1 -> CLOSING -> TIME_WAIT */
	memset(&t, 0, sizeof(t));
	feed(&t, F_SYN, 1, 0, 0, 1, nt, sizeof(nt));
	feed(&t, F_SYN | F_ACK, 50, 2, 0, 0, nt, sizeof(nt));
	feed(&t, F_ACK, 2, 51, 0, 1, nt, sizeof(nt));
	feed(&t, F_FIN | F_ACK, 2, 51, 0, 1, nt, sizeof(nt));
	feed(&t, F_FIN | F_ACK, 51, 2, 0, 0, nt, sizeof(nt));
	CHECK_INT(t.state, WIRE_TCPS_CLOSING);
	feed(&t, F_ACK, 52, 3, 0, 0, nt, sizeof(nt));
	CHECK_INT(t.state, WIRE_TCPS_TIME_WAIT);

	/* passive close: CLOSE_WAIT -> LAST_ACK -> CLOSED, TIME_WAIT on the peer */
	memset(&t, 0, sizeof(t));
	feed(&t, F_SYN, 1, 0, 0, 1, nt, sizeof(nt));
	feed(&t, F_SYN | F_ACK, 50, 2, 0, 0, nt, sizeof(nt));
	feed(&t, F_ACK, 2, 51, 0, 1, nt, sizeof(nt));
	feed(&t, F_FIN | F_ACK, 51, 2, 0, 0, nt, sizeof(nt));
	CHECK_INT(t.state, WIRE_TCPS_CLOSE_WAIT);
	CHECK(strstr(nt, "read() returns 0") != NULL);
	feed(&t, F_FIN | F_ACK, 2, 52, 0, 1, nt, sizeof(nt));
	CHECK_INT(t.state, WIRE_TCPS_LAST_ACK);
	ev = feed(&t, F_ACK, 52, 3, 0, 0, nt, sizeof(nt));
	CHECK_INT(t.state, WIRE_TCPS_CLOSED);
	CHECK(ev & WIRE_TCPT_CLOSED);
	CHECK(strstr(nt, "TIME_WAIT is on its side") != NULL);
	CHECK_INT(t.closed_first, 2);

	/* server side: SYN in, SYN-ACK out, ACK in */
	memset(&t, 0, sizeof(t));
	feed(&t, F_SYN, 7, 0, 0, 0, nt, sizeof(nt));
	CHECK_INT(t.state, WIRE_TCPS_SYN_RECV);
	feed(&t, F_SYN | F_ACK, 70, 8, 0, 1, nt, sizeof(nt));
	ev = feed(&t, F_ACK, 8, 71, 0, 0, nt, sizeof(nt));
	CHECK(ev & WIRE_TCPT_CONNECTED);
	CHECK(!strncmp(nt, "accepted (handshake ", 20));

	/* RST causes */
	memset(&t, 0, sizeof(t));
	feed(&t, F_SYN, 1, 0, 0, 1, nt, sizeof(nt));
	ev = feed(&t, F_RST | F_ACK, 0, 2, 0, 0, nt, sizeof(nt));
	CHECK(ev & WIRE_TCPT_RST);
	CHECK_STR(nt,
	          "RST: nothing listens on 127.0.0.2:5005, so connect() fails with ECONNREFUSED");
	CHECK_INT(t.state, WIRE_TCPS_CLOSED);

	memset(&t, 0, sizeof(t));
	feed(&t, F_SYN, 1, 0, 0, 1, nt, sizeof(nt));
	feed(&t, F_SYN | F_ACK, 50, 2, 0, 0, nt, sizeof(nt));
	feed(&t, F_ACK, 2, 51, 0, 1, nt, sizeof(nt));
	feed(&t, F_PSH | F_ACK, 2, 51, 6, 1, nt, sizeof(nt));
	feed(&t, F_RST | F_ACK, 51, 8, 0, 0, nt, sizeof(nt));
	CHECK(!strncmp(nt, "RST: the peer closed with unread data", 37));

	memset(&t, 0, sizeof(t));
	feed(&t, F_SYN, 1, 0, 0, 1, nt, sizeof(nt));
	feed(&t, F_SYN | F_ACK, 50, 2, 0, 0, nt, sizeof(nt));
	feed(&t, F_ACK, 2, 51, 0, 1, nt, sizeof(nt));
	feed(&t, F_FIN | F_ACK, 51, 2, 0, 0, nt, sizeof(nt));
	feed(&t, F_PSH | F_ACK, 2, 52, 6, 1, nt, sizeof(nt));
	feed(&t, F_RST, 52, 0, 0, 0, nt, sizeof(nt));
	CHECK(!strncmp(nt, "RST: the peer had closed its socket", 35));

	memset(&t, 0, sizeof(t));
	feed(&t, F_SYN, 1, 0, 0, 1, nt, sizeof(nt));
	feed(&t, F_SYN | F_ACK, 50, 2, 0, 0, nt, sizeof(nt));
	feed(&t, F_ACK, 2, 51, 0, 1, nt, sizeof(nt));
	feed(&t, F_PSH | F_ACK, 51, 2, 10, 0, nt, sizeof(nt));
	feed(&t, F_RST | F_ACK, 2, 61, 0, 1, nt, sizeof(nt));
	CHECK(!strncmp(nt, "RST sent: this side closed with unread data", 43));

	/* sequence numbers wrap */
	memset(&t, 0, sizeof(t));
	feed(&t, F_SYN, 0xfffffff0u, 0, 0, 1, nt, sizeof(nt));
	feed(&t, F_SYN | F_ACK, 50, 0xfffffff1u, 0, 0, nt, sizeof(nt));
	feed(&t, F_ACK, 0xfffffff1u, 51, 0, 1, nt, sizeof(nt));
	feed(&t, F_FIN | F_ACK, 0xffffffffu, 51, 0, 1, nt, sizeof(nt));
	feed(&t, F_ACK, 51, 0, 0, 0, nt, sizeof(nt));
	CHECK_INT(t.state, WIRE_TCPS_FIN_WAIT2);

	CHECK_STR(wire_tcps_name(WIRE_TCPS_LAST_ACK), "LAST_ACK");
	CHECK_STR(wire_tcps_name(99), "?");
}

/* ---- the timeline ------------------------------------------------------------ */

static struct wire_sink sink;
static struct wire_buf mem;

/* l is A:lport, r is B:rport (IPv4). */
static void addr_ab(struct sockaddr_in *l, struct sockaddr_in *r, uint16_t lport, uint16_t rport)
{
	memset(l, 0, sizeof(*l));
	l->sin_family = AF_INET;
	memcpy(&l->sin_addr, A, 4);
	l->sin_port = htons(lport);
	*r = *l;
	memcpy(&r->sin_addr, B, 4);
	r->sin_port = htons(rport);
}

static struct wire_trace *mk_empty(void)
{
	wire_buf_free(&mem);
	wire_buf_init(&mem, 8u << 20); /* test_full_queue's WIRE_TRACE_EVENTS_MAX lines */
	wire_sink_init_mem(&sink, &mem);
	return wire_trace_start(-1, NULL, 0, &sink, WIRE_TRACE_NO_CAPTURE);
}

static struct wire_trace *mk(void)
{
	struct sockaddr_in l, r;
	struct wire_trace *tr = mk_empty();
	addr_ab(&l, &r, 40000, 5005);
	wire_trace_watch_addr(tr, IPPROTO_TCP, (struct sockaddr *)&l, (struct sockaddr *)&r);
	return tr;
}

static const char *text(void)
{
	static char out[1u << 16];
	size_t n = wire_buf_used(&mem);
	if (n >= sizeof(out))
		n = sizeof(out) - 1;
	if (n) /* an empty buffer may have no storage yet */
		memcpy(out, wire_buf_head(&mem), n);
	out[n] = 0;
	return out;
}

static struct timespec at(long us)
{
	struct timespec t = {1700000000 + us / 1000000, (us % 1000000) * 1000};
	return t;
}

/* A UDP/IPv4 datagram from A:sport to B:dport carrying len bytes, at us (at()). */
static struct wire_tpkt udp4(uint16_t sport, uint16_t dport, uint32_t len, long us)
{
	struct wire_tpkt d;
	memset(&d, 0, sizeof(d));
	d.family = 4;
	d.proto = IPPROTO_UDP;
	memcpy(d.src, A, 4);
	memcpy(d.dst, B, 4);
	d.sport = sport;
	d.dport = dport;
	d.paylen = len;
	d.l4ok = 1;
	d.ts = at(us);
	return d;
}

static void pkt_at(struct wire_trace *tr, long us, unsigned flags, uint32_t seq, uint32_t ack,
                   uint32_t len, int out)
{
	struct wire_tpkt p = seg(flags, seq, ack, len, out);
	p.ts = at(us);
	wire_trace_feed(tr, &p);
}

static void test_timeline(void)
{
	struct wire_trace *tr = mk();
	struct timespec t0 = at(0), t100 = at(100), t300 = at(300), t400 = at(400);
	/* fed out of order: packets first, calls later */
	pkt_at(tr, 31, F_SYN, 1000, 0, 0, 1);
	pkt_at(tr, 52, F_ACK, 1001, 5001, 0, 1);
	pkt_at(tr, 44, F_SYN | F_ACK, 5000, 1001, 0, 0);
	pkt_at(tr, 112, F_PSH | F_ACK, 1001, 5001, 6, 1);
	pkt_at(tr, 120, F_ACK, 5001, 1007, 0, 0);
	/* unrelated: another port pair */
	struct wire_tpkt u = seg(F_SYN, 1, 0, 0, 1);
	u.sport = 40001;
	u.ts = at(60);
	wire_trace_feed(tr, &u);
	/* unrelated: not TCP/UDP */
	u.proto = 47;
	wire_trace_feed(tr, &u);
	pkt_at(tr, 310, F_FIN | F_ACK, 1007, 5001, 0, 1);
	pkt_at(tr, 320, F_FIN | F_ACK, 5001, 1008, 0, 0);
	pkt_at(tr, 330, F_ACK, 1008, 5002, 0, 1);
	wire_trace_call_at(tr, &t100, "write(%d)", 6);
	wire_trace_call_at(tr, &t0, "connect()");
	wire_trace_call_at(tr, &t300, "shutdown(SHUT_WR)");
	wire_trace_call_at(tr, &t400, "close()");
	wire_trace_flush(tr);
	const char *want =
	    "   0.000000  connect()\n"
	    "   0.000031  > SYN                        127.0.0.1:40000 > 127.0.0.2:5005  [state: "
	    "SYN_SENT]\n"
	    "   0.000044  < SYN-ACK\n"
	    "   0.000052  > ACK\n"
	    "   0.000052  connected (handshake 0.02 ms)   [state: ESTABLISHED]\n"
	    "   0.000100  write(6)\n"
	    "   0.000112  > [P.] seq 1:7 len 6\n"
	    "   0.000120  < ACK\n"
	    "   0.000300  shutdown(SHUT_WR)\n"
	    "   0.000310  > FIN                         [state: FIN_WAIT1]\n"
	    "   0.000320  < FIN                         [state: TIME_WAIT]\n"
	    "             TIME_WAIT on this side (it closed first): the address pair stays "
	    "reserved for 60 s (2 MSL), so late segments cannot reach a new connection\n"
	    "   0.000330  > ACK\n"
	    "   0.000400  close()\n";
	CHECK_STR(text(), want);
	wire_trace_stop(tr);
	CHECK(strstr(text(), "trace: 8 packets of this command, 4 calls\n") != NULL);
}

/* A TLS record at the start of a segment is labelled as `read` labels it
 * (the one table in dissect/tls.c). */
static void test_tls_label(void)
{
	static const uint8_t rec[] = {0x16, 0x03, 0x01, 0x00, 0x04, 0x0b, 0x00, 0x00, 0x00};
	uint8_t f[14 + 20 + 20 + sizeof(rec)];
	memset(f, 0, sizeof(f));
	put16(f + 12, 0x0800);
	ip4(f + 14, (uint16_t)(40 + sizeof(rec)), 7, 0x4000, IPPROTO_TCP, A, B);
	uint8_t *t = f + 34;
	put16(t, 40000);
	put16(t + 2, 5005);
	put16(t + 12, (uint16_t)(5u << 12 | F_PSH | F_ACK));
	memcpy(t + 20, rec, sizeof(rec));
	struct wire_pkt pkt = {
	    .data = f, .caplen = sizeof(f), .wirelen = sizeof(f), .linktype = WIRE_LINK_ETHERNET};
	struct wire_tpkt p;
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.tls_ct, 22);
	CHECK_INT(p.tls_hs, 11);
	pkt.caplen = sizeof(f) - 4; /* the handshake type not captured */
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.tls_ct, 22);
	CHECK_INT(p.tls_hs, -1);
	memcpy(t + 20, "hello\n", 6); /* not TLS */
	pkt.caplen = sizeof(f);
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.tls_ct, 0);
	/* application data: only on port 443, as `read` decides */
	memcpy(t + 20, "\x17\x03\x03\x00\x04", 5);
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.tls_ct, 0);
	put16(t + 2, 443);
	CHECK_INT(wire_trace_decode(&pkt, &p), 1);
	CHECK_INT(p.tls_ct, 23);

	struct wire_trace *tr = mk();
	struct wire_tpkt q = seg(F_PSH | F_ACK, 1001, 5001, 9, 1);
	q.ts = at(10);
	q.tls_ct = 22;
	q.tls_hs = 1;
	wire_trace_feed(tr, &q);
	q = seg(F_PSH | F_ACK, 5001, 1010, 6, 0);
	q.ts = at(20);
	q.tls_ct = 23;
	q.tls_hs = -1;
	wire_trace_feed(tr, &q);
	wire_trace_flush(tr);
	CHECK(strstr(text(), "> [P.] seq 1001:1010 len 9, TLS Handshake ClientHello") != NULL);
	CHECK(strstr(text(), "< [P.] seq 5001:5007 len 6, TLS Application Data") != NULL);
	wire_trace_stop(tr);
}

static void test_segments_note(void)
{
	struct wire_trace *tr = mk();
	struct timespec t0 = at(0), t9 = at(900);
	pkt_at(tr, 1, F_SYN, 0, 0, 0, 1);
	pkt_at(tr, 2, F_SYN | F_ACK, 0, 1, 0, 0);
	pkt_at(tr, 3, F_ACK, 1, 1, 0, 1);
	wire_trace_call_at(tr, &t0, "write(70000)");
	/* 20 segments of 3500 bytes: the first WIRE_TRACE_SEG_LINES shown */
	for (unsigned i = 0; i < 20; i++)
		pkt_at(tr, 10 + (long)i * 10, F_ACK, 1 + i * 3500u, 1, 3500, 1);
	wire_trace_call_at(tr, &t9, "close()");
	wire_trace_flush(tr);
	const char *s = text();
	CHECK(strstr(s, "... 8 more packets of this call not shown\n") != NULL);
	CHECK(strstr(s, "one 70000-byte write became 20 segments (the largest 3500 bytes") != NULL);
	CHECK(strstr(s, "> [.] seq 38501:42001 len 3500\n") != NULL); /* the 12th */
	CHECK(strstr(s, "seq 42001:45501") == NULL);                  /* the 13th */
	CHECK(strstr(s, "not shown") < strstr(s, "close()"));
	wire_trace_stop(tr);
}

static void test_udp_icmp_frag(void)
{
	struct wire_trace *tr = mk();
	struct sockaddr_in l;
	memset(&l, 0, sizeof(l));
	l.sin_family = AF_INET;
	l.sin_port = htons(40001); /* unconnected UDP socket on any address */
	wire_trace_watch_addr(tr, IPPROTO_UDP, (struct sockaddr *)&l, NULL);
	struct timespec t0 = at(0), t9 = at(900);
	wire_trace_call_at(tr, &t0, "sendto(%d)", 3000);
	struct wire_tpkt d = udp4(40001, 5006, 3000, 10);
	d.ipid = 77;
	d.frag = 1;
	d.mf = 1;
	d.iplen = 1480;
	wire_trace_feed(tr, &d);
	struct wire_tpkt f2 = d;
	f2.sport = f2.dport = 0;
	f2.l4ok = 0;
	f2.fragoff = 1480;
	f2.ts = at(11);
	wire_trace_feed(tr, &f2);
	f2.fragoff = 2960;
	f2.mf = 0;
	f2.iplen = 48;
	f2.ts = at(12);
	wire_trace_feed(tr, &f2);
	/* someone else's fragment with another id: ignored */
	f2.ipid = 78;
	wire_trace_feed(tr, &f2);
	struct wire_tpkt ic;
	memset(&ic, 0, sizeof(ic));
	ic.family = 4;
	ic.proto = IPPROTO_ICMP;
	memcpy(ic.src, B, 4);
	memcpy(ic.dst, A, 4);
	ic.itype = 3;
	ic.icode = 3;
	ic.l4ok = 1;
	ic.q.ok = 1;
	ic.q.family = 4;
	ic.q.proto = IPPROTO_UDP;
	memcpy(ic.q.src, A, 4);
	memcpy(ic.q.dst, B, 4);
	ic.q.sport = 40001;
	ic.q.dport = 5006;
	ic.q.ipid = 77;
	ic.ts = at(20);
	wire_trace_feed(tr, &ic);
	/* an ICMP error about someone else's datagram: ignored */
	ic.q.sport = 40002;
	ic.ts = at(21);
	wire_trace_feed(tr, &ic);
	wire_trace_call_at(tr, &t9, "recv() = -1 ECONNREFUSED");
	wire_trace_flush(tr);
	const char *want =
	    "   0.000000  sendto(3000)\n"
	    "   0.000010  > UDP len 3000 (fragment 1)  127.0.0.1:40001 > 127.0.0.2:5006\n"
	    "             a 3000-byte datagram, larger than the MTU, left as 3 IP fragments (id "
	    "77, at most 1480 bytes of data each): the receiver reassembles it, and losing one "
	    "fragment loses the whole datagram\n"
	    "   0.000020  < ICMP port unreachable for the UDP packet 127.0.0.1:40001 > "
	    "127.0.0.2:5006 (the datagram sent at 0.000010)\n"
	    "             nothing listens on 127.0.0.2:5006 (UDP), so the kernel there answered "
	    "with ICMP port unreachable; this side sees it as ECONNREFUSED on the socket's next "
	    "call (connected sockets, or with IP_RECVERR), not on the sendto() that caused it\n"
	    "   0.000900  recv() = -1 ECONNREFUSED\n";
	CHECK_STR(text(), want);
	wire_trace_stop(tr);
}

static void test_filter_and_pending(void)
{
	char buf[WIRE_TRACE_FILTER_MAX];
	struct wire_buf m2;
	struct wire_sink s2;
	struct sockaddr_in r;
	wire_buf_init(&m2, 4096);
	wire_sink_init_mem(&s2, &m2);
	memset(&r, 0, sizeof(r));
	r.sin_family = AF_INET;
	memcpy(&r.sin_addr, B, 4);
	r.sin_port = htons(5005);
	struct wire_trace *tr =
	    wire_trace_start(-1, (struct sockaddr *)&r, sizeof(r), &s2, WIRE_TRACE_NO_CAPTURE);
	CHECK(wire_trace_filter_text(tr, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "(tcp and host 127.0.0.2 and port 5005) or (icmp and icmp[0] != 0 and "
	               "icmp[0] != 8) or (icmp6 and ip6[40] < 128)");
	/* the socket becomes known: the peer-only flow is replaced */
	struct sockaddr_in l = r;
	memcpy(&l.sin_addr, A, 4);
	l.sin_port = htons(40000);
	wire_trace_watch_addr(tr, IPPROTO_TCP, (struct sockaddr *)&l, (struct sockaddr *)&r);
	wire_trace_filter_text(tr, buf, sizeof(buf));
	CHECK_STR(buf,
	          "(tcp and host 127.0.0.1 and port 40000 and host 127.0.0.2 and port 5005) or "
	          "(icmp and icmp[0] != 0 and icmp[0] != 8) or (icmp6 and ip6[40] < 128)");
	CHECK_INT(wire_trace_filter_text(tr, buf, 10), WIRE_E_TOOBIG);
	wire_trace_stop(tr);
	wire_buf_free(&m2);

	/* NULL is a no-op everywhere */
	wire_trace_call(NULL, "x");
	wire_trace_watch(NULL, 0);
	wire_trace_feed(NULL, NULL);
	wire_trace_flush(NULL);
	wire_trace_stop(NULL);
}

/* A trace that follows nothing yet, printing into mem. */
static struct wire_trace *mk_empty(void);

/* More sockets than WIRE_TRACE_FLOWS_MAX one after the other, each closed
 * before the next: the closed ones make room, the last one's packets are
 * shown and nothing says a socket was not followed. Then more open at once
 * than the table holds: said on the timeline and in the closing line. */
static void test_flow_limit(void)
{
	struct sockaddr_in l, r;
	addr_ab(&l, &r, 0, 5005);
	struct wire_trace *tr = mk_empty();
	int n = WIRE_TRACE_FLOWS_MAX + 50;
	for (int i = 0; i < n; i++) {
		l.sin_port = htons((uint16_t)(20000 + i));
		wire_trace_watch_addr(tr, IPPROTO_TCP, (struct sockaddr *)&l,
		                      (struct sockaddr *)&r);
		if (i < n - 1)
			wire_trace_unwatch_addr(tr, IPPROTO_TCP, (struct sockaddr *)&l,
			                        (struct sockaddr *)&r);
	}
	struct wire_tpkt p = seg(F_SYN, 1000, 0, 0, 1);
	p.sport = (uint16_t)(20000 + n - 1);
	p.ts = at(0);
	wire_trace_feed(tr, &p);
	wire_trace_stop(tr);
	CHECK(strstr(text(), "> SYN") != NULL);
	CHECK(strstr(text(), "trace: 1 packets of this command") != NULL);
	CHECK(strstr(text(), "not followed") == NULL);
	CHECK(strstr(text(), "are not shown") == NULL);

	tr = mk_empty();
	for (int i = 0; i < WIRE_TRACE_FLOWS_MAX + 3; i++) {
		l.sin_port = htons((uint16_t)(20000 + i));
		wire_trace_watch_addr(tr, IPPROTO_TCP, (struct sockaddr *)&l,
		                      (struct sockaddr *)&r);
	}
	wire_trace_stop(tr);
	CHECK(strstr(text(), "sockets open at once are followed: the packets of the next ones "
	                     "are not shown") != NULL);
	CHECK(strstr(text(), ", 3 sockets not followed (over 1024 open at once)") != NULL);
}

/* The destinations of unconnected UDP sends from sockets not followed yet
 * (wire_trace_peer), more than the table holds: they may go when it is
 * full, so a later socket is still followed and its datagram shown. A
 * connect()'s destination, younger than the wait for its socket, may not. */
static void test_udp_peers_go(void)
{
	struct sockaddr_in l, r;
	memset(&r, 0, sizeof(r));
	r.sin_family = AF_INET;
	memcpy(&r.sin_addr, B, 4);
	l = r;
	memcpy(&l.sin_addr, A, 4);
	struct wire_trace *tr = mk_empty();
	for (int i = 0; i < WIRE_TRACE_FLOWS_MAX + 100; i++) {
		r.sin_port = htons((uint16_t)(20000 + i));
		wire_trace_peer(tr, (struct sockaddr *)&r, sizeof(r), IPPROTO_UDP);
	}
	l.sin_port = htons(40000);
	wire_trace_watch_addr(tr, IPPROTO_UDP, (struct sockaddr *)&l, NULL);
	struct wire_tpkt p = udp4(40000, 9999, 7, 0);
	wire_trace_feed(tr, &p);
	wire_trace_stop(tr);
	CHECK(strstr(text(), "> UDP len 7") != NULL);
	CHECK(strstr(text(), "not followed") == NULL);
	CHECK(strstr(text(), "are not shown") == NULL);

	tr = mk_empty();
	for (int i = 0; i < WIRE_TRACE_FLOWS_MAX + 1; i++) {
		r.sin_port = htons((uint16_t)(20000 + i));
		wire_trace_peer(tr, (struct sockaddr *)&r, sizeof(r), IPPROTO_TCP);
	}
	wire_trace_stop(tr);
	CHECK(strstr(text(), ", 1 sockets not followed (over 1024 open at once)") != NULL);
}

/* ---- closing, seen from both sides of one capture --------------------------- */

/* Two trackers fed the same capture: a is 127.0.0.1:40000, b the peer. Each
 * packet is out for the side that sent it. path_* record every state each
 * side went through. */
struct pair {
	struct wire_tcp_track a, b;
	int path_a[16], path_b[16];
	size_t na, nb;
	int crossed_a, crossed_b; /* WIRE_TCPT_CROSSED seen */
};

static void path_add(int *path, size_t *n, int st)
{
	if (*n < 16 && (*n == 0 || path[*n - 1] != st))
		path[(*n)++] = st;
}

static void both(struct pair *pp, int from_a, unsigned flags, uint32_t seq, uint32_t ack)
{
	char nt[400];
	struct wire_tpkt p = seg(flags, seq, ack, 0, from_a);
	if (wire_tcp_track(&pp->a, from_a, &p, nt, sizeof(nt)) & WIRE_TCPT_CROSSED)
		pp->crossed_a = 1;
	if (wire_tcp_track(&pp->b, !from_a, &p, nt, sizeof(nt)) & WIRE_TCPT_CROSSED)
		pp->crossed_b = 1;
	path_add(pp->path_a, &pp->na, pp->a.state);
	path_add(pp->path_b, &pp->nb, pp->b.state);
}

/* a (ISS 1) connects to b (ISS 50); both ESTABLISHED. */
static void pair_open(struct pair *pp)
{
	memset(pp, 0, sizeof(*pp));
	both(pp, 1, F_SYN, 1, 0);
	both(pp, 0, F_SYN | F_ACK, 50, 2);
	both(pp, 1, F_ACK, 2, 51);
	pp->na = pp->nb = 0;
	path_add(pp->path_a, &pp->na, pp->a.state);
	path_add(pp->path_b, &pp->nb, pp->b.state);
}

static int path_has(const int *path, size_t n, int st)
{
	for (size_t i = 0; i < n; i++)
		if (path[i] == st)
			return 1;
	return 0;
}

#define CHECK_PATH(path, n, ...)                                                                   \
	do {                                                                                       \
		static const int want_[] = {__VA_ARGS__};                                          \
		size_t wn_ = sizeof(want_) / sizeof(want_[0]);                                     \
		CHECK_INT(n, wn_);                                                                 \
		for (size_t i_ = 0; i_ < wn_ && i_ < (n); i_++)                                    \
			CHECK_STR(wire_tcps_name(path[i_]), wire_tcps_name(want_[i_]));            \
	} while (0)

static void test_closing(void)
{
	struct pair pp;
	char nt[400];

	/* FINs crossing: each FIN acknowledges nothing of the other's; the capture
	 * sees a's FIN first, so b sees it arrive before its own leaves. Both go
	 * through CLOSING to TIME_WAIT; neither is ever CLOSED or LAST_ACK. */
	pair_open(&pp);
	both(&pp, 1, F_FIN | F_ACK, 2, 51); /* a's FIN: seq 2 */
	both(&pp, 0, F_FIN | F_ACK, 51, 2); /* b's FIN: seq 51, a's FIN not acked */
	both(&pp, 1, F_ACK, 3, 52);         /* a acks b's FIN */
	both(&pp, 0, F_ACK, 52, 3);         /* b acks a's FIN */
	CHECK_INT(pp.a.state, WIRE_TCPS_TIME_WAIT);
	CHECK_INT(pp.b.state, WIRE_TCPS_TIME_WAIT);
	CHECK_PATH(pp.path_a, pp.na, WIRE_TCPS_ESTABLISHED, WIRE_TCPS_FIN_WAIT1, WIRE_TCPS_CLOSING,
	           WIRE_TCPS_TIME_WAIT);
	CHECK(path_has(pp.path_b, pp.nb, WIRE_TCPS_CLOSING));
	CHECK(!path_has(pp.path_b, pp.nb, WIRE_TCPS_LAST_ACK));
	CHECK(!path_has(pp.path_b, pp.nb, WIRE_TCPS_CLOSED));
	CHECK(!pp.crossed_a && !pp.crossed_b);

	/* the same crossing, the ACKs captured the other way round */
	pair_open(&pp);
	both(&pp, 1, F_FIN | F_ACK, 2, 51);
	both(&pp, 0, F_FIN | F_ACK, 51, 2);
	both(&pp, 0, F_ACK, 52, 3);
	both(&pp, 1, F_ACK, 3, 52);
	CHECK_INT(pp.a.state, WIRE_TCPS_TIME_WAIT);
	CHECK_INT(pp.b.state, WIRE_TCPS_TIME_WAIT);
	CHECK(path_has(pp.path_a, pp.na, WIRE_TCPS_CLOSING));
	CHECK(path_has(pp.path_b, pp.nb, WIRE_TCPS_CLOSING));
	CHECK(!path_has(pp.path_b, pp.nb, WIRE_TCPS_CLOSED));
	CHECK(!pp.crossed_a && !pp.crossed_b);

	/* ordinary close: a's FIN, b's ACK, then b's FIN: a goes FIN_WAIT1 ->
	 * FIN_WAIT2 -> TIME_WAIT, b CLOSE_WAIT -> LAST_ACK -> CLOSED */
	pair_open(&pp);
	both(&pp, 1, F_FIN | F_ACK, 2, 51);
	both(&pp, 0, F_ACK, 51, 3);
	both(&pp, 0, F_FIN | F_ACK, 51, 3);
	both(&pp, 1, F_ACK, 3, 52);
	CHECK_PATH(pp.path_a, pp.na, WIRE_TCPS_ESTABLISHED, WIRE_TCPS_FIN_WAIT1,
	           WIRE_TCPS_FIN_WAIT2, WIRE_TCPS_TIME_WAIT);
	CHECK_PATH(pp.path_b, pp.nb, WIRE_TCPS_ESTABLISHED, WIRE_TCPS_CLOSE_WAIT,
	           WIRE_TCPS_LAST_ACK, WIRE_TCPS_CLOSED);

	/* b's FIN carries the ACK of a's FIN: a jumps FIN_WAIT1 -> TIME_WAIT */
	pair_open(&pp);
	both(&pp, 1, F_FIN | F_ACK, 2, 51);
	both(&pp, 0, F_FIN | F_ACK, 51, 3);
	both(&pp, 1, F_ACK, 3, 52);
	CHECK_PATH(pp.path_a, pp.na, WIRE_TCPS_ESTABLISHED, WIRE_TCPS_FIN_WAIT1,
	           WIRE_TCPS_TIME_WAIT);
	CHECK_PATH(pp.path_b, pp.nb, WIRE_TCPS_ESTABLISHED, WIRE_TCPS_CLOSE_WAIT,
	           WIRE_TCPS_LAST_ACK, WIRE_TCPS_CLOSED);

	/* b's FIN before the ACK of a's FIN: FIN_WAIT1 -> CLOSING, not TIME_WAIT */
	pair_open(&pp);
	both(&pp, 1, F_FIN | F_ACK, 2, 51);
	both(&pp, 0, F_FIN | F_ACK, 51, 2);
	CHECK_INT(pp.a.state, WIRE_TCPS_CLOSING);
	/* a retransmitted ACK that still does not cover a's FIN changes nothing */
	both(&pp, 0, F_ACK, 52, 2);
	CHECK_INT(pp.a.state, WIRE_TCPS_CLOSING);
	both(&pp, 0, F_ACK, 52, 3);
	CHECK_INT(pp.a.state, WIRE_TCPS_TIME_WAIT);

	/* a retransmission is flagged and its bytes are not counted twice */
	pair_open(&pp);
	CHECK_INT(feed(&pp.a, F_ACK | F_PSH, 2, 51, 100, 1, nt, sizeof(nt)) & WIRE_TCPT_RETRANS, 0);
	CHECK(feed(&pp.a, F_ACK | F_PSH, 2, 51, 100, 1, nt, sizeof(nt)) & WIRE_TCPT_RETRANS);
	CHECK(feed(&pp.a, F_ACK | F_PSH, 52, 51, 100, 1, nt, sizeof(nt)) & WIRE_TCPT_RETRANS);
	CHECK_INT(pp.a.sent, 150);
	CHECK_INT(feed(&pp.a, F_ACK | F_PSH, 152, 51, 10, 1, nt, sizeof(nt)) & WIRE_TCPT_RETRANS,
	          0);
	CHECK_INT(pp.a.sent, 160);

	/* a segment sent before a RST arrived but captured after it: shown as
	 * crossed, the connection stays CLOSED */
	pair_open(&pp);
	both(&pp, 0, F_RST | F_ACK, 51, 2);
	CHECK_INT(pp.a.state, WIRE_TCPS_CLOSED);
	both(&pp, 1, F_ACK | F_PSH, 2, 51);
	CHECK(pp.crossed_a);
	CHECK_INT(pp.a.state, WIRE_TCPS_CLOSED);
}

/* A trace of the side whose FIN the capture saw second: no line says this
 * side sent something after CLOSED, and it ends in TIME_WAIT. */
static void test_crossing_timeline(void)
{
	struct wire_trace *tr = mk();
	struct timespec t0 = at(0);
	pkt_at(tr, 1, F_SYN, 0, 0, 0, 1);
	pkt_at(tr, 2, F_SYN | F_ACK, 0, 1, 0, 0);
	pkt_at(tr, 3, F_ACK, 1, 1, 0, 1);
	wire_trace_call_at(tr, &t0, "shutdown(SHUT_WR)");
	pkt_at(tr, 10, F_FIN | F_ACK, 1, 1, 0, 0); /* the peer's FIN, captured first */
	pkt_at(tr, 11, F_FIN | F_ACK, 1, 1, 0, 1); /* ours: it does not ack the peer's */
	pkt_at(tr, 12, F_ACK, 2, 2, 0, 0);         /* the peer acks our FIN */
	pkt_at(tr, 13, F_ACK, 2, 2, 0, 1);         /* we ack theirs */
	wire_trace_flush(tr);
	const char *s = text(), *closed = strstr(s, "[state: CLOSED]");
	CHECK(closed == NULL);
	CHECK(strstr(s, "[state: CLOSING]") != NULL);
	CHECK(strstr(s, "[state: TIME_WAIT]") != NULL);
	CHECK(strstr(s, "[state: LAST_ACK]") == NULL);
	CHECK(strstr(s, "FINs crossed") != NULL);
	wire_trace_stop(tr);
}

/* A retransmitted segment is labelled, and the write note counts each byte
 * once. */
static void test_retransmission_timeline(void)
{
	struct wire_trace *tr = mk();
	struct timespec t0 = at(0), t9 = at(900);
	pkt_at(tr, 1, F_SYN, 0, 0, 0, 1);
	pkt_at(tr, 2, F_SYN | F_ACK, 0, 1, 0, 0);
	pkt_at(tr, 3, F_ACK, 1, 1, 0, 1);
	wire_trace_call_at(tr, &t0, "write(7000)");
	pkt_at(tr, 10, F_ACK, 1, 1, 3500, 1);
	pkt_at(tr, 11, F_ACK | F_PSH, 3501, 1, 3500, 1);
	pkt_at(tr, 500, F_ACK | F_PSH, 3501, 1, 3500, 1);
	wire_trace_call_at(tr, &t9, "close()");
	wire_trace_flush(tr);
	const char *s = text();
	CHECK(strstr(s, "> [P.] seq 3501:7001 len 3500\n") != NULL);
	CHECK(strstr(s, "> [P.] seq 3501:7001 len 3500 (retransmission)\n") != NULL);
	CHECK(strstr(s, "one 7000-byte write became 2 segments") != NULL);
	wire_trace_stop(tr);
}

/* Returns 1 when the last 4 KiB written hold needle. */
static int tail_has(const char *needle)
{
	static char out[4097];
	size_t n = wire_buf_used(&mem), k = n > 4096 ? 4096 : n;
	memcpy(out, (const char *)wire_buf_head(&mem) + (n - k), k);
	out[k] = 0;
	return strstr(out, needle) != NULL;
}

/* A full queue never makes a call print: the oldest event is dropped, and
 * the closing line counts what was lost. */
static void test_full_queue(void)
{
	struct wire_trace *tr = mk();
	for (long i = 0; i < WIRE_TRACE_EVENTS_MAX + 5; i++) {
		struct timespec ts = at(i);
		wire_trace_call_at(tr, &ts, "send(%ld)", i);
	}
	CHECK_STR(text(), ""); /* nothing printed by the calls */
	wire_trace_flush(tr);
	const char *s = text();
	CHECK(strncmp(s, "   0.000000  send(5)\n", 21) == 0);
	CHECK(strstr(s, "send(4)\n") == NULL);
	char last[32];
	snprintf(last, sizeof(last), "  send(%d)\n", WIRE_TRACE_EVENTS_MAX + 4);
	CHECK(tail_has(last));
	wire_trace_stop(tr);
	CHECK(tail_has(", 5 events not shown (the output could not keep up)\n"));
}

/* ---- printing never holds the lock the command's calls take ------------ */

struct stall {
	struct wire_trace *tr;
	atomic_int done;
};

static void *stall_flush(void *arg)
{
	struct stall *s = arg;
	wire_trace_flush(s->tr); /* blocks: nobody reads the pipe */
	atomic_store(&s->done, 1);
	return NULL;
}

static void *stall_call(void *arg)
{
	struct stall *s = arg;
	wire_trace_call(s->tr, "send(1)");
	atomic_store(&s->done, 1);
	return NULL;
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000L;
}

/* Waits up to ms for *flag. Returns 1 when it was set. */
static int wait_flag(atomic_int *flag, long long ms)
{
	long long end = mono_ms() + ms;
	while (!atomic_load(flag) && mono_ms() < end) {
		struct timespec d = {0, 5000000};
		nanosleep(&d, NULL);
	}
	return atomic_load(flag);
}

/* The timeline goes to a pipe that is full and nobody reads: printing
 * stalls, yet a call of the command returns at once. */
static void test_stalled_output(void)
{
	int pfd[2];
	char junk[4096];
	CHECK_INT(pipe(pfd), 0);
	(void)fcntl(pfd[1], F_SETPIPE_SZ, 4096);
	int fl = fcntl(pfd[1], F_GETFL);
	fcntl(pfd[1], F_SETFL, fl | O_NONBLOCK);
	memset(junk, 'x', sizeof(junk));
	for (int i = 0; i < 1024 && write(pfd[1], junk, sizeof(junk)) > 0; i++)
		;
	fcntl(pfd[1], F_SETFL, fl); /* full; the sink's writes block */
	struct wire_sink out;
	wire_sink_init_fd(&out, pfd[1]);
	struct wire_trace *tr = wire_trace_start(-1, NULL, 0, &out, WIRE_TRACE_NO_CAPTURE);
	CHECK(tr != NULL);
	for (long i = 0; i < 50; i++) {
		struct timespec ts = at(i);
		wire_trace_call_at(tr, &ts, "write(%ld)", i);
	}
	struct stall pr = {tr, 0}, call = {tr, 0};
	pthread_t tp, tc;
	CHECK_INT(pthread_create(&tp, NULL, stall_flush, &pr), 0);
	struct timespec d = {0, 300000000};
	nanosleep(&d, NULL); /* the printer is in write() by now */
	CHECK_INT(atomic_load(&pr.done), 0);
	CHECK_INT(pthread_create(&tc, NULL, stall_call, &call), 0);
	long long t0 = mono_ms();
	CHECK_INT(wait_flag(&call.done, 2000), 1);
	CHECK(mono_ms() - t0 < 2000);
	CHECK_INT(atomic_load(&pr.done), 0); /* the output was still stalled */
	/* let the printer go: read until it is done */
	fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
	long long end = mono_ms() + 10000;
	while (!atomic_load(&pr.done) && mono_ms() < end) {
		if (read(pfd[0], junk, sizeof(junk)) < 0 && errno == EAGAIN)
			nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	CHECK_INT(atomic_load(&pr.done), 1);
	pthread_join(tp, NULL);
	wait_flag(&call.done, 10000);
	pthread_join(tc, NULL);
	/* stop prints the late call and the summary into a closed pipe */
	close(pfd[0]);
	signal(SIGPIPE, SIG_IGN);
	wire_trace_stop(tr);
	close(pfd[1]);
}

/* Packets between two followed sockets of the program are its own at both
 * ends: written '>' with both ends named, each end's TCP state tracked on its
 * own (the client closed first: its TIME_WAIT, the server's CLOSE_WAIT).
 * The same ports towards an address that is not this host's stay outgoing. */
static void test_self(void)
{
	struct wire_trace *tr = mk(); /* the client: 127.0.0.1:40000 > 127.0.0.2:5005 */
	struct sockaddr_in l;
	memset(&l, 0, sizeof(l));
	l.sin_family = AF_INET;
	memcpy(&l.sin_addr, B, 4);
	l.sin_port = htons(5005); /* its listener */
	wire_trace_watch_addr(tr, IPPROTO_TCP, (struct sockaddr *)&l, NULL);
	l.sin_port = htons(5006); /* a UDP socket, and another sending to it */
	wire_trace_watch_addr(tr, IPPROTO_UDP, (struct sockaddr *)&l, NULL);
	memset(&l.sin_addr, 0, 4);
	l.sin_port = htons(40001);
	wire_trace_watch_addr(tr, IPPROTO_UDP, (struct sockaddr *)&l, NULL);
	struct wire_tpkt d = udp4(40001, 5006, 2000, 5);
	wire_trace_feed(tr, &d);
	d.dst[0] = 192; /* 192.0.0.2 is not this host */
	d.ts = at(6);
	wire_trace_feed(tr, &d);
	pkt_at(tr, 31, F_SYN, 1000, 0, 0, 1);
	pkt_at(tr, 44, F_SYN | F_ACK, 5000, 1001, 0, 0);
	pkt_at(tr, 52, F_ACK, 1001, 5001, 0, 1);
	pkt_at(tr, 310, F_FIN | F_ACK, 1001, 5001, 0, 1);
	pkt_at(tr, 311, F_ACK, 5001, 1002, 0, 0);
	pkt_at(tr, 320, F_FIN | F_ACK, 5001, 1002, 0, 0);
	pkt_at(tr, 330, F_ACK, 1002, 5002, 0, 1);
	wire_trace_flush(tr);
	const char *want =
	    "   0.000000  > UDP len 2000               127.0.0.1:40001 > 127.0.0.2:5006 (both "
	    "ends are this program's sockets)\n"
	    "   0.000001  > UDP len 2000               127.0.0.1:40001 > 192.0.0.2:5006\n"
	    "   0.000026  > SYN                        127.0.0.1:40000 > 127.0.0.2:5005 (both "
	    "ends are this program's sockets)  [state: port 40000 SYN_SENT, port 5005 SYN_RECV]\n"
	    "   0.000039  > SYN-ACK                    127.0.0.2:5005 > 127.0.0.1:40000\n"
	    "   0.000047  > ACK                        127.0.0.1:40000 > 127.0.0.2:5005  [state: "
	    "port 40000 ESTABLISHED, port 5005 ESTABLISHED]\n";
	CHECK(strncmp(text(), want, strlen(want)) == 0);
	if (strncmp(text(), want, strlen(want)))
		fprintf(stderr, "%s", text());
	CHECK(strstr(text(), "the socket at port 40000: connected (handshake") != NULL);
	CHECK(strstr(text(), "the socket at port 5005: accepted (handshake") != NULL);
	CHECK(strstr(text(), "the socket at port 5005: the peer closed its side (FIN)") != NULL);
	CHECK(strstr(text(), "the socket at port 40000: TIME_WAIT on this side (it closed first") !=
	      NULL);
	CHECK(strstr(text(), "[state: port 40000 FIN_WAIT1, port 5005 CLOSE_WAIT]") != NULL);
	CHECK(strstr(text(), "< ") == NULL);
	wire_trace_stop(tr);
}

/* A read tied to the segments that carried its bytes: short reads say how
 * many segments had arrived, a full read of several segments says so, a
 * read of part of one segment says nothing, nor does one whose bytes the
 * capture did not see. */
static void test_reads(void)
{
	struct wire_trace *tr = mk();
	struct sockaddr_in l, r;
	addr_ab(&l, &r, 40000, 5005);
	struct timespec t1 = at(100), t2 = at(200), t3 = at(300), t4 = at(400), t5 = at(500);
	pkt_at(tr, 31, F_SYN, 1000, 0, 0, 1);
	pkt_at(tr, 44, F_SYN | F_ACK, 5000, 1001, 0, 0);
	pkt_at(tr, 52, F_ACK, 1001, 5001, 0, 1);
	pkt_at(tr, 60, F_PSH | F_ACK, 5001, 1001, 5, 0);
	pkt_at(tr, 70, F_PSH | F_ACK, 5006, 1001, 5, 0);
	pkt_at(tr, 71, F_PSH | F_ACK, 5006, 1001, 5, 0); /* a retransmission */
	wire_trace_call_rx(tr, &t1, (struct sockaddr *)&l, (struct sockaddr *)&r, 4096, 10, "r1");
	pkt_at(tr, 150, F_PSH | F_ACK, 5011, 1001, 10, 0);
	wire_trace_call_rx(tr, &t2, (struct sockaddr *)&l, (struct sockaddr *)&r, 4, 4, "r2");
	wire_trace_call_rx(tr, &t3, (struct sockaddr *)&l, (struct sockaddr *)&r, 4096, 6, "r3");
	pkt_at(tr, 310, F_PSH | F_ACK, 5021, 1001, 3, 0);
	pkt_at(tr, 320, F_PSH | F_ACK, 5024, 1001, 3, 0);
	wire_trace_call_rx(tr, &t4, (struct sockaddr *)&l, (struct sockaddr *)&r, 6, 6, "r4");
	/* 7 bytes the capture never saw */
	wire_trace_call_rx(tr, &t5, (struct sockaddr *)&l, (struct sockaddr *)&r, 100, 7, "r5");
	wire_trace_flush(tr);
	const char *o = text();
	CHECK(strstr(o,
	             "r1\n             returned 10 of the 4096 asked: the bytes that had "
	             "arrived (2 segments: 5+5 bytes); TCP keeps no message boundaries\n") != NULL);
	CHECK(strstr(o, "r2\n   0.000269  r3\n             returned 6 of the 4096 asked: the "
	                "bytes that had arrived (the rest of 1 segment of 10 bytes)") != NULL);
	CHECK(strstr(o, "r4\n             this call returned the data of 2 segments (3+3 bytes): "
	                "TCP keeps no message boundaries\n") != NULL);
	CHECK(strstr(o, "r5\n") != NULL && strstr(strstr(o, "r5\n"), "segment") == NULL);
	wire_trace_stop(tr);
}

/* Small writes and the segments that carry them: two in one segment that
 * left just after the ACK of the earlier data, 20 ms after the first write
 * (Nagle's algorithm); said once per connection; a lone write that left at
 * once says nothing. */
static void test_nagle(void)
{
	struct wire_trace *tr = mk();
	struct sockaddr_in l, r;
	addr_ab(&l, &r, 40000, 5005);
	struct timespec w1 = at(100), w2 = at(110), w3 = at(120), w4 = at(30000), w5 = at(30010);
	const struct sockaddr *ls = (struct sockaddr *)&l, *rs = (struct sockaddr *)&r;
	pkt_at(tr, 31, F_SYN, 1000, 0, 0, 1);
	pkt_at(tr, 44, F_SYN | F_ACK, 5000, 1001, 0, 0);
	pkt_at(tr, 52, F_ACK, 1001, 5001, 0, 1);
	wire_trace_call_rx(tr, &w1, ls, rs, 0, 2, "w1");
	pkt_at(tr, 101, F_PSH | F_ACK, 1001, 5001, 2, 1);
	wire_trace_call_rx(tr, &w2, ls, rs, 0, 2, "w2");
	wire_trace_call_rx(tr, &w3, ls, rs, 0, 2, "w3");
	pkt_at(tr, 20100, F_ACK, 5001, 1003, 0, 0);
	pkt_at(tr, 20101, F_PSH | F_ACK, 1003, 5001, 4, 1);
	wire_trace_call_rx(tr, &w4, ls, rs, 0, 2, "w4");
	wire_trace_call_rx(tr, &w5, ls, rs, 0, 2, "w5");
	pkt_at(tr, 30020, F_PSH | F_ACK, 1007, 5001, 4, 1);
	wire_trace_flush(tr);
	const char *o = text();
	const char *seg = strstr(o, "> [P.] seq 3:7 len 4\n");
	CHECK(seg != NULL);
	CHECK(seg && strncmp(seg + 21,
	                     "             the data of 2 writes left in one segment: while data "
	                     "is unacknowledged, TCP holds small writes back and joins them",
	                     80) == 0);
	CHECK(strstr(o, "this data left 20.0 ms after its write, just after the ACK of the earlier "
	                "data came: Nagle's algorithm holds a small write while data is "
	                "unacknowledged; TCP_NODELAY sends it at once\n") != NULL);
	CHECK(strstr(o, "> [P.] seq 1:3 len 2\n   0.") != NULL); /* a lone write: no note */
	CHECK(strstr(strstr(o, "w4\n"), "Nagle") == NULL);       /* once per connection */
	wire_trace_stop(tr);
}

/* More writes than the ring holds, in one segment: the count stays true. */
/* Follows proto from A:lport to B:rport (port 0: any). */
static void watch_ab(struct wire_trace *tr, int proto, uint16_t lport, uint16_t rport)
{
	struct sockaddr_in l, r;
	addr_ab(&l, &r, lport, rport);
	wire_trace_watch_addr(tr, proto, (struct sockaddr *)&l, (struct sockaddr *)&r);
}

/* A connection from A:port to B:5005 opened and closed by A (A ends in
 * TIME_WAIT), at us. */
static void turn(struct wire_trace *tr, uint16_t port, long us)
{
	static const unsigned fl[] = {F_SYN,         F_SYN | F_ACK, F_ACK,
	                              F_FIN | F_ACK, F_FIN | F_ACK, F_ACK};
	static const uint32_t sq[] = {0, 0, 1, 1, 1, 2}, ak[] = {0, 1, 1, 1, 2, 2};
	static const int out[] = {1, 0, 1, 1, 0, 1};
	for (size_t i = 0; i < 6; i++) {
		struct wire_tpkt p = seg(fl[i], sq[i], ak[i], 0, out[i]);
		if (out[i])
			p.sport = port;
		else
			p.dport = port;
		p.ts = at(us + (long)i);
		wire_trace_feed(tr, &p);
	}
}

/* More connections in turn than the engine tracks: when the table is full
 * of TIME_WAIT ones, a new connection takes the least recently used slot, so
 * a late packet of a forgotten connection does not evict the one just
 * opened (its data keeps relative sequence numbers). */
static void test_conn_turnover(void)
{
	struct wire_trace *tr = mk_empty();
	watch_ab(tr, IPPROTO_TCP, 0, 5005);
	for (uint16_t i = 0; i < WIRE_TRACE_CONNS_MAX + 44; i++)
		turn(tr, (uint16_t)(30000 + i), 100L * i);
	long t = 100L * (WIRE_TRACE_CONNS_MAX + 50);
	struct wire_tpkt p = seg(F_SYN, 7000, 0, 0, 1);
	p.sport = 31000;
	p.ts = at(t);
	wire_trace_feed(tr, &p);
	p = seg(F_ACK, 2, 2, 0, 0); /* a late packet of the first connection */
	p.dport = 30000;
	p.ts = at(t + 1);
	wire_trace_feed(tr, &p);
	p = seg(F_SYN | F_ACK, 9000, 7001, 0, 0);
	p.dport = 31000;
	p.ts = at(t + 2);
	wire_trace_feed(tr, &p);
	p = seg(F_ACK | F_PSH, 7001, 9001, 8, 1);
	p.sport = 31000;
	p.ts = at(t + 3);
	wire_trace_feed(tr, &p);
	wire_trace_flush(tr);
	CHECK(tail_has("> [P.] seq 1:9 len 8"));
	wire_trace_stop(tr);
}

static void test_nagle_many(void)
{
	struct wire_trace *tr = mk();
	struct sockaddr_in l, r;
	addr_ab(&l, &r, 40000, 5005);
	pkt_at(tr, 31, F_SYN, 1000, 0, 0, 1);
	pkt_at(tr, 44, F_SYN | F_ACK, 5000, 1001, 0, 0);
	pkt_at(tr, 52, F_ACK, 1001, 5001, 0, 1);
	for (long i = 0; i < 40; i++) {
		struct timespec w = at(100 + i);
		wire_trace_call_rx(tr, &w, (struct sockaddr *)&l, (struct sockaddr *)&r, 0, 1, "w");
	}
	pkt_at(tr, 200, F_PSH | F_ACK, 1001, 5001, 40, 1);
	wire_trace_flush(tr);
	CHECK(strstr(text(), "the data of 40 writes left in one segment") != NULL);
	wire_trace_stop(tr);
}

/* A UDP datagram of flow sport -> 5005 (out) or back (in), at us. */
static void udp_at(struct wire_trace *tr, long long us, uint16_t sport, int out)
{
	struct wire_tpkt p = seg(0, 0, 0, 64, out);
	p.proto = IPPROTO_UDP;
	p.tflags = 0;
	if (out)
		p.sport = sport;
	else
		p.dport = sport;
	p.ts.tv_sec = 1700000000 + (time_t)(us / 1000000);
	p.ts.tv_nsec = (long)(us % 1000000) * 1000;
	wire_trace_feed(tr, &p);
}

/* The line's parts written without printf: the time column (wider past
 * 9999 s), the endpoints shown only when they change (not for the reply on
 * the same pair), a call's text escaped. */
static void test_line_format(void)
{
	struct wire_trace *tr = mk_empty();
	watch_ab(tr, IPPROTO_UDP, 40000, 5005);
	watch_ab(tr, IPPROTO_UDP, 40001, 5005);
	struct timespec t0 = at(0);
	wire_trace_call_at(tr, &t0, "sendto(%s%c%s)", "a\\b\n", 1, "~ ok");
	udp_at(tr, 1, 40000, 1);
	udp_at(tr, 2, 40000, 0);
	udp_at(tr, 3, 40001, 1);
	udp_at(tr, 12500000, 40000, 1);
	udp_at(tr, 12345000001LL, 40000, 0);
	wire_trace_flush(tr);
	const char *want =
	    "   0.000000  sendto(a\\\\b\\n\\x01~ ok)\n"
	    "   0.000001  > UDP len 64                 127.0.0.1:40000 > 127.0.0.2:5005\n"
	    "   0.000002  < UDP len 64\n"
	    "   0.000003  > UDP len 64                 127.0.0.1:40001 > 127.0.0.2:5005\n"
	    "  12.500000  > UDP len 64                 127.0.0.1:40000 > 127.0.0.2:5005\n"
	    "12345.000001  < UDP len 64\n";
	CHECK_STR(text(), want);
	wire_trace_stop(tr);
}

int main(void)
{
	wire_buf_init(&mem, 1u << 20);
	test_decode_tcp();
	test_decode_icmp();
	test_decode_ip6_frag();
	test_decode_qinq();
	test_decode_sll2();
	test_decode_icmp6_quote();
	test_tracker();
	test_closing();
	test_crossing_timeline();
	test_retransmission_timeline();
	test_timeline();
	test_line_format();
	test_segments_note();
	test_tls_label();
	test_udp_icmp_frag();
	test_self();
	test_reads();
	test_nagle();
	test_nagle_many();
	test_conn_turnover();
	test_filter_and_pending();
	test_stalled_output();
	test_full_queue();
	test_flow_limit();
	test_udp_peers_go();
	wire_buf_free(&mem);
	return T_END();
}
