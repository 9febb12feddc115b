/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat listen: the netcat server. Without -k it accepts one TCP
 * connection and hands it to the one relay (src/core/relay.c), or serves UDP
 * through the relay's datagram mode. With -k (and --broker) it hands the
 * listening socket to the core server (src/core/server.c: a bounded queue
 * per client, and a client that never reads is dropped instead of stalling
 * the others); this file only maps its events to messages and its counters
 * to an exit status.
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
#include "wire/server.h"
#include "wire/sock.h"
#include "wire/udp.h"

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

/* Blocks SIGINT and SIGTERM and returns a signalfd for them (the servers'
 * clean stop), or -1 (then the default action stays). */
static int stop_signals_open(void)
{
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0)
		return -1;
	int fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
	return fd;
}

/* Says which signal stopped a server (with -v) and closes the signalfd. */
static void stop_signals_close(const struct netopts *n, int fd)
{
	struct signalfd_siginfo si;
	if (fd < 0)
		return;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si) && n->verbose)
		cli_info("stopping on %s", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
	close(fd);
}

/* ---- -k / --broker: the core server (src/core/server.c) ------------------ */

struct many {
	const struct netopts *n;
	int status;
	int out_err; /* the first failed write to stdout (-errno), or 0 */
};

/* A client's bytes (one message with --frame) go to stdout. */
static int many_data(void *ud, const char *name, const uint8_t *p, size_t len)
{
	struct many *m = ud;
	(void)name;
	int rc = wire_write_all(STDOUT_FILENO, p, len);
	if (rc == 0 && m->n->have_frame && m->n->frame.kind != WIRE_FRAME_EOF)
		rc = wire_write_all(STDOUT_FILENO, "\n", 1);
	if (rc < 0 && !m->out_err)
		m->out_err = rc;
	return rc;
}

static const char *end_text(enum wire_server_end end)
{
	switch (end) {
	case WIRE_SERVER_END_DONE: return "closed";
	case WIRE_SERVER_END_RST: return "reset";
	case WIRE_SERVER_END_IDLE: return "idle (-w), closed";
	case WIRE_SERVER_END_STALLED: return "dropped";
	case WIRE_SERVER_END_BAD_FRAME: return "dropped after a bad frame";
	case WIRE_SERVER_END_SHUTDOWN: return "closed";
	default: return "failed";
	}
}

/* --trace: the listening socket's calls (made before the trace began, so
 * stamped now): bind, and listen for TCP. */
static void trace_listen(struct netopts *n, int fd, const char *where)
{
	char c[WIRE_ADDRSTRLEN + 32];
	n->tr_fd = fd;
	snprintf(c, sizeof(c), "bind(%d, %s)", fd, where);
	trace_cli_call(n->tr, NULL, c, 0, 0, NULL, n->udp ? "udp" : NULL);
	if (n->udp)
		return;
	snprintf(c, sizeof(c), "listen(%d, %d)", fd, WIRE_LISTEN_BACKLOG);
	trace_cli_call(n->tr, NULL, c, 0, 0, NULL, "tcp");
}

/* --trace: a client's close, with why when it was not the usual end. */
static void many_trace_close(const struct netopts *n, const struct wire_server_event *ev)
{
	char c[32];
	snprintf(c, sizeof(c), "close(%d)", ev->fd);
	const char *note = ev->end == WIRE_SERVER_END_DONE  ? NULL
	                   : ev->end == WIRE_SERVER_END_RST ? "reset by the peer"
	                                                    : end_text(ev->end);
	trace_cli_call(n->tr, &ev->ts, c, 0, 0, NULL, note);
}

/* --trace: the socket calls the server made, in `wirecat trace`'s format. */
static void many_trace(const struct netopts *n, const struct wire_server_event *ev)
{
	char c[64], from[WIRE_ADDRSTRLEN + 8];
	switch (ev->type) {
	case WIRE_SERVER_CONNECT:
	case WIRE_SERVER_REFUSED:
		snprintf(c, sizeof(c), "accept4(%d, SOCK_NONBLOCK|SOCK_CLOEXEC)", n->tr_fd);
		snprintf(from, sizeof(from), " from %s", ev->name);
		trace_cli_call(n->tr, NULL, c, ev->fd, 0, from,
		               ev->type == WIRE_SERVER_REFUSED ? "over --max-conns" : NULL);
		if (ev->type == WIRE_SERVER_REFUSED) {
			snprintf(c, sizeof(c), "close(%d)", ev->fd);
			trace_cli_call(n->tr, NULL, c, 0, 0, NULL, NULL);
		}
		break;
	case WIRE_SERVER_RECV:
		snprintf(c, sizeof(c), "recv(%d, %zu)", ev->fd, ev->asked);
		trace_cli_call(n->tr, &ev->ts, c, (long long)ev->len, 0, NULL,
		               ev->len ? NULL : "peer closed: the end of its data");
		break;
	case WIRE_SERVER_SEND:
		snprintf(c, sizeof(c), "send(%d, %zu)", ev->fd, ev->len);
		trace_cli_call(n->tr, &ev->ts, c, (long long)ev->len, 0, NULL, NULL);
		break;
	case WIRE_SERVER_FIN_SENT:
		snprintf(c, sizeof(c), "shutdown(%d, SHUT_WR)", ev->fd);
		trace_cli_call(n->tr, &ev->ts, c, 0, 0, NULL, "stdin ended");
		break;
	case WIRE_SERVER_CLOSED: many_trace_close(n, ev); break;
	default: break;
	}
}

static void many_closed(struct many *m, const struct wire_server_event *ev)
{
	const struct netopts *n = m->n;
	unsigned long long lost = (unsigned long long)ev->lost;
	if (ev->end == WIRE_SERVER_END_STALLED)
		cli_err(
		    "%s: dropped: did not read for %.1f s, %llu bytes%s not delivered (its queue "
		    "of %u bytes stayed full)",
		    ev->name, (double)ev->stalled_ms / 1000.0, lost, n->broker ? "" : " of stdin",
		    WIRE_SERVER_QUEUE);
	else if (ev->end == WIRE_SERVER_END_BAD_FRAME) {
		cli_err("frame from %s (--frame %s): %s", ev->name, n->frame.text,
		        ev->why && ev->why[0] ? ev->why : wire_strerror(ev->err));
		m->status = WIRE_EXIT_MALFORMED;
	} else if (ev->end == WIRE_SERVER_END_RST && n->verbose)
		cli_info("%s: connection reset by peer (RST)", ev->name);
	else if (ev->end == WIRE_SERVER_END_ERROR)
		cli_err("%s: %s", ev->name, wire_strerror(ev->err));
	if (lost && ev->end != WIRE_SERVER_END_STALLED)
		cli_err("%s: %s with %llu bytes not delivered", ev->name, end_text(ev->end), lost);
	if (n->verbose)
		cli_info("%s: %s (sent %llu bytes, received %llu bytes)", ev->name,
		         end_text(ev->end), (unsigned long long)ev->sent,
		         (unsigned long long)ev->received);
}

static void many_event(void *ud, const struct wire_server_event *ev)
{
	struct many *m = ud;
	const struct netopts *n = m->n;
	many_trace(n, ev);
	switch (ev->type) {
	case WIRE_SERVER_CLOSED: many_closed(m, ev); return;
	case WIRE_SERVER_INPUT_ERR: cli_err("read stdin: %s", wire_strerror(ev->err)); return;
	case WIRE_SERVER_ACCEPT_ERR: cli_err("accept: %s", wire_strerror(ev->err)); return;
	case WIRE_SERVER_BAD_INPUT:
		cli_err("frame to clients (--frame %s): stdin: %s", n->frame.text, ev->why);
		return;
	default: break;
	}
	if (ev->type == WIRE_SERVER_FRAME_IN && n->show_frames)
		cli_info("%s: frame %llu: %zu bytes received", ev->name, (unsigned long long)ev->n,
		         ev->len);
	if (ev->type == WIRE_SERVER_FRAME_OUT && n->show_frames)
		cli_info("frame %llu: %zu bytes sent", (unsigned long long)ev->n, ev->len);
	if (!n->verbose)
		return;
	switch (ev->type) {
	case WIRE_SERVER_CONNECT:
		cli_info("connection from %s (local %s), %ld client%s", ev->name, ev->local,
		         ev->clients, ev->clients == 1 ? "" : "s");
		break;
	case WIRE_SERVER_REFUSED:
		cli_info("%s: refused: --max-conns %ld reached", ev->name, n->max_conns);
		break;
	case WIRE_SERVER_PEER_FIN: cli_info("%s: peer closed (FIN)", ev->name); break;
	case WIRE_SERVER_FIN_SENT: cli_info("%s: sent FIN", ev->name); break;
	case WIRE_SERVER_INPUT_EOF:
		cli_info("stdin EOF%s", n->broker ? "" : ": sending FIN to each client");
		break;
	default: break;
	}
}

/* The status of a server that stopped with rc: lost data is a failure. */
static int many_status(const struct many *m, int rc, const struct wire_server_stats *st)
{
	const struct netopts *n = m->n;
	if (n->verbose)
		cli_info("served %llu client%s: sent %llu bytes, received %llu bytes",
		         (unsigned long long)st->served, st->served == 1 ? "" : "s",
		         (unsigned long long)st->sent, (unsigned long long)st->received);
	if (st->lost_clients)
		cli_err("%llu client%s lost data: %llu bytes not delivered",
		        (unsigned long long)st->lost_clients, st->lost_clients == 1 ? "" : "s",
		        (unsigned long long)st->lost_bytes);
	if (m->out_err) /* a reader that went away: quiet, as every command */
		return cli_output_failed(m->out_err, "write stdout");
	if (rc < 0 && rc != WIRE_E_TOOBIG && rc != WIRE_E_MALFORMED && rc != WIRE_E_USAGE) {
		cli_err("listen: %s", wire_strerror(rc));
		return WIRE_EXIT_FAIL;
	}
	if (rc < 0)
		return WIRE_EXIT_MALFORMED; /* stdin could not be framed (said already) */
	if (m->status)
		return m->status;
	return st->lost_clients ? WIRE_EXIT_FAIL : 0;
}

static int serve_many(const struct netopts *n, int lfd)
{
	struct many m = {.n = n};
	int sfd = stop_signals_open();
	struct wire_server_config cfg = {
	    .listen_fd = lfd,
	    .in_fd = n->recv_only ? -1 : STDIN_FILENO,
	    .broker = n->broker,
	    /* a terminal loses nothing: a client's FIN may close it, as before */
	    .close_on_fin = isatty(STDIN_FILENO),
	    .discard = n->send_only,
	    .crlf = n->crlf,
	    .max_conns = n->max_conns > 0 ? (uint64_t)n->max_conns : 0,
	    .idle_ms = n->wait_ms > 0 ? n->wait_ms : 0,
	    .frame = n->have_frame ? &n->frame : NULL,
	    .stop_fd = sfd,
	    .io_events = n->tr != NULL,
	    .on_event = many_event,
	    .on_data = many_data,
	    .ud = &m,
	};
	struct wire_server_stats st;
	int rc = wire_server_run(&cfg, &st);
	stop_signals_close(n, sfd);
	return many_status(&m, rc, &st);
}

/* ---- one TCP client, or UDP ---------------------------------------------- */

static int serve_one(struct netopts *n, int lfd)
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
	char c[64], from[WIRE_ADDRSTRLEN + 8];
	snprintf(c, sizeof(c), "accept(%d)", lfd);
	snprintf(from, sizeof(from), " from %s", peer);
	trace_cli_call(n->tr, NULL, c, fd, 0, from, NULL);
	snprintf(c, sizeof(c), "close(%d)", lfd);
	trace_cli_call(n->tr, NULL, c, 0, 0, NULL, "one connection, like nc -l");
	wire_trace_watch(n->tr, fd);
	n->tr_fd = fd;
	struct wire_relay_opts o;
	struct wire_relay_result r;
	netopts_relay_opts(n, fd, &o);
	int64_t t0 = wire_now_ms();
	int rc = wire_relay_run(&o, &r);
	netopts_summary(n, fd, &r, t0);
	int status = netopts_finish(n, rc, &r, peer);
	snprintf(c, sizeof(c), "close(%d)", fd);
	trace_cli_call(n->tr, NULL, c, 0, 0, NULL, NULL);
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
	o.quit_ms = -1;                               /* stdin EOF never stops a listener */
	int sfd = n->keep ? stop_signals_open() : -1; /* -u -k: SIGINT/SIGTERM end it cleanly */
	o.stop_fd = sfd;
	int64_t t0 = wire_now_ms();
	rc = wire_relay_run(&o, &r);
	stop_signals_close(n, sfd);
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
	if (trace_cli_pcap_open(n.trace_pcap) < 0)
		return WIRE_EXIT_FAIL;
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
		n.tr = trace_cli_start(fd, NULL, 0, n.trace_json ? WIRE_TRACE_JSON : 0);
		trace_listen(&n, fd, where);
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
