/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the HTTP response parser (src/core/http/parse.c): a table of
 * responses, each fed whole, split in two at every byte, and one byte at a
 * time; the decoded body, status, framing, keep-alive and the error must be
 * the same every time. Inputs sit right before a PROT_NONE page so that any
 * read past the end faults.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "t.h"
#include "wire/err.h"
#include "wire/http.h"

struct tcase {
	const char *name;
	const char *in;
	int head_req;
	int rc; /* 0, or the error from parse or eof */
	int status;
	const char *body;
	int keepalive;
	int heads;       /* heads seen, interim included */
	int eof;         /* the response ends at the close (no DONE before it) */
	const char *why; /* substring of the message */
	size_t left;     /* bytes after the response */
};

static const struct tcase cases[] = {
    {"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0, 0, 200, "hello", 1,
     1, 0, NULL, 0},
    {"cl-zero", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, 200, "", 1, 1, 0, NULL, 0},
    {"cl-leftover", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiXYZ", 0, 0, 200, "hi", 1, 1, 0,
     NULL, 3},
    {"cl-list-same", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\ncontent-length: 3\r\n\r\nabc", 0,
     0, 200, "abc", 1, 1, 0, NULL, 0},
    {"lf-only", "HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", 0, 0, 200, "abc", 1, 1, 0, NULL, 0},
    {"no-reason", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx", 0, 0, 200, "x", 1, 1, 0, NULL, 0},
    {"empty-reason", "HTTP/1.1 404 \r\nContent-Length: 1\r\n\r\nx", 0, 0, 404, "x", 1, 1, 0, NULL,
     0},
    {"ows", "HTTP/1.1 200 OK\r\nContent-Length:\t 4 \t\r\n\r\nabcd", 0, 0, 200, "abcd", 1, 1, 0,
     NULL, 0},
    {"close-hdr", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", 0, 0, 200,
     "x", 0, 1, 0, NULL, 0},
    {"http10", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, 0, 200, "x", 0, 1, 0, NULL, 0},
    {"http10-ka", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx", 0, 0,
     200, "x", 1, 1, 0, NULL, 0},
    {"until-close", "HTTP/1.1 200 OK\r\n\r\nall of it\r\n", 0, 0, 200, "all of it\r\n", 0, 1, 1,
     NULL, 0},
    {"te-gzip-close", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz", 0, 0, 200, "zzz", 0,
     1, 1, NULL, 0},
    {"chunked",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
     0, 0, 200, "hello world", 1, 1, 0, NULL, 0},
    {"chunked-upper",
     "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", 0,
     0, 200, "0123456789", 1, 1, 0, NULL, 0},
    {"chunked-ext",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
     "chunked\r\n\r\n3;a=b;c=\"d;e\"\r\nabc\r\n0;last\r\n\r\n",
     0, 0, 200, "abc", 1, 1, 0, NULL, 0},
    {"chunked-ws",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3  ;x\r\nabc\r\n0 \r\n\r\n", 0, 0, 200,
     "abc", 1, 1, 0, NULL, 0},
    {"chunked-trailers",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-A: 1\r\nX-B: "
     "2\r\n\r\nNEXT",
     0, 0, 200, "hi", 1, 1, 0, NULL, 4},
    {"chunked-lf", "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nhi\n0\n\n", 0, 0, 200, "hi",
     1, 1, 0, NULL, 0},
    {"chunked-zeros",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0002\r\nhi\r\n000\r\n\r\n", 0, 0, 200,
     "hi", 1, 1, 0, NULL, 0},
    {"head", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 1, 0, 200, "", 1, 1, 0, NULL, 0},
    {"head-chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 1, 0, 200, "", 1, 1,
     0, NULL, 0},
    {"204", "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", 0, 0, 204, "", 1, 1, 0, NULL,
     0},
    {"304", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 0, 304, "", 1, 1,
     0, NULL, 0},
    {"100-continue", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
     0, 0, 200, "ok", 1, 2, 0, NULL, 0},
    {"two-1xx",
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 "
     "No\r\n\r\n",
     0, 0, 204, "", 1, 3, 0, NULL, 0},
    {"101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", 0, 0, 101, "", 0, 1, 0, NULL,
     0},
    /* errors */
    {"empty", "", 0, WIRE_E_CLOSED, 0, "", 0, 0, 1, "empty reply", 0},
    {"bad-status", "HTTP/1.1 2OO OK\r\n\r\n", 0, WIRE_E_MALFORMED, 0, "", 0, 0, 0,
     "bad status line \"HTTP/1.1 2OO OK\"", 0},
    {"bad-version", "HTTP/2.0 200 OK\r\n\r\n", 0, WIRE_E_MALFORMED, 0, "", 0, 0, 0,
     "bad status line", 0},
    {"not-http", "SSH-2.0-OpenSSH\r\n\r\n", 0, WIRE_E_MALFORMED, 0, "", 0, 0, 0, "bad status line",
     0},
    {"status-no-space", "HTTP/1.1 200OK\r\n\r\n", 0, WIRE_E_MALFORMED, 0, "", 0, 0, 0,
     "bad status line", 0},
    {"bad-header", "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", 0, WIRE_E_MALFORMED, 0, "", 0, 0, 0,
     "bad header line", 0},
    {"space-before-colon", "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx", 0, WIRE_E_MALFORMED, 0,
     "", 0, 0, 0, "bad header line", 0},
    {"obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", 0, WIRE_E_MALFORMED, 0, "", 0, 0, 0,
     "folding", 0},
    {"nul-in-value", "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 0, WIRE_E_MALFORMED, 0, "", 0, 0, 0,
     "bad byte", 0},
    {"cl-and-te",
     "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: "
     "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
     0, WIRE_E_MALFORMED, 0, "", 0, 0, 0, "both Content-Length and Transfer-Encoding", 0},
    {"cl-differ", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 0,
     WIRE_E_MALFORMED, 0, "", 0, 0, 0, "differing Content-Lengths (3 and 4)", 0},
    {"cl-list-differ", "HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd", 0, WIRE_E_MALFORMED,
     0, "", 0, 0, 0, "differing", 0},
    {"cl-negative", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, WIRE_E_MALFORMED, 0, "", 0,
     0, 0, "negative Content-Length \"-1\"", 0},
    {"cl-overflow", "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", 0,
     WIRE_E_MALFORMED, 0, "", 0, 0, 0, "overflows", 0},
    {"cl-max-ok", "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nab", 0,
     WIRE_E_TRUNCATED, 200, "ab", 1, 1, 1, "body cut short: 2 of 9223372036854775807", 0},
    {"cl-hex", "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", 0, WIRE_E_MALFORMED, 0, "", 0, 0,
     0, "bad Content-Length", 0},
    {"cl-empty", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, WIRE_E_MALFORMED, 0, "", 0, 0, 0,
     "empty Content-Length", 0},
    {"cl-short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", 0, WIRE_E_TRUNCATED, 200,
     "hello", 1, 1, 1, "body cut short: 5 of 10 bytes", 0},
    {"head-short", "HTTP/1.1 200 OK\r\nContent-Le", 0, WIRE_E_TRUNCATED, 0, "", 0, 0, 1,
     "response head cut short", 0},
    {"bad-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0,
     WIRE_E_MALFORMED, 200, "", 1, 1, 0, "chunk size \"zz\" is not hex", 0},
    {"bad-chunk-eof", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz", 0,
     WIRE_E_MALFORMED, 200, "hello", 1, 1, 1, "chunk size \"zz\" is not hex", 0},
    {"bad-chunk-mixed", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1g\r\nx\r\n0\r\n\r\n",
     0, WIRE_E_MALFORMED, 200, "", 1, 1, 0, "chunk size \"1g\" is not hex", 0},
    {"chunk-negative", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 0,
     WIRE_E_MALFORMED, 200, "", 1, 1, 0, "chunk size \"-1\"", 0},
    {"chunk-empty-size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 0,
     WIRE_E_MALFORMED, 200, "", 1, 1, 0, "chunk size \"\"", 0},
    {"chunk-too-many-digits",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000001\r\n", 0,
     WIRE_E_MALFORMED, 200, "", 1, 1, 0, "more than 16 digits", 0},
    {"chunk-overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
     0, WIRE_E_MALFORMED, 200, "", 1, 1, 0, "overflows", 0},
    {"chunk-too-long", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
     0, WIRE_E_MALFORMED, 200, "ab", 1, 1, 0, "longer than its size", 0},
    {"chunk-cut", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", 0,
     WIRE_E_TRUNCATED, 200, "abc", 1, 1, 1, "chunked body cut short after 3 bytes", 0},
    {"chunk-no-last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", 0,
     WIRE_E_TRUNCATED, 200, "abc", 1, 1, 1, "chunked body cut short", 0},
    {"chunk-no-final-crlf", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", 0,
     WIRE_E_TRUNCATED, 200, "", 1, 1, 1, "cut short", 0},
    {"after-100-eof", "HTTP/1.1 100 Continue\r\n\r\n", 0, WIRE_E_TRUNCATED, 100, "", 1, 1, 1,
     "interim", 0},
};

struct result {
	int rc, status, keepalive, heads, eof;
	size_t left;
	char body[256];
	size_t nbody;
	char why[200];
};

/* A page-aligned area whose next page is PROT_NONE. */
static uint8_t *guard;
static size_t guard_size;

static uint8_t *place(const uint8_t *p, size_t n)
{
	uint8_t *dst = guard + guard_size - n;
	memmove(dst, p, n);
	return dst;
}

/* Feeds in[0..n) in pieces: split at `at` (0: whole), or `step` bytes each. */
static void drive(const struct tcase *tc, size_t n, size_t at, size_t step, struct result *r)
{
	static struct wire_http_parser ps;
	const uint8_t *in = (const uint8_t *)tc->in;
	memset(r, 0, sizeof(*r));
	wire_http_parser_init(&ps, tc->head_req);
	size_t start = 0, avail = 0;
	for (;;) {
		size_t k = step ? step : (avail < at ? at - avail : n - avail);
		if (k > n - avail)
			k = n - avail;
		avail += k;
		size_t len = avail - start;
		uint8_t *p = place(in + start, len);
		size_t off = 0;
		int ev;
		for (;;) {
			size_t used;
			const uint8_t *d;
			size_t dl;
			ev = wire_http_parse(&ps, p + off, len - off, &used, &d, &dl);
			if (ev < 0) {
				r->rc = ev;
				snprintf(r->why, sizeof(r->why), "%s", ps.why);
				return;
			}
			if (ev == WIRE_HTTP_DATA && r->nbody + dl < sizeof(r->body)) {
				memcpy(r->body + r->nbody, d, dl);
				r->nbody += dl;
			}
			if (ev == WIRE_HTTP_HEAD) {
				r->heads++;
				r->status = ps.head.status;
			}
			off += used;
			if (ev == WIRE_HTTP_DONE || ev == WIRE_HTTP_NEED)
				break;
		}
		start += off;
		if (ev == WIRE_HTTP_DONE) {
			r->keepalive = ps.keepalive;
			r->left = n - start;
			return;
		}
		if (avail == n) {
			r->eof = 1;
			r->rc = wire_http_parse_eof(&ps);
			r->keepalive = ps.keepalive;
			snprintf(r->why, sizeof(r->why), "%s", ps.why);
			return;
		}
	}
}

static size_t tlen(const struct tcase *tc)
{
	/* cases with an embedded NUL know their length from the name */
	if (!strcmp(tc->name, "nul-in-value"))
		return sizeof("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n") - 1;
	return strlen(tc->in);
}

static int same(const struct result *a, const struct result *b)
{
	return a->rc == b->rc && a->status == b->status && a->heads == b->heads &&
	       a->nbody == b->nbody && !memcmp(a->body, b->body, a->nbody) && a->left == b->left &&
	       (a->rc || a->keepalive == b->keepalive);
}

static void check_case(const struct tcase *tc)
{
	size_t n = tlen(tc);
	struct result whole, r;
	drive(tc, n, 0, 0, &whole);
	if (whole.rc != tc->rc || (tc->rc == 0 && whole.status != tc->status) ||
	    whole.nbody != strlen(tc->body) || memcmp(whole.body, tc->body, whole.nbody) != 0 ||
	    (tc->why && !strstr(whole.why, tc->why)) || whole.eof != tc->eof ||
	    (tc->rc == 0 && (whole.keepalive != tc->keepalive || whole.heads != tc->heads ||
	                     whole.left != tc->left))) {
		fprintf(stderr,
		        "case %s: rc %d status %d body \"%.*s\" ka %d heads %d eof %d left %zu why "
		        "\"%s\"\n",
		        tc->name, whole.rc, whole.status, (int)whole.nbody, whole.body,
		        whole.keepalive, whole.heads, whole.eof, whole.left, whole.why);
		CHECK(0);
		return;
	}
	CHECK(1);
	int bad = 0;
	for (size_t at = 1; at < n; at++) {
		drive(tc, n, at, 0, &r);
		if (!same(&whole, &r) && !bad++)
			fprintf(stderr, "case %s: split at %zu differs (rc %d why %s)\n", tc->name,
			        at, r.rc, r.why);
	}
	drive(tc, n, 0, 1, &r);
	if (!same(&whole, &r) && !bad++)
		fprintf(stderr, "case %s: byte at a time differs (rc %d)\n", tc->name, r.rc);
	CHECK(bad == 0);
}

/* The limits: 100 header lines, 64 KiB of head. */
static void check_limits(void)
{
	static char big[80000];
	static struct wire_http_parser ps;
	size_t used, dl;
	const uint8_t *d;
	int n = snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < 100; i++)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "X-%d: v\r\n", i);
	n += snprintf(big + n, sizeof(big) - (size_t)n, "Content-Length: 0\r\n\r\n");
	wire_http_parser_init(&ps, 0);
	CHECK_INT(wire_http_parse(&ps, (uint8_t *)big, (size_t)n, &used, &d, &dl), WIRE_E_TOOBIG);
	CHECK(strstr(ps.why, "more than 100 header lines") != NULL);

	n = snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	wire_http_parser_init(&ps, 0);
	CHECK_INT(wire_http_parse(&ps, (uint8_t *)big, (size_t)n, &used, &d, &dl), WIRE_HTTP_HEAD);
	CHECK_INT(ps.head.nhdr, 1);
	const struct wire_http_header *h = wire_http_find(&ps.head, "CONTENT-LENGTH");
	CHECK(h && h->value_len == 1 && h->value[0] == '0');
	CHECK(wire_http_find(&ps.head, "content-len") == NULL);

	n = snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nX: ");
	memset(big + n, 'a', sizeof(big) - (size_t)n);
	wire_http_parser_init(&ps, 0);
	int rc = 0;
	for (size_t k = 1000; k <= sizeof(big) && rc >= 0; k += 1000)
		rc = wire_http_parse(&ps, (uint8_t *)big, k, &used, &d, &dl);
	CHECK_INT(rc, WIRE_E_TOOBIG);
	CHECK(strstr(ps.why, "larger than 65536") != NULL);

	/* endless interim responses */
	wire_http_parser_init(&ps, 0);
	rc = WIRE_HTTP_HEAD;
	for (int i = 0; i < 200 && rc == WIRE_HTTP_HEAD; i++)
		rc = wire_http_parse(&ps, (const uint8_t *)"HTTP/1.1 100 Continue\r\n\r\n", 25,
		                     &used, &d, &dl);
	CHECK_INT(rc, WIRE_E_TOOBIG);
	CHECK(strstr(ps.why, "more than 100 interim responses") != NULL);

	/* 99 headers + Content-Length = 100 lines: accepted */
	n = snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < 99; i++)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "X-%d: v\r\n", i);
	n += snprintf(big + n, sizeof(big) - (size_t)n, "Content-Length: 0\r\n\r\n");
	wire_http_parser_init(&ps, 0);
	CHECK_INT(wire_http_parse(&ps, (uint8_t *)big, (size_t)n, &used, &d, &dl), WIRE_HTTP_HEAD);
	CHECK_INT(wire_http_parse(&ps, NULL, 0, &used, &d, &dl), WIRE_HTTP_DONE);
}

/* A big chunked body decoded in random pieces. */
static void check_chunked_big(void)
{
	static uint8_t in[300000], body[200000], out[200000];
	static struct wire_http_parser ps;
	size_t n = (size_t)snprintf((char *)in, sizeof(in),
	                            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	size_t nb = 0;
	uint32_t s = 7;
	while (nb < 150000) {
		s = s * 1103515245u + 12345u;
		size_t c = (s >> 8) % 5000;
		if (c == 0)
			c = 1;
		n += (size_t)snprintf((char *)in + n, sizeof(in) - n, "%zx%s\r\n", c,
		                      (s & 1) ? ";x=y" : "");
		for (size_t i = 0; i < c; i++)
			body[nb + i] = in[n + i] = (uint8_t)(s + i * 31);
		n += c;
		nb += c;
		in[n++] = '\r';
		in[n++] = '\n';
	}
	n += (size_t)snprintf((char *)in + n, sizeof(in) - n, "0\r\nTrailer: x\r\n\r\n");
	wire_http_parser_init(&ps, 0);
	size_t off = 0, avail = 0, no = 0;
	int ev = 0;
	while (ev != WIRE_HTTP_DONE && ev >= 0) {
		s = s * 1103515245u + 12345u;
		avail += (s >> 8) % 3000;
		if (avail > n)
			avail = n;
		size_t used, dl;
		const uint8_t *d;
		do {
			ev = wire_http_parse(&ps, in + off, avail - off, &used, &d, &dl);
			if (ev == WIRE_HTTP_DATA) {
				memcpy(out + no, d, dl);
				no += dl;
			}
			off += used;
		} while (ev == WIRE_HTTP_DATA || ev == WIRE_HTTP_HEAD);
		if (ev == WIRE_HTTP_NEED && avail == n)
			break;
	}
	CHECK_INT(ev, WIRE_HTTP_DONE);
	CHECK_INT(off, n);
	CHECK_MEM(out, no, body, nb);
	CHECK_INT(ps.body_bytes, nb);
}

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	guard_size = (size_t)pg * 32;
	guard = mmap(NULL, guard_size + (size_t)pg, PROT_READ | PROT_WRITE,
	             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED)
		return 1;
	mprotect(guard + guard_size, (size_t)pg, PROT_NONE);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
	check_limits();
	check_chunked_big();
	return T_END();
}
