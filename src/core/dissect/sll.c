/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Linux cooked capture headers (what capturing on "any" gives), see
 * pcap-linktype(7): LINKTYPE_LINUX_SLL (v1, 16 bytes) and LINKTYPE_LINUX_SLL2
 * (v2, 20 bytes, adds the interface index).
 *
 *   v1: | pkttype:2 | hatype:2 | halen:2 | addr:8 | protocol:2 |
 *   v2: | protocol:2 | reserved:2 | ifindex:4 | hatype:2 | pkttype:1 |
 *       | halen:1 | addr:8 |
 */
#include "wire/dissect.h"

void wire_sll_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_sll *s = &l->u.sll;
	if (d->pkt->linktype == WIRE_LINK_LINUX_SLL2) {
		s->version = 2;
		s->proto = wire_rd_be16(r);
		wire_rd_skip(r, 2);
		s->ifindex = wire_rd_be32(r);
		s->hatype = wire_rd_be16(r);
		s->pkttype = wire_rd_u8(r);
		s->halen = wire_rd_u8(r);
		wire_rd_copy(r, s->addr, 8);
		l->len = 20;
	} else {
		s->version = 1;
		s->ifindex = 0;
		s->pkttype = wire_rd_be16(r);
		s->hatype = wire_rd_be16(r);
		uint16_t halen = wire_rd_be16(r);
		s->halen = (uint8_t)(halen > 8 ? 8 : halen);
		wire_rd_copy(r, s->addr, 8);
		s->proto = wire_rd_be16(r);
		l->len = 16;
	}
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	if (s->halen > 8)
		s->halen = 8;
	wire_claim_sub(d, l->len);
	if (s->proto >= 0x0600) {
		d->next = WIRE_NEXT_ETHERTYPE;
		d->next_val = s->proto;
	}
}

const struct wire_proto wire_proto_sll = {"sll", WIRE_L_SLL, wire_sll_decode};
