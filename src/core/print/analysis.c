/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The printers' side of TCP analysis (tcpanalysis.h): feeds each packet's
 * outer TCP segment to the analyser, keeps the result in the printer for the
 * views (line tags, -V lines, JSON fields), and counts the flags for the
 * --stats expert summary: per kind, and per conversation (a tcp.stream, so a
 * reused port pair is a second one, as tshark's -z conv,tcp) in a fixed table
 * of WIRE_EXPERT_CONV_MAX entries (flags of conversations beyond it are
 * counted in the totals and as "other conversations").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pr.h"
#include "wire/limits.h"

struct xconv {
	uint32_t stream; /* tcp.stream: the key */
	uint8_t used, alen;
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint64_t total;
	uint32_t n[WIRE_TCPA_KINDS];
};

struct wire_expert {
	uint64_t n[WIRE_TCPA_KINDS];
	uint64_t other; /* flags of conversations the table had no room for */
	unsigned nconv;
	struct xconv conv[WIRE_EXPERT_CONV_MAX];
};

int wire_expert_new(struct wire_expert **ep)
{
	*ep = calloc(1, sizeof(**ep));
	return *ep ? 0 : -ENOMEM;
}

void wire_expert_free(struct wire_expert *e)
{
	free(e);
}

int wire_tcpa_segment_at(const struct wire_dissect *d, int k, struct wire_tcpa_seg *g)
{
	if (k <= 0 || (unsigned)k >= d->n)
		return 0;
	int i = k - 1;
	while (i > 0 && d->l[i].kind == WIRE_L_IP6EXT)
		i--;
	const struct wire_layer *t = &d->l[k], *ip = &d->l[i];
	memset(g, 0, sizeof(*g));
	if (ip->kind == WIRE_L_IPV4) {
		g->alen = 4;
		g->src = ip->u.ip4.src;
		g->dst = ip->u.ip4.dst;
	} else if (ip->kind == WIRE_L_IPV6) {
		g->alen = 16;
		g->src = ip->u.ip6.src;
		g->dst = wire_ip6_conv_dst(d, i);
	} else {
		return 0;
	}
	const struct wire_tcp *h = &t->u.tcp;
	g->sport = h->sport;
	g->dport = h->dport;
	g->seq = h->seq;
	g->ack = h->ack;
	g->flags = h->flags;
	g->win = h->win;
	g->len = h->paylen;
	g->wscale = -1;
	const struct timespec *ts = &d->pkt->ts;
	g->ts = (uint64_t)(ts->tv_sec < 0 ? 0 : ts->tv_sec) * 1000000000ull +
	        (uint64_t)(ts->tv_nsec < 0 ? 0 : ts->tv_nsec);
	return 1;
}

/* Fills g from d's outer TCP layer and its IP layer; returns 0 if none. */
int wire_tcpa_segment(const struct wire_dissect *d, struct wire_tcpa_seg *g)
{
	if (d->tp < 0 || d->frag)
		return 0;
	const struct wire_layer *t = &d->l[d->tp];
	if (t->kind != WIRE_L_TCP || t->quoted || t->status != WIRE_LS_OK ||
	    !wire_tcpa_segment_at(d, d->tp, g))
		return 0;
	const struct wire_tcp *h = &t->u.tcp;
	for (unsigned k = 0; k < h->opt_n; k++) {
		const struct wire_tcpopt *o = &d->topt[h->opt_first + k];
		if (o->kind == WIRE_TCPOPT_WS && o->ok)
			g->wscale = (int8_t)(o->v.ws > 14 ? 14 : o->v.ws);
	}
	return 1;
}

/* The conversation of tcp.stream stream (its ends taken from g, in a
 * canonical order, when it is new), or NULL when full. */
static struct xconv *xconv_of(struct wire_expert *e, uint32_t stream, const struct wire_tcpa_seg *g)
{
	struct xconv k = {.stream = stream, .used = 1, .alen = g->alen};
	int swap = memcmp(g->src, g->dst, g->alen);
	swap = swap > 0 || (swap == 0 && g->sport > g->dport);
	memcpy(k.a, swap ? g->dst : g->src, g->alen);
	memcpy(k.b, swap ? g->src : g->dst, g->alen);
	k.pa = swap ? g->dport : g->sport;
	k.pb = swap ? g->sport : g->dport;
	uint32_t h = stream * 2654435761u;
	for (unsigned i = 0; i < WIRE_EXPERT_CONV_MAX; i++) {
		struct xconv *c = &e->conv[(h + i) % WIRE_EXPERT_CONV_MAX];
		if (!c->used) {
			if (e->nconv >= WIRE_EXPERT_CONV_MAX / 2)
				return NULL; /* half full: keep probes short */
			*c = k;
			e->nconv++;
			return c;
		}
		if (c->stream == stream)
			return c;
	}
	return NULL;
}

int wire_tcpa_layer(const struct wire_dissect *d, struct wire_tcpa_seg *g)
{
	if (wire_tcpa_segment(d, g))
		return d->tp;
	int k = d->tp < 0 ? d->bad : -1; /* the dissection stopped at the cut header */
	if (k <= 0 || d->frag)
		return -1;
	const struct wire_layer *t = &d->l[k];
	if (t->kind != WIRE_L_TCP || t->quoted)
		return -1;
	if (!(t->status == WIRE_LS_TRUNC && t->have >= 16) &&
	    !(t->status == WIRE_LS_INVALID && t->have >= 13 && t->u.tcp.doff < 20))
		return -1;
	return wire_tcpa_segment_at(d, k, g) ? k : -1;
}

void wire_tcpa_feed_at(struct wire_tcpa *a, const struct wire_dissect *d, int at,
                       const struct wire_tcpa_seg *g, struct wire_tcpa_res *res)
{
	if (at != d->tp && d->l[at].status == WIRE_LS_INVALID) {
		wire_tcpa_number(a, g, res);
		return;
	}
	wire_tcpa_feed(a, g, res);
	if (at != d->tp) {
		res->flags = 0;
		res->dupack = 0;
	}
}

static void expert_add(struct wire_expert *e, const struct wire_tcpa_seg *g, uint32_t stream,
                       uint32_t fl)
{
	struct xconv *c = xconv_of(e, stream, g);
	for (unsigned k = 0; k < WIRE_TCPA_KINDS; k++) {
		if (!(fl & (1u << k)))
			continue;
		e->n[k]++;
		if (c) {
			c->n[k]++;
			c->total++;
		} else {
			e->other++;
		}
	}
}

void wire_pr_analyse(struct wire_printer *p, const struct wire_dissect *d)
{
	struct wire_tcpa_seg g;
	memset(&p->ta, 0, sizeof(p->ta)); /* nothing from the previous packet */
	p->ta_at = p->tcpa ? wire_tcpa_layer(d, &g) : -1;
	if (p->ta_at >= 0)
		wire_tcpa_feed_at(p->tcpa, d, p->ta_at, &g, &p->ta);
}

void wire_pr_expert(struct wire_printer *p, const struct wire_dissect *d)
{
	struct wire_tcpa_seg g;
	if (p->expert && p->ta.flags && p->ta.seg && wire_tcpa_layer(d, &g) >= 0)
		expert_add(p->expert, &g, p->ta.stream, p->ta.flags);
}

void wire_pr_ta_tags(struct wire_sink *s, const struct wire_tcpa_res *ta)
{
	uint32_t fl = ta->flags;
	if (fl & (WIRE_TCPA_FAST_RETRANS | WIRE_TCPA_SPURIOUS))
		fl &= ~(uint32_t)WIRE_TCPA_RETRANS; /* said by the more precise tag */
	for (unsigned k = 0; fl >> k; k++) {
		if (!(fl & (1u << k)))
			continue;
		wire_sink_puts(s, " [");
		wire_sink_puts(s, wire_tcpa_tag(k));
		if ((1u << k) == WIRE_TCPA_DUP_ACK) {
			wire_sink_puts(s, " #");
			wire_pr_u(s, ta->dupack);
		}
		wire_sink_putc(s, ']');
	}
}

static void endpoint(struct wire_sink *s, const uint8_t *a, uint8_t alen, uint16_t port)
{
	if (alen == 4)
		wire_pr_ip4(s, a);
	else
		wire_pr_ip6(s, a);
	wire_sink_putc(s, ':');
	wire_pr_u(s, port);
}

static void conv_line(struct wire_sink *s, const struct xconv *c)
{
	wire_sink_puts(s, "  tcp.stream ");
	wire_pr_u(s, c->stream);
	wire_sink_puts(s, " (");
	endpoint(s, c->a, c->alen, c->pa);
	wire_sink_puts(s, " <-> ");
	endpoint(s, c->b, c->alen, c->pb);
	wire_sink_puts(s, "):");
	for (unsigned k = 0; k < WIRE_TCPA_KINDS; k++) {
		if (!c->n[k])
			continue;
		wire_sink_putc(s, ' ');
		wire_sink_puts(s, wire_tcpa_field(k));
		wire_sink_putc(s, '=');
		wire_pr_u(s, c->n[k]);
	}
	wire_sink_putc(s, '\n');
}

/* Whether c goes before t: more flags, or as many and an earlier stream. */
static int before(const struct xconv *c, const struct xconv *t)
{
	return c->total > t->total || (c->total == t->total && c->stream < t->stream);
}

/* The conversations with the most flags, most first (at most top). */
static unsigned top_convs(const struct wire_expert *e, const struct xconv **top, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < WIRE_EXPERT_CONV_MAX; i++) {
		const struct xconv *c = &e->conv[i];
		if (!c->used || !c->total)
			continue;
		unsigned j = n < max ? n++ : max;
		if (j == max && !before(c, top[max - 1]))
			continue;
		if (j == max)
			j = max - 1;
		while (j > 0 && before(c, top[j - 1])) {
			top[j] = top[j - 1];
			j--;
		}
		top[j] = c;
	}
	return n;
}

void wire_expert_print(struct wire_expert *e, struct wire_sink *s, uint64_t segments)
{
	uint64_t all = 0;
	if (!segments)
		return;
	for (unsigned k = 0; k < WIRE_TCPA_KINDS; k++)
		all += e->n[k];
	wire_sink_puts(s, "TCP analysis (tcp.analysis.*): ");
	wire_pr_u(s, all);
	wire_sink_puts(s, " flags in ");
	wire_pr_u(s, segments);
	wire_sink_puts(s, " TCP segments\n");
	for (unsigned k = 0; k < WIRE_TCPA_KINDS; k++) {
		if (!e->n[k])
			continue;
		wire_sink_puts(s, "  ");
		wire_sink_puts(s, wire_tcpa_field(k));
		wire_sink_puts(s, ": ");
		wire_pr_u(s, e->n[k]);
		wire_sink_putc(s, '\n');
	}
	const struct xconv *top[WIRE_STATS_CONV_TOP];
	unsigned n = top_convs(e, top, WIRE_STATS_CONV_TOP);
	if (n)
		wire_sink_puts(s, "TCP analysis per conversation (most flags first):\n");
	for (unsigned i = 0; i < n; i++)
		conv_line(s, top[i]);
	if (e->other) {
		wire_sink_puts(s, "  other conversations: ");
		wire_pr_u(s, e->other);
		wire_sink_puts(s, " flags\n");
	}
}
