/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS messages (RFC 1035) over UDP, and over TCP after the 2-byte length
 * prefix (RFC 1035 section 4.2.2). The header is decoded here and every
 * record is walked once, which validates it and decodes it (names as text,
 * the rdata of A, AAAA, NS, CNAME, PTR, MX, TXT, SOA, SRV, CAA and OPT) into
 * the packet's struct wire_dns_msg, which the printers read. Names follow compression pointers only
 * backwards, each pointer to before every byte the name has used so far (so a chain always ends),
 * at most WIRE_DNS_PTR_MAX per name; names are at most 255 bytes; at most WIRE_DNS_RR_MAX records
 * are decoded per section.
 *
 *   | ID:2 | QR Opcode:4 AA TC RD RA Z AD CD RCODE:4 | QDCOUNT:2 | ANCOUNT:2 |
 *   | NSCOUNT:2 | ARCOUNT:2 | questions | answers | authority | additional |
 *   question: | name | type:2 | class:2 |
 *   record:   | name | type:2 | class:2 | ttl:4 | rdlength:2 | rdata |
 */
#include <stdio.h>
#include <string.h>

#include "wire/dissect.h"

#define DNS_NAME_WIRE_MAX 255u

static size_t put(char *out, size_t outsz, size_t o, char c)
{
	if (out && o + 1 < outsz)
		out[o] = c;
	return o + 1;
}

/* 1 for the bytes a name's text shows as they are (printable, not '.' or
 * '\\'). */
static const uint8_t as_is[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Returns 1 when the n bytes at p need no escape in a name's text. */
static int plain(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!as_is[p[i]])
			return 0;
	return 1;
}

/* Writes label lab (c bytes) as text at out + o, escaped; returns the new
 * length. */
static size_t label_text(char *out, size_t outsz, size_t o, const uint8_t *lab, size_t c)
{
	static const char digits[] = "0123456789";
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
	return o;
}

/* wire_dns_name(), and the length of the whole text in *olen. */
static long dns_name(const uint8_t *msg, uint32_t len, uint32_t off, char *out, size_t outsz,
                     size_t *olen)
{
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
		if (out && o + c < outsz && plain(lab, c)) { /* the common label: a copy */
			memcpy(out + o, lab, c);
			o += c;
		} else {
			o = label_text(out, outsz, o, lab, c);
		}
		o = put(out, outsz, o, '.');
	}
	if (end < 0)
		end = (long)(r.p - msg);
	if (o == 0)
		o = put(out, outsz, o, '.');
	if (out && outsz)
		out[o < outsz ? o : outsz - 1] = '\0';
	*olen = o;
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

long wire_dns_name(const uint8_t *msg, uint32_t len, uint32_t off, char *out, size_t outsz)
{
	size_t n;
	return dns_name(msg, len, off, out, outsz, &n);
}

/* Decodes the name at off into f's arena. Returns its handle, or
 * WIRE_DNS_NONE when it does not decode or does not fit (then f->full);
 * *end is wire_dns_name()'s result. */
static uint16_t keep_name(struct wire_dns_msg *f, const uint8_t *msg, uint32_t len, uint32_t off,
                          long *end)
{
	size_t room = WIRE_DNS_ARENA_MAX - f->used, n = 0;
	long e = dns_name(msg, len, off, f->arena + f->used, room, &n);
	if (end)
		*end = e;
	if (e < 0)
		return WIRE_DNS_NONE;
	if (n + 1 > room) {
		f->full = 1;
		return WIRE_DNS_NONE;
	}
	uint16_t h = (uint16_t)f->used;
	f->used += (uint32_t)n + 1u;
	return h;
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

/* wire_dns_next(), keeping the owner name in f's arena (*name) when f. */
static int dns_next(struct wire_dns_it *it, struct wire_dns_rr *rr, struct wire_dns_msg *f,
                    uint16_t *name)
{
	while (it->sect <= WIRE_DNS_AR && it->left[it->sect] == 0)
		it->sect++;
	if (it->err || it->sect > WIRE_DNS_AR)
		return 0;
	it->left[it->sect]--;
	it->count++;
	long e;
	if (f)
		*name = keep_name(f, it->msg, it->len, it->off, &e);
	else
		e = wire_dns_name(it->msg, it->len, it->off, NULL, 0);
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

int wire_dns_next(struct wire_dns_it *it, struct wire_dns_rr *rr)
{
	return dns_next(it, rr, NULL, NULL);
}

/* SOA (RFC 1035 3.3.13): two names, then five numbers as far as the message
 * goes (bounded by the message, as tcpdump and tshark read it). */
static void rd_soa(struct wire_dns_msg *f, const struct wire_dns *m, struct wire_dns_rec *c,
                   uint32_t off)
{
	long e = -1, e2 = -1;
	c->rd.soa.rname = WIRE_DNS_NONE;
	c->rd.soa.nnum = 0;
	c->rd.soa.mname = keep_name(f, m->msg, m->len, off, &e);
	if (c->rd.soa.mname == WIRE_DNS_NONE)
		return;
	c->rd.soa.rname = keep_name(f, m->msg, m->len, (uint32_t)e, &e2);
	if (c->rd.soa.rname == WIRE_DNS_NONE)
		return;
	struct wire_rd t = wire_rd_init(m->msg, m->len);
	wire_rd_skip(&t, (size_t)e2);
	for (unsigned k = 0; k < 5; k++) {
		uint32_t v = wire_rd_be32(&t);
		if (t.err)
			break;
		c->rd.soa.num[k] = v;
		c->rd.soa.nnum++;
	}
	c->rdok = 1;
}

/* TXT (RFC 1035 3.3.14): up to WIRE_DNS_TXT_REC_MAX character-strings. */
static void rd_txt(struct wire_dns_msg *f, struct wire_rd *r, struct wire_dns_rec *c)
{
	c->rd.txt.first = f->ntxt;
	c->rd.txt.n = 0;
	c->rdok = 1;
	for (unsigned k = 0; k < WIRE_DNS_TXT_REC_MAX && wire_rd_left(r) > 0; k++) {
		uint8_t n = wire_rd_u8(r);
		const uint8_t *t = wire_rd_take(r, n);
		if (!t || f->ntxt >= WIRE_DNS_TXT_MAX)
			break;
		f->txt[f->ntxt].p = t;
		f->txt[f->ntxt].n = n;
		f->ntxt++;
		c->rd.txt.n++;
	}
}

/* SRV (RFC 2782) and CAA (RFC 8659). */
static void rd_srv_caa(struct wire_dns_msg *f, const struct wire_dns *m, struct wire_rd *r,
                       struct wire_dns_rec *c, uint32_t off)
{
	if (c->type == 33) {
		if (c->rdlen < 7)
			return;
		c->rd.srv.prio = wire_rd_be16(r);
		c->rd.srv.weight = wire_rd_be16(r);
		c->rd.srv.port = wire_rd_be16(r);
		c->rd.srv.target = keep_name(f, m->msg, m->len, off + 6, NULL);
		c->rdok = c->rd.srv.target != WIRE_DNS_NONE;
		return;
	}
	c->rd.caa.flags = wire_rd_u8(r);
	c->rd.caa.taglen = wire_rd_u8(r);
	c->rd.caa.tag = wire_rd_take(r, c->rd.caa.taglen);
	c->rd.caa.vallen = (uint16_t)wire_rd_left(r);
	c->rd.caa.val = wire_rd_take(r, c->rd.caa.vallen);
	c->rdok = r->err == 0;
}

/* Decodes the rdata of record c (rdlen bytes at off, inside the message). */
static void dns_rdata(struct wire_dns_msg *f, const struct wire_dns *m, struct wire_dns_rec *c,
                      uint32_t off)
{
	struct wire_rd r = wire_rd_init(m->msg + off, c->rdlen);
	switch (c->type) {
	case 1:
	case 28:
		c->rdok = c->rdlen == (c->type == 1 ? 4 : 16);
		if (c->rdok)
			memcpy(c->rd.aaaa, r.p, c->rdlen);
		break;
	case 2:
	case 5:
	case 12:
		c->rd.target = keep_name(f, m->msg, m->len, off, NULL);
		c->rdok = c->rd.target != WIRE_DNS_NONE;
		break;
	case 15:
		if (c->rdlen < 3)
			break;
		c->rd.mx.pref = wire_rd_be16(&r);
		c->rd.mx.name = keep_name(f, m->msg, m->len, off + 2, NULL);
		c->rdok = 1;
		break;
	case 16: rd_txt(f, &r, c); break;
	case 6: rd_soa(f, m, c, off); break;
	case 33:
	case 257: rd_srv_caa(f, m, &r, c, off); break;
	case 41:
		c->rd.opt.udp_size = c->class_;
		c->rd.opt.ext_rcode = (uint8_t)(c->ttl >> 24);
		c->rd.opt.version = (uint8_t)(c->ttl >> 16);
		c->rd.opt.flags = (uint16_t)c->ttl;
		c->rdok = 1;
		break;
	default: break;
	}
}

/* Walks every record of m, validating it and, when f, decoding it into f. */
static void dns_walk(struct wire_dns *m, struct wire_dns_it *it, struct wire_dns_msg *f)
{
	struct wire_dns_rr rr;
	uint16_t name = WIRE_DNS_NONE;
	wire_dns_begin(it, m);
	while (dns_next(it, &rr, f, &name)) {
		if (rr.section == WIRE_DNS_QD && m->qtype == 0)
			m->qtype = rr.type;
		if (!f || f->n >= sizeof(f->rec) / sizeof(f->rec[0]))
			continue;
		struct wire_dns_rec *c = &f->rec[f->n++];
		c->section = rr.section;
		c->rdok = 0;
		c->type = rr.type;
		c->class_ = rr.class_;
		c->rdlen = rr.rdlen;
		c->ttl = rr.ttl;
		c->name = name;
		if (rr.section != WIRE_DNS_QD)
			dns_rdata(f, m, c, rr.rdata_off);
	}
}

/* The IANA DNS RR TYPE registry, mnemonics as tshark shows them. */
static const char *const dns_types[] = {
    [1] = "A",         [2] = "NS",      [3] = "MD",          [4] = "MF",
    [5] = "CNAME",     [6] = "SOA",     [7] = "MB",          [8] = "MG",
    [9] = "MR",        [10] = "NULL",   [11] = "WKS",        [12] = "PTR",
    [13] = "HINFO",    [14] = "MINFO",  [15] = "MX",         [16] = "TXT",
    [17] = "RP",       [18] = "AFSDB",  [19] = "X25",        [20] = "ISDN",
    [21] = "RT",       [22] = "NSAP",   [23] = "NSAP-PTR",   [24] = "SIG",
    [25] = "KEY",      [26] = "PX",     [27] = "GPOS",       [28] = "AAAA",
    [29] = "LOC",      [30] = "NXT",    [31] = "EID",        [32] = "NIMLOC",
    [33] = "SRV",      [34] = "ATMA",   [35] = "NAPTR",      [36] = "KX",
    [37] = "CERT",     [38] = "A6",     [39] = "DNAME",      [40] = "SINK",
    [41] = "OPT",      [42] = "APL",    [43] = "DS",         [44] = "SSHFP",
    [45] = "IPSECKEY", [46] = "RRSIG",  [47] = "NSEC",       [48] = "DNSKEY",
    [49] = "DHCID",    [50] = "NSEC3",  [51] = "NSEC3PARAM", [52] = "TLSA",
    [53] = "SMIMEA",   [55] = "HIP",    [56] = "NINFO",      [57] = "RKEY",
    [58] = "TALINK",   [59] = "CDS",    [60] = "CDNSKEY",    [61] = "OPENPGPKEY",
    [62] = "CSYNC",    [63] = "ZONEMD", [64] = "SVCB",       [65] = "HTTPS",
    [99] = "SPF",      [100] = "UINFO", [101] = "UID",       [102] = "GID",
    [103] = "UNSPEC",  [104] = "NID",   [105] = "L32",       [106] = "L64",
    [107] = "LP",      [108] = "EUI48", [109] = "EUI64",     [249] = "TKEY",
    [250] = "TSIG",    [251] = "IXFR",  [252] = "AXFR",      [253] = "MAILB",
    [254] = "MAILA",   [255] = "ANY",   [256] = "URI",       [257] = "CAA",
    [258] = "AVC",     [259] = "DOA",   [260] = "AMTRELAY",
};

const char *wire_dns_type_name(uint16_t type)
{
	if (type < sizeof(dns_types) / sizeof(dns_types[0]))
		return dns_types[type];
	if (type == 32768)
		return "TA";
	return type == 32769 ? "DLV" : NULL;
}

void wire_dns_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l)
{
	struct wire_dns *m = &l->u.dns;
	m->tcp = 0;
	m->qtype = 0;
	m->f = NULL;
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
	struct wire_dns_msg *f = d->dns_used ? NULL : d->dns;
	if (f) {
		d->dns_used = 1;
		f->n = f->ntxt = 0;
		f->used = 0;
		f->full = 0;
		m->f = f;
	}
	struct wire_dns_it it;
	dns_walk(m, &it, f);
	wire_rd_skip(r, wire_rd_left(r));
	if (it.err == 1)
		wire_layer_trunc(l);
	else if (it.err == 2)
		wire_layer_invalid(l, "bad dns name in record %u", it.count);
}

const struct wire_proto wire_proto_dns = {"dns", WIRE_L_DNS, wire_dns_decode};
