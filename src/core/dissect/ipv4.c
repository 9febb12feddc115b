/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4 (RFC 791). The header checksum is verified; the payload is narrowed to
 * the total length so that link padding is never parsed. A total length of 0,
 * or one past the bytes of a frame that was captured whole, is a GSO/TSO
 * super-packet handed to the capture before segmentation: its payload is what
 * was captured. Non-first fragments are not dissected further.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------+-------+---------------+-------------------------------+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-------+-------+---------------+-----+-------------------------+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +---------------+---------------+-----+-------------------------+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +---------------+---------------+-------------------------------+
 *   |                       Source Address                          |
 *   +---------------------------------------------------------------+
 *   |                    Destination Address                        |
 *   +---------------------------------------------------------------+
 *   |                    Options (IHL > 5)                          |
 *   +---------------------------------------------------------------+
 */
#include <string.h>

#include "wire/dissect.h"

/* Returns 1 when the header checksum of the n-byte header at p verifies. The
 * common 20-byte header is summed inline: two 8-byte and one 4-byte word with
 * end-around carries; a sum of all ones (in either byte order) is valid. */
static int hdr_csum_ok(const uint8_t *p, size_t n)
{
	if (n != 20)
		return wire_csum_fold(wire_csum_add(0, p, n)) == 0;
	uint64_t a, b;
	uint32_t c;
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	memcpy(&c, p + 16, 4);
	uint64_t s = a + b;
	s += s < b;
	s += c;
	s += s < c;
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return s == 0xffffu;
}

/* Decodes ip's options once into d's table (RFC 791 3.1). */
static void keep_options(struct wire_dissect *d, struct wire_ipv4 *ip)
{
	struct wire_opt_it it;
	struct wire_opt o;
	ip->opt_first = d->nipopt;
	wire_opt_begin(&it, ip->opt, ip->optlen);
	while (wire_opt_next(&it, &o)) {
		if (d->nipopt >= WIRE_IPOPT_TAB_MAX) {
			ip->opt_err = 3;
			return;
		}
		d->ipopt[d->nipopt++] = o;
		ip->opt_n++;
	}
	ip->opt_err = (uint8_t)it.err;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/* Reads the fixed fields after the first byte: straight from the bytes when
 * all 19 are there, else one by one (a cut header keeps what it has). */
static void fixed_fields(struct wire_ipv4 *ip, struct wire_rd *r)
{
	if (wire_rd_left(r) >= 19) {
		const uint8_t *p = r->p;
		ip->tos = p[0];
		ip->len = be16(p + 1);
		ip->id = be16(p + 3);
		ip->frag = be16(p + 5);
		ip->ttl = p[7];
		ip->proto = p[8];
		ip->csum = be16(p + 9);
		memcpy(ip->src, p + 11, 4);
		memcpy(ip->dst, p + 15, 4);
		r->p += 19;
		return;
	}
	ip->tos = wire_rd_u8(r);
	ip->len = wire_rd_be16(r);
	ip->id = wire_rd_be16(r);
	ip->frag = wire_rd_be16(r);
	ip->ttl = wire_rd_u8(r);
	ip->proto = wire_rd_u8(r);
	ip->csum = wire_rd_be16(r);
	wire_rd_copy(r, ip->src, 4);
	wire_rd_copy(r, ip->dst, 4);
}

void wire_ipv4_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_ipv4 *ip = &l->u.ip4;
	const uint8_t *start = r->p;
	uint8_t vihl = wire_rd_u8(r);
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	ip->ihl = (uint8_t)((vihl & 15u) * 4u);
	fixed_fields(ip, r);
	ip->optlen = 0;
	ip->opt = NULL;
	ip->opt_first = d->nipopt;
	ip->opt_n = ip->opt_err = 0;
	ip->gso = 0;
	ip->csum_st = WIRE_CSUM_UNCHECKED;
	if ((vihl >> 4) != 4) {
		wire_layer_invalid(l, "ip version %u", (unsigned)(vihl >> 4));
		return;
	}
	if (ip->ihl < 20) {
		wire_layer_invalid(l, "ihl %u < 5", (unsigned)(vihl & 15u));
		return;
	}
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	ip->optlen = (uint16_t)(ip->ihl - 20u);
	ip->opt = wire_rd_take(r, ip->optlen);
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	if (ip->optlen)
		keep_options(d, ip);
	l->len = ip->ihl;
	ip->csum_st = hdr_csum_ok(start, ip->ihl) ? WIRE_CSUM_OK : WIRE_CSUM_BAD;

	uint32_t wire_left = d->claim > ip->ihl ? d->claim - ip->ihl : 0; /* after this header */
	uint32_t cap_left = (uint32_t)wire_rd_left(r);
	if (!l->quoted &&
	    ((ip->len == 0 && cap_left > 0) ||
	     ((d->pkt->flags & WIRE_PKT_GSO) && ip->len > ip->ihl) ||
	     (ip->len > d->claim && d->pkt->wirelen <= d->pkt->caplen && wire_dissect_on_lo(d)))) {
		ip->gso = 1;                 /* payload: everything captured */
		ip->csum_st = WIRE_CSUM_GSO; /* filled in per segment, later */
		d->gso = 1;
		d->claim = cap_left > wire_left ? cap_left : wire_left;
	} else if (ip->len < ip->ihl) {
		wire_layer_invalid(l, "ip len %u < ihl %u", ip->len, ip->ihl);
		return;
	} else if (ip->len > d->claim && !l->quoted) {
		wire_layer_invalid(l, "ip len %u > %u bytes on the wire", ip->len, d->claim);
		return;
	} else {
		d->claim = (uint32_t)(ip->len - ip->ihl);
		*r = wire_rd_sub_upto(r, d->claim);
	}
	d->frag = (ip->frag & 0x3fffu) != 0;
	if ((ip->frag & 0x1fffu) != 0)
		return; /* a later fragment: no transport header here */
	d->next = WIRE_NEXT_IPPROTO;
	d->next_val = ip->proto;
}

const struct wire_proto wire_proto_ipv4 = {"ip", WIRE_L_IPV4, wire_ipv4_decode};
