/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Content-Encoding for --compressed (RFC 9110 section 8.4.1): gzip (also
 * several members one after the other) and deflate (the zlib format, or raw
 * deflate as some servers send it, recognised as curl does when the zlib
 * header does not check) through zlib, the only file that includes it. The
 * output goes to the caller in pieces of at most WIRE_HTTP_DECODE_CHUNK
 * bytes, so memory stays bounded whatever the compression ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "wire/err.h"
#include "wire/http.h"

struct wire_http_decoder {
	z_stream z;
	int kind; /* WIRE_HTTP_ENC_* */
	int open; /* z is initialised */
	int done; /* the compressed stream ended */
	int raw;  /* deflate without the zlib wrapper */
	uint64_t in;
	uint8_t first[2]; /* the first bytes, to start again as raw deflate */
	uint8_t out[WIRE_HTTP_DECODE_CHUNK];
};

static int ieq(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	if (n != k)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int c = p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i];
		if (c != s[i])
			return 0;
	}
	return 1;
}

int wire_http_encoding(const struct wire_http_head *h)
{
	const struct wire_http_header *ce = wire_http_find(h, "content-encoding");
	if (!ce || ce->value_len == 0 || ieq(ce->value, ce->value_len, "identity"))
		return WIRE_HTTP_ENC_NONE;
	if (ieq(ce->value, ce->value_len, "gzip") || ieq(ce->value, ce->value_len, "x-gzip"))
		return WIRE_HTTP_ENC_GZIP;
	if (ieq(ce->value, ce->value_len, "deflate"))
		return WIRE_HTTP_ENC_DEFLATE;
	return WIRE_HTTP_ENC_UNKNOWN;
}

static int zinit(struct wire_http_decoder *d)
{
	memset(&d->z, 0, sizeof(d->z));
	int bits = d->kind == WIRE_HTTP_ENC_GZIP ? 16 + MAX_WBITS : d->raw ? -MAX_WBITS : MAX_WBITS;
	d->open = inflateInit2(&d->z, bits) == Z_OK;
	return d->open ? 0 : WIRE_E_INTERNAL;
}

struct wire_http_decoder *wire_http_decoder_new(int kind)
{
	struct wire_http_decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->kind = kind;
	if (zinit(d) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

void wire_http_decoder_free(struct wire_http_decoder *d)
{
	if (!d)
		return;
	if (d->open)
		inflateEnd(&d->z);
	free(d);
}

/* Switches a deflate stream whose zlib header did not check (it fails
 * within its first 2 bytes) to raw deflate, feeding again the bytes of
 * earlier calls (before of them). Returns 1 when switched. */
static int try_raw(struct wire_http_decoder *d, uint64_t before)
{
	if (d->kind != WIRE_HTTP_ENC_DEFLATE || d->raw || before > sizeof(d->first) ||
	    d->z.total_out > 0)
		return 0;
	inflateEnd(&d->z);
	d->raw = 1;
	if (zinit(d) < 0)
		return 0;
	d->z.next_in = d->first;
	d->z.avail_in = (uInt)before;
	d->z.next_out = d->out;
	d->z.avail_out = (uInt)sizeof(d->out);
	int zr = before ? inflate(&d->z, Z_NO_FLUSH) : Z_OK;
	return zr == Z_OK && d->z.avail_in == 0 && d->z.total_out == 0;
}

int wire_http_inflate(struct wire_http_decoder *d, const uint8_t *p, size_t n,
                      int (*out)(void *ctx, const uint8_t *p, size_t n), void *ctx, char *why,
                      size_t wn)
{
	uint64_t before = d->in;
	for (size_t i = 0; i < n && d->in + i < sizeof(d->first); i++)
		d->first[d->in + i] = p[i];
	d->in += n;
	if (d->done && d->kind == WIRE_HTTP_ENC_GZIP && n > 0) { /* another member */
		inflateReset(&d->z);
		d->done = 0;
	}
	d->z.next_in = (Bytef *)(uintptr_t)p;
	d->z.avail_in = (uInt)n;
	while (!d->done) {
		d->z.next_out = d->out;
		d->z.avail_out = (uInt)sizeof(d->out);
		int zr = inflate(&d->z, Z_NO_FLUSH);
		if (zr == Z_DATA_ERROR && try_raw(d, before)) {
			d->z.next_in = (Bytef *)(uintptr_t)p;
			d->z.avail_in = (uInt)n;
			continue;
		}
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			snprintf(why, wn, "bad %s data: %s",
			         d->kind == WIRE_HTTP_ENC_GZIP ? "gzip" : "deflate",
			         d->z.msg ? d->z.msg : "inflate failed");
			return WIRE_E_MALFORMED;
		}
		size_t got = sizeof(d->out) - d->z.avail_out;
		if (got) {
			int rc = out(ctx, d->out, got);
			if (rc < 0)
				return rc;
		}
		if (zr == Z_STREAM_END) {
			/* gzip: another member may follow; anything else ends it */
			if (d->kind == WIRE_HTTP_ENC_GZIP && d->z.avail_in > 0)
				inflateReset(&d->z);
			else
				d->done = 1;
			if (d->kind != WIRE_HTTP_ENC_GZIP)
				d->z.avail_in = 0; /* bytes after a deflate stream: ignored */
		} else if ((zr == Z_BUF_ERROR && got == 0) ||
		           (d->z.avail_in == 0 && d->z.avail_out > 0)) {
			break; /* all input used, all output out */
		}
	}
	return 0;
}

int wire_http_inflate_end(const struct wire_http_decoder *d, char *why, size_t wn)
{
	if (d->in == 0 || d->done)
		return 0;
	snprintf(why, wn, "%s data cut short after %llu bytes",
	         d->kind == WIRE_HTTP_ENC_GZIP ? "gzip" : "deflate", (unsigned long long)d->in);
	return WIRE_E_TRUNCATED;
}
