/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DHCP (RFC 2131) and BOOTP (RFC 951) messages on UDP ports 67/68. The fixed
 * part is decoded; the options (RFC 2132) after the magic cookie are kept as
 * bytes and walked once for the message type (option 53), at most
 * WIRE_OPT_LOOP_MAX options.
 *
 *   | op:1 | htype:1 | hlen:1 | hops:1 | xid:4 | secs:2 | flags:2 |
 *   | ciaddr:4 | yiaddr:4 | siaddr:4 | giaddr:4 | chaddr:16 | sname:64 |
 *   | file:128 | magic cookie 99.130.83.99:4 | options ... |
 */
#include "wire/dissect.h"

void wire_dhcp_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_dhcp *m = &l->u.dhcp;
	m->op = wire_rd_u8(r);
	m->htype = wire_rd_u8(r);
	m->hlen = wire_rd_u8(r);
	m->hops = wire_rd_u8(r);
	m->xid = wire_rd_be32(r);
	m->secs = wire_rd_be16(r);
	m->flags = wire_rd_be16(r);
	wire_rd_copy(r, m->ciaddr, 4);
	wire_rd_copy(r, m->yiaddr, 4);
	wire_rd_copy(r, m->siaddr, 4);
	wire_rd_copy(r, m->giaddr, 4);
	wire_rd_copy(r, m->chaddr, 16);
	wire_rd_skip(r, 64 + 128);
	m->msgtype = 0;
	m->opt = NULL;
	m->optlen = 0;
	m->opt_n = m->opt_cut = 0;
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = 236;
	if (wire_rd_left(r) == 0) {
		if (d->claim > 236) /* the rest is on the wire, not captured */
			wire_layer_trunc(l);
		return; /* plain BOOTP */
	}
	uint32_t magic = wire_rd_be32(r);
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	if (magic != 0x63825363u) {
		wire_layer_invalid(l, "dhcp magic cookie 0x%08x", magic);
		return;
	}
	size_t n = wire_rd_left(r);
	m->opt = r->p;
	m->optlen = (uint16_t)(n > 0xffffu ? 0xffffu : n);
	struct wire_rd o = wire_rd_sub(r, m->optlen);
	l->len = 240u + m->optlen;
	for (unsigned i = 0; i < WIRE_OPT_LOOP_MAX * 4u && wire_rd_left(&o) > 0; i++) {
		uint8_t t = wire_rd_u8(&o);
		if (t == 0)
			continue;
		if (t == 255)
			break;
		uint8_t k = wire_rd_u8(&o);
		struct wire_rd v = wire_rd_sub(&o, k);
		if (o.err) {
			wire_layer_trunc(l);
			return;
		}
		if (m->opt_n < WIRE_DHCPOPT_TAB_MAX)
			d->dhcpopt[m->opt_n++] = (struct wire_dhcpopt){t, k, v.p};
		else
			m->opt_cut = 1;
		if (t == 53 && k >= 1)
			m->msgtype = wire_rd_u8(&v);
	}
	if (d->claim > 240u + m->optlen && l->status == WIRE_LS_OK)
		wire_layer_trunc(l);
}

const struct wire_proto wire_proto_dhcp = {"dhcp", WIRE_L_DHCP, wire_dhcp_decode};
