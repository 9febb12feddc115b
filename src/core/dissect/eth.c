/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ethernet II and IEEE 802.3 frames (IEEE 802.3 clause 3). A type field of
 * 0x0600 or more is an ethertype (Ethernet II); below that it is the 802.3
 * length of an LLC payload, which is narrowed to and not decoded further.
 *
 *   0                   6                   12      14
 *   +-------------------+-------------------+-------+------------
 *   |  destination MAC  |    source MAC     | type  | payload ...
 *   +-------------------+-------------------+-------+------------
 */
#include "wire/dissect.h"

void wire_eth_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_eth *e = &l->u.eth;
	wire_rd_copy(r, e->dst, 6);
	wire_rd_copy(r, e->src, 6);
	e->type = wire_rd_be16(r);
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = 14;
	wire_claim_sub(d, 14);
	if (e->type >= 0x0600) {
		d->next = WIRE_NEXT_ETHERTYPE;
		d->next_val = e->type;
	} else {
		*r = wire_rd_sub_upto(r, e->type);
		d->claim = e->type;
	}
}

const struct wire_proto wire_proto_eth = {"eth", WIRE_L_ETH, wire_eth_decode};
