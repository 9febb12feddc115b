/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * HTTP/1.1 client core (RFC 9110, RFC 9112; URLs after RFC 3986): an
 * incremental, zero-copy response parser that reports the head and body
 * spans pointing into the caller's buffer and is correct whatever the split
 * of the input; URL parsing and relative reference resolution; and a client
 * that builds requests, keeps one keep-alive connection, follows redirects,
 * and speaks TLS through src/core/http/tls.c. The core never prints: events,
 * heads and body bytes go to callbacks, errors come back as codes plus one
 * line of text in the result.
 */
#ifndef WIRE_HTTP_H
#define WIRE_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "wire/limits.h"
#include "wire/sock.h"

/* ---- response parser ---------------------------------------------------- */

struct wire_http_header {
	const uint8_t *name;
	size_t name_len;
	const uint8_t *value; /* without surrounding whitespace */
	size_t value_len;
};

/* A parsed response head. Pointers point into the buffer handed to
 * wire_http_parse() and are valid while those bytes stay in place. */
struct wire_http_head {
	int minor;  /* HTTP/1.minor */
	int status; /* 100..999 */
	const uint8_t *reason;
	size_t reason_len;
	const uint8_t *raw; /* the whole head, status line to blank line */
	size_t len;
	size_t nhdr;
	struct wire_http_header hdr[WIRE_HTTP_HEADER_LINES_MAX];
};

enum wire_http_framing {
	WIRE_HTTP_NOBODY,  /* HEAD, 1xx, 204, 304 */
	WIRE_HTTP_LENGTH,  /* Content-Length */
	WIRE_HTTP_CHUNKED, /* Transfer-Encoding: chunked */
	WIRE_HTTP_CLOSE,   /* read until the server closes */
};

/* Events returned by wire_http_parse(). */
enum wire_http_event {
	WIRE_HTTP_NEED = 0, /* every usable byte used; feed more */
	WIRE_HTTP_HEAD = 1, /* a head is in parser.head (interim 1xx: more follow) */
	WIRE_HTTP_DATA = 2, /* body bytes at *data, *dlen (inside the input) */
	WIRE_HTTP_DONE = 3, /* the response is complete */
};

struct wire_http_parser {
	int head_request; /* the request was HEAD: no body whatever the headers say */
	int state;
	size_t scan;       /* head bytes scanned for the blank line */
	int scan_nl;       /* newline state of that scan */
	size_t seen;       /* bytes offered while reading the head */
	int interim;       /* the last head was a 1xx that another head follows */
	unsigned interims; /* 1xx heads so far (at most WIRE_HTTP_HEADER_LINES_MAX) */
	enum wire_http_framing framing;
	int keepalive;           /* the connection may be reused after this response */
	uint64_t content_length; /* UINT64_MAX when unknown */
	uint64_t left;           /* bytes left in the body or in the current chunk */
	uint64_t body_bytes;     /* decoded body bytes delivered so far */
	uint64_t chunk;          /* chunk size being read */
	unsigned digits;         /* hex digits of that size */
	size_t line_bytes;       /* bytes of the current chunk-size/trailer line */
	size_t trailer_bytes;
	unsigned trailer_lines;
	size_t nbad;
	char bad[24];  /* the offending chunk-size text, for the message */
	char why[200]; /* one line saying what was wrong, after an error */
	struct wire_http_head head;
};

/* Prepares a parser for one response; head_request says the request was HEAD. */
void wire_http_parser_init(struct wire_http_parser *ps, int head_request);

/* Parses the n bytes at p, the unused rest of the earlier input followed by
 * newly arrived bytes. Sets *used to the bytes consumed (the caller drops
 * them before the next call; while a head is incomplete *used is 0 and the
 * caller must keep the bytes). Returns an event (>= 0): WIRE_HTTP_NEED
 * (complete for now, need more), WIRE_HTTP_HEAD, WIRE_HTTP_DATA with
 * *data and *dlen, WIRE_HTTP_DONE; or a negative error (WIRE_E_MALFORMED,
 * WIRE_E_TOOBIG) with ps->why set. */
int wire_http_parse(struct wire_http_parser *ps, const uint8_t *p, size_t n, size_t *used,
                    const uint8_t **data, size_t *dlen);

/* Tells the parser the peer closed the connection. Returns 0 when that ends
 * the response (read-until-close, or already complete), WIRE_E_CLOSED when no
 * byte of the response arrived, WIRE_E_TRUNCATED when it was cut short, or
 * WIRE_E_MALFORMED (bad chunk size seen before the close); ps->why is set. */
int wire_http_parse_eof(struct wire_http_parser *ps);

/* Returns the first header named name (case-insensitive) or NULL. */
const struct wire_http_header *wire_http_find(const struct wire_http_head *h, const char *name);

/* ---- Content-Encoding (src/core/http/decode.c, the only file using zlib) -- */

enum wire_http_encoding {
	WIRE_HTTP_ENC_NONE,    /* no Content-Encoding, or identity */
	WIRE_HTTP_ENC_GZIP,    /* gzip, x-gzip */
	WIRE_HTTP_ENC_DEFLATE, /* deflate (zlib format, or raw deflate) */
	WIRE_HTTP_ENC_UNKNOWN, /* anything else (br, several codings...) */
};

struct wire_http_decoder;

/* Returns the head's Content-Encoding as a WIRE_HTTP_ENC_* value. */
int wire_http_encoding(const struct wire_http_head *h);
/* Returns a decoder for kind (GZIP or DEFLATE), or NULL when out of memory. */
struct wire_http_decoder *wire_http_decoder_new(int kind);
void wire_http_decoder_free(struct wire_http_decoder *d);
/* Decodes the n bytes at p, passing the output to out(ctx, ...) in pieces of
 * at most WIRE_HTTP_DECODE_CHUNK bytes. Returns 0, out's negative error, or
 * WIRE_E_MALFORMED with why set (bad compressed data). */
int wire_http_inflate(struct wire_http_decoder *d, const uint8_t *p, size_t n,
                      int (*out)(void *ctx, const uint8_t *p, size_t n), void *ctx, char *why,
                      size_t wn);
/* At the end of the body: returns 0, or WIRE_E_TRUNCATED with why set when
 * the compressed data stopped before its end. */
int wire_http_inflate_end(const struct wire_http_decoder *d, char *why, size_t wn);

/* ---- URLs --------------------------------------------------------------- */

struct wire_url {
	int tls;        /* https */
	int ipv6;       /* the host is an IPv6 literal (written in brackets) */
	uint16_t port;  /* given or the scheme's default */
	int port_given; /* the URL named a port */
	int has_user;   /* userinfo present (user, pass percent-decoded) */
	char user[256];
	char pass[256];
	char host[256];                 /* without brackets, lower case */
	char target[WIRE_HTTP_URL_MAX]; /* path and query as given, "/" when empty */
};

/* Parses an absolute http:// or https:// URL (no scheme means http). The
 * fragment is dropped. Returns 0 or WIRE_E_USAGE (bad or unsupported URL). */
int wire_url_parse(const char *s, size_t n, struct wire_url *u);

/* Writes "host[:port]" for the Host header (port only when not the default,
 * brackets for IPv6) into out. Returns the length, or 0 when it does not fit. */
size_t wire_url_authority(const struct wire_url *u, char *out, size_t n);

/* Writes u back as an absolute URL into out. Returns the length or 0. */
size_t wire_url_format(const struct wire_url *u, char *out, size_t n);

/* Resolves the reference ref (rlen bytes, e.g. a Location value) against the
 * absolute URL base (RFC 3986 section 5.2, with remove_dot_segments) into
 * out as a NUL-terminated string. Spaces and bytes >= 0x7f are
 * percent-encoded. Returns the length, or WIRE_E_MALFORMED (control bytes,
 * no base scheme) or WIRE_E_TOOBIG (longer than n - 1). */
int wire_url_resolve(const char *base, const uint8_t *ref, size_t rlen, char *out, size_t n);

/* ---- client ------------------------------------------------------------- */

/* Kinds of text events for the verbose log. */
enum wire_http_info {
	WIRE_HTTP_INFO = '*', /* connection events, TLS details */
	WIRE_HTTP_SENT = '>', /* one request header line (no line end) */
	WIRE_HTTP_RECV = '<', /* one response header line (received bytes, unescaped) */
};

/* A --resolve or --connect-to entry (src/core/http/route.c). */
struct wire_http_route {
	char host[256]; /* lower case, no brackets; "" matches any host */
	int port;       /* -1 matches any port */
	char to[256];   /* --resolve: the address; --connect-to: CHOST ("" keeps it) */
	int to_port;    /* --connect-to: CPORT (-1 keeps the port) */
};

/* Parses "HOST:PORT:ADDR" (ADDR a numeric IPv4 or IPv6 address, brackets
 * allowed). Returns 0 or WIRE_E_USAGE. */
int wire_http_parse_resolve(const char *s, struct wire_http_route *r);
/* Parses "HOST:PORT:CHOST:CPORT" (any field may be empty). Returns 0 or
 * WIRE_E_USAGE. */
int wire_http_parse_connect_to(const char *s, struct wire_http_route *r);

/* One socket call of the client, reported for --trace (on_call). Over TLS
 * the reads and writes are those OpenSSL makes on the socket ("read",
 * "write": the records, the handshake's included). */
struct wire_http_call {
	const char *name;            /* "connect", "send", "recv", "read", "write" or "close" */
	int fd;                      /* -1: a connect that failed (its socket is closed) */
	const struct sockaddr *addr; /* connect: the address */
	socklen_t addrlen;
	size_t asked;       /* send, recv: the size given */
	long long ret;      /* the result (err 0) */
	int err;            /* errno, or 0 */
	struct timespec ts; /* CLOCK_REALTIME: before connect and send, after recv and close */
};

struct wire_http_opts {
	const char *method;  /* NULL: GET, HEAD with head, POST with data */
	int head;            /* -I */
	const uint8_t *data; /* request body, or NULL */
	size_t data_len;
	int form;                   /* -d: default Content-Type form-urlencoded */
	const char *const *headers; /* "Name: value", "Name:" removes, "Name;" empty */
	size_t nheaders;
	const char *user_agent; /* NULL: wirecat/VERSION */
	const char *userpwd;    /* -u user:password, or NULL */
	int follow;             /* -L */
	int max_redirs;         /* -1: unlimited */
	int connect_timeout_ms; /* <= 0: none */
	int max_time_ms;        /* <= 0: none (per URL, redirects included) */
	int family;             /* AF_UNSPEC, AF_INET, AF_INET6 */
	int insecure;           /* -k */
	const char *cacert;     /* --cacert FILE */
	const char *keylog;     /* SSLKEYLOGFILE, or NULL */
	size_t bufsize;         /* receive buffer; 0: default */
	int compressed;         /* --compressed: ask for gzip/deflate and decode it */
	const struct wire_http_route *resolve; /* --resolve entries */
	size_t nresolve;
	const struct wire_http_route *connect_to; /* --connect-to entries */
	size_t nconnect_to;
	void *ctx;
	/* Each callback returns 0, or a negative error that stops the transfer. */
	void (*on_info)(void *ctx, int kind, const char *p, size_t n);
	int (*on_head)(void *ctx, const struct wire_http_head *h, int final);
	int (*on_body)(void *ctx, const uint8_t *p, size_t n);
	int (*on_raw)(void *ctx, const uint8_t *p, size_t n); /* every byte read, when set */
	/* A new connection's socket, right after connect() and before any byte
	 * is sent (--trace follows it by its own port); may be NULL. */
	void (*on_connected)(void *ctx, int fd);
	/* Each socket call (struct wire_http_call); may be NULL. */
	void (*on_call)(void *ctx, const struct wire_http_call *k);
};

/* Where a connection for a URL's host and port goes after --connect-to
 * then --resolve (wire_http_route()). */
struct wire_http_target {
	char host[256];
	uint16_t port;
	const char *via; /* NULL, or the option that changed it */
};

void wire_http_route(const struct wire_http_opts *o, const char *host, uint16_t port,
                     struct wire_http_target *t);

struct wire_http_result {
	int status;              /* final status (0 when none) */
	uint64_t size_download;  /* body bytes of the final response */
	uint64_t content_length; /* UINT64_MAX when unknown */
	double time_namelookup;  /* seconds from the start of the URL */
	double time_connect;     /* TCP connected */
	double time_appconnect;  /* TLS handshake done (0 without TLS) */
	double time_pretransfer; /* the last request about to be sent */
	double time_starttransfer;
	double time_redirect; /* redirects followed before the last request */
	double time_total;
	int redirects;
	int num_connects;                            /* new connections made */
	uint64_t size_header;                        /* bytes of every response head */
	uint64_t size_request;                       /* bytes of every request sent */
	char url_effective[WIRE_HTTP_URL_MAX + 300]; /* the last URL (after -L) */
	char content_type[256];                      /* of the final response, or "" */
	char remote_ip[WIRE_ADDRSTRLEN];             /* "127.0.0.1", "::1" */
	int remote_port;
	int failed_in_head;         /* the error came before a complete head */
	int failed_connect;         /* the error came from connect() (curl's exit 7) */
	int failed_decode;          /* bad or cut gzip/deflate data (curl's exit 61) */
	char peer[WIRE_ADDRSTRLEN]; /* "127.0.0.1:8080" */
	char why[512];              /* one line after an error */
};

struct wire_http_client;

/* Returns a new client for the options (copied by reference: they must
 * outlive the client), or NULL when out of memory. */
struct wire_http_client *wire_http_client_new(const struct wire_http_opts *o);
/* Closes the connection and frees the client. */
void wire_http_client_free(struct wire_http_client *c);
/* Fetches url (following redirects with opts.follow), reusing the open
 * connection when scheme, host and port match. Returns 0 or a negative error
 * (WIRE_E_USAGE bad URL, -errno, WIRE_E_RESOLVE, WIRE_E_TIMEOUT, WIRE_E_TLS,
 * WIRE_E_MALFORMED, WIRE_E_TOOBIG, WIRE_E_TRUNCATED, WIRE_E_CLOSED) with
 * res->why set. */
int wire_http_get(struct wire_http_client *c, const char *url, struct wire_http_result *res);

/* Builds the request for url into out (a NUL is not added). Returns the
 * length, or WIRE_E_USAGE (bad URL, bad header) or WIRE_E_TOOBIG. */
int wire_http_build(const struct wire_http_opts *o, const char *url, uint8_t *out, size_t n);

/* wire_tls_connect()'s code when the certificate or name did not verify: a
 * WIRE_E_TLS kept apart so that the command can exit as curl does (60). */
#define WIRE_E_TLS_VERIFY (-5101)

/* ---- TLS (src/core/http/tls.c, the only file using OpenSSL) -------------- */

struct wire_tls_ctx;
struct wire_tls;

/* Returns a TLS client context verifying against the system store (or cacert
 * when not NULL; nothing with insecure), or NULL with why set. */
struct wire_tls_ctx *wire_tls_ctx_new(int insecure, const char *cacert, char *why, size_t n);
void wire_tls_ctx_free(struct wire_tls_ctx *x);
/* --trace: each read or write OpenSSL makes on the socket (the TLS
 * records, the handshake's included): write 1 for a write, asked the size
 * given, ret the bytes (0: the peer closed) or -1 with err (EAGAIN: nothing
 * yet on the non-blocking socket), t0 when a write began (NULL for a read:
 * now). */
typedef void (*wire_tls_io_cb)(void *ctx, int write, size_t asked, long ret, int err,
                               const struct timespec *t0);
/* Reports the socket reads and writes of the connections made after it to
 * cb (NULL: none). */
void wire_tls_ctx_trace(struct wire_tls_ctx *x, wire_tls_io_cb cb, void *ctx);
/* Appends the secrets of every later handshake to path in the NSS key log
 * format (SSLKEYLOGFILE: CLIENT_RANDOM, CLIENT_TRAFFIC_SECRET_0...), so
 * that Wireshark can decrypt a capture. Returns 0 or -errno. */
int wire_tls_ctx_keylog(struct wire_tls_ctx *x, const char *path);
/* Runs the handshake on the connected blocking fd for host (SNI unless an IP
 * literal; verified name or address). Returns 0 with *t, WIRE_E_TLS (why
 * says what failed), WIRE_E_TLS_VERIFY (the certificate or name did not
 * verify), or WIRE_E_TIMEOUT. */
int wire_tls_connect(struct wire_tls_ctx *x, int fd, const char *host, int timeout_ms,
                     struct wire_tls **t, char *why, size_t n);
/* Returns bytes read (0 at a close), or WIRE_E_TLS / -errno. */
long wire_tls_read(struct wire_tls *t, void *p, size_t n);
/* Returns 0 when all n bytes were written, or WIRE_E_TLS / -errno. */
int wire_tls_write(struct wire_tls *t, const void *p, size_t n);
/* Returns the bytes buffered inside TLS, readable without waiting. */
int wire_tls_pending(struct wire_tls *t);
/* Writes "TLSv1.3 / TLS_AES_256_GCM_SHA384" style text. Returns out. */
const char *wire_tls_describe(struct wire_tls *t, char *out, size_t n);
/* Writes the peer certificate's subject and issuer. Returns out. */
const char *wire_tls_peer(struct wire_tls *t, char *out, size_t n);
/* Sends close_notify (best effort) and frees t. */
void wire_tls_free(struct wire_tls *t);

#endif
