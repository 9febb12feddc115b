/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --trace glue for the commands (src/cli/trace_cli.h): relay events become
 * the socket calls they stand for on the trace's timeline. A call that
 * causes packets (send, shutdown) is stamped with the time the relay took
 * just before the system call, so it comes before its packets; a call that
 * reports packets (recv) is stamped when it returned, after them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "trace_cli.h"
#include "wire/limits.h"
#include "wire/sysdec.h"
#include "wire/view.h"
#include "wire/buf.h"
#include "wire/err.h"
#include "wire/http.h"
#include "wire/sock.h"

#define TEXT_MAX 200  /* a call line */
#define JSON_MAX 2048 /* its --json object */

/* --json: the call as `wirecat trace --json` writes one (this process's
 * pid, tid and name), into obj (size n). Returns obj, or NULL when it does
 * not fit. */
static const char *call_json(const struct timespec *ts, const char *call, long long ret, int err,
                             const char *text, const char *note, char *obj, size_t n)
{
	/* per thread: echo's workers report their calls concurrently */
	static _Thread_local struct wire_buf mem;
	static _Thread_local struct wire_sink s;
	const char *en = err ? wire_sd_errname(err) : NULL;
	size_t k = strcspn(call, "(");
	wire_buf_init(&mem, n - 1);
	wire_sink_init_mem(&s, &mem);
	wire_sink_printf(&s, "{\"time\":%lld.%06ld,\"event\":\"call\",\"pid\":%d,\"tid\":%d,",
	                 (long long)ts->tv_sec, ts->tv_nsec / 1000, (int)getpid(), (int)gettid());
	wire_sink_puts(&s, "\"comm\":\"wirecat\",\"call\":");
	wire_view_json_str(&s, call, k);
	wire_sink_printf(&s, ",\"ret\":%lld", err ? -1 : ret);
	if (err) {
		wire_sink_puts(&s, ",\"errno\":");
		wire_view_json_str(&s, en ? en : "?", strlen(en ? en : "?"));
	}
	wire_sink_puts(&s, ",\"text\":");
	wire_view_json_str(&s, text, strlen(text));
	if (note) {
		wire_sink_puts(&s, ",\"note\":");
		wire_view_json_str(&s, note, strlen(note));
	}
	wire_sink_putc(&s, '}');
	wire_sink_flush(&s);
	size_t used = wire_buf_used(&mem);
	if (s.err || used >= n) {
		wire_buf_free(&mem);
		return NULL;
	}
	memcpy(obj, wire_buf_head(&mem), used);
	obj[used] = 0;
	wire_buf_free(&mem);
	return obj;
}

/* --json: the protocol and addresses of the command's sockets by fd, as
 * last seen, so that a call reported after its socket closed (listen -k's
 * close) still names them and its packets are tied to it. */
#define OWN_FDS 1024
struct own_sock {
	int proto; /* 0: not known */
	struct sockaddr_storage local, remote;
};
static struct own_sock own_socks[OWN_FDS];
static pthread_mutex_t own_mu = PTHREAD_MUTEX_INITIALIZER;

/* The socket a call is on: the fd after "name(" (an accept's result), or -1
 * ("connect(?, ...)"). */
static int call_fd(const char *call, long long ret)
{
	size_t k = strcspn(call, "(");
	if (!call[k])
		return -1;
	if (!strncmp(call, "accept", 6))
		return ret >= 0 && ret <= INT_MAX ? (int)ret : -1;
	char *end;
	long v = strtol(call + k + 1, &end, 10);
	if (end == call + k + 1 || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

/* fd's protocol and addresses now, or, when it is no longer a socket, as
 * last seen (into *s). The addresses of own_socks are zeroed before they are
 * filled, so comparing them whole is exact. */
static void own_sock_of(int fd, struct own_sock *s)
{
	int type = 0;
	socklen_t tl = sizeof(type), ll = sizeof(s->local), rl = sizeof(s->remote);
	memset(s, 0, sizeof(*s));
	int ok = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
	         getsockname(fd, (struct sockaddr *)&s->local, &ll) == 0;
	if (ok) {
		if (getpeername(fd, (struct sockaddr *)&s->remote, &rl) < 0)
			s->remote.ss_family = AF_UNSPEC;
		s->proto = type == SOCK_STREAM ? IPPROTO_TCP : type == SOCK_DGRAM ? IPPROTO_UDP : 0;
	}
	if (fd >= OWN_FDS)
		return;
	pthread_mutex_lock(&own_mu);
	struct own_sock *c = &own_socks[fd];
	/* a connection both sides closed has no peer any more: the one it had */
	if (ok && s->remote.ss_family == AF_UNSPEC && c->proto == s->proto &&
	    !memcmp(&c->local, &s->local, sizeof(s->local)))
		s->remote = c->remote;
	if (ok)
		*c = *s;
	else
		*s = *c;
	pthread_mutex_unlock(&own_mu);
}

/* --json: who made the call (this process, its socket) into *o, so that
 * the packets name their pid, fd and cause as trace --json's do. Returns o,
 * or NULL when the call names no socket. */
static const struct wire_trace_owner *call_owner(const char *call, long long ret, const char *text,
                                                 struct own_sock *s, struct wire_trace_owner *o)
{
	int fd = call_fd(call, ret);
	if (fd < 0)
		return NULL;
	own_sock_of(fd, s);
	memset(o, 0, sizeof(*o));
	o->pid = (int)getpid();
	o->comm = "wirecat";
	o->fd = fd;
	o->call = text;
	o->proto = s->proto;
	o->local = (const struct sockaddr *)&s->local;
	o->remote = s->remote.ss_family == AF_UNSPEC ? NULL : (const struct sockaddr *)&s->remote;
	return o;
}

static int pcap_on;              /* --trace-pcap: calls carry their socket (the comments) */
static int pcap_fd = -1;         /* --trace-pcap FILE, open */
static const char *pcap_path;    /* its name */
static struct wire_sink pcap_sk; /* the pcapng sink of the trace (closed at exit) */

int trace_cli_pcap_open(const char *path)
{
	if (!path)
		return 0;
	pcap_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (pcap_fd < 0) {
		cli_err("--trace-pcap %s: %s", path, strerror(errno));
		return -1;
	}
	pcap_path = path;
	return 0;
}

/* wire_trace_start, keeping the packets for --trace-pcap's file. */
static struct wire_trace *start(int fd, const struct sockaddr *peer, socklen_t peerlen, int flags)
{
	if (pcap_fd >= 0)
		flags |= WIRE_TRACE_KEEP_RAW;
	struct wire_trace *tr = wire_trace_start(fd, peer, peerlen, NULL, flags);
	if (tr && pcap_fd >= 0 && !pcap_on) {
		wire_sink_init_fd(&pcap_sk, pcap_fd);
		wire_trace_set_pcapng(tr, &pcap_sk);
		pcap_on = 1;
	}
	return tr;
}

/* The trace could not start: --trace-pcap's file is not left behind. */
static struct wire_trace *started(struct wire_trace *tr)
{
	if (!tr && pcap_fd >= 0) {
		close(pcap_fd);
		pcap_fd = -1;
		unlink(pcap_path);
	}
	return tr;
}

struct wire_trace *trace_cli_start(int fd, const struct sockaddr *peer, socklen_t peerlen,
                                   int flags)
{
	return started(start(fd, peer, peerlen, flags));
}

void trace_cli_call(struct wire_trace *tr, const struct timespec *ts, const char *call,
                    long long ret, int err, const char *tail, const char *note)
{
	char r[WIRE_SD_TEXT_MAX], text[TEXT_MAX], obj[JSON_MAX];
	struct timespec now;
	if (!tr)
		return;
	if (!ts || (!ts->tv_sec && !ts->tv_nsec)) {
		clock_gettime(CLOCK_REALTIME, &now);
		ts = &now;
	}
	snprintf(text, sizeof(text), "%s%s%s", call, wire_sd_ret(err ? -1 : ret, err, r, sizeof(r)),
	         tail ? tail : "");
	struct wire_trace_callinfo ci = {.json = NULL};
	struct wire_trace_owner o;
	struct own_sock os;
	if (wire_trace_is_json(tr))
		ci.json = call_json(ts, call, ret, err, text, note, obj, sizeof(obj));
	if (wire_trace_is_json(tr) || pcap_on)
		ci.owner = err ? NULL : call_owner(call, ret, text, &os, &o);
	wire_trace_call_info(tr, ts, &ci, "%s%s%s", text, note ? "; " : "", note ? note : "");
}

/* A relay's TCP reset, by where it showed. */
static void relay_rst(struct wire_trace *tr, int fd, uint64_t where)
{
	char c[64];
	if (where == WIRE_RELAY_RST_POLL) {
		snprintf(c, sizeof(c), "getsockopt(%d, SOL_SOCKET, SO_ERROR)", fd);
		trace_cli_call(tr, NULL, c, 0, 0, ", ECONNRESET", "reset by the peer");
		return;
	}
	if (where == WIRE_RELAY_RST_SEND)
		snprintf(c, sizeof(c), "send(%d)", fd);
	else
		snprintf(c, sizeof(c), "recv(%d, %u)", fd, WIRE_RELAY_BUF);
	trace_cli_call(tr, NULL, c, -1, ECONNRESET, NULL, "reset by the peer");
}

void trace_cli_relay_event(struct wire_trace *tr, int udp, int fd, size_t ubuf,
                           const struct wire_relay_event *e)
{
	char a[WIRE_ADDRSTRLEN], c[64], t[WIRE_ADDRSTRLEN + 8];
	if (!tr)
		return;
	switch (e->type) {
	case WIRE_RELAY_EV_SOCK_SENT:
		if (e->n == 0 && !udp)
			break;
		snprintf(c, sizeof(c), "send(%d, %llu)", fd, (unsigned long long)e->n);
		trace_cli_call(tr, &e->ts, c, (long long)e->n, 0, NULL, NULL);
		break;
	case WIRE_RELAY_EV_SOCK_RECV:
		snprintf(c, sizeof(c), "recv(%d, %u)", fd, WIRE_RELAY_BUF);
		trace_cli_call(tr, NULL, c, (long long)e->n, 0, NULL, NULL);
		break;
	case WIRE_RELAY_EV_SENT_FIN:
		snprintf(c, sizeof(c), "shutdown(%d, SHUT_WR)", fd);
		trace_cli_call(tr, &e->ts, c, 0, 0, NULL, "stdin ended");
		break;
	case WIRE_RELAY_EV_PEER_FIN:
		snprintf(c, sizeof(c), "recv(%d, %u)", fd, WIRE_RELAY_BUF);
		trace_cli_call(tr, NULL, c, 0, 0, NULL, "peer closed: the end of its data");
		break;
	case WIRE_RELAY_EV_PEER_RST: relay_rst(tr, fd, e->n); break;
	case WIRE_RELAY_EV_DGRAM:
		snprintf(c, sizeof(c), "%s(%d, %zu)", e->addr && e->addrlen ? "recvfrom" : "recv",
		         fd, ubuf);
		t[0] = 0;
		if (e->addr && e->addrlen)
			snprintf(t, sizeof(t), " from %s",
			         wire_addr_str(e->addr, e->addrlen, a, sizeof(a)));
		trace_cli_call(tr, NULL, c, (long long)e->len, 0, t, NULL);
		break;
	case WIRE_RELAY_EV_ICMP:
		wire_trace_call(tr,
		                "recvmsg(%d, MSG_ERRQUEUE); the error queue (IP_RECVERR): an ICMP "
		                "error for an earlier datagram",
		                fd);
		break;
	case WIRE_RELAY_EV_INPUT_EOF: wire_trace_call(tr, "stdin EOF"); break;
	default: break;
	}
}

/* The calls that made echo's listening sockets (before the trace began, so
 * stamped now), as listen --trace writes them. */
static void echo_listeners(struct wire_trace *tr, struct wire_echo *e, const char *where)
{
	char c[WIRE_ADDRSTRLEN + 32];
	for (int i = 0; i < WIRE_ECHO_THREADS_MAX; i++) {
		int t = wire_echo_socket(e, i, 0), u = wire_echo_socket(e, i, 1);
		if (t < 0 && u < 0)
			break;
		if (t >= 0) {
			snprintf(c, sizeof(c), "bind(%d, %s)", t, where);
			trace_cli_call(tr, NULL, c, 0, 0, NULL, NULL);
			snprintf(c, sizeof(c), "listen(%d, %d)", t, WIRE_LISTEN_BACKLOG);
			trace_cli_call(tr, NULL, c, 0, 0, NULL, "tcp");
		}
		if (u >= 0) {
			snprintf(c, sizeof(c), "bind(%d, %s)", u, where);
			trace_cli_call(tr, NULL, c, 0, 0, NULL, "udp");
		}
	}
}

struct wire_trace *trace_cli_echo_start(struct wire_echo *e, int tcp, int udp, int json)
{
	struct wire_addr ba;
	char a[WIRE_ADDRSTRLEN];
	unsigned fl = json ? WIRE_TRACE_JSON : 0;
	(void)wire_echo_address(e, &ba);
	/* no single socket to start from: the interface follows the address
	 * (lo for loopback, "any" for the wildcard) */
	int fd = socket(ba.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct wire_trace *tr = NULL;
	if (fd >= 0) {
		struct sockaddr_storage b = ba.ss;
		/* a throwaway socket on the same address, port 0, to describe it */
		if (b.ss_family == AF_INET)
			((struct sockaddr_in *)&b)->sin_port = 0;
		else
			((struct sockaddr_in6 *)&b)->sin6_port = 0;
		if (bind(fd, (struct sockaddr *)&b, ba.len) == 0)
			tr = start(fd, NULL, 0, (int)(WIRE_TRACE_NO_FOLLOW | fl));
		close(fd);
	}
	if (!tr)
		tr = started(start(-1, NULL, 0, (int)fl));
	if (!tr)
		return NULL;
	if (tcp)
		wire_trace_watch_addr(tr, IPPROTO_TCP, (struct sockaddr *)&ba.ss, NULL);
	if (udp)
		wire_trace_watch_addr(tr, IPPROTO_UDP, (struct sockaddr *)&ba.ss, NULL);
	echo_listeners(tr, e, wire_addr_str((struct sockaddr *)&ba.ss, ba.len, a, sizeof(a)));
	return tr;
}

/* An echo client's close, with why (NULL: the client closed first). */
static const char *echo_close_note(const struct wire_echo_event *ev)
{
	switch (ev->type) {
	case WIRE_ECHO_FIN: return NULL;
	case WIRE_ECHO_RST: return "reset by the peer";
	case WIRE_ECHO_IDLE: return "idle too long";
	case WIRE_ECHO_SHUTDOWN: return "the server stops";
	case WIRE_ECHO_OVER_BUDGET: return "over the --frame memory budget";
	case WIRE_ECHO_BAD_FRAME: return ev->why ? ev->why : "a malformed frame";
	default: return ev->err ? wire_strerror(ev->err) : "error";
	}
}

/* recvmmsg()/sendmmsg(): one line per datagram, the call's result and the
 * datagram's size and peer. */
static void echo_mmsg(struct wire_trace *tr, const struct wire_echo_event *ev, const char *a)
{
	char c[64], t[WIRE_ADDRSTRLEN + 8], note[64];
	int rx = ev->type == WIRE_ECHO_RECVFROM;
	snprintf(c, sizeof(c), "%s(%d, %zu messages)", rx ? "recvmmsg" : "sendmmsg", ev->fd,
	         ev->asked);
	snprintf(t, sizeof(t), " %s %s", rx ? "from" : "to", a);
	snprintf(note, sizeof(note), "a datagram of %zu bytes", ev->len);
	trace_cli_call(tr, &ev->ts, c, ev->got, 0, t, note);
}

void trace_cli_echo_event(struct wire_trace *tr, const struct wire_echo_event *ev)
{
	char a[WIRE_ADDRSTRLEN], c[64], t[WIRE_ADDRSTRLEN + 8];
	if (!tr || !ev->peer)
		return;
	wire_addr_str(ev->peer, ev->peer_len, a, sizeof(a));
	switch (ev->type) {
	case WIRE_ECHO_CONNECT:
	case WIRE_ECHO_REFUSED:
		snprintf(c, sizeof(c), "accept4(%d, SOCK_NONBLOCK|SOCK_CLOEXEC)", ev->lfd);
		snprintf(t, sizeof(t), " from %s", a);
		trace_cli_call(tr, NULL, c, ev->fd, 0, t,
		               ev->type == WIRE_ECHO_REFUSED ? "over --max-conns" : NULL);
		if (ev->type == WIRE_ECHO_CONNECT)
			break;
		snprintf(c, sizeof(c), "close(%d)", ev->fd);
		trace_cli_call(tr, NULL, c, 0, 0, NULL, NULL);
		break;
	case WIRE_ECHO_RECV:
		snprintf(c, sizeof(c), "recv(%d, %zu)", ev->fd, ev->asked);
		trace_cli_call(tr, &ev->ts, c, (long long)ev->len, 0, NULL,
		               ev->len ? NULL : "peer closed: the end of its data");
		break;
	case WIRE_ECHO_SEND:
		snprintf(c, sizeof(c), "send(%d, %zu)", ev->fd, ev->asked);
		trace_cli_call(tr, &ev->ts, c, (long long)ev->len, 0, NULL, NULL);
		break;
	case WIRE_ECHO_RECVFROM:
	case WIRE_ECHO_SENDTO: echo_mmsg(tr, ev, a); break;
	default:
		snprintf(c, sizeof(c), "close(%d)", ev->fd);
		trace_cli_call(tr, NULL, c, 0, 0, NULL, echo_close_note(ev));
		break;
	}
}

struct wire_trace *trace_cli_http_start(const char *const *urls, int n, int family, int json)
{
	unsigned fl = json ? WIRE_TRACE_JSON : 0;
	struct wire_trace *tr = NULL;
	for (int i = 0; i < n; i++) {
		struct wire_url u;
		struct addrinfo *res = NULL;
		int gai = 0;
		if (wire_url_parse(urls[i], strlen(urls[i]), &u) < 0 ||
		    wire_resolve(u.host, u.port, family, SOCK_STREAM, 0, &res, &gai) < 0)
			continue; /* the transfer reports it */
		if (!tr) {
			tr = started(start(-1, res->ai_addr, res->ai_addrlen, (int)fl));
			if (!tr) {
				freeaddrinfo(res);
				return NULL;
			}
		}
		for (struct addrinfo *a = res; a; a = a->ai_next)
			wire_trace_peer(tr, a->ai_addr, a->ai_addrlen, IPPROTO_TCP);
		freeaddrinfo(res);
	}
	if (!tr) /* nothing resolved: no peer to follow, but --trace was asked for */
		tr = started(start(-1, NULL, 0, (int)fl));
	return tr;
}

/* http --trace: the request line not yet sent, a note on the send that
 * carries it (the client is single-threaded). */
static char http_req[160];

/* Over TLS: what a read or write of OpenSSL on the socket is. OpenSSL
 * reads a record's 5-byte header, then the rest of the record. */
static const char *tls_note(const struct wire_http_call *k)
{
	static int after_header; /* the last read was a record's header */
	int was = after_header;
	after_header = 0;
	if (k->err)
		return NULL;
	if (!strcmp(k->name, "write"))
		return "TLS records made by OpenSSL";
	if (k->asked == 5 && k->ret == 5) {
		after_header = 1;
		return "a TLS record's header: its type, version and length";
	}
	return was ? "the rest of that TLS record" : NULL;
}

void trace_cli_http_call(struct wire_trace *tr, const struct wire_http_call *k)
{
	char a[WIRE_ADDRSTRLEN], c[WIRE_ADDRSTRLEN + 40], note[sizeof(http_req) + 48];
	const char *nt = NULL;
	if (!tr)
		return;
	if (k->addr) {
		wire_addr_str(k->addr, k->addrlen, a, sizeof(a));
		if (k->fd >= 0)
			snprintf(c, sizeof(c), "%s(%d, %s)", k->name, k->fd, a);
		else
			snprintf(c, sizeof(c), "%s(?, %s)", k->name, a);
	} else if (k->asked) {
		snprintf(c, sizeof(c), "%s(%d, %zu)", k->name, k->fd, k->asked);
	} else {
		snprintf(c, sizeof(c), "%s(%d)", k->name, k->fd);
	}
	if (!strcmp(k->name, "send") && http_req[0] && !k->err) {
		snprintf(note, sizeof(note), "the request: %s", http_req);
		nt = note;
		http_req[0] = 0;
	} else if ((!strcmp(k->name, "recv") || !strcmp(k->name, "read")) && !k->err &&
	           k->ret == 0) {
		nt = "peer closed: the end of its data";
	} else if (!strcmp(k->name, "write") && http_req[0] && !k->err) {
		snprintf(note, sizeof(note), "TLS records, the request encrypted: %s", http_req);
		nt = note;
		http_req[0] = 0;
	} else if (!strcmp(k->name, "read") || !strcmp(k->name, "write")) {
		nt = tls_note(k);
	}
	trace_cli_call(tr, &k->ts, c, k->ret, k->err, NULL, nt);
}

void trace_cli_http_info(struct wire_trace *tr, int kind, const char *p, size_t n)
{
	static const char trying[] = "Trying ", conn[] = "Connected to ";
	int k = n > 150 ? 150 : (int)n;
	if (!tr)
		return;
	if (kind == WIRE_HTTP_INFO) {
		/* connect() is on the timeline as a call */
		if ((n >= sizeof(trying) - 1 && !memcmp(p, trying, sizeof(trying) - 1)) ||
		    (n >= sizeof(conn) - 1 && !memcmp(p, conn, sizeof(conn) - 1)))
			return;
		wire_trace_call(tr, "* %.*s", k, p);
	} else if (kind == WIRE_HTTP_SENT) {
		/* the request line: a note on the send() that carries it */
		if (memmem(p, n, " HTTP/", 6))
			snprintf(http_req, sizeof(http_req), "%.*s", k, p);
	} else if (kind == WIRE_HTTP_RECV) {
		if (n >= 5 && !memcmp(p, "HTTP/", 5))
			wire_trace_call(tr, "the response: %.*s", k, p);
	}
}
