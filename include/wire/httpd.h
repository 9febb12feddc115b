/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small HTTP/1.1 server on the event loop (wire/loop.h), for `wirecat
 * view`. It serves GET and HEAD only (405 for any other method), a request
 * head of at most WIRE_HTTPD_HEAD_MAX bytes (431 past it, 400 when it cannot
 * be read), no request body (a Content-Length other than 0 or any
 * Transfer-Encoding: 400), keep-alive (HTTP/1.1 by default, 1.0 with
 * Connection: keep-alive), at most WIRE_HTTPD_CLIENTS_MAX connections, and
 * closes a connection whose head does not arrive whole within
 * WIRE_HTTPD_HEAD_MS (slowloris), that idles past WIRE_HTTPD_IDLE_MS or that
 * does not read its response within WIRE_HTTPD_SEND_MS. After an error
 * response the connection is closed. What to answer is the handler's
 * business: it gets the path and the query (never the file system) and
 * writes a body; every response carries Content-Type, Content-Length,
 * Cache-Control: no-store, X-Content-Type-Options: nosniff and the
 * Content-Security-Policy given at creation.
 */
#ifndef WIRE_HTTPD_H
#define WIRE_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include "wire/limits.h"
#include "wire/loop.h"
#include "wire/sink.h"

struct wire_httpd_req {
	int head;                              /* HEAD: the response without its body */
	int keep_alive;                        /* the connection stays open after the response */
	char path[WIRE_HTTPD_TARGET_MAX + 1];  /* the target up to '?', NUL-ended */
	char query[WIRE_HTTPD_TARGET_MAX + 1]; /* after '?' (still %-encoded), or "" */
};

/* Parses the request head at the start of p (n bytes). Returns the head's
 * length (> 0) with *rq filled, 0 when more bytes are needed (n below
 * WIRE_HTTPD_HEAD_MAX), or minus the status to answer: -400 malformed, -405
 * not GET or HEAD, -414 target too long, -431 head or header lines too many,
 * -505 not HTTP/1.x. */
int wire_httpd_parse(const uint8_t *p, size_t n, struct wire_httpd_req *rq);

/* Decodes the query parameter name (%XX and '+') into out (size n, NUL-ended).
 * Returns its length, -1 when absent, or -2 when it is there but cannot be
 * used (longer than out holds, a bad %XX, a NUL): the caller answers 400
 * rather than take it as absent. */
int wire_httpd_param(const char *query, const char *name, char *out, size_t n);

struct wire_httpd_resp {
	int status;             /* 200 unless the handler sets another */
	const char *type;       /* Content-Type, "application/json" unless set */
	struct wire_sink *body; /* the handler writes the body here (bounded) */
};

/* Answers rq by writing into rs. Returns 0, or minus a status (-404...) for
 * an error response whose body the server writes. */
typedef int (*wire_httpd_handler)(void *ud, const struct wire_httpd_req *rq,
                                  struct wire_httpd_resp *rs);

struct wire_httpd;

/* Serves on the listening socket fd (taken over; made non-blocking) on loop l.
 * csp is the Content-Security-Policy header's value (kept by reference).
 * Returns 0 and *hp, or -errno. */
int wire_httpd_new(struct wire_httpd **hp, struct wire_loop *l, int fd, const char *csp,
                   wire_httpd_handler h, void *ud);
/* Closes every connection and the listening socket. */
void wire_httpd_free(struct wire_httpd *h);
/* Connections open now (for tests and -v). */
unsigned wire_httpd_clients(const struct wire_httpd *h);

#endif
