/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTTP/1.1 response parser (RFC 9112 sections 4-7): status line, header
 * fields, and the message body length rules of section 6.3 (no body for HEAD,
 * 1xx, 204 and 304; Transfer-Encoding with chunked last; Content-Length;
 * otherwise until close), with chunk extensions and trailers. It is
 * incremental and zero-copy: the head is parsed once its blank line has
 * arrived (the scan for it resumes where it stopped, so bytes trickling in one
 * at a time cost O(n)), the body is handed back as spans of the caller's
 * input, and chunk framing is a byte-at-a-time state machine that never needs
 * to see more than one byte at once. Every read is bounded by a length;
 * nothing is NUL-terminated or converted with atoi. Ambiguous framing
 * (Content-Length with Transfer-Encoding, differing Content-Lengths) is an
 * error, as are lengths that are negative or overflow.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire/err.h"
#include "wire/http.h"
#include "wire/limits.h"
#include "wire/text.h"

enum {
	S_HEAD,
	S_DONE_PENDING, /* head returned; DONE next */
	S_BODY_LEN,
	S_BODY_CLOSE,
	S_CHUNK_SIZE,
	S_CHUNK_WS,  /* blanks after the size */
	S_CHUNK_EXT, /* ;extensions up to the line end */
	S_CHUNK_LF,  /* CR seen at the end of the size line */
	S_CHUNK_BAD, /* collecting a bad size for the message */
	S_CHUNK_DATA,
	S_CHUNK_DCR, /* CRLF after chunk data */
	S_CHUNK_DLF,
	S_TRAILER, /* at the start of a trailer line */
	S_TRAILER_LINE,
	S_TRAILER_LF, /* CR of the final blank line seen */
	S_DONE,
	S_ERROR,
};

#define UINT64_MAXV ((uint64_t)-1)
#define LENGTH_MAX ((uint64_t)INT64_MAX)

void wire_http_parser_init(struct wire_http_parser *ps, int head_request)
{
	memset(ps, 0, offsetof(struct wire_http_parser, head));
	ps->head.nhdr = 0;
	ps->head.status = 0;
	ps->head_request = head_request;
	ps->state = S_HEAD;
	ps->content_length = UINT64_MAXV;
}

/* Escapes up to 40 bytes for a message: printable ASCII as is, the rest \xHH. */
static void esc(char *out, size_t n, const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, max = len > 40 ? 40 : len;
	for (size_t i = 0; i < max && o + 5 < n; i++) {
		uint8_t c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (max < len && o + 4 < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o < n ? o : n - 1] = 0;
}

__attribute__((format(printf, 3, 4))) static int fail(struct wire_http_parser *ps, int code,
                                                      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->why, sizeof(ps->why), fmt, ap);
	va_end(ap);
	ps->state = S_ERROR;
	return code;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Returns 1 when the n bytes at p equal the NUL-terminated s,
 * ignoring case. */
static int ieq(const uint8_t *p, size_t n, const char *s)
{
	size_t i = 0;
	for (; i < n; i++)
		if (!s[i] || lower(p[i]) != lower((unsigned char)s[i]))
			return 0;
	return s[i] == 0;
}

static int is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && memchr("!#$%&'*+-.^_`|~", c, 15) != NULL;
}

const struct wire_http_header *wire_http_find(const struct wire_http_head *h, const char *name)
{
	for (size_t i = 0; i < h->nhdr; i++)
		if (ieq(h->hdr[i].name, h->hdr[i].name_len, name))
			return &h->hdr[i];
	return NULL;
}

/* Calls fn for each comma-separated element of a list value, trimmed of
 * blanks (empty elements skipped). Returns the first nonzero fn result. */
static int each_elem(const uint8_t *p, size_t n, int (*fn)(void *arg, const uint8_t *e, size_t len),
                     void *arg)
{
	size_t i = 0;
	while (i < n) {
		size_t s = i;
		while (i < n && p[i] != ',')
			i++;
		size_t e = i;
		while (s < e && (p[s] == ' ' || p[s] == '\t'))
			s++;
		while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (e > s) {
			int rc = fn(arg, p + s, e - s);
			if (rc)
				return rc;
		}
		i++; /* past the comma */
	}
	return 0;
}

struct framing {
	struct wire_http_parser *ps;
	int cl_seen;
	uint64_t cl;
	int te_seen;
	int te_chunked_last;
	int conn_close;
	int conn_keepalive;
	int rc;
};

static int cl_elem(void *arg, const uint8_t *e, size_t len)
{
	struct framing *f = arg;
	char t[64];
	uint64_t v = 0;
	if (e[0] == '-') {
		esc(t, sizeof(t), e, len);
		return f->rc = fail(f->ps, WIRE_E_MALFORMED, "negative Content-Length \"%s\"", t);
	}
	for (size_t i = 0; i < len; i++) {
		if (e[i] < '0' || e[i] > '9') {
			esc(t, sizeof(t), e, len);
			return f->rc =
			           fail(f->ps, WIRE_E_MALFORMED, "bad Content-Length \"%s\"", t);
		}
		uint64_t d = (uint64_t)(e[i] - '0');
		if (v > (LENGTH_MAX - d) / 10) {
			esc(t, sizeof(t), e, len);
			return f->rc = fail(f->ps, WIRE_E_MALFORMED,
			                    "Content-Length \"%s\" overflows", t);
		}
		v = v * 10 + d;
	}
	if (f->cl_seen && f->cl != v)
		return f->rc = fail(f->ps, WIRE_E_MALFORMED,
		                    "differing Content-Lengths (%llu and %llu)",
		                    (unsigned long long)f->cl, (unsigned long long)v);
	f->cl_seen = 1;
	f->cl = v;
	return 0;
}

static int te_elem(void *arg, const uint8_t *e, size_t len)
{
	struct framing *f = arg;
	size_t k = 0;
	while (k < len && e[k] != ';' && e[k] != ' ' && e[k] != '\t') /* drop parameters */
		k++;
	f->te_seen = 1;
	f->te_chunked_last = ieq(e, k, "chunked");
	return 0;
}

static int conn_elem(void *arg, const uint8_t *e, size_t len)
{
	struct framing *f = arg;
	if (ieq(e, len, "close"))
		f->conn_close = 1;
	else if (ieq(e, len, "keep-alive"))
		f->conn_keepalive = 1;
	return 0;
}

/* Parses the status line (line bytes without the line end). Returns 0 or an error. */
static int status_line(struct wire_http_parser *ps, const uint8_t *p, size_t n)
{
	char t[64];
	struct wire_http_head *h = &ps->head;
	/* HTTP/1.x SP 3DIGIT [SP reason] */
	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '9' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
	    (n > 12 && p[12] != ' ')) {
		esc(t, sizeof(t), p, n);
		return fail(ps, WIRE_E_MALFORMED, "bad status line \"%s\"", t);
	}
	h->minor = p[7] - '0';
	h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	h->reason = p + (n > 12 ? 13 : 12);
	h->reason_len = n > 12 ? n - 13 : 0;
	for (size_t i = 0; i < h->reason_len; i++) {
		uint8_t c = h->reason[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			esc(t, sizeof(t), p, n);
			return fail(ps, WIRE_E_MALFORMED, "bad status line \"%s\"", t);
		}
	}
	return 0;
}

/* Parses one header field line into h->hdr. Returns 0 or an error. */
static int field_line(struct wire_http_parser *ps, const uint8_t *p, size_t n)
{
	char t[64];
	struct wire_http_head *h = &ps->head;
	if (p[0] == ' ' || p[0] == '\t')
		return fail(ps, WIRE_E_MALFORMED, "obsolete header line folding");
	size_t k = 0;
	while (k < n && is_tchar(p[k]))
		k++;
	if (k == 0 || k == n || p[k] != ':') {
		esc(t, sizeof(t), p, n);
		return fail(ps, WIRE_E_MALFORMED, "bad header line \"%s\"", t);
	}
	size_t s = k + 1, e = n;
	while (s < e && (p[s] == ' ' || p[s] == '\t'))
		s++;
	while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
		e--;
	for (size_t i = s; i < e; i++) {
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f) {
			esc(t, sizeof(t), p, n);
			return fail(ps, WIRE_E_MALFORMED, "bad byte in header line \"%s\"", t);
		}
	}
	if (h->nhdr >= WIRE_HTTP_HEADER_LINES_MAX)
		return fail(ps, WIRE_E_TOOBIG, "more than %u header lines",
		            (unsigned)WIRE_HTTP_HEADER_LINES_MAX);
	struct wire_http_header *f = &h->hdr[h->nhdr++];
	f->name = p;
	f->name_len = k;
	f->value = p + s;
	f->value_len = e - s;
	return 0;
}

/* Parses the complete head in p[0..len) and sets the framing. Returns 0 or an error. */
static int parse_head(struct wire_http_parser *ps, const uint8_t *p, size_t len)
{
	struct wire_http_head *h = &ps->head;
	size_t i = 0;
	int first = 1;
	h->nhdr = 0;
	h->raw = p;
	h->len = len;
	while (i < len) {
		const uint8_t *nl = memchr(p + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - p) : len; /* nl is always found: the scan saw it */
		size_t ll = e - i;
		if (ll && p[i + ll - 1] == '\r')
			ll--;
		if (first) {
			int rc = status_line(ps, p + i, ll);
			if (rc)
				return rc;
			first = 0;
		} else if (ll == 0) {
			break; /* the blank line */
		} else {
			for (size_t k = 0; k < ll; k++)
				if (p[i + k] == '\r')
					return fail(ps, WIRE_E_MALFORMED, "bare CR in header line");
			int rc = field_line(ps, p + i, ll);
			if (rc)
				return rc;
		}
		i = e + 1;
	}
	struct framing f;
	memset(&f, 0, sizeof(f));
	f.ps = ps;
	for (size_t k = 0; k < h->nhdr; k++) {
		const struct wire_http_header *x = &h->hdr[k];
		if (ieq(x->name, x->name_len, "content-length")) {
			if (x->value_len == 0)
				return fail(ps, WIRE_E_MALFORMED, "empty Content-Length");
			if (each_elem(x->value, x->value_len, cl_elem, &f))
				return f.rc;
		} else if (ieq(x->name, x->name_len, "transfer-encoding")) {
			each_elem(x->value, x->value_len, te_elem, &f);
		} else if (ieq(x->name, x->name_len, "connection")) {
			each_elem(x->value, x->value_len, conn_elem, &f);
		}
	}
	if (f.cl_seen && f.te_seen)
		return fail(ps, WIRE_E_MALFORMED,
		            "both Content-Length and Transfer-Encoding (ambiguous framing)");
	ps->keepalive = h->minor >= 1 ? !f.conn_close : (f.conn_keepalive && !f.conn_close);
	ps->content_length = f.cl_seen ? f.cl : UINT64_MAXV;
	int st = h->status;
	if (st >= 100 && st < 200 && st != 101) {
		if (++ps->interims > WIRE_HTTP_HEADER_LINES_MAX)
			return fail(ps, WIRE_E_TOOBIG, "more than %u interim responses",
			            (unsigned)WIRE_HTTP_HEADER_LINES_MAX);
		ps->interim = 1;
		ps->framing = WIRE_HTTP_NOBODY;
		return 0;
	}
	ps->interim = 0;
	if (ps->head_request || st == 101 || st == 204 || st == 304) {
		ps->framing = WIRE_HTTP_NOBODY;
		if (st == 101)
			ps->keepalive = 0; /* the connection is no longer HTTP */
	} else if (f.te_seen && f.te_chunked_last) {
		ps->framing = WIRE_HTTP_CHUNKED;
	} else if (f.te_seen) {
		ps->framing = WIRE_HTTP_CLOSE; /* RFC 9112 6.3 item 4 */
	} else if (f.cl_seen) {
		ps->framing = WIRE_HTTP_LENGTH;
	} else {
		ps->framing = WIRE_HTTP_CLOSE;
	}
	if (ps->framing == WIRE_HTTP_CLOSE)
		ps->keepalive = 0;
	return 0;
}

/* Looks for the end of the head from ps->scan on. Returns its length, 0 when
 * not there yet, or an error when the limit passed. */
static long find_head_end(struct wire_http_parser *ps, const uint8_t *p, size_t n)
{
	size_t i = ps->scan;
	int st = ps->scan_nl;
	size_t lim = n < WIRE_HTTP_HEADER_BYTES_MAX ? n : WIRE_HTTP_HEADER_BYTES_MAX;
	for (; i < lim; i++) {
		uint8_t c = p[i];
		if (c == '\n') {
			if (st >= 1) {
				ps->scan = 0;
				ps->scan_nl = 0;
				return (long)(i + 1);
			}
			st = 1;
		} else if (c == '\r') {
			st = st == 1 ? 2 : 0;
		} else {
			st = 0;
		}
	}
	ps->scan = i;
	ps->scan_nl = st;
	if (i >= WIRE_HTTP_HEADER_BYTES_MAX)
		return fail(ps, WIRE_E_TOOBIG, "response head larger than %u bytes",
		            (unsigned)WIRE_HTTP_HEADER_BYTES_MAX);
	return 0;
}

static void bad_add(struct wire_http_parser *ps, uint8_t c)
{
	if (ps->nbad < sizeof(ps->bad) - 1)
		ps->bad[ps->nbad++] = (char)c;
}

static int bad_size(struct wire_http_parser *ps)
{
	char t[64];
	esc(t, sizeof(t), (const uint8_t *)ps->bad, ps->nbad);
	return fail(ps, WIRE_E_MALFORMED, "chunk size \"%s\" is not hex", t);
}

static void chunk_reset(struct wire_http_parser *ps)
{
	ps->chunk = 0;
	ps->digits = 0;
	ps->nbad = 0;
	ps->line_bytes = 0;
}

/* Starts the body after a final head. */
static void body_start(struct wire_http_parser *ps)
{
	switch (ps->framing) {
	case WIRE_HTTP_NOBODY: ps->state = S_DONE_PENDING; break;
	case WIRE_HTTP_LENGTH:
		ps->left = ps->content_length;
		ps->state = ps->left ? S_BODY_LEN : S_DONE_PENDING;
		break;
	case WIRE_HTTP_CHUNKED:
		ps->state = S_CHUNK_SIZE;
		chunk_reset(ps);
		break;
	case WIRE_HTTP_CLOSE: ps->state = S_BODY_CLOSE; break;
	}
}

/* Ends a chunk-size line. */
static void size_line_end(struct wire_http_parser *ps)
{
	if (ps->chunk == 0) {
		ps->state = S_TRAILER;
		ps->line_bytes = 0;
	} else {
		ps->left = ps->chunk;
		ps->state = S_CHUNK_DATA;
	}
}

int wire_http_parse(struct wire_http_parser *ps, const uint8_t *p, size_t n, size_t *used,
                    const uint8_t **data, size_t *dlen)
{
	size_t i = 0;
	*used = 0;
	*data = NULL;
	*dlen = 0;
	switch (ps->state) {
	case S_ERROR: return WIRE_E_MALFORMED;
	case S_DONE: return WIRE_HTTP_DONE;
	case S_DONE_PENDING: ps->state = S_DONE; return WIRE_HTTP_DONE;
	case S_HEAD: {
		if (n > ps->seen)
			ps->seen = n;
		long e = find_head_end(ps, p, n);
		if (e < 0)
			return (int)e;
		if (e == 0)
			return WIRE_HTTP_NEED;
		int rc = parse_head(ps, p, (size_t)e);
		if (rc)
			return rc;
		*used = (size_t)e;
		if (ps->interim)
			ps->seen = 0; /* another head follows */
		else
			body_start(ps);
		return WIRE_HTTP_HEAD;
	}
	case S_BODY_LEN: {
		if (n == 0)
			return WIRE_HTTP_NEED;
		size_t k = (uint64_t)n < ps->left ? n : (size_t)ps->left;
		ps->left -= k;
		ps->body_bytes += k;
		if (ps->left == 0)
			ps->state = S_DONE_PENDING;
		*data = p;
		*dlen = k;
		*used = k;
		return WIRE_HTTP_DATA;
	}
	case S_BODY_CLOSE:
		if (n == 0)
			return WIRE_HTTP_NEED;
		ps->body_bytes += n;
		*data = p;
		*dlen = n;
		*used = n;
		return WIRE_HTTP_DATA;
	default: break;
	}
	/* chunked framing, one byte at a time except for data */
	while (i < n) {
		uint8_t c = p[i];
		int v;
		switch (ps->state) {
		case S_CHUNK_SIZE:
			v = wire_hexval(c);
			if (v >= 0) {
				bad_add(ps, c);
				if (++ps->digits > WIRE_HTTP_CHUNK_DIGITS_MAX ||
				    ps->chunk > (LENGTH_MAX >> 4)) {
					*used = i;
					return fail(
					    ps, WIRE_E_MALFORMED,
					    "chunk size has more than %u digits or overflows",
					    (unsigned)WIRE_HTTP_CHUNK_DIGITS_MAX);
				}
				ps->chunk = (ps->chunk << 4) | (uint64_t)v;
				i++;
				break;
			}
			if (ps->digits == 0 ||
			    !(c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
				ps->state = S_CHUNK_BAD;
				break; /* collect c there */
			}
			if (c == ';')
				ps->state = S_CHUNK_EXT;
			else if (c == '\r')
				ps->state = S_CHUNK_LF;
			else if (c == '\n')
				size_line_end(ps);
			else
				ps->state = S_CHUNK_WS;
			i++;
			break;
		case S_CHUNK_WS:
			if (c == ';')
				ps->state = S_CHUNK_EXT;
			else if (c == '\r')
				ps->state = S_CHUNK_LF;
			else if (c == '\n')
				size_line_end(ps);
			else if (c != ' ' && c != '\t') {
				bad_add(ps, ' ');
				ps->state = S_CHUNK_BAD;
				break;
			}
			i++;
			break;
		case S_CHUNK_EXT:
			if (++ps->line_bytes > WIRE_HTTP_HEADER_BYTES_MAX) {
				*used = i;
				return fail(ps, WIRE_E_TOOBIG,
				            "chunk extension longer than %u bytes",
				            (unsigned)WIRE_HTTP_HEADER_BYTES_MAX);
			}
			if (c == '\r')
				ps->state = S_CHUNK_LF;
			else if (c == '\n')
				size_line_end(ps);
			else if ((c < 0x20 && c != '\t') || c == 0x7f) {
				*used = i;
				return fail(ps, WIRE_E_MALFORMED,
				            "bad byte 0x%02x in chunk extension", c);
			}
			i++;
			break;
		case S_CHUNK_LF:
			if (c != '\n') {
				*used = i;
				return fail(ps, WIRE_E_MALFORMED, "chunk size line: CR without LF");
			}
			size_line_end(ps);
			i++;
			break;
		case S_CHUNK_BAD:
			if (c == '\r' || c == '\n' || ps->nbad >= 16) {
				*used = i;
				return bad_size(ps);
			}
			bad_add(ps, c);
			i++;
			break;
		case S_CHUNK_DATA: {
			size_t k = (uint64_t)(n - i) < ps->left ? n - i : (size_t)ps->left;
			ps->left -= k;
			ps->body_bytes += k;
			if (ps->left == 0)
				ps->state = S_CHUNK_DCR;
			*data = p + i;
			*dlen = k;
			*used = i + k;
			return WIRE_HTTP_DATA;
		}
		case S_CHUNK_DCR:
			if (c == '\r') {
				ps->state = S_CHUNK_DLF;
			} else if (c == '\n') {
				ps->state = S_CHUNK_SIZE;
			} else {
				*used = i;
				return fail(
				    ps, WIRE_E_MALFORMED,
				    "chunk data longer than its size (no CRLF after %llu bytes)",
				    (unsigned long long)ps->chunk);
			}
			i++;
			if (ps->state == S_CHUNK_SIZE)
				chunk_reset(ps);
			break;
		case S_CHUNK_DLF:
			if (c != '\n') {
				*used = i;
				return fail(ps, WIRE_E_MALFORMED, "chunk data: CR without LF");
			}
			ps->state = S_CHUNK_SIZE;
			chunk_reset(ps);
			i++;
			break;
		case S_TRAILER:
			if (c == '\r') {
				ps->state = S_TRAILER_LF;
			} else if (c == '\n') {
				ps->state = S_DONE;
				*used = i + 1;
				return WIRE_HTTP_DONE;
			} else {
				if (++ps->trailer_lines > WIRE_HTTP_HEADER_LINES_MAX) {
					*used = i;
					return fail(ps, WIRE_E_TOOBIG, "more than %u trailer lines",
					            (unsigned)WIRE_HTTP_HEADER_LINES_MAX);
				}
				ps->state = S_TRAILER_LINE;
			}
			ps->trailer_bytes++;
			i++;
			break;
		case S_TRAILER_LINE:
			if (++ps->trailer_bytes > WIRE_HTTP_HEADER_BYTES_MAX) {
				*used = i;
				return fail(ps, WIRE_E_TOOBIG, "trailers larger than %u bytes",
				            (unsigned)WIRE_HTTP_HEADER_BYTES_MAX);
			}
			if (c == '\n')
				ps->state = S_TRAILER;
			i++;
			break;
		case S_TRAILER_LF:
			if (c != '\n') {
				*used = i;
				return fail(ps, WIRE_E_MALFORMED, "trailers: CR without LF");
			}
			ps->state = S_DONE;
			*used = i + 1;
			return WIRE_HTTP_DONE;
		default: *used = i; return fail(ps, WIRE_E_INTERNAL, "parser in a bad state");
		}
	}
	*used = i;
	return WIRE_HTTP_NEED;
}

int wire_http_parse_eof(struct wire_http_parser *ps)
{
	switch (ps->state) {
	case S_DONE:
	case S_DONE_PENDING: return 0;
	case S_BODY_CLOSE: ps->state = S_DONE; return 0;
	case S_ERROR: return WIRE_E_MALFORMED;
	case S_HEAD:
		if (ps->seen == 0 && ps->head.status == 0)
			return fail(ps, WIRE_E_CLOSED, "empty reply from server");
		if (ps->seen == 0)
			return fail(ps, WIRE_E_TRUNCATED, "closed after an interim %d response",
			            ps->head.status);
		return fail(ps, WIRE_E_TRUNCATED, "response head cut short after %zu bytes",
		            ps->seen);
	case S_BODY_LEN:
		return fail(ps, WIRE_E_TRUNCATED, "body cut short: %llu of %llu bytes",
		            (unsigned long long)ps->body_bytes,
		            (unsigned long long)ps->content_length);
	case S_CHUNK_BAD: return bad_size(ps);
	default:
		return fail(ps, WIRE_E_TRUNCATED, "chunked body cut short after %llu bytes",
		            (unsigned long long)ps->body_bytes);
	}
}
