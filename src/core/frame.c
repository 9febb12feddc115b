/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Message framing (include/wire/frame.h): the --frame SPEC parser, the
 * incremental decoder and the encoder. The decoder works in two modes. When
 * nothing is buffered it parses the fed chunk in place and hands complete
 * messages to the callback straight from the caller's memory (no copy); only
 * the incomplete tail is copied into f->in. When a partial message is
 * buffered, it takes from the next chunk only the bytes that complete that
 * message (for delimiters: it looks for the delimiter across the seam and in
 * the chunk without copying first), delivers it from the buffer and goes back
 * to the zero-copy mode for the rest. Searches remember how far they got
 * (f->scan), so a message that trickles in byte by byte costs linear time.
 * The buffer never holds more than spec.max plus the frame's own overhead
 * (prefix bytes, a delimiter, a header block of WIRE_FRAME_HEADER_MAX), and
 * every outcome (messages and error) is the same for every split of the
 * input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire/err.h"
#include "wire/frame.h"
#include "wire/text.h"

#define KINDS "eof, fixed:N, line, crlf, delim:SEQ, prefix:u8|u16|u32|u16le|u32le, header:NAME"

/* A buffer that held a message larger than this is released afterwards, so
 * one big message does not pin its memory for the life of a connection. */
#define FRAME_KEEP_CAP (256u * 1024u)

/* ---- small helpers ---------------------------------------------------- */

/* Writes bytes as C-escaped text into o (size on >= 1), ending in "..." when
 * it does not fit, so peer bytes never reach a terminal raw. */
static void esc(char *o, size_t on, const uint8_t *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char t[5];
		size_t tl = 2;
		uint8_t c = s[i];
		t[0] = '\\';
		switch (c) {
		case '\n': t[1] = 'n'; break;
		case '\r': t[1] = 'r'; break;
		case '\t': t[1] = 't'; break;
		case '\\': t[1] = '\\'; break;
		case '"': t[1] = '"'; break;
		case '\'': t[1] = '\''; break;
		default:
			if (c >= 0x20 && c < 0x7f) {
				t[0] = (char)c;
				tl = 1;
			} else {
				static const char hex[] = "0123456789abcdef";
				t[1] = 'x';
				t[2] = hex[c >> 4];
				t[3] = hex[c & 15];
				tl = 4;
			}
			break;
		}
		if (k + tl + 4 > on) { /* room for "..." and the NUL */
			if (k + 4 <= on) {
				memcpy(o + k, "...", 3);
				k += 3;
			}
			break;
		}
		memcpy(o + k, t, tl);
		k += tl;
	}
	if (on)
		o[k < on ? k : on - 1] = '\0';
}

/* Sets the framer's sticky error and its reason; returns the code. */
__attribute__((format(printf, 3, 4))) static int fail(struct wire_framer *f, int code,
                                                      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
	f->err = code;
	return code;
}

/* Writes a reason into why (size n) when the caller gave one. */
__attribute__((format(printf, 3, 4))) static void say(char *why, size_t n, const char *fmt, ...)
{
	if (!why || !n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

/* tchar of RFC 9110 section 5.6.2: what a received header name may hold. */
static int is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* ---- the spec ----------------------------------------------------------- */

/* Parses "N" (decimal digits only) into *v. Returns 0, or -1 when it is not a
 * number or overflows. */
static int parse_size(const char *s, size_t *v)
{
	size_t x = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		size_t d = (size_t)(*s - '0');
		if (x > (SIZE_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* Decodes delim:SEQ's escapes into out. Returns 0 or WIRE_E_USAGE. */
static int parse_delim(const char *s, struct wire_frame_spec *out, char *why, size_t n)
{
	size_t k = 0;
	while (*s) {
		uint8_t c = (uint8_t)*s++;
		if (c == '\\') {
			char e = *s++;
			switch (e) {
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '\\': c = '\\'; break;
			case '0': c = 0; break;
			case 'x': {
				int hi = wire_hexval(s[0]), lo = hi < 0 ? -1 : wire_hexval(s[1]);
				if (hi < 0 || lo < 0) {
					say(why, n, "delim:SEQ: \\x needs two hex digits (\\xHH)");
					return WIRE_E_USAGE;
				}
				c = (uint8_t)(hi << 4 | lo);
				s += 2;
				break;
			}
			case '\0':
				say(why, n, "delim:SEQ ends in a lone backslash");
				return WIRE_E_USAGE;
			default: {
				char t[8];
				esc(t, sizeof(t), (const uint8_t *)&e, 1);
				say(why, n,
				    "delim:SEQ: unknown escape '\\%s' (\\r \\n \\t \\\\ \\0 \\xHH)",
				    t);
				return WIRE_E_USAGE;
			}
			}
		}
		if (k == WIRE_FRAME_DELIM_MAX) {
			say(why, n, "delim:SEQ longer than %u bytes", WIRE_FRAME_DELIM_MAX);
			return WIRE_E_USAGE;
		}
		out->delim[k++] = c;
	}
	if (k == 0) {
		say(why, n, "delim:SEQ needs a delimiter, e.g. delim:\\r\\n\\r\\n");
		return WIRE_E_USAGE;
	}
	out->delim_len = k;
	return 0;
}

int wire_frame_parse(const char *spec, size_t max, struct wire_frame_spec *out, char *why, size_t n)
{
	memset(out, 0, sizeof(*out));
	if (why && n)
		why[0] = '\0';
	if (!spec)
		spec = "";
	out->max = max;
	snprintf(out->text, sizeof(out->text), "%s", spec);
	if (max == 0) {
		say(why, n, "--max-frame must be at least 1 byte");
		return WIRE_E_USAGE;
	}
	const char *colon = strchr(spec, ':');
	size_t klen = colon ? (size_t)(colon - spec) : strlen(spec);
	const char *arg = colon ? colon + 1 : NULL;
#define IS(name) (klen == sizeof(name) - 1 && memcmp(spec, name, klen) == 0)
	if (IS("eof") || IS("line") || IS("crlf")) {
		if (arg) {
			say(why, n, "frame kind '%.*s' takes no argument", (int)klen, spec);
			return WIRE_E_USAGE;
		}
		if (IS("eof")) {
			out->kind = WIRE_FRAME_EOF;
		} else {
			out->kind = WIRE_FRAME_DELIM;
			if (IS("crlf"))
				out->delim[out->delim_len++] = '\r';
			out->delim[out->delim_len++] = '\n';
		}
		return 0;
	}
	if (IS("fixed")) {
		size_t v = 0;
		if (!arg || parse_size(arg, &v) < 0 || v < 1 || v > max) {
			say(why, n, "fixed:N needs N from 1 to --max-frame %zu", max);
			return WIRE_E_USAGE;
		}
		out->kind = WIRE_FRAME_FIXED;
		out->fixed = v;
		return 0;
	}
	if (IS("delim")) {
		out->kind = WIRE_FRAME_DELIM;
		return parse_delim(arg ? arg : "", out, why, n);
	}
	if (IS("prefix")) {
		static const struct {
			const char *name;
			unsigned size;
			int le;
		} types[] = {{"u8", 1, 0},    {"u16", 2, 0},   {"u32", 4, 0},  {"u16le", 2, 1},
		             {"u32le", 4, 1}, {"u16be", 2, 0}, {"u32be", 4, 0}};
		for (size_t i = 0; arg && i < sizeof(types) / sizeof(types[0]); i++) {
			if (strcmp(arg, types[i].name) == 0) {
				out->kind = WIRE_FRAME_PREFIX;
				out->prefix_size = types[i].size;
				out->prefix_le = types[i].le;
				return 0;
			}
		}
		say(why, n,
		    "prefix needs a type: prefix:u8|u16|u32|u16le|u32le (u16/u32 are big-endian)");
		return WIRE_E_USAGE;
	}
	if (IS("header")) {
		size_t len = arg ? strlen(arg) : 0;
		int ok = len > 0 && len < WIRE_FRAME_NAME_MAX;
		for (size_t i = 0; ok && i < len; i++) {
			char c = arg[i];
			ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '_';
		}
		if (!ok) {
			say(why, n,
			    "header:NAME needs a name of 1 to %u letters, digits, '-' or '_' "
			    "(e.g. header:Content-Length)",
			    WIRE_FRAME_NAME_MAX - 1);
			return WIRE_E_USAGE;
		}
		out->kind = WIRE_FRAME_HEADER;
		memcpy(out->header, arg, len + 1);
		return 0;
	}
#undef IS
	char name[40];
	esc(name, sizeof(name), (const uint8_t *)spec, klen);
	say(why, n, "unknown frame kind '%s' (%s)", name, KINDS);
	return WIRE_E_USAGE;
}

/* ---- the decoder ---------------------------------------------------------- */

/* Bytes a frame may need beyond its message: what the buffer may hold extra. */
static size_t overhead(const struct wire_frame_spec *s)
{
	switch (s->kind) {
	case WIRE_FRAME_DELIM: return s->delim_len;
	case WIRE_FRAME_PREFIX: return s->prefix_size;
	case WIRE_FRAME_HEADER: return WIRE_FRAME_HEADER_MAX;
	default: return 0;
	}
}

static int spec_ok(const struct wire_frame_spec *s)
{
	switch (s->kind) {
	case WIRE_FRAME_EOF: return 1;
	case WIRE_FRAME_FIXED: return s->fixed >= 1 && s->fixed <= s->max;
	case WIRE_FRAME_DELIM: return s->delim_len >= 1 && s->delim_len <= WIRE_FRAME_DELIM_MAX;
	case WIRE_FRAME_PREFIX:
		return s->prefix_size == 1 || s->prefix_size == 2 || s->prefix_size == 4;
	case WIRE_FRAME_HEADER:
		return s->header[0] != '\0' && memchr(s->header, 0, sizeof(s->header)) != NULL;
	default: return 0;
	}
}

void wire_framer_init(struct wire_framer *f, const struct wire_frame_spec *spec)
{
	memset(f, 0, sizeof(*f));
	f->spec = *spec;
	/* Keep every sum of a length and an overhead far from overflow. */
	if (f->spec.max > SIZE_MAX / 4)
		f->spec.max = SIZE_MAX / 4;
	wire_buf_init(&f->in, f->spec.max + overhead(&f->spec));
	if (!spec_ok(&f->spec) || f->spec.max == 0)
		fail(f, WIRE_E_USAGE, "invalid frame spec");
}

void wire_framer_free(struct wire_framer *f)
{
	wire_buf_free(&f->in);
}

size_t wire_framer_pending(const struct wire_framer *f)
{
	return wire_buf_used(&f->in);
}

/* Forgets the buffered message once it is delivered. */
static void reset(struct wire_framer *f)
{
	if (f->in.cap > FRAME_KEEP_CAP)
		wire_buf_free(&f->in);
	else
		wire_buf_reset(&f->in);
	f->need = 0;
	f->have_len = 0;
	f->scan = 0;
}

static int deliver(struct wire_framer *f, const uint8_t *m, size_t len, wire_frame_cb cb, void *ud)
{
	f->frames++;
	int rc = cb ? cb(ud, m, len) : 0;
	f->head = NULL;
	f->head_len = 0;
	if (rc < 0)
		return fail(f, rc, "stopped after frame %llu: %s", (unsigned long long)f->frames,
		            wire_strerror(rc));
	return 0;
}

static int stash(struct wire_framer *f, const uint8_t *p, size_t n)
{
	int rc = wire_buf_append(&f->in, p, n);
	if (rc == -ENOMEM)
		return fail(f, rc, "out of memory buffering a frame");
	if (rc < 0) /* cannot happen: every caller checks the bound first */
		return fail(f, WIRE_E_INTERNAL, "frame buffer over its bound");
	return 0;
}

static int too_big(struct wire_framer *f, uint64_t len)
{
	return fail(f, WIRE_E_TOOBIG, "frame of %llu bytes over --max-frame %zu",
	            (unsigned long long)len, f->spec.max);
}

/* FIXED ------------------------------------------------------------------- */

static int fixed_direct(struct wire_framer *f, const uint8_t *p, size_t n, wire_frame_cb cb,
                        void *ud)
{
	size_t N = f->spec.fixed;
	while (n >= N) {
		int rc = deliver(f, p, N, cb, ud);
		if (rc < 0)
			return rc;
		p += N;
		n -= N;
	}
	return n ? stash(f, p, n) : 0;
}

/* Returns the number of input bytes used (or a negative code). */
static long long fixed_buffered(struct wire_framer *f, const uint8_t *p, size_t n, wire_frame_cb cb,
                                void *ud)
{
	size_t used = wire_buf_used(&f->in);
	size_t take = f->spec.fixed - used;
	if (take > n)
		take = n;
	int rc = stash(f, p, take);
	if (rc == 0 && wire_buf_used(&f->in) == f->spec.fixed) {
		rc = deliver(f, wire_buf_head(&f->in), f->spec.fixed, cb, ud);
		reset(f);
	}
	return rc < 0 ? rc : (long long)take;
}

/* PREFIX ------------------------------------------------------------------ */

static uint64_t prefix_get(const struct wire_frame_spec *s, const uint8_t *b)
{
	switch (s->prefix_size) {
	case 1: return b[0];
	case 2: return s->prefix_le ? ((uint64_t)b[1] << 8 | b[0]) : ((uint64_t)b[0] << 8 | b[1]);
	default:
		if (s->prefix_le)
			return (uint64_t)b[3] << 24 | (uint64_t)b[2] << 16 | (uint64_t)b[1] << 8 |
			       b[0];
		return (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
	}
}

static int prefix_direct(struct wire_framer *f, const uint8_t *p, size_t n, wire_frame_cb cb,
                         void *ud)
{
	size_t ps = f->spec.prefix_size;
	uint64_t len = 0;
	while (n >= ps) {
		len = prefix_get(&f->spec, p);
		if (len > f->spec.max)
			return too_big(f, len);
		if (n - ps < len)
			break;
		int rc = deliver(f, p + ps, (size_t)len, cb, ud);
		if (rc < 0)
			return rc;
		p += ps + (size_t)len;
		n -= ps + (size_t)len;
	}
	if (!n)
		return 0;
	if (n >= ps) {
		f->have_len = 1;
		f->need = (size_t)len;
	}
	return stash(f, p, n);
}

static long long prefix_buffered(struct wire_framer *f, const uint8_t *p, size_t n,
                                 wire_frame_cb cb, void *ud)
{
	size_t ps = f->spec.prefix_size, taken = 0;
	int rc;
	if (!f->have_len) {
		size_t take = ps - wire_buf_used(&f->in);
		if (take > n)
			take = n;
		if ((rc = stash(f, p, take)) < 0)
			return rc;
		taken = take;
		if (wire_buf_used(&f->in) < ps)
			return (long long)taken;
		uint64_t len = prefix_get(&f->spec, wire_buf_head(&f->in));
		if (len > f->spec.max)
			return too_big(f, len);
		f->have_len = 1;
		f->need = (size_t)len;
	}
	size_t take = ps + f->need - wire_buf_used(&f->in);
	if (take > n - taken)
		take = n - taken;
	if ((rc = stash(f, p + taken, take)) < 0)
		return rc;
	taken += take;
	if (wire_buf_used(&f->in) == ps + f->need) {
		rc = deliver(f, wire_buf_head(&f->in) + ps, f->need, cb, ud);
		reset(f);
		if (rc < 0)
			return rc;
	}
	return (long long)taken;
}

/* DELIM ------------------------------------------------------------------- */

static const uint8_t *find_delim(const struct wire_frame_spec *s, const uint8_t *p, size_t n)
{
	if (s->delim_len == 1)
		return memchr(p, s->delim[0], n);
	return memmem(p, n, s->delim, s->delim_len);
}

static int delim_too_big(struct wire_framer *f)
{
	char d[WIRE_FRAME_DELIM_MAX * 4 + 4];
	esc(d, sizeof(d), f->spec.delim, f->spec.delim_len);
	return fail(f, WIRE_E_TOOBIG, "no delimiter \"%s\" within --max-frame %zu bytes", d,
	            f->spec.max);
}

/* Returns 1 when a message of n bytes without its delimiter is known to be
 * over max: no delimiter can start at any of positions 0..max any more. */
static int delim_over(const struct wire_framer *f, size_t n)
{
	return n > f->spec.max && n - f->spec.max >= f->spec.delim_len;
}

static int delim_direct(struct wire_framer *f, const uint8_t *p, size_t n, wire_frame_cb cb,
                        void *ud)
{
	size_t dl = f->spec.delim_len;
	while (n) {
		const uint8_t *d = find_delim(&f->spec, p, n);
		if (!d)
			break;
		size_t k = (size_t)(d - p);
		if (k > f->spec.max)
			return delim_too_big(f);
		int rc = deliver(f, p, k, cb, ud);
		if (rc < 0)
			return rc;
		p += k + dl;
		n -= k + dl;
	}
	if (!n)
		return 0;
	if (delim_over(f, n))
		return delim_too_big(f);
	/* No delimiter starts before n - (dl - 1): resume the search there. */
	f->scan = n >= dl ? n - (dl - 1) : 0;
	return stash(f, p, n);
}

static long long delim_buffered(struct wire_framer *f, const uint8_t *p, size_t n, wire_frame_cb cb,
                                void *ud)
{
	const uint8_t *b = wire_buf_head(&f->in), *dm = f->spec.delim;
	size_t used = wire_buf_used(&f->in), dl = f->spec.delim_len;
	size_t mlen = 0, take = 0; /* message length; input bytes used with the delimiter */
	int found = 0;
	/* A delimiter that starts in the buffer and ends in the input: f->scan
	 * keeps the candidates to the last dl - 1 buffered bytes. */
	for (size_t s = f->scan; s < used; s++) {
		size_t inbuf = used - s;
		if (inbuf >= dl || n < dl - inbuf)
			continue; /* whole window seen before, or not complete yet */
		if (memcmp(b + s, dm, inbuf) == 0 && memcmp(p, dm + inbuf, dl - inbuf) == 0) {
			found = 1;
			mlen = s;
			take = dl - inbuf;
			break;
		}
	}
	if (!found) {
		const uint8_t *d = find_delim(&f->spec, p, n);
		if (d) {
			size_t k = (size_t)(d - p);
			if (k > f->spec.max || used + k > f->spec.max)
				return delim_too_big(f);
			int rc = stash(f, p, k);
			if (rc < 0)
				return rc;
			found = 1;
			mlen = used + k;
			take = k + dl;
		}
	}
	if (found) {
		if (mlen > f->spec.max)
			return delim_too_big(f);
		int rc = deliver(f, wire_buf_head(&f->in), mlen, cb, ud);
		reset(f);
		return rc < 0 ? rc : (long long)take;
	}
	size_t total = used + n;
	if (delim_over(f, total))
		return delim_too_big(f);
	int rc = stash(f, p, n);
	if (rc < 0)
		return rc;
	/* Windows starting before total - (dl - 1) were all compared: the ones in
	 * the buffer above, the ones in the input by the search. */
	if (total >= dl && total - (dl - 1) > f->scan)
		f->scan = total - (dl - 1);
	return (long long)n;
}

/* HEADER ------------------------------------------------------------------ */

/* Looks for the blank line that ends a header block in d[0..len), resuming
 * at *scan (0 or a position after a byte already known to be in a line that
 * is not blank). Returns 1 with the block's length (blank line included) in
 * *end, or 0 with *scan set where to resume. Linear over all calls. */
static int hdr_find(const uint8_t *d, size_t len, size_t *scan, size_t *end)
{
	size_t s = *scan;
	for (;;) {
		if (s == 0 || d[s - 1] == '\n') { /* s starts a line: is it blank? */
			if (s >= len)
				break;
			if (d[s] == '\n') {
				*end = s + 1;
				return 1;
			}
			if (d[s] == '\r') {
				if (s + 1 >= len)
					break;
				if (d[s + 1] == '\n') {
					*end = s + 2;
					return 1;
				}
			}
		}
		if (s >= len)
			break;
		const uint8_t *nl = memchr(d + s, '\n', len - s);
		if (!nl) {
			s = len;
			break;
		}
		s = (size_t)(nl - d) + 1;
	}
	*scan = s;
	return 0;
}

/* Reads the length from a complete header block d[0..e). Returns 0 with the
 * value in *out, or WIRE_E_MALFORMED / WIRE_E_TOOBIG with the reason. */
static int hdr_parse(struct wire_framer *f, const uint8_t *d, size_t e, uint64_t *out)
{
	const char *name = f->spec.header;
	size_t nlen = strlen(name), pos = 0;
	unsigned lines = 0;
	int found = 0;
	uint64_t val = 0;
	char t[48];
	while (pos < e) {
		const uint8_t *nl = memchr(d + pos, '\n', e - pos);
		size_t lend = nl ? (size_t)(nl - d) : e, next = lend + 1;
		if (lend > pos && d[lend - 1] == '\r')
			lend--;
		if (lend == pos)
			break; /* the blank line */
		if (++lines > WIRE_FRAME_HEADER_LINES)
			return fail(f, WIRE_E_TOOBIG, "header block of more than %u lines",
			            WIRE_FRAME_HEADER_LINES);
		size_t i = pos;
		while (i < lend && is_tchar(d[i]))
			i++;
		if (i == pos || i == lend || d[i] != ':') {
			esc(t, sizeof(t), d + pos, lend - pos);
			return fail(f, WIRE_E_MALFORMED, "malformed header line \"%s\"", t);
		}
		size_t klen = i - pos, v = i + 1, vend = lend;
		while (v < vend && (d[v] == ' ' || d[v] == '\t'))
			v++;
		while (vend > v && (d[vend - 1] == ' ' || d[vend - 1] == '\t'))
			vend--;
		int match = klen == nlen;
		for (size_t j = 0; match && j < klen; j++)
			match = lower(d[pos + j]) == lower((uint8_t)name[j]);
		if (match) {
			uint64_t x = 0;
			esc(t, sizeof(t), d + v, vend - v);
			if (v == vend)
				return fail(f, WIRE_E_MALFORMED, "header %s without a value", name);
			for (size_t j = v; j < vend; j++) {
				if (d[j] < '0' || d[j] > '9')
					return fail(f, WIRE_E_MALFORMED,
					            "header %s: \"%s\" is not a length", name, t);
				unsigned dg = (unsigned)(d[j] - '0');
				if (x > (UINT64_MAX - dg) / 10)
					return fail(f, WIRE_E_MALFORMED,
					            "header %s: \"%s\" overflows", name, t);
				x = x * 10 + dg;
			}
			if (found && x != val)
				return fail(f, WIRE_E_MALFORMED,
				            "differing %s headers (%llu and %llu)", name,
				            (unsigned long long)val, (unsigned long long)x);
			found = 1;
			val = x;
		}
		pos = next;
	}
	if (!found)
		return fail(f, WIRE_E_MALFORMED, "header block without %s", name);
	if (val > f->spec.max)
		return too_big(f, val);
	*out = val;
	return 0;
}

static int hdr_too_big(struct wire_framer *f)
{
	return fail(f, WIRE_E_TOOBIG, "header block over %u bytes without a blank line",
	            WIRE_FRAME_HEADER_MAX);
}

static int header_direct(struct wire_framer *f, const uint8_t *p, size_t n, wire_frame_cb cb,
                         void *ud)
{
	size_t scan = 0, e = 0;
	while (n) {
		uint64_t len;
		scan = 0;
		if (!hdr_find(p, n, &scan, &e))
			break;
		if (e > WIRE_FRAME_HEADER_MAX)
			return hdr_too_big(f);
		int rc = hdr_parse(f, p, e, &len);
		if (rc < 0)
			return rc;
		if (n - e < len) { /* the body is incomplete: keep block and body */
			f->have_len = 1;
			f->need = (size_t)len;
			f->scan = e;
			return stash(f, p, n);
		}
		f->head = p;
		f->head_len = e;
		if ((rc = deliver(f, p + e, (size_t)len, cb, ud)) < 0)
			return rc;
		p += e + (size_t)len;
		n -= e + (size_t)len;
	}
	if (!n)
		return 0;
	if (n >= WIRE_FRAME_HEADER_MAX)
		return hdr_too_big(f);
	f->scan = scan;
	return stash(f, p, n);
}

static long long header_buffered(struct wire_framer *f, const uint8_t *p, size_t n,
                                 wire_frame_cb cb, void *ud)
{
	size_t taken = 0;
	int rc;
	if (!f->have_len) {
		/* Copy what may hold the rest of the block, then give back what
		 * lies past this frame: those bytes go on in zero-copy mode. */
		size_t used = wire_buf_used(&f->in), e = 0;
		size_t take = WIRE_FRAME_HEADER_MAX - used;
		uint64_t len;
		if (take > n)
			take = n;
		if ((rc = stash(f, p, take)) < 0)
			return rc;
		size_t now = used + take;
		if (!hdr_find(wire_buf_head(&f->in), now, &f->scan, &e)) {
			if (now >= WIRE_FRAME_HEADER_MAX)
				return hdr_too_big(f);
			return (long long)take;
		}
		if ((rc = hdr_parse(f, wire_buf_head(&f->in), e, &len)) < 0)
			return rc;
		f->have_len = 1;
		f->need = (size_t)len;
		f->scan = e;
		if (now > e + f->need) { /* e > used, so these all came from p */
			size_t extra = now - (e + f->need);
			f->in.len -= extra;
			take -= extra;
		}
		taken = take;
	}
	size_t want = f->scan + f->need - wire_buf_used(&f->in);
	if (want > n - taken)
		want = n - taken;
	if ((rc = stash(f, p + taken, want)) < 0)
		return rc;
	taken += want;
	if (wire_buf_used(&f->in) == f->scan + f->need) {
		f->head = wire_buf_head(&f->in);
		f->head_len = f->scan;
		rc = deliver(f, wire_buf_head(&f->in) + f->scan, f->need, cb, ud);
		reset(f);
		if (rc < 0)
			return rc;
	}
	return (long long)taken;
}

/* ---- feed and finish ---------------------------------------------------- */

int wire_framer_feed(struct wire_framer *f, const void *data, size_t n, wire_frame_cb cb, void *ud)
{
	const uint8_t *p = data;
	if (f->err)
		return f->err;
	if (f->spec.kind == WIRE_FRAME_EOF) {
		if (n > f->spec.max || wire_buf_used(&f->in) > f->spec.max - n)
			return fail(f, WIRE_E_TOOBIG, "stream of more than --max-frame %zu bytes",
			            f->spec.max);
		return stash(f, p, n);
	}
	while (n > 0) {
		if (wire_buf_used(&f->in) == 0) {
			int rc;
			switch (f->spec.kind) {
			case WIRE_FRAME_FIXED: rc = fixed_direct(f, p, n, cb, ud); break;
			case WIRE_FRAME_PREFIX: rc = prefix_direct(f, p, n, cb, ud); break;
			case WIRE_FRAME_DELIM: rc = delim_direct(f, p, n, cb, ud); break;
			default: rc = header_direct(f, p, n, cb, ud); break;
			}
			return rc;
		}
		long long k;
		switch (f->spec.kind) {
		case WIRE_FRAME_FIXED: k = fixed_buffered(f, p, n, cb, ud); break;
		case WIRE_FRAME_PREFIX: k = prefix_buffered(f, p, n, cb, ud); break;
		case WIRE_FRAME_DELIM: k = delim_buffered(f, p, n, cb, ud); break;
		default: k = header_buffered(f, p, n, cb, ud); break;
		}
		if (k < 0)
			return (int)k;
		p += (size_t)k;
		n -= (size_t)k;
	}
	return 0;
}

int wire_framer_finish(struct wire_framer *f, wire_frame_cb cb, void *ud)
{
	if (f->err)
		return f->err;
	size_t used = wire_buf_used(&f->in);
	if (f->spec.kind == WIRE_FRAME_EOF) {
		int rc = used ? deliver(f, wire_buf_head(&f->in), used, cb, ud) : 0;
		reset(f);
		return rc;
	}
	if (used == 0)
		return 0;
	char d[WIRE_FRAME_DELIM_MAX * 4 + 4];
	switch (f->spec.kind) {
	case WIRE_FRAME_FIXED:
		return fail(f, WIRE_E_TRUNCATED, "stream ended inside a frame (%zu of %zu bytes)",
		            used, f->spec.fixed);
	case WIRE_FRAME_DELIM:
		esc(d, sizeof(d), f->spec.delim, f->spec.delim_len);
		return fail(f, WIRE_E_TRUNCATED,
		            "stream ended inside a frame (%zu bytes without delimiter \"%s\")",
		            used, d);
	case WIRE_FRAME_PREFIX:
		if (!f->have_len)
			return fail(f, WIRE_E_TRUNCATED,
			            "stream ended inside a frame (%zu of %u length prefix bytes)",
			            used, f->spec.prefix_size);
		return fail(f, WIRE_E_TRUNCATED, "stream ended inside a frame (%zu of %zu bytes)",
		            used - f->spec.prefix_size, f->need);
	default:
		if (!f->have_len)
			return fail(
			    f, WIRE_E_TRUNCATED,
			    "stream ended inside a frame (header block of %zu bytes without "
			    "a blank line)",
			    used);
		return fail(f, WIRE_E_TRUNCATED, "stream ended inside a frame (%zu of %zu bytes)",
		            used - f->scan, f->need);
	}
}

/* ---- the encoder ---------------------------------------------------------- */

int wire_frame_encode(const struct wire_frame_spec *spec, const void *msg, size_t len,
                      struct wire_buf *out, char *why, size_t n)
{
	const struct wire_frame_spec *s = spec;
	char hdr[WIRE_FRAME_NAME_MAX + 32];
	size_t extra = 0, hlen = 0;
	if (len > s->max) {
		say(why, n, "message of %zu bytes over --max-frame %zu", len, s->max);
		return WIRE_E_TOOBIG;
	}
	switch (s->kind) {
	case WIRE_FRAME_EOF: break;
	case WIRE_FRAME_FIXED:
		if (len > s->fixed) {
			say(why, n, "message of %zu bytes longer than fixed:%zu", len, s->fixed);
			return WIRE_E_TOOBIG;
		}
		extra = s->fixed - len;
		break;
	case WIRE_FRAME_DELIM:
		/* A message that contains the delimiter is not rejected: the
		 * receiver will see it as several messages, which is what a
		 * delimiter means (and sometimes what the sender wants). */
		extra = s->delim_len;
		break;
	case WIRE_FRAME_PREFIX: {
		uint64_t lim = s->prefix_size == 1   ? 0xffu
		               : s->prefix_size == 2 ? 0xffffu
		                                     : 0xffffffffu;
		if ((uint64_t)len > lim) {
			say(why, n,
			    "message of %zu bytes too long for a %u-byte length prefix (at most "
			    "%llu)",
			    len, s->prefix_size, (unsigned long long)lim);
			return WIRE_E_TOOBIG;
		}
		hlen = s->prefix_size;
		uint64_t v = len;
		for (unsigned i = 0; i < s->prefix_size; i++) {
			unsigned sh = s->prefix_le ? 8 * i : 8 * (s->prefix_size - 1 - i);
			hdr[i] = (char)(uint8_t)(v >> sh);
		}
		break;
	}
	case WIRE_FRAME_HEADER: {
		int k = snprintf(hdr, sizeof(hdr), "%s: %zu\r\n\r\n", s->header, len);
		if (k < 0 || (size_t)k >= sizeof(hdr)) {
			say(why, n, "header name too long");
			return WIRE_E_USAGE;
		}
		hlen = (size_t)k;
		break;
	}
	default: say(why, n, "invalid frame spec"); return WIRE_E_USAGE;
	}
	/* Reserve everything first: on failure nothing is appended. */
	int rc = wire_buf_reserve(out, hlen + len + extra);
	if (rc < 0) {
		say(why, n,
		    rc == WIRE_E_TOOBIG ? "framed message does not fit the output buffer"
		                        : "out of memory");
		return rc;
	}
	uint8_t *t = wire_buf_tail(out);
	if (hlen)
		memcpy(t, hdr, hlen);
	if (len)
		memcpy(t + hlen, msg, len);
	if (s->kind == WIRE_FRAME_DELIM)
		memcpy(t + hlen + len, s->delim, extra);
	else if (extra)
		memset(t + hlen + len, 0, extra);
	wire_buf_commit(out, hlen + len + extra);
	return 0;
}
