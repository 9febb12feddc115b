/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the framing decoder (src/core/frame.c). The first
 * input byte picks the frame spec (low 4 bits) and --max-frame (next 2 bits),
 * the second seeds the chunk sizes; the rest is the stream. It is decoded
 * twice, fed whole and fed in chunks of varying size, and checks:
 *   - both give the same messages, the same outcome and the same reason;
 *   - no message is longer than max, FIXED messages are exactly N bytes;
 *   - the decoder never holds more than max + the frame's overhead;
 *   - a stream that decoded cleanly, re-encoded, decodes to the same messages.
 * Any broken invariant aborts, so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/err.h"
#include "wire/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const specs[16] = {
    "eof",
    "fixed:1",
    "fixed:3",
    "fixed:16",
    "line",
    "crlf",
    "delim:\\r\\n\\r\\n",
    "delim:aab",
    "delim:abab",
    "delim:\\0",
    "prefix:u8",
    "prefix:u16",
    "prefix:u32",
    "prefix:u16le",
    "prefix:u32le",
    "header:Content-Length",
};
static const size_t maxes[4] = {16, 64, 300, 100000};

struct got {
	uint8_t *bytes; /* messages, concatenated */
	size_t used, cap;
	size_t *lens;
	size_t count, lcap;
	size_t max, fixed;
};

static void check(int ok)
{
	if (!ok)
		abort();
}

static int on_msg(void *ud, const uint8_t *m, size_t len)
{
	struct got *g = ud;
	check(len <= g->max);
	check(g->fixed == 0 || len == g->fixed);
	if (g->used + len > g->cap) {
		size_t cap = (g->used + len) * 2 + 64;
		uint8_t *p = realloc(g->bytes, cap);
		check(p != NULL);
		g->bytes = p;
		g->cap = cap;
	}
	if (g->count == g->lcap) {
		size_t cap = g->lcap * 2 + 16;
		size_t *p = realloc(g->lens, cap * sizeof(*p));
		check(p != NULL);
		g->lens = p;
		g->lcap = cap;
	}
	if (len)
		memcpy(g->bytes + g->used, m, len);
	g->used += len;
	g->lens[g->count++] = len;
	return 0;
}

static int same(const struct got *a, const struct got *b)
{
	if (a->count != b->count || a->used != b->used)
		return 0;
	if (a->count && memcmp(a->lens, b->lens, a->count * sizeof(*a->lens)) != 0)
		return 0;
	return a->used == 0 || memcmp(a->bytes, b->bytes, a->used) == 0;
}

static size_t overhead(const struct wire_frame_spec *s)
{
	switch (s->kind) {
	case WIRE_FRAME_DELIM: return s->delim_len;
	case WIRE_FRAME_PREFIX: return s->prefix_size;
	case WIRE_FRAME_HEADER: return WIRE_FRAME_HEADER_MAX;
	default: return 0;
	}
}

/* Decodes p[0..n) in chunks drawn from *seed (0: one feed), then finishes.
 * Returns the outcome; the reason is copied to why. */
static int decode(const struct wire_frame_spec *s, const uint8_t *p, size_t n, unsigned seed,
                  struct got *g, char *why, size_t whylen)
{
	struct wire_framer f;
	int rc = 0;
	size_t at = 0;
	wire_framer_init(&f, s);
	while (at < n && rc == 0) {
		size_t k = n - at;
		if (seed) {
			seed = seed * 1103515245u + 12345u;
			size_t c = (seed >> 16) & 0xff;
			k = c < 200 ? 1 + c % 7 : 1 + (c - 200) * 97; /* mostly small */
			if (k > n - at)
				k = n - at;
		}
		rc = wire_framer_feed(&f, p + at, k, on_msg, g);
		check(wire_framer_pending(&f) <= s->max + overhead(s));
		at += k;
	}
	if (rc == 0)
		rc = wire_framer_finish(&f, on_msg, g);
	check(rc == f.err);
	check(memchr(f.why, 0, sizeof(f.why)) != NULL);
	memcpy(why, f.why, whylen < sizeof(f.why) ? whylen : sizeof(f.why));
	wire_framer_free(&f);
	return rc;
}

static void got_free(struct got *g)
{
	free(g->bytes);
	free(g->lens);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct wire_frame_spec s;
	char why[200];
	if (wire_frame_parse(specs[data[0] & 15], maxes[(data[0] >> 4) & 3], &s, why, sizeof(why)))
		return 0;
	unsigned seed = 1u + data[1];
	const uint8_t *p = data + 2;
	size_t n = size - 2;

	struct got a = {0}, b = {0}, c = {0};
	a.max = b.max = c.max = s.max;
	a.fixed = b.fixed = c.fixed = s.kind == WIRE_FRAME_FIXED ? s.fixed : 0;
	char wa[160], wb[160], wc[160];
	int ra = decode(&s, p, n, 0, &a, wa, sizeof(wa));
	int rb = decode(&s, p, n, seed, &b, wb, sizeof(wb));
	check(ra == rb);
	check(strcmp(wa, wb) == 0);
	check(same(&a, &b));
	check(ra == 0 || ra == WIRE_E_TOOBIG || ra == WIRE_E_MALFORMED || ra == WIRE_E_TRUNCATED);

	if (ra == 0) { /* re-encode what came out: it must come out again */
		struct wire_buf out;
		wire_buf_init(&out, 2 * n + 64 * (a.count + 1));
		size_t at = 0;
		for (size_t i = 0; i < a.count; i++) {
			/* a.bytes is NULL when every message was empty: never
			 * do arithmetic on a null pointer */
			const uint8_t *m = a.lens[i] ? a.bytes + at : (const uint8_t *)"";
			check(wire_frame_encode(&s, m, a.lens[i], &out, why, sizeof(why)) == 0);
			at += a.lens[i];
		}
		check(decode(&s, out.data, out.len, seed, &c, wc, sizeof(wc)) == 0);
		check(same(&a, &c));
		wire_buf_free(&out);
	}
	got_free(&a);
	got_free(&b);
	got_free(&c);
	return 0;
}
