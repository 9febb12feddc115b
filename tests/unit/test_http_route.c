/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for --resolve and --connect-to (src/core/http/route.c: parsing,
 * brackets, empty fields, bad input, which rule applies) and for
 * --compressed's decoder (src/core/http/decode.c: gzip with two members,
 * deflate in the zlib format and raw, input split byte by byte, output in
 * bounded pieces, bad and cut data).
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "t.h"
#include "wire/err.h"
#include "wire/http.h"

static void check_parse(void)
{
	struct wire_http_route r;
	CHECK_INT(wire_http_parse_resolve("Example.COM:443:127.0.0.1", &r), 0);
	CHECK_STR(r.host, "example.com");
	CHECK_INT(r.port, 443);
	CHECK_STR(r.to, "127.0.0.1");
	CHECK_INT(wire_http_parse_resolve("[::1]:80:[2001:db8::1]", &r), 0);
	CHECK_STR(r.host, "::1");
	CHECK_STR(r.to, "2001:db8::1");
	CHECK_INT(wire_http_parse_resolve("h:80:2001:db8::2", &r), 0); /* no brackets */
	CHECK_STR(r.to, "2001:db8::2");
	const char *bad[] = {"",
	                     "h",
	                     "h:80",
	                     "h:80:",
	                     ":80:127.0.0.1",
	                     "h::127.0.0.1",
	                     "h:0:127.0.0.1",
	                     "h:65536:127.0.0.1",
	                     "h:8x:127.0.0.1",
	                     "h:80:name.example",
	                     "[::1:80:127.0.0.1",
	                     "h:80:[::1]x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(wire_http_parse_resolve(bad[i], &r), WIRE_E_USAGE);

	CHECK_INT(wire_http_parse_connect_to("a.test:80:127.0.0.1:8080", &r), 0);
	CHECK_STR(r.host, "a.test");
	CHECK_INT(r.port, 80);
	CHECK_STR(r.to, "127.0.0.1");
	CHECK_INT(r.to_port, 8080);
	CHECK_INT(wire_http_parse_connect_to("::[::1]:", &r), 0);
	CHECK_STR(r.host, "");
	CHECK_INT(r.port, -1);
	CHECK_STR(r.to, "::1");
	CHECK_INT(r.to_port, -1);
	const char *badc[] = {"", "a", "a:80", "a:80:b", "a:80:b:1:2", "a:x:b:1", "a:80:b:0"};
	for (size_t i = 0; i < sizeof(badc) / sizeof(badc[0]); i++)
		CHECK_INT(wire_http_parse_connect_to(badc[i], &r), WIRE_E_USAGE);
	char big[600];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	CHECK_INT(wire_http_parse_resolve(big, &r), WIRE_E_USAGE);
	CHECK_INT(wire_http_parse_connect_to(big, &r), WIRE_E_USAGE);
}

static void check_route(void)
{
	struct wire_http_route res[2], ct[2];
	struct wire_http_opts o;
	struct wire_http_target t;
	memset(&o, 0, sizeof(o));
	wire_http_route(&o, "a.test", 80, &t);
	CHECK_STR(t.host, "a.test");
	CHECK_INT(t.port, 80);
	CHECK(t.via == NULL);
	CHECK_INT(wire_http_parse_connect_to("a.test::b.test:8080", &ct[0]), 0);
	CHECK_INT(wire_http_parse_connect_to(":443::8443", &ct[1]), 0);
	CHECK_INT(wire_http_parse_resolve("b.test:8080:10.0.0.1", &res[0]), 0);
	/* --resolve applies to where --connect-to leads (as curl) */
	CHECK_INT(wire_http_parse_resolve("c.test:8443:10.0.0.2", &res[1]), 0);
	o.connect_to = ct;
	o.nconnect_to = 2;
	o.resolve = res;
	o.nresolve = 2;
	wire_http_route(&o, "a.test", 81, &t); /* connect-to, then resolve */
	CHECK_STR(t.host, "10.0.0.1");
	CHECK_INT(t.port, 8080);
	CHECK_STR(t.via, "--connect-to and --resolve");
	wire_http_route(&o, "c.test", 443, &t); /* the port only, then resolve */
	CHECK_STR(t.host, "10.0.0.2");
	CHECK_INT(t.port, 8443);
	wire_http_route(&o, "c.test", 80, &t); /* no rule */
	CHECK_STR(t.host, "c.test");
	CHECK_INT(t.port, 80);
	CHECK(t.via == NULL);
}

struct sink {
	uint8_t *p;
	size_t n, cap, max_piece;
};

static int collect(void *ctx, const uint8_t *p, size_t n)
{
	struct sink *s = ctx;
	if (n > s->max_piece)
		s->max_piece = n;
	if (s->n + n > s->cap)
		return WIRE_E_TOOBIG;
	memcpy(s->p + s->n, p, n);
	s->n += n;
	return 0;
}

/* Compresses in into out with windowBits (31 gzip, 15 zlib, -15 raw). */
static size_t pack(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int bits)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	size_t len = cap - z.avail_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? len : 0;
}

/* Decodes enc (split in pieces of step bytes) and compares with want. */
static void check_decode(int kind, const uint8_t *enc, size_t elen, size_t step,
                         const uint8_t *want, size_t wlen)
{
	struct sink s = {malloc(wlen + 1), 0, wlen + 1, 0};
	struct wire_http_decoder *d = wire_http_decoder_new(kind);
	char why[200];
	int rc = 0;
	CHECK(d != NULL && s.p != NULL);
	for (size_t i = 0; d && s.p && i < elen && rc == 0; i += step)
		rc = wire_http_inflate(d, enc + i, elen - i < step ? elen - i : step, collect, &s,
		                       why, sizeof(why));
	CHECK_INT(rc, 0);
	CHECK_INT(d ? wire_http_inflate_end(d, why, sizeof(why)) : -1, 0);
	CHECK_MEM(s.p, s.n, want, wlen);
	CHECK(s.max_piece <= WIRE_HTTP_DECODE_CHUNK);
	wire_http_decoder_free(d);
	free(s.p);
}

static void check_decoder(void)
{
	size_t n = 300000;
	uint8_t *text = malloc(n), *enc = malloc(2 * n + 64), *two = malloc(2 * n);
	if (!text || !enc || !two) {
		CHECK(0);
		return;
	}
	for (size_t i = 0; i < n; i++)
		text[i] = (uint8_t)("wirecat decodes gzip\n"[i % 21] ^ (i / 7000));
	size_t g = pack(text, n, enc, 2 * n, 31);
	CHECK(g > 0);
	check_decode(WIRE_HTTP_ENC_GZIP, enc, g, g, text, n);
	check_decode(WIRE_HTTP_ENC_GZIP, enc, g, 1, text, n);
	/* two gzip members one after the other */
	size_t g2 = pack(text, n / 2, enc + g, 2 * n + 64 - g, 31);
	memcpy(two, text, n);
	memcpy(two + n, text, n / 2);
	check_decode(WIRE_HTTP_ENC_GZIP, enc, g + g2, 4096, two, n + n / 2);
	size_t zl = pack(text, n, enc, 2 * n, 15);
	check_decode(WIRE_HTTP_ENC_DEFLATE, enc, zl, 777, text, n);
	size_t raw = pack(text, n, enc, 2 * n, -15);
	check_decode(WIRE_HTTP_ENC_DEFLATE, enc, raw, 1, text, n);
	check_decode(WIRE_HTTP_ENC_DEFLATE, enc, raw, raw, text, n);

	/* cut short, and bad data */
	g = pack(text, n, enc, 2 * n, 31);
	struct sink s = {malloc(n), 0, n, 0};
	char why[200];
	struct wire_http_decoder *d = wire_http_decoder_new(WIRE_HTTP_ENC_GZIP);
	CHECK_INT(wire_http_inflate(d, enc, g / 2, collect, &s, why, sizeof(why)), 0);
	CHECK_INT(wire_http_inflate_end(d, why, sizeof(why)), WIRE_E_TRUNCATED);
	wire_http_decoder_free(d);
	d = wire_http_decoder_new(WIRE_HTTP_ENC_GZIP);
	static const uint8_t junk[] = "\x1f\x8b\x08\x00not gzip at all";
	CHECK_INT(wire_http_inflate(d, junk, sizeof(junk) - 1, collect, &s, why, sizeof(why)),
	          WIRE_E_MALFORMED);
	CHECK(strstr(why, "bad gzip data") == why);
	wire_http_decoder_free(d);
	/* the sink's error stops the decoding */
	s.n = 0;
	s.cap = 1000;
	d = wire_http_decoder_new(WIRE_HTTP_ENC_GZIP);
	CHECK_INT(wire_http_inflate(d, enc, g, collect, &s, why, sizeof(why)), WIRE_E_TOOBIG);
	wire_http_decoder_free(d);
	free(s.p);
	free(text);
	free(enc);
	free(two);
}

int main(void)
{
	check_parse();
	check_route();
	check_decoder();
	return T_END();
}
