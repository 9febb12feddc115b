/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARP (RFC 826). Hardware and protocol address sizes come from the header;
 * the first 16 bytes of each address are kept (Ethernet/IPv4 uses 6 and 4).
 *
 *   | htype:2 | ptype:2 | hlen:1 | plen:1 | oper:2 |
 *   | sender hw addr:hlen | sender proto addr:plen |
 *   | target hw addr:hlen | target proto addr:plen |
 */
#include <string.h>

#include "wire/dissect.h"

static void addr(struct wire_rd *r, uint8_t *dst, uint8_t n)
{
	const uint8_t *p = wire_rd_take(r, n);
	memset(dst, 0, 16);
	if (p)
		memcpy(dst, p, n < 16 ? n : 16);
}

void wire_arp_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_arp *a = &l->u.arp;
	a->htype = wire_rd_be16(r);
	a->ptype = wire_rd_be16(r);
	a->hlen = wire_rd_u8(r);
	a->plen = wire_rd_u8(r);
	a->op = wire_rd_be16(r);
	addr(r, a->sha, a->hlen);
	addr(r, a->spa, a->plen);
	addr(r, a->tha, a->hlen);
	addr(r, a->tpa, a->plen);
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = 8u + 2u * ((uint32_t)a->hlen + a->plen);
	wire_claim_sub(d, l->len);
	wire_rd_skip(r, wire_rd_left(r)); /* what follows is link padding */
}

const struct wire_proto wire_proto_arp = {"arp", WIRE_L_ARP, wire_arp_decode};
