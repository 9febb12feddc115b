/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The framing codec (src/core/frame.c): --frame SPEC parsing, good and bad;
 * encode -> decode round trips for every kind with every stream split at
 * every byte boundary (and pairs of boundaries for short streams, one byte at
 * a time, and random chunks); oversized frames, malformed header blocks and
 * streams that end inside a frame, each at every split; prefix byte order;
 * zero-copy delivery; messages that span many feeds; linear-time searches.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "t.h"
#include "wire/err.h"
#include "wire/frame.h"

#define MAXMSG 512

/* ---- collecting what the decoder delivers ----------------------------- */

struct coll {
	uint8_t *bytes; /* messages, concatenated */
	size_t used, cap;
	size_t lens[MAXMSG];
	size_t count;
	const uint8_t *lo, *hi; /* the chunk being fed, for the zero-copy check */
	size_t inplace;         /* messages delivered from inside that chunk */
	long stop_at;           /* return -EPIPE for this message (0-based), -1 never */
};

static void coll_init(struct coll *c)
{
	memset(c, 0, sizeof(*c));
	c->stop_at = -1;
}

static void coll_free(struct coll *c)
{
	free(c->bytes);
}

static int on_msg(void *ud, const uint8_t *m, size_t len)
{
	struct coll *c = ud;
	if (c->stop_at >= 0 && (size_t)c->stop_at == c->count)
		return -EPIPE;
	if (c->count == MAXMSG)
		return WIRE_E_INTERNAL;
	if (c->used + len > c->cap) {
		size_t cap = (c->used + len) * 2 + 64;
		uint8_t *p = realloc(c->bytes, cap);
		if (!p)
			return -ENOMEM;
		c->bytes = p;
		c->cap = cap;
	}
	if (len)
		memcpy(c->bytes + c->used, m, len);
	if (c->lo && len && m >= c->lo && m + len <= c->hi)
		c->inplace++;
	c->used += len;
	c->lens[c->count++] = len;
	return 0;
}

static int coll_same(const struct coll *a, const struct coll *b)
{
	if (a->count != b->count || a->used != b->used)
		return 0;
	for (size_t i = 0; i < a->count; i++)
		if (a->lens[i] != b->lens[i])
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

static int bound_broken; /* pending ever over max + overhead */
static char last_why[160];

/* Decodes s[0..n) fed in the chunks that end at cuts[0..ncuts) (increasing),
 * then finishes. Returns the first error (0 if none); messages go to c. */
static int decode_cuts(const struct wire_frame_spec *spec, const uint8_t *s, size_t n,
                       const size_t *cuts, size_t ncuts, struct coll *c)
{
	struct wire_framer f;
	wire_framer_init(&f, spec);
	size_t at = 0;
	int rc = 0;
	for (size_t i = 0; i <= ncuts && rc == 0; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		c->lo = s + at;
		c->hi = s + end;
		rc = wire_framer_feed(&f, s + at, end - at, on_msg, c);
		if (wire_framer_pending(&f) > spec->max + overhead(spec))
			bound_broken++;
		at = end;
	}
	c->lo = c->hi = NULL;
	if (rc == 0)
		rc = wire_framer_finish(&f, on_msg, c);
	if (rc == 0 && wire_framer_pending(&f) != 0)
		rc = WIRE_E_INTERNAL;
	if (rc != 0 && rc != f.err)
		rc = WIRE_E_INTERNAL; /* errors must be sticky */
	memcpy(last_why, f.why, sizeof(last_why));
	wire_framer_free(&f);
	return rc;
}

static int decode_whole(const struct wire_frame_spec *spec, const uint8_t *s, size_t n,
                        struct coll *c)
{
	return decode_cuts(spec, s, n, NULL, 0, c);
}

/* Checks that every way of cutting s gives the same messages and outcome
 * as feeding it whole (and as `want` / `want_rc` when given). Returns the
 * number of decodings that differed. */
static int check_splits(const struct wire_frame_spec *spec, const uint8_t *s, size_t n,
                        const struct coll *want, int want_rc)
{
	struct coll ref, c;
	int bad = 0;
	coll_init(&ref);
	int rc = decode_whole(spec, s, n, &ref);
	char why[160];
	memcpy(why, last_why, sizeof(why));
	if (rc != want_rc || (want && !coll_same(&ref, want))) {
		fprintf(stderr,
		        "spec %s: whole feed gave rc %d (want %d), %zu messages (want %zu)\n",
		        spec->text, rc, want_rc, ref.count, want ? want->count : 0);
		bad++;
	}
	/* one cut at every byte boundary */
	for (size_t i = 0; i <= n; i++) {
		coll_init(&c);
		int r = decode_cuts(spec, s, n, &i, 1, &c);
		if (r != rc || !coll_same(&c, &ref) || strcmp(why, last_why) != 0) {
			if (!bad)
				fprintf(stderr,
				        "spec %s: cut at %zu of %zu differs (rc %d vs %d)\n",
				        spec->text, i, n, r, rc);
			bad++;
		}
		coll_free(&c);
	}
	/* two cuts, every pair, for short streams */
	for (size_t i = 0; n <= 96 && i <= n; i++) {
		for (size_t j = i; j <= n; j++) {
			size_t cuts[2] = {i, j};
			coll_init(&c);
			int r = decode_cuts(spec, s, n, cuts, 2, &c);
			if (r != rc || !coll_same(&c, &ref)) {
				if (!bad)
					fprintf(stderr, "spec %s: cuts %zu,%zu differ\n",
					        spec->text, i, j);
				bad++;
			}
			coll_free(&c);
		}
	}
	/* one byte at a time */
	size_t *cuts = malloc((n + 1) * sizeof(*cuts));
	for (size_t i = 0; i < n; i++)
		cuts[i] = i + 1;
	coll_init(&c);
	int r = decode_cuts(spec, s, n, cuts, n, &c);
	if (r != rc || !coll_same(&c, &ref) || strcmp(why, last_why) != 0) {
		fprintf(stderr, "spec %s: byte at a time differs (rc %d vs %d)\n", spec->text, r,
		        rc);
		bad++;
	}
	coll_free(&c);
	/* random chunk sizes */
	unsigned seed = 12345;
	for (int round = 0; round < 20; round++) {
		size_t k = 0, at = 0;
		while (at < n) {
			seed = seed * 1103515245u + 12345u;
			at += 1 + (seed >> 16) % 17;
			if (at > n)
				at = n;
			cuts[k++] = at;
		}
		coll_init(&c);
		r = decode_cuts(spec, s, n, cuts, k, &c);
		if (r != rc || !coll_same(&c, &ref)) {
			fprintf(stderr, "spec %s: random chunks differ\n", spec->text);
			bad++;
		}
		coll_free(&c);
	}
	free(cuts);
	coll_free(&ref);
	return bad;
}

static struct wire_frame_spec spec_of(const char *text, size_t max)
{
	struct wire_frame_spec s;
	char why[200];
	int rc = wire_frame_parse(text, max, &s, why, sizeof(why));
	if (rc != 0)
		fprintf(stderr, "spec %s: %s\n", text, why);
	CHECK_INT(rc, 0);
	return s;
}

/* ---- spec parsing ------------------------------------------------------- */

static void test_parse(void)
{
	static const struct {
		const char *text;
		enum wire_frame_kind kind;
		size_t fixed;
		const char *delim;
		size_t delim_len;
		unsigned psize;
		int le;
		const char *header;
	} good[] = {
	    {"eof", WIRE_FRAME_EOF, 0, "", 0, 0, 0, ""},
	    {"fixed:20", WIRE_FRAME_FIXED, 20, "", 0, 0, 0, ""},
	    {"fixed:1", WIRE_FRAME_FIXED, 1, "", 0, 0, 0, ""},
	    {"fixed:1000", WIRE_FRAME_FIXED, 1000, "", 0, 0, 0, ""},
	    {"line", WIRE_FRAME_DELIM, 0, "\n", 1, 0, 0, ""},
	    {"crlf", WIRE_FRAME_DELIM, 0, "\r\n", 2, 0, 0, ""},
	    {"delim:\\r\\n\\r\\n", WIRE_FRAME_DELIM, 0, "\r\n\r\n", 4, 0, 0, ""},
	    {"delim:|", WIRE_FRAME_DELIM, 0, "|", 1, 0, 0, ""},
	    {"delim:\\0", WIRE_FRAME_DELIM, 0, "\0", 1, 0, 0, ""},
	    {"delim:a\\x00\\xfFb", WIRE_FRAME_DELIM, 0,
	     "a\0\xff"
	     "b",
	     4, 0, 0, ""},
	    {"delim:\\t\\\\", WIRE_FRAME_DELIM, 0, "\t\\", 2, 0, 0, ""},
	    {"delim::", WIRE_FRAME_DELIM, 0, ":", 1, 0, 0, ""},
	    {"prefix:u8", WIRE_FRAME_PREFIX, 0, "", 0, 1, 0, ""},
	    {"prefix:u16", WIRE_FRAME_PREFIX, 0, "", 0, 2, 0, ""},
	    {"prefix:u32", WIRE_FRAME_PREFIX, 0, "", 0, 4, 0, ""},
	    {"prefix:u16le", WIRE_FRAME_PREFIX, 0, "", 0, 2, 1, ""},
	    {"prefix:u32le", WIRE_FRAME_PREFIX, 0, "", 0, 4, 1, ""},
	    {"header:Content-Length", WIRE_FRAME_HEADER, 0, "", 0, 0, 0, "Content-Length"},
	    {"header:X_len-2", WIRE_FRAME_HEADER, 0, "", 0, 0, 0, "X_len-2"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct wire_frame_spec s;
		char why[200] = "";
		CHECK_INT(wire_frame_parse(good[i].text, 1000, &s, why, sizeof(why)), 0);
		CHECK_INT(s.kind, good[i].kind);
		CHECK_INT(s.max, 1000);
		CHECK_INT(s.fixed, good[i].fixed);
		CHECK_MEM(s.delim, s.delim_len, good[i].delim, good[i].delim_len);
		CHECK_INT(s.prefix_size, good[i].psize);
		CHECK_INT(s.prefix_le, good[i].le);
		CHECK_STR(s.header, good[i].header);
		CHECK_STR(s.text, good[i].text);
	}
	/* the longest delimiter fits, one more byte does not */
	char text[300] = "delim:";
	memset(text + 6, 'x', WIRE_FRAME_DELIM_MAX);
	struct wire_frame_spec s;
	char why[300];
	CHECK_INT(wire_frame_parse(text, 1000, &s, why, sizeof(why)), 0);
	CHECK_INT(s.delim_len, WIRE_FRAME_DELIM_MAX);
	text[6 + WIRE_FRAME_DELIM_MAX] = 'x';
	CHECK_INT(wire_frame_parse(text, 1000, &s, why, sizeof(why)), WIRE_E_USAGE);

	static const struct {
		const char *text;
		size_t max;
		const char *why; /* a part of the reason */
	} bad[] = {
	    {"foo", 1000,
	     "unknown frame kind 'foo' (eof, fixed:N, line, crlf, delim:SEQ, "
	     "prefix:u8|u16|u32|u16le|u32le, header:NAME)"},
	    {"", 1000, "unknown frame kind ''"},
	    {"LINE", 1000, "unknown frame kind 'LINE'"},
	    {"foo:1", 1000, "unknown frame kind 'foo'"},
	    {"\x1b[31m", 1000, "unknown frame kind '\\x1b[31m'"},
	    {"line:x", 1000, "takes no argument"},
	    {"eof:", 1000, "takes no argument"},
	    {"fixed", 1000, "fixed:N needs N from 1 to --max-frame 1000"},
	    {"fixed:", 1000, "fixed:N needs N"},
	    {"fixed:0", 1000, "fixed:N needs N"},
	    {"fixed:-1", 1000, "fixed:N needs N"},
	    {"fixed:1001", 1000, "fixed:N needs N"},
	    {"fixed:12x", 1000, "fixed:N needs N"},
	    {"fixed:99999999999999999999999999", 1000, "fixed:N needs N"},
	    {"delim", 1000, "needs a delimiter"},
	    {"delim:", 1000, "needs a delimiter"},
	    {"delim:\\", 1000, "lone backslash"},
	    {"delim:\\q", 1000, "unknown escape '\\q'"},
	    {"delim:\\x4", 1000, "two hex digits"},
	    {"delim:\\xg0", 1000, "two hex digits"},
	    {"prefix", 1000, "prefix:u8|u16|u32|u16le|u32le"},
	    {"prefix:", 1000, "prefix:u8|u16|u32|u16le|u32le"},
	    {"prefix:u64", 1000, "prefix:u8|u16|u32|u16le|u32le"},
	    {"prefix:U8", 1000, "prefix:u8|u16|u32|u16le|u32le"},
	    {"header", 1000, "header:NAME needs a name"},
	    {"header:", 1000, "header:NAME needs a name"},
	    {"header:Content Length", 1000, "header:NAME needs a name"},
	    {"header:a:b", 1000, "header:NAME needs a name"},
	    {"header:"
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	     1000, "header:NAME needs a name"},
	    {"line", 0, "--max-frame must be at least 1"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		int rc = wire_frame_parse(bad[i].text, bad[i].max, &s, why, sizeof(why));
		CHECK_INT(rc, WIRE_E_USAGE);
		if (!strstr(why, bad[i].why)) {
			fprintf(stderr, "spec '%s': reason '%s' lacks '%s'\n", bad[i].text, why,
			        bad[i].why);
			t_fail++;
		} else {
			t_pass++;
		}
	}
	/* a 63-byte header name is the longest */
	CHECK_INT(
	    wire_frame_parse("header:"
	                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	                     1000, &s, why, sizeof(why)),
	    0);
	/* why may be NULL */
	CHECK_INT(wire_frame_parse("nope", 1000, &s, NULL, 0), WIRE_E_USAGE);
}

/* ---- round trips -------------------------------------------------------- */

struct msg {
	const char *p;
	size_t n;
};
#define M(s)                                                                                       \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}

static void test_roundtrip(void)
{
	static const char *specs[] = {
	    "eof",
	    "fixed:1",
	    "fixed:5",
	    "fixed:7",
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
	    "header:n",
	};
	static char big[300];
	memset(big, 'z', sizeof(big));
	static const struct msg msgs[] = {
	    M("hello"),
	    M(""),
	    M("a"),
	    M("two words"),
	    M("x\0y"),
	    M("aa"),
	    M("aaab"),
	    M("ab"),
	    M("\r\n"),
	    M("b"),
	    M("Content-Length: 5\r\n\r\n"),
	    M("abababa"),
	    M("\n"),
	    {big, sizeof(big)},
	    M("tail"),
	};
	int total_bad = 0, streams = 0;
	for (size_t si = 0; si < sizeof(specs) / sizeof(specs[0]); si++) {
		struct wire_frame_spec s = spec_of(specs[si], 4096);
		struct wire_buf out;
		struct coll want;
		wire_buf_init(&out, 1 << 20);
		coll_init(&want);
		for (size_t mi = 0; mi < sizeof(msgs) / sizeof(msgs[0]); mi++) {
			const struct msg *m = &msgs[mi];
			char why[200];
			if (s.kind == WIRE_FRAME_DELIM &&
			    (m->n >= s.delim_len || s.delim_len > 1)) {
				/* skip messages a decoder would see differently:
				 * those holding the delimiter, or whose tail and the
				 * delimiter's head make an earlier delimiter */
				struct wire_buf t;
				wire_buf_init(&t, 1 << 16);
				wire_buf_append(&t, m->p, m->n);
				wire_buf_append(&t, s.delim, s.delim_len);
				const void *d = memmem(t.data, t.len, s.delim, s.delim_len);
				int skip = (size_t)((const uint8_t *)d - t.data) != m->n;
				wire_buf_free(&t);
				if (skip)
					continue;
			}
			size_t before = out.len;
			int rc = wire_frame_encode(&s, m->p, m->n, &out, why, sizeof(why));
			if (rc != 0) {
				CHECK_INT(out.len, before); /* nothing appended */
				CHECK_INT(rc, WIRE_E_TOOBIG);
				continue;
			}
			if (s.kind == WIRE_FRAME_EOF)
				continue;
			if (s.kind == WIRE_FRAME_FIXED) {
				uint8_t pad[16] = {0};
				memcpy(pad, m->p, m->n);
				on_msg(&want, pad, s.fixed);
			} else {
				on_msg(&want, (const uint8_t *)m->p, m->n);
			}
		}
		if (s.kind == WIRE_FRAME_EOF && out.len)
			on_msg(&want, out.data, out.len);
		CHECK(want.count > 0);
		total_bad += check_splits(&s, out.data, out.len, &want, 0);
		streams++;
		/* zero-copy: a whole feed delivers every non-empty message in place */
		struct coll c;
		coll_init(&c);
		CHECK_INT(decode_whole(&s, out.data, out.len, &c), 0);
		size_t nonempty = 0;
		for (size_t i = 0; i < c.count; i++)
			nonempty += c.lens[i] != 0;
		if (s.kind != WIRE_FRAME_EOF)
			CHECK_INT(c.inplace, nonempty);
		coll_free(&c);
		coll_free(&want);
		wire_buf_free(&out);
	}
	CHECK_INT(total_bad, 0);
	CHECK_INT(streams, sizeof(specs) / sizeof(specs[0]));
	CHECK_INT(bound_broken, 0);
}

/* ---- limits ------------------------------------------------------------- */

static void check_err_splits(const char *spec, size_t max, const void *s, size_t n, size_t nmsgs,
                             int want_rc, const char *want_why)
{
	struct wire_frame_spec sp = spec_of(spec, max);
	struct coll c;
	coll_init(&c);
	int rc = decode_whole(&sp, s, n, &c);
	CHECK_INT(rc, want_rc);
	CHECK_INT(c.count, nmsgs);
	if (want_why && !strstr(last_why, want_why)) {
		fprintf(stderr, "spec %s: reason '%s' lacks '%s'\n", spec, last_why, want_why);
		t_fail++;
	}
	coll_free(&c);
	CHECK_INT(check_splits(&sp, s, n, NULL, want_rc), 0);
}

/* The same for input that decodes without error into nmsgs messages. */
static void check_ok_splits(const char *spec, size_t max, const void *s, size_t n, size_t nmsgs)
{
	struct wire_frame_spec sp = spec_of(spec, max);
	struct coll c;
	coll_init(&c);
	int rc = decode_whole(&sp, s, n, &c);
	if (rc != 0)
		fprintf(stderr, "spec %s: %zu bytes: %s\n", spec, n, last_why);
	CHECK_INT(rc, 0);
	CHECK_INT(c.count, nmsgs);
	CHECK_INT(check_splits(&sp, s, n, &c, 0), 0);
	coll_free(&c);
}

static void test_limits(void)
{
	/* the example: a u32 length over the default maximum */
	static const uint8_t big[] = {0, 0, 0, 2, 'o', 'k', 0x01, 0x31, 0x2d, 0x00, 'x', 'y'};
	check_err_splits("prefix:u32", WIRE_FRAME_DEFAULT_MAX, big, sizeof(big), 1, WIRE_E_TOOBIG,
	                 NULL);
	CHECK_STR(last_why, "frame of 20000000 bytes over --max-frame 16777216");
	/* u16 at the edge: 100 is fine, 101 is not */
	uint8_t e[2 + 101];
	memset(e, 'q', sizeof(e));
	e[0] = 0;
	e[1] = 100;
	check_ok_splits("prefix:u16", 100, e, 102, 1);
	e[1] = 101;
	check_err_splits("prefix:u16", 100, e, sizeof(e), 0, WIRE_E_TOOBIG,
	                 "frame of 101 bytes over --max-frame 100");
	e[0] = 101;
	e[1] = 0;
	check_err_splits("prefix:u16le", 100, e, sizeof(e), 0, WIRE_E_TOOBIG, NULL);
	/* delimiters: a message of exactly max bytes, and one byte more */
	check_ok_splits("line", 10, "0123456789\nab\n", 14, 2);
	check_err_splits("line", 10, "ab\n01234567890\n", 15, 1, WIRE_E_TOOBIG,
	                 "no delimiter \"\\n\" within --max-frame 10 bytes");
	check_ok_splits("crlf", 10, "0123456789\r\n\r\n", 14, 2);
	check_err_splits("crlf", 10, "01234567890\r\n", 13, 0, WIRE_E_TOOBIG, NULL);
	check_ok_splits("delim:\\r\\n\\r\\n", 10, "012345678\r\r\n\r\n", 14, 1);
	check_err_splits("delim:\\r\\n\\r\\n", 10, "0123456789\r\r\n\r\n", 15, 0, WIRE_E_TOOBIG,
	                 NULL);
	/* no delimiter at all: stops once max + delimiter bytes are seen */
	static char flood[5000];
	memset(flood, 'f', sizeof(flood));
	check_err_splits("delim:\\r\\n\\r\\n", 100, flood, 300, 0, WIRE_E_TOOBIG, NULL);
	/* header values over max */
	check_err_splits("header:Content-Length", 10, "Content-Length: 11\r\n\r\n01234567890", 33,
	                 0, WIRE_E_TOOBIG, "frame of 11 bytes over --max-frame 10");
	check_ok_splits("header:Content-Length", 10, "Content-Length: 10\r\n\r\n0123456789", 32, 1);
	/* eof over max */
	check_err_splits("eof", 10, "01234567890", 11, 0, WIRE_E_TOOBIG,
	                 "stream of more than --max-frame 10 bytes");
	check_ok_splits("eof", 10, "0123456789", 10, 1);
	check_ok_splits("eof", 10, "", 0, 0);
	check_ok_splits("line", 10, "", 0, 0);
	/* the buffer never goes past max + overhead, fed in any chunks */
	CHECK_INT(bound_broken, 0);
}

static void test_headers(void)
{
	static const struct {
		const char *s;
		int rc;
		size_t msgs;
		const char *why;
	} t[] = {
	    {"Content-Length: 3\r\n\r\nabc", 0, 1, NULL},
	    {"content-length: 3\n\nabc", 0, 1, NULL},
	    {"CONTENT-LENGTH:3 \t\r\n\r\nabc", 0, 1, NULL},
	    {"Content-Length: 3\n\r\nabc", 0, 1, NULL},
	    {"Host: x\r\nContent-Length: 0\r\nX-A: \r\n\r\n", 0, 1, NULL},
	    {"Content-Length: 003\r\nContent-Length: 3\r\n\r\nabc", 0, 1, NULL},
	    {"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", WIRE_E_MALFORMED, 0,
	     "differing Content-Length headers (3 and 4)"},
	    {"Content-Length: abc\r\n\r\n", WIRE_E_MALFORMED, 0,
	     "header Content-Length: \"abc\" is not a length"},
	    {"Content-Length: +3\r\n\r\nabc", WIRE_E_MALFORMED, 0, "is not a length"},
	    {"Content-Length: 3 3\r\n\r\nabc", WIRE_E_MALFORMED, 0, "is not a length"},
	    {"Content-Length: \x1b[2J\r\n\r\nabc", WIRE_E_MALFORMED, 0, "\"\\x1b[2J\""},
	    {"Content-Length:\r\n\r\n", WIRE_E_MALFORMED, 0, "without a value"},
	    {"Content-Length: 99999999999999999999999\r\n\r\n", WIRE_E_MALFORMED, 0, "overflows"},
	    {"Content-Length: 18446744073709551615\r\n\r\n", WIRE_E_TOOBIG, 0, "over --max-frame"},
	    {"Other: 1\r\n\r\n", WIRE_E_MALFORMED, 0, "header block without Content-Length"},
	    {"\r\nabc", WIRE_E_MALFORMED, 0, "without Content-Length"},
	    {"\n", WIRE_E_MALFORMED, 0, "without Content-Length"},
	    {"no colon here\r\n\r\n", WIRE_E_MALFORMED, 0,
	     "malformed header line \"no colon here\""},
	    {" Content-Length: 3\r\n\r\nabc", WIRE_E_MALFORMED, 0, "malformed header line"},
	    {": 3\r\n\r\nabc", WIRE_E_MALFORMED, 0, "malformed header line"},
	    {"Content-Length : 3\r\n\r\nabc", WIRE_E_MALFORMED, 0, "malformed header line"},
	    {"Content-Length: 2\r\n\r\nab"
	     "Content-Length: x\r\n\r\n",
	     WIRE_E_MALFORMED, 1, NULL},
	    {"Content-Length: 5\r\n\r\nab", WIRE_E_TRUNCATED, 0,
	     "stream ended inside a frame (2 of 5 bytes)"},
	    {"Content-Length: 5\r\n", WIRE_E_TRUNCATED, 0,
	     "stream ended inside a frame (header block of 19 bytes without a blank line)"},
	    {"Content-Length: 5\r\n\r", WIRE_E_TRUNCATED, 0, NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].rc == 0)
			check_ok_splits("header:Content-Length", 1000, t[i].s, strlen(t[i].s),
			                t[i].msgs);
		else
			check_err_splits("header:Content-Length", 1000, t[i].s, strlen(t[i].s),
			                 t[i].msgs, t[i].rc, t[i].why);
	}

	/* line count: 100 lines are fine, 101 are not */
	static char blk[4096];
	size_t k = 0;
	for (int i = 0; i < 99; i++)
		k += (size_t)snprintf(blk + k, sizeof(blk) - k, "X-%d: y\r\n", i);
	k += (size_t)snprintf(blk + k, sizeof(blk) - k, "Content-Length: 2\r\n\r\nhi");
	check_ok_splits("header:Content-Length", 1000, blk, k, 1);
	k = 0;
	for (int i = 0; i < 100; i++)
		k += (size_t)snprintf(blk + k, sizeof(blk) - k, "X-%d: y\r\n", i);
	k += (size_t)snprintf(blk + k, sizeof(blk) - k, "Content-Length: 2\r\n\r\nhi");
	struct wire_frame_spec sp = spec_of("header:Content-Length", 1000);
	struct coll c;
	coll_init(&c);
	CHECK_INT(decode_whole(&sp, (const uint8_t *)blk, k, &c), WIRE_E_TOOBIG);
	CHECK_STR(last_why, "header block of more than 100 lines");
	coll_free(&c);

	/* block bytes: exactly WIRE_FRAME_HEADER_MAX is fine, one more is not;
	 * checked whole, one byte at a time and in random chunks */
	size_t hmax = WIRE_FRAME_HEADER_MAX;
	uint8_t *h = malloc(hmax + 64);
	static const char cl[] = "Content-Length: 1\r\n";
	for (int over = 0; over <= 1; over++) {
		size_t len = hmax + (size_t)over;
		memcpy(h, cl, sizeof(cl) - 1);
		memcpy(h + sizeof(cl) - 1, "X: ", 3);
		memset(h + sizeof(cl) + 2, 'v', len - (sizeof(cl) + 2) - 4);
		memcpy(h + len - 4, "\r\n\r\n", 4);
		h[len] = '!';
		size_t *cuts = malloc((len + 1) * sizeof(*cuts));
		for (size_t i = 0; i < len + 1; i++)
			cuts[i] = i + 1;
		for (int how = 0; how < 3; how++) {
			size_t nc = how == 0 ? 0 : how == 1 ? len : 3;
			if (how == 2) {
				cuts[0] = 1000;
				cuts[1] = hmax - 2;
				cuts[2] = hmax + 1;
			}
			coll_init(&c);
			time_t t0 = time(NULL);
			int rc = decode_cuts(&sp, h, len + 1, cuts, nc, &c);
			CHECK(time(NULL) - t0 < 5); /* linear, not quadratic */
			CHECK_INT(rc, over ? WIRE_E_TOOBIG : 0);
			CHECK_INT(c.count, over ? 0 : 1);
			if (over)
				CHECK_STR(last_why,
				          "header block over 65536 bytes without a blank line");
			coll_free(&c);
		}
		free(cuts);
	}
	free(h);
}

static void test_truncated(void)
{
	check_err_splits("line", 100, "one\nhello", 9, 1, WIRE_E_TRUNCATED, NULL);
	CHECK_STR(last_why, "stream ended inside a frame (5 bytes without delimiter \"\\n\")");
	check_err_splits("crlf", 100, "hello\r", 6, 0, WIRE_E_TRUNCATED,
	                 "(6 bytes without delimiter \"\\r\\n\")");
	check_err_splits("fixed:5", 100, "abcdeabc", 8, 1, WIRE_E_TRUNCATED,
	                 "stream ended inside a frame (3 of 5 bytes)");
	check_err_splits("prefix:u32", 100, "\0\0", 2, 0, WIRE_E_TRUNCATED,
	                 "stream ended inside a frame (2 of 4 length prefix bytes)");
	check_err_splits("prefix:u16", 100, "\0\5abc", 5, 0, WIRE_E_TRUNCATED,
	                 "stream ended inside a frame (3 of 5 bytes)");
	check_err_splits("prefix:u8", 100, "\0\1", 2, 1, WIRE_E_TRUNCATED, "(0 of 1 bytes)");
	/* empty messages are messages */
	check_ok_splits("prefix:u8", 100, "\0\0\0", 3, 3);
	check_ok_splits("line", 100, "\n\n\n", 3, 3);
	check_ok_splits("header:L", 100, "L: 0\n\nL: 0\r\n\r\n", 14, 2);
}

/* ---- encoding ----------------------------------------------------------- */

static void check_encode(const char *spec, size_t max, const char *msg, size_t n, const void *want,
                         size_t wn)
{
	struct wire_frame_spec s = spec_of(spec, max);
	struct wire_buf out;
	char why[200];
	wire_buf_init(&out, 1 << 20);
	CHECK_INT(wire_frame_encode(&s, msg, n, &out, why, sizeof(why)), 0);
	if (wn)
		CHECK_MEM(out.data, out.len, want, wn);
	else
		CHECK_INT(out.len, 0);
	/* and it decodes back to msg (FIXED: padded) */
	struct coll c;
	coll_init(&c);
	CHECK_INT(decode_whole(&s, out.data, out.len, &c), 0);
	CHECK_INT(c.count, s.kind == WIRE_FRAME_EOF && n == 0 ? 0 : 1);
	if (s.kind != WIRE_FRAME_FIXED && c.count && n)
		CHECK_MEM(c.bytes, c.used, msg, n);
	coll_free(&c);
	wire_buf_free(&out);
}

static void test_encode(void)
{
	static char m258[258];
	memset(m258, 'm', sizeof(m258));
	uint8_t w[4 + 258];
	memcpy(w + 2, m258, 258);
	w[0] = 0x01, w[1] = 0x02;
	check_encode("prefix:u16", 1000, m258, 258, w, 260);
	w[0] = 0x02, w[1] = 0x01;
	check_encode("prefix:u16le", 1000, m258, 258, w, 260);
	memcpy(w + 4, m258, 258);
	w[0] = 0, w[1] = 0, w[2] = 0x01, w[3] = 0x02;
	check_encode("prefix:u32", 1000, m258, 258, w, 262);
	w[0] = 0x02, w[1] = 0x01, w[2] = 0, w[3] = 0;
	check_encode("prefix:u32le", 1000, m258, 258, w, 262);
	check_encode("prefix:u8", 1000, "hello", 5, "\5hello", 6);
	check_encode("prefix:u8", 1000, "", 0, "\0", 1);
	check_encode("fixed:8", 1000, "hello", 5, "hello\0\0\0", 8);
	check_encode("fixed:5", 1000, "hello", 5, "hello", 5);
	check_encode("line", 1000, "hello", 5, "hello\n", 6);
	check_encode("crlf", 1000, "hello", 5, "hello\r\n", 7);
	check_encode("delim:\\0\\xff", 1000, "hi", 2, "hi\0\xff", 4);
	check_encode("header:Content-Length", 1000, "hello", 5, "Content-Length: 5\r\n\r\nhello",
	             26);
	check_encode("header:n", 1000, "", 0, "n: 0\r\n\r\n", 8);
	check_encode("eof", 1000, "hello", 5, "hello", 5);
	check_encode("eof", 1000, "", 0, "", 0);

	/* byte order on receive */
	struct wire_frame_spec s = spec_of("prefix:u16", 1000);
	struct coll c;
	coll_init(&c);
	CHECK_INT(decode_whole(&s, (const uint8_t *)"\0\3abc", 5, &c), 0);
	CHECK_MEM(c.bytes, c.used, "abc", 3);
	coll_free(&c);
	s = spec_of("prefix:u16le", 1000);
	coll_init(&c);
	CHECK_INT(decode_whole(&s, (const uint8_t *)"\3\0abc", 5, &c), 0);
	CHECK_MEM(c.bytes, c.used, "abc", 3);
	coll_free(&c);
	s = spec_of("prefix:u32le", 1000);
	coll_init(&c);
	CHECK_INT(decode_whole(&s, (const uint8_t *)"\3\0\0\0abc", 7, &c), 0);
	CHECK_MEM(c.bytes, c.used, "abc", 3);
	coll_free(&c);

	/* refusals: nothing is appended */
	static const struct {
		const char *spec;
		size_t max, len;
		const char *why;
	} bad[] = {
	    {"fixed:3", 100, 4, "message of 4 bytes longer than fixed:3"},
	    {"prefix:u8", 1000, 256, "too long for a 1-byte length prefix (at most 255)"},
	    {"prefix:u16", 70000, 65536, "at most 65535"},
	    {"line", 100, 101, "message of 101 bytes over --max-frame 100"},
	    {"eof", 100, 101, "over --max-frame 100"},
	};
	static char m[70000];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wire_buf out;
		char why[200] = "";
		s = spec_of(bad[i].spec, bad[i].max);
		wire_buf_init(&out, 1 << 20);
		wire_buf_append(&out, "x", 1);
		CHECK_INT(wire_frame_encode(&s, m, bad[i].len, &out, why, sizeof(why)),
		          WIRE_E_TOOBIG);
		CHECK_INT(out.len, 1);
		if (!strstr(why, bad[i].why)) {
			fprintf(stderr, "encode %s: reason '%s' lacks '%s'\n", bad[i].spec, why,
			        bad[i].why);
			t_fail++;
		}
		wire_buf_free(&out);
	}
	/* prefix:u8 takes 255 */
	struct wire_buf out;
	char why[200];
	s = spec_of("prefix:u8", 1000);
	wire_buf_init(&out, 1 << 20);
	CHECK_INT(wire_frame_encode(&s, m, 255, &out, why, sizeof(why)), 0);
	CHECK_INT(out.len, 256);
	wire_buf_free(&out);
	/* an output buffer that cannot take it: error, nothing appended */
	s = spec_of("line", 1000);
	wire_buf_init(&out, 8);
	CHECK_INT(wire_frame_encode(&s, "1234567", 7, &out, why, sizeof(why)), 0);
	CHECK_INT(wire_frame_encode(&s, "1", 1, &out, why, sizeof(why)), WIRE_E_TOOBIG);
	CHECK_INT(out.len, 8);
	wire_buf_free(&out);
}

/* ---- volume, zero copy, linear time, callback errors --------------------- */

static int count_cb(void *ud, const uint8_t *m, size_t len)
{
	size_t *n = ud;
	(void)m;
	(void)len;
	(*n)++;
	return 0;
}

static void test_volume(void)
{
	/* 10000 lines in one feed: all delivered in place */
	size_t nl = 10000;
	uint8_t *s = malloc(nl * 8);
	size_t k = 0;
	for (size_t i = 0; i < nl; i++)
		k += (size_t)snprintf((char *)s + k, 8, "m%05zu\n", i);
	struct wire_frame_spec sp = spec_of("line", 1000);
	struct wire_framer f;
	size_t got = 0;
	wire_framer_init(&f, &sp);
	CHECK_INT(wire_framer_feed(&f, s, k, count_cb, &got), 0);
	CHECK_INT(got, nl);
	CHECK_INT(f.frames, nl);
	CHECK_INT(wire_framer_pending(&f), 0);
	CHECK(f.in.data == NULL); /* never copied anything */
	CHECK_INT(wire_framer_finish(&f, count_cb, &got), 0);
	wire_framer_free(&f);
	free(s);

	/* one 1 MiB message over prefix:u32, in 1000-byte feeds */
	size_t big = 1u << 20;
	s = malloc(big + 4);
	s[0] = 0, s[1] = 0x10, s[2] = 0, s[3] = 0;
	for (size_t i = 0; i < big; i++)
		s[4 + i] = (uint8_t)(i * 7);
	sp = spec_of("prefix:u32", WIRE_FRAME_DEFAULT_MAX);
	struct coll c;
	coll_init(&c);
	wire_framer_init(&f, &sp);
	int rc = 0;
	for (size_t at = 0; at < big + 4 && rc == 0; at += 1000) {
		size_t n = big + 4 - at < 1000 ? big + 4 - at : 1000;
		rc = wire_framer_feed(&f, s + at, n, on_msg, &c);
		if (at + n < big + 4)
			CHECK(c.count == 0);
	}
	CHECK_INT(rc, 0);
	CHECK_INT(c.count, 1);
	CHECK_MEM(c.bytes, c.used, s + 4, big);
	CHECK_INT(wire_framer_pending(&f), 0);
	wire_framer_free(&f);
	coll_free(&c);

	/* a 300000-byte line one byte at a time: linear, not quadratic */
	size_t ll = 300000;
	memset(s, 'l', ll);
	s[ll - 1] = '\n';
	time_t t0 = time(NULL);
	for (int d = 0; d < 2; d++) {
		sp = spec_of(d ? "delim:\\n\\n\\n" : "line", WIRE_FRAME_DEFAULT_MAX);
		if (d)
			memcpy(s + ll - 3, "\n\n\n", 3);
		got = 0;
		wire_framer_init(&f, &sp);
		for (size_t i = 0; i < ll; i++)
			wire_framer_feed(&f, s + i, 1, count_cb, &got);
		CHECK_INT(got, 1);
		CHECK_INT(wire_framer_pending(&f), 0);
		wire_framer_free(&f);
	}
	CHECK(time(NULL) - t0 < 10);
	free(s);

	/* a callback error stops the feed, is returned, and sticks */
	sp = spec_of("line", 100);
	coll_init(&c);
	c.stop_at = 1;
	wire_framer_init(&f, &sp);
	CHECK_INT(wire_framer_feed(&f, "a\nb\nc\n", 6, on_msg, &c), -EPIPE);
	CHECK_INT(c.count, 1);
	CHECK_INT(wire_framer_feed(&f, "d\n", 2, on_msg, &c), -EPIPE);
	CHECK_INT(wire_framer_finish(&f, on_msg, &c), -EPIPE);
	CHECK_INT(c.count, 1);
	wire_framer_free(&f);
	coll_free(&c);

	/* a decoder is reusable after finish, and errors stick */
	sp = spec_of("eof", 100);
	coll_init(&c);
	wire_framer_init(&f, &sp);
	CHECK_INT(wire_framer_feed(&f, "ab", 2, on_msg, &c), 0);
	CHECK_INT(wire_framer_feed(&f, "cd", 2, on_msg, &c), 0);
	CHECK_INT(c.count, 0);
	CHECK_INT(wire_framer_finish(&f, on_msg, &c), 0);
	CHECK_INT(c.count, 1);
	CHECK_MEM(c.bytes, c.used, "abcd", 4);
	CHECK_INT(wire_framer_finish(&f, on_msg, &c), 0);
	CHECK_INT(c.count, 1);
	wire_framer_free(&f);
	coll_free(&c);

	/* a hand-made spec that makes no sense is refused, not trusted */
	struct wire_frame_spec bad;
	memset(&bad, 0, sizeof(bad));
	bad.kind = WIRE_FRAME_DELIM;
	bad.max = 100;
	wire_framer_init(&f, &bad);
	CHECK_INT(wire_framer_feed(&f, "x", 1, count_cb, &got), WIRE_E_USAGE);
	wire_framer_free(&f);
}

/* During a header:NAME callback, head/head_len hold the header block as
 * received: block + message rebuilds the stream byte for byte, whatever the
 * split (what echo --frame header:NAME sends back). */
struct raw {
	const struct wire_framer *f;
	uint8_t out[512];
	size_t len;
	int bad;
};

static int on_raw(void *ud, const uint8_t *m, size_t len)
{
	struct raw *r = ud;
	if (!r->f->head || r->f->head_len + len > sizeof(r->out) - r->len) {
		r->bad = 1;
		return 0;
	}
	memcpy(r->out + r->len, r->f->head, r->f->head_len);
	memcpy(r->out + r->len + r->f->head_len, m, len);
	r->len += r->f->head_len + len;
	return 0;
}

static void test_header_raw(void)
{
	static const char s[] = "content-length: 5\r\n\r\nhello"
	                        "CONTENT-LENGTH:3 \t\r\nX-Extra:  yes\r\n\r\nabc"
	                        "X-First: 1\nContent-Length: 2\n\nhi"
	                        "Content-Length: 0\r\n\r\n";
	size_t n = sizeof(s) - 1;
	struct wire_frame_spec sp = spec_of("header:Content-Length", 1000);
	for (size_t cut = 1; cut <= n; cut++) {
		struct wire_framer f;
		struct raw r = {.f = &f};
		wire_framer_init(&f, &sp);
		int rc = 0;
		for (size_t at = 0; at < n && rc == 0; at += cut) {
			size_t k = n - at < cut ? n - at : cut;
			rc = wire_framer_feed(&f, s + at, k, on_raw, &r);
		}
		CHECK_INT(rc, 0);
		CHECK_INT(wire_framer_finish(&f, on_raw, &r), 0);
		CHECK_INT(r.bad, 0);
		CHECK_MEM(r.out, r.len, s, n);
		CHECK(f.head == NULL && f.head_len == 0); /* only during a callback */
		wire_framer_free(&f);
	}
}

int main(void)
{
	test_parse();
	test_roundtrip();
	test_limits();
	test_headers();
	test_header_raw();
	test_truncated();
	test_encode();
	test_volume();
	return T_END();
}
