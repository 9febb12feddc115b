/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The view server's HTTP/1.1 connections on the event loop (wire/httpd.h).
 * Each connection holds at most one request head (WIRE_HTTPD_HEAD_MAX bytes)
 * and one response: while a response is being sent the connection is not
 * read, so a pipelining client is served one request at a time in bounded
 * memory. After an error response the write side is shut and what the
 * client still sends is read and dropped until it closes (or the head
 * deadline passes), so that it sees the status rather than a reset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire/buf.h"
#include "wire/httpd.h"
#include "wire/sock.h"

#define SWEEP_MS 250

enum cstate { C_READ, C_SEND, C_DRAIN };

struct client {
	struct wire_io io;
	struct wire_httpd *h;
	struct client *prev, *next;
	enum cstate st;
	int close_after;  /* after the response: shut and drain (error) or close */
	int64_t since;    /* C_READ: first byte of the head, or when idle began */
	int64_t progress; /* C_SEND: last bytes sent */
	size_t nin;
	uint8_t in[WIRE_HTTPD_HEAD_MAX];
	struct wire_buf out;
};

struct wire_httpd {
	struct wire_loop *loop;
	struct wire_io lio;
	const char *csp;
	wire_httpd_handler handler;
	void *ud;
	struct client *clients;
	unsigned nclients;
	int timer;
	struct wire_buf body;
	struct wire_sink sink;
};

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return status < 500 ? "Bad Request" : "Internal Server Error";
	}
}

static void client_close(struct client *c)
{
	struct wire_httpd *h = c->h;
	wire_loop_del(h->loop, &c->io);
	close(c->io.fd);
	c->io.fd = -1;
	if (c->prev)
		c->prev->next = c->next;
	else
		h->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->nclients--;
	wire_buf_free(&c->out);
	wire_loop_defer_free(h->loop, c);
}

/* Appends the status line and headers for a body of blen bytes. */
static int put_head(struct client *c, int status, const char *type, size_t blen, int keep)
{
	char head[1024];
	int n =
	    snprintf(head, sizeof(head),
	             "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	             "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
	             "Referrer-Policy: no-referrer\r\nContent-Security-Policy: %s\r\n"
	             "Connection: %s\r\n%s\r\n",
	             status, reason(status), type, blen, c->h->csp, keep ? "keep-alive" : "close",
	             status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -EOVERFLOW;
	return wire_buf_append(&c->out, head, (size_t)n);
}

/* Queues an error response whose body is its status line's text. The
 * connection stays open after it only when keep says so (a handler's 404 on
 * a keep-alive request); else it is shut and drained. */
static void put_error(struct client *c, int status, int head_only, int keep)
{
	char b[96];
	int n = snprintf(b, sizeof(b), "%d %s\n", status, reason(status));
	put_head(c, status, "text/plain; charset=utf-8", (size_t)n, keep);
	if (!head_only)
		wire_buf_append(&c->out, b, (size_t)n);
	c->close_after = keep ? 0 : 2;
}

/* Runs the handler for rq and queues its response. */
static void answer(struct client *c, const struct wire_httpd_req *rq)
{
	struct wire_httpd *h = c->h;
	wire_buf_reset(&h->body);
	h->sink.n = 0;
	h->sink.err = 0;
	struct wire_httpd_resp rs = {200, "application/json", &h->sink};
	int rc = h->handler(h->ud, rq, &rs);
	if (rc == 0 && wire_sink_flush(&h->sink) < 0)
		rc = -500;
	if (rc < 0) {
		put_error(c, rc >= -599 && rc <= -400 ? -rc : 500, rq->head, rq->keep_alive);
		if (!rq->keep_alive)
			c->close_after = 1;
		return;
	}
	size_t blen = wire_buf_used(&h->body);
	if (put_head(c, rs.status, rs.type, blen, rq->keep_alive) < 0 ||
	    (!rq->head && wire_buf_append(&c->out, wire_buf_head(&h->body), blen) < 0)) {
		wire_buf_reset(&c->out);
		put_error(c, 500, rq->head, 0);
		return;
	}
	c->close_after = rq->keep_alive ? 0 : 1;
}

static void set_events(struct client *c, uint32_t ev)
{
	if (wire_loop_mod(c->h->loop, &c->io, ev) < 0)
		client_close(c);
}

static void send_out(struct client *c);

/* Parses what is buffered; starts sending a response when a head is whole. */
static void process(struct client *c)
{
	struct wire_httpd_req rq;
	int rc = wire_httpd_parse(c->in, c->nin, &rq);
	if (rc == 0)
		return;
	c->st = C_SEND;
	c->progress = wire_loop_now(c->h->loop);
	if (rc < 0) {
		put_error(c, -rc, 0, 0);
		c->nin = 0;
	} else {
		answer(c, &rq);
		memmove(c->in, c->in + rc, c->nin - (size_t)rc);
		c->nin -= (size_t)rc;
	}
	send_out(c);
}

/* After a response: closes, drains (error) or reads the next request. */
static void sent(struct client *c)
{
	if (c->close_after == 1) {
		client_close(c);
		return;
	}
	if (c->close_after == 2) {
		shutdown(c->io.fd, SHUT_WR);
		c->st = C_DRAIN;
		c->since = wire_loop_now(c->h->loop);
		set_events(c, EPOLLIN);
		return;
	}
	c->st = C_READ;
	c->since = wire_loop_now(c->h->loop);
	if (c->out.cap > (1u << 20))
		wire_buf_free(&c->out); /* a large response's room is given back */
	set_events(c, EPOLLIN);
	if (c->io.fd >= 0 && c->nin)
		process(c);
}

static void send_out(struct client *c)
{
	while (wire_buf_used(&c->out)) {
		ssize_t k =
		    send(c->io.fd, wire_buf_head(&c->out), wire_buf_used(&c->out), MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			set_events(c, EPOLLOUT);
			return;
		}
		if (k <= 0) {
			client_close(c);
			return;
		}
		wire_buf_consume(&c->out, (size_t)k);
		c->progress = wire_loop_now(c->h->loop);
	}
	wire_buf_reset(&c->out);
	sent(c);
}

static void on_readable(struct client *c)
{
	if (c->st == C_DRAIN) {
		uint8_t junk[4096];
		ssize_t k = recv(c->io.fd, junk, sizeof(junk), 0);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
			client_close(c);
		return;
	}
	ssize_t k = recv(c->io.fd, c->in + c->nin, sizeof(c->in) - c->nin, 0);
	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (k <= 0) {
		client_close(c);
		return;
	}
	if (!c->nin)
		c->since = wire_loop_now(c->h->loop); /* the head's clock starts */
	c->nin += (size_t)k;
	process(c);
}

static void on_client(struct wire_loop *l, struct wire_io *io, uint32_t ev)
{
	(void)l;
	struct client *c = (struct client *)io;
	if (io->fd < 0)
		return;
	if (c->st == C_SEND && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		send_out(c);
	else if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
		on_readable(c);
}

static void add_client(struct wire_httpd *h, int fd)
{
	struct client *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->h = h;
	c->io.fd = fd;
	c->io.cb = on_client;
	c->since = wire_loop_now(h->loop);
	wire_buf_init(&c->out, WIRE_HTTPD_BODY_MAX + 2048u);
	if (wire_loop_add(h->loop, &c->io, EPOLLIN) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = h->clients;
	if (c->next)
		c->next->prev = c;
	h->clients = c;
	h->nclients++;
}

static void on_listen(struct wire_loop *l, struct wire_io *io, uint32_t ev)
{
	(void)l;
	(void)ev;
	struct wire_httpd *h = io->ud;
	for (unsigned i = 0; i < 64; i++) {
		int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or a failed connection: the next event retries */
		if (h->nclients >= WIRE_HTTPD_CLIENTS_MAX) {
			static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
			                           "Content-Length: 0\r\nConnection: close\r\n\r\n";
			ssize_t k = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)k;
			close(fd);
			continue;
		}
		add_client(h, fd);
	}
}

/* Closes connections past their deadlines (slowloris, idle, stuck readers). */
static void sweep(struct wire_loop *l, void *ud)
{
	struct wire_httpd *h = ud;
	int64_t now = wire_loop_now(l);
	struct client *next;
	for (struct client *c = h->clients; c; c = next) {
		next = c->next;
		int64_t age = now - c->since;
		if ((c->st == C_READ && c->nin && age > WIRE_HTTPD_HEAD_MS) ||
		    (c->st == C_READ && !c->nin && age > WIRE_HTTPD_IDLE_MS) ||
		    (c->st == C_DRAIN && age > WIRE_HTTPD_HEAD_MS) ||
		    (c->st == C_SEND && now - c->progress > WIRE_HTTPD_SEND_MS))
			client_close(c);
	}
}

int wire_httpd_new(struct wire_httpd **hp, struct wire_loop *l, int fd, const char *csp,
                   wire_httpd_handler handler, void *ud)
{
	struct wire_httpd *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->loop = l;
	h->csp = csp;
	h->handler = handler;
	h->ud = ud;
	h->lio.fd = fd;
	h->lio.cb = on_listen;
	h->lio.ud = h;
	wire_buf_init(&h->body, WIRE_HTTPD_BODY_MAX);
	wire_sink_init_mem(&h->sink, &h->body);
	int rc = wire_set_nonblock(fd, 1);
	if (rc == 0)
		rc = wire_loop_add(l, &h->lio, EPOLLIN);
	if (rc == 0 && (h->timer = wire_loop_every(l, SWEEP_MS, sweep, h)) < 0)
		rc = h->timer;
	if (rc < 0) {
		wire_buf_free(&h->body);
		free(h);
		return rc;
	}
	*hp = h;
	return 0;
}

void wire_httpd_free(struct wire_httpd *h)
{
	if (!h)
		return;
	while (h->clients)
		client_close(h->clients);
	wire_loop_cancel(h->loop, h->timer);
	wire_loop_del(h->loop, &h->lio);
	close(h->lio.fd);
	wire_buf_free(&h->body);
	free(h);
}

unsigned wire_httpd_clients(const struct wire_httpd *h)
{
	return h->nclients;
}
