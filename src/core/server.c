/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The listen -k / --broker server (include/wire/server.h). One loop, one
 * record per client with its queue of unsent bytes (a bounded wire_buf,
 * storage only while bytes wait), on the activity list of the shared
 * connection model (include/wire/conn.h) for the idle sweep (reads move a
 * client to the tail; sends, made while a broadcast walks the list, only
 * stamp it, so the sweep walks the whole list). Reading is
 * gated by the queues: the input is read only while no client's queue is
 * full, and a broker reads a client only while no other client's queue is;
 * a periodic check drops a client whose full queue has not moved for
 * stall_ms while another client could take data.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire/buf.h"
#include "wire/conn.h"
#include "wire/err.h"
#include "wire/limits.h"
#include "wire/loop.h"
#include "wire/server.h"
#include "wire/sock.h"
#include "wire/text.h"
#include "wire/udp.h"

#define STALL_TICK_MIN_MS 10
#define FRAME_SLACK (64u * WIRE_SERVER_CHUNK) /* framed stdin: one read's frames */

struct srv;

struct client {
	struct wire_io io; /* first member: the loop hands it back */
	struct srv *s;
	struct wire_conn_link link;
	struct wire_buf q; /* bytes not yet sent */
	struct wire_framer fr;
	int peer_eof, fin_sent;
	int64_t moved; /* last send that moved bytes, or when the queue filled from empty */
	uint64_t sent, received;
	char name[WIRE_ADDRSTRLEN];
};

struct srv {
	const struct wire_server_config *cfg;
	struct wire_loop *loop;
	struct wire_io lio, inio, stopio;
	struct wire_accept_pause ap;
	struct wire_conn_list list;
	int in_epoll, in_timer, in_events, in_eof;
	size_t queue_max, hard_max;
	int stall_ms;
	size_t full;             /* clients whose queue is full (recounted by refresh) */
	struct wire_lines lines; /* framing: input lines */
	struct wire_buf eofmsg;  /* framing eof: the whole input */
	struct wire_buf enc;     /* framing: encoded input messages */
	uint64_t frames_out;
	char why[160]; /* BAD_INPUT: the encoder's reason */
	uint8_t *buf;
	uint8_t *crlf; /* -C: the input with LF as CRLF (WIRE_SERVER_CHUNK bytes) */
	int last_cr;   /* -C: the last input byte was CR */
	int rc;
	struct wire_server_stats st;
};

static void refresh(struct srv *s);

static struct client *first(const struct srv *s)
{
	return s->list.head ? WIRE_CONN_OF(s->list.head, struct client, link) : NULL;
}

static struct client *next_of(const struct client *c)
{
	return c->link.next ? WIRE_CONN_OF(c->link.next, struct client, link) : NULL;
}

static void emit(struct srv *s, struct wire_server_event *ev, const struct client *c)
{
	if (!s->cfg->on_event)
		return;
	if (!c)
		ev->fd = -1;
	else if (c->io.fd >= 0)
		ev->fd = c->io.fd;
	if (c) {
		ev->name = c->name;
		ev->sent = c->sent;
		ev->received = c->received;
	}
	ev->clients = (long)s->list.count;
	s->cfg->on_event(s->cfg->ud, ev);
}

static void emit_simple(struct srv *s, enum wire_server_ev type, const struct client *c, int err)
{
	struct wire_server_event ev = {.type = type, .err = err};
	emit(s, &ev, c);
}

static void emit_io(struct srv *s, enum wire_server_ev type, const struct client *c, size_t len,
                    const struct timespec *ts)
{
	struct wire_server_event ev = {
	    .type = type, .len = len, .ts = *ts, .asked = WIRE_SERVER_CHUNK};
	emit(s, &ev, c);
}

static int is_full(const struct srv *s, const struct client *c)
{
	return wire_buf_used(&c->q) >= s->queue_max;
}

/* Returns 1 when c still gets the broadcast bytes. */
static int takes_output(const struct srv *s, const struct client *c)
{
	return s->cfg->broker || !c->fin_sent;
}

/* ---- closing ------------------------------------------------------------ */

static void client_close(struct client *c, enum wire_server_end end, int err, const char *why)
{
	struct srv *s = c->s;
	struct wire_server_event ev = {
	    .type = WIRE_SERVER_CLOSED, .end = end, .err = err, .why = why};
	ev.lost = wire_buf_used(&c->q);
	if (end == WIRE_SERVER_END_STALLED) {
		ev.stalled_ms = wire_loop_now(s->loop) - c->moved;
		s->st.stalled++;
	}
	if (end == WIRE_SERVER_END_BAD_FRAME)
		s->st.bad_frames++;
	if (ev.lost || end == WIRE_SERVER_END_STALLED) {
		s->st.lost_clients++;
		s->st.lost_bytes += ev.lost;
	}
	(void)wire_loop_del(s->loop, &c->io);
	ev.fd = c->io.fd;
	clock_gettime(CLOCK_REALTIME, &ev.ts);
	close(c->io.fd);
	c->io.fd = -1;
	wire_conn_list_unlink(&s->list, &c->link);
	s->st.served++;
	emit(s, &ev, c);
	wire_buf_free(&c->q);
	if (s->cfg->frame)
		wire_framer_free(&c->fr);
	(void)wire_loop_defer_free(s->loop, c);
	refresh(s);
}

/* A socket error as a close reason: resets (and writes after one) are RST. */
static void client_fail(struct client *c, int err)
{
	int rst = err == -ECONNRESET || err == -EPIPE;
	client_close(c, rst ? WIRE_SERVER_END_RST : WIRE_SERVER_END_ERROR, err, NULL);
}

/* Sends FIN when the input ended and c has everything; closes c when both
 * directions are done. Returns 1 when c was closed. */
static int client_settle(struct client *c)
{
	struct srv *s = c->s;
	if (wire_buf_used(&c->q))
		return 0;
	if (!s->cfg->broker && s->in_eof && !c->fin_sent) {
		struct wire_server_event ev = {.type = WIRE_SERVER_FIN_SENT};
		clock_gettime(CLOCK_REALTIME, &ev.ts);
		(void)shutdown(c->io.fd, SHUT_WR);
		c->fin_sent = 1;
		emit(s, &ev, c);
	}
	int done = c->peer_eof &&
	           (s->cfg->broker || s->cfg->close_on_fin || c->fin_sent || s->cfg->in_fd < 0);
	if (done) {
		client_close(c, WIRE_SERVER_END_DONE, 0, NULL);
		return 1;
	}
	return 0;
}

/* ---- sending -------------------------------------------------------------- */

/* Sends what the kernel takes of p. Returns the bytes sent or -errno. */
static ssize_t client_send(struct client *c, const uint8_t *p, size_t n)
{
	struct srv *s = c->s;
	struct timespec ts = {0, 0};
	if (s->cfg->io_events)
		clock_gettime(CLOCK_REALTIME, &ts);
	ssize_t k = wire_send_some(c->io.fd, p, n);
	if (k > 0) {
		if (s->cfg->io_events)
			emit_io(s, WIRE_SERVER_SEND, c, (size_t)k, &ts);
		c->sent += (uint64_t)k;
		s->st.sent += (uint64_t)k;
		c->moved = wire_loop_now(s->loop);
		/* Activity, without moving c: a broadcast may be walking the list. */
		c->link.last = c->moved;
	}
	return k;
}

/* Sends the queue. Returns 0, or 1 when c was closed. */
static int client_flush(struct client *c)
{
	while (wire_buf_used(&c->q)) {
		ssize_t k = client_send(c, wire_buf_head(&c->q), wire_buf_used(&c->q));
		if (k < 0) {
			client_fail(c, (int)k);
			return 1;
		}
		if (k == 0)
			return 0;
		wire_buf_consume(&c->q, (size_t)k);
	}
	wire_buf_free(&c->q); /* drained: an idle client stays small */
	return client_settle(c);
}

/* Queues p for c: straight to the socket when nothing waits ahead of it.
 * Returns 0, or 1 when c was closed. */
static int client_put(struct client *c, const uint8_t *p, size_t n)
{
	struct srv *s = c->s;
	if (wire_buf_used(&c->q) == 0) {
		ssize_t k = client_send(c, p, n);
		if (k < 0) {
			client_fail(c, (int)k);
			return 1;
		}
		p += k;
		n -= (size_t)k;
		if (n)
			c->moved = wire_loop_now(s->loop); /* the stall clock starts now */
	}
	if (n && wire_buf_append(&c->q, p, n) < 0) {
		/* Over the hard bound (cannot happen with the read gates). */
		s->st.lost_bytes += n;
		client_close(c, WIRE_SERVER_END_STALLED, 0, NULL);
		return 1;
	}
	return 0;
}

/* Gives p to every client that takes output, except `except`. */
static void broadcast(struct srv *s, const uint8_t *p, size_t n, const struct client *except)
{
	struct client *c = first(s);
	while (c) {
		struct client *nx = next_of(c);
		if (c != except && takes_output(s, c))
			(void)client_put(c, p, n);
		c = nx;
	}
}

/* ---- events and gates ------------------------------------------------------ */

/* Returns 1 when a client other than c has a full queue (reading anything
 * that goes to it must wait). */
static int blocked_for(const struct srv *s, const struct client *c)
{
	return s->full > (size_t)(c && is_full(s, c));
}

static void client_events(struct client *c)
{
	struct srv *s = c->s;
	uint32_t ev = 0;
	if (!c->peer_eof && (!s->cfg->broker || !blocked_for(s, c)))
		ev |= EPOLLIN;
	if (wire_buf_used(&c->q))
		ev |= EPOLLOUT;
	(void)wire_loop_mod(s->loop, &c->io, ev);
}

static void input_cb(struct wire_loop *l, struct wire_io *io, uint32_t events);
static void input_timer(struct wire_loop *l, void *ud);

static void input_update(struct srv *s)
{
	int want = 0;
	if (s->cfg->in_fd >= 0 && !s->in_eof && s->full == 0)
		for (struct client *c = first(s); c && !want; c = next_of(c))
			want = takes_output(s, c);
	if (s->in_epoll) {
		uint32_t ev = want ? EPOLLIN : 0;
		if ((int)ev != s->in_events) {
			(void)wire_loop_mod(s->loop, &s->inio, ev);
			s->in_events = (int)ev;
		}
	} else if (want && s->in_timer < 0) {
		/* A regular file or /dev/null: epoll refuses it, and it is always
		 * readable. */
		s->in_timer = wire_loop_after(s->loop, 0, input_timer, s);
	}
}

/* Recounts the full queues and sets every client's and the input's events. */
static void refresh(struct srv *s)
{
	s->full = 0;
	for (struct client *c = first(s); c; c = next_of(c))
		s->full += (size_t)is_full(s, c);
	for (struct client *c = first(s); c; c = next_of(c))
		client_events(c);
	input_update(s);
}

/* ---- reading clients -------------------------------------------------------- */

static int client_frame(void *ud, const uint8_t *msg, size_t len)
{
	struct client *c = ud;
	struct srv *s = c->s;
	struct wire_server_event ev = {.type = WIRE_SERVER_FRAME_IN, .len = len, .n = c->fr.frames};
	emit(s, &ev, c);
	if (s->cfg->discard || !s->cfg->on_data)
		return 0;
	int rc = s->cfg->on_data(s->cfg->ud, c->name, msg, len);
	if (rc < 0)
		s->rc = rc; /* the output failed: the server stops */
	return rc;
}

/* Hands n received bytes on. Returns 0, or 1 when c was closed. */
static int client_deliver(struct client *c, const uint8_t *p, size_t n)
{
	struct srv *s = c->s;
	const struct wire_server_config *cfg = s->cfg;
	if (cfg->broker) {
		broadcast(s, p, n, c);
		return c->io.fd < 0;
	}
	int rc = 0;
	if (cfg->frame)
		rc = wire_framer_feed(&c->fr, p, n, client_frame, c);
	else if (!cfg->discard && cfg->on_data && (rc = cfg->on_data(cfg->ud, c->name, p, n)) < 0)
		s->rc = rc;
	if (s->rc < 0) {
		wire_loop_stop(s->loop);
		return 0;
	}
	if (rc < 0) { /* a malformed frame: this client only */
		client_close(c, WIRE_SERVER_END_BAD_FRAME, rc, c->fr.why);
		return 1;
	}
	return 0;
}

/* The client sent FIN. Returns 1 when c was closed. */
static int client_peer_eof(struct client *c)
{
	struct srv *s = c->s;
	c->peer_eof = 1;
	emit_simple(s, WIRE_SERVER_PEER_FIN, c, 0);
	if (s->cfg->frame && !s->cfg->broker) {
		int rc = wire_framer_finish(&c->fr, client_frame, c);
		if (rc < 0 && s->rc == 0) {
			client_close(c, WIRE_SERVER_END_BAD_FRAME, rc, c->fr.why);
			return 1;
		}
	}
	return client_settle(c);
}

/* Returns 1 when c was closed. */
static int client_read(struct client *c)
{
	struct srv *s = c->s;
	ssize_t r;
	do
		r = recv(c->io.fd, s->buf, WIRE_SERVER_CHUNK, MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		client_fail(c, -errno);
		return 1;
	}
	if (s->cfg->io_events) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		emit_io(s, WIRE_SERVER_RECV, c, (size_t)r, &ts);
	}
	if (r == 0)
		return client_peer_eof(c);
	c->received += (uint64_t)r;
	s->st.received += (uint64_t)r;
	wire_conn_touch(&s->list, &c->link, wire_loop_now(s->loop));
	return client_deliver(c, s->buf, (size_t)r);
}

static void client_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	struct client *c = (struct client *)io;
	(void)l;
	if ((events & EPOLLOUT) && client_flush(c))
		return;
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->peer_eof) {
		if (client_read(c))
			return;
	} else if (events & EPOLLERR) {
		client_fail(c, wire_sock_error(io->fd));
		return;
	} else if ((events & EPOLLHUP) && !(events & EPOLLOUT)) {
		client_fail(c, -EPIPE); /* both ways closed, nothing more can go */
		return;
	}
	refresh(c->s);
}

/* ---- the input ------------------------------------------------------------ */

static int client_frame_out(void *ud, const uint8_t *line, size_t len)
{
	struct srv *s = ud;
	const struct wire_frame_spec *f = s->cfg->frame;
	size_t n = len;
	if (f->kind != WIRE_FRAME_EOF) {
		if (n && line[n - 1] == '\n')
			n--;
		else if (len == s->lines.max) {
			struct wire_server_event ev = {.type = WIRE_SERVER_BAD_INPUT,
			                               .err = WIRE_E_TOOBIG,
			                               .why =
			                                   "a line longer than the maximum frame"};
			emit(s, &ev, NULL);
			return WIRE_E_TOOBIG;
		}
	}
	int rc = wire_frame_encode(f, line, n, &s->enc, s->why, sizeof(s->why));
	if (rc < 0) {
		struct wire_server_event ev = {
		    .type = WIRE_SERVER_BAD_INPUT, .err = rc, .why = s->why};
		emit(s, &ev, NULL);
		return rc;
	}
	s->frames_out++;
	struct wire_server_event ev = {.type = WIRE_SERVER_FRAME_OUT, .len = n, .n = s->frames_out};
	emit(s, &ev, NULL);
	return 0;
}

/* Frames r input bytes (r == 0: the end) into s->enc. Returns 0 or a code. */
static int input_frame(struct srv *s, const uint8_t *p, size_t r)
{
	const struct wire_frame_spec *f = s->cfg->frame;
	int rc;
	if (f->kind == WIRE_FRAME_EOF) {
		if (r)
			rc = wire_buf_append(&s->eofmsg, p, r);
		else
			rc = wire_buf_used(&s->eofmsg)
			         ? client_frame_out(s, wire_buf_head(&s->eofmsg),
			                            wire_buf_used(&s->eofmsg))
			         : 0;
		if (rc == WIRE_E_TOOBIG && r) {
			struct wire_server_event ev = {.type = WIRE_SERVER_BAD_INPUT,
			                               .err = rc,
			                               .why = "longer than the maximum frame"};
			emit(s, &ev, NULL);
		}
		return rc;
	}
	if (r)
		return wire_lines_feed(&s->lines, p, r, client_frame_out, s);
	return wire_lines_finish(&s->lines, client_frame_out, s);
}

static void input_end(struct srv *s)
{
	s->in_eof = 1;
	emit_simple(s, WIRE_SERVER_INPUT_EOF, NULL, 0);
	struct client *c = first(s);
	while (c) {
		struct client *nx = next_of(c);
		(void)client_settle(c);
		c = nx;
	}
}

static void input_read(struct srv *s)
{
	if (s->in_eof || s->full)
		return;
	ssize_t r;
	/* -C: half a chunk, so that its CRLF copy fits the queues' bound */
	size_t want = s->crlf ? WIRE_SERVER_CHUNK / 2 : WIRE_SERVER_CHUNK;
	do
		r = read(s->cfg->in_fd, s->buf, want);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		emit_simple(s, WIRE_SERVER_INPUT_ERR, NULL, -errno);
		r = 0;
	}
	s->st.input += (uint64_t)r;
	if (s->cfg->frame) {
		int rc = input_frame(s, s->buf, (size_t)r);
		if (wire_buf_used(&s->enc)) {
			broadcast(s, wire_buf_head(&s->enc), wire_buf_used(&s->enc), NULL);
			wire_buf_reset(&s->enc);
		}
		if (rc < 0) {
			s->rc = rc;
			wire_loop_stop(s->loop);
			return;
		}
	} else if (r > 0 && s->crlf) {
		size_t k = wire_crlf_expand(s->buf, (size_t)r, s->crlf, &s->last_cr);
		broadcast(s, s->crlf, k, NULL);
	} else if (r > 0) {
		broadcast(s, s->buf, (size_t)r, NULL);
	}
	if (r == 0)
		input_end(s);
}

static void input_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	struct srv *s = io->ud;
	(void)l;
	(void)events;
	input_read(s);
	refresh(s);
}

static void input_timer(struct wire_loop *l, void *ud)
{
	struct srv *s = ud;
	(void)l;
	s->in_timer = -1;
	input_read(s);
	refresh(s);
}

/* ---- accepting ------------------------------------------------------------- */

static struct client *client_new(struct srv *s, int fd, const struct sockaddr *sa, socklen_t sl)
{
	struct client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->s = s;
	c->io.fd = fd;
	c->io.cb = client_cb;
	c->io.ud = c;
	wire_addr_str(sa, sl, c->name, sizeof(c->name));
	wire_buf_init(&c->q, s->hard_max);
	if (s->cfg->frame)
		wire_framer_init(&c->fr, s->cfg->frame);
	if (wire_loop_add(s->loop, &c->io, EPOLLIN) < 0) {
		wire_buf_free(&c->q);
		if (s->cfg->frame)
			wire_framer_free(&c->fr);
		free(c);
		return NULL;
	}
	c->moved = wire_loop_now(s->loop);
	wire_conn_list_push(&s->list, &c->link, c->moved);
	return c;
}

static void client_welcome(struct srv *s, struct client *c)
{
	struct sockaddr_storage ls;
	socklen_t ll = sizeof(ls);
	char local[WIRE_ADDRSTRLEN] = "?";
	if (getsockname(c->io.fd, (struct sockaddr *)&ls, &ll) == 0)
		wire_addr_str((struct sockaddr *)&ls, ll, local, sizeof(local));
	struct wire_server_event ev = {.type = WIRE_SERVER_CONNECT, .local = local};
	emit(s, &ev, c);
	(void)client_settle(c); /* the input already ended: FIN at once */
}

static void accept_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	struct srv *s = io->ud;
	(void)l;
	(void)events;
	for (int i = 0; i < WIRE_ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = wire_accept_one(io->fd, (struct sockaddr *)&ss, &sl);
		if (fd == -EAGAIN)
			break;
		if (fd < 0) {
			emit_simple(s, WIRE_SERVER_ACCEPT_ERR, NULL, fd);
			(void)wire_accept_pause(&s->ap, fd);
			break;
		}
		if (s->cfg->max_conns && s->list.count >= s->cfg->max_conns) {
			struct client tmp;
			memset(&tmp, 0, sizeof(tmp));
			tmp.io.fd = fd;
			wire_addr_str((struct sockaddr *)&ss, sl, tmp.name, sizeof(tmp.name));
			s->st.refused++;
			emit_simple(s, WIRE_SERVER_REFUSED, &tmp, 0);
			close(fd);
			continue;
		}
		struct client *c = client_new(s, fd, (struct sockaddr *)&ss, sl);
		if (!c) {
			emit_simple(s, WIRE_SERVER_ACCEPT_ERR, NULL, -ENOMEM);
			close(fd);
			continue;
		}
		client_welcome(s, c);
	}
	refresh(s);
}

/* ---- timers and stopping ----------------------------------------------------- */

/* Returns 1 when a client other than c could take data now. */
static int other_can_take(const struct srv *s, const struct client *c)
{
	for (const struct client *o = first(s); o; o = next_of(o))
		if (o != c && !is_full(s, o) && takes_output(s, o))
			return 1;
	return 0;
}

static void stall_tick(struct wire_loop *l, void *ud)
{
	struct srv *s = ud;
	int64_t now = wire_loop_now(l);
	struct client *c = first(s);
	while (c) {
		struct client *nx = next_of(c);
		if (is_full(s, c) && now - c->moved >= s->stall_ms && other_can_take(s, c))
			client_close(c, WIRE_SERVER_END_STALLED, 0, NULL);
		c = nx;
	}
}

static void idle_sweep(struct wire_loop *l, void *ud)
{
	struct srv *s = ud;
	int64_t limit = wire_loop_now(l) - s->cfg->idle_ms;
	/* Sends stamp a client without reordering the list: walk all of it. */
	struct client *c = first(s);
	while (c) {
		struct client *nx = next_of(c);
		if (c->link.last <= limit)
			client_close(c, WIRE_SERVER_END_IDLE, 0, NULL);
		c = nx;
	}
}

static void stop_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	(void)io;
	(void)events;
	wire_loop_stop(l);
}

/* ---- set-up ----------------------------------------------------------------- */

static int setup_input(struct srv *s)
{
	const struct wire_server_config *cfg = s->cfg;
	s->in_timer = -1;
	if (cfg->frame) {
		wire_lines_init(&s->lines, cfg->frame->max + 1);
		wire_buf_init(&s->eofmsg, cfg->frame->max);
		wire_buf_init(&s->enc, cfg->frame->max + WIRE_FRAME_HEADER_MAX + FRAME_SLACK);
	}
	if (cfg->in_fd < 0)
		return 0;
	s->inio.fd = cfg->in_fd;
	s->inio.cb = input_cb;
	s->inio.ud = s;
	/* registered with no events; input_update turns EPOLLIN on */
	s->in_epoll = wire_loop_add(s->loop, &s->inio, 0) == 0;
	return 0;
}

static int setup(struct srv *s)
{
	const struct wire_server_config *cfg = s->cfg;
	s->queue_max = cfg->queue_max ? cfg->queue_max : WIRE_SERVER_QUEUE;
	s->stall_ms = cfg->stall_ms > 0 ? cfg->stall_ms : WIRE_SERVER_STALL_MS;
	s->hard_max = s->queue_max + WIRE_SERVER_CHUNK;
	if (cfg->frame)
		s->hard_max += cfg->frame->max + WIRE_FRAME_HEADER_MAX + FRAME_SLACK;
	s->buf = malloc(WIRE_SERVER_CHUNK);
	if (!s->buf)
		return -ENOMEM;
	if (cfg->crlf && !cfg->frame && !(s->crlf = malloc(WIRE_SERVER_CHUNK)))
		return -ENOMEM;
	int rc = wire_loop_new(&s->loop);
	if (rc < 0)
		return rc;
	if ((rc = wire_set_nonblock(cfg->listen_fd, 1)) < 0)
		return rc;
	s->lio.fd = cfg->listen_fd;
	s->lio.cb = accept_cb;
	s->lio.ud = s;
	if ((rc = wire_loop_add(s->loop, &s->lio, EPOLLIN)) < 0)
		return rc;
	s->ap.loop = s->loop;
	s->ap.io = &s->lio;
	if (cfg->stop_fd >= 0) {
		s->stopio.fd = cfg->stop_fd;
		s->stopio.cb = stop_cb;
		if ((rc = wire_loop_add(s->loop, &s->stopio, EPOLLIN)) < 0)
			return rc;
	}
	int tick = s->stall_ms / 4 > STALL_TICK_MIN_MS ? s->stall_ms / 4 : STALL_TICK_MIN_MS;
	if ((rc = wire_loop_every(s->loop, tick, stall_tick, s)) < 0)
		return rc;
	if (cfg->idle_ms > 0 && (rc = wire_loop_every(s->loop, wire_conn_sweep_period(cfg->idle_ms),
	                                              idle_sweep, s)) < 0)
		return rc;
	return setup_input(s);
}

static void teardown(struct srv *s)
{
	for (struct client *c; (c = first(s)) != NULL;) {
		if (wire_buf_used(&c->q)) {
			ssize_t k =
			    wire_send_some(c->io.fd, wire_buf_head(&c->q), wire_buf_used(&c->q));
			if (k > 0) {
				c->sent += (uint64_t)k;
				s->st.sent += (uint64_t)k;
				wire_buf_consume(&c->q, (size_t)k);
			}
		}
		client_close(c, WIRE_SERVER_END_SHUTDOWN, 0, NULL);
	}
	if (s->loop) {
		if (s->in_epoll)
			(void)wire_loop_del(s->loop, &s->inio);
		if (s->stopio.fd >= 0)
			(void)wire_loop_del(s->loop, &s->stopio);
		if (s->lio.fd >= 0)
			(void)wire_loop_del(s->loop, &s->lio);
		wire_loop_free(s->loop);
	}
	if (s->cfg->frame) {
		wire_lines_free(&s->lines);
		wire_buf_free(&s->eofmsg);
		wire_buf_free(&s->enc);
	}
	free(s->buf);
	free(s->crlf);
}

int wire_server_run(const struct wire_server_config *cfg, struct wire_server_stats *st)
{
	struct srv s;
	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.stopio.fd = -1;
	s.lio.fd = -1;
	int rc = setup(&s);
	if (rc == 0) {
		refresh(&s);
		rc = wire_loop_run(s.loop);
	}
	teardown(&s);
	*st = s.st;
	return s.rc ? s.rc : rc;
}
