/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMPv6 (RFC 4443) and neighbor discovery (RFC 4861). Errors (destination
 * unreachable, packet too big, time exceeded, parameter problem) quote the
 * offending IPv6 packet, dissected as quoted layers. Neighbor solicitation and
 * advertisement and redirect carry a target address; router and neighbor
 * messages carry options, of which the source/target link-layer address is
 * decoded. The checksum covers an IPv6 pseudo-header and the message.
 *
 *   | type:1 | code:1 | checksum:2 | message body ...
 *   NS/NA: | reserved or flags:4 | target address:16 | options ...
 *   option: | type:1 | length:1 (8-octet units) | value ...
 */
#include <string.h>

#include "wire/dissect.h"

static void nd_options(struct wire_rd *r, struct wire_icmp6 *c, struct wire_layer *l)
{
	if (l->status == WIRE_LS_OK && c->len > l->len + wire_rd_left(r) && !l->quoted) {
		/* options on the wire, not captured */
		wire_layer_trunc(l);
		return;
	}
	for (unsigned i = 0; i < WIRE_OPT_LOOP_MAX && wire_rd_left(r) > 0; i++) {
		uint8_t t = wire_rd_u8(r);
		uint8_t n = wire_rd_u8(r);
		if (r->err) {
			wire_layer_trunc(l);
			return;
		}
		if (n == 0) {
			wire_layer_invalid(l, "nd option %u length 0", t);
			return;
		}
		struct wire_rd v = wire_rd_sub(r, (size_t)n * 8u - 2u);
		if (r->err) {
			wire_layer_trunc(l);
			return;
		}
		if ((t == 1 || t == 2) && n == 1 && !c->has_ll) {
			wire_rd_copy(&v, c->ll, 6);
			c->has_ll = 1;
			c->ll_type = t;
		}
	}
}

void wire_icmp6_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_icmp6 *c = &l->u.icmp6;
	c->len = d->claim;
	c->type = wire_rd_u8(r);
	c->code = wire_rd_u8(r);
	c->csum = wire_rd_be16(r);
	c->id = wire_rd_be16(r); /* read apart: an id captured without its seq shows */
	c->seq = wire_rd_be16(r);
	c->rest = (uint32_t)c->id << 16 | c->seq;
	c->has_target = c->has_ll = 0;
	c->ll_type = 0;
	c->ra_hlim = (uint8_t)(c->rest >> 24);
	c->ra_flags = (uint8_t)(c->rest >> 16);
	c->ra_life = (uint16_t)c->rest;
	c->csum_st = WIRE_CSUM_UNCHECKED;
	memset(c->target, 0, sizeof(c->target));
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = 8;
	if (c->len < 8) {
		wire_layer_invalid(l, "icmp6 length %u < 8", c->len);
		return;
	}
	c->csum_st = (uint8_t)wire_csum_verdict(d, l, 58, c->len);
	wire_claim_sub(d, 8);
	switch (c->type) {
	case 1:
	case 2:
	case 3:
	case 4:
		if (!l->quoted && (wire_rd_left(r) > 0 || d->claim > 0)) {
			d->next = WIRE_NEXT_ETHERTYPE;
			d->next_val = 0x86dd;
			if (wire_rd_left(r) > 0)
				d->claim = (uint32_t)wire_rd_left(r);
		}
		return;
	case 133: /* router solicitation */ nd_options(r, c, l); return;
	case 134: /* router advertisement: reachable, retrans timers */
		wire_rd_skip(r, 8);
		if (r->err) {
			wire_layer_trunc(l);
			return;
		}
		l->len = 16;
		nd_options(r, c, l);
		return;
	case 135: /* neighbor solicitation */
	case 136: /* neighbor advertisement */
	case 137: /* redirect */
		wire_rd_copy(r, c->target, 16);
		if (c->type == 137)
			wire_rd_skip(r, 16);
		if (r->err) {
			wire_layer_trunc(l);
			return;
		}
		c->has_target = 1;
		l->len = c->type == 137 ? 40 : 24;
		nd_options(r, c, l);
		return;
	default: return;
	}
}

const struct wire_proto wire_proto_icmp6 = {"icmpv6", WIRE_L_ICMP6, wire_icmp6_decode};
