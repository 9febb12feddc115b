/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The echo server engine (include/wire/echo.h). Each worker owns an epoll
 * loop, a TCP listener and a UDP socket (SO_REUSEPORT when there are several
 * workers), a 64 KiB scratch buffer and a UDP batch. A TCP read lands in the
 * scratch buffer and is written straight back; only what the kernel does not
 * take is copied into the connection's own bounded buffer, so an idle or
 * ping-ponging client costs one small record. A client whose pending output
 * reaches WIRE_ECHO_CONN_BUF is no longer read until it drains
 * (backpressure). Connections sit on a list ordered by last activity, so the
 * --idle sweep (one periodic timer per loop) looks only at the oldest. With
 * --frame, the bytes every connection holds (a partial frame, framed echoes
 * not yet sent) are counted against one budget for the whole server; over
 * it, the connection holding the most is closed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire/conn.h"
#include "wire/echo.h"
#include "wire/err.h"
#include "wire/limits.h"
#include "wire/loop.h"

#define READS_PER_EVENT 8 /* reads per client event (fairness) */
#define UDP_ROUNDS 8      /* recvmmsg calls per UDP event (fairness) */
#define UDP_SLOT (WIRE_UDP_MAX + 1u)
#define UDP_GSO_SEGS 64      /* datagrams per GSO send (UDP_MAX_SEGMENTS) */
#define UDP_GSO_BYTES 65000u /* bytes per GSO send (one IP packet's worth) */

struct worker;

union peer_addr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

struct conn {
	struct wire_io io; /* first member: the loop hands it back */
	struct worker *w;
	struct wire_conn_link link; /* activity list, oldest first */
	struct wire_buf out;        /* unsent echo; no storage while empty */
	struct wire_framer *fr;     /* --frame: allocated at the first byte */
	uint64_t in, sent;
	uint64_t held; /* --frame: buffer bytes counted in the server's budget */
	union peer_addr peer;
	socklen_t peer_len;
	int eof; /* the client sent FIN */
};

struct worker {
	struct wire_echo *e;
	int idx;
	struct wire_loop *loop;
	struct wire_io tcp, udp, stop, stop_ext;
	struct wire_conn_list list;
	struct wire_accept_pause accept_pause;
	int io_events; /* report each recv/send (cfg.io_events with a callback) */
	int sweep_id;
	int stopping;
	uint8_t *scratch;
	uint8_t *udp_buf;
	struct mmsghdr *msgs;
	struct iovec *iov;
	union peer_addr *names;
	struct mmsghdr *units; /* replies: one per datagram or per GSO run */
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} * cmsg;
	int gso; /* UDP_SEGMENT works (cleared at its first refusal) */
	struct wire_echo_stats st;
	pthread_t th;
	int started;
	int rc;
};

struct wire_echo {
	struct wire_echo_config cfg;
	struct wire_frame_spec frame;
	int framed;
	size_t out_max; /* pending-output limit of one connection */
	int evfd;
	int nw;
	struct worker *w;
	uint64_t active; /* open connections, all workers (atomic) */
	uint64_t held;   /* --frame: buffer bytes held by every connection (atomic) */
	uint64_t held_peak;
	uint64_t budget; /* --frame: the most held may reach */
	struct wire_addr addr;
	int dual;
};

static void emit(struct worker *w, enum wire_echo_ev type, const struct conn *c, int err,
                 const char *why)
{
	const struct wire_echo_config *cfg = &w->e->cfg;
	if (!cfg->on_event)
		return;
	struct wire_echo_event ev = {
	    .type = type,
	    .worker = w->idx,
	    .peer = c ? &c->peer.sa : NULL,
	    .peer_len = c ? c->peer_len : 0,
	    .bytes_in = c ? c->in : 0,
	    .bytes_out = c ? c->sent : 0,
	    .err = err,
	    .why = why,
	    .held = c ? c->held : 0,
	    .budget = w->e->budget,
	    .fd = c ? c->io.fd : -1,
	    .lfd = w->tcp.fd,
	};
	cfg->on_event(cfg->ud, &ev);
}

/* One socket call that moved bytes, for emit_io. */
struct io_call {
	enum wire_echo_ev type;
	int fd;
	const struct sockaddr *peer;
	socklen_t peer_len;
	size_t len, asked; /* bytes moved; the size or messages given to the call */
	int got;           /* messages the call returned (mmsg calls) */
	const struct timespec *ts;
};

/* Reports one socket call that moved len bytes to or from peer (only with
 * io_events: --trace). ts is when the call was made (sends) or returned. */
static void emit_io(struct worker *w, const struct io_call *k)
{
	const struct wire_echo_config *cfg = &w->e->cfg;
	struct wire_echo_event ev = {.type = k->type,
	                             .worker = w->idx,
	                             .peer = k->peer,
	                             .peer_len = k->peer_len,
	                             .len = k->len,
	                             .ts = *k->ts,
	                             .fd = k->fd,
	                             .lfd = -1,
	                             .asked = k->asked,
	                             .got = k->got};
	cfg->on_event(cfg->ud, &ev);
}

/* A TCP client's recv() or send() for emit_io. */
static void emit_tcp(struct conn *c, enum wire_echo_ev type, size_t len, size_t asked,
                     const struct timespec *ts)
{
	struct io_call k = {.type = type,
	                    .fd = c->io.fd,
	                    .peer = &c->peer.sa,
	                    .peer_len = c->peer_len,
	                    .len = len,
	                    .asked = asked,
	                    .ts = ts};
	emit_io(c->w, &k);
}

/* Returns the least recently active connection, or NULL. */
static struct conn *oldest(const struct worker *w)
{
	return w->list.head ? WIRE_CONN_OF(w->list.head, struct conn, link) : NULL;
}

static void touch(struct conn *c)
{
	wire_conn_touch(&c->w->list, &c->link, wire_loop_now(c->w->loop));
}

/* ---- TCP clients ------------------------------------------------------ */

static void conn_close(struct conn *c, enum wire_echo_ev why, int err, const char *text)
{
	struct worker *w = c->w;
	switch (why) {
	case WIRE_ECHO_FIN: w->st.fin++; break;
	case WIRE_ECHO_RST: w->st.rst++; break;
	case WIRE_ECHO_IDLE: w->st.idle++; break;
	case WIRE_ECHO_BAD_FRAME: w->st.bad_frames++; break;
	case WIRE_ECHO_SHUTDOWN: w->st.shutdown++; break;
	case WIRE_ECHO_OVER_BUDGET: w->st.over_budget++; break;
	default: w->st.errors++; break;
	}
	emit(w, why, c, err, text);
	__atomic_fetch_sub(&w->e->held, c->held, __ATOMIC_RELAXED);
	c->held = 0;
	(void)wire_loop_del(w->loop, &c->io);
	close(c->io.fd);
	c->io.fd = -1;
	wire_conn_list_unlink(&w->list, &c->link);
	if (c->fr) {
		wire_framer_free(c->fr);
		free(c->fr);
		c->fr = NULL;
	}
	wire_buf_free(&c->out);
	__atomic_fetch_sub(&w->e->active, 1, __ATOMIC_RELAXED);
	(void)wire_loop_defer_free(w->loop, c);
}

/* A socket error as a close reason: resets (and writes after one) are RST. */
static void conn_fail(struct conn *c, int err)
{
	if (err == -ECONNRESET || err == -EPIPE)
		conn_close(c, WIRE_ECHO_RST, err, NULL);
	else
		conn_close(c, WIRE_ECHO_ERROR, err, NULL);
}

/* Sends pending output. Returns 0 or -errno. */
static int conn_flush(struct conn *c)
{
	while (wire_buf_used(&c->out) > 0) {
		struct timespec ts;
		if (c->w->io_events)
			clock_gettime(CLOCK_REALTIME, &ts);
		ssize_t k =
		    wire_send_some(c->io.fd, wire_buf_head(&c->out), wire_buf_used(&c->out));
		if (k < 0)
			return (int)k;
		if (k == 0)
			return 0;
		if (c->w->io_events)
			emit_tcp(c, WIRE_ECHO_SEND, (size_t)k, (size_t)k, &ts);
		c->sent += (uint64_t)k;
		c->w->st.tcp_out += (uint64_t)k;
		wire_buf_consume(&c->out, (size_t)k);
	}
	/* Drained: give the storage back, idle connections stay small. */
	wire_buf_free(&c->out);
	return 0;
}

/* Echoes n bytes from the scratch buffer: straight to the socket when nothing
 * is queued ahead of them, the rest into the pending buffer. Returns 0 or a
 * negative code. */
static int conn_echo(struct conn *c, const uint8_t *p, size_t n)
{
	if (wire_buf_used(&c->out) == 0) {
		struct timespec ts;
		if (c->w->io_events)
			clock_gettime(CLOCK_REALTIME, &ts);
		ssize_t k = wire_send_some(c->io.fd, p, n);
		if (k < 0)
			return (int)k;
		if (k > 0 && c->w->io_events)
			emit_tcp(c, WIRE_ECHO_SEND, (size_t)k, n, &ts);
		c->sent += (uint64_t)k;
		c->w->st.tcp_out += (uint64_t)k;
		p += k;
		n -= (size_t)k;
	}
	return n ? wire_buf_append(&c->out, p, n) : 0;
}

struct frame_ctx {
	struct conn *c;
	char why[160];
};

static int on_frame(void *ud, const uint8_t *msg, size_t len)
{
	struct frame_ctx *fx = ud;
	struct conn *c = fx->c;
	const struct wire_framer *fr = c->fr;
	if (fr && fr->head_len) {
		/* header:NAME: the block as the client wrote it (any spelling,
		 * other headers), then the body: the echo is byte-exact. */
		int rc = wire_buf_reserve(&c->out, fr->head_len + len);
		if (rc < 0) {
			snprintf(fx->why, sizeof(fx->why), "%s",
			         rc == WIRE_E_TOOBIG
			             ? "framed message does not fit the output buffer"
			             : "out of memory");
			return rc;
		}
		(void)wire_buf_append(&c->out, fr->head, fr->head_len);
		(void)wire_buf_append(&c->out, msg, len);
		return 0;
	}
	return wire_frame_encode(&c->w->e->frame, msg, len, &c->out, fx->why, sizeof(fx->why));
}

/* ---- the framed-echo budget -------------------------------------------- */

/* Counts the buffer bytes c holds now (allocated, as the memory they cost).
 * Returns 1 when the server is over its budget. */
static int conn_account(struct conn *c)
{
	struct wire_echo *e = c->w->e;
	uint64_t now = c->out.cap + (c->fr ? c->fr->in.cap : 0);
	uint64_t total;
	if (now >= c->held)
		total = __atomic_add_fetch(&e->held, now - c->held, __ATOMIC_RELAXED);
	else
		total = __atomic_sub_fetch(&e->held, c->held - now, __ATOMIC_RELAXED);
	c->held = now;
	if (total > __atomic_load_n(&e->held_peak, __ATOMIC_RELAXED))
		__atomic_store_n(&e->held_peak, total, __ATOMIC_RELAXED);
	return total > e->budget;
}

/* Closes this worker's greediest connections until the server is within
 * its budget (or this worker holds nothing more). */
static void budget_enforce(struct worker *w)
{
	struct wire_echo *e = w->e;
	while (__atomic_load_n(&e->held, __ATOMIC_RELAXED) > e->budget) {
		struct conn *top = NULL;
		for (struct wire_conn_link *l = w->list.head; l; l = l->next) {
			struct conn *c = WIRE_CONN_OF(l, struct conn, link);
			if (!top || c->held > top->held)
				top = c;
		}
		if (!top || top->held == 0)
			return;
		conn_close(top, WIRE_ECHO_OVER_BUDGET, 0, NULL);
	}
}

/* Sets the events a client needs: reading while its pending output has room
 * and it has not sent FIN, writing while output is pending. Returns 0 or
 * -errno. */
static int conn_update(struct conn *c)
{
	uint32_t ev = 0;
	if (!c->eof && wire_buf_used(&c->out) < WIRE_ECHO_CONN_BUF)
		ev |= EPOLLIN;
	if (wire_buf_used(&c->out) > 0)
		ev |= EPOLLOUT;
	return wire_loop_mod(c->w->loop, &c->io, ev);
}

/* Reads what the client sent and echoes it. Returns 0 (the connection lives
 * on) or 1 when it was closed. */
static int conn_read(struct conn *c)
{
	struct worker *w = c->w;
	for (int i = 0; i < READS_PER_EVENT && !c->eof; i++) {
		size_t used = wire_buf_used(&c->out);
		if (used >= WIRE_ECHO_CONN_BUF)
			break;
		size_t want = WIRE_ECHO_CONN_BUF - used;
		ssize_t n = recv(c->io.fd, w->scratch, want, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_fail(c, -errno);
			return 1;
		}
		if (w->io_events) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			emit_tcp(c, WIRE_ECHO_RECV, (size_t)n, want, &ts);
		}
		if (n == 0) {
			c->eof = 1;
			break;
		}
		c->in += (uint64_t)n;
		w->st.tcp_in += (uint64_t)n;
		int rc;
		if (w->e->framed) {
			struct frame_ctx fx = {.c = c};
			if (!c->fr) {
				c->fr = malloc(sizeof(*c->fr));
				if (!c->fr) {
					conn_close(c, WIRE_ECHO_ERROR, -ENOMEM, NULL);
					return 1;
				}
				wire_framer_init(c->fr, &w->e->frame);
			}
			rc = wire_framer_feed(c->fr, w->scratch, (size_t)n, on_frame, &fx);
			if (rc < 0) {
				conn_close(c, WIRE_ECHO_BAD_FRAME, rc,
				           fx.why[0] ? fx.why : c->fr->why);
				return 1;
			}
			rc = conn_flush(c);
		} else {
			rc = conn_echo(c, w->scratch, (size_t)n);
		}
		if (rc < 0) {
			conn_fail(c, rc);
			return 1;
		}
		if ((size_t)n < want)
			break; /* the socket is very likely drained */
	}
	if (c->eof && w->e->framed && c->fr) {
		struct frame_ctx fx = {.c = c};
		int rc = wire_framer_finish(c->fr, on_frame, &fx);
		if (rc < 0) {
			conn_close(c, WIRE_ECHO_BAD_FRAME, rc, fx.why[0] ? fx.why : c->fr->why);
			return 1;
		}
		wire_framer_free(c->fr);
		free(c->fr);
		c->fr = NULL;
		rc = conn_flush(c);
		if (rc < 0) {
			conn_fail(c, rc);
			return 1;
		}
	}
	return 0;
}

static void conn_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	struct conn *c = (struct conn *)io;
	(void)l;
	touch(c);
	if (events & EPOLLERR) {
		conn_fail(c, wire_sock_error(io->fd));
		return;
	}
	if (events & EPOLLOUT) {
		int rc = conn_flush(c);
		if (rc < 0) {
			conn_fail(c, rc);
			return;
		}
	}
	if ((events & (EPOLLIN | EPOLLHUP)) && !c->eof) {
		if (conn_read(c))
			return;
	}
	if (c->eof && wire_buf_used(&c->out) == 0) {
		/* Half-closed and everything echoed: close (our FIN). */
		conn_close(c, WIRE_ECHO_FIN, 0, NULL);
		return;
	}
	int rc = conn_update(c);
	if (rc < 0) {
		conn_close(c, WIRE_ECHO_ERROR, rc, NULL);
		return;
	}
	if (c->w->e->framed && conn_account(c))
		budget_enforce(c->w);
}

/* ---- accepting -------------------------------------------------------- */

static void accept_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	struct worker *w = io->ud;
	struct wire_echo *e = w->e;
	(void)events;
	for (int i = 0; i < WIRE_ACCEPT_BATCH; i++) {
		union peer_addr peer;
		socklen_t plen = sizeof(peer);
		int fd = wire_accept_one(io->fd, &peer.sa, &plen);
		if (fd < 0) {
			if (fd == -EAGAIN)
				return;
			w->st.accept_errors++;
			emit(w, WIRE_ECHO_ACCEPT_ERR, NULL, fd, NULL);
			(void)wire_accept_pause(&w->accept_pause, fd);
			return;
		}
		uint64_t now_active = __atomic_add_fetch(&e->active, 1, __ATOMIC_RELAXED);
		if (e->cfg.max_conns && now_active > e->cfg.max_conns) {
			__atomic_fetch_sub(&e->active, 1, __ATOMIC_RELAXED);
			w->st.refused++;
			struct conn tmp;
			memset(&tmp, 0, sizeof(tmp));
			tmp.io.fd = fd;
			tmp.peer = peer;
			tmp.peer_len = plen;
			emit(w, WIRE_ECHO_REFUSED, &tmp, 0, NULL);
			close(fd);
			continue;
		}
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			__atomic_fetch_sub(&e->active, 1, __ATOMIC_RELAXED);
			w->st.accept_errors++;
			close(fd);
			continue;
		}
		int one = 1;
		/* Echo replies are latency-bound: no Nagle delay. */
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
			int err = -errno;
			__atomic_fetch_sub(&e->active, 1, __ATOMIC_RELAXED);
			w->st.accept_errors++;
			emit(w, WIRE_ECHO_ACCEPT_ERR, NULL, err, NULL);
			close(fd);
			free(c);
			continue;
		}
		c->io.fd = fd;
		c->io.cb = conn_cb;
		c->io.ud = c;
		c->w = w;
		c->peer = peer;
		c->peer_len = plen;
		wire_buf_init(&c->out, e->out_max);
		int rc = wire_loop_add(l, &c->io, EPOLLIN);
		if (rc < 0) {
			__atomic_fetch_sub(&e->active, 1, __ATOMIC_RELAXED);
			w->st.accept_errors++;
			emit(w, WIRE_ECHO_ACCEPT_ERR, NULL, rc, NULL);
			close(fd);
			free(c);
			continue;
		}
		wire_conn_list_push(&w->list, &c->link, wire_loop_now(l));
		w->st.conns++;
		emit(w, WIRE_ECHO_CONNECT, c, 0, NULL);
	}
}

/* ---- UDP -------------------------------------------------------------- */

/* Returns 1 when two received datagrams came from the same peer. */
static int same_peer(const struct msghdr *a, const struct msghdr *b)
{
	return a->msg_namelen == b->msg_namelen &&
	       memcmp(a->msg_name, b->msg_name, a->msg_namelen) == 0;
}

/* Builds send units from datagrams first..n-1 of the batch: with GSO, a run
 * of datagrams to one peer, all of one size (the last may be shorter), goes
 * as one UDP_SEGMENT send that the kernel cuts back into the same datagrams;
 * otherwise one unit per datagram. Returns the number of units. */
static int udp_group(struct worker *w, int first, int n)
{
	int u = 0;
	for (int i = first; i < n;) {
		size_t seg = w->msgs[i].msg_len, total = seg;
		int j = i + 1;
		while (w->gso && seg > 0 && j < n && j - i < UDP_GSO_SEGS &&
		       same_peer(&w->msgs[i].msg_hdr, &w->msgs[j].msg_hdr)) {
			size_t lj = w->msgs[j].msg_len;
			if (lj == 0 || lj > seg || total + lj > UDP_GSO_BYTES)
				break;
			total += lj;
			j++;
			if (lj < seg)
				break; /* a shorter datagram ends a run */
		}
		struct msghdr *h = &w->units[u].msg_hdr;
		memset(h, 0, sizeof(*h));
		h->msg_name = w->msgs[i].msg_hdr.msg_name;
		h->msg_namelen = w->msgs[i].msg_hdr.msg_namelen;
		h->msg_iov = &w->iov[i];
		h->msg_iovlen = (size_t)(j - i);
		if (j - i > 1) {
			uint16_t s16 = (uint16_t)seg;
			h->msg_control = w->cmsg[u].buf;
			h->msg_controllen = sizeof(w->cmsg[u].buf);
			struct cmsghdr *cm = CMSG_FIRSTHDR(h);
			cm->cmsg_level = SOL_UDP;
			cm->cmsg_type = UDP_SEGMENT;
			cm->cmsg_len = CMSG_LEN(sizeof(s16));
			memcpy(CMSG_DATA(cm), &s16, sizeof(s16));
		}
		u++;
		i = j;
	}
	return u;
}

/* Sends the n received datagrams back to their senders with as few kernel
 * passes as it can (sendmmsg over GSO units). A datagram the kernel does not
 * take at once is dropped and counted: UDP may lose it, the loop must not
 * wait. */
static void udp_send(struct worker *w, int fd, int n)
{
	int first = 0;
	while (first < n) {
		int nu = udp_group(w, first, n);
		int done = 0;
		while (done < nu) {
			struct timespec ts;
			if (w->io_events)
				clock_gettime(CLOCK_REALTIME, &ts);
			int k = sendmmsg(fd, w->units + done, (unsigned)(nu - done), MSG_DONTWAIT);
			if (k < 0 && errno == EINTR)
				continue;
			int stop = k < 0 ? done : done + k;
			for (int u = done; u < stop; u++) {
				const struct msghdr *h = &w->units[u].msg_hdr;
				w->st.dgrams_out += h->msg_iovlen;
				for (size_t i = 0; i < h->msg_iovlen; i++) {
					w->st.udp_out += h->msg_iov[i].iov_len;
					if (w->io_events) {
						struct io_call ic = {.type = WIRE_ECHO_SENDTO,
						                     .fd = fd,
						                     .peer = h->msg_name,
						                     .peer_len = h->msg_namelen,
						                     .len = h->msg_iov[i].iov_len,
						                     .asked = (size_t)(nu - done),
						                     .got = k,
						                     .ts = &ts};
						emit_io(w, &ic);
					}
				}
			}
			if (k >= 0) {
				done += k;
				continue;
			}
			/* Unit `done` failed. */
			const struct msghdr *h = &w->units[done].msg_hdr;
			int at = (int)(h->msg_iov - w->iov);
			if (h->msg_iovlen > 1 && w->gso &&
			    (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT ||
			     errno == EOPNOTSUPP)) {
				w->gso = 0; /* no UDP GSO here: regroup, one by one */
				first = at;
			} else {
				w->st.udp_dropped += h->msg_iovlen;
				first = at + (int)h->msg_iovlen;
			}
			break;
		}
		if (done == nu)
			return;
	}
}

static void udp_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	struct worker *w = io->ud;
	const unsigned batch = WIRE_ECHO_UDP_BATCH;
	(void)l;
	(void)events;
	for (int round = 0; round < UDP_ROUNDS; round++) {
		for (unsigned i = 0; i < batch; i++) {
			w->iov[i].iov_base = w->udp_buf + (size_t)i * UDP_SLOT;
			w->iov[i].iov_len = UDP_SLOT;
			struct msghdr *h = &w->msgs[i].msg_hdr;
			memset(h, 0, sizeof(*h));
			h->msg_name = &w->names[i];
			h->msg_namelen = sizeof(w->names[i]);
			h->msg_iov = &w->iov[i];
			h->msg_iovlen = 1;
			w->msgs[i].msg_len = 0;
		}
		int n = recvmmsg(io->fd, w->msgs, batch, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN, or an error queued for this socket: next event */
		}
		if (n == 0)
			return;
		w->st.dgrams_in += (uint64_t)n;
		struct timespec ts;
		if (w->io_events)
			clock_gettime(CLOCK_REALTIME, &ts);
		for (int i = 0; i < n; i++) {
			w->iov[i].iov_len = w->msgs[i].msg_len;
			w->st.udp_in += w->msgs[i].msg_len;
			if (w->io_events) {
				struct io_call ic = {.type = WIRE_ECHO_RECVFROM,
				                     .fd = io->fd,
				                     .peer = (const struct sockaddr *)&w->names[i],
				                     .peer_len = w->msgs[i].msg_hdr.msg_namelen,
				                     .len = w->msgs[i].msg_len,
				                     .asked = batch,
				                     .got = n,
				                     .ts = &ts};
				emit_io(w, &ic);
			}
		}
		udp_send(w, io->fd, n);
		if ((unsigned)n < batch)
			return;
	}
}

/* ---- stopping and the idle sweep ---------------------------------------- */

static void close_listener(struct worker *w, struct wire_io *io)
{
	if (io->fd < 0)
		return;
	(void)wire_loop_del(w->loop, io);
	close(io->fd);
	io->fd = -1;
}

static void worker_stop(struct worker *w)
{
	if (w->stopping)
		return;
	w->stopping = 1;
	close_listener(w, &w->tcp);
	close_listener(w, &w->udp);
	if (w->stop.fd >= 0) {
		(void)wire_loop_del(w->loop, &w->stop);
		w->stop.fd = -1; /* owned by the server, closed in wire_echo_free */
	}
	if (w->stop_ext.fd >= 0) {
		(void)wire_loop_del(w->loop, &w->stop_ext);
		w->stop_ext.fd = -1;
	}
	for (struct conn *c; (c = oldest(w)) != NULL;) {
		(void)conn_flush(c);
		conn_close(c, WIRE_ECHO_SHUTDOWN, 0, NULL);
	}
	wire_loop_stop(w->loop);
}

static void stop_cb(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	(void)l;
	(void)events;
	worker_stop(io->ud);
}

static void sweep_cb(struct wire_loop *l, void *ud)
{
	struct worker *w = ud;
	int64_t limit = wire_loop_now(l) - w->e->cfg.idle_ms;
	for (struct conn *c; (c = oldest(w)) != NULL && c->link.last <= limit;)
		conn_close(c, WIRE_ECHO_IDLE, 0, NULL);
}

/* ---- set-up ----------------------------------------------------------- */

static void close_sockets(struct wire_echo *e)
{
	for (int i = 0; i < e->nw; i++) {
		if (e->w[i].tcp.fd >= 0)
			close(e->w[i].tcp.fd);
		if (e->w[i].udp.fd >= 0)
			close(e->w[i].udp.fd);
		e->w[i].tcp.fd = e->w[i].udp.fd = -1;
	}
}

/* Opens one worker's sockets on *port (0: pick, then set *port). Returns 0 or
 * a negative code; *proto names the failing protocol. */
static int open_worker(struct wire_echo *e, struct worker *w, uint16_t *port, int flags,
                       int *gai_err, const char **proto)
{
	const struct wire_echo_config *cfg = &e->cfg;
	struct wire_addr bound;
	int rc;
	if (cfg->tcp) {
		*proto = "tcp";
		rc = wire_listen(cfg->host, *port, cfg->family, SOCK_STREAM, flags, &w->tcp.fd,
		                 &bound, gai_err);
		if (rc < 0)
			return rc;
		if (w->idx == 0) {
			e->addr = bound;
			e->dual = wire_is_dual_stack(w->tcp.fd);
		}
		*port = wire_addr_port((struct sockaddr *)&bound.ss);
		rc = wire_set_nonblock(w->tcp.fd, 1);
		if (rc < 0)
			return rc;
	}
	if (cfg->udp) {
		*proto = "udp";
		rc = wire_listen(cfg->host, *port, cfg->family, SOCK_DGRAM, flags, &w->udp.fd,
		                 &bound, gai_err);
		if (rc < 0)
			return rc;
		if (w->idx == 0 && !cfg->tcp) {
			e->addr = bound;
			e->dual = wire_is_dual_stack(w->udp.fd);
		}
		*port = wire_addr_port((struct sockaddr *)&bound.ss);
		rc = wire_set_nonblock(w->udp.fd, 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int wire_echo_new(const struct wire_echo_config *cfg, struct wire_echo **out, int *gai_err,
                  const char **failed_proto)
{
	const char *proto_dummy;
	if (!failed_proto)
		failed_proto = &proto_dummy;
	*failed_proto = NULL;
	if ((!cfg->tcp && !cfg->udp) || cfg->threads < 1 || cfg->threads > WIRE_ECHO_THREADS_MAX ||
	    cfg->idle_ms < 0)
		return WIRE_E_USAGE;
	struct wire_echo *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = *cfg;
	e->evfd = -1;
	e->out_max = WIRE_ECHO_CONN_BUF;
	if (cfg->frame) {
		e->frame = *cfg->frame;
		e->framed = 1;
		e->cfg.frame = &e->frame;
		/* One read of up to WIRE_ECHO_CONN_BUF bytes can complete a message
		 * of up to max bytes and re-encode its neighbours with their
		 * headers: room for all of that, and no more. */
		e->out_max = WIRE_ECHO_CONN_BUF * 4u + e->frame.max + WIRE_FRAME_HEADER_MAX;
		e->budget = WIRE_ECHO_FRAME_BUDGET;
		if (e->frame.max <= SIZE_MAX / 8 && e->budget < 4u * (uint64_t)e->frame.max)
			e->budget = 4u * (uint64_t)e->frame.max;
	}
	e->nw = cfg->threads;
	e->w = calloc((size_t)e->nw, sizeof(*e->w));
	if (!e->w) {
		free(e);
		return -ENOMEM;
	}
	for (int i = 0; i < e->nw; i++) {
		e->w[i].e = e;
		e->w[i].idx = i;
		e->w[i].io_events = cfg->io_events && cfg->on_event;
		e->w[i].tcp.fd = e->w[i].udp.fd = -1;
		e->w[i].stop.fd = e->w[i].stop_ext.fd = -1;
		e->w[i].sweep_id = -1;
	}
	int flags = e->nw > 1 ? WIRE_LISTEN_REUSEPORT : 0;
	if (cfg->family == AF_INET6)
		flags |= WIRE_LISTEN_V6ONLY; /* -6: no IPv4 on the wildcard */
	int rc = 0;
	for (int attempt = 0; attempt < WIRE_ECHO_PORT_TRIES; attempt++) {
		uint16_t port = cfg->port;
		for (int i = 0; i < e->nw && rc == 0; i++)
			rc = open_worker(e, &e->w[i], &port, flags, gai_err, failed_proto);
		if (rc == 0)
			break;
		close_sockets(e);
		/* With PORT 0 the TCP port may be taken for UDP (or by
		 * another server for a later worker): pick another. */
		if (rc != -EADDRINUSE || cfg->port != 0 || attempt == WIRE_ECHO_PORT_TRIES - 1)
			break;
		rc = 0;
	}
	if (rc < 0) {
		free(e->w);
		free(e);
		return rc;
	}
	e->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->evfd < 0) {
		rc = -errno;
		wire_echo_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

int wire_echo_address(const struct wire_echo *e, struct wire_addr *addr)
{
	*addr = e->addr;
	return e->dual;
}

int wire_echo_socket(const struct wire_echo *e, int i, int udp)
{
	if (i < 0 || i >= e->nw)
		return -1;
	return udp ? e->w[i].udp.fd : e->w[i].tcp.fd;
}

/* Builds a worker's loop and buffers. Returns 0 or -errno. */
static int worker_setup(struct worker *w)
{
	struct wire_echo *e = w->e;
	int rc = wire_loop_new(&w->loop);
	if (rc < 0)
		return rc;
	w->scratch = malloc(WIRE_ECHO_CONN_BUF);
	if (!w->scratch)
		return -ENOMEM;
	if (w->udp.fd >= 0) {
		w->udp_buf = malloc((size_t)WIRE_ECHO_UDP_BATCH * UDP_SLOT);
		w->msgs = calloc(WIRE_ECHO_UDP_BATCH, sizeof(*w->msgs));
		w->iov = calloc(WIRE_ECHO_UDP_BATCH, sizeof(*w->iov));
		w->names = calloc(WIRE_ECHO_UDP_BATCH, sizeof(*w->names));
		w->units = calloc(WIRE_ECHO_UDP_BATCH, sizeof(*w->units));
		w->cmsg = calloc(WIRE_ECHO_UDP_BATCH, sizeof(*w->cmsg));
		if (!w->udp_buf || !w->msgs || !w->iov || !w->names || !w->units || !w->cmsg)
			return -ENOMEM;
		w->gso = 1;
		w->udp.cb = udp_cb;
		w->udp.ud = w;
		if ((rc = wire_loop_add(w->loop, &w->udp, EPOLLIN)) < 0)
			return rc;
	}
	if (w->tcp.fd >= 0) {
		w->tcp.cb = accept_cb;
		w->tcp.ud = w;
		w->accept_pause.loop = w->loop;
		w->accept_pause.io = &w->tcp;
		if ((rc = wire_loop_add(w->loop, &w->tcp, EPOLLIN)) < 0)
			return rc;
	}
	w->stop.fd = e->evfd;
	w->stop.cb = stop_cb;
	w->stop.ud = w;
	if ((rc = wire_loop_add(w->loop, &w->stop, EPOLLIN)) < 0) {
		w->stop.fd = -1;
		return rc;
	}
	if (e->cfg.stop_fd >= 0) {
		w->stop_ext.fd = e->cfg.stop_fd;
		w->stop_ext.cb = stop_cb;
		w->stop_ext.ud = w;
		if ((rc = wire_loop_add(w->loop, &w->stop_ext, EPOLLIN)) < 0) {
			w->stop_ext.fd = -1;
			return rc;
		}
	}
	if (e->cfg.idle_ms > 0) {
		int period = wire_conn_sweep_period(e->cfg.idle_ms);
		w->sweep_id = wire_loop_every(w->loop, period, sweep_cb, w);
		if (w->sweep_id < 0)
			return w->sweep_id;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	w->rc = wire_loop_run(w->loop);
	if (!w->stopping) {
		/* The loop failed: this worker is done, close its clients. */
		worker_stop(w);
	}
	return NULL;
}

int wire_echo_run(struct wire_echo *e)
{
	int rc = 0;
	for (int i = 0; i < e->nw && rc == 0; i++)
		rc = worker_setup(&e->w[i]);
	for (int i = 1; i < e->nw && rc == 0; i++) {
		int prc = pthread_create(&e->w[i].th, NULL, worker_main, &e->w[i]);
		if (prc != 0) {
			rc = -prc;
			break;
		}
		e->w[i].started = 1;
	}
	if (rc == 0) {
		worker_main(&e->w[0]);
		rc = e->w[0].rc;
	} else {
		wire_echo_stop(e);
	}
	for (int i = 1; i < e->nw; i++) {
		if (e->w[i].started) {
			pthread_join(e->w[i].th, NULL);
			e->w[i].started = 0;
			if (rc == 0)
				rc = e->w[i].rc;
		}
	}
	return rc;
}

void wire_echo_stop(struct wire_echo *e)
{
	uint64_t one = 1;
	ssize_t k = write(e->evfd, &one, sizeof(one));
	(void)k; /* a full counter is still readable: nothing to retry */
}

void wire_echo_stats(const struct wire_echo *e, struct wire_echo_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < e->nw; i++) {
		const struct wire_echo_stats *s = &e->w[i].st;
		st->conns += s->conns;
		st->refused += s->refused;
		st->fin += s->fin;
		st->rst += s->rst;
		st->idle += s->idle;
		st->bad_frames += s->bad_frames;
		st->errors += s->errors;
		st->shutdown += s->shutdown;
		st->over_budget += s->over_budget;
		st->tcp_in += s->tcp_in;
		st->tcp_out += s->tcp_out;
		st->dgrams_in += s->dgrams_in;
		st->dgrams_out += s->dgrams_out;
		st->udp_in += s->udp_in;
		st->udp_out += s->udp_out;
		st->udp_dropped += s->udp_dropped;
		st->accept_errors += s->accept_errors;
	}
	st->active = __atomic_load_n(&e->active, __ATOMIC_RELAXED);
	st->held_peak = __atomic_load_n(&e->held_peak, __ATOMIC_RELAXED);
}

void wire_echo_free(struct wire_echo *e)
{
	if (!e)
		return;
	for (int i = 0; i < e->nw; i++) {
		struct worker *w = &e->w[i];
		if (w->loop) {
			/* Clients still open (the server never ran its stop path). */
			for (struct conn *c; (c = oldest(w)) != NULL;) {
				wire_conn_list_unlink(&w->list, &c->link);
				close(c->io.fd);
				if (c->fr) {
					wire_framer_free(c->fr);
					free(c->fr);
				}
				wire_buf_free(&c->out);
				free(c);
			}
			wire_loop_free(w->loop);
		}
		free(w->scratch);
		free(w->udp_buf);
		free(w->msgs);
		free(w->iov);
		free(w->names);
		free(w->units);
		free(w->cmsg);
	}
	close_sockets(e);
	if (e->evfd >= 0)
		close(e->evfd);
	free(e->w);
	free(e);
}
