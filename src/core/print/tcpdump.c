/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What tcpdump's print flags add to the one-line view (line.c and printer.c
 * call in here), in tcpdump 4.99's words and layout:
 *   -e      the link-level header first: "src > dst, ethertype IPv4 (0x0800),
 *           length 48: " (cooked: " In addr ethertype ...", loopback: "AF IPv4
 *           (2), length 33: ", raw IP: "ip: "); the protocol name that the
 *           header already gave ("IP ", "ARP, ") is then left out.
 *   -v -vv  the IP header in parentheses, "(tos 0x0, ttl 64, id 1, offset 0,
 *           flags [DF], proto UDP (17), length 34)" then a new line for IPv4,
 *           "(hlim 64, next-header UDP (17) payload length: 14) " for IPv6; the
 *           TCP checksum ("cksum 0x9fb8 (correct)"); with -vv (IPv6: -v) the
 *           UDP one ("[udp sum ok] ").
 *   -x -X -A  the packet bytes from the network layer (-xx -XX: from the
 *           link layer) as hex, hex and ASCII, or text.
 * Nothing from the packet reaches the output unescaped: -A shows printable
 * ASCII and '\n', every other byte as '.' (a CR before LF is dropped, as
 * tcpdump does).
 */
#include <string.h>

#include "pr.h"

#define S(s, lit) wire_sink_write((s), "" lit, sizeof(lit) - 1)

/* v in hex with as few digits as it needs (tcpdump's %x). */
static void hexmin(struct wire_sink *s, uint32_t v)
{
	unsigned digits = 1;
	while (digits < 8 && (v >> (4 * digits)))
		digits++;
	wire_pr_hex(s, v, digits);
}

/* tcpdump's ethertype_values, for the types it names most often. */
static const char *ethertype_name(uint16_t t)
{
	switch (t) {
	case 0x0800: return "IPv4";
	case 0x0806: return "ARP";
	case 0x8035: return "Reverse ARP";
	case 0x86dd: return "IPv6";
	case 0x8100: return "802.1Q";
	case 0x88a8: return "802.1Q-QinQ";
	case 0x9100: return "802.1Q-9100";
	case 0x88cc: return "LLDP";
	case 0x8863: return "PPPoE D";
	case 0x8864: return "PPPoE S";
	case 0x8847: return "MPLS unicast";
	case 0x8848: return "MPLS multicast";
	case 0x888e: return "EAPOL";
	case 0x8809: return "Slow Protocols";
	case 0x9000: return "Loopback";
	case 0x6558: return "TEB";
	default: return "Unknown";
	}
}

void wire_pr_ethertype_named(const struct wire_print_opts *o, struct wire_sink *s, uint16_t type)
{
	const char *n = ethertype_name(type);
	if (type < 0x0600) {
		S(s, "802.3");
		return;
	}
	if (o->quiet) { /* tcpdump -q: the name alone */
		wire_sink_puts(s, n);
		if (!strcmp(n, "Unknown")) {
			S(s, " Ethertype (");
			wire_pr_0x(s, type, 4);
			wire_sink_putc(s, ')');
		}
		return;
	}
	S(s, "ethertype ");
	wire_sink_puts(s, n);
	S(s, " (");
	wire_pr_0x(s, type, 4);
	wire_sink_putc(s, ')');
}

static void sll_head(const struct wire_print_opts *o, struct wire_sink *s, const struct wire_sll *l)
{
	static const char *const dir[] = {" In", "  B", "  M", "  P", "Out"};
	if (l->version == 2) {
		S(s, "ifindex ");
		wire_pr_u(s, l->ifindex);
		wire_sink_putc(s, ' ');
	} else {
		wire_sink_puts(s, l->pkttype < 5 ? dir[l->pkttype] : "  ?");
		wire_sink_putc(s, ' ');
	}
	if (l->halen == 6) {
		wire_pr_mac(s, l->addr, 6, ':');
		wire_sink_putc(s, ' ');
	}
	if (!o->quiet)
		wire_pr_ethertype_named(o, s, l->proto);
}

/* "AF IPv4 (2)"; with -q "IPv4", "Unknown AF 99". */
static void null_head(const struct wire_print_opts *o, struct wire_sink *s, uint32_t family)
{
	int q = o->quiet;
	const char *n = family == 2                                                      ? "IPv4"
	                : (family == 24 || family == 28 || family == 30 || family == 10) ? "IPv6"
	                                                                                 : NULL;
	if (q && !n) {
		S(s, "Unknown AF ");
		wire_pr_u(s, family);
		return;
	}
	if (!q)
		S(s, "AF ");
	wire_sink_puts(s, n ? n : "Unknown");
	if (!q) {
		S(s, " (");
		wire_pr_u(s, family);
		wire_sink_putc(s, ')');
	}
}

void wire_pr_linkhdr(const struct wire_print_opts *o, struct wire_sink *s,
                     const struct wire_dissect *d)
{
	const struct wire_layer *l = d->n ? &d->l[0] : NULL;
	if (d->pkt->linktype == WIRE_LINK_RAW) {
		S(s, "ip: ");
		return;
	}
	if (!l || l->status != WIRE_LS_OK)
		return;
	switch (l->kind) {
	case WIRE_L_ETH:
		wire_pr_mac(s, l->u.eth.src, 6, ':');
		S(s, " > ");
		wire_pr_mac(s, l->u.eth.dst, 6, ':');
		S(s, ", ");
		wire_pr_ethertype_named(o, s, l->u.eth.type);
		break;
	case WIRE_L_SLL:
		sll_head(o, s, &l->u.sll);
		if (o->quiet)
			return; /* tcpdump -q -e: no protocol, no length */
		break;
	case WIRE_L_NULL: null_head(o, s, l->u.null.family); break;
	default: return;
	}
	S(s, ", length ");
	/* an 802.3 frame: its length field, as tcpdump */
	if (l->kind == WIRE_L_ETH && l->u.eth.type < 0x0600)
		wire_pr_u(s, l->u.eth.type);
	else
		wire_pr_u(s, d->pkt->wirelen);
	S(s, ": ");
}

void wire_pr_inner_eth(const struct wire_print_opts *o, struct wire_sink *s,
                       const struct wire_dissect *d, unsigned i)
{
	const struct wire_layer *l = &d->l[i];
	uint32_t w = d->pkt->wirelen;
	wire_pr_mac(s, l->u.eth.src, 6, ':');
	S(s, " > ");
	wire_pr_mac(s, l->u.eth.dst, 6, ':');
	S(s, ", ");
	wire_pr_ethertype_named(o, s, l->u.eth.type);
	S(s, ", length ");
	wire_pr_u(s, l->u.eth.type < 0x0600 ? l->u.eth.type : w > l->off ? w - l->off : 0);
	S(s, ": ");
}

void wire_pr_geneve_proto(struct wire_sink *s, uint16_t proto)
{
	const char *n = ethertype_name(proto);
	S(s, ", proto ");
	wire_sink_puts(s, strcmp(n, "Unknown") ? n : "unknown");
	S(s, " (");
	wire_pr_0x(s, proto, 4);
	wire_sink_putc(s, ')');
}

int wire_pr_e_said_proto(const struct wire_print_opts *o, const struct wire_dissect *d, unsigned i)
{
	if (!o->link_hdr || d->l[i].quoted)
		return 0;
	if (i == 0)
		return d->pkt->linktype == WIRE_LINK_RAW;
	unsigned k = d->l[i - 1].kind;
	return k == WIRE_L_ETH || k == WIRE_L_VLAN || k == WIRE_L_SLL || k == WIRE_L_NULL ||
	       k == WIRE_L_GENEVE; /* tcpdump -e names no protocol after Geneve's either */
}

/* tcpdump's ipproto_values. */
static const char *ipproto_name(uint8_t p)
{
	switch (p) {
	case 0: return "Options";
	case 8: return "EGP";
	case 9: return "IGRP";
	case 33: return "DCCP";
	case 46: return "RSVP";
	case 58: return "ICMPv6";
	case 43:
	case 44:
	case 1:
	case 2:
	case 4:
	case 6:
	case 17:
	case 41:
	case 47:
	case 50:
	case 51:
	case 88:
	case 89:
	case 103:
	case 112:
	case 132: return wire_pr_ipproto(p);
	default: return "unknown";
	}
}

static void proto_named(struct wire_sink *s, uint8_t p)
{
	wire_sink_puts(s, ipproto_name(p));
	S(s, " (");
	wire_pr_u(s, p);
	wire_sink_putc(s, ')');
}

/* tcpdump's in_cksum_shouldbe: the checksum field that would have verified,
 * from the field and the folded sum computed over the data holding it. */
static uint16_t shouldbe(uint16_t field, uint16_t computed)
{
	uint32_t v = (uint32_t)field + computed;
	v = (v & 0xffffu) + (v >> 16);
	v = (v & 0xffffu) + (v >> 16);
	return (uint16_t)v;
}

static void ip4_flags(struct wire_sink *s, uint16_t frag)
{
	int n = 0;
	S(s, ", flags [");
	if (frag & 0x2000u) {
		S(s, "+");
		n++;
	}
	if (frag & 0x4000u) {
		if (n++)
			S(s, ", ");
		S(s, "DF");
	}
	if (frag & 0x8000u) {
		if (n++)
			S(s, ", ");
		S(s, "rsvd");
	}
	if (!n)
		S(s, "none");
	wire_sink_putc(s, ']');
}

/* RR, LSRR, SSRR: the addresses, a ',' after those the pointer has passed
 * (tcpdump's ip_printroute). */
static void ip4_route(struct wire_sink *s, const struct wire_opt *o)
{
	unsigned ptr = o->len >= 3 ? o->data[0] : 0;
	if (o->len < 3 || ((o->len + 1u) & 3u)) {
		S(s, " [bad length ");
		wire_pr_u(s, o->len);
		wire_sink_putc(s, ']');
		return;
	}
	if (ptr < 4 || (ptr & 3u) || ptr > o->len + 2u) {
		S(s, " [bad ptr ");
		wire_pr_u(s, ptr);
		wire_sink_putc(s, ']');
	}
	for (unsigned k = 3; k + 4 <= o->len; k += 4) {
		wire_sink_putc(s, ' ');
		wire_pr_ip4(s, o->data + k - 2);
		if (ptr - 1 > k)
			wire_sink_putc(s, ',');
	}
}

static void ip4_options(struct wire_sink *s, const struct wire_dissect *d,
                        const struct wire_ipv4 *ip)
{
	int first = 1;
	S(s, ", options (");
	for (unsigned k = 0; k < ip->opt_n; k++) {
		const struct wire_opt o = d->ipopt[ip->opt_first + k];
		if (!first)
			wire_sink_putc(s, ',');
		first = 0;
		switch (o.kind) {
		case 0: S(s, "EOL"); break;
		case 1: S(s, "NOP"); break;
		case 7:
			S(s, "RR");
			ip4_route(s, &o);
			break;
		case 68: S(s, "TS"); break;
		case 130: S(s, "SEC"); break;
		case 131:
			S(s, "LSRR");
			ip4_route(s, &o);
			break;
		case 137:
			S(s, "SSRR");
			ip4_route(s, &o);
			break;
		case 148: S(s, "RA"); break;
		default:
			S(s, "unknown ");
			wire_pr_u(s, o.kind);
			break;
		}
	}
	if (ip->opt_err == 1 || ip->opt_err == 2)
		wire_sink_puts(s, first ? "[bad opt]" : ",[bad opt]");
	wire_sink_putc(s, ')');
}

static void ip4_verbose(struct wire_sink *s, const struct wire_dissect *d, unsigned i)
{
	const struct wire_layer *l = &d->l[i];
	const struct wire_ipv4 *ip = &l->u.ip4;
	static const char *const ecn[] = {"", ",ECT(1)", ",ECT(0)", ",CE"};
	S(s, "(tos 0x");
	hexmin(s, ip->tos);
	wire_sink_puts(s, ecn[ip->tos & 3u]);
	if (ip->ttl >= 1) {
		S(s, ", ttl ");
		wire_pr_u(s, ip->ttl);
	}
	S(s, ", id ");
	wire_pr_u(s, ip->id);
	S(s, ", offset ");
	wire_pr_u(s, (uint32_t)(ip->frag & 0x1fffu) * 8u);
	ip4_flags(s, ip->frag);
	S(s, ", proto ");
	proto_named(s, ip->proto);
	S(s, ", length ");
	wire_pr_u(s, ip->len);
	if (ip->optlen)
		ip4_options(s, d, ip);
	if (ip->csum_st == WIRE_CSUM_BAD && l->off + ip->ihl <= d->pkt->caplen) {
		uint16_t c = wire_csum_fold(wire_csum_add(0, d->pkt->data + l->off, ip->ihl));
		S(s, ", bad cksum ");
		hexmin(s, ip->csum);
		S(s, " (->");
		hexmin(s, shouldbe(ip->csum, c));
		S(s, ")!");
	}
	S(s, ")\n    ");
}

static void ip6_verbose(struct wire_sink *s, const struct wire_ipv6 *ip)
{
	wire_sink_putc(s, '(');
	if (ip->tc) {
		S(s, "class ");
		wire_pr_0x(s, ip->tc, 2);
		S(s, ", ");
	}
	if (ip->flow & 0xfffffu) {
		S(s, "flowlabel ");
		wire_pr_0x(s, ip->flow & 0xfffffu, 5);
		S(s, ", ");
	}
	S(s, "hlim ");
	wire_pr_u(s, ip->hlim);
	S(s, ", next-header ");
	proto_named(s, ip->nxt);
	S(s, " payload length: ");
	wire_pr_u(s, ip->plen);
	S(s, ") ");
}

void wire_pr_ip_verbose(const struct wire_print_opts *o, struct wire_sink *s,
                        const struct wire_dissect *d, unsigned i)
{
	const struct wire_layer *l = &d->l[i];
	if (!o->verbose || l->quoted || l->status != WIRE_LS_OK)
		return;
	if (l->kind == WIRE_L_IPV4)
		ip4_verbose(s, d, i);
	else if (l->kind == WIRE_L_IPV6)
		ip6_verbose(s, &l->u.ip6);
}

/* The folded sum over the pseudo-header and n bytes of segment at layer i,
 * or -1 when they are not all captured. */
static int l4_fold(const struct wire_dissect *d, unsigned i, uint8_t proto, uint32_t n)
{
	return wire_csum_l4_sum(d, &d->l[i], proto, n);
}

void wire_pr_tcp_cksum(struct wire_sink *s, const struct wire_dissect *d, unsigned i)
{
	const struct wire_tcp *t = &d->l[i].u.tcp;
	if (t->csum_st == WIRE_CSUM_UNCHECKED)
		return;
	S(s, ", cksum ");
	wire_pr_0x(s, t->csum, 4);
	if (t->csum_st == WIRE_CSUM_OK) {
		S(s, " (correct)");
	} else if (t->csum_st == WIRE_CSUM_BAD) {
		int c = l4_fold(d, i, 6, (uint32_t)t->doff + t->paylen);
		S(s, " (incorrect");
		if (c >= 0) {
			S(s, " -> ");
			wire_pr_0x(s, shouldbe(t->csum, (uint16_t)c), 4);
		}
		wire_sink_putc(s, ')');
	} else {
		S(s, " (offloaded)");
	}
}

/* "[udp sum ok] ", "[bad udp cksum 0x1f37 -> 0x0e26!] " as tcpdump. */
static void sum_tag(struct wire_sink *s, const struct wire_dissect *d, unsigned i, const char *what,
                    uint8_t st, uint16_t csum, uint8_t proto, uint32_t n)
{
	if (st == WIRE_CSUM_OK) {
		wire_sink_putc(s, '[');
		wire_sink_puts(s, what);
		S(s, " sum ok] ");
	} else if (st == WIRE_CSUM_BAD) {
		int c = l4_fold(d, i, proto, n);
		S(s, "[bad ");
		wire_sink_puts(s, what);
		S(s, " cksum ");
		wire_pr_0x(s, csum, 4);
		if (c >= 0) {
			S(s, " -> ");
			wire_pr_0x(s, shouldbe(csum, (uint16_t)c), 4);
		}
		S(s, "!] ");
	} else if (st != WIRE_CSUM_UNCHECKED) {
		wire_sink_putc(s, '[');
		wire_sink_puts(s, what);
		S(s, " sum offloaded] ");
	}
}

void wire_pr_icmp6_cksum(struct wire_sink *s, const struct wire_dissect *d, unsigned i)
{
	const struct wire_icmp6 *c = &d->l[i].u.icmp6;
	if (d->l[i].status == WIRE_LS_OK)
		sum_tag(s, d, i, "icmp6", c->csum_st, c->csum, 58, c->len);
}

void wire_pr_udp_cksum(const struct wire_print_opts *o, struct wire_sink *s,
                       const struct wire_dissect *d, unsigned i)
{
	const struct wire_udp *u = &d->l[i].u.udp;
	int v4 = i > 0 && d->l[i - 1].kind == WIRE_L_IPV4;
	if (d->l[i].quoted || (v4 && o->verbose < 2))
		return;
	if (v4 && u->csum == 0)
		S(s, "[no cksum] ");
	else
		sum_tag(s, d, i, "udp", u->csum_st, u->csum, 17, 8u + u->paylen);
}

int wire_pr_v_said_bad(const struct wire_print_opts *o, const struct wire_dissect *d, unsigned i)
{
	const struct wire_layer *l = &d->l[i];
	int v = o->verbose;
	if (!v || l->quoted)
		return 0;
	switch (l->kind) {
	case WIRE_L_IPV4: return l->u.ip4.csum_st == WIRE_CSUM_BAD;
	case WIRE_L_TCP: return l->u.tcp.csum_st == WIRE_CSUM_BAD;
	case WIRE_L_ICMP6: return l->u.icmp6.csum_st == WIRE_CSUM_BAD && l->status == WIRE_LS_OK;
	case WIRE_L_UDP:
		return l->u.udp.csum_st == WIRE_CSUM_BAD &&
		       (v > 1 || (i > 0 && d->l[i - 1].kind == WIRE_L_IPV6));
	default: return 0;
	}
}

/* The length of an 802.2 LLC header (and SNAP) at b, as tcpdump skips it
 * before -x and -A of an 802.3 frame. */
static size_t llc_len(const uint8_t *b, size_t n)
{
	if (n < 3)
		return 0;
	size_t k = (b[2] & 3u) == 3u ? 3 : 4;
	if (b[0] == 0xaa && b[1] == 0xaa && b[2] == 0x03)
		k += 5;
	return k <= n ? k : 0;
}

size_t wire_pr_netoff(const struct wire_dissect *d)
{
	const struct wire_pkt *pkt = d->pkt;
	size_t off = 0;
	for (unsigned i = 0; i < d->n; i++) {
		const struct wire_layer *l = &d->l[i];
		unsigned k = l->kind;
		if (k != WIRE_L_ETH && k != WIRE_L_VLAN && k != WIRE_L_SLL && k != WIRE_L_NULL)
			return l->off;
		off = (size_t)l->off + l->len;
		uint16_t type = k == WIRE_L_ETH    ? l->u.eth.type
		                : k == WIRE_L_VLAN ? l->u.vlan.type
		                                   : 0xffff;
		if (i + 1 == d->n && type < 0x0600 && off < pkt->caplen)
			off += llc_len(pkt->data + off, pkt->caplen - off);
	}
	return off;
}

/* -A: printable ASCII and '\n' as they are, any other byte as '.', except a
 * CR, which tcpdump prints as '.' only when at least two bytes follow and the
 * next is not '\n' (else nothing). */
static void text_dump(struct wire_sink *s, const uint8_t *b, size_t n)
{
	char buf[256];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = b[i];
		if (c == '\r' && (n - i - 1 <= 1 || b[i + 1] == '\n'))
			continue;
		buf[k++] = (c == '\n' || (c >= 0x20 && c < 0x7f)) ? (char)c : '.';
		if (k == sizeof(buf)) {
			wire_sink_write(s, buf, k);
			k = 0;
		}
	}
	buf[k++] = '\n';
	wire_sink_write(s, buf, k);
}

void wire_pr_dumps(struct wire_printer *p, const struct wire_dissect *d)
{
	const struct wire_pkt *pkt = d->pkt;
	int level = p->o.hex ? p->o.hex : p->o.xhex ? p->o.xhex : p->o.ascii;
	size_t off = level > 1 ? 0 : wire_pr_netoff(d);
	/* nothing after a link header cut short: its bytes, as tcpdump shows
	 * a packet it could not decode */
	if (off >= pkt->caplen || (d->n && d->l[0].status != WIRE_LS_OK))
		off = 0;
	if (!pkt->data || off >= pkt->caplen)
		return;
	if (p->o.hex)
		wire_pr_hexlines(p->out, pkt->data + off, pkt->caplen - off, 1);
	else if (p->o.xhex)
		wire_pr_hexlines(p->out, pkt->data + off, pkt->caplen - off, 0);
	else
		text_dump(p->out, pkt->data + off, pkt->caplen - off);
}
