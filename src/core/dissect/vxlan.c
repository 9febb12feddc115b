/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VXLAN (RFC 7348), UDP port 4789: an 8-byte header before an Ethernet
 * frame. The flags byte's I bit (0x08) says the VNI is valid; Wireshark reads
 * the first 16 bits as flags (with the group policy extension's G, D and A
 * bits) and the next 16 as the group policy ID. The inner frame is decoded
 * whatever the flags say, as tcpdump and tshark do.
 *
 *   0       1       2       3       4                       7       8
 *   +-------+-------+-------+-------+-----------------------+-------+
 *   | flags |     reserved (GBP)    |          VNI          | rsvd  |
 *   +-------+-------+-------+-------+-----------------------+-------+
 */
#include "wire/dissect.h"

void wire_vxlan_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_vxlan *v = &l->u.vxlan;
	v->flags = wire_rd_be16(r);
	v->gbp = wire_rd_be16(r);
	v->vni = wire_rd_be24(r);
	v->rsvd = wire_rd_u8(r);
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = 8;
	wire_claim_sub(d, 8);
	d->next = WIRE_NEXT_LAYER;
	d->next_val = WIRE_L_ETH;
}

const struct wire_proto wire_proto_vxlan = {"vxlan", WIRE_L_VXLAN, wire_vxlan_decode};
