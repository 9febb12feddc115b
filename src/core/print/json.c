/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The --json view: one object per packet per line. Keys are Wireshark
 * display-filter field names and values are strings formatted as
 * `tshark -T fields` prints them (hex fields as 0x with tshark's widths,
 * booleans as 0/1, DNS names without the trailing dot, the root as <Root>).
 * Fields are collected first into a bounded per-packet table on the stack
 * (JSON_FIELDS_MAX fields, JSON_TEXT_MAX bytes; more are dropped), then a key
 * that occurs more than once (ip.src of a quoted packet, dns.a of several
 * answers) is written once as an array. A packet with a truncated or invalid
 * layer carries "_ws.malformed": "<proto>: <reason>". Packet bytes are
 * escaped: control characters and bytes >= 0x80 become \u00XX.
 */
#include <string.h>

#include "pr.h"

#define JSON_FIELDS_MAX 256u
#define JSON_TEXT_MAX 16384u

struct jf {
	const char *key;
	uint16_t off, len;
};

struct jctx {
	const struct wire_tcpa_res *ta; /* the outer TCP segment's analysis */
	const struct wire_layer *udp;   /* the UDP layer udp.stream goes with */
	long udp_stream;
	unsigned n;
	size_t used;
	struct jf f[JSON_FIELDS_MAX];
	char text[JSON_TEXT_MAX];
};

static const char hexd[] = "0123456789abcdef";

/* Appends an escaped value; returns 0, or -1 when the table is full. */
static int add(struct jctx *j, const char *key, const void *v, size_t n)
{
	const unsigned char *c = v;
	if (j->n >= JSON_FIELDS_MAX)
		return -1;
	size_t start = j->used;
	for (size_t i = 0; i < n; i++) {
		if (j->used + 6 > JSON_TEXT_MAX) {
			j->used = start;
			return -1;
		}
		unsigned char ch = c[i];
		if (ch == '"' || ch == '\\') {
			j->text[j->used++] = '\\';
			j->text[j->used++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			memcpy(j->text + j->used, "\\u00", 4);
			j->text[j->used + 4] = hexd[ch >> 4];
			j->text[j->used + 5] = hexd[ch & 15u];
			j->used += 6;
		} else {
			j->text[j->used++] = (char)ch;
		}
	}
	j->f[j->n].key = key;
	j->f[j->n].off = (uint16_t)start;
	j->f[j->n].len = (uint16_t)(j->used - start);
	j->n++;
	return 0;
}

static void adds(struct jctx *j, const char *key, const char *v)
{
	add(j, key, v, strlen(v));
}

static void addu(struct jctx *j, const char *key, uint64_t v)
{
	char b[24];
	size_t i = sizeof(b);
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	add(j, key, b + i, sizeof(b) - i);
}

static void addx(struct jctx *j, const char *key, uint32_t v, unsigned digits)
{
	char b[12];
	b[0] = '0';
	b[1] = 'x';
	for (unsigned i = 0; i < digits && i < 8; i++)
		b[2 + digits - 1 - i] = hexd[(v >> (4 * i)) & 15u];
	add(j, key, b, 2 + digits);
}

static void addip4(struct jctx *j, const char *key, const uint8_t *a)
{
	char b[16];
	add(j, key, b, wire_fmt_ip4(b, a));
}

static void addip6(struct jctx *j, const char *key, const uint8_t *a)
{
	char b[48];
	add(j, key, b, wire_fmt_ip6(b, a));
}

static void addmac(struct jctx *j, const char *key, const uint8_t *a, size_t n)
{
	char b[3 * 16 + 1];
	add(j, key, b, wire_fmt_mac(b, a, n > 16 ? 16 : n, ':'));
}

/* A DNS name as tshark shows it: no trailing dot, the root as <Root>.
 * Returns 0 (nothing added) for no name. */
static int addname(struct jctx *j, const char *key, const struct wire_dns_msg *f, uint16_t h)
{
	const char *name = wire_dns_text(f, h);
	if (!name)
		return 0;
	size_t n = strlen(name);
	if (n == 1 && name[0] == '.') {
		adds(j, key, "<Root>");
		return 1;
	}
	if (n > 0 && name[n - 1] == '.')
		n--;
	add(j, key, name, n);
	return 1;
}

/* SOA (tshark adds the numbers as far as the message holds them). */
static void dns_soa(struct jctx *j, const struct wire_dns_msg *f, const struct wire_dns_rec *c)
{
	static const char *const keys[5] = {"dns.soa.serial_number", "dns.soa.refresh_interval",
	                                    "dns.soa.retry_interval", "dns.soa.expire_limit",
	                                    "dns.soa.minimum_ttl"};
	if (!addname(j, "dns.soa.mname", f, c->rd.soa.mname) ||
	    !addname(j, "dns.soa.rname", f, c->rd.soa.rname))
		return;
	for (unsigned k = 0; k < c->rd.soa.nnum; k++)
		addu(j, keys[k], c->rd.soa.num[k]);
}

/* CAA as tshark names it: flags, tag and value, and a known tag's value
 * under its own name too. */
static void dns_caa(struct jctx *j, const struct wire_dns_rec *c)
{
	static const char *const known[] = {"issue", "issuewild", "iodef"};
	static const char *const keys[] = {"dns.caa.issue", "dns.caa.issuewild", "dns.caa.iodef"};
	addx(j, "dns.caa.flags", c->rd.caa.flags, 2);
	addu(j, "dns.caa.tag_length", c->rd.caa.taglen);
	add(j, "dns.caa.tag", c->rd.caa.tag, c->rd.caa.taglen);
	add(j, "dns.caa.value", c->rd.caa.val, c->rd.caa.vallen);
	for (unsigned k = 0; k < 3; k++)
		if (c->rd.caa.taglen == strlen(known[k]) &&
		    memcmp(c->rd.caa.tag, known[k], c->rd.caa.taglen) == 0)
			add(j, keys[k], c->rd.caa.val, c->rd.caa.vallen);
}

/* An SRV record's owner as tshark splits it, _service._proto.name (a
 * backslash escapes the next character). Returns 0 when it has fewer than
 * three labels (then it is dns.resp.name). */
static int srv_owner(struct jctx *j, const char *name)
{
	size_t dot[2], nd = 0, n = strlen(name);
	for (size_t i = 0; i < n && nd < 2; i++) {
		if (name[i] == '\\')
			i++;
		else if (name[i] == '.')
			dot[nd++] = i;
	}
	if (nd < 2 || dot[1] + 1 >= n)
		return 0;
	add(j, "dns.srv.service", name, dot[0]);
	add(j, "dns.srv.proto", name + dot[0] + 1, dot[1] - dot[0] - 1);
	add(j, "dns.srv.name", name + dot[1] + 1, n - dot[1] - 2);
	return 1;
}

/* SRV: the numbers, then the target. */
static void dns_srv(struct jctx *j, const struct wire_dns_msg *f, const struct wire_dns_rec *c)
{
	addu(j, "dns.srv.priority", c->rd.srv.prio);
	addu(j, "dns.srv.weight", c->rd.srv.weight);
	addu(j, "dns.srv.port", c->rd.srv.port);
	addname(j, "dns.srv.target", f, c->rd.srv.target);
}

/* OPT (RFC 6891): the pseudo-record's class and TTL as tshark names them. */
static void dns_opt(struct jctx *j, const struct wire_dns_rec *c)
{
	addu(j, "dns.rr.udp_payload_size", c->rd.opt.udp_size);
	addx(j, "dns.resp.ext_rcode", c->rd.opt.ext_rcode, 2);
	addu(j, "dns.resp.edns0_version", c->rd.opt.version);
	addx(j, "dns.resp.z", c->rd.opt.flags, 4);
}

static void dns_rdata(struct jctx *j, const struct wire_dns_msg *f, const struct wire_dns_rec *c)
{
	if (!c->rdok && c->type != 6)
		return;
	switch (c->type) {
	case 1: addip4(j, "dns.a", c->rd.a); break;
	case 28: addip6(j, "dns.aaaa", c->rd.aaaa); break;
	case 2: addname(j, "dns.ns", f, c->rd.target); break;
	case 5: addname(j, "dns.cname", f, c->rd.target); break;
	case 12: addname(j, "dns.ptr.domain_name", f, c->rd.target); break;
	case 15:
		addu(j, "dns.mx.preference", c->rd.mx.pref);
		addname(j, "dns.mx.mail_exchange", f, c->rd.mx.name);
		break;
	case 16:
		for (unsigned k = 0; k < c->rd.txt.n; k++) {
			const struct wire_dns_txt *t = &f->txt[c->rd.txt.first + k];
			add(j, "dns.txt", t->p, t->n);
		}
		break;
	case 6: dns_soa(j, f, c); break;
	case 33: dns_srv(j, f, c); break;
	case 257: dns_caa(j, c); break;
	default: break;
	}
}

static void dns(struct jctx *j, const struct wire_dns *m)
{
	addx(j, "dns.id", m->id, 4);
	addx(j, "dns.flags", m->flags, 4);
	addu(j, "dns.flags.response", (m->flags >> 15) & 1u);
	addu(j, "dns.flags.opcode", (m->flags >> 11) & 15u);
	if (m->flags & 0x8000u)
		addu(j, "dns.flags.rcode", m->flags & 15u);
	addu(j, "dns.count.queries", m->qd);
	addu(j, "dns.count.answers", m->an);
	addu(j, "dns.count.auth_rr", m->ns);
	addu(j, "dns.count.add_rr", m->ar);
	for (unsigned k = 0; m->f && k < m->f->n; k++) {
		const struct wire_dns_rec *c = &m->f->rec[k];
		if (c->section == WIRE_DNS_QD) {
			addname(j, "dns.qry.name", m->f, c->name);
			addu(j, "dns.qry.type", c->type);
			addx(j, "dns.qry.class", c->class_, 4);
			continue;
		}
		const char *owner = wire_dns_text(m->f, c->name);
		if (!(c->type == 33 && owner && srv_owner(j, owner)))
			addname(j, "dns.resp.name", m->f, c->name);
		addu(j, "dns.resp.type", c->type);
		if (c->type == 41) {
			dns_opt(j, c);
			continue;
		}
		addx(j, "dns.resp.class", c->class_, 4);
		addu(j, "dns.resp.ttl", c->ttl);
		addu(j, "dns.resp.len", c->rdlen);
		dns_rdata(j, m->f, c);
	}
}

/* --json's key of each known header (enum wire_http_hk). */
static const char *const http_keys[WIRE_HH_COUNT] = {
    [WIRE_HH_HOST] = "http.host",
    [WIRE_HH_USER_AGENT] = "http.user_agent",
    [WIRE_HH_CONTENT_TYPE] = "http.content_type",
    [WIRE_HH_CONTENT_LENGTH] = "http.content_length_header",
    [WIRE_HH_SERVER] = "http.server",
    [WIRE_HH_LOCATION] = "http.location",
    [WIRE_HH_CONNECTION] = "http.connection",
    [WIRE_HH_ACCEPT] = "http.accept",
    [WIRE_HH_REFERER] = "http.referer",
    [WIRE_HH_COOKIE] = "http.cookie",
    [WIRE_HH_SET_COOKIE] = "http.set_cookie",
    [WIRE_HH_TRANSFER_ENCODING] = "http.transfer_encoding",
    [WIRE_HH_CACHE_CONTROL] = "http.cache_control",
    [WIRE_HH_DATE] = "http.date",
};

static void http(struct jctx *j, const struct wire_dissect *d, const struct wire_http *h)
{
	if (h->is_req) {
		add(j, "http.request.method", h->method, h->method_len);
		add(j, "http.request.uri", h->uri, h->uri_len);
		add(j, "http.request.version", h->ver, h->ver_len);
	} else {
		add(j, "http.response.version", h->ver, h->ver_len);
		addu(j, "http.response.code", h->status);
		add(j, "http.response.phrase", h->reason, h->reason_len);
	}
	for (unsigned k = 0; k < h->hh_n; k++) {
		const struct wire_http_hdr *e = &d->hh[h->hh_first + k];
		if (e->hk != WIRE_HH_OTHER)
			add(j, http_keys[e->hk], e->line + e->val, (size_t)(e->len - e->val));
	}
}

/* The fixed TCP fields that a header cut at `have` bytes still holds. */
static int tcp_fixed(struct jctx *j, const struct wire_layer *l)
{
	const struct wire_tcp *t = &l->u.tcp;
	addu(j, "tcp.srcport", t->sport);
	if (!wire_pr_has(l, 4))
		return 0;
	addu(j, "tcp.dstport", t->dport);
	if (l->quoted && t->doff == 0 && wire_pr_has(l, 8))
		addu(j, "tcp.seq", t->seq); /* 8 quoted bytes: tshark's absolute tcp.seq */
	if ((l->quoted && t->doff == 0) || !wire_pr_has(l, 8))
		return 0; /* and the ports, no more */
	addu(j, "tcp.seq_raw", t->seq);
	if (l->status != WIRE_LS_TRUNC || t->doff >= 20)
		addu(j, "tcp.len", t->paylen);
	if (!wire_pr_has(l, 12))
		return 0;
	addu(j, "tcp.ack_raw", t->ack);
	if (!wire_pr_has(l, 14))
		return 0;
	addu(j, "tcp.hdr_len", t->doff);
	addx(j, "tcp.flags", t->flags, 4);
	addu(j, "tcp.flags.fin", t->flags & 1u);
	addu(j, "tcp.flags.syn", (t->flags >> 1) & 1u);
	addu(j, "tcp.flags.reset", (t->flags >> 2) & 1u);
	addu(j, "tcp.flags.push", (t->flags >> 3) & 1u);
	addu(j, "tcp.flags.ack", (t->flags >> 4) & 1u);
	if (!wire_pr_has(l, 16))
		return 0;
	addu(j, "tcp.window_size_value", t->win);
	if (!wire_pr_has(l, 18))
		return 0;
	addx(j, "tcp.checksum", t->csum, 4);
	if (!wire_pr_has(l, 20))
		return 0;
	addu(j, "tcp.urgent_pointer", t->urp);
	return 1;
}

static void tcp_options(struct jctx *j, const struct wire_dissect *d, const struct wire_tcp *t)
{
	for (unsigned k = 0; k < t->opt_n; k++) {
		const struct wire_tcpopt *e = &d->topt[t->opt_first + k];
		if (!e->ok)
			continue;
		if (e->kind == WIRE_TCPOPT_MSS)
			addu(j, "tcp.options.mss_val", e->v.mss);
		else if (e->kind == WIRE_TCPOPT_WS)
			addu(j, "tcp.options.wscale.shift", e->v.ws);
		else if (e->kind == WIRE_TCPOPT_TS) {
			addu(j, "tcp.options.timestamp.tsval", e->v.ts.val);
			addu(j, "tcp.options.timestamp.tsecr", e->v.ts.ecr);
		}
	}
}

static void tcp(struct jctx *j, const struct wire_dissect *d, const struct wire_layer *l)
{
	if (tcp_fixed(j, l))
		tcp_options(j, d, &l->u.tcp);
	/* the analysis: of the whole outer header, or one cut after its window */
	if (j->ta && j->ta->seg) { /* tshark's conversation numbers, relative */
		addu(j, "tcp.stream", j->ta->stream);
		addu(j, "tcp.seq", j->ta->seq);
		if (j->ta->seg == 2)
			return; /* a data offset under 5: numbered only */
		addu(j, "tcp.nxtseq", j->ta->nxtseq);
		addu(j, "tcp.ack", j->ta->ack);
		addu(j, "tcp.window_size", j->ta->win);
	}
	if (!j->ta || !j->ta->flags)
		return;
	adds(j, "tcp.analysis.flags", "");
	for (unsigned k = 0; j->ta->flags >> k; k++) {
		if (!(j->ta->flags & (1u << k)))
			continue;
		adds(j, wire_tcpa_field(k), "");
		if ((1u << k) == WIRE_TCPA_DUP_ACK)
			addu(j, "tcp.analysis.duplicate_ack_num", j->ta->dupack);
	}
}

/* ARP fields up to where the capture cut them. */
static void arp(struct jctx *j, const struct wire_layer *l)
{
	const struct wire_arp *a = &l->u.arp;
	uint32_t h = a->hlen, pl = a->plen;
	int eth = a->hlen == 6, ip4 = a->plen == 4 && a->ptype == 0x0800;
	addu(j, "arp.hw.type", a->htype);
	if (!wire_pr_has(l, 4))
		return;
	addx(j, "arp.proto.type", a->ptype, 4);
	if (!wire_pr_has(l, 6))
		return;
	addu(j, "arp.hw.size", a->hlen);
	addu(j, "arp.proto.size", a->plen);
	if (!wire_pr_has(l, 8))
		return;
	addu(j, "arp.opcode", a->op);
	if (eth && wire_pr_has(l, 8 + h))
		addmac(j, "arp.src.hw_mac", a->sha, 6);
	if (ip4 && wire_pr_has(l, 8 + h + pl))
		addip4(j, "arp.src.proto_ipv4", a->spa);
	if (eth && wire_pr_has(l, 8 + 2 * h + pl))
		addmac(j, "arp.dst.hw_mac", a->tha, 6);
	if (ip4 && wire_pr_has(l, 8 + 2 * h + 2 * pl))
		addip4(j, "arp.dst.proto_ipv4", a->tpa);
}

static void vxlan(struct jctx *j, const struct wire_vxlan *v)
{
	addx(j, "vxlan.flags", v->flags, 4);
	addu(j, "vxlan.flag_g", (v->flags >> 15) & 1u);
	addu(j, "vxlan.flag_i", (v->flags >> 11) & 1u);
	addu(j, "vxlan.flag_d", (v->flags >> 6) & 1u);
	addu(j, "vxlan.flag_a", (v->flags >> 3) & 1u);
	addx(j, "vxlan.flags_reserved", v->flags & 0x77b7u, 4);
	addu(j, "vxlan.gbp", v->gbp);
	addu(j, "vxlan.vni", v->vni);
	addu(j, "vxlan.reserved8", v->rsvd);
}

/* tshark names the header's option length and each option's alike: one
 * key (emit() compares keys by pointer), so both go in one array. */
static const char geneve_optlen[] = "geneve.option.length";

static void geneve(struct jctx *j, const struct wire_layer *l)
{
	const struct wire_geneve *g = &l->u.geneve;
	addu(j, "geneve.version", g->ver);
	addu(j, geneve_optlen, g->optlen);
	addx(j, "geneve.flags", g->flags, 2);
	addu(j, "geneve.flags.oam", g->flags >> 7);
	addu(j, "geneve.flags.critical", (g->flags >> 6) & 1u);
	addx(j, "geneve.proto_type", g->proto, 4);
	addx(j, "geneve.vni", g->vni, 6);
	addx(j, "geneve.reserved", g->rsvd, 2);
	if (l->status != WIRE_LS_OK)
		return;
	for (unsigned k = 0; k < g->opt_n; k++) {
		const struct wire_geneve_opt *o = &g->opt[k];
		addx(j, "geneve.option.class", o->cls, 4);
		addx(j, "geneve.option.type", o->type, 2);
		addu(j, "geneve.option.type.critical", o->type >> 7);
		addx(j, "geneve.option.flags", o->flags, 2);
		addu(j, geneve_optlen, o->len);
	}
}

static void layer(struct jctx *j, const struct wire_dissect *d, const struct wire_layer *l)
{
	switch (l->kind) {
	case WIRE_L_ETH:
		addmac(j, "eth.dst", l->u.eth.dst, 6);
		addmac(j, "eth.src", l->u.eth.src, 6);
		if (l->u.eth.type >= 0x0600)
			addx(j, "eth.type", l->u.eth.type, 4);
		else
			addu(j, "eth.len", l->u.eth.type);
		break;
	case WIRE_L_VLAN:
		if (l->u.vlan.tpid == 0x88a8) { /* Wireshark names 802.1ad service tags apart */
			addu(j, "ieee8021ad.priority", l->u.vlan.tci >> 13);
			addu(j, "ieee8021ad.id", l->u.vlan.tci & 0xfffu);
			addx(j, "ieee8021ad.etype", l->u.vlan.type, 4);
			break;
		}
		addu(j, "vlan.priority", l->u.vlan.tci >> 13);
		addu(j, "vlan.id", l->u.vlan.tci & 0xfffu);
		addx(j, "vlan.etype", l->u.vlan.type, 4);
		break;
	case WIRE_L_SLL:
		addu(j, "sll.pkttype", l->u.sll.pkttype);
		addu(j, "sll.hatype", l->u.sll.hatype);
		if (l->u.sll.version == 2)
			addu(j, "sll.ifindex", l->u.sll.ifindex);
		addx(j, "sll.etype", l->u.sll.proto, 4);
		break;
	case WIRE_L_NULL: addu(j, "null.family", l->u.null.family); break;
	case WIRE_L_ARP: arp(j, l); break;
	case WIRE_L_IPV4: {
		const struct wire_ipv4 *ip = &l->u.ip4;
		addu(j, "ip.version", 4);
		addu(j, "ip.hdr_len", ip->ihl);
		if (!wire_pr_has(l, 2))
			break;
		addx(j, "ip.dsfield", ip->tos, 2);
		if (!wire_pr_has(l, 4))
			break;
		/* a GSO packet's length 0: tshark reports the captured length */
		addu(j, "ip.len",
		     ip->len == 0 && ip->gso && d->pkt->caplen > l->off ? d->pkt->caplen - l->off
		                                                        : ip->len);
		if (!wire_pr_has(l, 6))
			break;
		addx(j, "ip.id", ip->id, 4);
		if (!wire_pr_has(l, 8))
			break;
		addx(j, "ip.flags", (uint32_t)ip->frag >> 13, 2);
		addu(j, "ip.flags.rb", (ip->frag >> 15) & 1u);
		addu(j, "ip.flags.df", (ip->frag >> 14) & 1u);
		addu(j, "ip.flags.mf", (ip->frag >> 13) & 1u);
		addu(j, "ip.frag_offset", ip->frag & 0x1fffu); /* tshark 4.0: 8-byte units */
		if (!wire_pr_has(l, 9))
			break;
		addu(j, "ip.ttl", ip->ttl);
		if (!wire_pr_has(l, 10))
			break;
		addu(j, "ip.proto", ip->proto);
		if (!wire_pr_has(l, 12))
			break;
		addx(j, "ip.checksum", ip->csum, 4);
		if (!wire_pr_has(l, 16))
			break;
		addip4(j, "ip.src", ip->src);
		if (!wire_pr_has(l, 20))
			break;
		addip4(j, "ip.dst", ip->dst);
		break;
	}
	case WIRE_L_IPV6: {
		const struct wire_ipv6 *ip = &l->u.ip6;
		addu(j, "ipv6.version", 6);
		if (!wire_pr_has(l, 2))
			break;
		addx(j, "ipv6.tclass", ip->tc, 8);
		if (!wire_pr_has(l, 4))
			break;
		addx(j, "ipv6.flow", ip->flow, 6);
		if (!wire_pr_has(l, 6))
			break;
		addu(j, "ipv6.plen", ip->plen);
		if (!wire_pr_has(l, 7))
			break;
		addu(j, "ipv6.nxt", ip->nxt);
		if (!wire_pr_has(l, 8))
			break;
		addu(j, "ipv6.hlim", ip->hlim);
		if (!wire_pr_has(l, 24))
			break;
		addip6(j, "ipv6.src", ip->src);
		if (!wire_pr_has(l, 40))
			break;
		addip6(j, "ipv6.dst", ip->dst);
		break;
	}
	case WIRE_L_IP6EXT:
		if (l->u.ext.type == 44) {
			addu(j, "ipv6.fraghdr.offset", l->u.ext.frag_off);
			addu(j, "ipv6.fraghdr.more", l->u.ext.frag_m);
			addx(j, "ipv6.fraghdr.ident", l->u.ext.frag_id, 8);
		}
		break;
	case WIRE_L_ICMP: {
		const struct wire_icmp *c = &l->u.icmp;
		addu(j, "icmp.type", c->type);
		if (!wire_pr_has(l, 2))
			break;
		addu(j, "icmp.code", c->code);
		if (!wire_pr_has(l, 4))
			break;
		addx(j, "icmp.checksum", c->csum, 4);
		if (!wire_pr_has(l, 6))
			break;
		if (c->type == 0 || c->type == 8 || (c->type >= 13 && c->type <= 18)) {
			addu(j, "icmp.ident", c->id);
			if (wire_pr_has(l, 8))
				addu(j, "icmp.seq", c->seq);
		}
		break;
	}
	case WIRE_L_ICMP6: {
		const struct wire_icmp6 *c = &l->u.icmp6;
		addu(j, "icmpv6.type", c->type);
		if (!wire_pr_has(l, 2))
			break;
		addu(j, "icmpv6.code", c->code);
		if (!wire_pr_has(l, 4))
			break;
		addx(j, "icmpv6.checksum", c->csum, 4);
		if ((c->type == 128 || c->type == 129) && wire_pr_has(l, 6)) {
			addx(j, "icmpv6.echo.identifier", c->id, 4);
			if (wire_pr_has(l, 8))
				addu(j, "icmpv6.echo.sequence_number", c->seq);
		} else if (!wire_pr_has(l, 8) && !l->len) {
			break;
		} else if (c->type == 2) {
			addu(j, "icmpv6.mtu", c->rest);
		}
		if (c->has_target)
			addip6(j,
			       c->type == 135   ? "icmpv6.nd.ns.target_address"
			       : c->type == 136 ? "icmpv6.nd.na.target_address"
			                        : "icmpv6.nd.rd.target_address",
			       c->target);
		if (c->has_ll)
			addmac(j, "icmpv6.opt.linkaddr", c->ll, 6);
		break;
	}
	case WIRE_L_TCP: tcp(j, d, l); break;
	case WIRE_L_UDP:
		addu(j, "udp.srcport", l->u.udp.sport);
		if (!wire_pr_has(l, 4))
			break;
		addu(j, "udp.dstport", l->u.udp.dport);
		if (!wire_pr_has(l, 6))
			break;
		addu(j, "udp.length", l->u.udp.ulen);
		if (!wire_pr_has(l, 8))
			break;
		addx(j, "udp.checksum", l->u.udp.csum, 4);
		if (l == j->udp)
			addu(j, "udp.stream", (uint64_t)j->udp_stream);
		break;
	case WIRE_L_DNS:
		if (l->len)
			dns(j, &l->u.dns);
		break;
	case WIRE_L_HTTP:
		if (l->status == WIRE_LS_OK)
			http(j, d, &l->u.http);
		break;
	case WIRE_L_DHCP: {
		const struct wire_dhcp *m = &l->u.dhcp;
		addu(j, "dhcp.type", m->op);
		addx(j, "dhcp.hw.type", m->htype, 2);
		addu(j, "dhcp.hw.len", m->hlen);
		addu(j, "dhcp.hops", m->hops);
		addx(j, "dhcp.id", m->xid, 8);
		addu(j, "dhcp.secs", m->secs);
		addx(j, "dhcp.flags", m->flags, 4);
		addip4(j, "dhcp.ip.client", m->ciaddr);
		addip4(j, "dhcp.ip.your", m->yiaddr);
		addip4(j, "dhcp.ip.server", m->siaddr);
		addip4(j, "dhcp.ip.relay", m->giaddr);
		if (m->hlen == 6)
			addmac(j, "dhcp.hw.mac_addr", m->chaddr, 6);
		if (m->msgtype)
			addu(j, "dhcp.option.dhcp", m->msgtype);
		break;
	}
	case WIRE_L_VXLAN: vxlan(j, &l->u.vxlan); break;
	case WIRE_L_GENEVE: geneve(j, l); break;
	case WIRE_L_TLS: {
		const struct wire_tls *t = &l->u.tls;
		addu(j, "tls.record.content_type", t->ctype);
		addx(j, "tls.record.version", t->version, 4);
		if (t->ctype == 22)
			addu(j, "tls.handshake.type", t->hs_type);
		if (t->sni)
			add(j, "tls.handshake.extensions_server_name", t->sni, t->sni_len);
		break;
	}
	default: break;
	}
	(void)d;
}

static void protocols(struct jctx *j, const struct wire_dissect *d)
{
	char b[256];
	size_t n = 0;
	int lt = d->pkt->linktype;
	if (lt == WIRE_LINK_RAW || lt == 12 || lt == 14) {
		memcpy(b, "raw", 3);
		n = 3;
	}
	for (unsigned i = 0; i < d->n; i++) {
		const struct wire_layer *l = &d->l[i];
		const char *name;
		switch (l->kind) {
		case WIRE_L_ETH: name = l->u.eth.type >= 0x0600 ? "eth:ethertype" : "eth"; break;
		case WIRE_L_VLAN:
			name = l->u.vlan.tpid == 0x88a8 ? "ieee8021ad:ethertype" : "vlan:ethertype";
			break;
		case WIRE_L_SLL: name = "sll:ethertype"; break;
		case WIRE_L_IP6EXT:
			name = l->u.ext.type == 0    ? "ipv6.hopopts"
			       : l->u.ext.type == 43 ? "ipv6.routing"
			       : l->u.ext.type == 44 ? "ipv6.fraghdr"
			                             : "ipv6.dstopts";
			break;
		default: name = wire_layer_name(l->kind); break;
		}
		size_t k = strlen(name);
		if (n + k + 2 >= sizeof(b))
			break;
		if (n)
			b[n++] = ':';
		memcpy(b + n, name, k);
		n += k;
	}
	if (d->rest_len && d->bad < 0 && n + 6 < sizeof(b)) {
		memcpy(b + n, n ? ":data" : "data", n ? 5 : 4);
		n += n ? 5 : 4;
	}
	add(j, "frame.protocols", b, n);
}

/* Keys are compared by pointer: each key is one string literal in this file,
 * used at one place, so equal keys are the same pointer. */
static void emit(struct wire_sink *s, const struct jctx *j)
{
	uint8_t done[JSON_FIELDS_MAX];
	memset(done, 0, j->n);
	wire_sink_putc(s, '{');
	for (unsigned i = 0; i < j->n; i++) {
		if (done[i])
			continue;
		unsigned count = 0;
		for (unsigned k = i; k < j->n; k++)
			count += !done[k] && j->f[k].key == j->f[i].key;
		if (i)
			wire_sink_write(s, ", ", 2);
		wire_sink_putc(s, '"');
		wire_sink_puts(s, j->f[i].key);
		wire_sink_write(s, "\": ", 3);
		if (count > 1)
			wire_sink_putc(s, '[');
		unsigned w = 0;
		for (unsigned k = i; k < j->n; k++) {
			if (done[k] || j->f[k].key != j->f[i].key)
				continue;
			done[k] = 1;
			if (w++)
				wire_sink_write(s, ", ", 2);
			wire_sink_putc(s, '"');
			wire_sink_write(s, j->text + j->f[k].off, j->f[k].len);
			wire_sink_putc(s, '"');
		}
		if (count > 1)
			wire_sink_putc(s, ']');
	}
	wire_sink_write(s, "}\n", 2);
}

/* The frame completes an IP datagram (wire/defrag.h): tshark's count of
 * its fragments and its reassembled length, under the frame's own IP
 * fields. */
static void reassembled(struct jctx *j, const struct wire_dissect *d)
{
	int v6 = d->l[d->ip].kind == WIRE_L_IPV6;
	addu(j, v6 ? "ipv6.fragment.count" : "ip.fragment.count", d->re_nfrags);
	addu(j, v6 ? "ipv6.reassembled.length" : "ip.reassembled.length", d->re_len);
}

void wire_pr_json(struct wire_printer *p, const struct wire_dissect *d)
{
	struct jctx j;
	const struct wire_pkt *pkt = d->pkt;
	char b[40];
	j.n = 0;
	j.used = 0;
	j.udp = p->udp_last >= 0 ? &d->l[p->udp_last] : NULL;
	j.udp_stream = p->udp_stream;
	addu(&j, "frame.number", pkt->num);
	/* seconds.nanoseconds, 9 digits as tshark prints frame.time_epoch */
	{
		size_t n = 0;
		uint64_t sec = pkt->ts.tv_sec < 0 ? 0 : (uint64_t)pkt->ts.tv_sec;
		long ns =
		    pkt->ts.tv_nsec >= 0 && pkt->ts.tv_nsec < 1000000000L ? pkt->ts.tv_nsec : 0;
		char t[24];
		size_t k = sizeof(t);
		do {
			t[--k] = (char)('0' + sec % 10);
			sec /= 10;
		} while (sec);
		memcpy(b, t + k, sizeof(t) - k);
		n = sizeof(t) - k;
		b[n++] = '.';
		for (int i = 8; i >= 0; i--) {
			b[n + (size_t)i] = (char)('0' + ns % 10);
			ns /= 10;
		}
		n += 9;
		add(&j, "frame.time_epoch", b, n);
	}
	addu(&j, "frame.len", pkt->wirelen);
	addu(&j, "frame.cap_len", pkt->caplen);
	if (p->o.show_iface && pkt->ifname)
		add(&j, "frame.interface_name", pkt->ifname, strnlen(pkt->ifname, 64));
	protocols(&j, d);
	for (unsigned i = 0; i < d->n; i++) {
		const struct wire_layer *l = &d->l[i];
		if (l->status == WIRE_LS_TRUNC && !wire_layer_cut_shown(l))
			continue;
		j.ta = (int)i == p->ta_at ? &p->ta : NULL; /* the layer analysed */
		layer(&j, d, l);
		if (d->re && i + 1 == d->re_from)
			reassembled(&j, d);
	}
	if (d->bad >= 0) {
		const struct wire_layer *l = &d->l[d->bad];
		size_t n = 0;
		const char *name = wire_layer_name(l->kind);
		const char *why =
		    l->status == WIRE_LS_TRUNC ? "truncated" : (l->why ? l->why : "invalid");
		char m[96];
		size_t k = strlen(name), w = strlen(why);
		if (k + w + 2 < sizeof(m)) {
			memcpy(m, name, k);
			n = k;
			m[n++] = ':';
			m[n++] = ' ';
			memcpy(m + n, why, w);
			n += w;
			add(&j, "_ws.malformed", m, n);
		}
	}
	emit(p->out, &j);
}
