/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The frame decoder of --trace (include/wire/trace.h): reducing a captured
 * frame to the few fields the timeline shows. (The TCP state machine that the
 * timeline drives with these fields is in tcpstate.c.)
 *
 * The decoder is deliberately small and separate from src/core/dissect: the
 * trace keeps a fixed-size copy of each packet's summary in its merge queue
 * (the ring's bytes are gone by the time the event is printed), and needs only
 * the outer IP and transport fields plus the packet an ICMP error quotes.
 * Every byte is read through the bounded reader; lengths claimed by headers
 * narrow the view (min(claimed, captured)) and are validated before use.
 */
#include <netinet/in.h>
#include <string.h>

#include "wire/rd.h"
#include "wire/trace.h"

#define ETHERTYPE_IP 0x0800u
#define ETHERTYPE_IP6 0x86ddu
#define ETHERTYPE_VLAN 0x8100u
#define ETHERTYPE_QINQ 0x88a8u
#define IP6_EXT_MAX 8 /* extension headers walked per packet */

/* ---- decoding ---------------------------------------------------------------- */

static int decode_ip(struct wire_rd *r, struct wire_tpkt *t, int quoted);

/* Notes the TLS record that starts a TCP payload at r, with the rule `read`
 * uses (dissect/registry.c): a handshake record (22, version 3.0..3.4) on any
 * port, the other content types (20..24, version 3.x) on port 443. */
static void tls_peek(struct wire_rd *r, struct wire_tpkt *t)
{
	uint8_t ct = wire_rd_u8(r), major = wire_rd_u8(r), minor = wire_rd_u8(r);
	wire_rd_skip(r, 2);
	int p443 = t->sport == 443 || t->dport == 443;
	if (r->err || major != 3 || ct < 20 || ct > 24 || (ct == 22 ? minor > 4 : !p443))
		return;
	t->tls_ct = ct;
	t->tls_hs = -1;
	if (ct == 22 && wire_rd_left(r) > 0)
		t->tls_hs = wire_rd_u8(r);
}

/* Reads the transport header that follows an IP header. */
static void decode_l4(struct wire_rd *r, struct wire_tpkt *t, int quoted)
{
	if (quoted) {
		/* an ICMP error quotes at least 8 bytes: the ports */
		if (t->q.proto == IPPROTO_TCP || t->q.proto == IPPROTO_UDP) {
			uint16_t sp = wire_rd_be16(r), dp = wire_rd_be16(r);
			if (!r->err) {
				t->q.sport = sp;
				t->q.dport = dp;
			}
		}
		return;
	}
	size_t left = wire_rd_left(r);
	switch (t->proto) {
	case IPPROTO_TCP: {
		uint16_t sp = wire_rd_be16(r), dp = wire_rd_be16(r);
		uint32_t seq = wire_rd_be32(r), ack = wire_rd_be32(r);
		uint16_t offfl = wire_rd_be16(r), win = wire_rd_be16(r);
		wire_rd_skip(r, 4); /* checksum, urgent pointer */
		if (r->err)
			return;
		unsigned doff = (offfl >> 12) * 4u;
		if (doff < 20)
			return; /* invalid: data offset under 5 words */
		t->sport = sp;
		t->dport = dp;
		t->seq = seq;
		t->ack = ack;
		t->tflags = (uint16_t)(offfl & 0x1ffu);
		t->win = win;
		/* payload from the IP length (captured bytes may be fewer) */
		t->paylen = t->iplen >= doff ? t->iplen - doff : 0;
		t->l4ok = 1;
		wire_rd_skip(r, doff - 20u);
		if (t->paylen > 0)
			tls_peek(r, t);
		break;
	}
	case IPPROTO_UDP: {
		uint16_t sp = wire_rd_be16(r), dp = wire_rd_be16(r), ulen = wire_rd_be16(r);
		if (r->err)
			return;
		t->sport = sp;
		t->dport = dp;
		t->paylen = ulen >= 8 ? ulen - 8u : 0;
		t->l4ok = 1;
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		uint8_t type = wire_rd_u8(r), code = wire_rd_u8(r);
		wire_rd_skip(r, 2);
		uint32_t rest = wire_rd_be32(r);
		if (r->err)
			return;
		t->itype = type;
		t->icode = code;
		t->l4ok = 1;
		int err4 = t->proto == IPPROTO_ICMP && (type == 3 || type == 11 || type == 12);
		int err6 = t->proto == IPPROTO_ICMPV6 && type < 128;
		if (t->proto == IPPROTO_ICMP && type == 3 && code == 4)
			t->mtu = (uint16_t)(rest & 0xffffu);
		if (t->proto == IPPROTO_ICMPV6 && type == 2)
			t->mtu = rest > 0xffffu ? 0xffffu : (uint16_t)rest;
		if (err4 || err6) {
			struct wire_rd q = wire_rd_sub_upto(r, wire_rd_left(r));
			decode_ip(&q, t, 1);
		}
		break;
	}
	default: break;
	}
	(void)left;
}

/* Decodes an IPv4 or IPv6 header (the outer one, or the one an ICMP error
 * quotes) and what follows. Returns 1 when an IP header was read. */
static int decode_ip(struct wire_rd *r, struct wire_tpkt *t, int quoted)
{
	const uint8_t *start = r->p;
	uint8_t v = wire_rd_u8(r);
	if (r->err)
		return 0;
	r->p = start; /* reread the first byte as part of the header */
	if ((v >> 4) == 4) {
		uint8_t vihl = wire_rd_u8(r);
		wire_rd_skip(r, 1);
		uint16_t tot = wire_rd_be16(r), id = wire_rd_be16(r), frag = wire_rd_be16(r);
		wire_rd_skip(r, 1);
		uint8_t proto = wire_rd_u8(r);
		wire_rd_skip(r, 2);
		uint8_t src[4], dst[4];
		wire_rd_copy(r, src, 4);
		wire_rd_copy(r, dst, 4);
		if (r->err)
			return 0;
		unsigned ihl = (vihl & 0x0fu) * 4u;
		if (ihl < 20)
			return 0;
		wire_rd_skip(r, ihl - 20);
		if (r->err)
			return 0;
		uint32_t off = (uint32_t)(frag & 0x1fffu) * 8u;
		int mf = (frag & 0x2000u) != 0;
		if (quoted) {
			t->q.ok = 1;
			t->q.family = 4;
			t->q.proto = proto;
			memcpy(t->q.src, src, 4);
			memcpy(t->q.dst, dst, 4);
			t->q.ipid = id;
			if (off == 0)
				decode_l4(r, t, 1);
			return 1;
		}
		t->family = 4;
		t->proto = proto;
		memcpy(t->src, src, 4);
		memcpy(t->dst, dst, 4);
		/* a GSO super-packet on lo may carry total length 0 */
		t->iplen = tot >= ihl ? tot : 0;
		uint32_t l4len = t->iplen ? t->iplen - ihl : (uint32_t)wire_rd_left(r);
		t->ipid = id;
		t->fragoff = off;
		t->mf = (uint8_t)mf;
		t->frag = off > 0 || mf;
		t->iplen = l4len; /* from here on: bytes after the IP header */
		if (off > 0)
			return 1;
		struct wire_rd l4 = wire_rd_sub_upto(r, l4len);
		decode_l4(&l4, t, 0);
		return 1;
	}
	if ((v >> 4) == 6) {
		wire_rd_skip(r, 4);
		uint16_t plen = wire_rd_be16(r);
		uint8_t nxt = wire_rd_u8(r);
		wire_rd_skip(r, 1);
		uint8_t src[16], dst[16];
		wire_rd_copy(r, src, 16);
		wire_rd_copy(r, dst, 16);
		if (r->err)
			return 0;
		uint32_t left = plen ? plen : (uint32_t)wire_rd_left(r);
		struct wire_rd body = wire_rd_sub_upto(r, left);
		uint32_t off = 0, id = 0;
		int mf = 0, frag = 0;
		for (int i = 0; i < IP6_EXT_MAX; i++) {
			if (nxt == 0 || nxt == 43 || nxt == 60) {
				uint8_t n2 = wire_rd_u8(&body);
				uint8_t hl = wire_rd_u8(&body);
				size_t len = ((size_t)hl + 1u) * 8u;
				wire_rd_skip(&body, len - 2);
				if (body.err)
					return 0;
				left = left >= len ? left - (uint32_t)len : 0;
				nxt = n2;
			} else if (nxt == 44) {
				uint8_t n2 = wire_rd_u8(&body);
				wire_rd_skip(&body, 1);
				uint16_t offlg = wire_rd_be16(&body);
				id = wire_rd_be32(&body);
				if (body.err)
					return 0;
				off = (uint32_t)(offlg >> 3) * 8u;
				mf = offlg & 1u;
				frag = 1;
				left = left >= 8 ? left - 8 : 0;
				nxt = n2;
			} else {
				break;
			}
		}
		if (quoted) {
			t->q.ok = 1;
			t->q.family = 6;
			t->q.proto = nxt;
			memcpy(t->q.src, src, 16);
			memcpy(t->q.dst, dst, 16);
			t->q.ipid = id;
			if (off == 0)
				decode_l4(&body, t, 1);
			return 1;
		}
		t->family = 6;
		t->proto = nxt;
		memcpy(t->src, src, 16);
		memcpy(t->dst, dst, 16);
		t->iplen = left;
		t->ipid = id;
		t->fragoff = off;
		t->mf = (uint8_t)mf;
		t->frag = (uint8_t)(frag && (off > 0 || mf));
		if (off > 0)
			return 1;
		decode_l4(&body, t, 0);
		return 1;
	}
	return 0;
}

int wire_trace_decode(const struct wire_pkt *pkt, struct wire_tpkt *t)
{
	struct wire_rd r = wire_rd_init(pkt->data, pkt->caplen);
	uint16_t type = 0;
	memset(t, 0, sizeof(*t));
	t->ts = pkt->ts;
	t->gso = (pkt->flags & WIRE_PKT_GSO) != 0;
	switch (pkt->linktype) {
	case WIRE_LINK_ETHERNET:
		wire_rd_skip(&r, 12);
		type = wire_rd_be16(&r);
		for (int i = 0; i < 2 && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ); i++) {
			wire_rd_skip(&r, 2);
			type = wire_rd_be16(&r);
		}
		break;
	case WIRE_LINK_LINUX_SLL:
		wire_rd_skip(&r, 14);
		type = wire_rd_be16(&r);
		break;
	case WIRE_LINK_LINUX_SLL2:
		type = wire_rd_be16(&r);
		wire_rd_skip(&r, 18);
		break;
	case WIRE_LINK_RAW:
	case WIRE_LINK_IPV4:
	case WIRE_LINK_IPV6:
		type = ETHERTYPE_IP; /* decode_ip looks at the version */
		break;
	default: return 0;
	}
	if (r.err || (type != ETHERTYPE_IP && type != ETHERTYPE_IP6))
		return 0;
	return decode_ip(&r, t, 0);
}
