/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The sort of `wirecat view FILE`'s packet list (view_srv.c runs it): a
 * fixed-size key per packet for the column sorted, compared bytewise, and an
 * in-place heap sort done a step at a time so that it runs in the loop's
 * slices and needs no memory beyond the keys. Addresses sort by their bytes
 * (10.0.0.2 before 10.0.0.10, IPv4 before IPv6), as web/view.js sorts an
 * --html page.
 */
#include <stdio.h>
#include <string.h>

#include "view_int.h"
#include "wire/dissect.h"

_Static_assert(sizeof(struct wire_vsort_ent) == 24, "a sort entry is 24 bytes");

static const char *const col_names[WIRE_VC_COUNT] = {"n", "t", "src", "dst", "p", "len", "info"};

int wire_vsort_col(const char *name)
{
	for (int c = 0; c < WIRE_VC_COUNT; c++)
		if (!strcmp(name, col_names[c]))
			return c;
	return -1;
}

const char *wire_vsort_col_name(int col)
{
	return col >= 0 && col < WIRE_VC_COUNT ? col_names[col] : "?";
}

const struct wire_layer *wire_view_addr_layer(const struct wire_dissect *d)
{
	if (d->ip >= 0)
		return &d->l[d->ip];
	for (unsigned i = 0; i < d->n; i++)
		if (d->l[i].kind == WIRE_L_ARP)
			return &d->l[i];
	if (d->n && d->l[0].kind == WIRE_L_ETH)
		return &d->l[0];
	return NULL;
}

static void put_be(uint8_t *k, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		k[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* The address the column shows, as a kind byte and its bytes. */
static void addr_key(const struct wire_dissect *d, int dst, uint8_t *k)
{
	const struct wire_layer *l = wire_view_addr_layer(d);
	if (!l)
		return;
	switch (l->kind) {
	case WIRE_L_IPV4:
		k[0] = 1;
		memcpy(k + 1, dst ? l->u.ip4.dst : l->u.ip4.src, 4);
		break;
	case WIRE_L_IPV6:
		k[0] = 2;
		memcpy(k + 1, dst ? l->u.ip6.dst : l->u.ip6.src, 16);
		break;
	case WIRE_L_ARP:
		if (l->u.arp.plen == 4) {
			k[0] = 1;
			memcpy(k + 1, dst ? l->u.arp.tpa : l->u.arp.spa, 4);
		}
		break;
	case WIRE_L_ETH:
		k[0] = 3;
		memcpy(k + 1, dst ? l->u.eth.dst : l->u.eth.src, 6);
		break;
	default: break;
	}
}

/* After "A > B: " from t[i] (A and B without spaces, B ending in ':'): the
 * place of what follows, or -1. */
static long after_addrs(const uint8_t *t, size_t m, size_t i)
{
	size_t a = i;
	while (i < m && t[i] != ' ')
		i++;
	if (i == a || m - i < 3 || memcmp(t + i, " > ", 3))
		return -1;
	a = i += 3;
	while (i < m && t[i] != ' ')
		i++;
	if (i >= m || i - a < 2 || t[i - 1] != ':')
		return -1;
	return (long)i + 1;
}

/* Where the Info column starts in a summary "IP[6] [(...)] A > B: REST",
 * or -1 (view.js infoText's pattern). */
static long info_rest(const uint8_t *t, size_t m)
{
	size_t i;
	if (m >= 3 && !memcmp(t, "IP ", 3))
		i = 3;
	else if (m >= 4 && !memcmp(t, "IP6 ", 4))
		i = 4;
	else
		return -1;
	long r = after_addrs(t, m, i);
	if (r >= 0 || i >= m || t[i] != '(')
		return r;
	size_t j = i + 1;
	while (j < m && t[j] != ')')
		j++;
	if (j + 1 >= m || t[j + 1] != ' ')
		return -1;
	return after_addrs(t, m, j + 2);
}

/* The outer TCP or UDP header's ports (view.c's view_transport). Returns 1
 * when there is one. */
static int ports(const struct wire_dissect *d, unsigned *sp, unsigned *dp)
{
	for (unsigned i = 0; i < d->n; i++) {
		const struct wire_layer *l = &d->l[i];
		if (l->quoted || (l->kind != WIRE_L_TCP && l->kind != WIRE_L_UDP))
			continue;
		*sp = l->kind == WIRE_L_TCP ? l->u.tcp.sport : l->u.udp.sport;
		*dp = l->kind == WIRE_L_TCP ? l->u.tcp.dport : l->u.udp.dport;
		return 1;
	}
	return 0;
}

/* The Info column's first WIRE_VIEW_SORT_KEY bytes: "SP → DP REST". */
static void info_key(struct view *v, const struct wire_pkt *pkt, uint8_t *k)
{
	wire_buf_reset(&v->line.mem);
	v->line.sink.n = 0;
	v->line.sink.err = 0;
	wire_printer_packet(v->line.p, pkt);
	wire_sink_flush(&v->line.sink);
	size_t m = wire_buf_used(&v->line.mem);
	const uint8_t *t = wire_buf_head(&v->line.mem);
	while (m && (t[m - 1] == '\n' || t[m - 1] == ' '))
		m--;
	long r = info_rest(t, m);
	char pre[32] = "";
	unsigned sp, dp;
	if (r >= 0 && ports(&v->d, &sp, &dp))
		snprintf(pre, sizeof(pre), "%u \xe2\x86\x92 %u ", sp, dp);
	size_t np = strlen(pre), at = r >= 0 ? (size_t)r : 0;
	if (np > WIRE_VIEW_SORT_KEY)
		np = WIRE_VIEW_SORT_KEY;
	memcpy(k, pre, np);
	size_t nt = m - at < WIRE_VIEW_SORT_KEY - np ? m - at : WIRE_VIEW_SORT_KEY - np;
	if (nt)
		memcpy(k + np, t + at, nt);
}

void wire_vsort_key(struct view *v, int col, const struct wire_pkt *pkt, uint8_t *k)
{
	memset(k, 0, WIRE_VIEW_SORT_KEY);
	if (col == WIRE_VC_T) {
		put_be(k, (uint64_t)(int64_t)pkt->ts.tv_sec ^ (1ull << 63), 8);
		put_be(k + 8, (uint64_t)pkt->ts.tv_nsec, 4);
		return;
	}
	if (col == WIRE_VC_LEN) {
		put_be(k, pkt->wirelen, 4);
		return;
	}
	if (col == WIRE_VC_N)
		return;
	wire_dissect(&v->d, pkt);
	if (col == WIRE_VC_SRC || col == WIRE_VC_DST) {
		addr_key(&v->d, col == WIRE_VC_DST, k);
	} else if (col == WIRE_VC_P) {
		const char *p = v->d.n ? wire_layer_name(v->d.l[v->d.n - 1].kind) : "?";
		if (!strcmp(p, "ip"))
			p = "ipv4"; /* as the page shows it */
		size_t n = strlen(p);
		memcpy(k, p, n < WIRE_VIEW_SORT_KEY ? n : WIRE_VIEW_SORT_KEY);
	} else {
		info_key(v, pkt, k);
	}
}

/* a before b in the order asked for: 1, else 0 (never equal: numbers differ). */
static int before(const struct wire_vsort_ent *a, const struct wire_vsort_ent *b, int desc)
{
	int c = memcmp(a->k, b->k, WIRE_VIEW_SORT_KEY);
	if (c)
		return desc ? c > 0 : c < 0;
	return a->n < b->n;
}

static void sift(struct wire_vsort_ent *e, uint32_t i, uint32_t n, int desc)
{
	for (;;) {
		uint32_t c = 2 * i + 1, big = i;
		if (c < n && before(&e[big], &e[c], desc))
			big = c;
		if (c + 1 < n && before(&e[big], &e[c + 1], desc))
			big = c + 1;
		if (big == i)
			return;
		struct wire_vsort_ent t = e[i];
		e[i] = e[big];
		e[big] = t;
		i = big;
	}
}

int wire_vsort_step(struct wire_vsort_ent *e, uint32_t n, int desc, uint32_t *hi, uint32_t *hend)
{
	if (*hi > 0) {
		sift(e, --*hi, n, desc);
		return 1;
	}
	if (*hend <= 1)
		return 0;
	struct wire_vsort_ent t = e[0];
	e[0] = e[*hend - 1];
	e[*hend - 1] = t;
	sift(e, 0, --*hend, desc);
	return *hend > 1;
}
