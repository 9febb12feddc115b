/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the HTTP response parser and its chunked decoder. The
 * first byte picks a mode (a raw response, a body behind a fixed chunked head,
 * a HEAD request, or URL resolution and parsing of "base\nreference", the
 * base also read as --resolve and --connect-to) and seeds the split points;
 * with bit 3 of a response mode the input also goes through the gzip and
 * deflate decoders of --compressed, whole and byte by byte, which must agree;
 * a response is fed once whole
 * and once in random pieces, each piece copied into an exact-size allocation
 * so an over-read faults under ASan. Both runs must agree on the decoded body
 * and on the outcome, and every span the parser hands back must lie inside
 * its input: otherwise the target aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/err.h"
#include "wire/http.h"

struct outcome {
	int rc; /* 0 done, or the error */
	int heads;
	int status;
	size_t nbody;
	uint8_t *body;
};

static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

/* Feeds in[0..n) in pieces: step bytes each, or random sizes from seed when
 * step is 0 (seed 0 too: all at once). */
static void drive(const uint8_t *in, size_t n, int head_req, uint32_t seed, size_t step,
                  struct outcome *o)
{
	static struct wire_http_parser ps;
	wire_http_parser_init(&ps, head_req);
	memset(o, 0, sizeof(*o));
	o->body = malloc(n + 1);
	size_t start = 0, avail = 0; /* pending bytes: in[start .. avail) */
	int done = 0;
	while (!done) {
		if (avail < n) {
			size_t k = step ? step : seed ? 1 + rnd(&seed) % 64 : n;
			if (k > n - avail)
				k = n - avail;
			avail += k;
		}
		size_t len = avail - start;
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, in + start, len);
		size_t off = 0;
		for (;;) {
			size_t used;
			const uint8_t *d;
			size_t dl;
			int ev = wire_http_parse(&ps, copy + off, len - off, &used, &d, &dl);
			if (ev < 0) {
				o->rc = ev;
				done = 1;
				break;
			}
			if (used > len - off)
				abort();
			if (ev == WIRE_HTTP_DATA) {
				if (d < copy + off || dl > len - off ||
				    (size_t)(d - copy) + dl > len)
					abort();
				memcpy(o->body + o->nbody, d, dl);
				o->nbody += dl;
			}
			if (ev == WIRE_HTTP_HEAD) {
				o->heads++;
				o->status = ps.head.status;
				if (ps.head.len != used || ps.head.raw != copy + off)
					abort();
			}
			off += used;
			if (ev == WIRE_HTTP_DONE) {
				done = 1;
				break;
			}
			if (ev == WIRE_HTTP_NEED)
				break;
		}
		free(copy);
		start += off;
		if (!done && avail == n) {
			/* the peer closed */
			o->rc = wire_http_parse_eof(&ps);
			done = 1;
		}
	}
}

struct sink {
	uint8_t *p;
	size_t n, cap;
};

static int collect(void *ctx, const uint8_t *p, size_t n)
{
	struct sink *s = ctx;
	if (n > WIRE_HTTP_DECODE_CHUNK)
		abort(); /* pieces are bounded */
	if (s->n + n > s->cap)
		return WIRE_E_TOOBIG; /* stops a bomb */
	memcpy(s->p + s->n, p, n);
	s->n += n;
	return 0;
}

/* Decodes in as kind, fed in pieces of step bytes. Returns the outcome. */
static int inflate_all(int kind, const uint8_t *in, size_t n, size_t step, struct sink *s)
{
	struct wire_http_decoder *d = wire_http_decoder_new(kind);
	char why[200];
	int rc = 0;
	if (!d)
		return 1;
	for (size_t i = 0; i < n && rc == 0; i += step) {
		size_t k = n - i < step ? n - i : step;
		uint8_t *copy = malloc(k); /* exact size: over-reads fault */
		memcpy(copy, in + i, k);
		rc = wire_http_inflate(d, copy, k, collect, s, why, sizeof(why));
		free(copy);
	}
	if (rc == 0)
		rc = wire_http_inflate_end(d, why, sizeof(why));
	wire_http_decoder_free(d);
	return rc;
}

static void fuzz_inflate(const uint8_t *in, size_t n)
{
	if (n > 4096)
		return;
	for (int kind = WIRE_HTTP_ENC_GZIP; kind <= WIRE_HTTP_ENC_DEFLATE; kind++) {
		struct sink a = {malloc(1 << 20), 0, 1 << 20}, b = {malloc(1 << 20), 0, 1 << 20};
		int ra = inflate_all(kind, in, n, n ? n : 1, &a);
		int rb = inflate_all(kind, in, n, 1, &b);
		/* byte by byte must give the same bytes, up to where either stopped */
		size_t m = a.n < b.n ? a.n : b.n;
		if (memcmp(a.p, b.p, m) != 0 || (ra == 0 && rb == 0 && a.n != b.n))
			abort();
		free(a.p);
		free(b.p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char chunked_head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	if (size < 1 || size > 200000)
		return 0;
	uint8_t mode = data[0];
	const uint8_t *in = data + 1;
	size_t n = size - 1;
	uint8_t *buf = NULL;
	if ((mode & 3) == 3) { /* URL: "base\nreference", resolved, then parsed */
		const uint8_t *nl = memchr(in, '\n', n);
		size_t bl = nl ? (size_t)(nl - in) : n;
		char base[512];
		static char out[WIRE_HTTP_URL_MAX];
		static struct wire_url u;
		if (bl >= sizeof(base))
			return 0;
		memcpy(base, in, bl);
		base[bl] = 0;
		if (memchr(base, 0, bl))
			return 0;
		const uint8_t *ref = nl ? nl + 1 : in + n;
		size_t rl = (size_t)(in + n - ref);
		uint8_t *rc = malloc(rl ? rl : 1); /* exact size: over-reads fault */
		memcpy(rc, ref, rl);
		int r = wire_url_resolve(base, rc, rl, out, sizeof(out));
		if (r >= 0) {
			if ((size_t)r != strlen(out))
				abort();
			wire_url_parse(out, (size_t)r, &u);
		}
		wire_url_parse(base, bl, &u);
		static struct wire_http_route route;
		wire_http_parse_resolve(base, &route);
		wire_http_parse_connect_to(base, &route);
		free(rc);
		return 0;
	}
	if ((mode & 3) == 1) { /* the chunked decoder on its own */
		size_t h = sizeof(chunked_head) - 1;
		buf = malloc(h + n + 1);
		memcpy(buf, chunked_head, h);
		memcpy(buf + h, in, n);
		in = buf;
		n += h;
	}
	if (mode & 8)
		fuzz_inflate(in, n);
	int head_req = (mode & 3) == 2;
	struct outcome whole, split, bytes;
	drive(in, n, head_req, 0, 0, &whole);
	drive(in, n, head_req, (uint32_t)mode * 2654435761u + 1, 0, &split);
	if (whole.rc != split.rc || whole.nbody != split.nbody ||
	    memcmp(whole.body, split.body, whole.nbody) != 0 || whole.heads != split.heads)
		abort();
	if (n < 4096 && (mode & 4)) { /* one byte at a time */
		drive(in, n, head_req, 0, 1, &bytes);
		if (bytes.rc != whole.rc || bytes.nbody != whole.nbody)
			abort();
		free(bytes.body);
	}
	free(whole.body);
	free(split.body);
	free(buf);
	return 0;
}
