/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --stats: what tshark's -z io,phs and -z conv,tcp / conv,udp give, in fixed
 * memory. The protocol hierarchy counts frames and bytes for every prefix of
 * each packet's layer path (eth, eth:ip, eth:ip:udp, ...) in a table of at
 * most WIRE_STATS_PATHS_MAX paths; conversations (address:port pairs, both
 * directions in one entry) live in an open-addressing table of
 * WIRE_STATS_CONV_MAX entries allocated once. When a table is full, further
 * paths or conversations are counted in an "other" total and said so, never
 * grown. At the end the top WIRE_STATS_CONV_TOP conversations by bytes are
 * printed per protocol.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pr.h"

#define PATH_TEXT 120u

struct path {
	char name[PATH_TEXT];
	uint8_t depth, len;
	uint64_t frames, bytes;
};

struct conv {
	uint8_t used, proto, fam; /* proto 6/17; fam 4/6 */
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint64_t f_ab, b_ab, f_ba, b_ba;
};

struct wire_stats {
	unsigned npaths;
	uint64_t path_other;
	uint64_t conv_other;
	unsigned nconv;
	uint64_t frames, bytes;
	struct path paths[WIRE_STATS_PATHS_MAX];
	struct conv conv[WIRE_STATS_CONV_MAX];
};

int wire_stats_new(struct wire_stats **sp)
{
	*sp = calloc(1, sizeof(**sp));
	return *sp ? 0 : -ENOMEM;
}

void wire_stats_free(struct wire_stats *st)
{
	free(st);
}

static const char *pname(const struct wire_layer *l)
{
	if (l->kind == WIRE_L_IP6EXT)
		return l->u.ext.type == 0    ? "ipv6.hopopts"
		       : l->u.ext.type == 43 ? "ipv6.routing"
		       : l->u.ext.type == 44 ? "ipv6.fraghdr"
		                             : "ipv6.dstopts";
	return wire_layer_name(l->kind);
}

static void count_path(struct wire_stats *st, const char *name, size_t n, unsigned depth,
                       uint32_t bytes)
{
	for (unsigned i = 0; i < st->npaths; i++) {
		struct path *p = &st->paths[i];
		if (p->len == n && memcmp(p->name, name, n) == 0) {
			p->frames++;
			p->bytes += bytes;
			return;
		}
	}
	if (st->npaths >= WIRE_STATS_PATHS_MAX) {
		st->path_other++;
		return;
	}
	struct path *p = &st->paths[st->npaths++];
	memcpy(p->name, name, n);
	p->name[n] = '\0';
	p->len = (uint8_t)n;
	p->depth = (uint8_t)depth;
	p->frames = 1;
	p->bytes = bytes;
}

static uint32_t hash(const uint8_t *k, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static void count_conv(struct wire_stats *st, const struct wire_dissect *d, uint32_t bytes)
{
	if (d->tp < 0 || d->ip < 0 || d->ip > d->tp)
		return;
	const struct wire_layer *ip = &d->l[d->ip], *t = &d->l[d->tp];
	/* the IP layer that carries the transport layer: the last one before it */
	for (int i = d->tp - 1; i >= 0; i--)
		if (d->l[i].kind == WIRE_L_IPV4 || d->l[i].kind == WIRE_L_IPV6) {
			ip = &d->l[i];
			break;
		}
	uint8_t src[16] = {0}, dst[16] = {0}, fam;
	if (ip->kind == WIRE_L_IPV4) {
		memcpy(src, ip->u.ip4.src, 4);
		memcpy(dst, ip->u.ip4.dst, 4);
		fam = 4;
	} else {
		memcpy(src, ip->u.ip6.src, 16);
		memcpy(dst, ip->u.ip6.dst, 16);
		fam = 6;
	}
	uint8_t proto = t->kind == WIRE_L_TCP ? 6 : 17;
	uint16_t sp = proto == 6 ? t->u.tcp.sport : t->u.udp.sport;
	uint16_t dp = proto == 6 ? t->u.tcp.dport : t->u.udp.dport;
	int c = memcmp(src, dst, 16);
	int fwd = c < 0 || (c == 0 && sp <= dp);
	uint8_t key[38];
	key[0] = proto;
	key[1] = fam;
	memcpy(key + 2, fwd ? src : dst, 16);
	memcpy(key + 18, fwd ? dst : src, 16);
	uint16_t pa = fwd ? sp : dp, pb = fwd ? dp : sp;
	key[34] = (uint8_t)(pa >> 8);
	key[35] = (uint8_t)pa;
	key[36] = (uint8_t)(pb >> 8);
	key[37] = (uint8_t)pb;
	uint32_t h = hash(key, sizeof(key)) % WIRE_STATS_CONV_MAX;
	for (unsigned probe = 0; probe < WIRE_STATS_CONV_MAX; probe++) {
		struct conv *v = &st->conv[(h + probe) % WIRE_STATS_CONV_MAX];
		if (!v->used) {
			if (st->nconv >= WIRE_STATS_CONV_MAX * 3u / 4u) {
				st->conv_other++;
				return;
			}
			v->used = 1;
			v->proto = proto;
			v->fam = fam;
			memcpy(v->a, key + 2, 16);
			memcpy(v->b, key + 18, 16);
			v->pa = pa;
			v->pb = pb;
			st->nconv++;
		} else if (v->proto != proto || v->fam != fam || v->pa != pa || v->pb != pb ||
		           memcmp(v->a, key + 2, 16) || memcmp(v->b, key + 18, 16)) {
			continue;
		}
		if (fwd) {
			v->f_ab++;
			v->b_ab += bytes;
		} else {
			v->f_ba++;
			v->b_ba += bytes;
		}
		return;
	}
	st->conv_other++;
}

void wire_stats_add(struct wire_stats *st, const struct wire_dissect *d)
{
	char path[PATH_TEXT];
	size_t n = 0;
	uint32_t bytes = d->pkt->wirelen;
	st->frames++;
	st->bytes += bytes;
	for (unsigned i = 0; i < d->n; i++) {
		const char *name = pname(&d->l[i]);
		size_t k = strlen(name);
		if (n + k + 2 >= PATH_TEXT)
			break;
		if (n)
			path[n++] = ':';
		memcpy(path + n, name, k);
		n += k;
		count_path(st, path, n, i, bytes);
	}
	if (d->rest_len && d->bad < 0 && d->n && n + 6 < PATH_TEXT) {
		memcpy(path + n, ":data", 5);
		count_path(st, path, n + 5, d->n, bytes);
	}
	count_conv(st, d, bytes);
}

static void pad(struct wire_sink *s, size_t used, size_t width)
{
	static const char sp[] = "                                                  ";
	while (used < width) {
		size_t k = width - used < sizeof(sp) - 1 ? width - used : sizeof(sp) - 1;
		wire_sink_write(s, sp, k);
		used += k;
	}
	if (used == width)
		return;
}

static size_t udigits(uint64_t v)
{
	size_t n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Prints children of the path `parent` (length pn) at depth, recursively. */
static void phs(struct wire_stats *st, struct wire_sink *s, const char *parent, size_t pn,
                unsigned depth)
{
	for (unsigned i = 0; i < st->npaths; i++) {
		const struct path *p = &st->paths[i];
		if (p->depth != depth)
			continue;
		if (depth > 0 &&
		    (p->len <= pn || memcmp(p->name, parent, pn) || p->name[pn] != ':'))
			continue;
		const char *last = p->name + (depth ? pn + 1 : 0);
		size_t ln = strlen(last);
		pad(s, 0, 2u * depth);
		wire_sink_write(s, last, ln);
		pad(s, 2u * depth + ln, 40);
		wire_sink_write(s, " frames:", 8);
		wire_pr_u(s, p->frames);
		wire_sink_write(s, " bytes:", 7);
		wire_pr_u(s, p->bytes);
		wire_sink_putc(s, '\n');
		if (depth + 1u < WIRE_DISSECT_DEPTH_MAX + 1u)
			phs(st, s, p->name, p->len, depth + 1u);
	}
}

static size_t endpoint(char *b, const uint8_t *a, uint8_t fam, uint16_t port)
{
	size_t n = fam == 4 ? wire_fmt_ip4(b, a) : wire_fmt_ip6(b, a);
	b[n++] = ':';
	char t[8];
	size_t k = sizeof(t);
	do {
		t[--k] = (char)('0' + port % 10);
		port /= 10;
	} while (port);
	memcpy(b + n, t + k, sizeof(t) - k);
	n += sizeof(t) - k;
	b[n] = '\0';
	return n;
}

static void col(struct wire_sink *s, uint64_t v, size_t width)
{
	pad(s, udigits(v), width);
	wire_pr_u(s, v);
}

static void convs(struct wire_stats *st, struct wire_sink *s, uint8_t proto)
{
	static const char eq[] =
	    "================================================================================\n";
	const struct conv *top[WIRE_STATS_CONV_TOP];
	unsigned ntop = 0, total = 0;
	for (unsigned i = 0; i < WIRE_STATS_CONV_MAX; i++) {
		const struct conv *v = &st->conv[i];
		if (!v->used || v->proto != proto)
			continue;
		total++;
		uint64_t bytes = v->b_ab + v->b_ba;
		unsigned pos = ntop;
		while (pos > 0 && top[pos - 1]->b_ab + top[pos - 1]->b_ba < bytes)
			pos--;
		if (pos >= WIRE_STATS_CONV_TOP)
			continue;
		unsigned end = ntop < WIRE_STATS_CONV_TOP ? ntop : WIRE_STATS_CONV_TOP - 1;
		for (unsigned k = end; k > pos; k--)
			top[k] = top[k - 1];
		top[pos] = v;
		if (ntop < WIRE_STATS_CONV_TOP)
			ntop++;
	}
	wire_sink_puts(s, eq);
	wire_sink_puts(s, proto == 6 ? "TCP Conversations" : "UDP Conversations");
	wire_sink_write(s, " (", 2);
	wire_pr_u(s, total);
	wire_sink_puts(s, total == 1 ? " conversation" : " conversations");
	if (total > ntop) {
		wire_sink_write(s, ", top ", 6);
		wire_pr_u(s, ntop);
		wire_sink_puts(s, " by bytes");
	}
	wire_sink_write(s, ")\n", 2);
	/* the header in the rows' columns: 46 + " <-> " + 46, then 11 11 15 11 15 11 */
	wire_sink_puts(s, "Address A");
	pad(s, 9, 46);
	wire_sink_puts(s, "     Address B");
	pad(s, 14, 51);
	wire_sink_puts(
	    s, "A->B frames      bytes    B->A frames      bytes   Total frames      bytes\n");
	for (unsigned i = 0; i < ntop; i++) {
		const struct conv *v = top[i];
		char a[64], b[64];
		size_t an = endpoint(a, v->a, v->fam, v->pa), bn = endpoint(b, v->b, v->fam, v->pb);
		wire_sink_write(s, a, an);
		pad(s, an, 46);
		wire_sink_write(s, " <-> ", 5);
		wire_sink_write(s, b, bn);
		pad(s, bn, 46);
		col(s, v->f_ab, 11);
		col(s, v->b_ab, 11);
		col(s, v->f_ba, 15);
		col(s, v->b_ba, 11);
		col(s, v->f_ab + v->f_ba, 15);
		col(s, v->b_ab + v->b_ba, 11);
		wire_sink_putc(s, '\n');
	}
	wire_sink_puts(s, eq);
}

void wire_stats_print(struct wire_stats *st, struct wire_sink *s)
{
	static const char eq[] =
	    "===================================================================\n";
	wire_sink_puts(s, eq);
	wire_sink_puts(s, "Protocol Hierarchy Statistics\n");
	wire_sink_puts(s, "frames:");
	wire_pr_u(s, st->frames);
	wire_sink_puts(s, " bytes:");
	wire_pr_u(s, st->bytes);
	wire_sink_puts(s, "\n\n");
	phs(st, s, "", 0, 0);
	if (st->path_other) {
		wire_sink_puts(s, "(table full: ");
		wire_pr_u(s, st->path_other);
		wire_sink_puts(s, " protocol path counts not kept)\n");
	}
	wire_sink_puts(s, eq);
	convs(st, s, 6);
	convs(st, s, 17);
	if (st->conv_other) {
		wire_sink_puts(s, "(conversation table full at ");
		wire_pr_u(s, WIRE_STATS_CONV_MAX * 3u / 4u);
		wire_sink_puts(s, " entries: ");
		wire_pr_u(s, st->conv_other);
		wire_sink_puts(s, " packets of further conversations not listed)\n");
	}
}
