/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the stream decoders (src/core/streamdec.c: HTTP/1.x,
 * DNS over TCP and TLS message cutting), fed reassembler events directly so
 * that any byte chunks in both directions reach them. Byte 0 picks the
 * ports (53 makes a stream DNS) and the split seed; then ops of 2 bytes:
 * op[0] bit 0 the direction, bit 1 the stream, bits 2-3 the kind (data,
 * data, gap, end), bits 4-7 scale the length op[1]; a data op takes its
 * bytes from the input that follows. Events keep the reassembler's promises
 * (a NEW first, offsets running on, nothing after a direction's END, a
 * stream that ended both ways is never seen again). The same events are run
 * twice: each data op whole, then cut into random pieces. Checked:
 *   - every message is of a known kind, of a stream and direction fed, at
 *     most WIRE_STREAMDEC_MSG_MAX bytes;
 *   - both runs give the same messages (direction, kind, bytes) in the
 *     same order, and the same counters;
 *   - the memory counter stays under its cap and is 0 once every stream has
 *     ended (LeakSanitizer checks the rest).
 * Any broken promise aborts, so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/dissect.h"
#include "wire/reasm.h"
#include "wire/streamdec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MSGS_MAX 4096u

struct rec {
	uint32_t stream;
	uint8_t dir, kind;
	size_t len;
	uint64_t hash;
};

struct run {
	struct rec *r;
	size_t n;
	uint32_t live[2]; /* stream numbers in use for slot 0 and 1 */
};

static void check(int ok)
{
	if (!ok)
		abort();
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211u;
	return h;
}

static void on_msg(void *ud, const struct wire_streamdec_msg *m)
{
	struct run *r = ud;
	check(m->kind == WIRE_L_HTTP || m->kind == WIRE_L_DNS || m->kind == WIRE_L_TLS);
	check(m->dir < 2 && (m->stream == r->live[0] || m->stream == r->live[1]));
	check(m->len > 0 && m->len <= WIRE_STREAMDEC_MSG_MAX && m->data != NULL);
	if (m->kind == WIRE_L_DNS)
		check(m->len == 2u + ((size_t)m->data[0] << 8 | m->data[1]));
	if (m->kind == WIRE_L_TLS)
		check(m->len >= 5 && m->data[0] >= 20 && m->data[0] <= 24);
	if (r->n >= MSGS_MAX)
		return;
	r->r[r->n++] = (struct rec){m->stream, m->dir, m->kind, m->len, fnv(m->data, m->len)};
}

static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

struct slot {
	struct wire_reasm_ends ends;
	uint32_t stream;
	uint64_t off[2];
	uint8_t ended[2];
};

static void event(struct wire_streamdec *s, struct slot *t, int dir, uint8_t kind, const uint8_t *p,
                  size_t n)
{
	struct wire_reasm_event ev = {t->stream, (uint8_t)dir, kind, p,
	                              n,         t->off[dir],  0,    &t->ends};
	wire_streamdec_event(s, &ev);
	t->off[dir] += n;
}

/* Starts slot k's next stream number (after *next) on ports from pick. */
static void start(struct wire_streamdec *s, struct slot *t, uint32_t *next, int dns, struct run *r,
                  int k)
{
	memset(t, 0, sizeof(*t));
	t->ends.alen = 4;
	t->ends.addr[0][0] = 10;
	t->ends.addr[1][0] = 10;
	t->ends.addr[1][3] = 1;
	t->ends.port[0] = 40000;
	t->ends.port[1] = dns ? 53 : 80;
	t->stream = (*next)++;
	r->live[k] = t->stream;
	event(s, t, 0, WIRE_REASM_NEW, NULL, 0);
}

/* Feeds every op; split: cut data into pieces. Fills r; returns the stats. */
static struct wire_streamdec_stats drive(const uint8_t *data, size_t size, int split, struct run *r)
{
	struct wire_streamdec *s = wire_streamdec_new(on_msg, r);
	check(s != NULL);
	const struct wire_streamdec_stats *st = wire_streamdec_stats(s);
	uint32_t seed = data[0] * 2654435761u + 1, next = 0;
	struct slot sl[2];
	for (int k = 0; k < 2; k++)
		start(s, &sl[k], &next, (data[0] >> k) & 1, r, k);
	size_t at = 1;
	while (size - at >= 2) {
		uint8_t a = data[at], b = data[at + 1];
		at += 2;
		int dir = a & 1, k = (a >> 1) & 1, kind = (a >> 2) & 3;
		size_t len = (size_t)b * (1u + (a >> 4) * 16u);
		struct slot *t = &sl[k];
		if (t->ended[0] && t->ended[1]) /* ended both ways: a new stream */
			start(s, t, &next, (data[0] >> k) & 1, r, k);
		if (t->ended[dir])
			continue;
		if (kind == 3) {
			event(s, t, dir, WIRE_REASM_END, NULL, 0);
			t->ended[dir] = 1;
		} else if (kind == 2) {
			event(s, t, dir, WIRE_REASM_GAP, NULL, len ? len : 1);
		} else {
			if (len > size - at)
				len = size - at;
			for (size_t done = 0; done < len;) {
				size_t piece = split ? 1 + rnd(&seed) % 97 : len;
				if (piece > len - done)
					piece = len - done;
				uint8_t *copy = malloc(piece); /* exact size: over-reads fault */
				check(copy != NULL);
				memcpy(copy, data + at + done, piece);
				event(s, t, dir, WIRE_REASM_DATA, copy, piece);
				free(copy);
				done += piece;
			}
			at += len;
		}
		check(st->mem <= WIRE_STREAMDEC_TOTAL_MAX);
	}
	for (int k = 0; k < 2; k++)
		for (int dir = 0; dir < 2; dir++)
			if (!sl[k].ended[dir])
				event(s, &sl[k], dir, WIRE_REASM_END, NULL, 0);
	struct wire_streamdec_stats out = *st;
	check(out.mem == 0 && out.mem_peak <= WIRE_STREAMDEC_TOTAL_MAX);
	wire_streamdec_free(s);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	struct run a = {0}, b = {0};
	a.r = malloc(MSGS_MAX * sizeof(*a.r));
	b.r = malloc(MSGS_MAX * sizeof(*b.r));
	check(a.r && b.r);
	struct wire_streamdec_stats sa = drive(data, size, 0, &a);
	struct wire_streamdec_stats sb = drive(data, size, 1, &b);
	check(a.n == b.n && sa.messages == sb.messages && sa.oversize == sb.oversize &&
	      sa.abandoned == sb.abandoned);
	for (size_t i = 0; i < a.n; i++)
		check(a.r[i].stream == b.r[i].stream && a.r[i].dir == b.r[i].dir &&
		      a.r[i].kind == b.r[i].kind && a.r[i].len == b.r[i].len &&
		      a.r[i].hash == b.r[i].hash);
	free(a.r);
	free(b.r);
	return 0;
}
