/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BSD loopback encapsulation (LINKTYPE_NULL: a 4-byte address family in the
 * capturing host's byte order) and OpenBSD loopback (LINKTYPE_LOOP: network
 * byte order), see pcap-linktype(7).
 *
 *   | address family:4 | IPv4 or IPv6 packet ...
 */
#include "wire/dissect.h"

void wire_null_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_null *n = &l->u.null;
	uint32_t fam = wire_rd_be32(r);
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	/* Families are small numbers: a value with high bytes set is swapped. */
	if (fam & 0xffff0000u)
		fam = ((fam & 0xffu) << 24) | ((fam & 0xff00u) << 8) | ((fam >> 8) & 0xff00u) |
		      (fam >> 24);
	n->family = fam;
	l->len = 4;
	wire_claim_sub(d, 4);
	switch (fam) {
	case 2:
		d->next = WIRE_NEXT_ETHERTYPE;
		d->next_val = 0x0800;
		break;
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* Darwin */
		d->next = WIRE_NEXT_ETHERTYPE;
		d->next_val = 0x86dd;
		break;
	default: break;
	}
}

const struct wire_proto wire_proto_null = {"null", WIRE_L_NULL, wire_null_decode};
