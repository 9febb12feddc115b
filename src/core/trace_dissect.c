/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The trace's view of a captured frame (include/wire/trace.h): an adapter
 * over the dissectors. wire_trace_decode runs wire_dissect, the decoder that
 * `read` and `sniff` use and the fuzzers and the corpus tests cover, and
 * copies the few fields the timeline shows from its layers into a fixed-size
 * struct wire_tpkt (the merge queue keeps that copy; the ring's bytes are gone
 * by the time the event is printed). So the link layers (Ethernet, up to
 * WIRE_VLAN_DEPTH_MAX VLAN tags with TPID 0x8100, 0x88a8 or 0x9100, Linux
 * cooked v1 and v2, raw IP), the IPv6 extension headers, the lengths an IP
 * header may claim, GSO super-packets and an ICMP error's quoted packet are
 * read once, by the fuzzed code, with its limits. A field is copied only from
 * a layer the dissector decoded (OK), or from the part of a truncated header
 * that it did read (the fixed TCP header before cut options, the ports of a
 * quoted segment). The TCP state machine fed with these fields is tcpstate.c.
 */
#include <netinet/in.h>
#include <string.h>

#include "wire/dissect.h"
#include "wire/trace.h"

/* Returns 1 when the first end bytes of layer l's header were read: the
 * layer is whole, or was cut after them (the printers' rule, wire_pr_has). */
static int has(const struct wire_layer *l, uint32_t end)
{
	return l->status == WIRE_LS_OK || l->have >= end;
}

/* Returns the IP payload bytes a GSO super-packet's header at l (hlen bytes)
 * is followed by on the wire: everything after it, as the dissector counts. */
static uint32_t gso_left(const struct wire_dissect *d, const struct wire_layer *l, uint32_t hlen)
{
	const struct wire_pkt *pkt = d->pkt;
	uint32_t total = pkt->wirelen > pkt->caplen ? pkt->wirelen : pkt->caplen;
	uint32_t used = l->off + hlen;
	return total > used ? total - used : 0;
}

/* Copies an IPv4 layer (outer, or quoted when q). */
static void from_ip4(const struct wire_dissect *d, const struct wire_layer *l, struct wire_tpkt *t,
                     int q)
{
	const struct wire_ipv4 *ip = &l->u.ip4;
	if (q) {
		t->q.family = 4;
		t->q.proto = ip->proto;
		memcpy(t->q.src, ip->src, 4);
		memcpy(t->q.dst, ip->dst, 4);
		t->q.ipid = ip->id;
		return;
	}
	t->family = 4;
	t->proto = ip->proto;
	memcpy(t->src, ip->src, 4);
	memcpy(t->dst, ip->dst, 4);
	t->ipid = ip->id;
	t->fragoff = (uint32_t)(ip->frag & 0x1fffu) * 8u;
	t->mf = (ip->frag & 0x2000u) != 0;
	t->frag = t->fragoff > 0 || t->mf;
	t->iplen = ip->gso ? gso_left(d, l, ip->ihl) : (uint32_t)(ip->len - ip->ihl);
}

/* Copies an IPv6 layer and the extension headers after it (outer, or quoted
 * when q). Returns the index of the first layer past them. */
static unsigned from_ip6(const struct wire_dissect *d, unsigned i, struct wire_tpkt *t, int q)
{
	const struct wire_layer *l = &d->l[i];
	const struct wire_ipv6 *ip = &l->u.ip6;
	uint8_t proto = ip->nxt;
	uint32_t left = ip->gso ? gso_left(d, l, 40) : ip->plen, id = 0, off = 0;
	uint8_t mf = 0, frag = 0;
	for (i++; i < d->n && d->l[i].kind == WIRE_L_IP6EXT && d->l[i].status == WIRE_LS_OK; i++) {
		const struct wire_ip6ext *x = &d->l[i].u.ext;
		if (x->jumbo && ip->gso)
			left = x->jumbo;
		left = left > x->hlen ? left - x->hlen : 0;
		if (x->type == 44) {
			id = x->frag_id;
			off = (uint32_t)x->frag_off * 8u;
			mf = x->frag_m;
			frag = 1;
		}
		proto = x->nxt;
	}
	if (q) {
		t->q.family = 6;
		t->q.proto = proto;
		memcpy(t->q.src, ip->src, 16);
		memcpy(t->q.dst, ip->dst, 16);
		t->q.ipid = id;
		return i;
	}
	t->family = 6;
	t->proto = proto;
	memcpy(t->src, ip->src, 16);
	memcpy(t->dst, ip->dst, 16);
	t->iplen = left;
	t->ipid = id;
	t->fragoff = off;
	t->mf = mf;
	t->frag = (uint8_t)(frag && (off > 0 || mf));
	return i;
}

/* Copies the quoted packet of an ICMP error from layers i on. */
static void from_quote(const struct wire_dissect *d, unsigned i, struct wire_tpkt *t)
{
	if (i >= d->n || !d->l[i].quoted || d->l[i].status != WIRE_LS_OK)
		return;
	if (d->l[i].kind == WIRE_L_IPV4) {
		from_ip4(d, &d->l[i], t, 1);
		i++;
	} else if (d->l[i].kind == WIRE_L_IPV6) {
		i = from_ip6(d, i, t, 1);
	} else {
		return;
	}
	t->q.ok = 1;
	if (i >= d->n || !d->l[i].quoted || !has(&d->l[i], 4))
		return;
	const struct wire_layer *l = &d->l[i];
	if ((l->kind == WIRE_L_TCP && t->q.proto == IPPROTO_TCP) ||
	    (l->kind == WIRE_L_UDP && t->q.proto == IPPROTO_UDP)) {
		/* sport and dport sit at the same place in both */
		t->q.sport = l->kind == WIRE_L_TCP ? l->u.tcp.sport : l->u.udp.sport;
		t->q.dport = l->kind == WIRE_L_TCP ? l->u.tcp.dport : l->u.udp.dport;
	}
}

static void from_tcp(const struct wire_dissect *d, unsigned i, struct wire_tpkt *t)
{
	const struct wire_layer *l = &d->l[i];
	const struct wire_tcp *tcp = &l->u.tcp;
	if (l->status == WIRE_LS_INVALID || !has(l, 20))
		return;
	t->sport = tcp->sport;
	t->dport = tcp->dport;
	t->seq = tcp->seq;
	t->ack = tcp->ack;
	t->tflags = (uint16_t)(tcp->flags & 0x1ffu);
	t->win = tcp->win;
	t->paylen = tcp->paylen;
	t->l4ok = 1;
	/* a TLS record starting the payload, as `read` labels it */
	const struct wire_layer *n = i + 1 < d->n ? &d->l[i + 1] : NULL;
	if (n && n->kind == WIRE_L_TLS && n->status == WIRE_LS_OK && t->paylen > 0) {
		t->tls_ct = n->u.tls.ctype;
		t->tls_hs = n->u.tls.ctype == 22 && n->have >= 6 ? n->u.tls.hs_type : -1;
	}
}

/* Copies the transport layer i (if it is the one proto names). */
static void from_l4(const struct wire_dissect *d, unsigned i, struct wire_tpkt *t)
{
	if (i >= d->n || d->l[i].quoted)
		return;
	const struct wire_layer *l = &d->l[i];
	if (l->kind == WIRE_L_TCP && t->proto == IPPROTO_TCP) {
		from_tcp(d, i, t);
	} else if (l->kind == WIRE_L_UDP && t->proto == IPPROTO_UDP && l->status == WIRE_LS_OK) {
		t->sport = l->u.udp.sport;
		t->dport = l->u.udp.dport;
		t->paylen = l->u.udp.paylen;
		t->l4ok = 1;
	} else if ((l->kind == WIRE_L_ICMP && t->proto == IPPROTO_ICMP) ||
	           (l->kind == WIRE_L_ICMP6 && t->proto == IPPROTO_ICMPV6)) {
		if (l->status != WIRE_LS_OK)
			return;
		int v6 = l->kind == WIRE_L_ICMP6;
		t->itype = v6 ? l->u.icmp6.type : l->u.icmp.type;
		t->icode = v6 ? l->u.icmp6.code : l->u.icmp.code;
		uint32_t rest = v6 ? l->u.icmp6.rest : l->u.icmp.rest;
		if (!v6 && t->itype == 3 && t->icode == 4)
			t->mtu = (uint16_t)(rest & 0xffffu); /* fragmentation needed */
		if (v6 && t->itype == 2)
			t->mtu = rest > 0xffffu ? 0xffffu : (uint16_t)rest; /* packet too big */
		t->l4ok = 1;
		from_quote(d, i + 1, t);
	}
}

int wire_trace_decode(const struct wire_pkt *pkt, struct wire_tpkt *t)
{
	struct wire_dissect d;
	memset(t, 0, sizeof(*t));
	t->ts = pkt->ts;
	t->gso = (pkt->flags & WIRE_PKT_GSO) != 0;
	t->tls_hs = -1;
	wire_dissect(&d, pkt);
	unsigned i = 0;
	while (i < d.n && d.l[i].kind != WIRE_L_IPV4 && d.l[i].kind != WIRE_L_IPV6)
		i++;
	if (i >= d.n || d.l[i].quoted || d.l[i].status != WIRE_LS_OK)
		return 0;
	if (d.l[i].kind == WIRE_L_IPV4)
		from_ip4(&d, &d.l[i++], t, 0);
	else
		i = from_ip6(&d, i, t, 0);
	if (t->fragoff == 0)
		from_l4(&d, i, t);
	return 1;
}
