/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --flow (include/wire/flow.h): the arrows are kept compactly, then the
 * ladder is drawn line by line into a fixed buffer: every line is at most
 * the lanes' width (WIRE_FLOW_NODES_MAX * LANE + 1) plus the headers and
 * the comment.
 */
#include "wire/flow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/dissect.h"
#include "wire/limits.h"
#include "wire/sink.h"

#define LANE 20u /* columns per host (NODE_CHARS_WIDTH) */
#define LINE_MAX (WIRE_FLOW_NODES_MAX * LANE + 128u)
#define NS 1000000000ll

struct item {
	int64_t t; /* ns since the start */
	uint32_t seq, ack, len, stream;
	uint16_t sport, dport, flags;
	uint8_t src, dst; /* lanes */
	uint8_t digits;
	uint8_t ace; /* AccECN set up (wire_flow_seg) */
};

struct node {
	uint8_t alen;
	uint8_t a[16];
};

struct wire_flow {
	struct wire_flow_stats st;
	struct item *it;
	size_t cap;
	struct timespec t0;
	int t0_set;
	unsigned nn;
	struct node nodes[WIRE_FLOW_NODES_MAX];
};

struct wire_flow *wire_flow_new(void)
{
	return calloc(1, sizeof(struct wire_flow));
}

void wire_flow_free(struct wire_flow *f)
{
	if (!f)
		return;
	free(f->it);
	free(f);
}

const struct wire_flow_stats *wire_flow_stats(const struct wire_flow *f)
{
	return &f->st;
}

void wire_flow_set_start(struct wire_flow *f, const struct timespec *t0)
{
	f->t0 = *t0;
	f->t0_set = 1;
}

/* The lane of host a, added when new; -1 past the limit. */
static int lane(struct wire_flow *f, uint8_t alen, const uint8_t *a)
{
	for (unsigned i = 0; i < f->nn; i++)
		if (f->nodes[i].alen == alen && !memcmp(f->nodes[i].a, a, alen))
			return (int)i;
	if (f->nn >= WIRE_FLOW_NODES_MAX)
		return -1;
	f->nodes[f->nn].alen = alen;
	memcpy(f->nodes[f->nn].a, a, alen);
	return (int)f->nn++;
}

static int grow(struct wire_flow *f)
{
	if (f->st.items < f->cap)
		return 0;
	size_t cap = f->cap ? f->cap * 2 : 1024;
	if (cap > WIRE_FLOW_ITEMS_MAX)
		cap = WIRE_FLOW_ITEMS_MAX;
	struct item *it = realloc(f->it, cap * sizeof(*it));
	if (!it)
		return -ENOMEM;
	f->it = it;
	f->cap = cap;
	return 0;
}

int wire_flow_add(struct wire_flow *f, const struct wire_flow_seg *s)
{
	if (s->alen != 4 && s->alen != 16)
		return 0;
	if (f->st.items >= WIRE_FLOW_ITEMS_MAX) {
		f->st.over_items++;
		return 0;
	}
	if (grow(f) < 0) {
		f->st.over_items++;
		return -ENOMEM;
	}
	int a = lane(f, s->alen, s->src), b = a < 0 ? -1 : lane(f, s->alen, s->dst);
	if (b < 0) {
		f->st.over_nodes++;
		return 0;
	}
	if (!f->t0_set)
		wire_flow_set_start(f, &s->ts);
	struct item *it = &f->it[f->st.items++];
	it->t = ((int64_t)s->ts.tv_sec - f->t0.tv_sec) * NS + (s->ts.tv_nsec - f->t0.tv_nsec);
	it->seq = s->seq;
	it->ack = (s->flags & WIRE_TH_ACK) ? s->ack : 0;
	it->len = s->len;
	it->stream = s->stream;
	it->sport = s->sport;
	it->dport = s->dport;
	it->flags = s->flags;
	it->ace = s->ace;
	it->src = (uint8_t)a;
	it->dst = (uint8_t)b;
	it->digits = s->digits > 9 ? 9 : s->digits;
	return 0;
}

/* A line being drawn: text of len bytes in a fixed buffer. */
struct line {
	char p[LINE_MAX];
	size_t len;
};

static void pad(struct line *l, size_t to, char c)
{
	while (l->len < to && l->len < sizeof(l->p))
		l->p[l->len++] = c;
}

static void add(struct line *l, const char *s)
{
	size_t n = strlen(s);
	if (n > sizeof(l->p) - l->len)
		n = sizeof(l->p) - l->len;
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

/* Writes text over the columns from p1 to p2 (either order), cut to them.
 * Where the line is too short for that it is inserted at pos instead (the
 * line's tail moves right), as Wireshark's overwrite() ends up doing. */
static void over(struct line *l, const char *text, size_t p1, size_t p2)
{
	size_t pos = p1 < p2 ? p1 : p2, n = p1 < p2 ? p2 - p1 : p1 - p2;
	if (strlen(text) < n)
		n = strlen(text);
	if (pos > l->len)
		pos = l->len;
	if (pos + n > l->len) { /* insert */
		if (l->len + n > sizeof(l->p))
			return;
		memmove(l->p + pos + n, l->p + pos, l->len - pos);
		l->len += n;
	}
	memcpy(l->p + pos, text, n);
}

static int put(struct wire_sink *out, const struct line *l)
{
	int rc = wire_sink_write(out, l->p, l->len);
	return rc < 0 ? rc : wire_sink_putc(out, '\n');
}

static void node_name(const struct node *n, char *buf, size_t size)
{
	if (!inet_ntop(n->alen == 4 ? AF_INET : AF_INET6, n->a, buf, (socklen_t)size))
		buf[0] = '\0';
}

static int several_streams(const struct wire_flow *f)
{
	for (size_t i = 1; i < f->st.items; i++)
		if (f->it[i].stream != f->it[0].stream)
			return 1;
	return 0;
}

/* The two header lines: even lanes' hosts on the first, odd on the second. */
static int header(const struct wire_flow *f, struct wire_sink *out, int conv)
{
	char name[INET6_ADDRSTRLEN + 2];
	struct line l = {.len = 0};
	add(&l, conv ? "Conv.| Time    " : "|Time     ");
	for (unsigned i = 0; i < f->nn; i += 2) {
		size_t at = l.len;
		node_name(&f->nodes[i], name, sizeof(name));
		add(&l, "| ");
		add(&l, name);
		pad(&l, at + 2 * LANE, ' ');
	}
	add(&l, "|");
	int rc = put(out, &l);
	l.len = 0;
	add(&l, conv ? "     |         " : "|         ");
	add(&l, "| ");
	pad(&l, l.len + LANE - 2, ' ');
	for (unsigned i = 1; i < f->nn && rc >= 0; i += 2) {
		size_t at = l.len;
		node_name(&f->nodes[i], name, sizeof(name));
		add(&l, "| ");
		add(&l, name);
		if (l.len - at < LANE) {
			pad(&l, at + LANE, ' ');
			add(&l, "| ");
		}
		pad(&l, at + 2 * LANE, ' ');
	}
	return rc < 0 ? rc : put(out, &l);
}

/* The flags as tshark 4.0 names them: with AccECN set up (ace), AE, CWR and
 * ECE as one counter, "ACE=n". */
static void flag_names(uint16_t flags, int ace, char *buf, size_t size)
{
	static const char *const names[] = {"FIN", "SYN", "RST", "PSH", "ACK",
	                                    "URG", "ECE", "CWR", "AE"};
	struct line l = {.len = 0};
	for (unsigned i = 0; i < (ace ? 6u : sizeof(names) / sizeof(names[0])); i++)
		if (flags & (1u << i)) {
			add(&l, l.len ? ", " : "");
			add(&l, names[i]);
		}
	if (ace) {
		char n[8];
		snprintf(n, sizeof(n), "ACE=%u", (flags >> 6) & 7u); /* AE CWR ECE, high to low */
		add(&l, l.len ? ", " : "");
		add(&l, n);
	}
	if (flags & WIRE_TH_RESERVED) {
		add(&l, l.len ? ", " : "");
		add(&l, "Reserved");
	}
	if (l.len)
		snprintf(buf, size, "%.*s", (int)l.len, l.p);
	else
		snprintf(buf, size, "<None>");
}

/* The time since the start in the packet's precision (cut, not rounded). */
static void time_text(const struct item *it, char *buf, size_t size)
{
	const char *sign = it->t < 0 ? "-" : "";
	uint64_t u = it->t < 0 ? (uint64_t)-it->t : (uint64_t)it->t, div = 1;
	int digits = it->digits > 9 ? 9 : it->digits;
	for (int k = digits; k < 9; k++)
		div *= 10;
	if (!digits)
		snprintf(buf, size, "|%s%llu", sign, (unsigned long long)(u / NS));
	else
		snprintf(buf, size, "|%s%llu.%0*llu", sign, (unsigned long long)(u / NS), digits,
		         (unsigned long long)(u % NS / div));
}

/* The empty lanes: "| " and spaces for each host, then "|". */
static void lanes(struct line *l, unsigned nn)
{
	for (unsigned i = 0; i < nn; i++) {
		size_t at = l->len;
		add(l, "|");
		pad(l, at + LANE, ' ');
	}
	add(l, "|");
}

/* The arrow from column s to column e and the ports at its ends. */
static void arrow(const struct item *it, struct line *l, size_t s, size_t e)
{
	char a[LINE_MAX], sp[8], dp[8];
	size_t w = s < e ? e - s : s - e;
	memset(a, '-', w - 1);
	a[w - 1] = '\0';
	if (s < e)
		a[w - 2] = '>';
	else
		a[0] = '<';
	over(l, a, s, e);
	snprintf(sp, sizeof(sp), "(%u)", (unsigned)it->sport);
	snprintf(dp, sizeof(dp), "(%u)", (unsigned)it->dport);
	if (s < e) {
		over(l, sp, s - 9, s - 1);
		over(l, dp, e + 1, e + 9);
	} else {
		over(l, sp, s + 1, s + 9);
		over(l, dp, e - 9, e + 1);
	}
}

static int item_out(const struct wire_flow *f, const struct item *it, int conv,
                    struct wire_sink *out)
{
	size_t s = it->src * LANE + LANE / 2, e = it->dst * LANE + LANE / 2;
	if (s == e)
		e = s + LANE;
	char flags[64], text[96];
	struct line l = {.len = 0}, body = {.len = 0};
	if (conv) {
		snprintf(text, sizeof(text), "%u", it->stream);
		add(&l, text);
		pad(&l, 5, ' ');
	}
	size_t at = l.len;
	time_text(it, text, sizeof(text));
	add(&l, text);
	pad(&l, at + 10, ' ');
	flag_names(it->flags, it->ace, flags, sizeof(flags));
	if (it->len)
		snprintf(text, sizeof(text), "%s - Len: %u", flags, it->len);
	else
		snprintf(text, sizeof(text), "%s", flags);
	lanes(&body, f->nn);
	over(&body, text, s, e);
	int rc = wire_sink_write(out, l.p, l.len);
	if (rc >= 0)
		rc = wire_sink_write(out, body.p, body.len);
	if (rc >= 0)
		rc = (it->flags & WIRE_TH_ACK)
		         ? wire_sink_printf(out, "Seq = %u Ack = %u\n", it->seq, it->ack)
		         : wire_sink_printf(out, "Seq = %u\n", it->seq);
	if (rc < 0)
		return rc;
	l.len = 0;
	add(&l, conv ? "     |         " : "|         ");
	body.len = 0;
	lanes(&body, f->nn);
	arrow(it, &body, s, e);
	rc = wire_sink_write(out, l.p, l.len);
	return rc < 0 ? rc : put(out, &body);
}

int wire_flow_write(const struct wire_flow *f, struct wire_sink *out)
{
	if (!f->st.items)
		return 0;
	int conv = several_streams(f);
	int rc = header(f, out, conv);
	struct line sep = {.len = 0};
	pad(&sep, (size_t)f->nn * LANE + 1 + (conv ? 16 : 10), '-');
	uint32_t cur = f->it[0].stream;
	for (size_t i = 0; i < f->st.items && rc >= 0; i++) {
		if (f->it[i].stream != cur) {
			cur = f->it[i].stream;
			if ((rc = put(out, &sep)) < 0)
				break;
		}
		rc = item_out(f, &f->it[i], conv, out);
	}
	return rc < 0 ? rc : 0;
}
