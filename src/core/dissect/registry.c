/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The dissector registry and the dissect loop. One explicit table maps
 * (link type | ethertype | IP protocol | UDP/TCP port) to a dissector; the loop
 * runs dissectors one after another over a bounded reader that each narrows
 * to what its header claims, up to WIRE_DISSECT_DEPTH_MAX layers (which also
 * bounds tunnels in tunnels: VXLAN and Geneve take 4 layers each). Also here:
 * the helpers every dissector shares (layer marks, Internet checksum, the
 * TLV option walker used by TCP and IPv4).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire/dissect.h"

struct entry {
	uint8_t kind;
	uint32_t val;
	const struct wire_proto *p;
};

/* The most frequent first: find() walks it in order. */
static const struct entry table[] = {
    {WIRE_NEXT_ETHERTYPE, 0x0800, &wire_proto_ipv4},
    {WIRE_NEXT_IPPROTO, 6, &wire_proto_tcp},
    {WIRE_NEXT_IPPROTO, 17, &wire_proto_udp},
    {WIRE_NEXT_ETHERTYPE, 0x86dd, &wire_proto_ipv6},
    {WIRE_NEXT_ETHERTYPE, 0x0806, &wire_proto_arp},
    {WIRE_NEXT_ETHERTYPE, 0x8100, &wire_proto_vlan},
    {WIRE_NEXT_ETHERTYPE, 0x88a8, &wire_proto_vlan},
    {WIRE_NEXT_ETHERTYPE, 0x9100, &wire_proto_vlan},
    {WIRE_NEXT_IPPROTO, 1, &wire_proto_icmp},
    {WIRE_NEXT_IPPROTO, 4, &wire_proto_ipv4},
    {WIRE_NEXT_IPPROTO, 41, &wire_proto_ipv6},
    {WIRE_NEXT_IPPROTO, 58, &wire_proto_icmp6},
    {WIRE_NEXT_UDP, 53, &wire_proto_dns},
    {WIRE_NEXT_UDP, 5353, &wire_proto_dns},
    {WIRE_NEXT_UDP, 5355, &wire_proto_dns},
    {WIRE_NEXT_UDP, 67, &wire_proto_dhcp},
    {WIRE_NEXT_UDP, 68, &wire_proto_dhcp},
    {WIRE_NEXT_TCP, 53, &wire_proto_dns},
    {WIRE_NEXT_UDP, 4789, &wire_proto_vxlan},
    {WIRE_NEXT_UDP, 6081, &wire_proto_geneve},
    {WIRE_NEXT_LAYER, WIRE_L_ETH, &wire_proto_eth},
    {WIRE_NEXT_LAYER, WIRE_L_IP6EXT, &wire_proto_ip6ext},
    {WIRE_NEXT_LAYER, WIRE_L_HTTP, &wire_proto_http},
    {WIRE_NEXT_LAYER, WIRE_L_TLS, &wire_proto_tls},
};

static const struct wire_proto *find(uint8_t kind, uint32_t val)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].kind == kind && table[i].val == val)
			return table[i].p;
	return NULL;
}

/* The table's ports, so that most TCP and UDP packets (no dissector for
 * either port) need no walk of it. */
static int known_port(uint32_t port)
{
	switch (port) {
	case 53:
	case 67:
	case 68:
	case 5353:
	case 5355:
	case 4789:
	case 6081: return 1;
	default: return 0;
	}
}

const struct wire_proto *wire_registry_lookup(enum wire_next kind, uint32_t val)
{
	if (kind == WIRE_NEXT_UDP || kind == WIRE_NEXT_TCP) {
		const struct wire_proto *p =
		    known_port(val & 0xffffu) ? find((uint8_t)kind, val & 0xffffu) : NULL;
		return p || !known_port(val >> 16) ? p : find((uint8_t)kind, val >> 16);
	}
	return find((uint8_t)kind, val);
}

const struct wire_proto *wire_registry_link(int linktype)
{
	switch (linktype) {
	case WIRE_LINK_ETHERNET: return &wire_proto_eth;
	case WIRE_LINK_NULL:
	case WIRE_LINK_LOOP: return &wire_proto_null;
	case WIRE_LINK_LINUX_SLL:
	case WIRE_LINK_LINUX_SLL2: return &wire_proto_sll;
	case WIRE_LINK_RAW:
	case WIRE_LINK_IPV4:
	case WIRE_LINK_IPV6:
	case 12: /* DLT_RAW values that some savefiles carry */
	case 14: return &wire_proto_raw;
	default: return NULL;
	}
}

static int starts(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && memcmp(p, s, k) == 0;
}

/* Returns 1 when a TCP payload looks like the start of an HTTP/1.x message. */
static int looks_http(const uint8_t *p, size_t n)
{
	static const char *const m[] = {"GET ",     "POST ",  "HEAD ",    "PUT ",   "DELETE ",
	                                "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ", "HTTP/1."};
	if (n == 0 || !memchr("GPHDOCT", p[0], 7))
		return 0; /* no method or version starts so: skip the comparisons */
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (starts(p, n, m[i]))
			return 1;
	return 0;
}

/* Payload-based guesses for TCP: HTTP on any port, TLS handshakes. */
static const struct wire_proto *guess_tcp(const struct wire_rd *r, uint32_t ports, uint32_t claim)
{
	size_t n = wire_rd_left(r);
	if (n == 0) /* nothing captured: only a port can say what it was */
		return claim ? wire_registry_lookup(WIRE_NEXT_TCP, ports) : NULL;
	if (looks_http(r->p, n))
		return &wire_proto_http;
	if (n >= 3 && r->p[0] == 0x16 && r->p[1] == 0x03 && r->p[2] <= 4)
		return &wire_proto_tls;
	if (n >= 3 && r->p[0] >= 20 && r->p[0] <= 24 && r->p[1] == 3 &&
	    ((ports & 0xffffu) == 443 || (ports >> 16) == 443))
		return &wire_proto_tls;
	return wire_registry_lookup(WIRE_NEXT_TCP, ports);
}

const char *wire_layer_name(unsigned kind)
{
	static const char *const names[] = {"eth",  "vlan",    "sll",  "null",   "arp",   "ip",
	                                    "ipv6", "ipv6ext", "icmp", "icmpv6", "tcp",   "udp",
	                                    "dns",  "http",    "dhcp", "tls",    "vxlan", "geneve"};
	_Static_assert(sizeof(names) / sizeof(names[0]) == WIRE_L_COUNT, "a name per layer kind");
	return kind < WIRE_L_COUNT ? names[kind] : "?";
}

unsigned wire_dissect(struct wire_dissect *d, const struct wire_pkt *pkt)
{
	return wire_dissect_ex(d, pkt, NULL);
}

unsigned wire_dissect_ex(struct wire_dissect *d, const struct wire_pkt *pkt,
                         struct wire_dns_msg *dns)
{
	struct wire_rd r = wire_rd_init0(pkt->data, pkt->caplen);
	const struct wire_proto *p = wire_registry_link(pkt->linktype);
	uint8_t quoted = 0, tunnel = 0;

	d->pkt = pkt;
	d->n = 0;
	if (!pkt->data)
		p = NULL;
	d->bad = -1;
	d->ip = -1;
	d->tp = -1;
	d->tp_off = d->tp_len = 0;
	d->claim = pkt->wirelen > pkt->caplen ? pkt->wirelen : pkt->caplen;
	d->frag = d->gso = 0;
	d->ext_type = 0;
	d->ntopt = 0;
	d->nipopt = 0;
	d->nhh = 0;
	d->dns_used = 0;
	d->dns = dns;
	d->re = NULL;
	d->re_from = 0;
	d->re_len = d->re_nfrags = 0;
	if (p == &wire_proto_raw)
		p = wire_raw_pick(pkt->linktype, &r);
	while (p && d->n < WIRE_DISSECT_DEPTH_MAX) {
		struct wire_layer *l = &d->l[d->n];
		l->kind = p->kind;
		l->status = WIRE_LS_OK;
		l->quoted = quoted;
		l->why = NULL;
		l->off = (uint32_t)(r.p - pkt->data);
		l->len = 0;
		l->have = (uint32_t)wire_rd_left(&r);
		d->next = WIRE_NEXT_NONE; /* next_val still says what led here (the VLAN TPID) */
		p->decode(d, &r, l);
		d->n++;
		if (l->status != WIRE_LS_OK) {
			d->bad = (int)(d->n - 1);
			break;
		}
		if (l->kind == WIRE_L_IPV4 || l->kind == WIRE_L_IPV6)
			d->ip = (int)(d->n - 1);
		if ((l->kind == WIRE_L_TCP || l->kind == WIRE_L_UDP) && !quoted &&
		    (d->tp < 0 || tunnel)) {
			d->tp = (int)(d->n - 1);
			d->tp_off = (uint32_t)(r.p - pkt->data);
			d->tp_len = (uint32_t)wire_rd_left(&r);
			tunnel = 0;
		}
		if (l->kind == WIRE_L_VXLAN || l->kind == WIRE_L_GENEVE)
			tunnel = 1; /* the inner packet's transport is the packet's, as tshark */
		if ((l->kind == WIRE_L_ICMP || l->kind == WIRE_L_ICMP6) &&
		    d->next != WIRE_NEXT_NONE)
			quoted = 1;
		if (d->next == WIRE_NEXT_NONE || r.err)
			break;
		if (d->next == WIRE_NEXT_TCP)
			p = quoted ? NULL : guess_tcp(&r, d->next_val, d->claim);
		else if (d->next == WIRE_NEXT_UDP &&
		         (quoted || (wire_rd_left(&r) == 0 && d->claim == 0)))
			p = NULL;
		else
			p = wire_registry_lookup(d->next, d->next_val);
	}
	d->rest_off = pkt->data ? (uint32_t)(r.p - pkt->data) : 0;
	d->rest_len = (uint32_t)wire_rd_left(&r);
	if (d->rest_off > pkt->caplen)
		d->rest_off = pkt->caplen;
	return d->n;
}

int wire_dissect_on_lo(const struct wire_dissect *d)
{
	static const uint8_t zero[6];
	if (d->pkt->ifname && strcmp(d->pkt->ifname, "lo") == 0)
		return 1;
	if (d->n == 0)
		return 0;
	const struct wire_layer *l = &d->l[0];
	if (l->kind == WIRE_L_SLL)
		return l->u.sll.hatype == 772;
	if (l->kind == WIRE_L_ETH)
		return memcmp(l->u.eth.src, zero, 6) == 0 && memcmp(l->u.eth.dst, zero, 6) == 0;
	return l->kind == WIRE_L_NULL;
}

void wire_layer_trunc(struct wire_layer *l)
{
	l->status = WIRE_LS_TRUNC;
}

void wire_layer_invalid(struct wire_layer *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->whybuf, sizeof(l->whybuf), fmt, ap);
	va_end(ap);
	l->why = l->whybuf;
	l->status = WIRE_LS_INVALID;
}

/* Adds w to the one's complement sum s with an end-around carry (an add and
 * an add-with-carry on x86-64). */
static inline uint64_t add_eac(uint64_t s, uint64_t w)
{
	s += w;
	return s + (s < w);
}

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

/* The one's complement sum is the same in either byte order up to a swap of
 * its two bytes (RFC 1071 2(B)), and adding a 32- or 64-bit word adds its
 * 16-bit words (2^16 is 1 modulo 0xffff): the bytes are added as the host
 * loads them, 8 at a time with an end-around carry, and the folded sum is
 * swapped to network order. */
uint32_t wire_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	uint64_t s = 0;
	size_t i = 0;
	for (; i + 32 <= n; i += 32) /* four words, each loaded by itself */
		s = add_eac(
		    add_eac(add_eac(add_eac(s, ld64(p + i)), ld64(p + i + 8)), ld64(p + i + 16)),
		    ld64(p + i + 24));
	for (; i + 8 <= n; i += 8)
		s = add_eac(s, ld64(p + i));
	if (n - i >= 4) {
		uint32_t h;
		memcpy(&h, p + i, 4);
		s = add_eac(s, h);
		i += 4;
	}
	if (n - i >= 2) {
		uint16_t h;
		memcpy(&h, p + i, 2);
		s = add_eac(s, h);
		i += 2;
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (i < n)
		s = add_eac(s, p[i]); /* the high byte of a big-endian word */
#else
	if (i < n)
		s = add_eac(s, (uint64_t)p[i] << 8);
#endif
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = ((s & 0xffu) << 8) | (s >> 8);
#endif
	s += sum;
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t wire_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)(~sum & 0xffffu);
}

static uint64_t be32(const uint8_t *a)
{
	return ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) | a[3];
}

/* Returns the unfolded sum (network order) of the pseudo-header of IP layer
 * ip (IPv6: with destination dst6) for a segment of n bytes of protocol
 * proto: each 32-bit word counts as the sum of its two 16-bit words. */
static uint32_t pseudo_sum(const struct wire_layer *ip, const uint8_t *dst6, uint8_t proto,
                           size_t n)
{
	uint64_t s = proto;
	if (ip->kind == WIRE_L_IPV4) {
		s += (n & 0xffffu) + be32(ip->u.ip4.src) + be32(ip->u.ip4.dst);
	} else {
		s += (uint32_t)n;
		for (unsigned k = 0; k < 16; k += 4)
			s += be32(ip->u.ip6.src + k) + be32(dst6 + k);
	}
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

int wire_csum_l4(const struct wire_layer *ip, uint8_t proto, const uint8_t *seg, size_t n)
{
	uint32_t sum = pseudo_sum(ip, ip->u.ip6.dst, proto, n);
	return wire_csum_fold(wire_csum_add(sum, seg, n)) == 0 ? WIRE_CSUM_OK : WIRE_CSUM_BAD;
}

/* Returns the destination the pseudo-header of layer l uses: the final one of
 * an IPv6 routing header between the IP layer and l, else the header's. */
static const uint8_t *final_dst(const struct wire_dissect *d, const struct wire_layer *l)
{
	const uint8_t *dst = d->l[d->ip].u.ip6.dst;
	for (const struct wire_layer *x = &d->l[d->ip + 1]; x < l; x++)
		if (x->kind == WIRE_L_IP6EXT && x->u.ext.has_final)
			dst = x->u.ext.final;
	return dst;
}

/* Returns 1 when the checksum field of a TCP/UDP segment holds the folded
 * pseudo-header sum, not complemented: what Linux leaves for the NIC to
 * finish (CHECKSUM_PARTIAL); seen on lo and on outgoing packets. */
static int partial_csum(uint32_t pseudo, uint8_t proto, const uint8_t *seg, size_t n)
{
	size_t at = proto == 6 ? 16 : 6;
	if (n < at + 2)
		return 0;
	uint16_t stored = (uint16_t)(((unsigned)seg[at] << 8) | seg[at + 1]);
	uint16_t folded = (uint16_t)~wire_csum_fold(pseudo);
	return stored == folded || (stored == 0xffffu && folded == 0) ||
	       (stored == 0 && folded == 0xffffu);
}

int wire_csum_verdict(const struct wire_dissect *d, const struct wire_layer *l, uint8_t proto,
                      uint32_t seglen)
{
	const struct wire_pkt *pkt = d->pkt;
	if (l->quoted || d->frag)
		return WIRE_CSUM_UNCHECKED;
	if (pkt->flags & WIRE_PKT_CSUM_PARTIAL)
		return WIRE_CSUM_PARTIAL;
	if (d->gso || (pkt->flags & WIRE_PKT_GSO))
		return WIRE_CSUM_GSO;
	if (pkt->flags & WIRE_PKT_CSUM_VALID)
		return WIRE_CSUM_OK; /* the kernel (or NIC) verified it already */
	if (l->off > pkt->caplen || seglen > pkt->caplen - l->off)
		return WIRE_CSUM_UNCHECKED;
	const uint8_t *seg = pkt->data + l->off;
	if (!proto)
		return wire_csum_fold(wire_csum_add(0, seg, seglen)) == 0 ? WIRE_CSUM_OK
		                                                          : WIRE_CSUM_BAD;
	if (d->ip < 0)
		return WIRE_CSUM_UNCHECKED;
	const struct wire_layer *ip = &d->l[d->ip];
	uint32_t ph =
	    pseudo_sum(ip, ip->kind == WIRE_L_IPV6 ? final_dst(d, l) : NULL, proto, seglen);
	if (wire_csum_fold(wire_csum_add(ph, seg, seglen)) == 0)
		return WIRE_CSUM_OK;
	if ((proto == 6 || proto == 17) && partial_csum(ph, proto, seg, seglen))
		return WIRE_CSUM_PARTIAL;
	return WIRE_CSUM_BAD;
}

int wire_csum_l4_sum(const struct wire_dissect *d, const struct wire_layer *l, uint8_t proto,
                     uint32_t seglen)
{
	const struct wire_pkt *pkt = wire_layer_pkt(d, (unsigned)(l - d->l));
	if (d->ip < 0 || l->off > pkt->caplen || seglen > pkt->caplen - l->off)
		return -1;
	const struct wire_layer *ip = &d->l[d->ip];
	uint32_t ph =
	    pseudo_sum(ip, ip->kind == WIRE_L_IPV6 ? final_dst(d, l) : NULL, proto, seglen);
	return wire_csum_fold(wire_csum_add(ph, pkt->data + l->off, seglen));
}

int wire_layer_cut_shown(const struct wire_layer *l)
{
	switch (l->kind) {
	case WIRE_L_ARP:
	case WIRE_L_IPV4:
	case WIRE_L_IPV6:
	case WIRE_L_ICMP:
	case WIRE_L_ICMP6:
	case WIRE_L_TCP:
	case WIRE_L_UDP: return l->have > 0;
	case WIRE_L_DNS: return 1;
	default: return 0;
	}
}
