/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * URLs for the HTTP client (RFC 3986): parsing http:// and https:// URLs
 * with names, IPv4, [IPv6] literals, ports and userinfo, with the path and
 * query kept as given; and resolving a reference (a Location header, bytes
 * from the peer, taken as pointer and length) against a base URL by section
 * 5.2: the component split of appendix B, merge, and remove_dot_segments.
 * Everything is bounded by WIRE_HTTP_URL_MAX.
 */
#include <arpa/inet.h>
#include <string.h>

#include "wire/err.h"
#include "wire/http.h"
#include "wire/limits.h"
#include "wire/text.h"

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Percent-decodes s[0..n) into out (size cap). Returns 0 or WIRE_E_USAGE. */
static int pct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3)
				return WIRE_E_USAGE;
			int h = wire_hexval((unsigned char)s[i + 1]),
			    l = wire_hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return WIRE_E_USAGE;
			c = h * 16 + l;
			i += 2;
		}
		if (o + 1 >= cap)
			return WIRE_E_USAGE;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return 0;
}

/* Appends s[0..n) to out at *o with spaces and bytes >= 0x7f percent-encoded.
 * Returns 0, WIRE_E_USAGE for control bytes, or WIRE_E_TOOBIG. */
static int put_encoded(char *out, size_t cap, size_t *o, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c < 0x20 || c == 0x7f)
			return WIRE_E_USAGE;
		if (c == ' ' || c > 0x7f) {
			if (*o + 4 > cap)
				return WIRE_E_TOOBIG;
			out[(*o)++] = '%';
			out[(*o)++] = hex[c >> 4];
			out[(*o)++] = hex[c & 15];
		} else {
			if (*o + 2 > cap)
				return WIRE_E_TOOBIG;
			out[(*o)++] = (char)c;
		}
	}
	out[*o] = 0;
	return 0;
}

int wire_url_parse(const char *s, size_t n, struct wire_url *u)
{
	memset(u, 0, sizeof(*u));
	size_t i = 0;
	/* scheme */
	const char *sep = NULL;
	for (size_t k = 0; k + 2 < n; k++) {
		if (s[k] == ':' && s[k + 1] == '/' && s[k + 2] == '/') {
			sep = s + k;
			break;
		}
		if (s[k] == '/' || s[k] == '?' || s[k] == '#' || s[k] == '@')
			break;
	}
	if (sep) {
		size_t sl = (size_t)(sep - s);
		char sc[8];
		if (sl == 0 || sl >= sizeof(sc))
			return WIRE_E_USAGE;
		for (size_t k = 0; k < sl; k++)
			sc[k] = (char)lower((unsigned char)s[k]);
		sc[sl] = 0;
		if (!strcmp(sc, "https"))
			u->tls = 1;
		else if (strcmp(sc, "http") != 0)
			return WIRE_E_USAGE;
		i = sl + 3;
	}
	/* authority */
	size_t a = i;
	while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
		i++;
	size_t ae = i;
	size_t at = ae;
	for (size_t k = a; k < ae; k++)
		if (s[k] == '@')
			at = k;
	if (at < ae) {
		size_t colon = at;
		for (size_t k = a; k < at; k++)
			if (s[k] == ':') {
				colon = k;
				break;
			}
		if (pct_decode(s + a, colon - a, u->user, sizeof(u->user)) < 0)
			return WIRE_E_USAGE;
		if (colon < at &&
		    pct_decode(s + colon + 1, at - colon - 1, u->pass, sizeof(u->pass)) < 0)
			return WIRE_E_USAGE;
		u->has_user = 1;
		a = at + 1;
	}
	size_t h = a, he, p;
	if (h < ae && s[h] == '[') {
		size_t k = h + 1;
		while (k < ae && s[k] != ']')
			k++;
		if (k >= ae)
			return WIRE_E_USAGE;
		/* the literal, with a zone "%25eth0" decoded to "%eth0" */
		if (pct_decode(s + h + 1, k - h - 1, u->host, sizeof(u->host)) < 0)
			return WIRE_E_USAGE;
		struct in6_addr a6;
		char tmp[sizeof(u->host)];
		memcpy(tmp, u->host, sizeof(tmp));
		char *pct = strchr(tmp, '%');
		if (pct)
			*pct = 0;
		if (inet_pton(AF_INET6, tmp, &a6) != 1)
			return WIRE_E_USAGE;
		u->ipv6 = 1;
		p = k + 1;
		if (p < ae && s[p] != ':')
			return WIRE_E_USAGE;
	} else {
		he = h;
		while (he < ae && s[he] != ':')
			he++;
		if (he == h || he - h >= sizeof(u->host))
			return WIRE_E_USAGE;
		for (size_t k = h; k < he; k++) {
			int c = (unsigned char)s[k];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
				return WIRE_E_USAGE;
			u->host[k - h] = (char)lower(c);
		}
		u->host[he - h] = 0;
		p = he;
	}
	if (!u->host[0])
		return WIRE_E_USAGE;
	u->port = u->tls ? 443 : 80;
	if (p < ae) { /* ":port", empty means the default */
		unsigned long v = 0;
		if (ae - p - 1 > 5)
			return WIRE_E_USAGE;
		for (size_t k = p + 1; k < ae; k++) {
			if (s[k] < '0' || s[k] > '9')
				return WIRE_E_USAGE;
			v = v * 10 + (unsigned long)(s[k] - '0');
		}
		if (ae - p - 1 > 0) {
			if (v == 0 || v > 65535)
				return WIRE_E_USAGE;
			u->port = (uint16_t)v;
			u->port_given = 1;
		}
	}
	/* path and query as given, without the fragment */
	size_t pe = i;
	while (pe < n && s[pe] != '#')
		pe++;
	size_t o = 0;
	if (i == pe || s[i] != '/')
		u->target[o++] = '/';
	int rc = put_encoded(u->target, sizeof(u->target), &o, (const uint8_t *)s + i, pe - i);
	if (rc < 0)
		return WIRE_E_USAGE;
	return 0;
}

size_t wire_url_authority(const struct wire_url *u, char *out, size_t n)
{
	int dflt = u->port == (u->tls ? 443 : 80);
	size_t hl = strlen(u->host);
	size_t o = 0;
	char port[8];
	size_t pl = 0;
	if (!dflt) {
		unsigned v = u->port;
		char rev[8];
		size_t r = 0;
		do {
			rev[r++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		port[pl++] = ':';
		while (r)
			port[pl++] = rev[--r];
	}
	if (hl + pl + 3 > n)
		return 0;
	if (u->ipv6)
		out[o++] = '[';
	for (size_t k = 0; k < hl; k++) {
		if (u->ipv6 && u->host[k] == '%') { /* zone: "%25" inside brackets */
			if (o + 3 + (hl - k) + pl + 2 > n)
				return 0;
			memcpy(out + o, "%25", 3);
			o += 3;
			continue;
		}
		out[o++] = u->host[k];
	}
	if (u->ipv6)
		out[o++] = ']';
	memcpy(out + o, port, pl);
	o += pl;
	out[o] = 0;
	return o;
}

size_t wire_url_format(const struct wire_url *u, char *out, size_t n)
{
	size_t o = 0;
	const char *sc = u->tls ? "https://" : "http://";
	size_t sl = strlen(sc);
	if (sl >= n)
		return 0;
	memcpy(out, sc, sl);
	o = sl;
	size_t al = wire_url_authority(u, out + o, n - o);
	if (!al)
		return 0;
	o += al;
	size_t tl = strlen(u->target);
	if (o + tl + 1 > n)
		return 0;
	memcpy(out + o, u->target, tl + 1);
	return o + tl;
}

/* ---- RFC 3986 section 5.2 ------------------------------------------------ */

struct comp {
	const char *p;
	size_t n;
	int def;
};

struct parts {
	struct comp scheme, auth, path, query, frag;
};

/* Splits s[0..n) by appendix B:
 * ^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))? */
static void split(const char *s, size_t n, struct parts *r)
{
	size_t i = 0;
	memset(r, 0, sizeof(*r));
	while (i < n && s[i] != ':' && s[i] != '/' && s[i] != '?' && s[i] != '#')
		i++;
	if (i > 0 && i < n && s[i] == ':') {
		r->scheme = (struct comp){s, i, 1};
		i++;
	} else {
		i = 0;
	}
	if (i + 1 < n && s[i] == '/' && s[i + 1] == '/') {
		size_t a = i + 2;
		i = a;
		while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
			i++;
		r->auth = (struct comp){s + a, i - a, 1};
	}
	size_t p = i;
	while (i < n && s[i] != '?' && s[i] != '#')
		i++;
	r->path = (struct comp){s + p, i - p, 1};
	if (i < n && s[i] == '?') {
		size_t q = ++i;
		while (i < n && s[i] != '#')
			i++;
		r->query = (struct comp){s + q, i - q, 1};
	}
	if (i < n && s[i] == '#')
		r->frag = (struct comp){s + i + 1, n - i - 1, 1};
}

/* remove_dot_segments (5.2.4) of in[0..n) (modified in place), appended to
 * out at *o. Returns 0 or WIRE_E_TOOBIG. */
static int remove_dots(char *in, size_t n, char *out, size_t cap, size_t *o)
{
	size_t start = *o;
	size_t i = 0;
	while (i < n) {
		size_t left = n - i;
		char *p = in + i;
		if (left >= 3 && !memcmp(p, "../", 3)) {
			i += 3;
		} else if (left >= 2 && !memcmp(p, "./", 2)) {
			i += 2;
		} else if (left >= 3 && !memcmp(p, "/./", 3)) {
			i += 2;
		} else if (left == 2 && !memcmp(p, "/.", 2)) {
			i += 1;
			in[i] = '/';
		} else if ((left >= 4 && !memcmp(p, "/../", 4)) ||
		           (left == 3 && !memcmp(p, "/..", 3))) {
			if (left == 3) {
				i += 2;
				in[i] = '/';
			} else {
				i += 3;
			}
			while (*o > start && out[*o - 1] != '/')
				(*o)--;
			if (*o > start)
				(*o)--;
		} else if ((left == 1 && p[0] == '.') || (left == 2 && !memcmp(p, "..", 2))) {
			i = n;
		} else {
			size_t k = (p[0] == '/') ? 1 : 0;
			while (k < left && p[k] != '/')
				k++;
			if (*o + k + 1 > cap)
				return WIRE_E_TOOBIG;
			memcpy(out + *o, p, k);
			*o += k;
			i += k;
		}
	}
	return 0;
}

static int put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (*o + n + 1 > cap)
		return WIRE_E_TOOBIG;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = 0;
	return 0;
}

int wire_url_resolve(const char *base, const uint8_t *ref, size_t rlen, char *out, size_t n)
{
	char r[WIRE_HTTP_URL_MAX], m[WIRE_HTTP_URL_MAX * 2];
	size_t rl = 0, ml = 0, o = 0;
	int rc = put_encoded(r, sizeof(r), &rl, ref, rlen);
	if (rc == WIRE_E_USAGE)
		return WIRE_E_MALFORMED;
	if (rc < 0)
		return rc;
	struct parts B, R;
	split(base, strlen(base), &B);
	split(r, rl, &R);
	if (!B.scheme.def)
		return WIRE_E_MALFORMED;
	const struct comp *sch = &B.scheme, *auth, *query;
	/* the path to clean goes into m */
	if (R.scheme.def) {
		sch = &R.scheme;
		auth = &R.auth;
		query = &R.query;
		if (put(m, sizeof(m), &ml, R.path.p, R.path.n))
			return WIRE_E_TOOBIG;
	} else if (R.auth.def) {
		auth = &R.auth;
		query = &R.query;
		if (put(m, sizeof(m), &ml, R.path.p, R.path.n))
			return WIRE_E_TOOBIG;
	} else {
		auth = &B.auth;
		if (R.path.n == 0) {
			if (put(m, sizeof(m), &ml, B.path.p, B.path.n))
				return WIRE_E_TOOBIG;
			query = R.query.def ? &R.query : &B.query;
			/* B's path is already clean: copy without removing dots */
		} else {
			query = &R.query;
			if (R.path.p[0] != '/') { /* merge (5.2.3) */
				if (B.auth.def && B.path.n == 0) {
					if (put(m, sizeof(m), &ml, "/", 1))
						return WIRE_E_TOOBIG;
				} else {
					size_t k = B.path.n;
					while (k > 0 && B.path.p[k - 1] != '/')
						k--;
					if (put(m, sizeof(m), &ml, B.path.p, k))
						return WIRE_E_TOOBIG;
				}
			}
			if (put(m, sizeof(m), &ml, R.path.p, R.path.n))
				return WIRE_E_TOOBIG;
		}
	}
	/* recompose (5.3) */
	if (put(out, n, &o, sch->p, sch->n) || put(out, n, &o, ":", 1))
		return WIRE_E_TOOBIG;
	if (auth->def && (put(out, n, &o, "//", 2) || put(out, n, &o, auth->p, auth->n)))
		return WIRE_E_TOOBIG;
	if (!R.scheme.def && !R.auth.def && R.path.n == 0) {
		if (put(out, n, &o, m, ml))
			return WIRE_E_TOOBIG;
	} else if (remove_dots(m, ml, out, n, &o)) {
		return WIRE_E_TOOBIG;
	}
	out[o] = 0;
	if (query->def && (put(out, n, &o, "?", 1) || put(out, n, &o, query->p, query->n)))
		return WIRE_E_TOOBIG;
	if (R.frag.def && (put(out, n, &o, "#", 1) || put(out, n, &o, R.frag.p, R.frag.n)))
		return WIRE_E_TOOBIG;
	if (o > (size_t)INT32_MAX)
		return WIRE_E_TOOBIG;
	return (int)o;
}
