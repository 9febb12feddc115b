/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP reassembly: a stream table keyed by the 4-tuple, numbered as
 * Wireshark's tcp.stream, and per direction an out-of-order window that
 * delivers bytes in sequence order with gaps marked (see wire/reasm.h for the
 * policy). Sequence numbers are compared with serial arithmetic (RFC 1982):
 * a - b as a signed 32-bit difference, so 2^32 wrap-around is transparent.
 *
 * A direction's window is a ring of cap bytes (a power of two) whose index
 * head holds the byte at sequence `next`, plus a bitmap saying which bytes are
 * held. Nothing is held at `next` itself (it would have been delivered).
 */
#include "wire/reasm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/dissect.h"
#include "wire/err.h"

#define RING_MIN 64u
#define BUCKETS_MIN 256u

struct rdir {
	uint32_t next;    /* next sequence number to deliver */
	uint32_t fin_seq; /* sequence number of the FIN (end of data) */
	uint32_t ws_base; /* Wireshark's base_seq, for the ports-reused rule */
	uint8_t started, fin, ended, ws_set;
	uint64_t off;     /* stream offset of next */
	uint64_t missing; /* bytes given up as gaps so far */
	uint8_t *ring, *map;
	size_t cap, head, held;
};

struct rstream {
	struct rstream *hnext;         /* hash chain */
	struct rstream *lprev, *lnext; /* every stream, most recently active first */
	struct rstream *mprev, *mnext; /* streams holding a window, same order */
	uint32_t id, hash;
	uint8_t finished, in_mem;
	struct wire_reasm_ends ends;
	struct rdir d[2];
};

struct rlist {
	struct rstream *head, *tail;
};

struct wire_reasm {
	struct wire_reasm_limits lim;
	wire_reasm_cb cb;
	void *ud;
	struct rstream **bucket;
	size_t nbucket, count;
	uint32_t next_id;
	struct rlist lru, mem;
	struct wire_reasm_stats st;
};

/* ---- serial arithmetic ---------------------------------------------------- */

static int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/* ---- intrusive lists (two sets of links in one node) ---------------------- */

static struct rstream **lp(struct rstream *s, int m)
{
	return m ? &s->mprev : &s->lprev;
}

static struct rstream **ln(struct rstream *s, int m)
{
	return m ? &s->mnext : &s->lnext;
}

static void list_unlink(struct rlist *l, struct rstream *s, int m)
{
	struct rstream *p = *lp(s, m), *n = *ln(s, m);
	if (p)
		*ln(p, m) = n;
	else
		l->head = n;
	if (n)
		*lp(n, m) = p;
	else
		l->tail = p;
	*lp(s, m) = *ln(s, m) = NULL;
}

static void list_push(struct rlist *l, struct rstream *s, int m)
{
	*lp(s, m) = NULL;
	*ln(s, m) = l->head;
	if (l->head)
		*lp(l->head, m) = s;
	else
		l->tail = s;
	l->head = s;
}

static void list_touch(struct rlist *l, struct rstream *s, int m)
{
	if (l->head == s)
		return;
	list_unlink(l, s, m);
	list_push(l, s, m);
}

/* ---- events --------------------------------------------------------------- */

static void emit(struct wire_reasm *r, struct rstream *s, int dir, int kind, const uint8_t *p,
                 size_t n)
{
	struct wire_reasm_event ev = {
	    .stream = s->id,
	    .dir = (uint8_t)dir,
	    .kind = (uint8_t)kind,
	    .data = p,
	    .len = n,
	    .offset = s->d[dir].off,
	    .missing = s->d[dir].missing,
	    .ends = &s->ends,
	};
	r->cb(r->ud, &ev);
}

static void deliver(struct wire_reasm *r, struct rstream *s, int dir, const uint8_t *p, size_t n)
{
	struct rdir *d = &s->d[dir];
	emit(r, s, dir, WIRE_REASM_DATA, p, n);
	r->st.delivered += n;
	d->next += (uint32_t)n;
	d->off += n;
}

/* A gap of n bytes at next; the ring holds nothing in it. */
static void gap(struct wire_reasm *r, struct rstream *s, int dir, size_t n)
{
	struct rdir *d = &s->d[dir];
	if (n == 0)
		return;
	emit(r, s, dir, WIRE_REASM_GAP, NULL, n);
	r->st.gaps++;
	r->st.gap_bytes += n;
	d->missing += n;
	d->next += (uint32_t)n;
	d->off += n;
	d->head = d->held && d->cap ? (d->head + n) & (d->cap - 1) : 0;
}

/* ---- the window ----------------------------------------------------------- */

static int bit(const struct rdir *d, size_t i)
{
	return (d->map[i >> 3] >> (i & 7)) & 1;
}

static void bit_set(struct rdir *d, size_t i, int on)
{
	if (on)
		d->map[i >> 3] = (uint8_t)(d->map[i >> 3] | (1u << (i & 7)));
	else
		d->map[i >> 3] = (uint8_t)(d->map[i >> 3] & ~(1u << (i & 7)));
}

/* Sets or clears the bits of ring indices [j, j + n) (no wrap), a byte of
 * the map at a time where it can. */
static void bits_range(struct rdir *d, size_t j, size_t n, int on)
{
	for (; n && (j & 7); j++, n--)
		bit_set(d, j, on);
	if (n >= 8) {
		memset(d->map + (j >> 3), on ? 0xff : 0, n >> 3);
		j += n & ~(size_t)7;
		n &= 7;
	}
	for (; n; j++, n--)
		bit_set(d, j, on);
}

/* Returns whether no index of [j, j + n) (no wrap) is held. */
static int bits_clear(const struct rdir *d, size_t j, size_t n)
{
	for (; n && (j & 7); j++, n--)
		if (bit(d, j))
			return 0;
	for (; n >= 8; j += 8, n -= 8)
		if (d->map[j >> 3])
			return 0;
	for (; n; j++, n--)
		if (bit(d, j))
			return 0;
	return 1;
}

static size_t ring_mem(size_t cap)
{
	return cap + cap / 8;
}

static void ring_free(struct wire_reasm *r, struct rdir *d)
{
	r->st.mem -= ring_mem(d->cap);
	free(d->ring);
	d->ring = d->map = NULL;
	d->cap = d->head = d->held = 0;
}

/* Bytes held in a row from next, at most limit. */
static size_t ready(const struct rdir *d, size_t limit)
{
	size_t k = 0;
	while (k < d->held && k < limit) {
		size_t j = (d->head + k) & (d->cap - 1);
		if ((j & 7) == 0 && d->map[j >> 3] == 0xff && limit - k >= 8)
			k += 8; /* eight held bytes at once */
		else if (bit(d, j))
			k++;
		else
			break;
	}
	return k;
}

/* Bytes that may still be delivered before the FIN (or "no limit"). */
static size_t fin_room(const struct rdir *d)
{
	if (!d->fin)
		return SIZE_MAX;
	int32_t left = seq_diff(d->fin_seq, d->next);
	return left > 0 ? (size_t)left : 0;
}

/* Delivers the bytes held in a row from next (in at most two pieces). */
static void deliver_ready(struct wire_reasm *r, struct rstream *s, int dir)
{
	struct rdir *d = &s->d[dir];
	if (d->held == 0)
		return;
	size_t k = ready(d, fin_room(d));
	while (k > 0) {
		size_t piece = d->cap - d->head < k ? d->cap - d->head : k;
		bits_range(d, d->head, piece, 0);
		d->held -= piece;
		size_t at = d->head;
		d->head = (d->head + piece) & (d->cap - 1);
		deliver(r, s, dir, d->ring + at, piece);
		k -= piece;
	}
	if (d->held == 0)
		d->head = 0;
}

/* Gives up the hole at next: a gap up to the first held byte and delivery of
 * what follows it, or, with nothing held, a gap up to upto. */
static void give_up(struct wire_reasm *r, struct rstream *s, int dir, uint32_t upto)
{
	struct rdir *d = &s->d[dir];
	if (d->held == 0) {
		int32_t k = seq_diff(upto, d->next);
		gap(r, s, dir, k > 0 ? (size_t)k : 0);
		return;
	}
	size_t i = 1;
	while (!bit(d, (d->head + i) & (d->cap - 1)))
		i++;
	gap(r, s, dir, i);
	deliver_ready(r, s, dir);
}

/* Drops held bytes at or past the FIN (counted). */
static void trim_past_fin(struct wire_reasm *r, struct rdir *d)
{
	size_t room = fin_room(d);
	for (size_t i = room; d->held && i < d->cap; i++) {
		size_t j = (d->head + i) & (d->cap - 1);
		if (bit(d, j)) {
			bit_set(d, j, 0);
			d->held--;
			r->st.after_fin++;
		}
	}
	if (d->held == 0)
		d->head = 0;
}

/* ---- the stream table ----------------------------------------------------- */

static uint32_t ep_hash(const uint8_t *a, uint8_t alen, uint16_t port)
{
	uint32_t h = 2166136261u;
	for (uint8_t i = 0; i < alen; i++)
		h = (h ^ a[i]) * 16777619u;
	h = (h ^ port) * 16777619u;
	return h ^ (h >> 15);
}

/* Symmetric in the two ends, so both directions find the same bucket. */
static uint32_t seg_hash(const struct wire_reasm_seg *g)
{
	return ep_hash(g->src, g->alen, g->sport) + ep_hash(g->dst, g->alen, g->dport);
}

static int ends_is(const struct wire_reasm_ends *e, int i, const uint8_t *a, uint16_t port)
{
	return e->port[i] == port && memcmp(e->addr[i], a, e->alen) == 0;
}

/* Returns 0 or 1: the direction of g in s, or -1 if g is not on s's 4-tuple. */
static int seg_dir(const struct rstream *s, const struct wire_reasm_seg *g)
{
	const struct wire_reasm_ends *e = &s->ends;
	if (e->alen != g->alen)
		return -1;
	if (ends_is(e, 0, g->src, g->sport) && ends_is(e, 1, g->dst, g->dport))
		return 0;
	if (ends_is(e, 1, g->src, g->sport) && ends_is(e, 0, g->dst, g->dport))
		return 1;
	return -1;
}

static struct rstream *lookup(struct wire_reasm *r, const struct wire_reasm_seg *g, uint32_t h)
{
	struct rstream *s = r->bucket[h & (r->nbucket - 1)];
	while (s && (s->hash != h || seg_dir(s, g) < 0))
		s = s->hnext;
	return s;
}

static void table_grow(struct wire_reasm *r)
{
	size_t nb = r->nbucket * 2;
	struct rstream **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < r->nbucket; i++) {
		struct rstream *s = r->bucket[i], *n;
		for (; s; s = n) {
			n = s->hnext;
			s->hnext = b[s->hash & (nb - 1)];
			b[s->hash & (nb - 1)] = s;
		}
	}
	free(r->bucket);
	r->bucket = b;
	r->nbucket = nb;
}

static void table_remove(struct wire_reasm *r, struct rstream *s)
{
	struct rstream **pp = &r->bucket[s->hash & (r->nbucket - 1)];
	while (*pp != s)
		pp = &(*pp)->hnext;
	*pp = s->hnext;
	r->count--;
}

/* ---- ending and flushing -------------------------------------------------- */

/* Gives up every hole of a direction and frees its window. */
static void dir_flush(struct wire_reasm *r, struct rstream *s, int dir)
{
	struct rdir *d = &s->d[dir];
	while (d->held)
		give_up(r, s, dir, d->next);
	if (d->cap)
		ring_free(r, d);
}

static void mem_release(struct wire_reasm *r, struct rstream *s)
{
	if (s->in_mem) {
		list_unlink(&r->mem, s, 1);
		s->in_mem = 0;
	}
}

/* Ends both directions: queued bytes, a gap up to a FIN still ahead, END. */
static void stream_end(struct wire_reasm *r, struct rstream *s)
{
	for (int dir = 0; dir < 2; dir++) {
		struct rdir *d = &s->d[dir];
		dir_flush(r, s, dir);
		if (d->ended)
			continue;
		if (d->fin)
			gap(r, s, dir, fin_room(d));
		d->ended = 1;
		emit(r, s, dir, WIRE_REASM_END, NULL, 0);
	}
	mem_release(r, s);
}

static void stream_forget(struct wire_reasm *r, struct rstream *s)
{
	table_remove(r, s);
	list_unlink(&r->lru, s, 0);
	free(s);
}

/* Frees window memory of other streams, least recently active first, until
 * need more bytes fit under the total. Returns whether they fit. */
static int mem_reclaim(struct wire_reasm *r, const struct rstream *self, size_t need)
{
	struct rstream *v = r->mem.tail;
	while (r->st.mem + need > r->lim.total_bytes && v) {
		struct rstream *prev = v->mprev;
		if (v != self) {
			for (int dir = 0; dir < 2; dir++) {
				if (v->d[dir].cap) {
					r->st.mem_flushes++;
					dir_flush(r, v, dir);
				}
			}
			mem_release(r, v);
		}
		v = prev;
	}
	return r->st.mem + need <= r->lim.total_bytes;
}

/* ---- growing a window ----------------------------------------------------- */

static void ring_copy(struct rdir *d, uint8_t *ring, uint8_t *map)
{
	for (size_t i = 0; i < d->cap; i++) {
		size_t j = (d->head + i) & (d->cap - 1);
		ring[i] = d->ring[j];
		if (bit(d, j))
			map[i >> 3] = (uint8_t)(map[i >> 3] | (1u << (i & 7)));
	}
}

/* Makes the window of s->d[dir] at least need bytes. Returns 0 or -1. */
static int ring_grow(struct wire_reasm *r, struct rstream *s, int dir, size_t need)
{
	struct rdir *d = &s->d[dir];
	size_t cap = d->cap ? d->cap : RING_MIN;
	while (cap < need)
		cap *= 2;
	size_t extra = ring_mem(cap) - ring_mem(d->cap);
	if (!mem_reclaim(r, s, extra))
		return -1;
	uint8_t *ring = malloc(ring_mem(cap));
	if (!ring) {
		r->st.nomem++;
		return -1;
	}
	uint8_t *map = ring + cap;
	memset(map, 0, cap / 8);
	size_t held = d->held;
	if (d->cap) {
		ring_copy(d, ring, map);
		ring_free(r, d);
	}
	d->held = held;
	d->ring = ring;
	d->map = map;
	d->cap = cap;
	d->head = 0;
	r->st.mem += ring_mem(cap);
	if (r->st.mem > r->st.mem_peak)
		r->st.mem_peak = r->st.mem;
	return 0;
}

/* ---- data ----------------------------------------------------------------- */

/* Copies p[0..n) to ring index j on (no wrap); first copy wins. */
static void store_piece(struct wire_reasm *r, struct rdir *d, size_t j, const uint8_t *p, size_t n)
{
	if (bits_clear(d, j, n)) { /* the common case: all new */
		memcpy(d->ring + j, p, n);
		bits_range(d, j, n, 1);
		d->held += n;
		return;
	}
	for (size_t i = 0; i < n; i++, j++) {
		if (bit(d, j)) {
			r->st.retrans_bytes++;
			r->st.conflict_bytes += d->ring[j] != p[i];
			continue;
		}
		d->ring[j] = p[i];
		bit_set(d, j, 1);
		d->held++;
	}
}

/* Copies p[0..n) to the window at off bytes past next (off + n <= cap). */
static void store(struct wire_reasm *r, struct rdir *d, size_t off, const uint8_t *p, size_t n)
{
	size_t j = (d->head + off) & (d->cap - 1);
	size_t first = d->cap - j < n ? d->cap - j : n;
	store_piece(r, d, j, p, first);
	if (first < n)
		store_piece(r, d, 0, p + first, n - first);
}

/* Room for off + want bytes: grows the window or gives up holes. Returns the
 * bytes that fit now (0: the caller tries again after a give-up). */
static size_t make_room(struct wire_reasm *r, struct rstream *s, int dir, uint32_t seq, size_t off,
                        size_t want)
{
	struct rdir *d = &s->d[dir];
	size_t w = r->lim.dir_bytes;
	if (off >= w) {
		r->st.window_giveups++;
		give_up(r, s, dir, seq);
		return 0;
	}
	size_t take = want < w - off ? want : w - off;
	if (off + take > d->cap && ring_grow(r, s, dir, off + take) < 0) {
		if (off < d->cap)
			return d->cap - off;
		give_up(r, s, dir, seq);
		return 0;
	}
	return take;
}

static void mem_touch(struct wire_reasm *r, struct rstream *s)
{
	if (!s->in_mem) {
		list_push(&r->mem, s, 1);
		s->in_mem = 1;
	} else {
		list_touch(&r->mem, s, 1);
	}
}

/* Takes n bytes at sequence seq for s->d[dir]. */
static void data_in(struct wire_reasm *r, struct rstream *s, int dir, uint32_t seq,
                    const uint8_t *p, size_t n)
{
	struct rdir *d = &s->d[dir];
	while (n > 0) {
		int32_t diff = seq_diff(seq, d->next);
		if (diff < 0) {
			size_t old = (size_t) - (int64_t)diff < n ? (size_t) - (int64_t)diff : n;
			r->st.retrans_bytes += old;
			seq += (uint32_t)old;
			p += old;
			n -= old;
			continue;
		}
		if (diff == 0 && d->held == 0) {
			deliver(r, s, dir, p, n);
			return;
		}
		size_t take = make_room(r, s, dir, seq, (size_t)diff, n);
		if (take == 0)
			continue;
		store(r, d, (size_t)seq_diff(seq, d->next), p, take);
		mem_touch(r, s);
		deliver_ready(r, s, dir);
		seq += (uint32_t)take;
		p += take;
		n -= take;
	}
}

/* Cuts a segment at the direction's FIN, counting what lies past it. */
static size_t cut_at_fin(struct wire_reasm *r, const struct rdir *d, uint32_t seq, size_t n)
{
	if (!d->fin)
		return n;
	int32_t room = seq_diff(d->fin_seq, seq);
	size_t keep = room <= 0 ? 0 : (size_t)room < n ? (size_t)room : n;
	r->st.after_fin += n - keep;
	return keep;
}

static void seg_in(struct wire_reasm *r, struct rstream *s, int dir, const struct wire_reasm_seg *g)
{
	struct rdir *d = &s->d[dir];
	uint32_t seq = g->seq + ((g->flags & WIRE_TH_SYN) ? 1u : 0u);
	if (!d->started) {
		d->started = 1;
		d->next = seq;
	}
	size_t n = cut_at_fin(r, d, seq, g->len);
	if (n)
		data_in(r, s, dir, seq, g->data, n);
	if ((g->flags & WIRE_TH_FIN) && !d->fin) {
		d->fin = 1;
		d->fin_seq = seq + (uint32_t)n;
		if (seq_diff(d->fin_seq, d->next) < 0)
			d->fin_seq = d->next;
		trim_past_fin(r, d);
	}
	if (d->fin && !d->ended && d->next == d->fin_seq) {
		d->ended = 1;
		emit(r, s, dir, WIRE_REASM_END, NULL, 0);
		if (d->cap)
			ring_free(r, d);
		if (!s->d[!dir].cap)
			mem_release(r, s);
	}
}

/* ---- stream numbering ----------------------------------------------------- */

static void stream_init(struct wire_reasm *r, struct rstream *s, const struct wire_reasm_seg *g)
{
	int swap = (g->flags & (WIRE_TH_SYN | WIRE_TH_ACK)) == (WIRE_TH_SYN | WIRE_TH_ACK);
	struct rstream *hn = s->hnext, *lpv = s->lprev, *lnx = s->lnext;
	uint32_t h = s->hash;
	memset(s, 0, sizeof(*s));
	s->hnext = hn;
	s->lprev = lpv;
	s->lnext = lnx;
	s->hash = h;
	s->id = r->next_id++;
	r->st.streams++;
	s->ends.alen = g->alen;
	memcpy(s->ends.addr[swap], g->src, g->alen);
	memcpy(s->ends.addr[!swap], g->dst, g->alen);
	s->ends.port[swap] = g->sport;
	s->ends.port[!swap] = g->dport;
	emit(r, s, 0, WIRE_REASM_NEW, NULL, 0);
}

static struct rstream *stream_new(struct wire_reasm *r, const struct wire_reasm_seg *g, uint32_t h)
{
	if (r->count >= r->lim.max_streams && r->lru.tail) {
		struct rstream *v = r->lru.tail;
		r->st.evicted++;
		stream_end(r, v);
		stream_forget(r, v);
	}
	struct rstream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->hash = h;
	if (r->count >= r->nbucket)
		table_grow(r);
	size_t b = h & (r->nbucket - 1);
	s->hnext = r->bucket[b];
	r->bucket[b] = s;
	r->count++;
	list_push(&r->lru, s, 0);
	stream_init(r, s, g);
	return s;
}

/* Wireshark's base_seq per direction: the SYN's seq, else seq - 1 of the first
 * segment, or ack - 1 of the first ACK from the other side. */
static void ws_base(struct rstream *s, int dir, const struct wire_reasm_seg *g)
{
	struct rdir *d = &s->d[dir], *o = &s->d[!dir];
	if (!d->ws_set) {
		d->ws_base = (g->flags & WIRE_TH_SYN) ? g->seq : g->seq - 1;
		d->ws_set = 1;
	}
	if (!o->ws_set && (g->flags & WIRE_TH_ACK)) {
		o->ws_base = g->ack - 1;
		o->ws_set = 1;
	}
}

/* A SYN without ACK starts a new stream on a known 4-tuple when its seq is
 * not the direction's base_seq, or when the stream has finished. */
static int reused(const struct rstream *s, int dir, const struct wire_reasm_seg *g)
{
	const struct rdir *d = &s->d[dir];
	if ((g->flags & (WIRE_TH_SYN | WIRE_TH_ACK)) != WIRE_TH_SYN || !d->ws_set)
		return 0;
	return g->seq != d->ws_base || s->finished;
}

long wire_reasm_feed(struct wire_reasm *r, const struct wire_reasm_seg *g)
{
	if ((g->alen != 4 && g->alen != 16) || !g->src || !g->dst || (g->len && !g->data))
		return WIRE_E_MALFORMED;
	r->st.segments++;
	uint32_t h = seg_hash(g);
	struct rstream *s = lookup(r, g, h);
	if (s && reused(s, seg_dir(s, g), g)) {
		stream_end(r, s);
		stream_init(r, s, g);
	} else if (!s) {
		s = stream_new(r, g, h);
		if (!s) {
			r->st.nomem++;
			return -ENOMEM;
		}
	}
	list_touch(&r->lru, s, 0);
	int dir = seg_dir(s, g);
	ws_base(s, dir, g);
	if (g->flags & (WIRE_TH_FIN | WIRE_TH_RST))
		s->finished = 1;
	seg_in(r, s, dir, g);
	return (long)s->id;
}

/* ---- life cycle ----------------------------------------------------------- */

struct wire_reasm_limits wire_reasm_default_limits(void)
{
	struct wire_reasm_limits l = {
	    .dir_bytes = WIRE_REASM_DIR_BYTES,
	    .total_bytes = WIRE_REASM_TOTAL_BYTES,
	    .max_streams = WIRE_REASM_MAX_STREAMS,
	};
	return l;
}

static int limits_ok(const struct wire_reasm_limits *l)
{
	return l->dir_bytes >= RING_MIN && (l->dir_bytes & (l->dir_bytes - 1)) == 0 &&
	       l->dir_bytes <= (1u << 30) && l->total_bytes >= ring_mem(l->dir_bytes) &&
	       l->max_streams > 0;
}

struct wire_reasm *wire_reasm_new(const struct wire_reasm_limits *lim, wire_reasm_cb cb, void *ud)
{
	struct wire_reasm_limits l = lim ? *lim : wire_reasm_default_limits();
	if (!limits_ok(&l) || !cb)
		return NULL;
	struct wire_reasm *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->bucket = calloc(BUCKETS_MIN, sizeof(*r->bucket));
	if (!r->bucket) {
		free(r);
		return NULL;
	}
	r->nbucket = BUCKETS_MIN;
	r->lim = l;
	r->cb = cb;
	r->ud = ud;
	return r;
}

void wire_reasm_finish(struct wire_reasm *r)
{
	struct rstream *s;
	while ((s = r->lru.tail) != NULL) {
		stream_end(r, s);
		stream_forget(r, s);
	}
}

const struct wire_reasm_stats *wire_reasm_stats(const struct wire_reasm *r)
{
	return &r->st;
}

void wire_reasm_free(struct wire_reasm *r)
{
	if (!r)
		return;
	struct rstream *s, *n;
	for (s = r->lru.head; s; s = n) {
		n = s->lnext;
		for (int dir = 0; dir < 2; dir++)
			free(s->d[dir].ring);
		free(s);
	}
	free(r->bucket);
	free(r);
}

int wire_reasm_segment(const struct wire_dissect *d, struct wire_reasm_seg *g)
{
	if (d->tp < 0 || d->ip < 0 || d->frag || d->l[d->tp].kind != WIRE_L_TCP ||
	    d->l[d->tp].status != WIRE_LS_OK || d->l[d->tp].quoted)
		return -1;
	const struct wire_layer *ip = &d->l[d->ip];
	const struct wire_tcp *t = &d->l[d->tp].u.tcp;
	*g = (struct wire_reasm_seg){.sport = t->sport,
	                             .dport = t->dport,
	                             .seq = t->seq,
	                             .ack = t->ack,
	                             .flags = t->flags,
	                             .data = d->pkt->data + d->tp_off,
	                             .len = d->tp_len};
	if (ip->kind == WIRE_L_IPV4) {
		g->alen = 4;
		g->src = ip->u.ip4.src;
		g->dst = ip->u.ip4.dst;
	} else if (ip->kind == WIRE_L_IPV6) {
		g->alen = 16;
		g->src = ip->u.ip6.src;
		g->dst = wire_ip6_conv_dst(d, d->ip);
	} else {
		return -1;
	}
	return 0;
}
