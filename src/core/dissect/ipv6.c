/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6 (RFC 8200) and its extension headers: hop-by-hop options (with the
 * RFC 2675 jumbo payload option, which BIG TCP uses), routing, fragment and
 * destination options, each its own layer. The payload is narrowed to the
 * payload length; a length of 0 with a hop-by-hop header or TCP after it
 * (BIG TCP, with or without the jumbo option), or one past a loopback frame
 * captured whole, is a GSO super-packet.
 *
 *   +-------+---------------+---------------------------------------+
 *   |Version| Traffic Class |              Flow Label               |
 *   +-------+---------------+-------+---------------+---------------+
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   +-------------------------------+---------------+---------------+
 *   |                  Source Address (128 bits)                    |
 *   |                Destination Address (128 bits)                 |
 *   +---------------------------------------------------------------+
 *
 *   extension: | next header:1 | hdr ext len:1 (8-octet units, not counting
 *   the first 8) | data ... |; fragment: | nh:1 | res:1 | offset:13 res:2 M:1 |
 *   identification:4 |
 */
#include "wire/dissect.h"

static int is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60;
}

static void chain(struct wire_dissect *d, uint8_t nh)
{
	if (is_ext(nh)) {
		d->next = WIRE_NEXT_LAYER;
		d->next_val = WIRE_L_IP6EXT;
		d->ext_type = nh;
	} else if (nh != 59) { /* 59: no next header */
		d->next = WIRE_NEXT_IPPROTO;
		d->next_val = nh;
	}
}

void wire_ipv6_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_ipv6 *ip = &l->u.ip6;
	struct wire_rd peek = *r;
	uint8_t v0 = wire_rd_u8(&peek);
	if (peek.err) {
		wire_layer_trunc(l);
		return;
	}
	uint32_t w = wire_rd_be32(r);
	ip->plen = wire_rd_be16(r);
	ip->nxt = wire_rd_u8(r);
	ip->hlim = wire_rd_u8(r);
	wire_rd_copy(r, ip->src, 16);
	wire_rd_copy(r, ip->dst, 16);
	ip->tc = (uint8_t)((w >> 20) & 0xffu);
	ip->flow = w & 0xfffffu;
	ip->gso = 0;
	if ((v0 >> 4) != 6) {
		wire_layer_invalid(l, "ip6 version %u", (unsigned)(v0 >> 4));
		return;
	}
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = 40;
	uint32_t cap_left = (uint32_t)wire_rd_left(r);
	uint32_t wire_left = d->claim > 40 ? d->claim - 40 : 0;
	if (!l->quoted &&
	    ((ip->plen == 0 && (ip->nxt == 0 || (cap_left > 0 && ip->nxt == 6))) ||
	     (ip->plen > wire_left && d->pkt->wirelen <= d->pkt->caplen && wire_dissect_on_lo(d)) ||
	     ((d->pkt->flags & WIRE_PKT_GSO) && ip->plen > 0))) {
		ip->gso = 1;
		d->gso = 1;
		d->claim = cap_left > wire_left ? cap_left : wire_left;
	} else if (ip->plen > wire_left && !l->quoted) {
		wire_layer_invalid(l, "payload length %u > %u bytes on the wire", ip->plen,
		                   wire_left);
		return;
	} else {
		d->claim = ip->plen;
		*r = wire_rd_sub_upto(r, ip->plen);
	}
	d->frag = 0;
	chain(d, ip->nxt);
}

/* Routing header: type, segments left and, while segments are left, the
 * final destination (RFC 8200 8.1): the last address of a type 0 or 2
 * header, segment list [0] of a segment routing header (RFC 8754, type 4). */
static void routing(struct wire_ip6ext *x, struct wire_rd *b)
{
	x->rtype = wire_rd_u8(b);
	x->segleft = wire_rd_u8(b);
	wire_rd_skip(b, 4); /* reserved; SRH: last entry, flags, tag */
	size_t n = wire_rd_left(b) / 16u;
	if (x->segleft == 0 || n == 0 || b->err)
		return;
	if (x->rtype == 0 || x->rtype == 2)
		wire_rd_skip(b, (n - 1u) * 16u);
	else if (x->rtype != 4)
		return;
	wire_rd_copy(b, x->final, 16);
	x->has_final = b->err == 0;
}

const uint8_t *wire_ip6_conv_dst(const struct wire_dissect *d, int ip)
{
	const uint8_t *dst = d->l[ip].u.ip6.dst;
	for (unsigned i = (unsigned)ip + 1; i < d->n && d->l[i].kind == WIRE_L_IP6EXT; i++)
		if (d->l[i].u.ext.has_final)
			dst = d->l[i].u.ext.final;
	return dst;
}

void wire_ip6ext_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_ip6ext *x = &l->u.ext;
	x->type = d->ext_type;
	x->nxt = wire_rd_u8(r);
	uint8_t hl = wire_rd_u8(r);
	x->hlen = x->type == 44 ? 8 : (uint16_t)((hl + 1u) * 8u);
	x->rtype = x->segleft = x->frag_m = x->has_final = 0;
	x->frag_off = 0;
	x->frag_id = 0;
	x->jumbo = 0;
	struct wire_rd b = wire_rd_sub(r, (size_t)x->hlen - 2u);
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = x->hlen;
	if (x->type == 44) {
		/* the second byte (read as hl above) is reserved */
		uint16_t fo = wire_rd_be16(&b);
		x->frag_id = wire_rd_be32(&b);
		x->frag_off = (uint16_t)(fo >> 3);
		x->frag_m = (uint8_t)(fo & 1u);
		d->frag = 1;
	} else if (x->type == 43) {
		routing(x, &b);
	} else {
		/* TLV options: Pad1 is one byte; others type, length, value. */
		for (unsigned i = 0; i < WIRE_OPT_LOOP_MAX && wire_rd_left(&b) > 0; i++) {
			uint8_t t = wire_rd_u8(&b);
			if (t == 0)
				continue;
			uint8_t n = wire_rd_u8(&b);
			struct wire_rd v = wire_rd_sub(&b, n);
			if (b.err) {
				wire_layer_invalid(l, "ipv6 option length %u past header", n);
				return;
			}
			if (t == 0xc2 && n == 4 && x->type == 0)
				x->jumbo = wire_rd_be32(&v);
		}
	}
	if (d->claim < x->hlen) {
		wire_layer_invalid(l, "extension header %u > payload %u", x->hlen, d->claim);
		return;
	}
	wire_claim_sub(d, x->hlen);
	if (x->jumbo && d->gso) {
		uint32_t left = (uint32_t)wire_rd_left(r);
		d->claim = x->jumbo > x->hlen ? x->jumbo - x->hlen : 0;
		if (d->claim < left)
			*r = wire_rd_sub_upto(r, d->claim);
	}
	if (x->type == 44 && x->frag_off != 0)
		return;
	chain(d, x->nxt);
}

const struct wire_proto wire_proto_ipv6 = {"ipv6", WIRE_L_IPV6, wire_ipv6_decode};
const struct wire_proto wire_proto_ip6ext = {"ipv6ext", WIRE_L_IP6EXT, wire_ip6ext_decode};
