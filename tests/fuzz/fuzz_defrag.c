/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the IPv4/IPv6 defragmenter (src/core/defrag.c).
 * The first 3 bytes pick the limits (datagrams held, fragments per datagram,
 * bytes held); the rest is a list of 5-byte operations: feed a fragment
 * (family, one of 4 ids, one of 2 protocols, MF, offset, length, which of two
 * byte patterns) or let time pass and expire. It checks:
 *   - the bytes held never exceed the cap, the datagrams held never exceed
 *     theirs;
 *   - a completed datagram invents no byte: every byte of it was fed, for
 *     the same key, at the same offset, with the same value, since that key's
 *     previous datagram completed;
 *   - every fragment is accounted for once: passed through, ignored as a
 *     duplicate, dropped, or part of a completed datagram;
 *   - after finish nothing is held (and LeakSanitizer sees no leak).
 * Any broken invariant aborts, so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/defrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NKEYS 16u
#define SPAN (WIRE_DEFRAG_DGRAM_MAX + 1u)

static uint8_t pat[2][SPAN + 0x8000];
static uint8_t seen[NKEYS][SPAN]; /* bit v: pattern v was fed at this offset */
static uint32_t seen_max[NKEYS];

static void check(int ok)
{
	if (!ok)
		abort();
}

static void init_pat(void)
{
	static int done;
	if (done)
		return;
	for (size_t i = 0; i < sizeof(pat[0]); i++) {
		pat[0][i] = (uint8_t)(i * 7u + 3u);
		pat[1][i] = (uint8_t)~pat[0][i];
	}
	done = 1;
}

static unsigned key_of(const struct wire_defrag_frag *f)
{
	return (f->family == 6 ? 8u : 0u) | (f->id << 1) | (f->family == 4 && f->proto == 6);
}

/* A completed datagram: each byte was fed for this key at that offset. */
static void check_done(unsigned k, const struct wire_defrag_out *o)
{
	check(o->len <= WIRE_DEFRAG_DGRAM_MAX && o->nfrags >= 1);
	for (size_t i = 0; i < o->len; i++) {
		uint8_t m = seen[k][i];
		check(((m & 1) && o->data[i] == pat[0][i]) || ((m & 2) && o->data[i] == pat[1][i]));
	}
	memset(seen[k], 0, seen_max[k]);
	seen_max[k] = 0;
}

static void note_fed(unsigned k, const struct wire_defrag_frag *f, int v)
{
	size_t end = f->offset + f->len;
	if (end > SPAN)
		end = SPAN;
	for (size_t i = f->offset; i < end; i++)
		seen[k][i] |= (uint8_t)(1u << v);
	if (end > seen_max[k])
		seen_max[k] = (uint32_t)end;
}

static void decode_op(const uint8_t *p, struct wire_defrag_frag *f, int *v)
{
	memset(f, 0, sizeof(*f));
	f->family = (p[0] & 1) ? 6 : 4;
	f->id = (p[0] >> 1) & 3u;
	f->proto = (p[0] & 8) ? 6 : 17;
	f->more = (p[0] >> 4) & 1;
	*v = (p[0] >> 5) & 1;
	f->src[0] = 10;
	f->dst[0] = 10;
	f->dst[3] = 1;
	f->hdr_len = 20;
	if (p[1] & 0x80)
		f->offset = (((uint32_t)(p[1] & 0x1f) << 8) | p[2]) * 8u;
	else
		f->offset = (p[2] & 0x3fu) * 8u;
	if (p[3] & 0x80)
		f->len = ((size_t)(p[3] & 0x7f) << 8) | p[4];
	else
		f->len = p[4] & 0x7fu;
	f->data = pat[*v] + f->offset;
}

static void one_input(struct wire_defrag *d, const uint8_t *p, size_t n)
{
	uint64_t now = 0, fed = 0, done_frags = 0;
	for (; n >= 5; p += 5, n -= 5) {
		if ((p[0] >> 6) == 3) { /* time passes */
			now += (uint64_t)p[1] * 1000000u + p[2];
			wire_defrag_expire(d, now);
			continue;
		}
		struct wire_defrag_frag f;
		struct wire_defrag_out o;
		int v;
		decode_op(p, &f, &v);
		f.ts_us = now;
		unsigned k = key_of(&f);
		note_fed(k, &f, v);
		int rc = wire_defrag_feed(d, &f, &o);
		fed++;
		check(rc >= 0);
		if (rc == WIRE_DEFRAG_DONE) {
			check_done(k, &o);
			done_frags += o.nfrags;
		}
		check(rc != WIRE_DEFRAG_WHOLE || (f.offset == 0 && !f.more));
		check(d->held <= d->lim.mem_max);
		check(d->nq <= d->lim.queues_max);
	}
	wire_defrag_finish(d);
	check(d->held == 0 && d->nq == 0);
	const struct wire_defrag_stats *s = &d->st;
	check(s->frags == fed);
	check(s->frags == s->atomic + s->dup + s->frags_dropped + done_frags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	init_pat();
	struct wire_defrag_limits lim;
	wire_defrag_defaults(&lim);
	if (!(data[0] & 0x80)) {
		lim.queues_max = 1u + data[0] % 8u;
		lim.frags_max = 1u + data[1] % 16u;
		lim.mem_max = 256u + data[2] * 400u;
	}
	struct wire_defrag d;
	check(wire_defrag_init(&d, &lim) == 0);
	one_input(&d, data + 3, size - 3);
	wire_defrag_free(&d);
	for (unsigned k = 0; k < NKEYS; k++) {
		memset(seen[k], 0, seen_max[k]);
		seen_max[k] = 0;
	}
	return 0;
}
