/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Geneve (RFC 8926), UDP port 6081: an 8-byte header, opt_len 4-byte words
 * of options (at most 252 bytes), then a packet of the protocol type's
 * ethertype (0x6558: an Ethernet frame; 0x0800, 0x86DD: IPv4, IPv6). Each
 * option is a 4-byte header and len 4-byte words of data; the walk stays
 * inside opt_len (every pass takes at least 4 bytes) and keeps the first
 * WIRE_GENEVE_OPT_MAX options. Version 1 and up is invalid (RFC 8926 3.4).
 *
 *   |Ver|Opt Len|O|C| Rsvd |   Protocol Type   |
 *   |  Virtual Network Identifier (VNI) | Rsvd |
 *   |  Option Class  |  Type  |R|R|R| Length | data ... (options)
 */
#include "wire/dissect.h"

#define GENEVE_TEB 0x6558u /* Transparent Ethernet Bridging */

/* Walks the n option bytes at r; returns 0, or -1 when an option's length
 * goes past them (l marked invalid). */
static int options(struct wire_rd r, size_t n, struct wire_layer *l)
{
	struct wire_geneve *g = &l->u.geneve;
	size_t at = 0;
	while (at < n) {
		struct wire_geneve_opt o;
		if (n - at < 4)
			goto bad;
		o.cls = wire_rd_be16(&r);
		o.type = wire_rd_u8(&r);
		uint8_t b = wire_rd_u8(&r);
		o.flags = (uint8_t)(b >> 5);
		o.len = (uint8_t)(4u + 4u * (b & 0x1fu));
		o.off = (uint8_t)at;
		if (o.len > n - at)
			goto bad;
		wire_rd_skip(&r, o.len - 4u);
		at += o.len;
		if (g->opt_n < WIRE_GENEVE_OPT_MAX)
			g->opt[g->opt_n++] = o;
		else
			g->opt_more++;
	}
	return 0;
bad:
	wire_layer_invalid(l, "option length past the %zu option bytes", n);
	return -1;
}

void wire_geneve_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_geneve *g = &l->u.geneve;
	uint8_t b0 = wire_rd_u8(r);
	g->ver = (uint8_t)(b0 >> 6);
	g->optlen = (uint8_t)(4u * (b0 & 0x3fu));
	g->flags = wire_rd_u8(r);
	g->proto = wire_rd_be16(r);
	g->vni = wire_rd_be24(r);
	g->rsvd = wire_rd_u8(r);
	g->opt_n = g->opt_more = 0;
	g->optp = NULL;
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = 8u + g->optlen;
	if (g->ver != 0) {
		wire_layer_invalid(l, "version %u", g->ver);
		return;
	}
	if (wire_rd_left(r) < g->optlen) {
		wire_layer_trunc(l);
		return;
	}
	g->optp = r->p;
	if (options(*r, g->optlen, l) < 0)
		return;
	wire_rd_skip(r, g->optlen);
	wire_claim_sub(d, l->len);
	d->next = g->proto == GENEVE_TEB ? WIRE_NEXT_LAYER : WIRE_NEXT_ETHERTYPE;
	d->next_val = g->proto == GENEVE_TEB ? WIRE_L_ETH : g->proto;
}

const struct wire_proto wire_proto_geneve = {"geneve", WIRE_L_GENEVE, wire_geneve_decode};
