/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP sequence analysis (include/wire/tcpanalysis.h): the tcp.analysis.*
 * flags of each segment, following the checks of Wireshark's
 * tcp_analyze_sequence_number() in their order. Sequence comparisons are
 * modulo 2^32; a next sequence number of 0 means "not known yet", as there.
 */
#include <stdlib.h>
#include <string.h>

#include "wire/dissect.h"
#include "wire/fields.h"
#include "wire/limits.h"
#include "wire/tcpanalysis.h"

#define NS_PER_MS 1000000ull
#define OOO_THRES_NS (3ull * NS_PER_MS)     /* out-of-order when no iRTT is known */
#define FAST_RETRANS_NS (20ull * NS_PER_MS) /* after the last duplicate ACK */
#define WS_UNKNOWN (-1)                     /* no SYN seen: window scale unknown */
#define WS_NONE (-2)                        /* SYNs seen without the option: windows are unscaled */
#define SFR (WIRE_TH_SYN | WIRE_TH_FIN | WIRE_TH_RST)

struct dir {
	uint8_t base_set;
	uint8_t rel_set; /* rel_base: tshark's base for relative numbers */
	uint32_t rel_base;
	int8_t ws;
	uint16_t win;
	uint32_t base_seq, nextseq, maxseqtobeacked, lastack;
	uint32_t dupacks, lastflags;
	uint64_t nextseq_ts, lastack_ts;
};

struct conv {
	uint8_t used, alen;
	uint16_t port[2];
	uint8_t addr[2][16];
	uint64_t seen; /* segment counter when last seen */
	uint64_t syn_ts, irtt;
	uint8_t syn_seen;
	uint8_t acc_syn, ace; /* AccECN asked for by the SYN, set up by the SYN/ACK */
	uint32_t stream;      /* tcp.stream */
	struct dir d[2];
};

struct wire_tcpa {
	struct wire_tcpa_stats st;
	struct conv *tab; /* WIRE_TCPA_MAX_CONVS */
};

static const char *const fields[WIRE_TCPA_KINDS] = {
    "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission",
    "tcp.analysis.out_of_order",
    "tcp.analysis.lost_segment",
    "tcp.analysis.ack_lost_segment",
    "tcp.analysis.duplicate_ack",
    "tcp.analysis.zero_window",
    "tcp.analysis.zero_window_probe",
    "tcp.analysis.zero_window_probe_ack",
    "tcp.analysis.window_full",
    "tcp.analysis.window_update",
    "tcp.analysis.keep_alive",
    "tcp.analysis.keep_alive_ack",
    "tcp.analysis.reused_ports",
};

static const char *const tags[WIRE_TCPA_KINDS] = {
    "retransmission",
    "fast retransmission",
    "spurious retransmission",
    "out-of-order",
    "previous segment not captured",
    "acked unseen segment",
    "dup ack",
    "zero window",
    "zero window probe",
    "zero window probe ack",
    "window full",
    "window update",
    "keep-alive",
    "keep-alive ack",
    "port numbers reused",
};

const char *wire_tcpa_field(unsigned k)
{
	return k < WIRE_TCPA_KINDS ? fields[k] : NULL;
}

int wire_tcpa_known(const char *name, size_t len)
{
	/* not the bare "tcp.analysis": tshark puts that on every segment it has
	 * SEQ/ACK analysis for, which is more than the flags say */
	static const char *const more[] = {"tcp.analysis.flags", "tcp.analysis.duplicate_ack_num"};
	for (unsigned k = 0; k < WIRE_TCPA_KINDS; k++)
		if (strlen(fields[k]) == len && !memcmp(fields[k], name, len))
			return 1;
	for (size_t k = 0; k < sizeof(more) / sizeof(more[0]); k++)
		if (strlen(more[k]) == len && !memcmp(more[k], name, len))
			return 1;
	return 0;
}

const char *wire_tcpa_tag(unsigned k)
{
	return k < WIRE_TCPA_KINDS ? tags[k] : NULL;
}

static int gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

struct wire_tcpa *wire_tcpa_new(void)
{
	struct wire_tcpa *a = calloc(1, sizeof(*a));
	if (a && !(a->tab = calloc(WIRE_TCPA_MAX_CONVS, sizeof(*a->tab)))) {
		free(a);
		return NULL;
	}
	return a;
}

void wire_tcpa_free(struct wire_tcpa *a)
{
	if (!a)
		return;
	free(a->tab);
	free(a);
}

const struct wire_tcpa_stats *wire_tcpa_stats(const struct wire_tcpa *a)
{
	return &a->st;
}

static uint32_t hash_bytes(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The same for both directions: the sum of the two ends' hashes. */
static uint32_t conv_hash(const struct wire_tcpa_seg *s)
{
	uint32_t a = hash_bytes(2166136261u, s->src, s->alen) ^ s->sport;
	uint32_t b = hash_bytes(2166136261u, s->dst, s->alen) ^ s->dport;
	a *= 0x9e3779b1u;
	b *= 0x9e3779b1u;
	return (a + b) ^ ((a + b) >> 15);
}

/* Returns the direction of s in c (0 or 1), or -1 when c is another one. */
static int conv_dir(const struct conv *c, const struct wire_tcpa_seg *s)
{
	if (!c->used || c->alen != s->alen)
		return -1;
	for (int k = 0; k < 2; k++)
		if (c->port[k] == s->sport && c->port[!k] == s->dport &&
		    !memcmp(c->addr[k], s->src, s->alen) && !memcmp(c->addr[!k], s->dst, s->alen))
			return k;
	return -1;
}

static void conv_init(struct wire_tcpa *a, struct conv *c, const struct wire_tcpa_seg *s)
{
	memset(c, 0, sizeof(*c));
	c->used = 1;
	c->alen = s->alen;
	c->port[0] = s->sport;
	c->port[1] = s->dport;
	memcpy(c->addr[0], s->src, s->alen);
	memcpy(c->addr[1], s->dst, s->alen);
	c->d[0].ws = c->d[1].ws = WS_UNKNOWN;
	c->stream = (uint32_t)a->st.convs++;
}

/* Finds or makes the conversation of s; *dir gets its direction. */
static struct conv *lookup(struct wire_tcpa *a, const struct wire_tcpa_seg *s, int *dir)
{
	uint32_t h = conv_hash(s);
	struct conv *victim = NULL;
	for (unsigned k = 0; k < WIRE_TCPA_PROBE; k++) {
		struct conv *c = &a->tab[(h + k) & (WIRE_TCPA_MAX_CONVS - 1)];
		int d = conv_dir(c, s);
		if (d >= 0) {
			*dir = d;
			return c;
		}
		if (!victim || !c->used || (victim->used && c->seen < victim->seen))
			victim = c;
	}
	if (victim->used)
		a->st.evicted++;
	conv_init(a, victim, s);
	*dir = 0;
	return victim;
}

/* Window scaling as Wireshark settles it from the SYN and the SYN/ACK. */
static void syn_scaling(struct dir *f, struct dir *r, const struct wire_tcpa_seg *s)
{
	f->ws = s->wscale >= 0 ? (int8_t)(s->wscale > 14 ? 14 : s->wscale) : WS_UNKNOWN;
	if (f->ws == WS_UNKNOWN) {
		f->ws = WS_NONE;
		r->ws = WS_NONE;
	} else if ((s->flags & WIRE_TH_ACK) && r->ws == WS_NONE) {
		f->ws = WS_NONE;
	}
}

/* The first part, up to Wireshark's finished_fwd label: checks on the
 * segment against its own direction's last state. */
static void check_fwd(const struct dir *f, const struct dir *r, const struct wire_tcpa_seg *s,
                      uint32_t *fl)
{
	uint32_t seq = s->seq, len = s->len;
	int plain = !(s->flags & SFR);
	int same = len == 0 && seq == f->nextseq && s->ack == f->lastack && plain;
	if (len == 1 && seq == f->nextseq && r->win == 0) {
		*fl |= WIRE_TCPA_ZWP;
		return;
	}
	if (s->win == 0 && plain)
		*fl |= WIRE_TCPA_ZERO_WIN;
	if (f->nextseq && gt(seq, f->nextseq) && !(s->flags & WIRE_TH_RST))
		*fl |= WIRE_TCPA_LOST;
	if (len <= 1 && seq == f->nextseq - 1 && plain)
		*fl |= WIRE_TCPA_KEEPALIVE;
	if (same && s->win && s->win != f->win)
		*fl |= WIRE_TCPA_WIN_UPDATE;
	if (len > 0 && r->ws != WS_UNKNOWN && plain &&
	    seq + len == r->lastack + ((uint32_t)r->win << (r->ws == WS_NONE ? 0 : r->ws)))
		*fl |= WIRE_TCPA_WIN_FULL;
	if (same && s->win && s->win == f->win && (r->lastflags & WIRE_TCPA_KEEPALIVE)) {
		*fl |= WIRE_TCPA_KA_ACK;
		return;
	}
	if (same && s->win == 0 && f->win == 0 && (r->lastflags & WIRE_TCPA_ZWP)) {
		*fl |= WIRE_TCPA_ZWP_ACK;
		return;
	}
	if (same && s->win && s->win == f->win)
		*fl |= WIRE_TCPA_DUP_ACK;
}

/* Which of the retransmission kinds a segment with data, a SYN or a FIN is
 * (0: none). As Wireshark 4.0: data the receiver already acknowledged is a
 * spurious retransmission; otherwise only a segment that does not advance
 * the sequence is looked at (one that starts one byte early and carries more
 * than one byte does, after a zero-window probe); the out-of-order window is
 * the initial RTT (3 ms without the handshake). */
static uint32_t retrans_kind(const struct conv *c, const struct dir *f, const struct dir *r,
                             const struct wire_tcpa_seg *s)
{
	uint64_t thres = c->irtt ? c->irtt : OOO_THRES_NS;
	uint32_t end = s->seq + s->len + ((s->flags & (WIRE_TH_SYN | WIRE_TH_FIN)) ? 1u : 0u);
	if (s->len > 0 && r->lastack && !gt(s->seq + s->len, r->lastack))
		return WIRE_TCPA_SPURIOUS;
	if (!f->nextseq || !gt(f->nextseq, s->seq) || (s->len > 1 && f->nextseq - 1 == s->seq))
		return 0;
	if (r->dupacks >= 2 && r->lastack == s->seq && s->ts - r->lastack_ts < FAST_RETRANS_NS)
		return WIRE_TCPA_FAST_RETRANS;
	if (s->ts - f->nextseq_ts < thres && f->nextseq != end)
		return WIRE_TCPA_OOO;
	return WIRE_TCPA_RETRANS;
}

/* What the segment leaves behind for the next ones. */
static void remember(struct dir *f, const struct wire_tcpa_seg *s, uint32_t fl)
{
	uint32_t next = s->seq + s->len + ((s->flags & (WIRE_TH_SYN | WIRE_TH_FIN)) ? 1u : 0u);
	if ((gt(next, f->nextseq) || !f->nextseq) && !(fl & WIRE_TCPA_ZWP)) {
		f->nextseq = next;
		f->nextseq_ts = s->ts;
	}
	if ((s->seq == f->maxseqtobeacked || !f->maxseqtobeacked) && !(fl & WIRE_TCPA_ZWP))
		f->maxseqtobeacked = f->nextseq;
	f->win = s->win;
	f->lastack = s->ack;
	f->lastack_ts = s->ts;
	f->lastflags = fl;
}

/* A SYN with a new ISN on a known 4-tuple: the ports are reused. */
static struct conv *reused(struct wire_tcpa *a, struct conv *c, int *dir,
                           const struct wire_tcpa_seg *s, uint32_t *fl)
{
	const struct dir *f = &c->d[*dir];
	if ((s->flags & (WIRE_TH_SYN | WIRE_TH_ACK)) != WIRE_TH_SYN || !f->base_set ||
	    s->seq == f->base_seq)
		return c;
	uint64_t seen = c->seen;
	conv_init(a, c, s);
	c->seen = seen;
	*dir = 0;
	*fl |= WIRE_TCPA_REUSED;
	return c;
}

static void handshake_times(struct conv *c, const struct wire_tcpa_seg *s)
{
	uint16_t sa = s->flags & (WIRE_TH_SYN | WIRE_TH_ACK);
	if (sa == WIRE_TH_SYN) {
		c->syn_ts = s->ts;
		c->syn_seen = 1;
	} else if (sa == WIRE_TH_ACK && c->syn_seen && !c->irtt && s->ts > c->syn_ts) {
		c->irtt = s->ts - c->syn_ts;
	}
}

/* AccECN (RFC 9768): a SYN with AE, CWR and ECE asks for it, a SYN/ACK
 * answering it with AE,CWR,ECE = 010, 011, 100 or 110 sets it up; from then
 * on tshark 4.0 shows those three bits of a segment without SYN as ACE=n. */
static void accecn(struct conv *c, const struct wire_tcpa_seg *s, struct wire_tcpa_res *res)
{
	const uint16_t all = WIRE_TH_AE | WIRE_TH_CWR | WIRE_TH_ECE;
	uint16_t sa = s->flags & (WIRE_TH_SYN | WIRE_TH_ACK), e = s->flags & all;
	if (sa == WIRE_TH_SYN)
		c->acc_syn = e == all;
	else if (sa == (WIRE_TH_SYN | WIRE_TH_ACK))
		c->ace = c->acc_syn && (e == WIRE_TH_CWR || e == (WIRE_TH_CWR | WIRE_TH_ECE) ||
		                        e == WIRE_TH_AE || e == (WIRE_TH_AE | WIRE_TH_CWR));
	res->ace = c->ace && !(s->flags & WIRE_TH_SYN);
}

/* tshark's relative numbers and scaled window of s (after the SYN's scaling). */
static void relative(const struct conv *c, struct dir *f, struct dir *r,
                     const struct wire_tcpa_seg *s, uint32_t raw_ack, struct wire_tcpa_res *res)
{
	if (!f->rel_set) {
		f->rel_set = 1;
		f->rel_base = (s->flags & WIRE_TH_SYN) ? s->seq : s->seq - 1;
	}
	if ((s->flags & WIRE_TH_ACK) && !r->rel_set) {
		r->rel_set = 1;
		r->rel_base = s->ack - 1;
	}
	res->seg = 1;
	res->stream = c->stream;
	res->seq = s->seq - f->rel_base;
	res->ack = (s->flags & WIRE_TH_ACK) ? s->ack - r->rel_base : raw_ack;
	res->nxtseq = res->seq + s->len + ((s->flags & (WIRE_TH_SYN | WIRE_TH_FIN)) ? 1u : 0u);
	res->win = s->win;
	if (!(s->flags & WIRE_TH_SYN) && f->ws >= 0)
		res->win <<= f->ws;
}

void wire_tcpa_feed(struct wire_tcpa *a, const struct wire_tcpa_seg *in, struct wire_tcpa_res *res)
{
	struct wire_tcpa_seg s = *in;
	int dir;
	memset(res, 0, sizeof(*res));
	if (s.alen != 4 && s.alen != 16)
		return;
	if (!(s.flags & WIRE_TH_ACK))
		s.ack = 0;
	a->st.segments++;
	struct conv *c = reused(a, lookup(a, &s, &dir), &dir, &s, &res->flags);
	c->seen = a->st.segments;
	struct dir *f = &c->d[dir], *r = &c->d[!dir];
	if (!f->base_set) {
		f->base_set = 1;
		f->base_seq = (s.flags & WIRE_TH_SYN) ? s.seq : s.seq - 1;
	}
	if (s.flags & WIRE_TH_SYN)
		syn_scaling(f, r, &s);
	relative(c, f, r, &s, in->ack, res);
	handshake_times(c, &s);
	accecn(c, &s, res);
	uint32_t fl = res->flags;
	check_fwd(f, r, &s, &fl);
	if (fl & WIRE_TCPA_DUP_ACK)
		res->dupack = ++f->dupacks;
	if (s.ack != f->lastack)
		f->dupacks = 0;
	if (r->maxseqtobeacked && gt(s.ack, r->maxseqtobeacked) && (s.flags & WIRE_TH_ACK)) {
		fl |= WIRE_TCPA_ACK_LOST;
		r->maxseqtobeacked = r->nextseq;
	}
	if ((s.len > 0 || (s.flags & (WIRE_TH_SYN | WIRE_TH_FIN))) && !(fl & WIRE_TCPA_KEEPALIVE)) {
		uint32_t k = retrans_kind(c, f, r, &s);
		/* tshark marks fast and spurious ones as retransmissions too */
		fl |=
		    k | (k & (WIRE_TCPA_FAST_RETRANS | WIRE_TCPA_SPURIOUS) ? WIRE_TCPA_RETRANS : 0);
	}
	remember(f, &s, fl);
	res->flags = fl;
}

void wire_tcpa_number(struct wire_tcpa *a, const struct wire_tcpa_seg *in,
                      struct wire_tcpa_res *res)
{
	int dir;
	memset(res, 0, sizeof(*res));
	if (in->alen != 4 && in->alen != 16)
		return;
	struct conv *c = lookup(a, in, &dir);
	struct dir *f = &c->d[dir];
	if (!f->rel_set) {
		f->rel_set = 1;
		f->rel_base = (in->flags & WIRE_TH_SYN) ? in->seq : in->seq - 1;
	}
	res->seg = 2;
	res->stream = c->stream;
	res->seq = in->seq - f->rel_base;
}

unsigned wire_tcpa_res_field(const struct wire_tcpa_res *res, const char *name, struct wire_fval *v,
                             unsigned max)
{
	if (!max || !res->flags)
		return 0;
	uint64_t val = 1;
	if (!strcmp(name, "tcp.analysis.flags")) {
		val = res->flags;
	} else if (!strcmp(name, "tcp.analysis.duplicate_ack_num")) {
		if (!(res->flags & WIRE_TCPA_DUP_ACK))
			return 0;
		val = res->dupack;
	} else {
		unsigned k = 0;
		while (k < WIRE_TCPA_KINDS && strcmp(name, wire_tcpa_field(k)))
			k++;
		if (k == WIRE_TCPA_KINDS || !(res->flags & (1u << k)))
			return 0;
	}
	memset(v, 0, sizeof(*v));
	v->u = val;
	return 1;
}
