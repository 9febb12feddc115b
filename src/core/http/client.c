/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTTP/1.1 client (RFC 9110, RFC 9112): builds the request (curl's
 * default headers, -H replacing or removing them, Basic auth), keeps one
 * keep-alive connection and reuses it for the next URL on the same scheme,
 * host and port (reconnecting once when the server closed it in between),
 * follows redirects with RFC 3986 resolution, and enforces the connect and
 * total deadlines. Received bytes land in one large buffer and body bytes go
 * to the caller straight from it (no copy); the parser (parse.c) says where
 * each response ends. Nothing is printed here: events, heads and bodies go
 * through the callbacks in struct wire_http_opts.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire/err.h"
#include "wire/http.h"
#include "wire/limits.h"
#include "wire/sock.h"
#include "wire/version.h"

#ifndef DEFAULT_BUFSIZE
#define DEFAULT_BUFSIZE (256u * 1024u)
#endif
#define REQ_HEAD_MAX (WIRE_HTTP_HEADER_BYTES_MAX + WIRE_HTTP_URL_MAX)

struct wire_http_client {
	const struct wire_http_opts *o;
	struct wire_tls_ctx *tctx;
	int fd; /* -1 when no connection is open */
	struct wire_tls *tls;
	int key_tls;
	uint16_t key_port;
	char key_host[256];
	char peer[WIRE_ADDRSTRLEN];
	char peer_ip[WIRE_ADDRSTRLEN];
	uint16_t peer_port;
	int conn_id;
	uint8_t *buf;
	size_t cap;
	uint8_t *req;
	size_t reqcap;
	char loc[WIRE_HTTP_URL_MAX]; /* resolved Location of the last redirect */
	struct wire_http_parser ps;
	struct wire_http_decoder *dec; /* --compressed: the body's decoder, or NULL */
	size_t pre;                    /* answer bytes read into buf while the request was sent */
};

struct xfer {
	double t0;
	double deadline; /* 0: none */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((format(printf, 3, 4))) static int why(struct wire_http_result *r, int code,
                                                     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return code;
}

__attribute__((format(printf, 3, 4))) static void info(struct wire_http_client *c, int kind,
                                                       const char *fmt, ...)
{
	if (!c->o->on_info)
		return;
	char line[600];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	c->o->on_info(c->o->ctx, kind, line,
	              (size_t)k < sizeof(line) ? (size_t)k : sizeof(line) - 1);
}

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/* Returns 1 when header line h names the header name (case-insensitive). */
static int names(const char *h, const char *name)
{
	size_t i = 0;
	for (; name[i]; i++)
		if (!h[i] || lower((unsigned char)h[i]) != lower((unsigned char)name[i]))
			return 0;
	return h[i] == ':' || h[i] == ';';
}

static int user_has(const struct wire_http_opts *o, const char *name)
{
	for (size_t i = 0; i < o->nheaders; i++)
		if (names(o->headers[i], name))
			return 1;
	return 0;
}

/* Returns 1 for a header given with -H that carries credentials: not sent
 * after a redirect to another host, port or scheme (as curl since
 * CVE-2018-1000007 and CVE-2022-27776). */
static int is_credential(const char *h)
{
	return names(h, "Authorization") || names(h, "Cookie") || names(h, "Proxy-Authorization");
}

static void b64(const uint8_t *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = t[(v >> 18) & 63];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = 0;
}

struct req_ctx {
	char *out;
	size_t n, o;
	int full;
};

static void add(struct req_ctx *r, const char *s, size_t n)
{
	if (r->full || n > r->n - r->o) {
		r->full = 1;
		return;
	}
	memcpy(r->out + r->o, s, n);
	r->o += n;
}

static void adds(struct req_ctx *r, const char *s)
{
	add(r, s, strlen(s));
}

/* Builds the request head into out. Returns the length, or WIRE_E_USAGE / WIRE_E_TOOBIG. */
static int build_head(const struct wire_http_opts *o, const struct wire_url *u, const char *method,
                      int with_body, int with_auth, char *out, size_t n)
{
	struct req_ctx r = {out, n, 0, 0};
	char line[1024];
	adds(&r, method);
	adds(&r, " ");
	adds(&r, u->target);
	adds(&r, " HTTP/1.1\r\n");
	if (!user_has(o, "Host")) {
		char a[300];
		if (!wire_url_authority(u, a, sizeof(a)))
			return WIRE_E_USAGE;
		adds(&r, "Host: ");
		adds(&r, a);
		adds(&r, "\r\n");
	}
	const char *up = NULL;
	char ubuf[520];
	if (with_auth && o->userpwd) {
		up = o->userpwd;
	} else if (with_auth && u->has_user) {
		snprintf(ubuf, sizeof(ubuf), "%s:%s", u->user, u->pass);
		up = ubuf;
	}
	if (up && !user_has(o, "Authorization")) {
		size_t ul = strlen(up);
		if (ul > 700)
			return WIRE_E_USAGE;
		char enc[1000];
		b64((const uint8_t *)up, ul, enc);
		adds(&r, "Authorization: Basic ");
		adds(&r, enc);
		adds(&r, "\r\n");
	}
	if (!user_has(o, "User-Agent")) {
		if (o->user_agent) {
			if (o->user_agent[0]) {
				adds(&r, "User-Agent: ");
				adds(&r, o->user_agent);
				adds(&r, "\r\n");
			}
		} else {
			adds(&r, "User-Agent: wirecat/" WIRE_VERSION "\r\n");
		}
	}
	if (!user_has(o, "Accept"))
		adds(&r, "Accept: */*\r\n");
	if (o->compressed && !user_has(o, "Accept-Encoding"))
		adds(&r, "Accept-Encoding: deflate, gzip\r\n");
	if (with_body) {
		if (!user_has(o, "Content-Length")) {
			snprintf(line, sizeof(line), "Content-Length: %zu\r\n", o->data_len);
			adds(&r, line);
		}
		if (o->form && !user_has(o, "Content-Type"))
			adds(&r, "Content-Type: application/x-www-form-urlencoded\r\n");
	}
	for (size_t i = 0; i < o->nheaders; i++) {
		const char *h = o->headers[i];
		size_t k = 0;
		if (strpbrk(h, "\r\n"))
			return WIRE_E_USAGE;
		while (h[k] && h[k] != ':' && h[k] != ';')
			k++;
		if (k == 0 || !h[k])
			return WIRE_E_USAGE;
		if (!with_auth && is_credential(h))
			continue;
		const char *v = h + k + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (h[k] == ';') { /* "Name;" sends an empty header */
			if (*v)
				return WIRE_E_USAGE;
			add(&r, h, k);
			adds(&r, ":\r\n");
			continue;
		}
		if (!*v)
			continue; /* "Name:" removes the header */
		add(&r, h, k);
		adds(&r, ": ");
		adds(&r, v);
		adds(&r, "\r\n");
	}
	adds(&r, "\r\n");
	if (r.full)
		return WIRE_E_TOOBIG;
	return (int)r.o;
}

static const char *method_of(const struct wire_http_opts *o)
{
	if (o->method)
		return o->method;
	if (o->head)
		return "HEAD";
	return o->data ? "POST" : "GET";
}

int wire_http_build(const struct wire_http_opts *o, const char *url, uint8_t *out, size_t n)
{
	struct wire_url *u = malloc(sizeof(*u));
	if (!u)
		return -ENOMEM;
	int rc = wire_url_parse(url, strlen(url), u);
	if (rc == 0)
		rc = build_head(o, u, method_of(o), o->data != NULL, 1, (char *)out, n);
	if (rc >= 0 && o->data) {
		if (o->data_len > n - (size_t)rc)
			rc = WIRE_E_TOOBIG;
		else if (o->data_len) {
			memcpy(out + rc, o->data, o->data_len);
			rc += (int)o->data_len;
		}
	}
	free(u);
	return rc;
}

struct wire_http_client *wire_http_client_new(const struct wire_http_opts *o)
{
	struct wire_http_client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->o = o;
	c->fd = -1;
	c->cap = o->bufsize ? o->bufsize : DEFAULT_BUFSIZE;
	if (c->cap < 2 * WIRE_HTTP_HEADER_BYTES_MAX)
		c->cap = 2 * WIRE_HTTP_HEADER_BYTES_MAX;
	c->buf = malloc(c->cap);
	if (!c->buf) {
		free(c);
		return NULL;
	}
	return c;
}

/* --trace: reports a socket call of c's connection: r is its result or
 * -errno; ts NULL: now. */
static void call_ev(struct wire_http_client *c, const char *name, size_t asked, long long r,
                    const struct timespec *ts)
{
	if (!c->o->on_call)
		return;
	struct wire_http_call k = {.name = name,
	                           .fd = c->fd,
	                           .asked = asked,
	                           .ret = r < 0 ? -1 : r,
	                           .err = r < 0 ? (int)-r : 0};
	if (ts)
		k.ts = *ts;
	else
		clock_gettime(CLOCK_REALTIME, &k.ts);
	c->o->on_call(c->o->ctx, &k);
}

/* --trace: a read or write OpenSSL made on c's socket. */
static void tls_io(void *ctx, int write, size_t asked, long ret, int err, const struct timespec *t0)
{
	struct wire_http_client *c = ctx;
	call_ev(c, write ? "write" : "read", asked, err ? -(long long)err : ret, t0);
}

/* --trace: a connect() to a, its socket fd (or -1) and its result rc. */
static void connect_ev(struct wire_http_client *c, const struct addrinfo *a, int fd, int rc,
                       const struct timespec *ts)
{
	if (!c->o->on_call)
		return;
	struct wire_http_call k = {.name = "connect",
	                           .fd = fd,
	                           .addr = a->ai_addr,
	                           .addrlen = a->ai_addrlen,
	                           .ret = rc < 0 ? -1 : 0,
	                           .err = rc < 0 ? -rc : 0,
	                           .ts = *ts};
	c->o->on_call(c->o->ctx, &k);
}

static void conn_close(struct wire_http_client *c, const char *reason)
{
	if (c->fd < 0)
		return;
	if (reason)
		info(c, WIRE_HTTP_INFO, "Closing connection #%d (%s)", c->conn_id, reason);
	wire_tls_free(c->tls);
	c->tls = NULL;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	close(c->fd);
	call_ev(c, "close", 0, 0, &ts);
	c->fd = -1;
}

void wire_http_client_free(struct wire_http_client *c)
{
	if (!c)
		return;
	conn_close(c, NULL);
	wire_http_decoder_free(c->dec);
	wire_tls_ctx_free(c->tctx);
	free(c->buf);
	free(c->req);
	free(c);
}

/* Returns the milliseconds left before the deadline (-1: none, 0: passed). */
static int ms_left(const struct xfer *x)
{
	if (x->deadline <= 0)
		return -1;
	double l = (x->deadline - now()) * 1000.0;
	return l <= 0 ? 0 : l > 2e9 ? 2000000000 : (int)l + 1;
}

/* SSLKEYLOGFILE: the TLS secrets for Wireshark (a failure is only noted). */
static void keylog(struct wire_http_client *c)
{
	if (!c->o->keylog || !c->o->keylog[0])
		return;
	int rc = wire_tls_ctx_keylog(c->tctx, c->o->keylog);
	if (rc < 0)
		info(c, WIRE_HTTP_INFO, "SSLKEYLOGFILE %.400s: %s; TLS keys not logged",
		     c->o->keylog, strerror(-rc));
	else
		info(c, WIRE_HTTP_INFO, "TLS keys logged to %.400s (SSLKEYLOGFILE)", c->o->keylog);
}

static int conn_open(struct wire_http_client *c, const struct wire_url *u, struct xfer *x,
                     struct wire_http_result *res)
{
	const struct wire_http_opts *o = c->o;
	struct addrinfo *ai = NULL;
	int gai = 0;
	struct wire_http_target to;
	wire_http_route(o, u->host, u->port, &to);
	if (to.via)
		info(c, WIRE_HTTP_INFO, "Connecting to %s port %u for %s port %u (%s)", to.host,
		     (unsigned)to.port, u->host, (unsigned)u->port, to.via);
	int rc = wire_resolve(to.host, to.port, o->family, SOCK_STREAM, 0, &ai, &gai);
	if (rc < 0)
		return why(res, rc, "could not resolve host %s: %s", to.host, gai_strerror(gai));
	res->time_namelookup = now() - x->t0;
	rc = -ECONNREFUSED;
	char addr[WIRE_ADDRSTRLEN], host[WIRE_ADDRSTRLEN];
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		int t = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : -1;
		int l = ms_left(x);
		if (l == 0) {
			rc = -ETIMEDOUT;
			break;
		}
		if (l > 0 && (t < 0 || l < t))
			t = l;
		wire_addr_str(a->ai_addr, a->ai_addrlen, addr, sizeof(addr));
		info(c, WIRE_HTTP_INFO, "Trying %s...", addr);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		rc = wire_connect(a, NULL, t, &c->fd);
		connect_ev(c, a, rc == 0 ? c->fd : -1, rc, &ts);
		if (rc == 0) {
			wire_addr_host(a->ai_addr, a->ai_addrlen, host, sizeof(host));
			snprintf(c->peer, sizeof(c->peer), "%s", addr);
			snprintf(c->peer_ip, sizeof(c->peer_ip), "%s", host);
			c->peer_port = to.port;
			break;
		}
	}
	freeaddrinfo(ai);
	if (rc < 0) {
		c->fd = -1;
		if (rc == -ETIMEDOUT)
			return why(res, WIRE_E_TIMEOUT, "connect %s: timed out", addr);
		res->failed_connect = 1;
		return why(res, rc, "connect %s: %s", addr, strerror(-rc));
	}
	c->conn_id++;
	res->num_connects++;
	if (c->o->on_connected)
		c->o->on_connected(c->o->ctx, c->fd);
	snprintf(res->peer, sizeof(res->peer), "%s", c->peer);
	info(c, WIRE_HTTP_INFO, "Connected to %s (%s) port %u (#%d)", to.host, host,
	     (unsigned)to.port, c->conn_id);
	res->time_connect = now() - x->t0;
	if (u->tls) {
		char w[400];
		if (!c->tctx) {
			c->tctx = wire_tls_ctx_new(o->insecure, o->cacert, w, sizeof(w));
			if (!c->tctx) { /* a --cacert that cannot be loaded */
				conn_close(c, NULL);
				return why(res, WIRE_E_USAGE, "%s", w);
			}
			keylog(c);
			if (c->o->on_call)
				wire_tls_ctx_trace(c->tctx, tls_io, c);
		}
		int t = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : -1;
		int l = ms_left(x);
		if (l >= 0 && (t < 0 || l < t))
			t = l > 0 ? l : 1;
		rc = wire_tls_connect(c->tctx, c->fd, u->host, t, &c->tls, w, sizeof(w));
		if (rc < 0) {
			conn_close(c, NULL);
			if (rc != WIRE_E_TIMEOUT && rc != WIRE_E_TLS_VERIFY)
				rc = WIRE_E_TLS;
			return why(res, rc, "%s: %s", c->peer, w);
		}
		info(c, WIRE_HTTP_INFO, "TLS connection using %s",
		     wire_tls_describe(c->tls, w, sizeof(w)));
		info(c, WIRE_HTTP_INFO, "Server certificate %s",
		     wire_tls_peer(c->tls, w, sizeof(w)));
		if (o->insecure)
			info(c, WIRE_HTTP_INFO, "Certificate not verified (-k)");
		res->time_appconnect = now() - x->t0;
	}
	c->key_tls = u->tls;
	c->key_port = u->port;
	snprintf(c->key_host, sizeof(c->key_host), "%s", u->host);
	return 0;
}

/* Returns 1 when the n bytes at b, read while the request was still being
 * sent, hold the status line of a final answer of 300 or more (after any 1xx
 * heads): the server refuses the upload, so sending stops (as curl). */
static int early_refusal(const uint8_t *b, size_t n)
{
	size_t i = 0;
	while (n - i >= 13 && !memcmp(b + i, "HTTP/1.", 7) && b[i + 8] == ' ') {
		const uint8_t *d = b + i + 9;
		if (d[0] < '1' || d[0] > '9' || d[1] < '0' || d[1] > '9' || d[2] < '0' ||
		    d[2] > '9')
			return 0;
		if (d[0] != '1')
			return d[0] >= '3';
		size_t j = i; /* a 1xx head: skip to its blank line */
		while (j + 1 < n &&
		       !(b[j] == '\n' &&
		         (b[j + 1] == '\n' || (b[j + 1] == '\r' && j + 2 < n && b[j + 2] == '\n'))))
			j++;
		if (j + 1 >= n)
			return 0;
		i = j + (b[j + 1] == '\n' ? 2 : 3);
	}
	return 0;
}

/* Sends the request on plain TCP while watching for an early answer: bytes
 * the server sends meanwhile land in c->buf (c->pre of them). Returns 0 when
 * all was sent, SENT_PART when the server refused the upload (an answer of
 * 300 or more, or it closed), WIRE_E_TIMEOUT at the deadline, or -errno. */
#define SENT_PART 1
static int send_plain(struct wire_http_client *c, const uint8_t *p, size_t n, const struct xfer *x)
{
	while (n > 0) {
		short ev = (short)(POLLOUT | (c->pre < c->cap ? POLLIN : 0));
		struct pollfd pf = {.fd = c->fd, .events = ev};
		int r = poll(&pf, 1, ms_left(x));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? WIRE_E_TIMEOUT : -errno;
		if (pf.revents & POLLIN) {
			ssize_t k = recv(c->fd, c->buf + c->pre, c->cap - c->pre, MSG_DONTWAIT);
			int e = k < 0 ? errno : 0;
			if (k >= 0 || (e != EAGAIN && e != EINTR))
				call_ev(c, "recv", c->cap - c->pre, k < 0 ? -e : k, NULL);
			if (k == 0)
				return SENT_PART; /* the server closed: read what it said */
			if (k < 0 && e != EAGAIN && e != EINTR)
				return -e;
			if (k > 0) {
				c->pre += (size_t)k;
				if (early_refusal(c->buf, c->pre))
					return SENT_PART;
				continue;
			}
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		int e = w < 0 ? errno : 0;
		call_ev(c, "send", n, w < 0 ? -e : w, &ts);
		if (w < 0)
			return -e;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Sends the request. Returns 0, SENT_PART, or an error (see send_plain). */
static int send_all(struct wire_http_client *c, const uint8_t *p, size_t n, const struct xfer *x)
{
	c->pre = 0;
	return c->tls ? wire_tls_write(c->tls, p, n) : send_plain(c, p, n, x);
}

/* Reads into p. Returns bytes (0 at close), -errno, WIRE_E_TLS or WIRE_E_TIMEOUT. */
static long recv_some(struct wire_http_client *c, uint8_t *p, size_t n, struct xfer *x)
{
	if (x->deadline > 0 && !(c->tls && wire_tls_pending(c->tls) > 0)) {
		struct pollfd pf = {.fd = c->fd, .events = POLLIN};
		for (;;) {
			int l = ms_left(x);
			if (l == 0)
				return WIRE_E_TIMEOUT;
			int r = poll(&pf, 1, l);
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0)
				return WIRE_E_TIMEOUT;
			break;
		}
	}
	if (c->tls)
		return wire_tls_read(c->tls, p, n);
	for (;;) {
		ssize_t r = recv(c->fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		long v = r < 0 ? -errno : (long)r;
		call_ev(c, "recv", n, v, NULL);
		return v;
	}
}

static int is_redirect(int st)
{
	return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* Reports each line of a head as '<' events. */
static void head_lines(struct wire_http_client *c, const struct wire_http_head *h)
{
	if (!c->o->on_info)
		return;
	size_t i = 0;
	while (i < h->len) {
		const uint8_t *nl = memchr(h->raw + i, '\n', h->len - i);
		size_t e = nl ? (size_t)(nl - h->raw) : h->len;
		size_t l = e - i;
		if (l && h->raw[i + l - 1] == '\r')
			l--;
		if (l)
			c->o->on_info(c->o->ctx, WIRE_HTTP_RECV, (const char *)h->raw + i, l);
		i = e + 1;
	}
}

static void req_lines(struct wire_http_client *c, const char *p, size_t n)
{
	if (!c->o->on_info)
		return;
	size_t i = 0;
	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - p) : n;
		size_t l = e - i;
		if (l && p[i + l - 1] == '\r')
			l--;
		if (l)
			c->o->on_info(c->o->ctx, WIRE_HTTP_SENT, p + i, l);
		i = e + 1;
	}
}

/* --compressed: sets up the decoder for the final head h. Returns 0 or an
 * error (an encoding that is not gzip or deflate, as curl's exit 61). */
static int decoder_for(struct wire_http_client *c, const struct wire_http_head *h, int head_req,
                       struct wire_http_result *res)
{
	const struct wire_http_opts *o = c->o;
	wire_http_decoder_free(c->dec);
	c->dec = NULL;
	if (!o->compressed || head_req || o->on_raw || !o->on_body)
		return 0;
	int kind = wire_http_encoding(h);
	if (kind == WIRE_HTTP_ENC_NONE)
		return 0;
	if (kind == WIRE_HTTP_ENC_UNKNOWN) {
		const struct wire_http_header *ce = wire_http_find(h, "content-encoding");
		res->failed_decode = 1;
		return why(res, WIRE_E_MALFORMED, "unsupported Content-Encoding \"%.*s\"",
		           (int)(ce->value_len > 100 ? 100 : ce->value_len),
		           (const char *)ce->value);
	}
	c->dec = wire_http_decoder_new(kind);
	return c->dec ? 0 : why(res, -ENOMEM, "out of memory");
}

/* Passes body bytes on, decoded with --compressed. Returns 0 or an error. */
static int deliver(struct wire_http_client *c, const uint8_t *d, size_t dl,
                   struct wire_http_result *res)
{
	const struct wire_http_opts *o = c->o;
	if (!o->on_body)
		return 0;
	int rc = c->dec ? wire_http_inflate(c->dec, d, dl, o->on_body, o->ctx, res->why,
	                                    sizeof(res->why))
	                : o->on_body(o->ctx, d, dl);
	if (rc == WIRE_E_MALFORMED) {
		res->failed_decode = 1;
		return rc;
	}
	return rc < 0 ? why(res, rc, "write output: %s", strerror(-rc)) : 0;
}

/* Keeps the final head's Content-Type for -w (control bytes as '?'). */
static void content_type(const struct wire_http_head *h, struct wire_http_result *res)
{
	const struct wire_http_header *ct = wire_http_find(h, "content-type");
	size_t n = 0;
	for (; ct && n < ct->value_len && n + 1 < sizeof(res->content_type); n++) {
		uint8_t b = ct->value[n];
		res->content_type[n] = b < 0x20 || b == 0x7f ? '?' : (char)b;
	}
	res->content_type[n] = 0;
}

/* At the end of a body: a compressed stream must be complete. */
static int decode_end(struct wire_http_client *c, struct wire_http_result *res)
{
	int rc = c->dec ? wire_http_inflate_end(c->dec, res->why, sizeof(res->why)) : 0;
	if (rc < 0)
		res->failed_decode = 1;
	return rc;
}

/* Returns 1 when a failed send (err) may still have a response waiting in
 * the receive queue: the server answered early and reset the connection
 * (over TLS too: the records already received still decrypt). */
static int early_answer_possible(int err)
{
	return err == -ECONNRESET || err == -EPIPE;
}

/* One request and its response on the (possibly reused) connection. Sets
 * *redirect when a redirect is to be followed (c->loc holds the target). */
static int exchange(struct wire_http_client *c, const char *url, const struct wire_url *u,
                    const char *method, int with_body, int with_auth, struct xfer *x,
                    struct wire_http_result *res, int *redirect)
{
	const struct wire_http_opts *o = c->o;
	int head_req = !strcmp(method, "HEAD");
	*redirect = 0;
	if (c->fd >= 0 &&
	    (c->key_tls != u->tls || c->key_port != u->port || strcmp(c->key_host, u->host) != 0))
		conn_close(c, "another host");
	size_t need = REQ_HEAD_MAX + (with_body ? o->data_len : 0);
	if (c->reqcap < need) {
		free(c->req);
		c->req = malloc(need);
		c->reqcap = c->req ? need : 0;
		if (!c->req)
			return why(res, -ENOMEM, "out of memory");
	}
	int hl = build_head(o, u, method, with_body, with_auth, (char *)c->req, REQ_HEAD_MAX);
	if (hl < 0)
		return why(res, hl, "cannot build the request for %s", url);
	size_t rl = (size_t)hl;
	if (with_body && o->data_len) {
		memcpy(c->req + rl, o->data, o->data_len);
		rl += o->data_len;
	}
	for (int attempt = 0;; attempt++) {
		int reused = c->fd >= 0;
		int rc;
		if (reused) {
			info(c, WIRE_HTTP_INFO, "Re-using existing connection #%d to %s",
			     c->conn_id, c->peer);
		} else {
			rc = conn_open(c, u, x, res);
			if (rc < 0)
				return rc;
		}
		snprintf(res->peer, sizeof(res->peer), "%s", c->peer);
		snprintf(res->remote_ip, sizeof(res->remote_ip), "%s", c->peer_ip);
		res->remote_port = c->peer_port;
		req_lines(c, (const char *)c->req, (size_t)hl);
		res->time_pretransfer = now() - x->t0;
		rc = send_all(c, c->req, rl, x);
		if (rc == 0)
			res->size_request += rl;
		if (rc < 0 && reused && attempt == 0) {
			conn_close(c, "the server closed it; reconnecting");
			continue;
		}
		/* an early answer (401, 413...) before a reset: read what came */
		int send_err = rc < 0 && early_answer_possible(rc) ? rc : 0;
		if (rc == WIRE_E_TIMEOUT) {
			conn_close(c, NULL);
			return why(res, rc,
			           "operation timed out after %d ms while sending the request",
			           o->max_time_ms);
		}
		if (rc < 0 && !send_err) {
			conn_close(c, NULL);
			return why(res, rc, "send to %s: %s", c->peer,
			           rc == WIRE_E_TLS ? "TLS error" : strerror(-rc));
		}
		if (send_err)
			info(c, WIRE_HTTP_INFO, "send: %s; reading the server's answer",
			     strerror(-send_err));
		else if (rc == SENT_PART && c->pre)
			info(c, WIRE_HTTP_INFO,
			     "The server answered before the request was sent "
			     "whole; stop sending");
		int cut = send_err || rc == SENT_PART; /* the request was not sent whole */
		size_t pre = c->pre;                   /* answer bytes already in buf */
		struct wire_http_parser *ps = &c->ps;
		wire_http_parser_init(ps, head_req);
		size_t start = 0, end = 0; /* unparsed bytes in buf[start..end) */
		uint64_t got = 0;          /* bytes received for this response */
		int skip_body = 0, finished = 0, retry = 0, in_body = 0;
		while (!finished) {
			if (start == end) {
				start = end = 0;
			} else if (end == c->cap) { /* an incomplete head at the end */
				memmove(c->buf, c->buf + start, end - start);
				end -= start;
				start = 0;
			}
			long n = pre ? (long)pre : recv_some(c, c->buf + end, c->cap - end, x);
			pre = 0;
			if (n == WIRE_E_TIMEOUT) {
				conn_close(c, NULL);
				return why(
				    res, WIRE_E_TIMEOUT,
				    "operation timed out after %d ms with %llu bytes received",
				    o->max_time_ms, (unsigned long long)got);
			}
			if (n < 0 && send_err && got > 0)
				n = 0; /* the reset after an early answer ends it */
			if (n <= 0 && send_err && got == 0) {
				conn_close(c, NULL);
				return why(res, send_err, "send to %s: %s", c->peer,
				           strerror(-send_err));
			}
			if (n < 0 && !(got == 0 && reused && attempt == 0 && n == -ECONNRESET)) {
				conn_close(c, NULL);
				return why(res, (int)n, "recv from %s: %s", c->peer,
				           n == WIRE_E_TLS ? "TLS error" : strerror((int)-n));
			}
			if (n <= 0) {
				if (got == 0 && reused && attempt == 0) {
					retry = 1;
					break;
				}
				conn_close(c, NULL);
				rc = wire_http_parse_eof(ps);
				if (rc == 0)
					break;
				/* a bad head is never passed on as body */
				res->failed_in_head = !in_body;
				if (rc == WIRE_E_CLOSED)
					return why(res, rc, "empty reply from %s", c->peer);
				return why(res, rc, "malformed response from %s: %s", c->peer,
				           ps->why);
			}
			if (got == 0)
				res->time_starttransfer = now() - x->t0;
			got += (uint64_t)n;
			if (o->on_raw && (rc = o->on_raw(o->ctx, c->buf + end, (size_t)n)) < 0) {
				conn_close(c, NULL);
				return why(res, rc, "write output: %s", strerror(-rc));
			}
			end += (size_t)n;
			for (;;) {
				size_t used;
				const uint8_t *d;
				size_t dl;
				int ev = wire_http_parse(ps, c->buf + start, end - start, &used, &d,
				                         &dl);
				if (ev < 0) {
					conn_close(c, NULL);
					res->failed_in_head = !in_body;
					return why(res, ev, "malformed response from %s: %s",
					           c->peer, ps->why);
				}
				start += used;
				if (ev == WIRE_HTTP_HEAD) {
					const struct wire_http_head *h = &ps->head;
					head_lines(c, h);
					res->size_header += h->len;
					res->status = h->status;
					res->content_length = ps->content_length;
					int final = 1;
					if (!ps->interim && o->follow && is_redirect(h->status)) {
						const struct wire_http_header *l =
						    wire_http_find(h, "location");
						if (l) {
							int r = wire_url_resolve(
							    url, l->value, l->value_len, c->loc,
							    sizeof(c->loc));
							if (r < 0) {
								conn_close(c, NULL);
								return why(res, WIRE_E_MALFORMED,
								           "malformed response "
								           "from %s: bad Location",
								           c->peer);
							}
							*redirect = 1;
							skip_body = 1;
							final = 0;
						}
					}
					if (ps->interim)
						final = 0;
					else
						in_body = 1;
					if (o->on_head && (rc = o->on_head(o->ctx, h, final)) < 0) {
						conn_close(c, NULL);
						return why(res, rc, "write output: %s",
						           strerror(-rc));
					}
					if (final)
						content_type(h, res);
					if (final && (rc = decoder_for(c, h, head_req, res)) < 0) {
						conn_close(c, NULL);
						return rc;
					}
				} else if (ev == WIRE_HTTP_DATA) {
					if (!skip_body) {
						res->size_download += dl;
						if ((rc = deliver(c, d, dl, res)) < 0) {
							conn_close(c, NULL);
							return rc;
						}
					}
				} else if (ev == WIRE_HTTP_DONE) {
					finished = 1;
					break;
				} else {
					break; /* NEED */
				}
			}
		}
		if (retry) {
			conn_close(c, "the server closed it; reconnecting");
			continue;
		}
		if ((rc = decode_end(c, res)) < 0) {
			conn_close(c, NULL);
			return rc;
		}
		if (c->fd >= 0 && cut)
			conn_close(c, "the request was not sent whole");
		else if (c->fd >= 0 && (!ps->keepalive || start != end))
			conn_close(c, start != end ? "extra bytes after the response"
			                           : "server asked");
		else if (c->fd >= 0)
			info(c, WIRE_HTTP_INFO, "Connection #%d to %s left intact", c->conn_id,
			     c->peer);
		return 0;
	}
}

int wire_http_get(struct wire_http_client *c, const char *url, struct wire_http_result *res)
{
	const struct wire_http_opts *o = c->o;
	struct xfer x;
	memset(res, 0, sizeof(*res));
	res->content_length = UINT64_MAX;
	x.t0 = now();
	x.deadline = o->max_time_ms > 0 ? x.t0 + o->max_time_ms / 1000.0 : 0;
	char cur[WIRE_HTTP_URL_MAX];
	struct wire_url *u = malloc(sizeof(*u));
	if (!u)
		return why(res, -ENOMEM, "out of memory");
	snprintf(cur, sizeof(cur), "%s", url);
	const char *method = method_of(o);
	int with_body = o->data != NULL;
	char first_host[256];
	uint16_t first_port = 0;
	int first_tls = 0, rc;
	for (;;) {
		rc = wire_url_parse(cur, strlen(cur), u);
		if (rc < 0) {
			rc = why(res, res->redirects ? WIRE_E_MALFORMED : WIRE_E_USAGE,
			         "%s URL \"%.300s\"", res->redirects ? "bad redirect" : "bad", cur);
			break;
		}
		if (res->redirects == 0) {
			snprintf(first_host, sizeof(first_host), "%s", u->host);
			first_port = u->port;
			first_tls = u->tls;
		}
		int with_auth =
		    !strcmp(first_host, u->host) && first_port == u->port && first_tls == u->tls;
		int redirect = 0;
		res->size_download = 0;
		/* the base for a relative Location: the URL in full (it may lack a scheme) */
		char base[WIRE_HTTP_URL_MAX + 300];
		if (!wire_url_format(u, base, sizeof(base))) {
			rc = why(res, WIRE_E_USAGE, "URL too long");
			break;
		}
		snprintf(res->url_effective, sizeof(res->url_effective), "%s", base);
		if (res->redirects)
			res->time_redirect = now() - x.t0;
		res->content_type[0] = 0;
		rc = exchange(c, base, u, method, with_body, with_auth, &x, res, &redirect);
		if (rc < 0 || !redirect)
			break;
		if (o->max_redirs >= 0 && res->redirects >= o->max_redirs) {
			rc = why(res, -ELOOP, "maximum (%d) redirects followed", o->max_redirs);
			break;
		}
		res->redirects++;
		if ((res->status == 303 && strcmp(method, "HEAD") != 0) ||
		    ((res->status == 301 || res->status == 302) && !strcmp(method, "POST"))) {
			if (!o->method || res->status == 303)
				method = "GET";
			with_body = 0;
		}
		info(c, WIRE_HTTP_INFO, "Following redirect to %s", c->loc);
		snprintf(cur, sizeof(cur), "%s", c->loc);
	}
	free(u);
	res->time_total = now() - x.t0;
	return rc;
}
