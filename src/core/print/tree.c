/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The -V view: the packet's summary line, then one block per layer in the
 * lecture sniffer's format: a 48-column title line with *_NAME_* centred, one
 * "Label:" per line padded to column 19, and a closing line of asterisks.
 * Ethernet and ARP reproduce the lecture's blocks field for field (hex MACs
 * without separators, 4/2-digit hex for type, sizes and opcode, and the ARP
 * block's 49-asterisk closing line); the other layers follow the pattern.
 * Truncated layers say where they stopped, invalid ones why.
 */
#include <string.h>

#include "pr.h"

#define S(s, lit) wire_sink_write((s), "" lit, sizeof(lit) - 1)
#define TITLE_W 48u
#define LABEL_W 18u

static const char stars[] = "**************************************************";

static void title(struct wire_sink *s, const struct wire_layer *l, const char *name)
{
	size_t n = strlen(name) + 2 + (l->quoted ? 7 : 0);
	size_t left = n < TITLE_W ? (TITLE_W - n) / 2 : 0;
	size_t right = n < TITLE_W ? TITLE_W - n - left : 0;
	wire_sink_write(s, stars, left);
	wire_sink_putc(s, '_');
	if (l->quoted)
		S(s, "QUOTED_");
	wire_sink_puts(s, name);
	wire_sink_putc(s, '_');
	wire_sink_write(s, stars, right);
	wire_sink_putc(s, '\n');
}

static void closing(struct wire_sink *s, size_t n)
{
	wire_sink_write(s, stars, n);
	wire_sink_putc(s, '\n');
}

static void label(struct wire_sink *s, const char *lab)
{
	static const char sp[] = "                  ";
	size_t n = strlen(lab);
	wire_sink_write(s, lab, n);
	wire_sink_putc(s, ':');
	n++;
	if (n < LABEL_W)
		wire_sink_write(s, sp, LABEL_W - n);
	else
		wire_sink_putc(s, ' ');
}

static void fu(struct wire_sink *s, const char *lab, uint64_t v)
{
	label(s, lab);
	wire_pr_u(s, v);
	wire_sink_putc(s, '\n');
}

/* "Label:  v (name)", or just v when there is no name. */
static void fnamed(struct wire_sink *s, const char *lab, uint64_t v, const char *name)
{
	label(s, lab);
	wire_pr_u(s, v);
	if (name) {
		S(s, " (");
		wire_sink_puts(s, name);
		wire_sink_putc(s, ')');
	}
	wire_sink_putc(s, '\n');
}

static void fx(struct wire_sink *s, const char *lab, uint32_t v, unsigned digits)
{
	label(s, lab);
	wire_pr_hex(s, v, digits);
	wire_sink_putc(s, '\n');
}

static void fs(struct wire_sink *s, const char *lab, const char *v)
{
	label(s, lab);
	wire_sink_puts(s, v);
	wire_sink_putc(s, '\n');
}

static void fesc(struct wire_sink *s, const char *lab, const uint8_t *p, size_t n)
{
	label(s, lab);
	wire_sink_escaped(s, p, n);
	wire_sink_putc(s, '\n');
}

static void fmac(struct wire_sink *s, const char *lab, const uint8_t *a, size_t n)
{
	label(s, lab);
	wire_pr_mac(s, a, n, 0);
	wire_sink_putc(s, '\n');
}

static void fip4(struct wire_sink *s, const char *lab, const uint8_t *a)
{
	label(s, lab);
	wire_pr_ip4(s, a);
	wire_sink_putc(s, '\n');
}

static void fip6(struct wire_sink *s, const char *lab, const uint8_t *a)
{
	label(s, lab);
	wire_pr_ip6(s, a);
	wire_sink_putc(s, '\n');
}

static void fcsum(struct wire_sink *s, uint16_t v, uint8_t st)
{
	label(s, "Checksum");
	wire_pr_hex(s, v, 4);
	switch (st) {
	case WIRE_CSUM_OK: S(s, " (correct)"); break;
	case WIRE_CSUM_BAD: S(s, " (incorrect)"); break;
	case WIRE_CSUM_PARTIAL: S(s, " (offloaded, not yet computed)"); break;
	case WIRE_CSUM_GSO: S(s, " (GSO super-packet, not checked)"); break;
	default: S(s, " (unverified)"); break;
	}
	wire_sink_putc(s, '\n');
}

/* The status line of a layer that did not decode cleanly. */
static void status(struct wire_sink *s, const struct wire_layer *l)
{
	if (l->status == WIRE_LS_TRUNC) {
		label(s, "Truncated");
		S(s, "[|");
		wire_sink_puts(s, wire_pr_trunc_name(l->kind));
		S(s, "]\n");
	} else if (l->status == WIRE_LS_INVALID) {
		fs(s, "Invalid", l->why ? l->why : "?");
	}
}

static void eth(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_eth *e = &l->u.eth;
	title(s, l, "ETHERNET_FRAME");
	if (l->status != WIRE_LS_TRUNC) {
		fmac(s, "Dest MAC", e->dst, 6);
		fmac(s, "Source MAC", e->src, 6);
		if (e->type >= 0x0600)
			fx(s, "Type", e->type, 4);
		else
			fu(s, "Length", e->type);
	}
	status(s, l);
	closing(s, 48);
}

static void arp(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_arp *a = &l->u.arp;
	title(s, l, "ARP_HEADER");
	if (l->status != WIRE_LS_TRUNC) {
		size_t hl = a->hlen < 16 ? a->hlen : 16, pl = a->plen < 16 ? a->plen : 16;
		fx(s, "Hardware type", a->htype, 4);
		fx(s, "Protocol type", a->ptype, 4);
		fx(s, "Hardware size", a->hlen, 2);
		fx(s, "Protocol size", a->plen, 2);
		fx(s, "Opcode", a->op, 4);
		fmac(s, "Source MAC", a->sha, hl);
		if (a->plen == 4)
			fip4(s, "Source IP", a->spa);
		else
			fmac(s, "Source IP", a->spa, pl);
		fmac(s, "Dest MAC", a->tha, hl);
		if (a->plen == 4)
			fip4(s, "Dest IP", a->tpa);
		else
			fmac(s, "Dest IP", a->tpa, pl);
	}
	status(s, l);
	closing(s, 49);
}

static void ipv4(struct wire_sink *s, const struct wire_dissect *d, const struct wire_layer *l)
{
	const struct wire_ipv4 *ip = &l->u.ip4;
	title(s, l, "IP_HEADER");
	if (wire_pr_has(l, 1)) {
		fu(s, "Version", 4);
		fu(s, "Header length", ip->ihl);
		if (!wire_pr_has(l, 2))
			goto cut;
		fx(s, "TOS", ip->tos, 2);
		if (!wire_pr_has(l, 4))
			goto cut;
		fu(s, "Total length", ip->len);
		if (!wire_pr_has(l, 6))
			goto cut;
		fx(s, "Identification", ip->id, 4);
		if (!wire_pr_has(l, 8))
			goto cut;
		label(s, "Flags");
		if (!(ip->frag & 0xe000u))
			S(s, "none");
		if (ip->frag & 0x8000u)
			S(s, "RF ");
		if (ip->frag & 0x4000u)
			S(s, "DF");
		if (ip->frag & 0x2000u)
			wire_sink_puts(s, (ip->frag & 0x4000u) ? " MF" : "MF");
		wire_sink_putc(s, '\n');
		fu(s, "Fragment offset", (uint32_t)(ip->frag & 0x1fffu) * 8u);
		if (!wire_pr_has(l, 9))
			goto cut;
		fu(s, "TTL", ip->ttl);
		if (!wire_pr_has(l, 10))
			goto cut;
		fnamed(s, "Protocol", ip->proto, wire_pr_ipproto(ip->proto));
		if (!wire_pr_has(l, 12))
			goto cut;
		fcsum(s, ip->csum, ip->csum_st);
		if (!wire_pr_has(l, 16))
			goto cut;
		fip4(s, "Source IP", ip->src);
		if (!wire_pr_has(l, 20))
			goto cut;
		fip4(s, "Dest IP", ip->dst);
		if (ip->optlen) {
			fu(s, "Options length", ip->optlen);
			for (unsigned k = 0; k < ip->opt_n; k++) {
				const struct wire_opt o = d->ipopt[ip->opt_first + k];
				const char *n;
				switch (o.kind) {
				case 0: n = "EOL"; break;
				case 1: n = "NOP"; break;
				case 7: n = "RR"; break;
				case 68: n = "TS"; break;
				case 130: n = "SEC"; break;
				case 131: n = "LSRR"; break;
				case 137: n = "SSRR"; break;
				case 148: n = "RA"; break;
				default: n = NULL; break;
				}
				label(s, "Option");
				if (n)
					wire_sink_puts(s, n);
				else {
					S(s, "kind ");
					wire_pr_u(s, o.kind);
				}
				if (o.len > 1) {
					S(s, ", length ");
					wire_pr_u(s, o.len);
				}
				wire_sink_putc(s, '\n');
			}
			if (ip->opt_err)
				fs(s, "Option",
				   ip->opt_err == 1   ? "[|ip opt]"
				   : ip->opt_err == 2 ? "[bad opt]"
				                      : "[more options not kept]");
		}
		if (ip->gso)
			fs(s, "Note", "GSO/TSO super-packet (length not final)");
	}
cut:
	status(s, l);
	closing(s, 48);
}

static void ipv6(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_ipv6 *ip = &l->u.ip6;
	title(s, l, "IPV6_HEADER");
	if (wire_pr_has(l, 1)) {
		fu(s, "Version", 6);
		if (!wire_pr_has(l, 2))
			goto cut;
		fx(s, "Traffic class", ip->tc, 2);
		if (!wire_pr_has(l, 4))
			goto cut;
		fx(s, "Flow label", ip->flow, 5);
		if (!wire_pr_has(l, 6))
			goto cut;
		fu(s, "Payload length", ip->plen);
		if (!wire_pr_has(l, 7))
			goto cut;
		fnamed(s, "Next header", ip->nxt, wire_pr_ipproto(ip->nxt));
		if (!wire_pr_has(l, 8))
			goto cut;
		fu(s, "Hop limit", ip->hlim);
		if (!wire_pr_has(l, 24))
			goto cut;
		fip6(s, "Source IP", ip->src);
		if (!wire_pr_has(l, 40))
			goto cut;
		fip6(s, "Dest IP", ip->dst);
		if (ip->gso)
			fs(s, "Note", "GSO/TSO super-packet (length not final)");
	}
cut:
	status(s, l);
	closing(s, 48);
}

static void ip6ext(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_ip6ext *x = &l->u.ext;
	const char *name = x->type == 0    ? "HOP_BY_HOP_OPTIONS"
	                   : x->type == 43 ? "ROUTING_HEADER"
	                   : x->type == 44 ? "FRAGMENT_HEADER"
	                                   : "DESTINATION_OPTIONS";
	title(s, l, name);
	if (l->status != WIRE_LS_TRUNC) {
		fu(s, "Next header", x->nxt);
		fu(s, "Length", x->hlen);
		if (x->type == 43) {
			fu(s, "Routing type", x->rtype);
			fu(s, "Segments left", x->segleft);
		} else if (x->type == 44) {
			fu(s, "Offset", (uint32_t)x->frag_off * 8u);
			fu(s, "More fragments", x->frag_m);
			fx(s, "Identification", x->frag_id, 8);
		} else if (x->jumbo) {
			fu(s, "Jumbo payload", x->jumbo);
		}
	}
	status(s, l);
	closing(s, 48);
}

static void icmp(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_icmp *c = &l->u.icmp;
	title(s, l, "ICMP_HEADER");
	if (wire_pr_has(l, 1)) {
		const char *n = wire_pr_icmp_type(c->type);
		label(s, "Type");
		wire_pr_u(s, c->type);
		if (n) {
			S(s, " (");
			wire_sink_puts(s, n);
			wire_sink_putc(s, ')');
		}
		wire_sink_putc(s, '\n');
		if (!wire_pr_has(l, 2))
			goto cut;
		fu(s, "Code", c->code);
		if (!wire_pr_has(l, 4))
			goto cut;
		fcsum(s, c->csum, c->csum_st);
		if (!wire_pr_has(l, 8))
			goto cut;
		switch (c->type) {
		case 0:
		case 8:
		case 13:
		case 14:
		case 15:
		case 16:
		case 17:
		case 18:
			fu(s, "Identifier", c->id);
			fu(s, "Sequence", c->seq);
			break;
		case 3:
			if (c->code == 4)
				fu(s, "Next-hop MTU", c->seq);
			break;
		case 5: {
			uint8_t gw[4] = {(uint8_t)(c->rest >> 24), (uint8_t)(c->rest >> 16),
			                 (uint8_t)(c->rest >> 8), (uint8_t)c->rest};
			fip4(s, "Gateway", gw);
			break;
		}
		case 12: fu(s, "Pointer", c->rest >> 24); break;
		default: break;
		}
		fu(s, "Length", c->len);
	}
cut:
	status(s, l);
	closing(s, 48);
}

static void icmp6(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_icmp6 *c = &l->u.icmp6;
	title(s, l, "ICMPV6_HEADER");
	if (wire_pr_has(l, 1) || l->len) {
		const char *n = wire_pr_icmp6_type(c->type);
		label(s, "Type");
		wire_pr_u(s, c->type);
		if (n) {
			S(s, " (");
			wire_sink_puts(s, n);
			wire_sink_putc(s, ')');
		}
		wire_sink_putc(s, '\n');
		if (!wire_pr_has(l, 2) && !l->len)
			goto cut;
		fu(s, "Code", c->code);
		if (!wire_pr_has(l, 4) && !l->len)
			goto cut;
		fcsum(s, c->csum, c->csum_st);
		if (!wire_pr_has(l, 8) && !l->len)
			goto cut;
		if (c->type == 128 || c->type == 129) {
			fu(s, "Identifier", c->id);
			fu(s, "Sequence", c->seq);
		} else if (c->type == 2) {
			fu(s, "MTU", c->rest);
		} else if (c->type == 4) {
			fu(s, "Pointer", c->rest);
		} else if (c->type == 134) {
			fu(s, "Cur hop limit", c->ra_hlim);
			fx(s, "Flags", c->ra_flags, 2);
			fu(s, "Router lifetime", c->ra_life);
		} else if (c->type == 136) {
			fx(s, "Flags", c->rest >> 24, 2);
		}
		if (c->has_target)
			fip6(s, "Target", c->target);
		if (c->has_ll)
			fmac(s, c->ll_type == 1 ? "Source link addr" : "Target link addr", c->ll,
			     6);
		fu(s, "Length", c->len);
	}
cut:
	status(s, l);
	closing(s, 48);
}

/* One decoded TCP option line (values as found, even when the length is
 * wrong for the kind). */
static void tcp_opt(struct wire_sink *s, const struct wire_tcpopt *e)
{
	label(s, "Option");
	switch (e->kind) {
	case WIRE_TCPOPT_EOL: S(s, "eol"); break;
	case WIRE_TCPOPT_NOP: S(s, "nop"); break;
	case WIRE_TCPOPT_MSS:
		S(s, "mss ");
		wire_pr_u(s, e->v.mss);
		break;
	case WIRE_TCPOPT_WS:
		S(s, "wscale ");
		wire_pr_u(s, e->v.ws);
		break;
	case WIRE_TCPOPT_SACKOK: S(s, "sackOK"); break;
	case WIRE_TCPOPT_SACK:
		S(s, "sack");
		for (unsigned k = 0; k < e->n; k++) {
			S(s, " {");
			wire_pr_u(s, e->v.sack[2 * k]);
			wire_sink_putc(s, ':');
			wire_pr_u(s, e->v.sack[2 * k + 1]);
			wire_sink_putc(s, '}');
		}
		break;
	case WIRE_TCPOPT_TS:
		S(s, "TS val ");
		wire_pr_u(s, e->v.ts.val);
		S(s, " ecr ");
		wire_pr_u(s, e->v.ts.ecr);
		break;
	default:
		S(s, "kind ");
		wire_pr_u(s, e->kind);
		S(s, ", length ");
		wire_pr_u(s, e->len);
		break;
	}
	wire_sink_putc(s, '\n');
}

/* The analysis of the outer TCP segment, as tshark's [SEQ/ACK analysis]. */
static void tcp_analysis(struct wire_sink *s, const struct wire_tcpa_res *ta)
{
	if (!ta || !ta->flags)
		return;
	S(s, "[SEQ/ACK analysis]\n");
	for (unsigned k = 0; ta->flags >> k; k++) {
		if (!(ta->flags & (1u << k)))
			continue;
		label(s, "  [Flag]");
		wire_sink_puts(s, wire_tcpa_field(k));
		wire_sink_putc(s, '\n');
		if ((1u << k) == WIRE_TCPA_DUP_ACK)
			fu(s, "  [Dup ACK #]", ta->dupack);
	}
}

static void tcp(struct wire_sink *s, const struct wire_dissect *d, const struct wire_layer *l,
                const struct wire_tcpa_res *ta)
{
	const struct wire_tcp *t = &l->u.tcp;
	title(s, l, "TCP_HEADER");
	if (wire_pr_has(l, 2)) {
		fu(s, "Source port", t->sport);
		if (!wire_pr_has(l, 4))
			goto cut;
		fu(s, "Dest port", t->dport);
		if (!wire_pr_has(l, 8))
			goto cut;
		fu(s, "Sequence number", t->seq);
		if (!(l->quoted && t->doff == 0)) {
			if (!wire_pr_has(l, 12))
				goto cut;
			fu(s, "Ack number", t->ack);
			if (!wire_pr_has(l, 13))
				goto cut;
			fu(s, "Header length", t->doff);
			if (!wire_pr_has(l, 14))
				goto cut;
			label(s, "Flags");
			wire_pr_hex(s, t->flags, 3);
			S(s, " [");
			static const char *const fl[] = {"FIN", "SYN", "RST", "PSH", "ACK",
			                                 "URG", "ECE", "CWR", "AE"};
			int any = 0;
			for (unsigned b = 0; b < 9; b++) {
				if (!(t->flags & (1u << b)))
					continue;
				if (any)
					wire_sink_putc(s, ' ');
				wire_sink_puts(s, fl[b]);
				any = 1;
			}
			S(s, "]\n");
			if (!wire_pr_has(l, 16))
				goto cut;
			fu(s, "Window", t->win);
			if (!wire_pr_has(l, 18))
				goto cut;
			fcsum(s, t->csum, t->csum_st);
			if (!wire_pr_has(l, 20))
				goto cut;
			fu(s, "Urgent pointer", t->urp);
			for (unsigned k = 0; k < t->opt_n; k++)
				tcp_opt(s, &d->topt[t->opt_first + k]);
			if (t->opt_err)
				fs(s, "Option", t->opt_err == 1 ? "[|tcp opt]" : "[bad opt]");
			if (l->status != WIRE_LS_TRUNC)
				fu(s, "Payload length", t->paylen);
		}
	}
cut:
	tcp_analysis(s, ta); /* a header cut after its window is analysed too */
	status(s, l);
	closing(s, 48);
}

static void udp(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_udp *u = &l->u.udp;
	title(s, l, "UDP_HEADER");
	if (wire_pr_has(l, 2)) {
		fu(s, "Source port", u->sport);
		if (!wire_pr_has(l, 4))
			goto cut;
		fu(s, "Dest port", u->dport);
		if (!wire_pr_has(l, 6))
			goto cut;
		fu(s, "Length", u->ulen);
		if (!wire_pr_has(l, 8))
			goto cut;
		if (u->csum == 0 && u->csum_st == WIRE_CSUM_UNCHECKED)
			fs(s, "Checksum", "0000 (none)");
		else
			fcsum(s, u->csum, u->csum_st);
	}
cut:
	status(s, l);
	closing(s, 48);
}

/* Writes " " and name handle h of f. Returns 0 (nothing written) for none. */
static int dns_name_out(struct wire_sink *s, const struct wire_dns_msg *f, uint16_t h)
{
	const char *t = wire_dns_text(f, h);
	if (!t)
		return 0;
	wire_sink_putc(s, ' ');
	wire_sink_puts(s, t);
	return 1;
}

/* The rdata of a known type, dig style (nothing when it did not decode). */
static int dns_rdata(struct wire_sink *s, const struct wire_dns_msg *f,
                     const struct wire_dns_rec *c)
{
	switch (c->type) {
	case 1:
	case 28:
		if (c->rdok) {
			wire_sink_putc(s, ' ');
			if (c->type == 1)
				wire_pr_ip4(s, c->rd.a);
			else
				wire_pr_ip6(s, c->rd.aaaa);
		}
		return 1;
	case 2:
	case 5:
	case 12:
		if (c->rdok)
			dns_name_out(s, f, c->rd.target);
		return 1;
	case 15:
		if (c->rdok && c->rd.mx.name != WIRE_DNS_NONE) {
			wire_sink_putc(s, ' ');
			wire_pr_u(s, c->rd.mx.pref);
			dns_name_out(s, f, c->rd.mx.name);
		}
		return 1;
	case 16:
		for (unsigned k = 0; k < c->rd.txt.n; k++) {
			const struct wire_dns_txt *t = &f->txt[c->rd.txt.first + k];
			S(s, " \"");
			wire_sink_escaped(s, t->p, t->n);
			wire_sink_putc(s, '"');
		}
		return 1;
	case 6:
		dns_name_out(s, f, c->rd.soa.mname);
		dns_name_out(s, f, c->rd.soa.rname);
		for (unsigned k = 0; k < c->rd.soa.nnum; k++) {
			wire_sink_putc(s, ' ');
			wire_pr_u(s, c->rd.soa.num[k]);
		}
		return 1;
	case 33: /* priority weight port target, as a zone file has it */
		if (!c->rdok)
			return 0;
		wire_sink_putc(s, ' ');
		wire_pr_u(s, c->rd.srv.prio);
		wire_sink_putc(s, ' ');
		wire_pr_u(s, c->rd.srv.weight);
		wire_sink_putc(s, ' ');
		wire_pr_u(s, c->rd.srv.port);
		dns_name_out(s, f, c->rd.srv.target);
		return 1;
	case 257: /* flags tag "value" */
		if (!c->rdok)
			return 0;
		wire_sink_putc(s, ' ');
		wire_pr_u(s, c->rd.caa.flags);
		wire_sink_putc(s, ' ');
		wire_sink_escaped(s, c->rd.caa.tag, c->rd.caa.taglen);
		S(s, " \"");
		wire_sink_escaped(s, c->rd.caa.val, c->rd.caa.vallen);
		wire_sink_putc(s, '"');
		return 1;
	default: return 0;
	}
}

static void dns_rr_text(struct wire_sink *s, const struct wire_dns_msg *f,
                        const struct wire_dns_rec *c)
{
	const char *name = wire_dns_text(f, c->name);
	wire_sink_puts(s, name ? name : "");
	wire_sink_putc(s, ' ');
	if (c->section != WIRE_DNS_QD) {
		wire_pr_u(s, c->ttl);
		wire_sink_putc(s, ' ');
	}
	const char *tn = wire_dns_type_name(c->type);
	if (tn)
		wire_sink_puts(s, tn);
	else {
		S(s, "TYPE");
		wire_pr_u(s, c->type);
	}
	if (c->section == WIRE_DNS_QD || dns_rdata(s, f, c))
		return;
	S(s, " (");
	wire_pr_u(s, c->rdlen);
	S(s, " bytes)");
}

static void dns(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_dns *m = &l->u.dns;
	title(s, l, "DNS_MESSAGE");
	if (l->status != WIRE_LS_TRUNC || l->len) {
		static const char *const sect[] = {"Query", "Answer", "Authority", "Additional"};
		fx(s, "Transaction ID", m->id, 4);
		label(s, "Flags");
		wire_pr_hex(s, m->flags, 4);
		wire_sink_puts(s, (m->flags & 0x8000u) ? " (response, rcode " : " (query, opcode ");
		wire_pr_u(s, (m->flags & 0x8000u) ? m->flags & 15u : (m->flags >> 11) & 15u);
		S(s, ")\n");
		fu(s, "Questions", m->qd);
		fu(s, "Answer RRs", m->an);
		fu(s, "Authority RRs", m->ns);
		fu(s, "Additional RRs", m->ar);
		for (unsigned k = 0; m->f && k < m->f->n; k++) {
			label(s, sect[m->f->rec[k].section & 3u]);
			dns_rr_text(s, m->f, &m->f->rec[k]);
			wire_sink_putc(s, '\n');
		}
	}
	status(s, l);
	closing(s, 48);
}

static void http(struct wire_sink *s, const struct wire_dissect *d, const struct wire_layer *l)
{
	const struct wire_http *h = &l->u.http;
	title(s, l, "HTTP_MESSAGE");
	if (l->status == WIRE_LS_OK) {
		if (h->is_req) {
			fesc(s, "Method", h->method, h->method_len);
			fesc(s, "URI", h->uri, h->uri_len);
			fesc(s, "Version", h->ver, h->ver_len);
		} else {
			fesc(s, "Version", h->ver, h->ver_len);
			fu(s, "Status code", h->status);
			fesc(s, "Reason", h->reason, h->reason_len);
		}
		for (unsigned k = 0; k < h->hh_n; k++)
			fesc(s, "Header", d->hh[h->hh_first + k].line, d->hh[h->hh_first + k].len);
		if (h->hh_cut)
			fs(s, "Header", "[more lines not kept]");
	}
	status(s, l);
	closing(s, 48);
}

static void dhcp(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_dhcp *m = &l->u.dhcp;
	title(s, l, "DHCP_MESSAGE");
	if (l->status != WIRE_LS_TRUNC) {
		fu(s, "Op", m->op);
		fx(s, "Hardware type", m->htype, 2);
		fx(s, "Hardware size", m->hlen, 2);
		fu(s, "Hops", m->hops);
		fx(s, "Transaction ID", m->xid, 8);
		fu(s, "Seconds", m->secs);
		fx(s, "Flags", m->flags, 4);
		fip4(s, "Client IP", m->ciaddr);
		fip4(s, "Your IP", m->yiaddr);
		fip4(s, "Server IP", m->siaddr);
		fip4(s, "Relay IP", m->giaddr);
		fmac(s, "Client MAC", m->chaddr, m->hlen <= 16 ? m->hlen : 16);
		if (m->msgtype) {
			const char *t = wire_pr_dhcp_type(m->msgtype);
			label(s, "Message type");
			wire_pr_u(s, m->msgtype);
			if (t) {
				S(s, " (");
				wire_sink_puts(s, t);
				wire_sink_putc(s, ')');
			}
			wire_sink_putc(s, '\n');
		}
	}
	status(s, l);
	closing(s, 48);
}

static void tls(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_tls *t = &l->u.tls;
	title(s, l, "TLS_RECORD");
	if (l->status != WIRE_LS_TRUNC) {
		fnamed(s, "Content type", t->ctype, wire_tls_ctype_name(t->ctype));
		fx(s, "Version", t->version, 4);
		if (t->ctype == 22)
			fnamed(s, "Handshake type", t->hs_type, wire_tls_hs_name(t->hs_type));
		if (t->hs_version)
			fx(s, "Hello version", t->hs_version, 4);
		if (t->sni)
			fesc(s, "Server name", t->sni, t->sni_len);
	}
	status(s, l);
	closing(s, 48);
}

static void vxlan(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_vxlan *v = &l->u.vxlan;
	title(s, l, "VXLAN_HEADER");
	if (l->status != WIRE_LS_TRUNC) {
		label(s, "Flags");
		wire_pr_hex(s, v->flags, 4);
		wire_sink_puts(s, (v->flags & 0x0800u) ? " (VNI valid)\n" : "\n");
		fu(s, "Group policy ID", v->gbp);
		fu(s, "VNI", v->vni);
	}
	status(s, l);
	closing(s, 48);
}

static void geneve(struct wire_sink *s, const struct wire_layer *l)
{
	const struct wire_geneve *g = &l->u.geneve;
	title(s, l, "GENEVE_HEADER");
	if (l->len) {
		fu(s, "Version", g->ver);
		fu(s, "Options length", g->optlen);
		label(s, "Flags");
		wire_pr_hex(s, g->flags, 2);
		wire_sink_puts(s, (g->flags & 0x80u) ? " OAM" : "");
		wire_sink_puts(s, (g->flags & 0x40u) ? " critical\n" : "\n");
		fx(s, "Protocol type", g->proto, 4);
		fx(s, "VNI", g->vni, 6);
	}
	for (unsigned k = 0; k < g->opt_n; k++) {
		label(s, "Option");
		wire_sink_printf(s, "class %04x type %02x%s length %u\n", (unsigned)g->opt[k].cls,
		                 (unsigned)g->opt[k].type,
		                 g->opt[k].type & 0x80u ? " (critical)" : "",
		                 (unsigned)g->opt[k].len);
	}
	if (g->opt_more)
		fu(s, "More options", g->opt_more);
	status(s, l);
	closing(s, 48);
}

static void link_other(struct wire_sink *s, const struct wire_layer *l)
{
	if (l->kind == WIRE_L_VLAN) {
		const struct wire_vlan *v = &l->u.vlan;
		title(s, l, "VLAN_TAG");
		if (l->status != WIRE_LS_TRUNC) {
			fx(s, "TPID", v->tpid, 4);
			fu(s, "Priority", v->tci >> 13);
			fu(s, "DEI", (v->tci >> 12) & 1u);
			fu(s, "VLAN ID", v->tci & 0xfffu);
			fx(s, "Type", v->type, 4);
		}
	} else if (l->kind == WIRE_L_SLL) {
		const struct wire_sll *c = &l->u.sll;
		title(s, l, c->version == 2 ? "LINUX_COOKED_V2" : "LINUX_COOKED");
		if (l->status != WIRE_LS_TRUNC) {
			static const char *const pt[] = {"to us", "broadcast", "multicast",
			                                 "to another host", "sent by us"};
			label(s, "Packet type");
			wire_pr_u(s, c->pkttype);
			if (c->pkttype < 5) {
				S(s, " (");
				wire_sink_puts(s, pt[c->pkttype]);
				wire_sink_putc(s, ')');
			}
			wire_sink_putc(s, '\n');
			fx(s, "ARPHRD type", c->hatype, 4);
			fmac(s, "Address", c->addr, c->halen);
			fx(s, "Protocol", c->proto, 4);
			if (c->version == 2)
				fu(s, "Interface index", c->ifindex);
		}
	} else {
		title(s, l, "LOOPBACK");
		if (l->status != WIRE_LS_TRUNC)
			fu(s, "Family", l->u.null.family);
	}
	status(s, l);
	closing(s, 48);
}

/* After the fragment's own IP block: what the frame completes (the blocks
 * that follow are the reassembled datagram's). */
static void reassembled(struct wire_sink *s, const struct wire_dissect *d)
{
	struct wire_layer pl;
	pl.quoted = 0;
	title(s, &pl, d->l[d->ip].kind == WIRE_L_IPV6 ? "IPV6_REASSEMBLED" : "IP_REASSEMBLED");
	fu(s, "Fragments", d->re_nfrags);
	fu(s, "Length", d->re_len);
	closing(s, 48);
}

void wire_pr_tree(struct wire_printer *p, const struct wire_dissect *d)
{
	struct wire_sink *s = p->out;
	wire_pr_line(p, d);
	for (unsigned i = 0; i < d->n; i++) {
		const struct wire_layer *l = &d->l[i];
		switch (l->kind) {
		case WIRE_L_ETH: eth(s, l); break;
		case WIRE_L_ARP: arp(s, l); break;
		case WIRE_L_IPV4: ipv4(s, d, l); break;
		case WIRE_L_IPV6: ipv6(s, l); break;
		case WIRE_L_IP6EXT: ip6ext(s, l); break;
		case WIRE_L_ICMP: icmp(s, l); break;
		case WIRE_L_ICMP6: icmp6(s, l); break;
		case WIRE_L_TCP: tcp(s, d, l, (int)i == p->ta_at ? &p->ta : NULL); break;
		case WIRE_L_UDP: udp(s, l); break;
		case WIRE_L_DNS: dns(s, l); break;
		case WIRE_L_HTTP: http(s, d, l); break;
		case WIRE_L_DHCP: dhcp(s, l); break;
		case WIRE_L_TLS: tls(s, l); break;
		case WIRE_L_VXLAN: vxlan(s, l); break;
		case WIRE_L_GENEVE: geneve(s, l); break;
		default: link_other(s, l); break;
		}
		if (d->re && i + 1 == d->re_from)
			reassembled(s, d);
	}
	if (d->rest_len > 0 && d->bad < 0) {
		struct wire_layer pl;
		pl.quoted = 0;
		title(s, &pl, "PAYLOAD");
		fu(s, "Length", d->rest_len);
		closing(s, 48);
	}
}
