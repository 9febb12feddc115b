/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMP for IPv4 (RFC 792). Echo, timestamp and information messages carry an
 * identifier and a sequence number; destination unreachable, time exceeded,
 * parameter problem, source quench and redirect quote the offending IP header
 * and the first bytes of its payload, which are dissected as quoted layers
 * (one level deep). The checksum covers the whole message.
 *
 *   | type:1 | code:1 | checksum:2 | rest of header:4 | data ...
 */
#include "wire/dissect.h"

static int quotes(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

void wire_icmp_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_icmp *c = &l->u.icmp;
	c->len = d->claim;
	c->type = wire_rd_u8(r);
	c->code = wire_rd_u8(r);
	c->csum = wire_rd_be16(r);
	c->id = wire_rd_be16(r); /* read apart: an id captured without its seq shows */
	c->seq = wire_rd_be16(r);
	c->rest = (uint32_t)c->id << 16 | c->seq;
	c->csum_st = WIRE_CSUM_UNCHECKED;
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = 8;
	if (c->len < 8) {
		wire_layer_invalid(l, "icmp length %u < 8", c->len);
		return;
	}
	c->csum_st = (uint8_t)wire_csum_verdict(d, l, 0, c->len);
	if (c->csum_st == WIRE_CSUM_PARTIAL || c->csum_st == WIRE_CSUM_GSO)
		c->csum_st = WIRE_CSUM_UNCHECKED;
	wire_claim_sub(d, 8);
	if (quotes(c->type) && !l->quoted && (wire_rd_left(r) > 0 || d->claim > 0)) {
		d->next = WIRE_NEXT_ETHERTYPE;
		d->next_val = 0x0800;
		if (wire_rd_left(r) > 0)
			d->claim = (uint32_t)wire_rd_left(r);
	}
}

const struct wire_proto wire_proto_icmp = {"icmp", WIRE_L_ICMP, wire_icmp_decode};
