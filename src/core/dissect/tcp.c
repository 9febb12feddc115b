/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP (RFC 9293) with the options of RFC 7323 (window scale, timestamps),
 * RFC 2018 (SACK), MSS, MPTCP (RFC 8684) and TFO (RFC 7413). The data offset
 * must be at least 5 words; options are walked once by wire_opt_next(), which
 * is bounded, and decoded into the packet's option table (d->topt). The
 * checksum is verified when the segment is whole and not offloaded. A header
 * cut by the capture keeps every field read before the cut (the options
 * present, too): the printers show them, then the truncation mark.
 *
 *    0                   1                   2                   3
 *   +-------------------------------+-------------------------------+
 *   |          Source Port          |       Destination Port        |
 *   +-------------------------------+-------------------------------+
 *   |                        Sequence Number                        |
 *   +---------------------------------------------------------------+
 *   |                    Acknowledgment Number                      |
 *   +-------+-----+-+-+-+-+-+-+-+-+-+-------------------------------+
 *   |  Data | Rsv |A|C|E|U|A|P|R|S|F|                               |
 *   | Offset|     |E|W|C|R|C|S|S|Y|I|            Window             |
 *   +-------+-----+-+-+-+-+-+-+-+-+-+-------------------------------+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-------------------------------+-------------------------------+
 *   |                    Options                    |    Padding    |
 *   +-----------------------------------------------+---------------+
 */
#include <string.h>

#include "wire/dissect.h"

/* Decodes the value of option o into e; e->ok when its length fits its kind. */
static void opt_value(struct wire_tcpopt *e, const struct wire_opt *o)
{
	size_t vlen = o->len >= 2 ? (size_t)o->len - 2u : 0;
	struct wire_rd v = wire_rd_init0(o->data, vlen);
	e->ok = 1;
	e->n = 0;
	switch (o->kind) {
	case WIRE_TCPOPT_EOL:
	case WIRE_TCPOPT_NOP:
	case WIRE_TCPOPT_SACKOK: break;
	case WIRE_TCPOPT_MSS:
		e->ok = o->len == 4;
		e->v.mss = wire_rd_be16(&v);
		break;
	case WIRE_TCPOPT_WS:
		e->ok = o->len == 3;
		e->v.ws = wire_rd_u8(&v);
		break;
	case WIRE_TCPOPT_SACK:
		e->ok = vlen % 8 == 0;
		while (wire_rd_left(&v) >= 8 && e->n < WIRE_TCP_SACK_MAX) {
			e->v.sack[2 * e->n] = wire_rd_be32(&v);
			e->v.sack[2 * e->n + 1] = wire_rd_be32(&v);
			e->n++;
		}
		break;
	case WIRE_TCPOPT_TS:
		e->ok = o->len == 10;
		e->v.ts.val = wire_rd_be32(&v);
		e->v.ts.ecr = wire_rd_be32(&v);
		break;
	default:
		e->n = (uint8_t)(vlen < WIRE_TCPOPT_RAW ? vlen : WIRE_TCPOPT_RAW);
		if (e->n)
			memcpy(e->v.raw, o->data, e->n);
		break;
	}
}

/* Walks t's options into d->topt (as many as it has room for). */
static void opts(struct wire_dissect *d, struct wire_tcp *t)
{
	struct wire_opt_it it;
	struct wire_opt o;
	t->opt_first = d->ntopt;
	wire_opt_begin(&it, t->opt, t->optlen);
	while (wire_opt_next(&it, &o) && d->ntopt < WIRE_TCPOPT_TAB_MAX) {
		struct wire_tcpopt *e = &d->topt[d->ntopt++];
		e->kind = o.kind;
		e->len = o.len;
		opt_value(e, &o);
	}
	t->opt_n = (uint8_t)(d->ntopt - t->opt_first);
	t->opt_err = (uint8_t)it.err;
}

/* Reads the header's second half (acknowledgment to urgent pointer) and
 * returns the offset-and-flags word: straight from the bytes when all 12 are
 * there, else one by one (a cut header keeps what it has). */
static uint16_t rest_of_header(struct wire_tcp *t, struct wire_rd *r)
{
	if (wire_rd_left(r) >= 12) {
		const uint8_t *p = r->p;
		t->ack = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		t->win = (uint16_t)((unsigned)p[6] << 8 | p[7]);
		t->csum = (uint16_t)((unsigned)p[8] << 8 | p[9]);
		t->urp = (uint16_t)((unsigned)p[10] << 8 | p[11]);
		r->p += 12;
		return (uint16_t)((unsigned)p[4] << 8 | p[5]);
	}
	t->ack = wire_rd_be32(r);
	uint16_t of = wire_rd_be16(r);
	t->win = wire_rd_be16(r);
	t->csum = wire_rd_be16(r);
	t->urp = wire_rd_be16(r);
	return of;
}

void wire_tcp_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_tcp *t = &l->u.tcp;
	t->sport = wire_rd_be16(r);
	t->dport = wire_rd_be16(r);
	t->seq = wire_rd_be32(r);
	t->opt_first = d->ntopt;
	t->opt_n = t->opt_err = 0;
	if (l->quoted && r->err == 0 && wire_rd_left(r) < 12) {
		/* An ICMP error quotes at least 8 bytes: ports and sequence. */
		t->ack = 0;
		t->flags = t->win = t->csum = t->urp = 0;
		t->doff = 0;
		t->optlen = 0;
		t->opt = NULL;
		t->paylen = 0;
		t->csum_st = WIRE_CSUM_UNCHECKED;
		l->len = 8;
		return;
	}
	uint16_t of = rest_of_header(t, r);
	t->doff = (uint8_t)((of >> 12) * 4u);
	t->flags = (uint16_t)(of & 0xfffu); /* with the 3 reserved bits, as tshark shows them */
	t->optlen = 0;
	t->opt = NULL;
	t->paylen = t->doff >= 20 && d->claim > t->doff ? d->claim - t->doff : 0;
	t->csum_st = WIRE_CSUM_UNCHECKED;
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	if (t->doff < 20) {
		l->len = 20;
		wire_layer_invalid(l, "doff %u < 5", (unsigned)(of >> 12));
		return;
	}
	t->optlen = (uint16_t)(t->doff - 20u);
	l->len = t->doff;
	if (wire_rd_left(r) < t->optlen) {
		/* options cut by the capture: keep those present for the printers */
		t->optlen = (uint16_t)wire_rd_left(r);
		t->opt = wire_rd_take(r, t->optlen);
		opts(d, t);
		wire_layer_trunc(l);
		return;
	}
	t->opt = wire_rd_take(r, t->optlen);
	opts(d, t);
	if (d->claim < t->doff && !l->quoted) {
		wire_layer_invalid(l, "doff %u > ip payload %u", t->doff, d->claim);
		return;
	}
	t->paylen = d->claim > t->doff ? d->claim - t->doff : 0;
	t->csum_st = (uint8_t)wire_csum_verdict(d, l, 6, d->claim);
	d->claim = t->paylen;
	if (!l->quoted) {
		d->next = WIRE_NEXT_TCP;
		d->next_val = ((uint32_t)t->sport << 16) | t->dport;
	}
}

const struct wire_proto wire_proto_tcp = {"tcp", WIRE_L_TCP, wire_tcp_decode};
