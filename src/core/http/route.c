/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * curl's --resolve HOST:PORT:ADDR and --connect-to HOST:PORT:CHOST:CPORT:
 * where a connection for a URL's host and port really goes. The URL (Host
 * header, TLS name check, redirects) is unchanged; only the address the
 * socket connects to is. IPv6 addresses may be written in brackets.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "wire/err.h"
#include "wire/http.h"

/* Copies the field at s, up to a ':' outside brackets (with rest: to the
 * end), brackets removed and lower-cased, into out. Returns the text after
 * the ':' (with rest: the end), or NULL when the field does not fit, a
 * bracket is not closed, or (without rest) no ':' follows. */
static const char *field(const char *s, int rest, char *out, size_t n)
{
	size_t k = 0;
	int br = s[0] == '[';
	const char *p = s + br;
	for (; *p && (rest || br || *p != ':'); p++) {
		if (br && *p == ']') {
			br = 2;
			p++;
			break;
		}
		if (k + 1 >= n)
			return NULL;
		out[k++] = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p;
	}
	out[k] = 0;
	if (br == 1 || (br == 2 && *p && *p != ':') || (!rest && *p != ':'))
		return NULL;
	return *p == ':' ? p + 1 : p;
}

/* Parses a port field: "" gives -1 when allowed. Returns 0 or WIRE_E_USAGE. */
static int port_field(const char *s, int empty_ok, int *port)
{
	if (!*s) {
		*port = -1;
		return empty_ok ? 0 : WIRE_E_USAGE;
	}
	long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > 65535)
			return WIRE_E_USAGE;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535)
		return WIRE_E_USAGE;
	*port = (int)v;
	return 0;
}

int wire_http_parse_resolve(const char *s, struct wire_http_route *r)
{
	char port[16];
	unsigned char bin[16];
	memset(r, 0, sizeof(*r));
	const char *p = field(s, 0, r->host, sizeof(r->host));
	if (!p || !r->host[0])
		return WIRE_E_USAGE;
	p = field(p, 0, port, sizeof(port));
	if (!p || port_field(port, 0, &r->port) < 0)
		return WIRE_E_USAGE;
	if (!field(p, 1, r->to, sizeof(r->to)))
		return WIRE_E_USAGE;
	if (inet_pton(AF_INET, r->to, bin) != 1 && inet_pton(AF_INET6, r->to, bin) != 1)
		return WIRE_E_USAGE;
	r->to_port = r->port;
	return 0;
}

int wire_http_parse_connect_to(const char *s, struct wire_http_route *r)
{
	char port[16], cport[16];
	memset(r, 0, sizeof(*r));
	const char *p = field(s, 0, r->host, sizeof(r->host));
	if (p)
		p = field(p, 0, port, sizeof(port));
	if (!p || port_field(port, 1, &r->port) < 0)
		return WIRE_E_USAGE;
	p = field(p, 0, r->to, sizeof(r->to));
	if (!p || !field(p, 1, cport, sizeof(cport)) || port_field(cport, 1, &r->to_port) < 0)
		return WIRE_E_USAGE;
	return 0;
}

/* Returns 1 when route r applies to host and port. */
static int matches(const struct wire_http_route *r, const char *host, unsigned port)
{
	return (!r->host[0] || !strcmp(r->host, host)) &&
	       (r->port < 0 || (unsigned)r->port == port);
}

void wire_http_route(const struct wire_http_opts *o, const char *host, uint16_t port,
                     struct wire_http_target *t)
{
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->port = port;
	t->via = NULL;
	for (size_t i = 0; i < o->nconnect_to; i++) {
		const struct wire_http_route *r = &o->connect_to[i];
		if (matches(r, host, port)) {
			if (r->to[0])
				snprintf(t->host, sizeof(t->host), "%s", r->to);
			if (r->to_port > 0)
				t->port = (uint16_t)r->to_port;
			t->via = "--connect-to";
			break;
		}
	}
	for (size_t i = 0; i < o->nresolve; i++) {
		const struct wire_http_route *r = &o->resolve[i];
		if (matches(r, t->host, t->port)) {
			snprintf(t->host, sizeof(t->host), "%s", r->to);
			t->via = t->via ? "--connect-to and --resolve" : "--resolve";
			break;
		}
	}
}
