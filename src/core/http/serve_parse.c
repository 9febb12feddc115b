/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The request head parser of the view server (wire/httpd.h), for hostile
 * input: RFC 9112's request-line and field lines, read only inside the n
 * bytes given, nothing allocated. A bare LF ends a line as well as CRLF (RFC
 * 9112 section 2.2 allows it); a field line must be `token ":" value` (no
 * space before the colon, no obsolete folding). The target must be
 * origin-form: '/' then visible ASCII.
 */
#include <string.h>

#include "wire/httpd.h"
#include "wire/text.h"

/* RFC 9110 tchar. */
static int tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* The end of the head: the offset just past the empty line, or 0. */
static size_t head_end(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < n && p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The line at p[*at..end): its length without CR LF; *at moves past it. */
static size_t line(const uint8_t *p, size_t end, size_t *at)
{
	size_t s = *at, e = s;
	while (e < end && p[e] != '\n')
		e++;
	*at = e < end ? e + 1 : end;
	if (e > s && p[e - 1] == '\r')
		e--;
	return e - s;
}

static int ieq(const uint8_t *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i];
		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (x != (uint8_t)b[i])
			return 0;
	}
	return 1;
}

/* Whether the comma-separated value v holds the token t. */
static int has_token(const uint8_t *v, size_t n, const char *t)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i > s && ieq(v + s, i - s, t))
			return 1;
	}
	return 0;
}

/* The target into rq->path and rq->query. Returns 0 or -400/-414. */
static int target(const uint8_t *t, size_t n, struct wire_httpd_req *rq)
{
	if (n > WIRE_HTTPD_TARGET_MAX)
		return -414;
	if (!n || t[0] != '/')
		return -400;
	for (size_t i = 0; i < n; i++)
		if (t[i] <= ' ' || t[i] >= 0x7f)
			return -400;
	const uint8_t *q = memchr(t, '?', n);
	size_t pl = q ? (size_t)(q - t) : n;
	memcpy(rq->path, t, pl);
	rq->path[pl] = '\0';
	size_t ql = q ? n - pl - 1 : 0;
	if (q)
		memcpy(rq->query, q + 1, ql);
	rq->query[ql] = '\0';
	return 0;
}

/* The request line. Returns 0 or a negative status. */
static int request_line(const uint8_t *p, size_t n, struct wire_httpd_req *rq, int *http10)
{
	const uint8_t *sp1 = memchr(p, ' ', n);
	if (!sp1 || sp1 == p)
		return -400;
	size_t ml = (size_t)(sp1 - p);
	for (size_t i = 0; i < ml; i++)
		if (!tchar(p[i]))
			return -400;
	const uint8_t *t = sp1 + 1, *end = p + n;
	const uint8_t *sp2 = memchr(t, ' ', (size_t)(end - t));
	if (!sp2)
		return -400;
	size_t vl = (size_t)(end - sp2 - 1);
	const uint8_t *v = sp2 + 1;
	if (vl != 8 || memcmp(v, "HTTP/", 5) || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
	    v[7] < '0' || v[7] > '9')
		return -400;
	if (v[5] != '1')
		return -505;
	*http10 = v[7] == '0';
	int rc = target(t, (size_t)(sp2 - t), rq);
	if (rc < 0)
		return rc;
	if (ml == 4 && !memcmp(p, "HEAD", 4))
		rq->head = 1;
	else if (ml != 3 || memcmp(p, "GET", 3))
		return -405;
	return 0;
}

/* One field line. Returns 0 or -400. */
static int field(const uint8_t *p, size_t n, struct wire_httpd_req *rq, int http10)
{
	const uint8_t *c = memchr(p, ':', n);
	if (!c || c == p)
		return -400;
	size_t nl = (size_t)(c - p);
	for (size_t i = 0; i < nl; i++)
		if (!tchar(p[i]))
			return -400;
	const uint8_t *v = c + 1;
	size_t vl = n - nl - 1;
	for (size_t i = 0; i < vl; i++)
		if ((v[i] < ' ' && v[i] != '\t') || v[i] == 0x7f)
			return -400;
	while (vl && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (ieq(p, nl, "transfer-encoding"))
		return -400;
	if (ieq(p, nl, "content-length") && !(vl == 1 && v[0] == '0'))
		return -400;
	if (ieq(p, nl, "connection")) {
		if (has_token(v, vl, "close"))
			rq->keep_alive = 0;
		else if (http10 && has_token(v, vl, "keep-alive"))
			rq->keep_alive = 1;
	}
	return 0;
}

int wire_httpd_parse(const uint8_t *p, size_t n, struct wire_httpd_req *rq)
{
	size_t end = head_end(p, n < WIRE_HTTPD_HEAD_MAX ? n : WIRE_HTTPD_HEAD_MAX);
	if (!end)
		return n >= WIRE_HTTPD_HEAD_MAX ? -431 : 0;
	memset(rq, 0, sizeof(*rq));
	size_t at = 0, s = 0, len = 0;
	while (at < end && len == 0) { /* RFC 9112 2.2: empty lines before it are ignored */
		s = at;
		len = line(p, end, &at);
	}
	if (!len)
		return -400;
	int http10 = 0;
	int rc = request_line(p + s, len, rq, &http10);
	if (rc < 0)
		return rc;
	rq->keep_alive = !http10;
	unsigned lines = 0;
	while (at < end) {
		s = at;
		len = line(p, end, &at);
		if (!len)
			break;
		if (++lines > WIRE_HTTPD_HEADERS_MAX)
			return -431;
		if (p[s] == ' ' || p[s] == '\t')
			return -400; /* obsolete line folding */
		if ((rc = field(p + s, len, rq, http10)) < 0)
			return rc;
	}
	return (int)end;
}

/* Decodes n bytes of %-encoded text into out (size cap). Returns the length or -1. */
static int unescape(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	if (!cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int a = i + 1 < n ? wire_hexval(s[i + 1]) : -1;
			int b = i + 2 < n ? wire_hexval(s[i + 2]) : -1;
			if (a < 0 || b < 0)
				return -1;
			c = (char)(a * 16 + b);
			i += 2;
		}
		if (c == '\0' || k + 1 >= cap)
			return -1;
		out[k++] = c;
	}
	out[k] = '\0';
	return (int)k;
}

int wire_httpd_param(const char *query, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *s = query;
	while (*s) {
		const char *amp = strchr(s, '&');
		size_t len = amp ? (size_t)(amp - s) : strlen(s);
		if (len >= nl && !memcmp(s, name, nl) && (len == nl || s[nl] == '=')) {
			size_t at = len > nl ? nl + 1 : nl;
			int k = unescape(s + at, len - at, out, n);
			return k < 0 ? -2 : k;
		}
		s += len + (amp ? 1 : 0);
	}
	return -1;
}
