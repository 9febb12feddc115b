/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * UDP (RFC 768). The length must be at least 8 and no more than the IP
 * payload (unless fragmented or GSO); the payload is narrowed to it. The
 * checksum (optional over IPv4) is verified when the datagram is whole.
 *
 *   | source port:2 | destination port:2 | length:2 | checksum:2 | data ...
 */
#include "wire/dissect.h"

void wire_udp_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_udp *u = &l->u.udp;
	u->sport = wire_rd_be16(r);
	u->dport = wire_rd_be16(r);
	u->ulen = wire_rd_be16(r);
	u->csum = wire_rd_be16(r);
	u->csum_st = WIRE_CSUM_UNCHECKED;
	u->paylen = 0;
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = 8;
	if (u->ulen < 8 && !(d->gso && u->ulen == 0)) {
		wire_layer_invalid(l, "ulen %u < 8", u->ulen);
		return;
	}
	if (u->ulen > d->claim && !d->frag && !d->gso && !l->quoted) {
		wire_layer_invalid(l, "ulen %u > ip payload %u", u->ulen, d->claim);
		return;
	}
	uint32_t len = u->ulen >= 8 ? u->ulen : d->claim;
	u->paylen = len - 8u;
	int v6 = d->ip >= 0 && d->l[d->ip].kind == WIRE_L_IPV6;
	if (u->csum == 0 && !v6)
		u->csum_st = WIRE_CSUM_UNCHECKED;
	else
		u->csum_st = (uint8_t)wire_csum_verdict(d, l, 17, len);
	*r = wire_rd_sub_upto(r, u->paylen);
	d->claim = u->paylen;
	/* a length of 0 is a jumbogram's over IPv6 (RFC 2675); over IPv4 (a GSO
	 * super-packet) tshark calls it bad and decodes no further: nor here */
	if (!l->quoted && (u->ulen >= 8 || v6)) {
		d->next = WIRE_NEXT_UDP;
		d->next_val = ((uint32_t)u->sport << 16) | u->dport;
	}
}

const struct wire_proto wire_proto_udp = {"udp", WIRE_L_UDP, wire_udp_decode};
