/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The reassembler fed with captured packets (include/wire/defrag.h): finds
 * the fragment in a dissected packet, feeds it, and when a datagram completes
 * builds the packet the printers show on the last fragment, as tshark shows
 * the reassembled upper layer on the frame that completes it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/defrag.h"
#include "wire/dissect.h"
#include "wire/packet.h"

int wire_defragger_init(struct wire_defragger *g, const struct wire_defrag_limits *lim)
{
	memset(g, 0, sizeof(*g));
	g->pkt = calloc(1, sizeof(*g->pkt));
	g->dd = malloc(sizeof(*g->dd));
	int rc = g->pkt && g->dd ? wire_defrag_init(&g->d, lim) : -ENOMEM;
	if (rc < 0) {
		free(g->pkt);
		free(g->dd);
	}
	return rc;
}

void wire_defragger_free(struct wire_defragger *g)
{
	wire_defrag_free(&g->d);
	free(g->buf);
	free(g->pkt);
	free(g->dd);
	memset(g, 0, sizeof(*g));
}

static uint64_t ts_us(const struct wire_pkt *p)
{
	return (uint64_t)p->ts.tv_sec * 1000000u + (uint64_t)p->ts.tv_nsec / 1000u;
}

/* The fragment in d, if any: fills f, *hdr_end (where the payload starts)
 * and *k (the IPv6 Fragment header layer). Returns 1, or 0 when the packet
 * is no fragment, -1 when it is one not fully captured. */
static int find_frag(const struct wire_dissect *d, struct wire_defrag_frag *f, uint32_t *hdr_end,
                     int *k)
{
	if (d->ip < 0 || !d->frag)
		return 0;
	const struct wire_layer *l = &d->l[d->ip];
	const struct wire_pkt *p = d->pkt;
	if (l->quoted)
		return 0; /* inside an ICMP error */
	memset(f, 0, sizeof(*f));
	f->ts_us = ts_us(p);
	if (l->kind == WIRE_L_IPV4 && l->status == WIRE_LS_OK && !l->u.ip4.gso) {
		const struct wire_ipv4 *ip = &l->u.ip4;
		if ((ip->frag & 0x3fffu) == 0)
			return 0;
		if ((uint64_t)l->off + ip->len > p->caplen)
			return -1;
		f->family = 4;
		memcpy(f->src, ip->src, 4);
		memcpy(f->dst, ip->dst, 4);
		f->id = ip->id;
		f->proto = ip->proto;
		f->hdr_len = ip->ihl;
		f->offset = (uint32_t)(ip->frag & 0x1fffu) * 8u;
		f->more = (ip->frag & 0x2000u) != 0;
		*hdr_end = l->off + ip->ihl;
		f->data = p->data + *hdr_end;
		f->len = ip->len - ip->ihl;
		return 1;
	}
	if (l->kind != WIRE_L_IPV6 || l->u.ip6.gso)
		return 0;
	for (unsigned i = (unsigned)d->ip + 1; i < d->n; i++) {
		const struct wire_layer *x = &d->l[i];
		if (x->kind != WIRE_L_IP6EXT)
			return 0;
		if (x->u.ext.type != 44)
			continue;
		if (x->status != WIRE_LS_OK)
			return 0;
		uint64_t end = (uint64_t)l->off + 40u + l->u.ip6.plen;
		if (end > p->caplen || x->off + 8u > end)
			return -1;
		f->family = 6;
		memcpy(f->src, l->u.ip6.src, 16);
		memcpy(f->dst, l->u.ip6.dst, 16);
		f->id = x->u.ext.frag_id;
		f->proto = x->u.ext.nxt;
		f->offset = (uint32_t)x->u.ext.frag_off * 8u;
		f->more = x->u.ext.frag_m;
		*hdr_end = x->off + 8u;
		f->data = p->data + *hdr_end;
		f->len = (size_t)(end - *hdr_end);
		*k = (int)i;
		return 1;
	}
	return 0;
}

static int reserve(struct wire_defragger *g, size_t n)
{
	if (n <= g->cap)
		return 0;
	uint8_t *b = realloc(g->buf, n);
	if (!b)
		return -ENOMEM;
	g->buf = b;
	g->cap = n;
	return 0;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Builds the unfragmented packet: the bytes before the payload (with the
 * IP header fixed up) then the reassembled payload. Returns 0, 1 when the
 * result cannot be expressed (IPv6 payload length over 65535), or -ENOMEM. */
static int build(struct wire_defragger *g, const struct wire_dissect *d, uint32_t hdr_end, int k,
                 const struct wire_defrag_out *o)
{
	const struct wire_layer *l = &d->l[d->ip];
	uint32_t pre = l->kind == WIRE_L_IPV4 ? hdr_end : d->l[k].off;
	if (l->kind == WIRE_L_IPV6 && (uint64_t)pre - l->off - 40u + o->len > 65535u)
		return 1;
	if (reserve(g, pre + o->len) < 0)
		return -ENOMEM;
	uint8_t *b = g->buf;
	memcpy(b, d->pkt->data, pre);
	memcpy(b + pre, o->data, o->len);
	uint8_t *ip = b + l->off;
	if (l->kind == WIRE_L_IPV4) {
		put16(ip + 2, (uint32_t)(l->u.ip4.ihl + o->len));
		put16(ip + 6, l->u.ip4.frag & 0x4000u); /* DF stays */
		put16(ip + 10, 0);
		put16(ip + 10, wire_csum_fold(wire_csum_add(0, ip, l->u.ip4.ihl)));
	} else {
		put16(ip + 4, (uint32_t)(pre - l->off - 40u + o->len));
		/* the header before the Fragment header names what follows */
		uint8_t *nh = k - 1 == d->ip ? ip + 6 : b + d->l[k - 1].off;
		*nh = o->proto;
	}
	*g->pkt = *d->pkt;
	g->pkt->data = b;
	g->pkt->caplen = g->pkt->wirelen = (uint32_t)(pre + o->len);
	return 0;
}

/* Feeds the fragment in d, if any. Returns 1 with g->pkt built (and *o,
 * hdr_end, k filled) when it completes a datagram, 0 when not, or -ENOMEM. */
static int feed(struct wire_defragger *g, const struct wire_dissect *d, struct wire_defrag_out *o,
                uint32_t *hdr_end, int *k)
{
	struct wire_defrag_frag f;
	int found = find_frag(d, &f, hdr_end, k);
	if (found == 0)
		return 0;
	g->fragments++;
	if (found < 0) {
		g->truncated++;
		return 0;
	}
	int rc = wire_defrag_feed(&g->d, &f, o);
	if (rc < 0)
		return rc;
	if (rc != WIRE_DEFRAG_DONE)
		return 0;
	rc = build(g, d, *hdr_end, *k, o);
	return rc < 0 ? rc : rc == 0;
}

int wire_defragger_packet(struct wire_defragger *g, const struct wire_pkt *pkt,
                          const struct wire_pkt **show)
{
	struct wire_dissect d;
	struct wire_defrag_out o;
	uint32_t hdr_end = 0;
	int k = -1;
	*show = pkt;
	wire_dissect(&d, pkt);
	int rc = feed(g, &d, &o, &hdr_end, &k);
	if (rc == 1)
		*show = g->pkt;
	return rc;
}

/* Returns the translated index of layer i of the datagram's dissection. */
static int moved(int i, unsigned from, unsigned cut)
{
	return i >= (int)from ? i - (int)from + (int)cut : -1;
}

/* Puts the datagram's layers from index `from` on in d after layer cut - 1
 * (the frame's IPv4 header or IPv6 Fragment header). */
static void splice(struct wire_dissect *d, const struct wire_dissect *dd, unsigned from,
                   unsigned cut)
{
	unsigned n = cut;
	for (unsigned i = from; i < dd->n && n < WIRE_DISSECT_DEPTH_MAX; i++)
		d->l[n++] = dd->l[i];
	d->n = n;
	d->bad = dd->bad >= 0 ? moved(dd->bad, from, cut) : -1;
	if (d->bad >= (int)n)
		d->bad = -1;
	int ip = moved(dd->ip, from, cut);
	if (ip >= 0 && ip < (int)n)
		d->ip = ip;
	d->tp = moved(dd->tp, from, cut);
	if (d->tp >= (int)n)
		d->tp = -1;
	d->tp_off = d->tp >= 0 ? dd->tp_off : 0;
	d->tp_len = d->tp >= 0 ? dd->tp_len : 0;
	d->rest_off = dd->rest_off;
	d->rest_len = dd->rest_len;
	d->ntopt = dd->ntopt;
	memcpy(d->topt, dd->topt, dd->ntopt * sizeof(d->topt[0]));
	d->nhh = dd->nhh;
	memcpy(d->hh, dd->hh, dd->nhh * sizeof(d->hh[0]));
	/* the prefix (up to the fragment's IP header) is the same bytes in both,
	 * so its options are the same first entries of dd's table */
	d->nipopt = dd->nipopt;
	memcpy(d->ipopt, dd->ipopt, dd->nipopt * sizeof(d->ipopt[0]));
	memcpy(d->dhcpopt, dd->dhcpopt, sizeof(d->dhcpopt));
	d->dns_used = dd->dns_used;
	d->re = dd->pkt;
	d->re_from = (uint8_t)cut;
}

int wire_defragger_dissect(struct wire_defragger *g, struct wire_dissect *d,
                           const struct wire_pkt *pkt, struct wire_dns_msg *dns)
{
	struct wire_defrag_out o;
	uint32_t hdr_end = 0;
	int k = -1;
	wire_dissect_ex(d, pkt, dns);
	int rc = feed(g, d, &o, &hdr_end, &k);
	if (rc != 1)
		return rc;
	wire_dissect_ex(g->dd, g->pkt, dns);
	/* IPv4: the headers up to the IP layer are the same in both; IPv6: the
	 * rebuilt packet has no Fragment header, so its layer k is what came
	 * after that header. */
	unsigned cut = k >= 0 ? (unsigned)k + 1 : (unsigned)d->ip + 1;
	unsigned from = k >= 0 ? (unsigned)k : (unsigned)d->ip + 1;
	splice(d, g->dd, from, cut);
	d->re_len = (uint32_t)o.len;
	d->re_nfrags = o.nfrags;
	return 1;
}
