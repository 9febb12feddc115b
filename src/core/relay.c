/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stdin/stdout <-> socket relay (include/wire/relay.h). One poll(2) loop
 * over at most three descriptors; poll rather than epoll because stdin may be
 * a regular file, which epoll refuses. Each direction has a mode chosen from
 * what its descriptors are:
 *   input -> socket:  pipe: splice(2) directly; regular file: sendfile(2);
 *                     anything else (tty, socket, /dev/zero): read/send
 *   socket -> output: pipe: splice directly; file, /dev/null, socket:
 *                     splice through a private pipe; tty: recv/write
 * A splice that the kernel refuses with EINVAL drops that direction to
 * read/write. Backpressure: each direction holds at most one buffer (or one
 * pipe) of bytes and stops reading while that is not flushed; "EAGAIN from
 * splice" is ambiguous (empty source or full sink), so after one the loop
 * waits for the sink to become writable before reading again.
 * Framing and UDP always take the buffered path.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_acked */
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wire/err.h"
#include "wire/limits.h"
#include "wire/loop.h"
#include "wire/relay.h"
#include "wire/sock.h"
#include "wire/text.h"

enum mode { M_RW = 0, M_SPLICE, M_SENDFILE, M_VIA };

/* stdin bytes read per call when framing (bounds the encoded expansion) */
#define FRAME_READ_CHUNK (16u * 1024u)
/* framed bytes queued for the socket before stdin is read again */
#define FRAME_UP_HIGH WIRE_RELAY_BUF

struct relay {
	const struct wire_relay_opts *o;
	struct wire_relay_result *r;
	int sock, in, out;
	enum mode in_mode, out_mode;
	uint8_t *ubuf, *dbuf; /* stdin->socket, socket->stdout (RW modes) */
	size_t uoff, ulen, doff, dlen;
	int pipe[2]; /* M_VIA: socket -> pipe -> output */
	size_t pipe_n, pipe_cap;
	int up_wait_sock;  /* a splice/sendfile to the socket hit EAGAIN */
	int down_wait_out; /* a splice to the output pipe hit EAGAIN */
	int in_eof, peer_eof, fin_sent;
	int in_tty;     /* stdin is a terminal */
	int last_cr;    /* crlf: the last input byte was CR */
	int rst_call;   /* the PEER_RST event's n: which call saw the reset */
	int64_t acked0; /* TCP: tcpi_bytes_acked at the start (a SYN may count), or -1 */
	int64_t last, quit_at;
	uint64_t udp_in, udp_done; /* UDP: stdin bytes read; those whose datagram went out */
	/* framing */
	struct wire_lines lines; /* stdin lines -> messages */
	struct wire_buf eofmsg;  /* eof kind: the whole input */
	struct wire_buf fup;     /* encoded bytes for the socket */
	struct wire_framer fr;   /* the peer's stream */
	int framing;
};

static void ev(struct relay *R, enum wire_relay_ev t, uint64_t n, uint64_t len)
{
	if (!R->o->event)
		return;
	struct wire_relay_event e;
	memset(&e, 0, sizeof(e));
	e.type = t;
	e.n = n;
	e.len = len;
	R->o->event(R->o->ud, &e);
}

/* --trace: the start time of a socket call, taken only with io_events. */
static void io_start(const struct relay *R, struct timespec *ts)
{
	if (R->o->io_events)
		clock_gettime(CLOCK_REALTIME, ts);
	else
		ts->tv_sec = ts->tv_nsec = 0;
}

/* --trace: reports one socket call (io_events only; SENT_FIN always). */
static void io_ev(struct relay *R, enum wire_relay_ev t, uint64_t n, const struct timespec *began)
{
	if (!R->o->event || (!R->o->io_events && t != WIRE_RELAY_EV_SENT_FIN))
		return;
	struct wire_relay_event e;
	memset(&e, 0, sizeof(e));
	e.type = t;
	e.n = n;
	if (began)
		e.ts = *began;
	R->o->event(R->o->ud, &e);
}

void wire_relay_opts_init(struct wire_relay_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->in_fd = o->out_fd = o->sock = o->stop_fd = -1;
	o->quit_ms = -1;
	o->idle_ms = -1;
	o->udp_buf = WIRE_UDP_DEFAULT_BUF;
}

enum wire_relay_next wire_relay_next_step(const struct wire_relay_state *s)
{
	if (s->input_eof && !s->up_pending && !s->fin_sent && !s->recv_only)
		return WIRE_RELAY_SEND_FIN;
	if (!s->peer_eof || s->down_pending)
		return WIRE_RELAY_GO_ON;
	/* The peer is done sending; that ends its direction only. stdin goes
	 * on until its EOF (a `listen </dev/null` sends FIN at once, and the
	 * file a client sends to it must arrive whole), except from a terminal:
	 * there nothing is lost by ending once what was typed is sent. */
	if (s->fin_sent || s->recv_only)
		return WIRE_RELAY_DONE;
	if (s->input_tty && !s->input_eof && !s->up_pending && !s->input_ready)
		return WIRE_RELAY_DONE;
	return WIRE_RELAY_GO_ON;
}

/* Returns 1 when stdin can be read without waiting (data or EOF). */
static int input_ready(const struct relay *R)
{
	if (R->in_mode == M_SENDFILE)
		return 1;
	struct pollfd p = {.fd = R->in, .events = POLLIN};
	int n;
	do
		n = poll(&p, 1, 0);
	while (n < 0 && errno == EINTR);
	return n > 0;
}

/* Writes a and then b (either may be empty) with as few writes as possible,
 * waiting on EAGAIN. Returns 0 or -errno. */
static int write2(int fd, const void *a, size_t alen, const void *b, size_t blen)
{
	struct iovec iov[2] = {{(void *)a, alen}, {(void *)b, blen}};
	int i = 0;
	while (i < 2) {
		if (iov[i].iov_len == 0) {
			i++;
			continue;
		}
		ssize_t w = writev(fd, iov + i, 2 - i);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd p = {.fd = fd, .events = POLLOUT};
				(void)poll(&p, 1, -1);
				continue;
			}
			return -errno;
		}
		size_t k = (size_t)w;
		while (i < 2 && k >= iov[i].iov_len) {
			k -= iov[i].iov_len;
			iov[i].iov_len = 0;
			i++;
		}
		if (i < 2) {
			iov[i].iov_base = (char *)iov[i].iov_base + k;
			iov[i].iov_len -= k;
		}
	}
	return 0;
}

static int fail(struct relay *R, int err, enum wire_relay_side where)
{
	R->r->where = where;
	/* A TCP socket that this side has not shut down fails a send with EPIPE
	 * only once it was reset (an RST that came after the peer's FIN sets
	 * EPIPE, not ECONNRESET): either way, the peer reset the connection. */
	if (where == WIRE_RELAY_AT_SOCK && !R->o->udp && err == -EPIPE)
		err = -ECONNRESET;
	if (where == WIRE_RELAY_AT_SOCK && !R->o->udp && err == -ECONNRESET)
		ev(R, WIRE_RELAY_EV_PEER_RST, (uint64_t)R->rst_call, 0);
	return err;
}

/* fail() for an error of a call that sends to the socket. */
static int fail_send(struct relay *R, int err, enum wire_relay_side where)
{
	R->rst_call = WIRE_RELAY_RST_SEND;
	return fail(R, err, where);
}

static void grow_pipe(int fd)
{
	/* best effort: a bigger pipe means fewer wake-ups per byte */
	(void)fcntl(fd, F_SETPIPE_SZ, (int)WIRE_SPLICE_CHUNK);
}

static void choose_modes(struct relay *R)
{
	struct stat st;
	R->in_mode = R->out_mode = M_RW;
	if (R->o->no_splice || R->framing || R->o->udp)
		return;
	if (R->in >= 0 && !R->o->crlf && fstat(R->in, &st) == 0 && !isatty(R->in)) {
		if (S_ISFIFO(st.st_mode)) {
			R->in_mode = M_SPLICE;
			grow_pipe(R->in);
		} else if (S_ISREG(st.st_mode)) {
			R->in_mode = M_SENDFILE;
		}
	}
	if (R->out >= 0 && fstat(R->out, &st) == 0 && !isatty(R->out)) {
		if (S_ISFIFO(st.st_mode)) {
			R->out_mode = M_SPLICE;
			grow_pipe(R->out);
		} else if (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode) ||
		           S_ISBLK(st.st_mode)) {
			if (pipe2(R->pipe, O_CLOEXEC | O_NONBLOCK) == 0) {
				grow_pipe(R->pipe[1]);
				int sz = fcntl(R->pipe[1], F_GETPIPE_SZ);
				R->pipe_cap = sz > 0 ? (size_t)sz : 65536;
				R->out_mode = M_VIA;
			}
		}
	}
}

/* ---- input -> socket ---------------------------------------------------- */

static void input_eof(struct relay *R)
{
	R->in_eof = 1;
	R->r->input_eof = 1;
	ev(R, WIRE_RELAY_EV_INPUT_EOF, 0, 0);
}

/* Encodes one stdin message for the socket. Returns 0 or a code. */
static int frame_msg(struct relay *R, const uint8_t *msg, size_t n)
{
	char why[160];
	int rc = wire_frame_encode(&R->fr.spec, msg, n, &R->fup, why, sizeof(why));
	if (rc < 0) {
		snprintf(R->r->why, sizeof(R->r->why), "stdin: %s", why);
		return rc;
	}
	R->r->frames_sent++;
	ev(R, WIRE_RELAY_EV_FRAME_SENT, R->r->frames_sent, n);
	return 0;
}

static int frame_line(void *ud, const uint8_t *line, size_t len)
{
	struct relay *R = ud;
	size_t n = len;
	if (n && line[n - 1] == '\n') {
		n--;
	} else if (len == R->lines.max) {
		snprintf(R->r->why, sizeof(R->r->why),
		         "stdin: a line longer than the maximum frame of %zu bytes",
		         R->fr.spec.max);
		return WIRE_E_TOOBIG;
	}
	return frame_msg(R, line, n);
}

/* Reads up to n bytes of stdin, retrying EINTR. Returns the count (0 at
 * EOF), -EAGAIN when nothing is there yet, or another -errno. */
static ssize_t in_read(struct relay *R, void *buf, size_t n)
{
	ssize_t r;
	do
		r = read(R->in, buf, n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* Reads stdin when framing. Returns 0 or a negative code. */
static int up_read_framed(struct relay *R)
{
	uint8_t tmp[FRAME_READ_CHUNK];
	ssize_t n = in_read(R, tmp, sizeof(tmp));
	if (n < 0)
		return n == -EAGAIN ? 0 : fail(R, (int)n, WIRE_RELAY_AT_INPUT);
	int rc;
	if (n == 0) {
		input_eof(R);
		if (R->fr.spec.kind == WIRE_FRAME_EOF) {
			/* an empty stream is no message */
			rc = wire_buf_used(&R->eofmsg) ? frame_msg(R, wire_buf_head(&R->eofmsg),
			                                           wire_buf_used(&R->eofmsg))
			                               : 0;
		} else {
			rc = wire_lines_finish(&R->lines, frame_line, R);
		}
		return rc < 0 ? fail(R, rc, WIRE_RELAY_AT_FRAME_OUT) : 0;
	}
	if (R->fr.spec.kind == WIRE_FRAME_EOF) {
		rc = wire_buf_append(&R->eofmsg, tmp, (size_t)n);
		if (rc == WIRE_E_TOOBIG)
			snprintf(R->r->why, sizeof(R->r->why),
			         "stdin: longer than the maximum frame of %zu bytes",
			         R->fr.spec.max);
	} else {
		rc = wire_lines_feed(&R->lines, tmp, (size_t)n, frame_line, R);
	}
	return rc < 0 ? fail(R, rc, WIRE_RELAY_AT_FRAME_OUT) : 0;
}

/* Reads stdin for --crlf (the read/write path). Returns 0 or a code. */
static int up_read_crlf(struct relay *R)
{
	uint8_t tmp[FRAME_READ_CHUNK];
	ssize_t n = in_read(R, tmp, sizeof(tmp));
	if (n < 0)
		return n == -EAGAIN ? 0 : fail(R, (int)n, WIRE_RELAY_AT_INPUT);
	if (n == 0) {
		input_eof(R);
		return 0;
	}
	R->uoff = 0;
	R->ulen = wire_crlf_expand(tmp, (size_t)n, R->ubuf, &R->last_cr);
	return 0;
}

/* Moves input towards the socket after stdin became readable. Returns 0 or a
 * negative code. */
static int up_read(struct relay *R)
{
	ssize_t n;
	if (R->framing)
		return up_read_framed(R);
	if (R->o->crlf)
		return up_read_crlf(R);
	if (R->in_mode == M_SPLICE) {
		do
			n = splice(R->in, NULL, R->sock, NULL, WIRE_SPLICE_CHUNK,
			           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		while (n < 0 && errno == EINTR);
		if (n > 0) {
			R->r->sent += (uint64_t)n;
			R->r->spliced = 1;
			R->last = wire_now_ms();
			return 0;
		}
		if (n == 0) {
			input_eof(R);
			return 0;
		}
		if (errno == EAGAIN) {
			R->up_wait_sock = 1;
			return 0;
		}
		if (errno == EINVAL) {
			R->in_mode = M_RW;
			ev(R, WIRE_RELAY_EV_SPLICE_OFF, 0, 0);
			return 0;
		}
		return fail_send(R, -errno, WIRE_RELAY_AT_SOCK);
	}
	do
		n = read(R->in, R->ubuf, WIRE_RELAY_BUF);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : fail(R, -errno, WIRE_RELAY_AT_INPUT);
	if (n == 0) {
		input_eof(R);
		return 0;
	}
	R->uoff = 0;
	R->ulen = (size_t)n;
	return 0;
}

/* Sends to the socket after it became writable. Returns 0 or a code. */
static int up_send(struct relay *R)
{
	ssize_t n;
	if (R->in_mode == M_SPLICE && !R->framing) {
		R->up_wait_sock = 0; /* stdin is polled again */
		return 0;
	}
	if (R->in_mode == M_SENDFILE && !R->framing) {
		do
			n = sendfile(R->sock, R->in, NULL, WIRE_SPLICE_CHUNK);
		while (n < 0 && errno == EINTR);
		if (n > 0) {
			R->r->sent += (uint64_t)n;
			R->r->spliced = 1;
			R->last = wire_now_ms();
			return 0;
		}
		if (n == 0) {
			input_eof(R);
			return 0;
		}
		if (errno == EAGAIN)
			return 0;
		if (errno == EINVAL || errno == ENOSYS) {
			R->in_mode = M_RW;
			ev(R, WIRE_RELAY_EV_SPLICE_OFF, 0, 0);
			return 0;
		}
		return fail_send(R, -errno,
		                 errno == EIO ? WIRE_RELAY_AT_INPUT : WIRE_RELAY_AT_SOCK);
	}
	const uint8_t *p;
	size_t len;
	if (R->framing) {
		p = wire_buf_head(&R->fup);
		len = wire_buf_used(&R->fup);
	} else {
		p = R->ubuf + R->uoff;
		len = R->ulen - R->uoff;
	}
	if (len == 0)
		return 0;
	struct timespec t0;
	io_start(R, &t0);
	do
		n = send(R->sock, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : fail_send(R, -errno, WIRE_RELAY_AT_SOCK);
	io_ev(R, WIRE_RELAY_EV_SOCK_SENT, (uint64_t)n, &t0);
	R->r->sent += (uint64_t)n;
	R->last = wire_now_ms();
	if (R->framing) {
		wire_buf_consume(&R->fup, (size_t)n);
	} else {
		R->uoff += (size_t)n;
		if (R->uoff == R->ulen)
			R->uoff = R->ulen = 0;
	}
	return 0;
}

/* ---- socket -> output --------------------------------------------------- */

static void peer_eof(struct relay *R)
{
	R->peer_eof = 1;
	R->r->peer_closed = 1;
	ev(R, WIRE_RELAY_EV_PEER_FIN, 0, 0);
}

static int frame_out(void *ud, const uint8_t *msg, size_t len)
{
	struct relay *R = ud;
	R->r->frames_received++;
	ev(R, WIRE_RELAY_EV_FRAME_RECV, R->r->frames_received, len);
	if (R->o->send_only)
		return 0;
	int eofkind = R->fr.spec.kind == WIRE_FRAME_EOF;
	int rc = write2(R->out, msg, len, "\n", eofkind ? 0 : 1);
	if (rc < 0) {
		R->r->where = WIRE_RELAY_AT_OUTPUT;
		return rc;
	}
	return 0;
}

static int frame_fail(struct relay *R, int rc)
{
	if (R->r->where == WIRE_RELAY_AT_OUTPUT)
		return rc;
	snprintf(R->r->why, sizeof(R->r->why), "%s", R->fr.why);
	return fail(R, rc, WIRE_RELAY_AT_FRAME_IN);
}

/* Drains the private pipe into the output. Returns 0 or a code. */
static int via_drain(struct relay *R)
{
	while (R->pipe_n > 0) {
		ssize_t n = splice(R->pipe[0], NULL, R->out, NULL, R->pipe_n, SPLICE_F_MOVE);
		if (n > 0) {
			R->pipe_n -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = R->out, .events = POLLOUT};
			(void)poll(&p, 1, -1);
			continue;
		}
		if (n < 0 && errno == EINVAL) {
			/* the output refuses splice: copy what the pipe holds, then read/write */
			while (R->pipe_n > 0) {
				ssize_t k = read(R->pipe[0], R->dbuf, WIRE_RELAY_BUF);
				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0)
					return fail(R, k < 0 ? -errno : WIRE_E_INTERNAL,
					            WIRE_RELAY_AT_OUTPUT);
				int rc = wire_write_all(R->out, R->dbuf, (size_t)k);
				if (rc < 0)
					return fail(R, rc, WIRE_RELAY_AT_OUTPUT);
				R->pipe_n -= (size_t)k;
			}
			R->out_mode = M_RW;
			ev(R, WIRE_RELAY_EV_SPLICE_OFF, 1, 0);
			return 0;
		}
		return fail(R, n < 0 ? -errno : -EIO, WIRE_RELAY_AT_OUTPUT);
	}
	return 0;
}

/* Reads the socket after it became readable (or reported an error).
 * Returns 0 or a negative code. */
static int down_read(struct relay *R)
{
	ssize_t n;
	if (!R->framing && !R->o->send_only && (R->out_mode == M_SPLICE || R->out_mode == M_VIA)) {
		int direct = R->out_mode == M_SPLICE;
		size_t want = direct ? WIRE_SPLICE_CHUNK : R->pipe_cap - R->pipe_n;
		do
			n = splice(R->sock, NULL, direct ? R->out : R->pipe[1], NULL, want,
			           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		while (n < 0 && errno == EINTR);
		if (n > 0) {
			R->r->received += (uint64_t)n;
			R->r->spliced = 1;
			R->last = wire_now_ms();
			if (!direct) {
				R->pipe_n += (size_t)n;
				return via_drain(R);
			}
			return 0;
		}
		if (n == 0) {
			peer_eof(R);
			return 0;
		}
		if (errno == EAGAIN) {
			if (direct)
				R->down_wait_out = 1;
			return 0;
		}
		if (errno == EINVAL && R->r->received == 0) {
			R->out_mode = M_RW;
			ev(R, WIRE_RELAY_EV_SPLICE_OFF, 1, 0);
			return 0;
		}
		if (errno == EPIPE && direct)
			return fail(R, -EPIPE, WIRE_RELAY_AT_OUTPUT);
		return fail(R, -errno, WIRE_RELAY_AT_SOCK);
	}
	do
		n = recv(R->sock, R->dbuf, WIRE_RELAY_BUF, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : fail(R, -errno, WIRE_RELAY_AT_SOCK);
	if (n == 0) {
		if (R->framing) {
			int rc = wire_framer_finish(&R->fr, frame_out, R);
			if (rc < 0)
				return frame_fail(R, rc);
		}
		peer_eof(R);
		return 0;
	}
	io_ev(R, WIRE_RELAY_EV_SOCK_RECV, (uint64_t)n, NULL);
	R->r->received += (uint64_t)n;
	R->last = wire_now_ms();
	if (R->framing) {
		int rc = wire_framer_feed(&R->fr, R->dbuf, (size_t)n, frame_out, R);
		return rc < 0 ? frame_fail(R, rc) : 0;
	}
	if (R->o->send_only)
		return 0;
	R->doff = 0;
	R->dlen = (size_t)n;
	return 0;
}

/* Writes to the output after it became writable. Returns 0 or a code. */
static int down_write(struct relay *R)
{
	if (R->out_mode == M_SPLICE) {
		R->down_wait_out = 0;
		return 0;
	}
	if (R->out_mode == M_VIA)
		return via_drain(R);
	while (R->doff < R->dlen) {
		ssize_t n = write(R->out, R->dbuf + R->doff, R->dlen - R->doff);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : fail(R, -errno, WIRE_RELAY_AT_OUTPUT);
		R->doff += (size_t)n;
	}
	R->doff = R->dlen = 0;
	return 0;
}

static int up_pending(const struct relay *R)
{
	if (R->framing)
		return wire_buf_used(&R->fup) > 0;
	return R->ulen > R->uoff;
}

static int down_pending(const struct relay *R)
{
	if (R->out_mode == M_VIA)
		return R->pipe_n > 0;
	return R->dlen > R->doff;
}

/* Returns poll's timeout: the time to the nearer of the idle and -q
 * deadlines (never negative when there is one), or -1 for none. */
static int timeout_left(const struct relay *R, int64_t now)
{
	int have = 0;
	int64_t t = 0;
	if (R->o->idle_ms >= 0) {
		t = R->last + R->o->idle_ms - now;
		have = 1;
	}
	if (R->quit_at >= 0 && (!have || R->quit_at - now < t)) {
		t = R->quit_at - now;
		have = 1;
	}
	if (!have)
		return -1;
	if (t < 0)
		t = 0;
	return t > 0x7fffffff ? 0x7fffffff : (int)t;
}

/* An error or hang-up on the socket while it was polled for neither
 * direction. Returns the error, or 0 when there is none to report. */
static int sock_error(struct relay *R, short revents)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(R->sock, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || !soerr) {
		if (!(revents & POLLHUP) || !R->peer_eof || R->fin_sent)
			return 0;
		/* both directions shut while this side never sent FIN: an RST
		 * whose error a previous call already took */
		soerr = ECONNRESET;
	}
	R->rst_call = WIRE_RELAY_RST_POLL;
	return fail(R, -soerr, WIRE_RELAY_AT_SOCK);
}

static int relay_tcp(struct relay *R)
{
	const struct wire_relay_opts *o = R->o;
	int recv_only = o->recv_only || R->in < 0;
	for (;;) {
		struct wire_relay_state s = {
		    .input_eof = R->in_eof,
		    .up_pending = up_pending(R),
		    .fin_sent = R->fin_sent,
		    .peer_eof = R->peer_eof,
		    .down_pending = down_pending(R),
		    .recv_only = recv_only,
		    .input_tty = R->in_tty,
		};
		if (R->in_tty && R->peer_eof && !R->in_eof && !recv_only && !s.up_pending)
			s.input_ready = input_ready(R);
		enum wire_relay_next next = wire_relay_next_step(&s);
		if (next == WIRE_RELAY_DONE)
			return 0;
		int64_t now = wire_now_ms();
		if (next == WIRE_RELAY_SEND_FIN) {
			struct timespec t0;
			io_start(R, &t0);
			if (shutdown(R->sock, SHUT_WR) < 0 && errno != ENOTCONN)
				return fail(R, -errno, WIRE_RELAY_AT_SOCK);
			R->fin_sent = 1;
			R->r->fin_sent = 1;
			io_ev(R, WIRE_RELAY_EV_SENT_FIN, 0, &t0);
			if (o->quit_ms >= 0)
				R->quit_at = now + o->quit_ms;
			continue; /* decide again: the peer may be done already */
		}
		if (R->quit_at >= 0 && now >= R->quit_at) {
			ev(R, WIRE_RELAY_EV_QUIT, 0, 0);
			return 0;
		}
		if (o->idle_ms >= 0 && now - R->last >= o->idle_ms)
			return fail(R, WIRE_E_TIMEOUT, WIRE_RELAY_AT_NONE);

		struct pollfd pf[3];
		memset(pf, 0, sizeof(pf));
		pf[0].fd = pf[1].fd = pf[2].fd = -1;
		int want_in = 0, sock_out = 0, sock_in = 0, want_out = 0;
		if (!R->in_eof && !recv_only) {
			if (R->framing)
				want_in = wire_buf_used(&R->fup) < FRAME_UP_HIGH;
			else if (R->in_mode == M_SPLICE)
				want_in = !R->up_wait_sock;
			else if (R->in_mode == M_RW)
				want_in = R->ulen == 0;
		}
		if (!R->fin_sent) {
			if (R->framing || R->in_mode == M_RW)
				sock_out = up_pending(R);
			else if (R->in_mode == M_SPLICE)
				sock_out = R->up_wait_sock;
			else /* M_SENDFILE: the file is always readable */
				sock_out = !R->in_eof && !recv_only;
		}
		if (!R->peer_eof) {
			if (R->framing || o->send_only || R->out_mode == M_RW)
				sock_in = R->dlen == 0;
			else if (R->out_mode == M_VIA)
				sock_in = R->pipe_n < R->pipe_cap;
			else
				sock_in = !R->down_wait_out;
		}
		if (R->out_mode == M_SPLICE && !R->framing && !o->send_only)
			want_out = R->down_wait_out;
		else
			want_out = down_pending(R);
		if (want_in) {
			pf[0].fd = R->in;
			pf[0].events = POLLIN;
		}
		if (sock_in || sock_out || (R->peer_eof && !R->fin_sent)) {
			/* even with no events: a reset while stdin is idle ends the relay */
			pf[1].fd = R->sock;
			pf[1].events = (short)((sock_in ? POLLIN : 0) | (sock_out ? POLLOUT : 0));
		}
		if (want_out) {
			pf[2].fd = R->out;
			pf[2].events = POLLOUT;
		}
		int tmo = timeout_left(R, now);
		if (pf[0].fd < 0 && pf[1].fd < 0 && pf[2].fd < 0 && tmo < 0)
			return fail(R, WIRE_E_INTERNAL,
			            WIRE_RELAY_AT_NONE); /* nothing to wait for */
		int pr = poll(pf, 3, tmo);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return fail(R, -errno, WIRE_RELAY_AT_NONE);
		}
		if (pr == 0)
			continue;
		int rc = 0;
		short bad = POLLHUP | POLLERR | POLLNVAL;
		if (pf[1].revents & (POLLIN | bad) && sock_in)
			rc = down_read(R);
		if (rc == 0 && (pf[2].revents & (POLLOUT | bad)))
			rc = down_write(R);
		if (rc == 0 && (pf[1].revents & (POLLOUT | bad)) && sock_out)
			rc = up_send(R);
		if (rc == 0 && (pf[0].revents & (POLLIN | bad)))
			rc = up_read(R);
		if (rc == 0 && (pf[1].revents & bad) && !sock_in && !sock_out)
			rc = sock_error(R, pf[1].revents);
		if (rc < 0)
			return rc;
	}
}

/* ---- UDP ---------------------------------------------------------------- */

struct udp {
	struct relay *R;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	int have_peer, connected;
	struct wire_framer infr; /* framing of stdin */
	struct wire_buf enc;
	struct wire_buf replay; /* client: datagrams sent before any reply */
	int replay_ok;
};

/* Moves a UDP client to the next address after an ICMP error that came
 * before any reply, and sends again what was sent so far. Returns 1 when it
 * did, 0 when there is no next address (or nothing can be replayed), or a
 * negative code. */
static int udp_next_addr(struct udp *U, const struct wire_icmp *ic)
{
	struct relay *R = U->R;
	int fd = -1;
	if (!R->o->udp_next || !U->replay_ok || R->r->dgrams_received > 0)
		return 0;
	if (R->o->event) {
		struct wire_relay_event e;
		memset(&e, 0, sizeof(e));
		e.type = WIRE_RELAY_EV_NEXT_ADDR;
		e.icmp = ic;
		R->o->event(R->o->ud, &e);
	}
	if (R->o->udp_next(R->o->next_ud, &fd) < 0)
		return 0;
	if (dup3(fd, R->sock, O_CLOEXEC) < 0) {
		int e = -errno;
		close(fd);
		return fail(R, e, WIRE_RELAY_AT_SOCK);
	}
	close(fd);
	const uint8_t *p = wire_buf_head(&U->replay);
	size_t left = wire_buf_used(&U->replay);
	while (left >= 4) {
		uint32_t len =
		    (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if (len > left - 4)
			break;
		ssize_t n;
		do
			n = send(R->sock, p + 4, len, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		/* an error here surfaces again on the next receive */
		p += 4 + len;
		left -= 4 + len;
	}
	if (R->in_eof && R->o->quit_ms >= 0)
		R->quit_at = wire_now_ms() + R->o->quit_ms;
	R->last = wire_now_ms();
	return 1;
}

static void udp_ev_addr(struct relay *R, enum wire_relay_ev t, const struct sockaddr_storage *a,
                        socklen_t al, uint64_t len)
{
	if (!R->o->event)
		return;
	struct wire_relay_event e;
	memset(&e, 0, sizeof(e));
	e.type = t;
	e.len = len;
	e.addr = (const struct sockaddr *)a;
	e.addrlen = al;
	R->o->event(R->o->ud, &e);
}

/* Reads the error queue after a socket error. Returns 0 (server: reported)
 * or WIRE_E_ICMP (client), or -errno. */
static int udp_errors(struct udp *U, int err)
{
	struct relay *R = U->R;
	struct wire_icmp ic;
	int any = 0;
	for (int i = 0; i < 64; i++) {
		int rc = wire_udp_read_error(R->sock, &ic);
		if (rc < 0)
			return fail(R, rc, WIRE_RELAY_AT_SOCK);
		if (rc == 0)
			break;
		any = 1;
		if (!R->o->udp_server) {
			int moved = udp_next_addr(U, &ic);
			if (moved != 0)
				return moved < 0 ? moved : 0;
			R->r->icmp = ic;
			R->r->where = WIRE_RELAY_AT_SOCK;
			return WIRE_E_ICMP;
		}
		if (R->o->event) {
			struct wire_relay_event e;
			memset(&e, 0, sizeof(e));
			e.type = WIRE_RELAY_EV_ICMP;
			e.icmp = &ic;
			R->o->event(R->o->ud, &e);
		}
	}
	if (!any && err && !R->o->udp_server) {
		/* no details (IP_RECVERR unavailable): report the bare errno */
		memset(&R->r->icmp, 0, sizeof(R->r->icmp));
		R->r->icmp.err = err;
		return fail(R, -err, WIRE_RELAY_AT_SOCK);
	}
	return 0;
}

static int is_icmp_errno(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EPROTO ||
	       e == EHOSTDOWN || e == ENONET || e == EACCES || e == EMSGSIZE || e == ETIMEDOUT ||
	       e == ENOPROTOOPT;
}

static int udp_send(void *ud, const uint8_t *p, size_t len)
{
	struct udp *U = ud;
	struct relay *R = U->R;
	ssize_t n;
	int retried = 0;
	struct timespec t0;
	io_start(R, &t0);
	for (;;) {
		if (U->connected || !R->o->udp_server)
			n = send(R->sock, p, len, MSG_NOSIGNAL);
		else
			n = sendto(R->sock, p, len, MSG_NOSIGNAL, (struct sockaddr *)&U->peer,
			           U->peerlen);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (is_icmp_errno(errno)) {
			/* an earlier ICMP error surfaces on this send */
			int e = errno;
			int rc = udp_errors(U, e);
			if (rc < 0)
				return rc;
			if (!retried++)
				continue; /* reported (listener) or moved to the next address */
			return fail(R, -e, WIRE_RELAY_AT_SOCK);
		}
		return fail(R, -errno, WIRE_RELAY_AT_SOCK);
	}
	if (U->replay_ok && !R->o->udp_server && R->r->dgrams_received == 0) {
		uint8_t h[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
		                (uint8_t)len};
		if (wire_buf_append(&U->replay, h, 4) < 0 ||
		    wire_buf_append(&U->replay, p, len) < 0)
			U->replay_ok = 0; /* too much to send again: no fallback */
	}
	io_ev(R, WIRE_RELAY_EV_SOCK_SENT, (uint64_t)n, &t0);
	R->r->sent += (uint64_t)n;
	R->r->dgrams_sent++;
	R->last = wire_now_ms();
	return 0;
}

static int udp_line(void *ud, const uint8_t *p, size_t len)
{
	struct udp *U = ud;
	if (len == U->R->lines.max && p[len - 1] != '\n')
		ev(U->R, WIRE_RELAY_EV_LINE_CUT, 0, len);
	int rc;
	if (U->R->o->crlf) {
		/* lines are at most WIRE_UDP_PAYLOAD_MAX - 1 bytes then, with one
		 * LF at most: the CRLF fits in a datagram */
		size_t k = wire_crlf_expand(p, len, U->R->dbuf, &U->R->last_cr);
		rc = udp_send(ud, U->R->dbuf, k);
	} else {
		rc = udp_send(ud, p, len);
	}
	if (rc == 0)
		U->R->udp_done += len;
	return rc;
}

/* The stdin bytes that the message of len bytes just decoded by f took, its
 * framing included (during f's callback, when f->head_len is set). */
static size_t framed_len(const struct wire_framer *f, size_t len)
{
	switch (f->spec.kind) {
	case WIRE_FRAME_DELIM: return len + f->spec.delim_len;
	case WIRE_FRAME_PREFIX: return len + f->spec.prefix_size;
	case WIRE_FRAME_HEADER: return len + f->head_len;
	default: return len; /* EOF: the whole input; FIXED: len is N */
	}
}

static int udp_msg(void *ud, const uint8_t *p, size_t len)
{
	struct udp *U = ud;
	U->R->r->frames_sent++;
	ev(U->R, WIRE_RELAY_EV_FRAME_SENT, U->R->r->frames_sent, len);
	int rc = udp_send(ud, p, len);
	if (rc == 0)
		U->R->udp_done += framed_len(&U->infr, len);
	return rc;
}

static int udp_read_input(struct udp *U)
{
	struct relay *R = U->R;
	ssize_t n;
	do
		n = read(R->in, R->ubuf, WIRE_RELAY_BUF);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : fail(R, -errno, WIRE_RELAY_AT_INPUT);
	int rc;
	if (n == 0) {
		input_eof(R);
		if (R->framing) {
			rc = wire_framer_finish(&U->infr, udp_msg, U);
			if (rc < 0 && R->r->where == WIRE_RELAY_AT_NONE) {
				snprintf(R->r->why, sizeof(R->r->why), "stdin: %s", U->infr.why);
				R->r->where = WIRE_RELAY_AT_FRAME_OUT;
			}
		} else {
			rc = wire_lines_finish(&R->lines, udp_line, U);
		}
		if (rc == 0 && !R->o->udp_server && R->o->quit_ms >= 0)
			R->quit_at = wire_now_ms() + R->o->quit_ms;
		return rc;
	}
	R->udp_in += (uint64_t)n;
	if (R->framing) {
		rc = wire_framer_feed(&U->infr, R->ubuf, (size_t)n, udp_msg, U);
		if (rc < 0 && R->r->where == WIRE_RELAY_AT_NONE) {
			snprintf(R->r->why, sizeof(R->r->why), "stdin: %s", U->infr.why);
			R->r->where = WIRE_RELAY_AT_FRAME_OUT;
		}
		return rc;
	}
	return wire_lines_feed(&R->lines, R->ubuf, (size_t)n, udp_line, U);
}

static int same_addr(const struct sockaddr_storage *a, socklen_t al,
                     const struct sockaddr_storage *b, socklen_t bl)
{
	return al == bl && memcmp(a, b, al) == 0;
}

static int udp_recv_one(struct udp *U)
{
	struct relay *R = U->R;
	struct sockaddr_storage from;
	socklen_t fl = 0;
	size_t full = 0;
	ssize_t n = wire_udp_recv(R->sock, R->dbuf, R->o->udp_buf, MSG_DONTWAIT, &full, &from, &fl);
	if (n == -EAGAIN)
		return 1;
	if (n < 0) {
		if (is_icmp_errno((int)-n))
			return udp_errors(U, (int)-n);
		return fail(R, (int)n, WIRE_RELAY_AT_SOCK);
	}
	R->last = wire_now_ms();
	if (R->o->udp_server && fl > 0) {
		if (U->have_peer && R->o->udp_lock && !same_addr(&from, fl, &U->peer, U->peerlen)) {
			udp_ev_addr(R, WIRE_RELAY_EV_IGNORED, &from, fl, full);
			return 0;
		}
		if (!U->have_peer || !same_addr(&from, fl, &U->peer, U->peerlen)) {
			U->peer = from;
			U->peerlen = fl;
			if (!U->have_peer)
				udp_ev_addr(R, WIRE_RELAY_EV_NEW_PEER, &from, fl, full);
			U->have_peer = 1;
			if (R->o->udp_lock && !U->connected) {
				/* like nc -u -l: from now on only this peer (the kernel filters) */
				if (connect(R->sock, (struct sockaddr *)&from, fl) == 0)
					U->connected = 1;
			}
		}
	}
	R->r->received += (uint64_t)n;
	R->r->dgrams_received++;
	if (U->replay_ok) {
		/* a reply came: this address works, nothing will be sent again */
		U->replay_ok = 0;
		wire_buf_free(&U->replay);
	}
	udp_ev_addr(R, WIRE_RELAY_EV_DGRAM, &from, fl, full);
	if (full > (size_t)n)
		ev(R, WIRE_RELAY_EV_TRUNC, full, (uint64_t)n);
	if (R->o->send_only)
		return 0;
	int rc;
	if (R->framing) {
		char why[160];
		wire_buf_reset(&U->enc);
		rc = wire_frame_encode(&R->fr.spec, R->dbuf, (size_t)n, &U->enc, why, sizeof(why));
		if (rc < 0) {
			snprintf(R->r->why, sizeof(R->r->why), "%s", why);
			return fail(R, rc, WIRE_RELAY_AT_FRAME_IN);
		}
		R->r->frames_received++;
		ev(R, WIRE_RELAY_EV_FRAME_RECV, R->r->frames_received, (uint64_t)n);
		rc = wire_write_all(R->out, wire_buf_head(&U->enc), wire_buf_used(&U->enc));
	} else {
		rc = wire_write_all(R->out, R->dbuf, (size_t)n);
	}
	return rc < 0 ? fail(R, rc, WIRE_RELAY_AT_OUTPUT) : 0;
}

static int relay_udp(struct relay *R)
{
	const struct wire_relay_opts *o = R->o;
	struct udp U;
	memset(&U, 0, sizeof(U));
	U.R = R;
	int recv_only = o->recv_only || R->in < 0;
	int rc = 0;
	if (R->framing) {
		wire_framer_init(&U.infr, &R->fr.spec);
		wire_buf_init(&U.enc, R->fr.spec.max + WIRE_FRAME_HEADER_MAX + 64);
	}
	wire_buf_init(&U.replay, WIRE_RELAY_BUF);
	U.replay_ok = o->udp_next != NULL && !o->udp_server;
	for (;;) {
		int64_t now = wire_now_ms();
		if (R->quit_at >= 0 && now >= R->quit_at) {
			ev(R, WIRE_RELAY_EV_QUIT, 0, 0);
			break;
		}
		if (o->idle_ms >= 0 && now - R->last >= o->idle_ms) {
			rc = fail(R, WIRE_E_TIMEOUT, WIRE_RELAY_AT_NONE);
			break;
		}
		struct pollfd pf[3] = {{.fd = -1},
		                       {.fd = R->sock, .events = POLLIN},
		                       {.fd = o->stop_fd, .events = POLLIN}};
		/* a listener holds stdin until it knows whom to answer */
		if (!R->in_eof && !recv_only && (!o->udp_server || U.have_peer)) {
			pf[0].fd = R->in;
			pf[0].events = POLLIN;
		}
		int pr = poll(pf, 3, timeout_left(R, now));
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			rc = fail(R, -errno, WIRE_RELAY_AT_NONE);
			break;
		}
		if (pf[2].revents)
			break; /* stopped (a signal): a clean end */
		if (pf[1].revents) {
			/* drain a batch; an error (ICMP) surfaces here too */
			for (int i = 0; i < 64 && rc == 0; i++) {
				rc = udp_recv_one(&U);
				if (rc == 1) {
					rc = 0;
					break;
				}
			}
			if (rc == 0 && (pf[1].revents & POLLERR))
				rc = udp_errors(&U, 0);
			if (rc < 0)
				break;
		}
		if (pf[0].revents) {
			rc = udp_read_input(&U);
			if (rc < 0)
				break;
		}
	}
	if (R->framing) {
		wire_framer_free(&U.infr);
		wire_buf_free(&U.enc);
	}
	wire_buf_free(&U.replay);
	return rc;
}

/* Bytes stdin still holds and whether it may hold more (not a regular file
 * or a pipe whose writers are gone). */
static uint64_t input_left(const struct relay *R, int *more)
{
	struct stat st;
	*more = 1;
	if (fstat(R->in, &st) < 0)
		return 0;
	if (S_ISREG(st.st_mode)) {
		off_t at = lseek(R->in, 0, SEEK_CUR);
		*more = 0;
		return at >= 0 && st.st_size > at ? (uint64_t)(st.st_size - at) : 0;
	}
	if (!S_ISFIFO(st.st_mode))
		return 0;
	int queued = 0;
	if (ioctl(R->in, FIONREAD, &queued) < 0 || queued < 0)
		queued = 0;
	struct pollfd p = {.fd = R->in, .events = POLLIN};
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP))
		*more = 0;
	return (uint64_t)queued;
}

/* Returns the kernel's count of bytes the peer acknowledged on a TCP socket
 * (tcpi_bytes_acked), or -1 when the kernel does not say. */
static int64_t tcp_acked(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked))
		return -1;
	return (int64_t)ti.tcpi_bytes_acked;
}

/* Bytes written to the TCP socket that the peer never acknowledged (a reset
 * threw them away). */
static uint64_t unacked(const struct relay *R)
{
	int64_t now = R->acked0 >= 0 ? tcp_acked(R->sock) : -1;
	if (now < R->acked0)
		return 0;
	uint64_t acked = (uint64_t)(now - R->acked0);
	return R->r->sent > acked ? R->r->sent - acked : 0;
}

/* After the socket failed (a reset, an ICMP error): how much of stdin was
 * not sent. Sets r->stdin_left, unsent, unacked and input_more. */
static void note_unsent(struct relay *R, int rc)
{
	struct wire_relay_result *r = R->r;
	int on_sock = rc == WIRE_E_ICMP || (rc < 0 && r->where == WIRE_RELAY_AT_SOCK);
	if (!on_sock || R->in < 0 || R->o->recv_only || R->fin_sent)
		return;
	uint64_t n;
	if (R->o->udp) /* held for a line or frame, or after a failed send */
		n = R->udp_in - R->udp_done;
	else if (R->framing)
		n = wire_lines_pending(&R->lines) + wire_buf_used(&R->fup) +
		    wire_buf_used(&R->eofmsg);
	else
		n = R->ulen - R->uoff;
	int more = 0;
	if (!R->in_eof)
		n += input_left(R, &more);
	uint64_t lost = R->o->udp ? 0 : unacked(R);
	if (n + lost == 0 && (!more || R->in_tty))
		return; /* every byte of stdin went out (or nothing was typed) */
	r->stdin_left = 1;
	r->unacked = lost;
	r->unsent = n + lost;
	r->input_more = more;
}

int wire_relay_run(const struct wire_relay_opts *o, struct wire_relay_result *r)
{
	struct relay R;
	memset(&R, 0, sizeof(R));
	memset(r, 0, sizeof(*r));
	R.o = o;
	R.r = r;
	R.sock = o->sock;
	R.in = o->in_fd;
	R.out = o->out_fd;
	R.pipe[0] = R.pipe[1] = -1;
	R.quit_at = -1;
	R.last = wire_now_ms();
	R.framing = o->frame != NULL;
	R.in_tty = R.in >= 0 && isatty(R.in);
	size_t dsz = o->udp ? (o->udp_buf ? o->udp_buf : 1) : WIRE_RELAY_BUF;
	R.ubuf = malloc(WIRE_RELAY_BUF);
	R.dbuf = malloc(dsz < WIRE_RELAY_BUF ? WIRE_RELAY_BUF : dsz);
	if (!R.ubuf || !R.dbuf) {
		free(R.ubuf);
		free(R.dbuf);
		return -ENOMEM;
	}
	if (R.framing) {
		wire_framer_init(&R.fr, o->frame);
		/* a line plus its '\n' */
		wire_lines_init(&R.lines, o->frame->max + 1);
		wire_buf_init(&R.eofmsg, o->frame->max);
		wire_buf_init(&R.fup, o->frame->max + WIRE_FRAME_HEADER_MAX + 64 * WIRE_RELAY_BUF);
	} else {
		wire_lines_init(&R.lines, WIRE_UDP_PAYLOAD_MAX - (o->crlf ? 1u : 0u));
	}
	int rc;
	if (o->udp) {
		rc = relay_udp(&R);
	} else {
		choose_modes(&R);
		R.acked0 = tcp_acked(R.sock);
		rc = wire_set_nonblock(R.sock, 1);
		if (rc == 0)
			rc = relay_tcp(&R);
		else
			R.r->where = WIRE_RELAY_AT_SOCK;
	}
	note_unsent(&R, rc);
	if (R.pipe[0] >= 0) {
		close(R.pipe[0]);
		close(R.pipe[1]);
	}
	if (R.framing) {
		wire_framer_free(&R.fr);
		wire_buf_free(&R.eofmsg);
		wire_buf_free(&R.fup);
	}
	wire_lines_free(&R.lines);
	free(R.ubuf);
	free(R.dbuf);
	return rc;
}
