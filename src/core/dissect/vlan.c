/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IEEE 802.1Q VLAN tags and 802.1ad (QinQ) service tags. The tag follows the
 * TPID (0x8100, 0x88a8, or the older 0x9100) that the previous layer read as
 * its type; at most WIRE_VLAN_DEPTH_MAX tags are decoded.
 *
 *   0       2       4
 *   +-+-+---+-------+-------
 *   |PCP|D| VID     | type  | payload ...
 *   +-+-+---+-------+-------
 */
#include "wire/dissect.h"

void wire_vlan_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_vlan *v = &l->u.vlan;
	unsigned depth = 0;
	v->tpid = (uint16_t)d->next_val;
	for (unsigned i = 0; i < d->n; i++)
		depth += d->l[i].kind == WIRE_L_VLAN;
	v->tci = wire_rd_be16(r);
	v->type = wire_rd_be16(r);
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = 4;
	wire_claim_sub(d, 4);
	if (depth >= WIRE_VLAN_DEPTH_MAX) {
		wire_layer_invalid(l, "more than %u vlan tags", WIRE_VLAN_DEPTH_MAX);
		return;
	}
	if (v->type >= 0x0600) {
		d->next = WIRE_NEXT_ETHERTYPE;
		d->next_val = v->type;
	} else {
		*r = wire_rd_sub_upto(r, v->type);
		d->claim = v->type;
	}
}

const struct wire_proto wire_proto_vlan = {"vlan", WIRE_L_VLAN, wire_vlan_decode};
