/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The default view: one line per packet in the spirit of tcpdump,
 *   12:00:00.000001 lo In IP 127.0.0.1.40000 > 127.0.0.1.5005: UDP, length 6
 * Truncated layers end in "[|proto]", invalid ones in "(invalid: reason)";
 * bad checksums and GSO super-packets are noted last in brackets; checksums
 * left to the hardware are not called bad (-V labels them). Packet bytes
 * (names, HTTP lines) are always escaped.
 */
#include <string.h>

#include "pr.h"

#define S(s, lit) wire_sink_write((s), "" lit, sizeof(lit) - 1)

static unsigned layer(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i);

/* An address, or its name with -N. */
static void addr(const struct wire_lp *pc, int fam, const uint8_t *a)
{
	struct wire_sink *s = pc->s;
	struct wire_names *names = pc->p->names;
	const char *n = names ? wire_names_lookup(names, fam, a) : NULL;
	if (n)
		wire_sink_escaped(s, n, strlen(n));
	else if (fam == 4)
		wire_pr_ip4(s, a);
	else
		wire_pr_ip6(s, a);
}

/* Prints the mark of a TRUNC or INVALID layer; returns 1 when it did. */
static int mark(const struct wire_lp *pc, const struct wire_layer *l, int space)
{
	struct wire_sink *s = pc->s;
	if (l->status == WIRE_LS_OK)
		return 0;
	if (space)
		wire_sink_putc(s, ' ');
	if (l->status == WIRE_LS_TRUNC) {
		S(s, "[|");
		wire_sink_puts(s, wire_pr_trunc_name(l->kind));
		wire_sink_putc(s, ']');
	} else {
		S(s, "(invalid: ");
		wire_sink_puts(s, l->why ? l->why : "?");
		wire_sink_putc(s, ')');
	}
	return 1;
}

static uint32_t wire_len_from(const struct wire_dissect *d, const struct wire_layer *l)
{
	uint32_t w = d->pkt->wirelen;
	return w > l->off ? w - l->off : 0;
}

static void ethertype(const struct wire_lp *pc, const struct wire_dissect *d,
                      const struct wire_layer *l, uint16_t type)
{
	struct wire_sink *s = pc->s;
	if (type < 0x0600) {
		S(s, "802.3, length ");
		wire_pr_u(s, type);
		return;
	}
	S(s, "ethertype ");
	wire_pr_0x(s, type, 4);
	S(s, ", length ");
	wire_pr_u(s, wire_len_from(d, l) > l->len ? wire_len_from(d, l) - l->len : 0);
}

static void arp(const struct wire_lp *pc, const struct wire_dissect *d, const struct wire_layer *l)
{
	struct wire_sink *s = pc->s;
	const struct wire_arp *a = &l->u.arp;
	int eip = a->hlen == 6 && a->plen == 4 && a->ptype == 0x0800;
	int rarp = a->op == 3 || a->op == 4;
	if (!wire_pr_e_said_proto(pc->o, d, (unsigned)(l - d->l)))
		wire_sink_puts(s, rarp ? "RARP, " : "ARP, ");
	if (mark(pc, l, 0))
		return;
	if (!eip) {
		S(s, "hardware type ");
		wire_pr_u(s, a->htype);
		S(s, ", protocol ");
		wire_pr_0x(s, a->ptype, 4);
		S(s, ", opcode ");
		wire_pr_u(s, a->op);
	} else if (a->op == 1) {
		S(s, "Request who-has ");
		wire_pr_ip4(s, a->tpa);
		S(s, " tell ");
		wire_pr_ip4(s, a->spa);
	} else if (a->op == 2) {
		S(s, "Reply ");
		wire_pr_ip4(s, a->spa);
		S(s, " is-at ");
		wire_pr_mac(s, a->sha, 6, ':');
	} else if (a->op == 3) {
		S(s, "Request who-is ");
		wire_pr_mac(s, a->tha, 6, ':');
		S(s, " tell ");
		wire_pr_mac(s, a->sha, 6, ':');
	} else if (a->op == 4) {
		S(s, "Reply ");
		wire_pr_mac(s, a->tha, 6, ':');
		S(s, " at ");
		wire_pr_ip4(s, a->tpa);
	} else {
		S(s, "opcode ");
		wire_pr_u(s, a->op);
	}
	S(s, ", length ");
	wire_pr_u(s, wire_len_from(d, l));
}

/* The transport layer after IP layer i (skipping IPv6 extension headers)
 * whose ports are known, or NULL. */
static const struct wire_layer *ports_of(const struct wire_dissect *d, unsigned i)
{
	unsigned j = i + 1;
	while (j < d->n && d->l[j].kind == WIRE_L_IP6EXT)
		j++;
	if (j >= d->n)
		return NULL;
	const struct wire_layer *t = &d->l[j];
	if ((t->kind == WIRE_L_TCP || t->kind == WIRE_L_UDP) && wire_pr_has(t, 4))
		return t;
	return NULL;
}

static void port(const struct wire_lp *pc, const struct wire_layer *t, int src)
{
	struct wire_sink *s = pc->s;
	if (!t)
		return;
	wire_sink_putc(s, '.');
	if (t->kind == WIRE_L_TCP)
		wire_pr_u(s, src ? t->u.tcp.sport : t->u.tcp.dport);
	else
		wire_pr_u(s, src ? t->u.udp.sport : t->u.udp.dport);
}

static void frag_note(const struct wire_lp *pc, uint16_t id, uint32_t off, int mf)
{
	struct wire_sink *s = pc->s;
	S(s, "frag id ");
	wire_pr_u(s, id);
	S(s, ", offset ");
	wire_pr_u(s, off);
	wire_sink_puts(s, mf ? ", flags [+]" : ", flags [none]");
}

/* The frame completes an IP datagram (wire/defrag.h): the reassembled upper
 * layer from layer `next` on, then what this frame was ("(frag id 1, offset
 * 1480, flags [+]; 3 fragments reassembled)"; IPv6, mf < 0: its frag (...)
 * was said before). Returns the next layer to print. */
static unsigned reassembled(const struct wire_lp *pc, const struct wire_dissect *d, unsigned next,
                            uint16_t id, uint32_t off, int mf)
{
	struct wire_sink *s = pc->s;
	next = layer(pc, d, next);
	S(s, " (");
	if (mf >= 0) {
		frag_note(pc, id, off, mf);
		S(s, "; ");
	}
	wire_pr_u(s, d->re_nfrags);
	S(s, " fragments reassembled)");
	return next;
}

/* Writes "IP src.port > dst.port: " (or "IP6 ..."): the start of an IP line.
 * Returns 1 when the layer ends there (truncated or invalid, marked). */
/* Opens the list of a truncated header's fields, or separates two. */
static void sep(const struct wire_lp *pc, int *first)
{
	struct wire_sink *s = pc->s;
	wire_sink_puts(s, *first ? "(" : ", ");
	*first = 0;
}

/* "label NAME (N)", or "label (N)" for a protocol without a name. */
static void proto_paren(struct wire_sink *s, const char *label, uint8_t p)
{
	const char *pn = wire_pr_ipproto(p);
	wire_sink_puts(s, label);
	if (pn) {
		wire_sink_puts(s, pn);
		wire_sink_putc(s, ' ');
	}
	wire_sink_putc(s, '(');
	wire_pr_u(s, p);
	wire_sink_putc(s, ')');
}

/* "NAME", or "ip-proto-N" as tcpdump writes a protocol without a name. */
static void proto_name(struct wire_sink *s, uint8_t p)
{
	const char *pn = wire_pr_ipproto(p);
	if (pn) {
		wire_sink_puts(s, pn);
	} else {
		S(s, "ip-proto-");
		wire_pr_u(s, p);
	}
}

/* The IPv4 fields a truncated header holds, as tcpdump -v shows them:
 * "(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 33) ". */
static void ip4_cut(const struct wire_lp *pc, const struct wire_layer *l)
{
	struct wire_sink *s = pc->s;
	const struct wire_ipv4 *ip = &l->u.ip4;
	int first = 1;
	if (wire_pr_has(l, 2)) {
		sep(pc, &first);
		S(s, "tos 0x");
		wire_pr_hex(s, ip->tos, 1);
	}
	if (wire_pr_has(l, 9)) {
		sep(pc, &first);
		S(s, "ttl ");
		wire_pr_u(s, ip->ttl);
	}
	if (wire_pr_has(l, 6)) {
		sep(pc, &first);
		S(s, "id ");
		wire_pr_u(s, ip->id);
	}
	if (wire_pr_has(l, 8)) {
		sep(pc, &first);
		S(s, "offset ");
		wire_pr_u(s, (uint32_t)(ip->frag & 0x1fffu) * 8u);
		wire_sink_puts(s, (ip->frag & 0x4000u) ? ", flags [DF" : ", flags [");
		wire_sink_puts(s, (ip->frag & 0x2000u)   ? "+]"
		                  : (ip->frag & 0x4000u) ? "]"
		                                         : "none]");
	}
	if (wire_pr_has(l, 10)) {
		sep(pc, &first);
		proto_paren(s, "proto ", ip->proto);
	}
	if (wire_pr_has(l, 4)) {
		sep(pc, &first);
		S(s, "length ");
		wire_pr_u(s, ip->len);
	}
	if (!first)
		S(s, ") ");
}

/* The IPv6 fields a truncated header holds:
 * "(flowlabel 0x00000, hlim 64, next-header UDP (17), payload length 13) ". */
static void ip6_cut(const struct wire_lp *pc, const struct wire_layer *l)
{
	struct wire_sink *s = pc->s;
	const struct wire_ipv6 *ip = &l->u.ip6;
	int first = 1;
	if (wire_pr_has(l, 4)) {
		sep(pc, &first);
		S(s, "flowlabel 0x");
		wire_pr_hex(s, ip->flow, 5);
	}
	if (wire_pr_has(l, 8)) {
		sep(pc, &first);
		S(s, "hlim ");
		wire_pr_u(s, ip->hlim);
	}
	if (wire_pr_has(l, 7)) {
		sep(pc, &first);
		proto_paren(s, "next-header ", ip->nxt);
	}
	if (wire_pr_has(l, 6)) {
		sep(pc, &first);
		S(s, "payload length ");
		wire_pr_u(s, ip->plen);
	}
	if (!first)
		S(s, ") ");
}

/* Writes address a (family fam) and the port of t at o; returns the length. */
static size_t addr_port(char *o, const struct wire_layer *t, int fam, const uint8_t *a, int src)
{
	size_t n = fam == 4 ? wire_fmt_ip4(o, a) : wire_fmt_ip6(o, a);
	if (t) {
		o[n++] = '.';
		if (t->kind == WIRE_L_TCP)
			n += wire_fmt_u32(o + n, src ? t->u.tcp.sport : t->u.tcp.dport);
		else
			n += wire_fmt_u32(o + n, src ? t->u.udp.sport : t->u.udp.dport);
	}
	return n;
}

/* "SRC[.PORT] > DST[.PORT]: " formatted in place, when no name is looked up
 * and the sink has room for the longest (two IPv6 texts and ports). Returns
 * 0 when the caller must write it piece by piece. */
static int addrs_fast(const struct wire_lp *pc, const struct wire_layer *t, int fam,
                      const uint8_t *src, const uint8_t *dst)
{
	char *o = pc->p->names ? NULL : wire_sink_room(pc->s, 128);
	if (!o)
		return 0;
	size_t n = addr_port(o, t, fam, src, 1);
	memcpy(o + n, " > ", 3);
	n += 3;
	n += addr_port(o + n, t, fam, dst, 0);
	memcpy(o + n, ": ", 2);
	wire_sink_commit(pc->s, n + 2);
	return 1;
}

static int ip_head(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i,
                   const char *name, int fam, const uint8_t *src, const uint8_t *dst)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	if (!wire_pr_e_said_proto(pc->o, d, i))
		wire_sink_puts(s, name);
	if (l->status != WIRE_LS_TRUNC)
		wire_pr_ip_verbose(pc->o, s, d, i);
	if (wire_pr_has(l, fam == 4 ? 20 : 40)) {
		const struct wire_layer *t = ports_of(d, i);
		if (!addrs_fast(pc, t, fam, src, dst)) {
			addr(pc, fam, src);
			port(pc, t, 1);
			S(s, " > ");
			addr(pc, fam, dst);
			port(pc, t, 0);
			S(s, ": ");
		}
	}
	if (l->status == WIRE_LS_TRUNC) {
		if (fam == 4)
			ip4_cut(pc, l);
		else
			ip6_cut(pc, l);
	}
	return mark(pc, l, 0) != 0;
}

static unsigned ipv4(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	const struct wire_ipv4 *ip = &l->u.ip4;
	if (ip_head(pc, d, i, "IP ", 4, ip->src, ip->dst))
		return d->n;
	uint32_t off = (uint32_t)(ip->frag & 0x1fffu) * 8u;
	int mf = (ip->frag & 0x2000u) != 0;
	if (d->re && i + 1 == d->re_from && i + 1 < d->n) /* completes a datagram */
		return reassembled(pc, d, i + 1, ip->id, off, mf);
	if (off) {
		proto_name(s, ip->proto);
		S(s, " fragment, ");
		frag_note(pc, ip->id, off, mf);
		S(s, ", length ");
		wire_pr_u(s, ip->len >= ip->ihl ? ip->len - ip->ihl : 0);
		return d->n;
	}
	unsigned next = i + 1;
	if (next >= d->n) {
		proto_name(s, ip->proto);
		S(s, ", length ");
		wire_pr_u(s, ip->len >= ip->ihl ? ip->len - ip->ihl : 0);
	} else {
		next = layer(pc, d, next);
	}
	if (mf && !l->quoted && !pc->o->quiet && !pc->o->verbose) {
		S(s, " (");
		frag_note(pc, ip->id, 0, mf);
		wire_sink_putc(s, ')');
	}
	return next;
}

static unsigned ipv6(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	const struct wire_ipv6 *ip = &l->u.ip6;
	if (ip_head(pc, d, i, "IP6 ", 6, ip->src, ip->dst))
		return d->n;
	unsigned j = i + 1;
	uint8_t nxt = ip->nxt;
	for (; j < d->n && d->l[j].kind == WIRE_L_IP6EXT; j++) {
		const struct wire_layer *x = &d->l[j];
		const struct wire_ip6ext *e = &x->u.ext;
		switch (e->type) {
		case 0: S(s, "HBH "); break;
		case 43:
			S(s, "srcrt (type ");
			wire_pr_u(s, e->rtype);
			S(s, ", segleft ");
			wire_pr_u(s, e->segleft);
			S(s, ") ");
			break;
		case 44:
			S(s, "frag (id ");
			wire_pr_u(s, e->frag_id);
			S(s, ", offset ");
			wire_pr_u(s, (uint32_t)e->frag_off * 8u);
			wire_sink_puts(s, e->frag_m ? ", flags [+]) " : ") ");
			break;
		default: S(s, "DSTOPT "); break;
		}
		if (mark(pc, x, 0))
			return d->n;
		nxt = e->nxt;
		if (d->re && j + 1 == d->re_from && j + 1 < d->n) {
			reassembled(pc, d, j + 1, 0, 0, -1);
			return d->n;
		}
		if (e->type == 44 && e->frag_off) {
			proto_name(s, nxt);
			S(s, " fragment, length ");
			wire_pr_u(s, d->l[i].u.ip6.plen);
			return d->n;
		}
	}
	if (j >= d->n) {
		proto_name(s, nxt);
		S(s, ", length ");
		wire_pr_u(s, ip->plen);
		return d->n;
	}
	return layer(pc, d, j);
}

/* One decoded option as tcpdump prints it; ack_base: what relative() took
 * off the ack number, which SACK blocks, in the same space, lose too. */
static void tcp_opt(const struct wire_lp *pc, const struct wire_tcpopt *e, uint32_t ack_base)
{
	struct wire_sink *s = pc->s;
	int bad = !e->ok;
	switch (e->kind) {
	case WIRE_TCPOPT_EOL: S(s, "eol"); break;
	case WIRE_TCPOPT_NOP: S(s, "nop"); break;
	case WIRE_TCPOPT_MSS:
		if (bad)
			break;
		S(s, "mss ");
		wire_pr_u(s, e->v.mss);
		break;
	case WIRE_TCPOPT_WS:
		if (bad)
			break;
		S(s, "wscale ");
		wire_pr_u(s, e->v.ws);
		break;
	case WIRE_TCPOPT_SACKOK: S(s, "sackOK"); break;
	case WIRE_TCPOPT_SACK:
		if (bad)
			break;
		S(s, "sack ");
		wire_pr_u(s, e->n);
		for (unsigned k = 0; k < e->n; k++) {
			S(s, " {");
			wire_pr_u(s, (uint32_t)(e->v.sack[2 * k] - ack_base));
			wire_sink_putc(s, ':');
			wire_pr_u(s, (uint32_t)(e->v.sack[2 * k + 1] - ack_base));
			wire_sink_putc(s, '}');
		}
		break;
	case WIRE_TCPOPT_TS:
		if (bad)
			break;
		S(s, "TS val ");
		wire_pr_u(s, e->v.ts.val);
		S(s, " ecr ");
		wire_pr_u(s, e->v.ts.ecr);
		break;
	case WIRE_TCPOPT_MPTCP: S(s, "mptcp"); break;
	case WIRE_TCPOPT_TFO: S(s, "tfo"); break;
	default:
		S(s, "unknown-");
		wire_pr_u(s, e->kind);
		if (e->n) {
			S(s, " 0x");
			for (unsigned k = 0; k < e->n; k++)
				wire_pr_hex(s, e->v.raw[k], 2);
		}
		break;
	}
	if (bad) /* only kinds with a fixed length can be bad */
		S(s, "[bad opt]");
}

/* ", options [...]" from the decoded option table. */
static void tcp_opts(const struct wire_lp *pc, const struct wire_dissect *d,
                     const struct wire_tcp *t, uint32_t ack_base)
{
	struct wire_sink *s = pc->s;
	S(s, ", options [");
	for (unsigned k = 0; k < t->opt_n; k++) {
		if (k)
			wire_sink_putc(s, ',');
		tcp_opt(pc, &d->topt[t->opt_first + k], ack_base);
	}
	if (t->opt_err) {
		if (t->opt_n)
			wire_sink_putc(s, ',');
		wire_sink_puts(s, t->opt_err == 1 ? "[|tcp opt]" : "[bad opt]");
	}
	wire_sink_putc(s, ']');
}

/* Returns a hash of a conversation: its ports and both 16-byte addresses,
 * mixed a 64-bit word at a time. */
static uint32_t conv_hash(uint32_t ports, const uint8_t *a, const uint8_t *b)
{
	uint64_t w[4];
	memcpy(w, a, 16);
	memcpy(w + 2, b, 16);
	uint64_t h = ports * UINT64_C(0x9e3779b97f4a7c15);
	for (unsigned k = 0; k < 4; k++)
		h = (h ^ w[k]) * UINT64_C(0xff51afd7ed558ccd);
	return (uint32_t)(h >> 32);
}

/* tcpdump's relative sequence numbers: the first packet of a conversation
 * with ACK set (or any SYN) records both initial numbers and is printed as
 * is; later ones are printed relative to them. The table is fixed-size and
 * direct-mapped: a conversation pushed out is simply recorded again. */
static void relative(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i,
                     uint32_t *seq, uint32_t *ack)
{
	const struct wire_tcp *t = &d->l[i].u.tcp;
	struct wire_tcpseq *tab = pc->p->tcpseq;
	const struct wire_layer *ip = NULL;
	uint8_t src[16] = {0}, dst[16] = {0};
	if (!tab || !(t->flags & WIRE_TH_ACK) || pc->o->abs_seq)
		return;
	for (unsigned k = i; k-- > 0;)
		if (d->l[k].kind == WIRE_L_IPV4 || d->l[k].kind == WIRE_L_IPV6) {
			ip = &d->l[k];
			break;
		}
	if (!ip)
		return;
	if (ip->kind == WIRE_L_IPV4) {
		memcpy(src, ip->u.ip4.src, 4);
		memcpy(dst, ip->u.ip4.dst, 4);
	} else {
		memcpy(src, ip->u.ip6.src, 16);
		memcpy(dst, ip->u.ip6.dst, 16);
	}
	int rev = t->sport > t->dport || (t->sport == t->dport && memcmp(src, dst, 16) > 0);
	const uint8_t *a = rev ? dst : src, *b = rev ? src : dst;
	uint32_t ports =
	    rev ? ((uint32_t)t->dport << 16 | t->sport) : ((uint32_t)t->sport << 16 | t->dport);
	struct wire_tcpseq *e = &tab[conv_hash(ports, a, b) % WIRE_TCPSEQ_MAX];
	int found = e->used && e->ports == ports && !memcmp(e->a, a, 16) && !memcmp(e->b, b, 16);
	if (!found || (t->flags & WIRE_TH_SYN)) {
		e->used = 1;
		e->ports = ports;
		memcpy(e->a, a, 16);
		memcpy(e->b, b, 16);
		e->seq = rev ? t->ack - 1u : t->seq;
		e->ack = rev ? t->seq : t->ack - 1u;
		return;
	}
	*seq -= rev ? e->ack : e->seq;
	*ack -= rev ? e->seq : e->ack;
}

/* The flags of a TCP header, as tcpdump writes them: "Flags [S.]". */
static void tcp_flags(const struct wire_lp *pc, uint16_t flags)
{
	struct wire_sink *s = pc->s;
	/* the letters of the flags of each nibble, in bit order, then their count */
	static const char lo[16][5] = {
	    "\000\000\000\000\000", "F\000\000\000\001", "S\000\000\000\001", "FS\000\000\002",
	    "R\000\000\000\001",    "FR\000\000\002",    "SR\000\000\002",    "FSR\000\003",
	    "P\000\000\000\001",    "FP\000\000\002",    "SP\000\000\002",    "FSP\000\003",
	    "RP\000\000\002",       "FRP\000\003",       "SRP\000\003",       "FSRP\004"};
	static const char hi[16][5] = {
	    "\000\000\000\000\000", ".\000\000\000\001", "U\000\000\000\001", ".U\000\000\002",
	    "E\000\000\000\001",    ".E\000\000\002",    "UE\000\000\002",    ".UE\000\003",
	    "W\000\000\000\001",    ".W\000\000\002",    "UW\000\000\002",    ".UW\000\003",
	    "EW\000\000\002",       ".EW\000\003",       "UEW\000\003",       ".UEW\004"};
	char f[12];
	memcpy(f, lo[flags & 15u], 4);
	size_t n = (size_t)lo[flags & 15u][4];
	memcpy(f + n, hi[(flags >> 4) & 15u], 4);
	n += (size_t)hi[(flags >> 4) & 15u][4];
	if (flags & WIRE_TH_AE)
		f[n++] = 'e';
	S(s, "Flags [");
	if (n)
		wire_sink_write(s, f, n);
	else
		S(s, "none");
	wire_sink_putc(s, ']');
}

/* A TCP header cut by the capture: every whole field (absolute numbers),
 * the options present, then "[|tcp]". */
static unsigned tcp_cut(const struct wire_lp *pc, const struct wire_dissect *d,
                        const struct wire_layer *l)
{
	struct wire_sink *s = pc->s;
	const struct wire_tcp *t = &l->u.tcp;
	int more = 0;
	if (wire_pr_has(l, 14)) {
		tcp_flags(pc, t->flags);
		more = 1;
	}
	if (wire_pr_has(l, 8)) {
		wire_sink_puts(s, more ? ", seq " : "seq ");
		wire_pr_u(s, t->seq);
		more = 1;
	}
	if (wire_pr_has(l, 12) && (!wire_pr_has(l, 14) || (t->flags & WIRE_TH_ACK))) {
		S(s, ", ack ");
		wire_pr_u(s, t->ack);
	}
	if (wire_pr_has(l, 16)) {
		S(s, ", win ");
		wire_pr_u(s, t->win);
	}
	if (t->optlen && t->opt)
		tcp_opts(pc, d, t, 0);
	mark(pc, l, more);
	return d->n;
}

static unsigned tcp(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	const struct wire_tcp *t = &l->u.tcp;
	if (l->status == WIRE_LS_TRUNC && !l->quoted)
		return tcp_cut(pc, d, l);
	if (l->status == WIRE_LS_TRUNC) {
		mark(pc, l, 0);
		return d->n;
	}
	if (l->status == WIRE_LS_INVALID) {
		S(s, "TCP ");
		mark(pc, l, 0);
		return d->n;
	}
	if (l->quoted && t->doff == 0) {
		S(s, "TCP, seq ");
		wire_pr_u(s, t->seq);
		return i + 1;
	}
	if (pc->o->quiet && !l->quoted) {
		S(s, "tcp ");
		wire_pr_u(s, t->paylen);
		return d->n;
	}
	tcp_flags(pc, t->flags);
	if (pc->o->verbose && !l->quoted)
		wire_pr_tcp_cksum(s, d, i);
	uint32_t seq = t->seq, ack = t->ack;
	relative(pc, d, i, &seq, &ack);
	/* as tcpdump: the sequence number only when it means something (-vv: always) */
	if (t->paylen || (t->flags & (WIRE_TH_SYN | WIRE_TH_FIN | WIRE_TH_RST)) ||
	    pc->o->verbose > 1) {
		S(s, ", seq ");
		wire_pr_u(s, seq);
		if (t->paylen) {
			wire_sink_putc(s, ':');
			wire_pr_u(s, (uint32_t)(seq + t->paylen));
		}
	}
	if (t->flags & WIRE_TH_ACK) {
		S(s, ", ack ");
		wire_pr_u(s, ack);
	}
	S(s, ", win ");
	wire_pr_u(s, t->win);
	if (t->flags & WIRE_TH_URG) {
		S(s, ", urg ");
		wire_pr_u(s, t->urp);
	}
	if (t->optlen)
		tcp_opts(pc, d, t, (uint32_t)(t->ack - ack));
	S(s, ", length ");
	wire_pr_u(s, t->paylen);
	if (i + 1 < d->n && !d->l[i + 1].quoted) {
		S(s, ": ");
		return layer(pc, d, i + 1);
	}
	return i + 1;
}

static unsigned udp(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	if (l->status == WIRE_LS_TRUNC && !l->quoted && wire_pr_has(l, 6)) {
		S(s, "UDP, length ");
		wire_pr_u(s, l->u.udp.ulen >= 8 ? l->u.udp.ulen - 8u : 0);
		mark(pc, l, 1);
		return d->n;
	}
	if (l->status == WIRE_LS_TRUNC) {
		mark(pc, l, 0);
		return d->n;
	}
	if (l->status == WIRE_LS_OK && pc->o->verbose)
		wire_pr_udp_cksum(pc->o, s, d, i);
	if (l->status == WIRE_LS_OK && pc->o->quiet && !l->quoted) {
		S(s, "UDP, length ");
		wire_pr_u(s, l->u.udp.paylen);
		return d->n;
	}
	if (i + 1 < d->n && l->status == WIRE_LS_OK && !d->l[i + 1].quoted)
		return layer(pc, d, i + 1);
	S(s, "UDP");
	if (mark(pc, l, 1))
		return d->n;
	S(s, ", length ");
	wire_pr_u(s, l->u.udp.paylen);
	return i + 1;
}

static void icmp_unreach(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_icmp *c = &d->l[i].u.icmp;
	const struct wire_layer *q = i + 1 < d->n ? &d->l[i + 1] : NULL;
	const struct wire_layer *t = i + 2 < d->n ? &d->l[i + 2] : NULL;
	int qip = q && q->kind == WIRE_L_IPV4 && q->status == WIRE_LS_OK;
	static const char *const codes[] = {"net",
	                                    "host",
	                                    "protocol",
	                                    "port",
	                                    "need to frag",
	                                    "source route failed",
	                                    "net unknown",
	                                    "host unknown",
	                                    "source isolated",
	                                    "net prohibited",
	                                    "host prohibited",
	                                    "net tos",
	                                    "host tos",
	                                    "administratively prohibited",
	                                    "host precedence violation",
	                                    "precedence cutoff"};
	if (c->code == 3 && qip && t && (t->kind == WIRE_L_UDP || t->kind == WIRE_L_TCP) &&
	    t->status != WIRE_LS_TRUNC) {
		wire_pr_ip4(s, q->u.ip4.dst);
		wire_sink_puts(s, t->kind == WIRE_L_UDP ? " udp port " : " tcp port ");
		wire_pr_u(s, t->kind == WIRE_L_UDP ? t->u.udp.dport : t->u.tcp.dport);
		S(s, " unreachable");
	} else if (c->code == 2 && qip) {
		wire_pr_ip4(s, q->u.ip4.dst);
		S(s, " protocol ");
		wire_pr_u(s, q->u.ip4.proto);
		S(s, " unreachable");
	} else if ((c->code == 0 || c->code == 1) && qip) {
		wire_sink_puts(s, codes[c->code]);
		wire_sink_putc(s, ' ');
		wire_pr_ip4(s, q->u.ip4.dst);
		S(s, " unreachable");
	} else if (c->code == 4) {
		S(s, "unreachable - need to frag (mtu ");
		wire_pr_u(s, c->seq);
		wire_sink_putc(s, ')');
	} else if (c->code < sizeof(codes) / sizeof(codes[0])) {
		wire_sink_puts(s, codes[c->code]);
		S(s, " unreachable");
	} else {
		S(s, "unreachable code ");
		wire_pr_u(s, c->code);
	}
}

static unsigned quoted_tail(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	if (i + 1 < d->n && d->l[i + 1].quoted) {
		S(s, " for ");
		unsigned j = i + 1;
		while (j < d->n)
			j = layer(pc, d, j);
	}
	return d->n;
}

static unsigned icmp(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	const struct wire_icmp *c = &l->u.icmp;
	S(s, "ICMP ");
	if (l->status == WIRE_LS_TRUNC) {
		const char *n = wire_pr_icmp_type(c->type);
		if (wire_pr_has(l, 1) && n) {
			wire_sink_puts(s, n);
			wire_sink_putc(s, ' ');
		} else if (wire_pr_has(l, 1)) {
			S(s, "type-#");
			wire_pr_u(s, c->type);
			wire_sink_putc(s, ' ');
		}
		mark(pc, l, 0);
		return d->n;
	}
	switch (c->type) {
	case 0:
	case 8:
	case 13:
	case 14:
	case 15:
	case 16:
		wire_sink_puts(s, wire_pr_icmp_type(c->type));
		S(s, ", id ");
		wire_pr_u(s, c->id);
		S(s, ", seq ");
		wire_pr_u(s, c->seq);
		break;
	case 3: icmp_unreach(pc, d, i); break;
	case 11:
		wire_sink_puts(s, c->code == 1 ? "ip reassembly time exceeded"
		                               : "time exceeded in-transit");
		break;
	case 5:
		S(s, "redirect to ");
		wire_pr_u(s, c->rest >> 24);
		wire_sink_putc(s, '.');
		wire_pr_u(s, (c->rest >> 16) & 255u);
		wire_sink_putc(s, '.');
		wire_pr_u(s, (c->rest >> 8) & 255u);
		wire_sink_putc(s, '.');
		wire_pr_u(s, c->rest & 255u);
		break;
	default: {
		const char *n = wire_pr_icmp_type(c->type);
		if (n) {
			wire_sink_puts(s, n);
		} else {
			S(s, "type-#");
			wire_pr_u(s, c->type);
		}
	}
	}
	S(s, ", length ");
	wire_pr_u(s, c->len);
	if (mark(pc, l, 1))
		return d->n;
	return quoted_tail(pc, d, i);
}

static unsigned icmp6(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	const struct wire_icmp6 *c = &l->u.icmp6;
	if (pc->o->verbose && !l->quoted)
		wire_pr_icmp6_cksum(s, d, i);
	S(s, "ICMP6, ");
	if (l->status == WIRE_LS_TRUNC && l->len == 0) {
		const char *n = wire_pr_icmp6_type(c->type);
		if (wire_pr_has(l, 1) && n) {
			wire_sink_puts(s, n);
			wire_sink_putc(s, ' ');
		} else if (wire_pr_has(l, 1)) {
			S(s, "type-#");
			wire_pr_u(s, c->type);
			wire_sink_putc(s, ' ');
		}
		mark(pc, l, 0);
		return d->n;
	}
	const char *n = wire_pr_icmp6_type(c->type);
	if (n) {
		wire_sink_puts(s, n);
	} else {
		S(s, "type-#");
		wire_pr_u(s, c->type);
	}
	switch (c->type) {
	case 1: {
		static const char *const codes[] = {
		    "no route",         "admin prohibited",
		    "beyond scope",     "unreachable address",
		    "unreachable port", "source address failed policy",
		    "reject route"};
		S(s, ", ");
		if (c->code < 7)
			wire_sink_puts(s, codes[c->code]);
		else {
			S(s, "code ");
			wire_pr_u(s, c->code);
		}
		break;
	}
	case 2:
		S(s, ", mtu ");
		wire_pr_u(s, c->rest);
		break;
	case 128:
	case 129:
		S(s, ", id ");
		wire_pr_u(s, c->id);
		S(s, ", seq ");
		wire_pr_u(s, c->seq);
		break;
	case 135:
		if (c->has_target) {
			S(s, ", who has ");
			wire_pr_ip6(s, c->target);
		}
		break;
	case 136:
		if (c->has_target) {
			S(s, ", tgt is ");
			wire_pr_ip6(s, c->target);
		}
		break;
	case 137:
		if (c->has_target) {
			S(s, ", ");
			wire_pr_ip6(s, c->target);
		}
		break;
	default: break;
	}
	S(s, ", length ");
	wire_pr_u(s, c->len);
	if (mark(pc, l, 1))
		return d->n;
	return quoted_tail(pc, d, i);
}

/* Writes " " and name handle h of f (nothing for none). Returns 0 for none. */
static int dns_name_out(const struct wire_lp *pc, const struct wire_dns_msg *f, uint16_t h)
{
	struct wire_sink *s = pc->s;
	const char *t = wire_dns_text(f, h);
	if (!t)
		return 0;
	wire_sink_putc(s, ' ');
	wire_sink_puts(s, t);
	return 1;
}

static void dns_rdata(const struct wire_lp *pc, const struct wire_dns_msg *f,
                      const struct wire_dns_rec *c)
{
	struct wire_sink *s = pc->s;
	if (!c->rdok)
		return;
	switch (c->type) {
	case 1:
		wire_sink_putc(s, ' ');
		wire_pr_ip4(s, c->rd.a);
		break;
	case 28:
		wire_sink_putc(s, ' ');
		wire_pr_ip6(s, c->rd.aaaa);
		break;
	case 2:
	case 5:
	case 12: dns_name_out(pc, f, c->rd.target); break;
	case 15:
		if (dns_name_out(pc, f, c->rd.mx.name)) {
			wire_sink_putc(s, ' ');
			wire_pr_u(s, c->rd.mx.pref);
		}
		break;
	case 16:
		for (unsigned k = 0; k < c->rd.txt.n; k++) {
			const struct wire_dns_txt *t = &f->txt[c->rd.txt.first + k];
			S(s, " \"");
			wire_sink_escaped(s, t->p, t->n);
			wire_sink_putc(s, '"');
		}
		break;
	case 6:
		dns_name_out(pc, f, c->rd.soa.mname);
		dns_name_out(pc, f, c->rd.soa.rname);
		for (unsigned k = 0; c->rd.soa.nnum == 5 && k < 5; k++) {
			wire_sink_putc(s, ' ');
			wire_pr_u(s, c->rd.soa.num[k]);
		}
		break;
	case 33: /* as tcpdump: target:port priority weight */
		dns_name_out(pc, f, c->rd.srv.target);
		wire_sink_putc(s, ':');
		wire_pr_u(s, c->rd.srv.port);
		wire_sink_putc(s, ' ');
		wire_pr_u(s, c->rd.srv.prio);
		wire_sink_putc(s, ' ');
		wire_pr_u(s, c->rd.srv.weight);
		break;
	default: break;
	}
}

static void dns_type(const struct wire_lp *pc, uint16_t type)
{
	struct wire_sink *s = pc->s;
	const char *n = wire_dns_type_name(type);
	if (n) {
		wire_sink_puts(s, n);
	} else {
		S(s, "Type");
		wire_pr_u(s, type);
	}
}

static unsigned dns(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	const struct wire_dns *m = &l->u.dns;
	if (l->status == WIRE_LS_TRUNC && l->len == 0) {
		mark(pc, l, 0);
		return d->n;
	}
	wire_pr_u(s, m->id);
	int resp = (m->flags & 0x8000u) != 0;
	unsigned opcode = (m->flags >> 11) & 15u;
	unsigned rcode = m->flags & 15u;
	if (resp) {
		if (m->flags & 0x0400u)
			wire_sink_putc(s, '*');
		if (!(m->flags & 0x0080u))
			wire_sink_putc(s, '-');
		if (m->flags & 0x0200u)
			wire_sink_putc(s, '|');
		if (m->flags & 0x0020u)
			wire_sink_putc(s, '$');
	} else {
		if (m->flags & 0x0100u)
			wire_sink_putc(s, '+');
		if (m->flags & 0x0010u)
			wire_sink_putc(s, '%');
	}
	if (opcode) {
		S(s, " op");
		wire_pr_u(s, opcode);
	}
	if (resp) {
		static const char *const rc[] = {NULL,      "FormErr", "ServFail", "NXDomain",
		                                 "NotImp",  "Refused", "YXDomain", "YXRRSet",
		                                 "NXRRSet", "NotAuth", "NotZone"};
		if (rcode) {
			wire_sink_putc(s, ' ');
			if (rcode < sizeof(rc) / sizeof(rc[0]))
				wire_sink_puts(s, rc[rcode]);
			else {
				S(s, "Resp");
				wire_pr_u(s, rcode);
			}
		}
		wire_sink_putc(s, ' ');
		wire_pr_u(s, m->an);
		wire_sink_putc(s, '/');
		wire_pr_u(s, m->ns);
		wire_sink_putc(s, '/');
		wire_pr_u(s, m->ar);
	}
	if (!resp && m->ar) {
		S(s, " [");
		wire_pr_u(s, m->ar);
		S(s, "au]");
	}
	int first = 1;
	for (unsigned k = 0; m->f && k < m->f->n; k++) {
		const struct wire_dns_rec *c = &m->f->rec[k];
		if (c->section == WIRE_DNS_QD) {
			if (resp)
				continue;
			wire_sink_putc(s, ' ');
			dns_type(pc, c->type);
			S(s, "? ");
			const char *t = wire_dns_text(m->f, c->name);
			wire_sink_puts(s, t ? t : "");
			continue;
		}
		if (!resp || c->section != WIRE_DNS_AN)
			break;
		wire_sink_puts(s, first ? " " : ", ");
		first = 0;
		dns_type(pc, c->type);
		dns_rdata(pc, m->f, c);
	}
	S(s, " (");
	wire_pr_u(s, m->len);
	wire_sink_putc(s, ')');
	mark(pc, l, 1);
	return d->n;
}

static unsigned http(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	const struct wire_http *h = &l->u.http;
	S(s, "HTTP");
	if (l->status == WIRE_LS_OK) {
		S(s, ": ");
		if (h->is_req) {
			wire_sink_escaped(s, h->method, h->method_len);
			wire_sink_putc(s, ' ');
			wire_sink_escaped(s, h->uri, h->uri_len);
			if (h->ver_len) {
				wire_sink_putc(s, ' ');
				wire_sink_escaped(s, h->ver, h->ver_len);
			}
		} else {
			wire_sink_escaped(s, h->ver, h->ver_len);
			wire_sink_putc(s, ' ');
			wire_pr_u(s, h->status);
			if (h->reason_len) {
				wire_sink_putc(s, ' ');
				wire_sink_escaped(s, h->reason, h->reason_len);
			}
		}
	}
	mark(pc, l, 1);
	return d->n;
}

static unsigned dhcp(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	const struct wire_dhcp *m = &l->u.dhcp;
	S(s, "BOOTP/DHCP, ");
	if (l->status == WIRE_LS_TRUNC) {
		mark(pc, l, 0);
		return d->n;
	}
	wire_sink_puts(s, m->op == 1 ? "Request from " : m->op == 2 ? "Reply from " : "op ");
	if (m->op == 1 || m->op == 2)
		wire_pr_mac(s, m->chaddr, m->hlen <= 16 ? m->hlen : 16, ':');
	else
		wire_pr_u(s, m->op);
	const char *t = wire_pr_dhcp_type(m->msgtype);
	if (t) {
		S(s, ", ");
		wire_sink_puts(s, t);
	}
	S(s, ", length ");
	wire_pr_u(s, i > 0 && d->l[i - 1].kind == WIRE_L_UDP ? d->l[i - 1].u.udp.paylen : 0);
	mark(pc, l, 1);
	return d->n;
}

static unsigned tls(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	const struct wire_tls *t = &l->u.tls;
	S(s, "TLS");
	if (l->status == WIRE_LS_TRUNC) {
		mark(pc, l, 1);
		return d->n;
	}
	char b[64];
	wire_sink_putc(s, ' ');
	wire_sink_puts(s, wire_tls_label(b, sizeof(b), t->ctype, t->ctype == 22 ? t->hs_type : -1));
	if (t->sni) {
		S(s, ", SNI ");
		wire_sink_escaped(s, t->sni, t->sni_len);
	}
	mark(pc, l, 1);
	return d->n;
}

/* Prints sep (": " on one line; tcpdump's line break with -v) and the
 * packet inside a tunnel layer i (when there is one). */
static unsigned inner(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i,
                      const char *sep)
{
	if (i + 1 >= d->n)
		return d->n;
	wire_sink_puts(pc->s, pc->o->verbose ? sep : ": ");
	return layer(pc, d, i + 1);
}

/* As tcpdump, but on one line (tcpdump starts the inner frame on the next). */
static unsigned vxlan(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	S(s, "VXLAN");
	if (mark(pc, l, 1))
		return d->n;
	uint8_t f = (uint8_t)(l->u.vxlan.flags >> 8);
	S(s, ", flags [");
	wire_sink_putc(s, (f & 0x08) ? 'I' : '.');
	S(s, "] (");
	wire_pr_0x(s, f, 2);
	S(s, "), vni ");
	wire_pr_u(s, l->u.vxlan.vni);
	return inner(pc, d, i, "\n");
}

/* tcpdump's names of Geneve option classes. */
static const char *geneve_class(uint16_t c)
{
	switch (c) {
	case 0x0100: return "Linux";
	case 0x0101: return "Open vSwitch";
	case 0x0102: return "Open Virtual Networking (OVN)";
	case 0x0103: return "In-band Network Telemetry (INT)";
	case 0x0104: return "VMware";
	default: return c <= 0x00ff ? "Standard" : c >= 0xfff0 ? "Experimental" : "Unknown";
	}
}

/* -v: each option as tcpdump prints it; -vv: with its data words. */
static void geneve_opts(const struct wire_lp *pc, const struct wire_geneve *g)
{
	struct wire_sink *s = pc->s;
	for (unsigned k = 0; k < g->opt_n; k++) {
		const struct wire_geneve_opt *o = &g->opt[k];
		wire_sink_printf(s, "%sclass %s (0x%x) type 0x%x%s len %u", k ? ", " : "",
		                 geneve_class(o->cls), (unsigned)o->cls, (unsigned)o->type,
		                 (o->type & 0x80u) ? "(C)" : "", (unsigned)o->len);
		if (pc->o->verbose < 2 || o->len <= 4)
			continue;
		S(s, " data");
		for (unsigned at = 4; at + 4 <= o->len; at += 4) {
			const uint8_t *w = g->optp + o->off + at;
			wire_sink_printf(s, " %02x%02x%02x%02x", w[0], w[1], w[2], w[3]);
		}
	}
	if (g->opt_more)
		S(s, ", ...");
}

/* As tcpdump without -v: "Geneve, Flags [C], vni 0xa, options [8 bytes]". */
static unsigned geneve(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	const struct wire_geneve *g = &l->u.geneve;
	S(s, "Geneve");
	if (l->status == WIRE_LS_TRUNC && l->len == 0) {
		mark(pc, l, 1);
		return d->n;
	}
	S(s, ", Flags [");
	if (g->flags & 0x80)
		wire_sink_putc(s, 'O');
	if (g->flags & 0x40)
		wire_sink_putc(s, 'C');
	if (!(g->flags & 0xc0))
		S(s, "none");
	wire_sink_printf(s, "], vni 0x%x", (unsigned)g->vni);
	if (g->rsvd)
		wire_sink_printf(s, ", rsvd 0x%x", (unsigned)g->rsvd);
	if (pc->o->link_hdr)
		wire_pr_geneve_proto(s, g->proto);
	if (g->optlen && (!pc->o->verbose || !g->optp)) /* optp: the options were captured */
		wire_sink_printf(s, ", options [%u bytes]", (unsigned)g->optlen);
	if (g->optlen && pc->o->verbose && g->optp) {
		S(s, ", options [");
		geneve_opts(pc, g);
		wire_sink_putc(s, ']');
	}
	if (mark(pc, l, 1))
		return d->n;
	return inner(pc, d, i, "\n        "); /* tcpdump: a tab, never written here */
}

/* Prints layer i and what it leads to; returns the next layer not printed. */
static unsigned layer(const struct wire_lp *pc, const struct wire_dissect *d, unsigned i)
{
	struct wire_sink *s = pc->s;
	const struct wire_layer *l = &d->l[i];
	switch (l->kind) {
	case WIRE_L_ETH:
	case WIRE_L_SLL:
	case WIRE_L_NULL:
		if (l->status != WIRE_LS_OK) {
			mark(pc, l, 0);
			return d->n;
		}
		if (i > 0 && pc->o->link_hdr && !l->quoted) /* inside a tunnel */
			wire_pr_inner_eth(pc->o, s, d, i);
		if (i + 1 < d->n)
			return i + 1;
		if (l->kind == WIRE_L_ETH)
			ethertype(pc, d, l, l->u.eth.type);
		else if (l->kind == WIRE_L_SLL)
			ethertype(pc, d, l, l->u.sll.proto);
		else {
			S(s, "loopback family ");
			wire_pr_u(s, l->u.null.family);
			S(s, ", length ");
			wire_pr_u(s, wire_len_from(d, l) - l->len);
		}
		return d->n;
	case WIRE_L_VLAN:
		if (pc->o->quiet && !pc->o->link_hdr && l->status == WIRE_LS_OK && i + 1 < d->n)
			return i + 1; /* as tcpdump -q: not named */
		S(s, "vlan ");
		if (mark(pc, l, 0))
			return d->n;
		wire_pr_u(s, l->u.vlan.tci & 0xfffu);
		S(s, ", p ");
		wire_pr_u(s, l->u.vlan.tci >> 13);
		S(s, ", ");
		if (pc->o->link_hdr) {
			wire_pr_ethertype_named(pc->o, s, l->u.vlan.type);
			S(s, ", ");
		}
		if (i + 1 < d->n)
			return i + 1;
		ethertype(pc, d, l, l->u.vlan.type);
		return d->n;
	case WIRE_L_ARP: arp(pc, d, l); return d->n;
	case WIRE_L_IPV4: return ipv4(pc, d, i);
	case WIRE_L_IPV6: return ipv6(pc, d, i);
	case WIRE_L_IP6EXT: return i + 1; /* printed with IPv6 */
	case WIRE_L_TCP: return tcp(pc, d, i);
	case WIRE_L_UDP: return udp(pc, d, i);
	case WIRE_L_ICMP: return icmp(pc, d, i);
	case WIRE_L_ICMP6: return icmp6(pc, d, i);
	case WIRE_L_DNS: return dns(pc, d, i);
	case WIRE_L_HTTP: return http(pc, d, i);
	case WIRE_L_DHCP: return dhcp(pc, d, i);
	case WIRE_L_TLS: return tls(pc, d, i);
	case WIRE_L_VXLAN: return vxlan(pc, d, i);
	case WIRE_L_GENEVE: return geneve(pc, d, i);
	default: return d->n;
	}
}

void wire_pr_summary(const struct wire_lp *pc, const struct wire_dissect *d, unsigned from)
{
	struct wire_sink *s = pc->s;
	unsigned i = from;
	if (d->n == 0) {
		S(s, "unsupported link type ");
		wire_pr_u(s, (uint64_t)(unsigned)d->pkt->linktype);
		S(s, ", length ");
		wire_pr_u(s, d->pkt->wirelen);
		return;
	}
	while (i < d->n)
		i = layer(pc, d, i);
}

static void csum_note(const struct wire_lp *pc, const char *what, uint8_t st, uint16_t v, int *offl)
{
	struct wire_sink *s = pc->s;
	if (st == WIRE_CSUM_BAD) {
		S(s, " [bad ");
		wire_sink_puts(s, what);
		S(s, " cksum ");
		wire_pr_0x(s, v, 4);
		wire_sink_putc(s, ']');
	} else if (st == WIRE_CSUM_PARTIAL) {
		*offl |= 1;
	} else if (st == WIRE_CSUM_GSO) {
		*offl |= 2;
	}
}

void wire_pr_line(struct wire_printer *p, const struct wire_dissect *d)
{
	struct wire_sink *s = p->out;
	const struct wire_pkt *pkt = d->pkt;
	const struct wire_lp lp = {s, p, &p->o}, *pc = &lp;
	int offl = 0;
	wire_pr_time(p, pkt);
	if (p->o.show_iface) {
		if (pkt->ifname) {
			wire_sink_escaped(s, pkt->ifname, strnlen(pkt->ifname, 64));
			wire_sink_putc(s, ' ');
		}
		if (pkt->dir == WIRE_DIR_IN)
			S(s, "In ");
		else if (pkt->dir == WIRE_DIR_OUT)
			S(s, "Out ");
	}
	if (p->o.link_hdr)
		wire_pr_linkhdr(pc->o, s, d);
	wire_pr_summary(pc, d, 0);
	for (unsigned i = 0; i < d->n; i++) {
		const struct wire_layer *l = &d->l[i];
		if (l->quoted || l->status != WIRE_LS_OK || wire_pr_v_said_bad(pc->o, d, i))
			continue;
		switch (l->kind) {
		case WIRE_L_IPV4:
			csum_note(pc, "ip", l->u.ip4.csum_st, l->u.ip4.csum, &offl);
			if (l->u.ip4.gso)
				offl |= 2;
			break;
		case WIRE_L_IPV6:
			if (l->u.ip6.gso)
				offl |= 2;
			break;
		case WIRE_L_TCP:
			csum_note(pc, "tcp", l->u.tcp.csum_st, l->u.tcp.csum, &offl);
			break;
		case WIRE_L_UDP:
			csum_note(pc, "udp", l->u.udp.csum_st, l->u.udp.csum, &offl);
			break;
		case WIRE_L_ICMP:
			csum_note(pc, "icmp", l->u.icmp.csum_st, l->u.icmp.csum, &offl);
			break;
		case WIRE_L_ICMP6:
			csum_note(pc, "icmp6", l->u.icmp6.csum_st, l->u.icmp6.csum, &offl);
			break;
		default: break;
		}
	}
	if ((offl & 2) || (pkt->flags & WIRE_PKT_GSO))
		S(s, " [GSO]");
	wire_pr_ta_tags(s, &p->ta);
	/* A checksum left to the hardware (every locally sent packet on lo) is
	 * simply not called bad here; -V says "offloaded" in its Checksum line. */
	wire_sink_putc(s, '\n');
}
