/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4/IPv6 defragmentation; the rules are in include/wire/defrag.h.
 *
 * The datagram slots, the hash buckets and the age lists are allocated once
 * at init. Each held datagram owns one payload buffer (grown by doubling,
 * exactly its length once the last fragment is known) and one array of
 * fragment ranges (doubling up to frags_max): no allocation per fragment
 * except when one of them must grow. Fragments are kept sorted by offset and
 * never overlap (an overlap discards the datagram), so "complete" is "first
 * and last fragments seen and the bytes held equal the length".
 */
#include "wire/defrag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/err.h"

struct frag {
	uint32_t off, end;
	uint8_t run_start; /* Linux fragrun: 0 when appended at the tail in order */
};

struct wire_defrag_q {
	uint8_t used, family, proto, first_in, last_in;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint32_t len;  /* end of the datagram, or the highest end seen so far */
	uint32_t meat; /* bytes held */
	uint64_t first_us;
	uint8_t *buf;
	uint32_t cap;
	struct frag *fr;
	uint32_t nfr, frcap;
	int32_t hnext, prev, next;
};

static const char *const why_names[WIRE_DEFRAG_WHY_N] = {
    "ok", "timeout", "overlap", "too many fragments", "evicted", "memory", "bad length",
};

const char *wire_defrag_why_name(enum wire_defrag_why why)
{
	return (unsigned)why < WIRE_DEFRAG_WHY_N ? why_names[why] : "?";
}

void wire_defrag_defaults(struct wire_defrag_limits *lim)
{
	lim->frags_max = WIRE_DEFRAG_FRAGS_MAX;
	lim->queues_max = WIRE_DEFRAG_QUEUES_MAX;
	lim->mem_max = WIRE_DEFRAG_MEM_MAX;
	lim->timeout4_us = WIRE_DEFRAG_TIMEOUT4_US;
	lim->timeout6_us = WIRE_DEFRAG_TIMEOUT6_US;
}

int wire_defrag_init(struct wire_defrag *d, const struct wire_defrag_limits *lim)
{
	memset(d, 0, sizeof(*d));
	if (lim)
		d->lim = *lim;
	else
		wire_defrag_defaults(&d->lim);
	if (d->lim.queues_max == 0)
		d->lim.queues_max = 1;
	if (d->lim.frags_max == 0)
		d->lim.frags_max = 1;
	d->nbucket = 16;
	while (d->nbucket < 2 * d->lim.queues_max)
		d->nbucket *= 2;
	d->q = calloc(d->lim.queues_max, sizeof(*d->q));
	d->bucket = malloc(d->nbucket * sizeof(*d->bucket));
	if (!d->q || !d->bucket) {
		wire_defrag_free(d);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < d->nbucket; i++)
		d->bucket[i] = -1;
	for (uint32_t i = 0; i < d->lim.queues_max; i++)
		d->q[i].next = i + 1 < d->lim.queues_max ? (int32_t)(i + 1) : -1;
	d->free_head = 0;
	d->age_head[0] = d->age_head[1] = d->age_tail[0] = d->age_tail[1] = -1;
	return 0;
}

/* ---- keys and the hash table ------------------------------------------- */

static int fam_ix(int family)
{
	return family == 6;
}

static uint32_t key_hash(const struct wire_defrag_frag *f)
{
	uint32_t h = 2166136261u;
	size_t alen = f->family == 4 ? 4 : 16;
	for (size_t i = 0; i < alen; i++)
		h = (h ^ f->src[i]) * 16777619u;
	for (size_t i = 0; i < alen; i++)
		h = (h ^ f->dst[i]) * 16777619u;
	h = (h ^ f->id) * 16777619u;
	h = (h ^ (f->family == 4 ? f->proto : 0)) * 16777619u;
	return (h ^ (uint32_t)f->family) * 16777619u;
}

static int key_eq(const struct wire_defrag_q *q, const struct wire_defrag_frag *f)
{
	size_t alen = f->family == 4 ? 4 : 16;
	return q->family == f->family && q->id == f->id &&
	       (f->family == 6 || q->proto == f->proto) && memcmp(q->src, f->src, alen) == 0 &&
	       memcmp(q->dst, f->dst, alen) == 0;
}

static int32_t q_find(struct wire_defrag *d, const struct wire_defrag_frag *f, uint32_t h)
{
	for (int32_t i = d->bucket[h & (d->nbucket - 1)]; i >= 0; i = d->q[i].hnext)
		if (key_eq(&d->q[i], f))
			return i;
	return -1;
}

static void hash_unlink(struct wire_defrag *d, int32_t ix)
{
	struct wire_defrag_q *q = &d->q[ix];
	struct wire_defrag_frag k = {.family = q->family, .id = q->id, .proto = q->proto};
	memcpy(k.src, q->src, sizeof(k.src));
	memcpy(k.dst, q->dst, sizeof(k.dst));
	int32_t *p = &d->bucket[key_hash(&k) & (d->nbucket - 1)];
	while (*p >= 0 && *p != ix)
		p = &d->q[*p].hnext;
	if (*p == ix)
		*p = q->hnext;
}

static void age_unlink(struct wire_defrag *d, int32_t ix)
{
	struct wire_defrag_q *q = &d->q[ix];
	int f = fam_ix(q->family);
	if (q->prev >= 0)
		d->q[q->prev].next = q->next;
	else
		d->age_head[f] = q->next;
	if (q->next >= 0)
		d->q[q->next].prev = q->prev;
	else
		d->age_tail[f] = q->prev;
}

/* Frees a slot: its memory, its links; counts it as dropped for why. */
static void q_drop(struct wire_defrag *d, int32_t ix, enum wire_defrag_why why)
{
	struct wire_defrag_q *q = &d->q[ix];
	if (why != WIRE_DEFRAG_OK) {
		d->st.dropped[why]++;
		d->st.frags_dropped += q->nfr;
	}
	hash_unlink(d, ix);
	age_unlink(d, ix);
	d->held -= q->cap + (size_t)q->frcap * sizeof(*q->fr);
	free(q->buf);
	free(q->fr);
	memset(q, 0, sizeof(*q));
	q->next = d->free_head;
	d->free_head = ix;
	d->nq--;
}

/* The oldest datagram held (either family), other than keep; -1 if none. */
static int32_t oldest(const struct wire_defrag *d, int32_t keep)
{
	int32_t best = -1;
	for (int f = 0; f < 2; f++) {
		int32_t i = d->age_head[f];
		if (i >= 0 && i == keep)
			i = d->q[i].next;
		if (i >= 0 && (best < 0 || d->q[i].first_us < d->q[best].first_us))
			best = i;
	}
	return best;
}

static int32_t q_create(struct wire_defrag *d, const struct wire_defrag_frag *f, uint32_t h)
{
	if (d->free_head < 0)
		q_drop(d, oldest(d, -1), WIRE_DEFRAG_EVICTED);
	int32_t ix = d->free_head;
	struct wire_defrag_q *q = &d->q[ix];
	d->free_head = q->next;
	memset(q, 0, sizeof(*q));
	q->used = 1;
	q->family = (uint8_t)f->family;
	q->proto = f->family == 4 ? f->proto : 0;
	memcpy(q->src, f->src, sizeof(q->src));
	memcpy(q->dst, f->dst, sizeof(q->dst));
	q->id = f->id;
	q->first_us = f->ts_us;
	q->hnext = d->bucket[h & (d->nbucket - 1)];
	d->bucket[h & (d->nbucket - 1)] = ix;
	int fi = fam_ix(f->family);
	q->prev = d->age_tail[fi];
	q->next = -1;
	if (q->prev >= 0)
		d->q[q->prev].next = ix;
	else
		d->age_head[fi] = ix;
	d->age_tail[fi] = ix;
	d->nq++;
	return ix;
}

unsigned wire_defrag_expire(struct wire_defrag *d, uint64_t now_us)
{
	unsigned n = 0;
	for (int f = 0; f < 2; f++) {
		uint64_t tmo = f ? d->lim.timeout6_us : d->lim.timeout4_us;
		int32_t i;
		while ((i = d->age_head[f]) >= 0 && now_us >= d->q[i].first_us &&
		       now_us - d->q[i].first_us > tmo) {
			q_drop(d, i, WIRE_DEFRAG_TIMEOUT);
			n++;
		}
	}
	return n;
}

/* ---- placing a fragment ------------------------------------------------- */

enum place { PLACE_NEW, PLACE_DUP, PLACE_OVERLAP };

/* Linux inet_frag_queue_insert(): a fragment past the tail either extends
 * the last run or starts a new one; any other fragment is a duplicate when it
 * lies wholly in one run and an overlap when it touches any run otherwise. */
static enum place place4(const struct wire_defrag_q *q, uint32_t off, uint32_t end, uint32_t *at)
{
	*at = q->nfr;
	if (q->nfr == 0)
		return PLACE_NEW;
	if (q->fr[q->nfr - 1].end < end)
		return off < q->fr[q->nfr - 1].end ? PLACE_OVERLAP : PLACE_NEW;
	for (uint32_t i = 0; i < q->nfr;) {
		uint32_t rs = q->fr[i].off, j = i + 1;
		while (j < q->nfr && !q->fr[j].run_start)
			j++;
		uint32_t re = q->fr[j - 1].end;
		if (end <= rs) {
			*at = i;
			return PLACE_NEW;
		}
		if (off < re)
			return off >= rs && end <= re ? PLACE_DUP : PLACE_OVERLAP;
		i = j;
	}
	return PLACE_NEW; /* not reached: end <= tail end */
}

/* RFC 5722 / RFC 8200 4.5: any overlap is fatal but an exact duplicate. */
static enum place place6(const struct wire_defrag_q *q, const struct wire_defrag_frag *f,
                         uint32_t end, uint32_t *at)
{
	uint32_t off = f->offset;
	*at = q->nfr;
	for (uint32_t i = 0; i < q->nfr; i++) {
		const struct frag *r = &q->fr[i];
		if (end <= r->off) {
			*at = i;
			return PLACE_NEW;
		}
		if (off < r->end) {
			if (r->off == off && r->end == end &&
			    memcmp(q->buf + off, f->data, end - off) == 0)
				return PLACE_DUP;
			return PLACE_OVERLAP;
		}
	}
	return PLACE_NEW;
}

/* Makes room for the fragment [off,end) at index at: payload buffer and
 * range array. Returns 0, WIRE_DEFRAG_MEMORY or -ENOMEM. */
static int q_grow(struct wire_defrag *d, int32_t ix, uint32_t end)
{
	struct wire_defrag_q *q = &d->q[ix];
	uint32_t cap = q->cap, frcap = q->frcap;
	if (end > cap) {
		cap = cap ? cap : 1024;
		while (cap < end)
			cap *= 2;
		if (q->last_in || cap > WIRE_DEFRAG_DGRAM_MAX)
			cap = q->last_in ? q->len : WIRE_DEFRAG_DGRAM_MAX;
	}
	if (q->nfr == frcap)
		frcap = frcap ? 2 * frcap : 4;
	if (frcap > d->lim.frags_max)
		frcap = d->lim.frags_max;
	size_t more = (size_t)(cap - q->cap) + (size_t)(frcap - q->frcap) * sizeof(struct frag);
	if (more == 0)
		return 0;
	while (d->held + more > d->lim.mem_max) {
		int32_t victim = oldest(d, ix);
		if (victim < 0)
			return WIRE_DEFRAG_MEMORY;
		q_drop(d, victim, WIRE_DEFRAG_MEMORY);
	}
	if (cap != q->cap) {
		uint8_t *b = realloc(q->buf, cap);
		if (!b)
			return -ENOMEM;
		q->buf = b;
		d->held += cap - q->cap;
		q->cap = cap;
	}
	if (frcap != q->frcap) {
		struct frag *fr = realloc(q->fr, frcap * sizeof(*fr));
		if (!fr)
			return -ENOMEM;
		q->fr = fr;
		d->held += (size_t)(frcap - q->frcap) * sizeof(*fr);
		q->frcap = frcap;
	}
	return 0;
}

/* ip_frag_queue()'s checks of the end. Returns 0 or WIRE_DEFRAG_BAD. */
static int check_end(struct wire_defrag_q *q, const struct wire_defrag_frag *f, uint32_t end)
{
	if (!f->more) {
		if (end < q->len || (q->last_in && end != q->len))
			return WIRE_DEFRAG_BAD;
		q->last_in = 1;
		q->len = end;
	} else if (end > q->len) {
		if (q->last_in)
			return WIRE_DEFRAG_BAD;
		q->len = end;
	}
	return end == f->offset ? WIRE_DEFRAG_BAD : 0;
}

static int drop_frag(struct wire_defrag *d, struct wire_defrag_out *out, enum wire_defrag_why w)
{
	d->st.dropped[w]++;
	d->st.frags_dropped++;
	out->why = w;
	return WIRE_DEFRAG_DROPPED;
}

static int drop_q(struct wire_defrag *d, int32_t ix, struct wire_defrag_out *out,
                  enum wire_defrag_why w)
{
	q_drop(d, ix, w);
	d->st.frags_dropped++; /* this fragment */
	out->why = w;
	return WIRE_DEFRAG_DROPPED;
}

static int complete(struct wire_defrag *d, int32_t ix, struct wire_defrag_out *out)
{
	struct wire_defrag_q *q = &d->q[ix];
	free(d->out);
	d->out = q->buf;
	q->buf = NULL;
	out->data = d->out;
	out->len = q->len;
	out->proto = q->proto;
	out->nfrags = q->nfr;
	out->first_us = q->first_us;
	d->held -= q->cap;
	q->cap = 0;
	d->st.done++;
	q_drop(d, ix, WIRE_DEFRAG_OK);
	return WIRE_DEFRAG_DONE;
}

/* Stores the fragment at index at, then completes the datagram if it can. */
static int store(struct wire_defrag *d, int32_t ix, const struct wire_defrag_frag *f, uint32_t end,
                 uint32_t at, struct wire_defrag_out *out)
{
	struct wire_defrag_q *q = &d->q[ix];
	if (q->nfr >= d->lim.frags_max)
		return drop_q(d, ix, out, WIRE_DEFRAG_TOO_MANY);
	int rc = q_grow(d, ix, end);
	if (rc < 0)
		return rc;
	if (rc)
		return drop_q(d, ix, out, WIRE_DEFRAG_MEMORY);
	int run_start = !(at == q->nfr && at > 0 && q->fr[at - 1].end == f->offset);
	memmove(&q->fr[at + 1], &q->fr[at], (q->nfr - at) * sizeof(*q->fr));
	q->fr[at] = (struct frag){.off = f->offset, .end = end, .run_start = (uint8_t)run_start};
	q->nfr++;
	memcpy(q->buf + f->offset, f->data, end - f->offset);
	q->meat += end - f->offset;
	if (f->offset == 0) {
		q->first_in = 1;
		if (q->family == 6)
			q->proto = f->proto;
	}
	if (q->first_in && q->last_in && q->meat == q->len)
		return complete(d, ix, out);
	return WIRE_DEFRAG_HELD;
}

#define END_INVALID UINT64_MAX

/* The fragment's end, or END_INVALID when it is over the 65535 limit or
 * (IPv6, M set) not a multiple of 8. */
static uint64_t frag_end(const struct wire_defrag_frag *f)
{
	uint64_t end = (uint64_t)f->offset + f->len;
	if (f->family == 4) {
		if (f->more)
			end &= ~(uint64_t)7; /* Linux trims, RFC 791 never sends it */
		if (end + f->hdr_len > WIRE_DEFRAG_DGRAM_MAX)
			return END_INVALID;
	} else if (end > WIRE_DEFRAG_DGRAM_MAX || (f->more && (end & 7))) {
		return END_INVALID;
	}
	return end;
}

int wire_defrag_feed(struct wire_defrag *d, const struct wire_defrag_frag *f,
                     struct wire_defrag_out *out)
{
	memset(out, 0, sizeof(*out));
	if (f->family != 4 && f->family != 6)
		return WIRE_E_USAGE;
	d->st.frags++;
	wire_defrag_expire(d, f->ts_us);
	if (f->offset == 0 && !f->more) {
		d->st.atomic++;
		out->data = f->data;
		out->len = f->len;
		out->proto = f->proto;
		out->nfrags = 1;
		out->first_us = f->ts_us;
		return WIRE_DEFRAG_WHOLE;
	}
	uint32_t h = key_hash(f);
	int32_t ix = q_find(d, f, h);
	uint64_t end = frag_end(f);
	if (end == END_INVALID || end == f->offset) {
		/* Linux: an IPv4 datagram over 65535 or an empty fragment
		 * kills the queue; an IPv6 fragment over 65535 or not a
		 * multiple of 8 is dropped alone */
		if (ix >= 0 && (f->family == 4 || end != END_INVALID))
			return drop_q(d, ix, out, WIRE_DEFRAG_BAD);
		return drop_frag(d, out, WIRE_DEFRAG_BAD);
	}
	if (ix < 0)
		ix = q_create(d, f, h);
	struct wire_defrag_q *q = &d->q[ix];
	if (check_end(q, f, (uint32_t)end))
		return drop_q(d, ix, out, WIRE_DEFRAG_BAD);
	uint32_t at;
	enum place p = f->family == 4 ? place4(q, f->offset, (uint32_t)end, &at)
	                              : place6(q, f, (uint32_t)end, &at);
	if (p == PLACE_OVERLAP)
		return drop_q(d, ix, out, WIRE_DEFRAG_OVERLAP);
	if (p == PLACE_DUP) {
		d->st.dup++;
		out->dup = 1;
		return WIRE_DEFRAG_HELD;
	}
	return store(d, ix, f, (uint32_t)end, at, out);
}

void wire_defrag_finish(struct wire_defrag *d)
{
	for (int f = 0; f < 2; f++)
		while (d->age_head[f] >= 0) {
			d->st.unfinished++;
			d->st.frags_dropped += d->q[d->age_head[f]].nfr;
			q_drop(d, d->age_head[f], WIRE_DEFRAG_OK);
		}
}

void wire_defrag_free(struct wire_defrag *d)
{
	if (d->q)
		wire_defrag_finish(d);
	free(d->q);
	free(d->bucket);
	free(d->out);
	d->q = NULL;
	d->bucket = NULL;
	d->out = NULL;
}
