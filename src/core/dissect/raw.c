/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Raw IP link types (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6): no link
 * header; the IP version nibble (RFC 791, RFC 8200) picks the dissector.
 * wire_proto_raw is only a marker in the link table: the dissect loop asks
 * wire_raw_pick() for the real IP dissector.
 */
#include "wire/dissect.h"

const struct wire_proto *wire_raw_pick(int linktype, const struct wire_rd *r)
{
	if (linktype == WIRE_LINK_IPV4)
		return &wire_proto_ipv4;
	if (linktype == WIRE_LINK_IPV6)
		return &wire_proto_ipv6;
	if (wire_rd_left(r) > 0 && (r->p[0] >> 4) == 6)
		return &wire_proto_ipv6;
	return &wire_proto_ipv4;
}

static void raw_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	const struct wire_proto *p = wire_raw_pick(d->pkt->linktype, r);
	l->kind = p->kind;
	p->decode(d, r, l);
}

const struct wire_proto wire_proto_raw = {"raw", WIRE_L_IPV4, raw_decode};
