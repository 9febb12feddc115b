/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS messages (RFC 1035) over UDP, and over TCP after the 2-byte length
 * prefix (RFC 1035 section 4.2.2). The header is decoded here and every
 * record is walked once to validate it; printers walk the records again with
 * wire_dns_next(). Names follow compression pointers only backwards, each
 * pointer to before every byte the name has used so far (so a chain always
 * ends), at most WIRE_DNS_PTR_MAX per name; names are at most 255 bytes;
 * at most WIRE_DNS_RR_MAX records are decoded per section.
 *
 *   | ID:2 | QR Opcode:4 AA TC RD RA Z AD CD RCODE:4 | QDCOUNT:2 | ANCOUNT:2 |
 *   | NSCOUNT:2 | ARCOUNT:2 | questions | answers | authority | additional |
 *   question: | name | type:2 | class:2 |
 *   record:   | name | type:2 | class:2 | ttl:4 | rdlength:2 | rdata |
 */
#include <stdio.h>

#include "wire/dissect.h"

#define DNS_NAME_WIRE_MAX 255u

static size_t put(char *out, size_t outsz, size_t o, char c)
{
	if (out && o + 1 < outsz)
		out[o] = c;
	return o + 1;
}

long wire_dns_name(const uint8_t *msg, uint32_t len, uint32_t off, char *out, size_t outsz)
{
	static const char digits[] = "0123456789";
	struct wire_rd r = wire_rd_init(msg, len);
	uint32_t lim = off; /* a pointer must go before every byte used so far */
	long end = -1;
	unsigned ptrs = 0;
	size_t o = 0, total = 0;

	wire_rd_skip(&r, off);
	for (;;) {
		uint8_t c = wire_rd_u8(&r);
		if (r.err)
			goto trunc;
		if ((c & 0xc0u) == 0xc0u) {
			uint8_t lo = wire_rd_u8(&r);
			if (r.err)
				goto trunc;
			uint32_t tgt = ((uint32_t)(c & 0x3fu) << 8) | lo;
			if (end < 0)
				end = (long)(r.p - msg);
			if (tgt >= lim || ++ptrs > WIRE_DNS_PTR_MAX)
				goto invalid;
			lim = tgt;
			r = wire_rd_init(msg, len);
			wire_rd_skip(&r, tgt);
			continue;
		}
		if (c & 0xc0u)
			goto invalid; /* extended label types (RFC 6891) are not names */
		if (c == 0)
			break;
		const uint8_t *lab = wire_rd_take(&r, c);
		if (!lab)
			goto trunc;
		total += (size_t)c + 1u;
		if (total > DNS_NAME_WIRE_MAX)
			goto invalid;
		for (size_t i = 0; i < c; i++) {
			uint8_t ch = lab[i];
			if (ch == '.' || ch == '\\') {
				o = put(out, outsz, o, '\\');
				o = put(out, outsz, o, (char)ch);
			} else if (ch > 0x20 && ch < 0x7f) {
				o = put(out, outsz, o, (char)ch);
			} else {
				o = put(out, outsz, o, '\\');
				o = put(out, outsz, o, digits[ch / 100]);
				o = put(out, outsz, o, digits[(ch / 10) % 10]);
				o = put(out, outsz, o, digits[ch % 10]);
			}
		}
		o = put(out, outsz, o, '.');
	}
	if (end < 0)
		end = (long)(r.p - msg);
	if (o == 0)
		o = put(out, outsz, o, '.');
	if (out && outsz)
		out[o < outsz ? o : outsz - 1] = '\0';
	return end;
trunc:
	if (out && outsz)
		out[0] = '\0';
	return -1;
invalid:
	if (out && outsz)
		out[0] = '\0';
	return -2;
}

void wire_dns_begin(struct wire_dns_it *it, const struct wire_dns *dns)
{
	it->msg = dns->msg;
	it->len = dns->len;
	it->off = 12;
	it->sect = WIRE_DNS_QD;
	it->left[WIRE_DNS_QD] = (uint16_t)(dns->qd < WIRE_DNS_RR_MAX ? dns->qd : WIRE_DNS_RR_MAX);
	it->left[WIRE_DNS_AN] = (uint16_t)(dns->an < WIRE_DNS_RR_MAX ? dns->an : WIRE_DNS_RR_MAX);
	it->left[WIRE_DNS_NS] = (uint16_t)(dns->ns < WIRE_DNS_RR_MAX ? dns->ns : WIRE_DNS_RR_MAX);
	it->left[WIRE_DNS_AR] = (uint16_t)(dns->ar < WIRE_DNS_RR_MAX ? dns->ar : WIRE_DNS_RR_MAX);
	it->count = 0;
	it->err = 0;
}

int wire_dns_next(struct wire_dns_it *it, struct wire_dns_rr *rr)
{
	while (it->sect <= WIRE_DNS_AR && it->left[it->sect] == 0)
		it->sect++;
	if (it->err || it->sect > WIRE_DNS_AR)
		return 0;
	it->left[it->sect]--;
	it->count++;
	long e = wire_dns_name(it->msg, it->len, it->off, NULL, 0);
	if (e < 0) {
		it->err = e == -1 ? 1 : 2;
		return 0;
	}
	struct wire_rd r = wire_rd_init(it->msg, it->len);
	wire_rd_skip(&r, (size_t)e);
	rr->section = it->sect;
	rr->name_off = it->off;
	rr->type = wire_rd_be16(&r);
	rr->class_ = wire_rd_be16(&r);
	rr->ttl = 0;
	rr->rdlen = 0;
	rr->rdata_off = 0;
	if (it->sect != WIRE_DNS_QD) {
		rr->ttl = wire_rd_be32(&r);
		rr->rdlen = wire_rd_be16(&r);
		rr->rdata_off = (uint32_t)(r.p - it->msg);
		wire_rd_skip(&r, rr->rdlen);
	}
	if (r.err) {
		it->err = 1;
		return 0;
	}
	it->off = (uint32_t)(r.p - it->msg);
	return 1;
}

const char *wire_dns_type_name(uint16_t type)
{
	switch (type) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 13: return "HINFO";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 33: return "SRV";
	case 35: return "NAPTR";
	case 41: return "OPT";
	case 43: return "DS";
	case 46: return "RRSIG";
	case 47: return "NSEC";
	case 48: return "DNSKEY";
	case 64: return "SVCB";
	case 65: return "HTTPS";
	case 99: return "SPF";
	case 252: return "AXFR";
	case 255: return "ANY";
	case 256: return "URI";
	case 257: return "CAA";
	default: return NULL;
	}
}

void wire_dns_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_dns *m = &l->u.dns;
	m->tcp = 0;
	m->qtype = 0;
	if (d->n > 0 && d->l[d->n - 1].kind == WIRE_L_TCP) {
		m->tcp = 1;
		uint16_t n = wire_rd_be16(r);
		if (r->err) {
			wire_layer_trunc(l);
			return;
		}
		*r = wire_rd_sub_upto(r, n);
	}
	size_t avail = wire_rd_left(r);
	m->msg = r->p;
	m->len = (uint32_t)avail;
	m->id = wire_rd_be16(r);
	m->flags = wire_rd_be16(r);
	m->qd = wire_rd_be16(r);
	m->an = wire_rd_be16(r);
	m->ns = wire_rd_be16(r);
	m->ar = wire_rd_be16(r);
	if (r->err) {
		wire_layer_trunc(l);
		return;
	}
	l->len = m->len + (m->tcp ? 2u : 0u);
	struct wire_dns_it it;
	struct wire_dns_rr rr;
	wire_dns_begin(&it, m);
	while (wire_dns_next(&it, &rr))
		if (rr.section == WIRE_DNS_QD && m->qtype == 0)
			m->qtype = rr.type;
	wire_rd_skip(r, wire_rd_left(r));
	if (it.err == 1)
		wire_layer_trunc(l);
	else if (it.err == 2)
		wire_layer_invalid(l, "bad dns name in record %u", it.count);
}

const struct wire_proto wire_proto_dns = {"dns", WIRE_L_DNS, wire_dns_decode};
