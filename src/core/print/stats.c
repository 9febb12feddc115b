/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --stats: what tshark's -z io,phs and -z conv,tcp / conv,udp give, in fixed
 * memory. The protocol hierarchy counts frames and bytes for every prefix of
 * each packet's layer path (eth, eth:ip, eth:ip:udp, ...) in a table of at
 * most WIRE_STATS_PATHS_MAX paths (more are counted as "other", never grown).
 * Conversations (address:port pairs, both directions in one entry) live in a
 * table of WIRE_STATS_CONV_MAX entries allocated once, found through hash
 * chains. When it is full, a new conversation takes the place of the one with
 * the smallest count (Space-Saving, Metwally et al. 2005, weighted by bytes;
 * a min-heap over the entries is built the first time the table fills, so a
 * capture that fits pays nothing for it). The newcomer inherits the evicted
 * count as its error: it may have had up to that many bytes before it
 * entered. Guarantees, with W the bytes counted and K the table size: every
 * left-out conversation had at most min (the smallest count kept, <= W/K)
 * bytes, so any conversation larger than that is listed; a listed count
 * (counted + error) over-estimates by at most its error (<= W/K). At the end
 * the top WIRE_STATS_CONV_TOP conversations by that count are printed per
 * protocol, their counted frames and bytes exact, the error shown when not 0
 * and the header saying how many were left out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pr.h"
#include "wire/view.h"

#define PATH_TEXT 120u

struct path {
	char name[PATH_TEXT];
	uint8_t depth, len;
	uint64_t frames, bytes;
};

#define CONV_NONE 0u /* empty hash bucket / end of chain (entries are 1-based there) */

struct conv {
	uint8_t proto, fam; /* proto 6/17; fam 4/6 */
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint32_t stream; /* TCP: tcp.stream + 1 (a reused 4-tuple is another one); 0: none */
	uint64_t f_ab, b_ab, f_ba, b_ba;
	uint64_t err;  /* bytes it may have had before it entered (Space-Saving) */
	uint32_t next; /* next entry + 1 in the hash chain, CONV_NONE at the end */
	uint32_t hpos; /* place in the min-heap (once built) */
};

struct wire_stats {
	unsigned npaths;
	uint64_t path_other;
	unsigned nconv;
	int heap_built;        /* the table filled up once: heap[] is in use */
	uint64_t out_convs[2]; /* conversations left out: TCP, UDP */
	uint64_t out_frames, out_bytes;
	uint64_t frames, bytes;
	struct path paths[WIRE_STATS_PATHS_MAX];
	uint32_t head[WIRE_STATS_CONV_MAX]; /* hash bucket -> first entry + 1 */
	uint32_t heap[WIRE_STATS_CONV_MAX]; /* entries by count, smallest first */
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

/* Space-Saving's count: the bytes counted plus what it may have had before. */
static uint64_t conv_count(const struct conv *v)
{
	return v->b_ab + v->b_ba + v->err;
}

static void heap_swap(struct wire_stats *st, uint32_t i, uint32_t j)
{
	uint32_t t = st->heap[i];
	st->heap[i] = st->heap[j];
	st->heap[j] = t;
	st->conv[st->heap[i]].hpos = i;
	st->conv[st->heap[j]].hpos = j;
}

/* Moves heap entry i down while a child has a smaller count. */
static void heap_down(struct wire_stats *st, uint32_t i)
{
	uint32_t n = st->nconv;
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n &&
		    conv_count(&st->conv[st->heap[l]]) < conv_count(&st->conv[st->heap[m]]))
			m = l;
		if (r < n &&
		    conv_count(&st->conv[st->heap[r]]) < conv_count(&st->conv[st->heap[m]]))
			m = r;
		if (m == i)
			return;
		heap_swap(st, i, m);
		i = m;
	}
}

static void heap_build(struct wire_stats *st)
{
	for (uint32_t i = 0; i < st->nconv; i++) {
		st->heap[i] = i;
		st->conv[i].hpos = i;
	}
	for (uint32_t i = st->nconv / 2; i-- > 0;)
		heap_down(st, i);
	st->heap_built = 1;
}

/* Removes entry idx from the hash chain of bucket h. */
static void chain_unlink(struct wire_stats *st, uint32_t h, uint32_t idx)
{
	uint32_t *at = &st->head[h];
	while (*at != CONV_NONE && *at != idx + 1u)
		at = &st->conv[*at - 1u].next;
	if (*at != CONV_NONE)
		*at = st->conv[idx].next;
}

static uint32_t conv_hash(const struct conv *v)
{
	uint8_t key[42];
	key[0] = v->proto;
	key[1] = v->fam;
	memcpy(key + 2, v->a, 16);
	memcpy(key + 18, v->b, 16);
	key[34] = (uint8_t)(v->pa >> 8);
	key[35] = (uint8_t)v->pa;
	key[36] = (uint8_t)(v->pb >> 8);
	key[37] = (uint8_t)v->pb;
	memcpy(key + 38, &v->stream, 4);
	return hash(key, sizeof(key)) % WIRE_STATS_CONV_MAX;
}

static int conv_same(const struct conv *x, const struct conv *y)
{
	return x->proto == y->proto && x->fam == y->fam && x->pa == y->pa && x->pb == y->pb &&
	       x->stream == y->stream && !memcmp(x->a, y->a, 16) && !memcmp(x->b, y->b, 16);
}

/* The entry for key k (only its key fields set): found, or a free one, or
 * the one with the smallest count, which k replaces (Space-Saving). */
static struct conv *conv_slot(struct wire_stats *st, const struct conv *k)
{
	uint32_t h = conv_hash(k);
	for (uint32_t e = st->head[h]; e != CONV_NONE; e = st->conv[e - 1u].next)
		if (conv_same(&st->conv[e - 1u], k))
			return &st->conv[e - 1u];
	uint32_t idx;
	uint64_t err = 0;
	if (st->nconv < WIRE_STATS_CONV_MAX) {
		idx = st->nconv++;
	} else {
		if (!st->heap_built)
			heap_build(st);
		idx = st->heap[0];
		struct conv *old = &st->conv[idx];
		err = conv_count(old);
		st->out_convs[old->proto == 6 ? 0 : 1]++;
		st->out_frames += old->f_ab + old->f_ba;
		st->out_bytes += old->b_ab + old->b_ba;
		chain_unlink(st, conv_hash(old), idx);
	}
	struct conv *v = &st->conv[idx];
	uint32_t hpos = v->hpos;
	*v = *k;
	v->err = err;
	v->hpos = hpos;
	v->next = st->head[h];
	st->head[h] = idx + 1u;
	return v;
}

/* The conversation key of d's transport layer (layer tp) into *k (a before
 * b by address, then port); *fwd says whether the packet goes from a to b.
 * TCP conversations are told apart by tcp_stream (-1: by addresses only).
 * Returns 0 when d has no TCP or UDP over IP. */
static int conv_key_at(const struct wire_dissect *d, int tp, long tcp_stream, struct conv *k,
                       int *fwd)
{
	if (tp < 0)
		return 0;
	const struct wire_layer *ip = NULL, *t = &d->l[tp];
	/* the IP layer that carries the transport layer: the last one before it */
	for (int i = tp - 1; i >= 0 && !ip; i--)
		if (d->l[i].kind == WIRE_L_IPV4 || d->l[i].kind == WIRE_L_IPV6)
			ip = &d->l[i];
	if (!ip)
		return 0;
	uint8_t src[16] = {0}, dst[16] = {0};
	memset(k, 0, sizeof(*k));
	if (ip->kind == WIRE_L_IPV4) {
		memcpy(src, ip->u.ip4.src, 4);
		memcpy(dst, ip->u.ip4.dst, 4);
		k->fam = 4;
	} else {
		memcpy(src, ip->u.ip6.src, 16);
		memcpy(dst, wire_ip6_conv_dst(d, (int)(ip - d->l)), 16); /* as tshark */
		k->fam = 6;
	}
	k->proto = t->kind == WIRE_L_TCP ? 6 : 17;
	k->stream = k->proto == 6 && tcp_stream >= 0 ? (uint32_t)tcp_stream + 1u : 0;
	uint16_t sp = k->proto == 6 ? t->u.tcp.sport : t->u.udp.sport;
	uint16_t dp = k->proto == 6 ? t->u.tcp.dport : t->u.udp.dport;
	int c = memcmp(src, dst, 16);
	*fwd = c < 0 || (c == 0 && sp <= dp);
	memcpy(k->a, *fwd ? src : dst, 16);
	memcpy(k->b, *fwd ? dst : src, 16);
	k->pa = *fwd ? sp : dp;
	k->pb = *fwd ? dp : sp;
	return 1;
}

/* Returns the index of the next UDP layer from i on that carries a VXLAN or
 * Geneve tunnel (tshark counts its conversation as well as the inner one),
 * or -1. */
static int tunnel_udp(const struct wire_dissect *d, int i)
{
	for (; i >= 0 && (unsigned)i + 1 < d->n; i++)
		if (d->l[i].kind == WIRE_L_UDP &&
		    (d->l[i + 1].kind == WIRE_L_VXLAN || d->l[i + 1].kind == WIRE_L_GENEVE))
			return i;
	return -1;
}

static void count_conv_at(struct wire_stats *st, const struct wire_dissect *d, int tp,
                          uint32_t bytes, long tcp_stream)
{
	struct conv k;
	int fwd;
	if (!conv_key_at(d, tp, tcp_stream, &k, &fwd))
		return;
	struct conv *v = conv_slot(st, &k);
	if (fwd) {
		v->f_ab++;
		v->b_ab += bytes;
	} else {
		v->f_ba++;
		v->b_ba += bytes;
	}
	if (st->heap_built)
		heap_down(st, v->hpos); /* its count grew */
}

static void count_conv(struct wire_stats *st, const struct wire_dissect *d, uint32_t bytes,
                       long tcp_stream)
{
	count_conv_at(st, d, d->tp, bytes, tcp_stream);
	for (int u = tunnel_udp(d, 0); u >= 0; u = tunnel_udp(d, u + 1))
		if (u != d->tp)
			count_conv_at(st, d, u, bytes, -1);
}

void wire_stats_add(struct wire_stats *st, const struct wire_dissect *d, long tcp_stream)
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
	count_conv(st, d, bytes, tcp_stream);
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

/* Inserts v into top (ntop entries, at most WIRE_STATS_CONV_TOP) by count. */
static void top_insert(const struct conv **top, unsigned *ntop, const struct conv *v)
{
	uint64_t cnt = conv_count(v);
	unsigned pos = *ntop;
	while (pos > 0 && conv_count(top[pos - 1]) < cnt)
		pos--;
	if (pos >= WIRE_STATS_CONV_TOP)
		return;
	unsigned end = *ntop < WIRE_STATS_CONV_TOP ? *ntop : WIRE_STATS_CONV_TOP - 1;
	for (unsigned k = end; k > pos; k--)
		top[k] = top[k - 1];
	top[pos] = v;
	if (*ntop < WIRE_STATS_CONV_TOP)
		(*ntop)++;
}

/* "TCP Conversations (N conversations, top 20 by bytes)", or with the table
 * overflowed "(N kept, M left out (table full), top 20 by bytes)". */
static void conv_header(struct wire_stats *st, struct wire_sink *s, uint8_t proto, unsigned total,
                        unsigned ntop)
{
	wire_sink_puts(s, proto == 6 ? "TCP Conversations" : "UDP Conversations");
	wire_sink_write(s, " (", 2);
	wire_pr_u(s, total);
	if (st->heap_built) {
		wire_sink_puts(s, " kept, ");
		wire_pr_u(s, st->out_convs[proto == 6 ? 0 : 1]);
		wire_sink_puts(s, " left out (table full)");
	} else {
		wire_sink_puts(s, total == 1 ? " conversation" : " conversations");
	}
	if (total > ntop) {
		wire_sink_write(s, ", top ", 6);
		wire_pr_u(s, ntop);
		wire_sink_puts(s, " by bytes");
	}
	wire_sink_write(s, ")\n", 2);
}

static void conv_row(struct wire_sink *s, const struct conv *v)
{
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
	if (v->err) {
		wire_sink_puts(s, "  +<=");
		wire_pr_u(s, v->err);
	}
	wire_sink_putc(s, '\n');
}

static void convs(struct wire_stats *st, struct wire_sink *s, uint8_t proto)
{
	static const char eq[] =
	    "================================================================================\n";
	const struct conv *top[WIRE_STATS_CONV_TOP];
	unsigned ntop = 0, total = 0;
	for (unsigned i = 0; i < st->nconv; i++) {
		if (st->conv[i].proto != proto)
			continue;
		total++;
		top_insert(top, &ntop, &st->conv[i]);
	}
	wire_sink_puts(s, eq);
	conv_header(st, s, proto, total, ntop);
	/* the header in the rows' columns: 46 + " <-> " + 46, then 11 11 15 11 15 11 */
	wire_sink_puts(s, "Address A");
	pad(s, 9, 46);
	wire_sink_puts(s, "     Address B");
	pad(s, 14, 51);
	wire_sink_puts(
	    s, "A->B frames      bytes    B->A frames      bytes   Total frames      bytes\n");
	for (unsigned i = 0; i < ntop; i++)
		conv_row(s, top[i]);
	wire_sink_puts(s, eq);
}

/* What the conversation table left out, and the bounds Space-Saving gives. */
static void conv_note(struct wire_stats *st, struct wire_sink *s)
{
	wire_sink_puts(s, "(conversation table full at ");
	wire_pr_u(s, WIRE_STATS_CONV_MAX);
	wire_sink_puts(s, " entries: ");
	wire_pr_u(s, st->out_convs[0] + st->out_convs[1]);
	wire_sink_puts(s, " conversations left out (");
	wire_pr_u(s, st->out_frames);
	wire_sink_puts(s, " packets, ");
	wire_pr_u(s, st->out_bytes);
	wire_sink_puts(s, " bytes); each had at most ");
	wire_pr_u(s, conv_count(&st->conv[st->heap[0]]));
	wire_sink_puts(s, " bytes, so every larger conversation is listed. The table is ranked "
	                  "by bytes plus the bound '+<=N' shown for a conversation that entered "
	                  "late: it may have had up to N bytes before (Space-Saving))\n");
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
	if (st->heap_built)
		conv_note(st, s);
}

/* ---- the view's JSON (wirecat view: /api/hier, /api/convs) ---- */

void wire_stats_hier_json(const struct wire_stats *st, struct wire_sink *s)
{
	wire_sink_printf(s, "{\"frames\":%llu,\"bytes\":%llu,\"other\":%llu,\"paths\":[",
	                 (unsigned long long)st->frames, (unsigned long long)st->bytes,
	                 (unsigned long long)st->path_other);
	for (unsigned i = 0; i < st->npaths; i++) {
		const struct path *p = &st->paths[i];
		wire_sink_printf(s, "%s[", i ? "," : "");
		wire_view_json_str(s, p->name, p->len);
		wire_sink_printf(s, ",%u,%llu,%llu]", p->depth, (unsigned long long)p->frames,
		                 (unsigned long long)p->bytes);
	}
	wire_sink_puts(s, "]}");
}

void wire_stats_convs_json(struct wire_stats *st, struct wire_sink *s, unsigned max)
{
	wire_sink_printf(s, "{\"kept\":%u,\"left_out\":%llu,\"convs\":[", st->nconv,
	                 (unsigned long long)(st->out_convs[0] + st->out_convs[1]));
	for (unsigned i = 0; i < st->nconv && i < max; i++) {
		const struct conv *v = &st->conv[i];
		char a[64], b[64];
		endpoint(a, v->a, v->fam, v->pa);
		endpoint(b, v->b, v->fam, v->pb);
		wire_sink_printf(s, "%s{\"id\":%u,\"k\":\"%s\",\"a\":", i ? "," : "", i + 1,
		                 v->proto == 6 ? "tcp" : "udp");
		wire_view_json_str(s, a, strlen(a));
		wire_sink_puts(s, ",\"b\":");
		wire_view_json_str(s, b, strlen(b));
		wire_sink_printf(s,
		                 ",\"f_ab\":%llu,\"b_ab\":%llu,\"f_ba\":%llu,\"b_ba\":%llu,"
		                 "\"err\":%llu}",
		                 (unsigned long long)v->f_ab, (unsigned long long)v->b_ab,
		                 (unsigned long long)v->f_ba, (unsigned long long)v->b_ba,
		                 (unsigned long long)v->err);
	}
	wire_sink_puts(s, "]}");
}

int wire_stats_conv_of(const struct wire_stats *st, unsigned id, struct wire_stats_key *key)
{
	if (id < 1 || id > st->nconv)
		return -ENOENT;
	_Static_assert(sizeof(key->k) >= sizeof(struct conv), "key room");
	memcpy(key->k, &st->conv[id - 1], sizeof(struct conv));
	return 0;
}

int wire_stats_in_conv(const struct wire_stats_key *key, const struct wire_dissect *d)
{
	struct conv k, want;
	int fwd;
	memcpy(&want, key->k, sizeof(want));
	int tp = d->tp;
	if (tp < 0 && d->bad >= 0) { /* a TCP/UDP header cut or invalid: its ports were read */
		const struct wire_layer *l = &d->l[d->bad];
		if ((l->kind == WIRE_L_TCP || l->kind == WIRE_L_UDP) && !l->quoted && l->have >= 4)
			tp = d->bad;
	}
	want.err = 0;
	if (conv_key_at(d, tp, (long)want.stream - 1, &k, &fwd) && conv_same(&k, &want))
		return 1;
	for (int u = tunnel_udp(d, 0); u >= 0; u = tunnel_udp(d, u + 1))
		if (conv_key_at(d, u, -1, &k, &fwd) && conv_same(&k, &want))
			return 1;
	return 0;
}
