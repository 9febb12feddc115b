/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat listen: the netcat server. Without -k it accepts one TCP
 * connection and hands it to the one relay (src/core/relay.c), or serves UDP
 * through the relay's datagram mode. With -k (and --broker) it serves many
 * TCP clients at once on the epoll loop (include/wire/loop.h): non-blocking
 * sockets, a bounded output buffer per client, and backpressure: stdin is
 * read only while every client can take more, and a broker reads a client
 * only while every other client can take what it sends.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "netopts.h"
#include "trace_cli.h"
#include "wire/buf.h"
#include "wire/limits.h"
#include "wire/loop.h"
#include "wire/relay.h"
#include "wire/sock.h"
#include "wire/udp.h"

/* a client's pending output: stdin is not read while any client holds more */
#define CLIENT_HIGH (64u * 1024u)
#define CLIENT_MAX WIRE_RELAY_BUF
#define STDIN_CHUNK (16u * 1024u)

static void where_str(const struct netopts *n, char *buf, size_t len)
{
	if (!n->host)
		snprintf(buf, len, n->family == AF_INET ? "0.0.0.0:%u" : "[::]:%u",
		         (unsigned)n->port);
	else if (strchr(n->host, ':') && n->host[0] != '[')
		snprintf(buf, len, "[%s]:%u", n->host, (unsigned)n->port);
	else
		snprintf(buf, len, "%s:%u", n->host, (unsigned)n->port);
}

static int listen_error(const struct netopts *n, int rc, int gai)
{
	char w[WIRE_ADDRSTRLEN + 16];
	where_str(n, w, sizeof(w));
	if (rc == WIRE_E_RESOLVE) {
		cli_err("resolve %s: %s", n->host ? n->host : "*", gai_strerror(gai));
		return WIRE_EXIT_FAIL;
	}
	const char *proto = n->udp ? "u" : "t";
	switch (-rc) {
	case EADDRINUSE:
		if (n->udp)
			cli_err("listen %s (udp): %s (another socket is bound to this UDP port: "
			        "find it "
			        "with 'ss -lunp sport = :%u')",
			        w, wire_strerror(rc), (unsigned)n->port);
		else
			cli_err(
			    "listen %s: %s (another socket is bound to this port; a server that "
			    "just exited leaves TIME_WAIT connections, but wirecat sets "
			    "SO_REUSEADDR, so another process is listening there: find it with "
			    "'ss -l%snp sport = :%u')",
			    w, wire_strerror(rc), proto, (unsigned)n->port);
		return WIRE_EXIT_FAIL;
	case EACCES:
		if (n->port < 1024) {
			cli_err("listen %s: %s (ports below 1024 need root or the capability "
			        "CAP_NET_BIND_SERVICE: sudo setcap cap_net_bind_service+ep "
			        "$(command -v wirecat); or use a port from 1024 up)",
			        w, wire_strerror(rc));
			return WIRE_EXIT_PRIV;
		}
		cli_err("listen %s: %s", w, wire_strerror(rc));
		return WIRE_EXIT_PRIV;
	case EADDRNOTAVAIL:
		cli_err("listen %s: %s (the address is not one of this machine's)", w,
		        wire_strerror(rc));
		return WIRE_EXIT_FAIL;
	default: cli_err("listen %s: %s", w, wire_strerror(rc)); return cli_exit_code(rc);
	}
}

/* ---- -k / --broker: many TCP clients on the event loop ------------------ */

struct srv;

struct client {
	struct wire_io io;
	struct srv *s;
	struct client *prev, *next;
	struct wire_buf out;
	int peer_eof, fin_sent;
	int64_t last;
	uint64_t sent, received, frames;
	struct wire_framer fr;
	char name[WIRE_ADDRSTRLEN];
};

struct srv {
	const struct netopts *n;
	struct wire_loop *loop;
	struct wire_io lio, inio;
	int in_epoll, in_timer, in_reg_events;
	int in_eof;
	struct client *head;
	long nclients;
	struct wire_lines lines; /* framing: stdin lines */
	struct wire_buf eofmsg;  /* framing eof: all of stdin */
	struct wire_buf enc;     /* framing: encoded stdin messages */
	uint64_t frames_sent;
	int status;
	struct wire_io sio; /* signalfd: SIGINT/SIGTERM stop the server cleanly */
	uint64_t served, total_sent, total_received;
};

static void client_update(struct client *c);
static void stdin_update(struct srv *s);

static void client_close(struct client *c, const char *why)
{
	struct srv *s = c->s;
	if (s->n->verbose)
		cli_info("%s: %s (sent %llu bytes, received %llu bytes)", c->name, why,
		         (unsigned long long)c->sent, (unsigned long long)c->received);
	wire_loop_del(s->loop, &c->io);
	wire_trace_call(s->n->tr, "close() %s: %s", c->name, why);
	close(c->io.fd);
	c->io.fd = -1;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nclients--;
	s->served++;
	s->total_sent += c->sent;
	s->total_received += c->received;
	wire_buf_free(&c->out);
	if (s->n->have_frame)
		wire_framer_free(&c->fr);
	wire_loop_defer_free(s->loop, c);
	/* the clients left may now take more */
	for (struct client *o = s->head; o; o = o->next)
		client_update(o);
	stdin_update(s);
}

/* Returns the least free room among clients other than except. */
static size_t min_room(const struct srv *s, const struct client *except, int *any)
{
	size_t m = CLIENT_MAX;
	*any = 0;
	for (const struct client *o = s->head; o; o = o->next) {
		if (o == except || o->fin_sent)
			continue;
		*any = 1;
		size_t used = wire_buf_used(&o->out);
		size_t room = used >= CLIENT_MAX ? 0 : CLIENT_MAX - used;
		if (room < m)
			m = room;
	}
	return m;
}

static void broadcast(struct srv *s, const void *p, size_t len, struct client *except)
{
	for (struct client *o = s->head; o; o = o->next) {
		if (o == except || o->fin_sent)
			continue;
		if (wire_buf_append(&o->out, p, len) < 0) {
			/* cannot happen with the room checks; never grow without bound */
			cli_err("%s: output buffer full, dropping %zu bytes", o->name, len);
			continue;
		}
		client_update(o);
	}
}

static void client_update(struct client *c)
{
	struct srv *s = c->s;
	uint32_t ev = 0;
	if (!c->peer_eof) {
		if (s->n->broker) {
			int any;
			size_t room = min_room(s, c, &any);
			if (!any || room > 0)
				ev |= EPOLLIN;
		} else {
			ev |= EPOLLIN;
		}
	}
	if (wire_buf_used(&c->out))
		ev |= EPOLLOUT;
	wire_loop_mod(s->loop, &c->io, ev);
}

static int client_frame(void *ud, const uint8_t *msg, size_t len)
{
	struct client *c = ud;
	const struct netopts *n = c->s->n;
	c->frames++;
	if (n->show_frames)
		cli_info("%s: frame %llu: %zu bytes received", c->name,
		         (unsigned long long)c->frames, len);
	if (n->send_only)
		return 0;
	struct wire_buf b;
	wire_buf_init(&b, len + 1);
	int rc = wire_buf_append(&b, msg, len);
	if (rc == 0 && n->frame.kind != WIRE_FRAME_EOF)
		rc = wire_buf_append(&b, "\n", 1);
	if (rc == 0)
		rc = wire_write_all(STDOUT_FILENO, wire_buf_head(&b), wire_buf_used(&b));
	wire_buf_free(&b);
	return rc;
}

/* Ends a client's input side; returns 1 when the client was closed. */
static int client_eof(struct client *c)
{
	struct srv *s = c->s;
	c->peer_eof = 1;
	if (s->n->verbose)
		cli_info("%s: peer closed (FIN)", c->name);
	if (s->n->have_frame) {
		int rc = wire_framer_finish(&c->fr, client_frame, c);
		if (rc < 0) {
			cli_err("frame from %s (--frame %s): %s", c->name, s->n->frame.text,
			        c->fr.why[0] ? c->fr.why : wire_strerror(rc));
			s->status = WIRE_EXIT_MALFORMED;
		}
	}
	if (wire_buf_used(&c->out) == 0) {
		client_close(c, "closed");
		return 1;
	}
	client_update(c);
	return 0;
}

static void client_read(struct client *c)
{
	struct srv *s = c->s;
	uint8_t buf[65536];
	size_t want = sizeof(buf);
	if (s->n->broker) {
		int any;
		size_t room = min_room(s, c, &any);
		if (any && room < want)
			want = room;
		if (want == 0) {
			client_update(c);
			return;
		}
	}
	ssize_t r;
	do
		r = recv(c->io.fd, buf, want, MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno == EAGAIN)
			return;
		if (errno == ECONNRESET && s->n->verbose)
			cli_info("%s: connection reset by peer (RST)", c->name);
		else if (errno != ECONNRESET)
			cli_err("%s: %s", c->name, strerror(errno));
		client_close(c, errno == ECONNRESET ? "reset" : "failed");
		return;
	}
	if (r == 0) {
		wire_trace_call(s->n->tr, "%s: peer closed: recv() = 0", c->name);
		client_eof(c);
		return;
	}
	wire_trace_call(s->n->tr, "recv() = %zd from %s", r, c->name);
	c->received += (uint64_t)r;
	c->last = wire_loop_now(s->loop);
	if (s->n->broker) {
		broadcast(s, buf, (size_t)r, c);
		client_update(c);
		return;
	}
	int rc;
	if (s->n->have_frame) {
		rc = wire_framer_feed(&c->fr, buf, (size_t)r, client_frame, c);
		if (rc < 0 && c->fr.err) {
			cli_err("frame from %s (--frame %s): %s", c->name, s->n->frame.text,
			        c->fr.why[0] ? c->fr.why : wire_strerror(rc));
			s->status = WIRE_EXIT_MALFORMED;
			client_close(c, "dropped after a bad frame");
			return;
		}
	} else if (s->n->send_only) {
		rc = 0;
	} else {
		rc = wire_write_all(STDOUT_FILENO, buf, (size_t)r);
	}
	if (rc < 0) {
		s->status = cli_output_failed(rc, "write stdout");
		wire_loop_stop(s->loop);
	}
}

/* Sends FIN to one client because stdin ended (once). */
static void client_fin(struct client *c)
{
	struct srv *s = c->s;
	wire_trace_call(s->n->tr, "shutdown(SHUT_WR) to %s (stdin ended)", c->name);
	if (shutdown(c->io.fd, SHUT_WR) == 0 && s->n->verbose)
		cli_info("%s: sent FIN", c->name);
	c->fin_sent = 1;
}

static void client_write(struct client *c)
{
	struct srv *s = c->s;
	while (wire_buf_used(&c->out)) {
		struct timespec ts = {0, 0}; /* --trace: a send is stamped before it is made */
		if (s->n->tr)
			clock_gettime(CLOCK_REALTIME, &ts);
		ssize_t w = send(c->io.fd, wire_buf_head(&c->out), wire_buf_used(&c->out),
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w < 0) {
			if (errno == ECONNRESET && s->n->verbose)
				cli_info("%s: connection reset by peer (RST)", c->name);
			client_close(c, errno == ECONNRESET || errno == EPIPE ? "reset" : "failed");
			return;
		}
		wire_trace_call_at(s->n->tr, &ts, "send(%zd) to %s", w, c->name);
		c->sent += (uint64_t)w;
		c->last = wire_loop_now(s->loop);
		wire_buf_consume(&c->out, (size_t)w);
	}
	if (wire_buf_used(&c->out) == 0) {
		if (c->peer_eof) {
			client_close(c, "closed");
			return;
		}
		if (s->in_eof && !s->n->broker && !c->fin_sent)
			client_fin(c);
	}
	client_update(c);
	if (s->n->broker)
		for (struct client *o = s->head; o; o = o->next)
			if (o != c)
				client_update(o);
	stdin_update(s);
}

static void client_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	struct client *c = (struct client *)io;
	(void)l;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (!c->peer_eof) {
			client_read(c);
			if (io->fd < 0)
				return;
		} else if (events & (EPOLLHUP | EPOLLERR)) {
			client_close(c, "closed");
			return;
		}
	}
	if (events & EPOLLOUT)
		client_write(c);
}

static int stdin_frame(void *ud, const uint8_t *line, size_t len)
{
	struct srv *s = ud;
	char why[160];
	size_t n = len;
	if (s->n->frame.kind != WIRE_FRAME_EOF) {
		if (n && line[n - 1] == '\n')
			n--;
		else if (len == s->lines.max) {
			cli_err(
			    "frame to clients (--frame %s): stdin: a line longer than the maximum "
			    "frame of %zu bytes",
			    s->n->frame.text, s->n->frame.max);
			return WIRE_E_TOOBIG;
		}
	}
	int rc = wire_frame_encode(&s->n->frame, line, n, &s->enc, why, sizeof(why));
	if (rc < 0) {
		cli_err("frame to clients (--frame %s): stdin: %s", s->n->frame.text, why);
		return rc;
	}
	s->frames_sent++;
	if (s->n->show_frames)
		cli_info("frame %llu: %zu bytes sent", (unsigned long long)s->frames_sent, n);
	return 0;
}

static void stdin_read(struct srv *s)
{
	uint8_t buf[STDIN_CHUNK];
	size_t want = sizeof(buf);
	int any;
	size_t room = min_room(s, NULL, &any);
	if (!any)
		return;
	if (!s->n->have_frame && room < want)
		want = room;
	if (want == 0)
		return;
	ssize_t r;
	do
		r = read(STDIN_FILENO, buf, want);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno == EAGAIN)
			return;
		cli_err("read stdin: %s", strerror(errno));
		r = 0;
	}
	int rc = 0;
	if (s->n->have_frame) {
		if (r == 0)
			rc = s->n->frame.kind == WIRE_FRAME_EOF
			         ? (wire_buf_used(&s->eofmsg)
			                ? stdin_frame(s, wire_buf_head(&s->eofmsg),
			                              wire_buf_used(&s->eofmsg))
			                : 0)
			         : wire_lines_finish(&s->lines, stdin_frame, s);
		else if (s->n->frame.kind == WIRE_FRAME_EOF)
			rc = wire_buf_append(&s->eofmsg, buf, (size_t)r);
		else
			rc = wire_lines_feed(&s->lines, buf, (size_t)r, stdin_frame, s);
		if (rc == WIRE_E_TOOBIG && s->n->frame.kind == WIRE_FRAME_EOF && r > 0)
			cli_err(
			    "frame to clients (--frame %s): stdin: longer than the maximum frame "
			    "of %zu bytes",
			    s->n->frame.text, s->n->frame.max);
		if (wire_buf_used(&s->enc)) {
			broadcast(s, wire_buf_head(&s->enc), wire_buf_used(&s->enc), NULL);
			wire_buf_reset(&s->enc);
		}
		if (rc < 0) {
			s->status = WIRE_EXIT_MALFORMED;
			wire_loop_stop(s->loop);
			return;
		}
	} else if (r > 0) {
		broadcast(s, buf, (size_t)r, NULL);
	}
	if (r == 0) {
		s->in_eof = 1;
		if (s->n->verbose)
			cli_info("stdin EOF%s", s->n->broker ? "" : ": sending FIN to each client");
		for (struct client *c = s->head; c; c = c->next)
			if (!s->n->broker && !wire_buf_used(&c->out) && !c->fin_sent)
				client_fin(c);
	}
}

static void stdin_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	struct srv *s = io->ud;
	(void)l;
	(void)events;
	stdin_read(s);
	stdin_update(s);
}

static void stdin_timer(struct wire_loop *l, void *ud)
{
	struct srv *s = ud;
	(void)l;
	s->in_timer = -1;
	stdin_read(s);
	stdin_update(s);
}

static void stdin_update(struct srv *s)
{
	int want = 0;
	if (!s->in_eof && !s->n->recv_only) {
		int any;
		size_t m = min_room(s, NULL, &any);
		want = any && m >= CLIENT_MAX - CLIENT_HIGH;
	}
	if (s->in_epoll) {
		uint32_t ev = want ? EPOLLIN : 0;
		if (ev != (uint32_t)s->in_reg_events) {
			wire_loop_mod(s->loop, &s->inio, ev);
			s->in_reg_events = (int)ev;
		}
	} else if (want && s->in_timer < 0) {
		/* a regular file or /dev/null: epoll refuses it, and it is always readable */
		s->in_timer = wire_loop_after(s->loop, 0, stdin_timer, s);
	}
}

static void accept_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	struct srv *s = io->ud;
	(void)events;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(io->fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				cli_err("accept: %s", strerror(errno));
			return;
		}
		char name[WIRE_ADDRSTRLEN];
		wire_addr_str((struct sockaddr *)&ss, sl, name, sizeof(name));
		if (s->n->max_conns && s->nclients >= s->n->max_conns) {
			if (s->n->verbose)
				cli_info("%s: refused: --max-conns %ld reached", name,
				         s->n->max_conns);
			close(fd);
			continue;
		}
		struct client *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->s = s;
		c->io.fd = fd;
		c->io.cb = client_cb;
		c->io.ud = c;
		c->last = wire_loop_now(l);
		snprintf(c->name, sizeof(c->name), "%s", name);
		wire_trace_call(s->n->tr, "accept() = a connection from %s", name);
		wire_buf_init(&c->out, s->n->have_frame
		                           ? CLIENT_MAX + s->n->frame.max + WIRE_FRAME_HEADER_MAX +
		                                 64 * STDIN_CHUNK
		                           : CLIENT_MAX);
		if (s->n->have_frame)
			wire_framer_init(&c->fr, &s->n->frame);
		if (wire_loop_add(l, &c->io, EPOLLIN) < 0) {
			close(fd);
			wire_buf_free(&c->out);
			if (s->n->have_frame)
				wire_framer_free(&c->fr);
			free(c);
			continue;
		}
		c->next = s->head;
		if (s->head)
			s->head->prev = c;
		s->head = c;
		s->nclients++;
		if (s->n->verbose) {
			struct sockaddr_storage ls;
			socklen_t ll = sizeof(ls);
			char lname[WIRE_ADDRSTRLEN] = "?";
			if (getsockname(fd, (struct sockaddr *)&ls, &ll) == 0)
				wire_addr_str((struct sockaddr *)&ls, ll, lname, sizeof(lname));
			cli_info("connection from %s (local %s), %ld client%s", name, lname,
			         s->nclients, s->nclients == 1 ? "" : "s");
		}
		if (s->in_eof && !s->n->broker)
			client_fin(c); /* stdin already ended: this client gets its FIN at once */
		if (s->n->broker)
			for (struct client *o = s->head; o; o = o->next)
				client_update(o);
		stdin_update(s);
	}
}

static void idle_tick(struct wire_loop *l, void *ud)
{
	struct srv *s = ud;
	int64_t now = wire_loop_now(l);
	struct client *c = s->head;
	while (c) {
		struct client *next = c->next;
		if (now - c->last >= s->n->wait_ms)
			client_close(c, "idle (-w), closed");
		c = next;
	}
}

static void signal_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	struct srv *s = io->ud;
	struct signalfd_siginfo si;
	(void)events;
	if (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si) && s->n->verbose)
		cli_info("stopping on %s", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
	wire_loop_stop(l);
}

static int serve_many(const struct netopts *n, int lfd)
{
	struct srv s;
	memset(&s, 0, sizeof(s));
	s.n = n;
	s.in_timer = -1;
	int rc = wire_loop_new(&s.loop);
	if (rc < 0) {
		cli_err("event loop: %s", wire_strerror(rc));
		return WIRE_EXIT_FAIL;
	}
	if (n->have_frame) {
		wire_lines_init(&s.lines, n->frame.max + 1);
		wire_buf_init(&s.eofmsg, n->frame.max);
		wire_buf_init(&s.enc, n->frame.max + WIRE_FRAME_HEADER_MAX + 64 * STDIN_CHUNK);
	}
	if ((rc = wire_set_nonblock(lfd, 1)) < 0) {
		cli_err("listen: %s", wire_strerror(rc));
		return WIRE_EXIT_FAIL;
	}
	s.lio.fd = lfd;
	s.lio.cb = accept_cb;
	s.lio.ud = &s;
	wire_loop_add(s.loop, &s.lio, EPOLLIN);
	if (!n->recv_only) {
		s.inio.fd = STDIN_FILENO;
		s.inio.cb = stdin_cb;
		s.inio.ud = &s;
		/* registered with no events; stdin_update turns EPOLLIN on */
		s.in_epoll = wire_loop_add(s.loop, &s.inio, 0) == 0;
	}
	if (n->wait_ms > 0)
		wire_loop_every(s.loop, n->wait_ms < 500 ? n->wait_ms : 500, idle_tick, &s);
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	s.sio.fd = -1;
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) == 0) {
		s.sio.fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
		s.sio.cb = signal_cb;
		s.sio.ud = &s;
		if (s.sio.fd < 0 || wire_loop_add(s.loop, &s.sio, EPOLLIN) < 0)
			sigprocmask(SIG_UNBLOCK, &sigs, NULL); /* default action then */
	}
	rc = wire_loop_run(s.loop);
	if (rc < 0)
		cli_err("event loop: %s", wire_strerror(rc));
	while (s.head)
		client_close(s.head, "closed");
	if (n->verbose)
		cli_info("served %llu client%s: sent %llu bytes, received %llu bytes",
		         (unsigned long long)s.served, s.served == 1 ? "" : "s",
		         (unsigned long long)s.total_sent, (unsigned long long)s.total_received);
	if (s.in_epoll)
		wire_loop_del(s.loop, &s.inio);
	if (s.sio.fd >= 0) {
		wire_loop_del(s.loop, &s.sio);
		close(s.sio.fd);
	}
	wire_loop_free(s.loop);
	if (n->have_frame) {
		wire_lines_free(&s.lines);
		wire_buf_free(&s.eofmsg);
		wire_buf_free(&s.enc);
	}
	return s.status ? s.status : (rc < 0 ? WIRE_EXIT_FAIL : 0);
}

/* ---- one TCP client, or UDP ---------------------------------------------- */

static int serve_one(const struct netopts *n, int lfd)
{
	int64_t start = wire_now_ms();
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;
	for (;;) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		int left = -1;
		if (n->wait_ms > 0) {
			int64_t l = start + n->wait_ms - wire_now_ms();
			left = l > 0 ? (int)l : 0;
		}
		int pr = poll(&p, 1, left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			char w[WIRE_ADDRSTRLEN + 16];
			where_str(n, w, sizeof(w));
			cli_err("listen %s: no connection within %d.%03d s (-w)", w,
			        n->wait_ms / 1000, n->wait_ms % 1000);
			return WIRE_EXIT_FAIL;
		}
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN)
			continue;
		cli_err("accept: %s", strerror(errno));
		return WIRE_EXIT_FAIL;
	}
	close(lfd); /* one connection, like nc -l */
	char peer[WIRE_ADDRSTRLEN], lname[WIRE_ADDRSTRLEN] = "?";
	wire_addr_str((struct sockaddr *)&ss, sl, peer, sizeof(peer));
	struct sockaddr_storage ls;
	socklen_t ll = sizeof(ls);
	if (getsockname(fd, (struct sockaddr *)&ls, &ll) == 0)
		wire_addr_str((struct sockaddr *)&ls, ll, lname, sizeof(lname));
	if (n->verbose)
		cli_info("connection from %s (local %s)", peer, lname);
	wire_trace_call(n->tr, "accept() = a connection from %s", peer);
	wire_trace_watch(n->tr, fd);
	struct wire_relay_opts o;
	struct wire_relay_result r;
	netopts_relay_opts(n, fd, &o);
	int64_t t0 = wire_now_ms();
	int rc = wire_relay_run(&o, &r);
	netopts_summary(n, fd, &r, t0);
	int status = netopts_finish(n, rc, &r, peer);
	wire_trace_call(n->tr, "close()");
	close(fd);
	return status;
}

static int serve_udp(const struct netopts *n, int fd, const char *where)
{
	int rc = wire_udp_enable_errors(fd);
	if (rc < 0) {
		cli_err("udp %s: IP_RECVERR: %s", where, wire_strerror(rc));
		return WIRE_EXIT_FAIL;
	}
	struct wire_relay_opts o;
	struct wire_relay_result r;
	netopts_relay_opts(n, fd, &o);
	o.udp_server = 1;
	o.udp_lock = !n->keep;
	o.quit_ms = -1; /* stdin EOF never stops a listener */
	int64_t t0 = wire_now_ms();
	rc = wire_relay_run(&o, &r);
	netopts_summary(n, fd, &r, t0);
	int status = netopts_finish(n, rc, &r, where);
	close(fd);
	return status;
}

int cmd_listen(int argc, char **argv)
{
	struct netopts n;
	int rc = netopts_parse(&n, 1, argc, argv);
	if (rc >= 0)
		return rc;
	if (!n.send_only && !n.broker && cli_stdout_closed("listen"))
		return WIRE_EXIT_FAIL;
	cli_ignore_sigpipe();
	int fd = -1, gai = 0;
	struct wire_addr bound;
	int flags = (n.family == AF_INET6 && !n.host) ? WIRE_LISTEN_V6ONLY : 0;
	rc = wire_listen(n.host, n.port, n.family, n.udp ? SOCK_DGRAM : SOCK_STREAM, flags, &fd,
	                 &bound, &gai);
	if (rc < 0)
		return listen_error(&n, rc, gai);
	char where[WIRE_ADDRSTRLEN];
	wire_addr_str((struct sockaddr *)&bound.ss, bound.len, where, sizeof(where));
	if (n.verbose) {
		const char *fam = wire_is_dual_stack(fd)           ? ", IPv4 and IPv6"
		                  : bound.ss.ss_family == AF_INET6 ? ", IPv6"
		                                                   : ", IPv4";
		cli_info("listening on %s (%s%s)", where, n.udp ? "udp" : "tcp", fam);
	}
	if (n.trace) { /* --trace: capture before the first client */
		n.tr = wire_trace_start(fd, NULL, 0, NULL, 0);
		wire_trace_call(n.tr, "listen() on %s (%s)", where, n.udp ? "udp" : "tcp");
	}
	if (n.udp)
		rc = serve_udp(&n, fd, where);
	else if (n.keep)
		rc = serve_many(&n, fd);
	else
		rc = serve_one(&n, fd);
	wire_trace_stop(n.tr);
	return rc;
}
