/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat trace: runs a program (or attaches to a process) under the tracer
 * (include/wire/ptrace.h) and shows its socket calls on one timeline with the
 * packets they cause (include/wire/trace.h): every socket the program gets is
 * followed by the capture as soon as its addresses are known. Without
 * capture privilege the calls alone are shown, after one line saying why.
 * The program's stdin, stdout and stderr are its own; its exit status is
 * wirecat's (128+N when killed by signal N).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "wire/buf.h"
#include "wire/ptrace.h"
#include "wire/sink.h"
#include "wire/sysdec.h"
#include "wire/trace.h"
#include "wire/view.h"

#define LINE_MAX_T 440      /* one timeline line: label, call, note */
#define ENGINE_LINE_MAX 199 /* the longest call text the trace engine keeps */
#define HOLD_PROCS_MAX 256  /* processes whose fork/exec/exit lines are held at once */
#define HOLD_TEXT_MAX 128   /* one held line: "[PID COMM] exec: now running NAME" */
#define SOCKS_MAX 1024      /* sockets (process, fd) whose addresses are remembered */
#define JSON_EVENT_MAX 4096 /* one JSON event as handed to the trace engine */

#define NOPKT_MSG                                                                                  \
	"wirecat: trace: packets are not shown: capturing them needs root or CAP_NET_RAW and "     \
	"CAP_NET_ADMIN (sudo setcap cap_net_raw,cap_net_admin+eip $(command -v wirecat)); the "    \
	"calls are traced\n"

/* A process's fork line and its latest exec line are held until its first
 * socket call (then shown before it) and dropped at its exit if it made
 * none; an exec replaces the exec line held before it, and says how many. */
struct held {
	struct timespec ts;
	char text[HOLD_TEXT_MAX]; /* "" when none */
};

struct hproc {
	pid_t pid;      /* 0: free slot */
	int active;     /* it made a socket call: its lines are shown */
	unsigned execs; /* exec lines replaced by a later one */
	struct held fork, exec;
};

/* A socket of a traced process and its addresses (from the tracer's FOLLOW
 * events), so that each call names the socket its packets go through. */
struct tsock {
	pid_t pid; /* 0: free */
	int fd, proto;
	struct sockaddr_storage local, remote; /* remote AF_UNSPEC: not connected */
};

struct tctx {
	struct wire_trace *tr;
	struct wire_sink *out;
	int have_t0;
	int abstime;
	int json;         /* --json: one object per event, no capture */
	pid_t root;       /* the program started (0 when attached) */
	int started;      /* its first exec was shown as "started" */
	char cmdline[96]; /* its command line, shown then */
	struct timespec t0;
	int all;                    /* -v: every process's lines as they come */
	pid_t main;                 /* the program or the attached process */
	unsigned long long n_calls; /* socket calls */
	unsigned n_active, n_quiet; /* processes with / without (ended) socket calls */
	int full;                   /* the hold table overflowed (said once) */
	struct hproc procs[HOLD_PROCS_MAX];
	const struct wire_pt_ev *rx;        /* a TCP read the next line is (for the engine) */
	const struct wire_trace_owner *own; /* the call the next line is (for the engine) */
	const char *jobj;                   /* its JSON object (--json with packets) */
	int owners;                         /* calls carry their process and socket (--json, -w) */
	struct tsock socks[SOCKS_MAX];
	size_t sock_last;   /* the slot found last (a loop on one socket finds it at once) */
	unsigned sock_next; /* the slot replaced when all are taken */
};

static const int fwd_sigs[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
                               SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH};

static void usage(FILE *f)
{
	fprintf(
	    f, "Usage: wirecat trace [-o FILE] [-w FILE.pcapng] [--no-packets] [--json] [-T] [-v]\n"
	       "                     [--no-pin] [--html OUT] -- PROGRAM [ARGS...]\n"
	       "       wirecat trace [-o FILE] [-w FILE.pcapng] [--no-packets] [--json] [-T] [-v]\n"
	       "                     -p PID\n"
	       "Runs PROGRAM (or attaches to process PID) and shows its socket calls, decoded,\n"
	       "on one timeline with the packets they cause: socket, bind, listen, accept,\n"
	       "connect, send/recv and their relatives, shutdown, close, set/getsockopt, and\n"
	       "read/write/readv/writev/sendfile/splice and poll/select/epoll_wait on sockets.\n"
	       "Threads and children are followed; each line is labelled [PID PROGRAM].\n"
	       "A process's fork, exec and exit lines are shown only when it makes a socket\n"
	       "call (its latest exec, before the first call); the start and the program's\n"
	       "exit always; the closing line counts the socket calls and the processes\n"
	       "that made none.\n"
	       "PROGRAM's stdin, stdout and stderr are its own; signals sent to wirecat are\n"
	       "passed on to it; wirecat exits with its status (128+N when killed by signal N).\n"
	       "A seccomp filter stops PROGRAM only at those calls (read/write/readv/writev\n"
	       "only on fds above 2, so its standard streams run at full speed); the filter\n"
	       "also sets no_new_privs, so setuid programs run without their privilege.\n\n"
	       "  -p, --pid PID     attach to a running process (its open sockets are followed\n"
	       "                    at once, their closes seen): every system call stops (a\n"
	       "                    filter cannot be added to a running process), so it runs\n"
	       "                    slower while traced; Ctrl-C detaches and leaves it running\n"
	       "  -o, --output FILE write the timeline to FILE instead of stderr\n"
	       "      --no-packets  show the calls only, do not capture\n"
	       "      --no-pin      leave wirecat's scheduling alone (by default, while the\n"
	       "                    program is one thread that stops over 2,000 times a\n"
	       "                    second, wirecat's tracer waits on its CPU as SCHED_IDLE,\n"
	       "                    so that no other CPU is woken at each stop; the\n"
	       "                    program's own scheduling is never changed; root only)\n"
	       "  -w, --write FILE  also write the packets to FILE as pcapng, each with a\n"
	       "                    comment naming its process and call (Wireshark shows it):\n"
	       "                    an outgoing packet with data is tied to the latest send-like\n"
	       "                    call on its socket in that process, a SYN to the latest\n"
	       "                    connect, a FIN or RST to the latest shutdown or close;\n"
	       "                    other outgoing packets name the socket, \"not tied to a\n"
	       "                    call\"; an incoming one names the socket that receives it\n"
	       "                    (or the listener that holds it until accept() returns)\n"
	       "      --json        one JSON object per line (NDJSON) for each call, start,\n"
	       "                    fork, exec and exit (time, event, pid, tid, comm, call,\n"
	       "                    ret, errno, duration_us, text, note) of every process (as\n"
	       "                    -v), each packet (frame, dir, iface, pid, comm, fd, cause,\n"
	       "                    summary, the fields `read --json` shows, hex) and each\n"
	       "                    note (text, frame or call), in time order\n"
	       "      --html OUT.html  the page of `wirecat view` for the run, written to\n"
	       "                    OUT.html when it ends (made of the --json events, kept\n"
	       "                    in a temporary file; a page holds at most 32 MiB)\n"
	       "  -T, --abs-time    wall-clock times instead of seconds since the first event\n"
	       "  -v, --all-processes  every process's fork, exec and exit lines, also of\n"
	       "                    processes without socket calls (a launcher's, a shell's)\n"
	       "  -h, --help        this help\n\n"
	       "Packets need root or CAP_NET_RAW and CAP_NET_ADMIN:\n"
	       "  sudo setcap cap_net_raw,cap_net_admin+eip $(command -v wirecat)\n"
	       "Without them the calls are shown and one line says why the packets are not.\n"
	       "x86_64 only. Exit status: the program's; 127 when it cannot be run;\n"
	       "1 when tracing fails; 2 usage error.\n");
}

/* ---- the timeline ------------------------------------------------------------------- */

static void put_rel(struct tctx *c, const struct timespec *ts)
{
	if (c->abstime) { /* as the trace engine writes them */
		struct tm tm;
		time_t sec = ts->tv_sec;
		localtime_r(&sec, &tm);
		wire_sink_printf(c->out, "%02d:%02d:%02d.%06ld  ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		                 ts->tv_nsec / 1000);
		return;
	}
	if (!c->have_t0) {
		c->t0 = *ts;
		c->have_t0 = 1;
	}
	long long ns = ((long long)ts->tv_sec - (long long)c->t0.tv_sec) * 1000000000LL +
	               ((long long)ts->tv_nsec - (long long)c->t0.tv_nsec);
	if (ns < 0)
		ns = 0;
	wire_sink_printf(c->out, "%4lld.%06lld  ", ns / 1000000000LL, (ns % 1000000000LL) / 1000);
}

/* One line of the timeline (text: at most LINE_MAX_T - 1 bytes). */
static void line_text(struct tctx *c, const struct timespec *ts, const char *text)
{
	if (c->tr) {
		struct wire_trace_callinfo ci = {.owner = c->own, .json = c->jobj};
		const struct wire_pt_ev *ev = c->rx;
		if (ev) {
			ci.rx_local = (const struct sockaddr *)&ev->local;
			ci.rx_remote = (const struct sockaddr *)&ev->remote;
			ci.asked = ev->asked < 0 ? 0 : (uint64_t)ev->asked;
			ci.got = (uint64_t)ev->ret;
		}
		c->rx = NULL;
		c->own = NULL;
		c->jobj = NULL;
		wire_trace_call_info(c->tr, ts, &ci, "%s", text);
		return;
	}
	put_rel(c, ts);
	wire_sink_escaped(c->out, text, strlen(text));
	wire_sink_putc(c->out, '\n');
	wire_sink_flush(c->out);
}

__attribute__((format(printf, 3, 4))) static void line(struct tctx *c, const struct timespec *ts,
                                                       const char *fmt, ...)
{
	char text[LINE_MAX_T];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	line_text(c, ts, text);
}

/* Appends s to out (n bytes, *at used), cut as snprintf would cut it. */
static void append(char *out, size_t n, size_t *at, const char *s)
{
	size_t k = strlen(s);
	if (*at + k > n - 1)
		k = n - 1 - *at;
	memcpy(out + *at, s, k);
	*at += k;
	out[*at] = 0;
}

static void exit_text(int st, char *out, size_t n)
{
	if (WIFEXITED(st))
		snprintf(out, n, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(out, n, "killed by signal %d (SIG%s)%s", WTERMSIG(st),
		         sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?",
		         WCOREDUMP(st) ? ", core dumped" : "");
	else
		snprintf(out, n, "ended (status 0x%x)", (unsigned)st);
}

/* ---- --json ------------------------------------------------------------------- */

/* Writes "key":"value" with the value escaped as JSON (the project's escaper:
 * control characters and bytes >= 0x7f as \u00XX), after a comma unless first. */
static void json_str(struct wire_sink *o, const char *key, const char *v, int first)
{
	wire_sink_printf(o, "%s\"%s\":", first ? "" : ",", key);
	wire_view_json_str(o, v, strlen(v));
}

/* One event as a JSON object on one line, to o. */
static void json_event(struct tctx *c, struct wire_sink *o, const struct wire_pt_ev *ev,
                       const char *kind)
{
	wire_sink_printf(o, "{\"time\":%lld.%06ld,", (long long)ev->ts.tv_sec,
	                 ev->ts.tv_nsec / 1000);
	json_str(o, "event", kind, 1);
	wire_sink_printf(o, ",\"pid\":%d,\"tid\":%d", (int)ev->pid, (int)ev->tid);
	int start = !strcmp(kind, "start");
	json_str(o, "comm", start ? ev->text : ev->comm, 0); /* before: wirecat's child */
	if (ev->type == WIRE_PT_CALL) {
		json_str(o, "call", ev->name ? ev->name : "?", 0);
		wire_sink_printf(o, ",\"ret\":%lld", ev->ret);
		const char *en = ev->err ? wire_sd_errname(ev->err) : NULL;
		if (ev->err)
			json_str(o, "errno", en ? en : "?", 0);
		long long us = ((long long)ev->t1.tv_sec - (long long)ev->t0.tv_sec) * 1000000LL +
		               (ev->t1.tv_nsec - ev->t0.tv_nsec) / 1000;
		wire_sink_printf(o, ",\"duration_us\":%lld", us < 0 ? 0 : us);
	}
	if (ev->type == WIRE_PT_EXIT && WIFEXITED(ev->status))
		wire_sink_printf(o, ",\"status\":%d", WEXITSTATUS(ev->status));
	if (ev->type == WIRE_PT_EXIT && WIFSIGNALED(ev->status))
		wire_sink_printf(o, ",\"signal\":%d", WTERMSIG(ev->status));
	if (ev->type == WIRE_PT_START)
		wire_sink_printf(o, ",\"parent\":%d", (int)ev->parent);
	if (start)
		json_str(o, "argv", c->cmdline, 0);
	else if (ev->text[0])
		json_str(o, ev->type == WIRE_PT_EXEC ? "program" : "text", ev->text, 0);
	if (ev->note[0])
		json_str(o, "note", ev->note, 0);
	wire_sink_puts(o, "}\n");
	wire_sink_flush(o);
}

static const char *json_kind(const struct tctx *c, const struct wire_pt_ev *ev)
{
	switch (ev->type) {
	case WIRE_PT_CALL: return "call";
	case WIRE_PT_START: return "fork";
	case WIRE_PT_EXEC: return ev->pid == c->root && !c->started ? "start" : "exec";
	case WIRE_PT_EXIT: return "exit";
	case WIRE_PT_ARCH: return "arch";
	default: return NULL;
	}
}

/* A call and its note on one line, or on two (the note under the call,
 * same time) when together they would not fit the trace engine's line. */
static void call_line(struct tctx *c, const struct wire_pt_ev *ev, const char *tid)
{
	char label[64];
	snprintf(label, sizeof(label), "[%d%s %s]", (int)ev->pid, tid, ev->comm);
	size_t len = strlen(label) + 1 + strlen(ev->text) + 2 + strlen(ev->note);
	c->rx = ev->asked && ev->ret > 0 ? ev : NULL; /* the engine ties it to segments */
	if (!ev->note[0] || len <= ENGINE_LINE_MAX) {
		char text[LINE_MAX_T]; /* "%s %s%s%s" without printf: at every call */
		size_t at = 0;
		const char *const part[] = {label, " ", ev->text, ev->note[0] ? "; " : "",
		                            ev->note};
		for (size_t i = 0; i < sizeof(part) / sizeof(part[0]); i++)
			append(text, sizeof(text), &at, part[i]);
		line_text(c, &ev->ts, text);
		return;
	}
	line(c, &ev->ts, "%s %s", label, ev->text);
	line(c, &ev->ts, "%s   ^ %s", label, ev->note);
}

/* ---- process lines: held until the process makes a socket call ---------------- */

/* The slot of process pid; a free one when add (NULL when none is left). */
static struct hproc *proc_slot(struct tctx *c, pid_t pid, int add)
{
	struct hproc *free_slot = NULL;
	for (size_t i = 0; i < HOLD_PROCS_MAX; i++) {
		if (c->procs[i].pid == pid)
			return &c->procs[i];
		if (!c->procs[i].pid && !free_slot)
			free_slot = &c->procs[i];
	}
	if (!add || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->pid = pid;
	return free_slot;
}

/* Holds a fork or exec line of a process that made no socket call yet. */
static void hold(struct hproc *p, const struct wire_pt_ev *ev, const char *text)
{
	struct held *h = ev->type == WIRE_PT_START ? &p->fork : &p->exec;
	if (h == &p->exec && h->text[0])
		p->execs++;
	h->ts = ev->ts;
	snprintf(h->text, sizeof(h->text), "%s", text);
}

/* The process made its first socket call: its held lines, in order. */
static void unhold(struct tctx *c, struct hproc *p)
{
	if (p->fork.text[0])
		line(c, &p->fork.ts, "%s", p->fork.text);
	if (p->exec.text[0] && p->execs)
		line(c, &p->exec.ts, "%s (after %u other exec%s; -v shows them)", p->exec.text,
		     p->execs, p->execs == 1 ? "" : "s");
	else if (p->exec.text[0])
		line(c, &p->exec.ts, "%s", p->exec.text);
}

static void calls_begin(struct tctx *c, const struct wire_pt_ev *ev)
{
	struct hproc *p = proc_slot(c, ev->pid, 1);
	c->n_calls++;
	if (!p || p->active)
		return;
	p->active = 1;
	c->n_active++;
	unhold(c, p);
}

/* A fork, exec or exit line: shown (-v, a process that made socket calls,
 * the program's own exit), held, or dropped with the held ones at the exit
 * of a process that made no socket call. */
static void proc_line(struct tctx *c, const struct wire_pt_ev *ev, const char *text)
{
	int ends = ev->type == WIRE_PT_EXIT;
	struct hproc *p = proc_slot(c, ev->pid, !ends);
	if (!p && !ends && !c->full) {
		c->full = 1;
		if (!c->all)
			line(
			    c, &ev->ts,
			    "more than %d processes without socket calls at once: their fork, exec "
			    "and exit lines are shown from here on",
			    HOLD_PROCS_MAX);
	}
	int show = c->all || !p || p->active || (ends && ev->pid == c->main);
	if (ends && p) {
		if (!p->active && ev->pid != c->main)
			c->n_quiet++;
		p->pid = 0;
	}
	if (show)
		line(c, &ev->ts, "%s", text);
	else if (!ends)
		hold(p, ev, text);
}

/* The closing line: socket calls and processes (after the trace engine's). */
static void summary(struct tctx *c)
{
	const char *least = c->full ? "at least " : "";
	wire_sink_printf(c->out, "trace: %llu socket call%s", c->n_calls,
	                 c->n_calls == 1 ? "" : "s");
	if (c->n_active)
		wire_sink_printf(c->out, " in %s%u process%s", least, c->n_active,
		                 c->n_active == 1 ? "" : "es");
	if (c->n_quiet)
		wire_sink_printf(c->out, "; %s%u other process%s ran without socket calls%s", least,
		                 c->n_quiet, c->n_quiet == 1 ? "" : "es",
		                 c->all ? "" : " (-v shows them)");
	wire_sink_putc(c->out, '\n');
	wire_sink_flush(c->out);
}

/* ---- which socket a call is on (for tying packets to calls) -------------------- */

static struct tsock *sock_find(struct tctx *c, pid_t pid, int fd)
{
	struct tsock *k = &c->socks[c->sock_last % SOCKS_MAX];
	if (k->pid == pid && k->fd == fd)
		return k;
	for (size_t i = 0; i < SOCKS_MAX; i++)
		if (c->socks[i].pid == pid && c->socks[i].fd == fd) {
			c->sock_last = i;
			return &c->socks[i];
		}
	return NULL;
}

/* Remembers socket fd of pid with its addresses (a free slot, else the
 * oldest taken in turn). */
static void sock_put(struct tctx *c, pid_t pid, int fd, int proto, const struct sockaddr_storage *l,
                     const struct sockaddr_storage *r)
{
	struct tsock *k = sock_find(c, pid, fd);
	for (size_t i = 0; i < SOCKS_MAX && !k; i++)
		if (!c->socks[i].pid)
			k = &c->socks[i];
	if (!k)
		k = &c->socks[c->sock_next++ % SOCKS_MAX];
	k->pid = pid;
	k->fd = fd;
	k->proto = proto;
	k->local = *l;
	k->remote = *r;
}

/* A new process has its parent's sockets; an ended one none. */
static void sock_fork(struct tctx *c, pid_t parent, pid_t child)
{
	for (size_t i = 0; i < SOCKS_MAX; i++)
		if (c->socks[i].pid == parent && parent != child)
			sock_put(c, child, c->socks[i].fd, c->socks[i].proto, &c->socks[i].local,
			         &c->socks[i].remote);
}

static void sock_exit(struct tctx *c, pid_t pid)
{
	for (size_t i = 0; i < SOCKS_MAX; i++)
		if (c->socks[i].pid == pid)
			c->socks[i].pid = 0;
}

/* The calls whose first argument is not a socket's fd. */
static int fd_unknown(const char *name)
{
	static const char *const v[] = {"poll",       "ppoll",       "select",       "pselect6",
	                                "epoll_wait", "epoll_pwait", "epoll_pwait2", "socketpair"};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(name, v[i]))
			return 1;
	return 0;
}

/* The process, socket and addresses of call ev (into o); NULL when its
 * socket is not known. */
static const struct wire_trace_owner *call_owner(struct tctx *c, const struct wire_pt_ev *ev,
                                                 struct wire_trace_owner *o)
{
	const char *name = ev->name ? ev->name : "";
	int fd = ev->fd;
	if (!strcmp(name, "socket") || !strncmp(name, "accept", 6))
		fd = ev->ret >= 0 && ev->ret <= INT_MAX ? (int)ev->ret : -1;
	if (fd < 0 || fd_unknown(name))
		return NULL;
	memset(o, 0, sizeof(*o));
	o->pid = ev->pid;
	o->comm = ev->comm;
	o->fd = fd;
	o->call = ev->text;
	const struct tsock *k = sock_find(c, ev->pid, fd);
	if (k) {
		o->proto = k->proto;
		o->local = (const struct sockaddr *)&k->local;
		o->remote =
		    k->remote.ss_family == AF_UNSPEC ? NULL : (const struct sockaddr *)&k->remote;
	} else if (ev->asked) {
		o->proto = IPPROTO_TCP;
		o->local = (const struct sockaddr *)&ev->local;
		o->remote = (const struct sockaddr *)&ev->remote;
	}
	return o;
}

/* What the tracer learnt about sockets: followed by the capture, remembered
 * for the calls. */
static void sock_event(struct tctx *c, const struct wire_pt_ev *ev)
{
	if (ev->type == WIRE_PT_PEER)
		wire_trace_peer(c->tr, (const struct sockaddr *)&ev->addr, ev->addrlen, ev->proto);
	if (ev->type == WIRE_PT_FOLLOW) {
		wire_trace_watch_addr(c->tr, ev->proto, (const struct sockaddr *)&ev->local,
		                      ev->remote.ss_family == AF_UNSPEC
		                          ? NULL
		                          : (const struct sockaddr *)&ev->remote);
		if (c->tr && c->owners && ev->fd >= 0)
			sock_put(c, ev->pid, ev->fd, ev->proto, &ev->local, &ev->remote);
	}
	if (ev->type == WIRE_PT_UNFOLLOW)
		wire_trace_unwatch_addr(c->tr, ev->proto, (const struct sockaddr *)&ev->local,
		                        ev->remote.ss_family == AF_UNSPEC
		                            ? NULL
		                            : (const struct sockaddr *)&ev->remote);
	if (ev->type == WIRE_PT_START && c->tr && c->owners)
		sock_fork(c, ev->parent, ev->pid);
}

/* --json: the event straight to the output, or, with packets, through the
 * trace engine (in time order with them). */
static void json_out(struct tctx *c, const struct wire_pt_ev *ev, const char *kind,
                     const struct wire_trace_owner *own)
{
	static struct wire_buf mem;
	static struct wire_sink ms;
	static char obj[JSON_EVENT_MAX];
	if (!c->tr) {
		json_event(c, c->out, ev, kind);
		return;
	}
	if (!mem.max)
		wire_buf_init(&mem, JSON_EVENT_MAX - 1);
	wire_buf_reset(&mem);
	wire_sink_init_mem(&ms, &mem);
	json_event(c, &ms, ev, kind);
	size_t n = wire_buf_used(&mem);
	if (ms.err || n < 2)
		return; /* bounded: an event that does not fit is not shown */
	memcpy(obj, wire_buf_head(&mem), n - 1); /* without its newline */
	obj[n - 1] = 0;
	c->jobj = obj;
	c->own = own;
	c->rx = ev->type == WIRE_PT_CALL && ev->asked && ev->ret > 0 ? ev : NULL;
	line(c, &ev->ts, "[%d %s] %s", (int)ev->pid, ev->comm,
	     ev->type == WIRE_PT_CALL ? ev->text : kind);
}

static void on_event(void *ctx, const struct wire_pt_ev *ev)
{
	struct tctx *c = ctx;
	struct wire_trace_owner own;
	char s[96], text[HOLD_TEXT_MAX];
	sock_event(c, ev);
	const struct wire_trace_owner *o =
	    ev->type == WIRE_PT_CALL && c->tr && c->owners ? call_owner(c, ev, &own) : NULL;
	if (ev->type == WIRE_PT_EXIT && c->tr && c->owners)
		sock_exit(c, ev->pid);
	if (o && ev->name && !strcmp(ev->name, "close") && !ev->err) {
		struct tsock *k = sock_find(c, ev->pid, ev->fd);
		if (k)
			k->pid = 0; /* o keeps pointers into it: read before the next put */
	}
	if (c->json) {
		const char *k = json_kind(c, ev);
		if (k)
			json_out(c, ev, k, o);
		if (ev->type == WIRE_PT_EXEC && ev->pid == c->root)
			c->started = 1;
		return;
	}
	switch (ev->type) {
	case WIRE_PT_CALL:
		calls_begin(c, ev);
		if (ev->tid != ev->pid)
			snprintf(s, sizeof(s), "/%d", (int)ev->tid);
		else
			s[0] = 0;
		c->own = o;
		call_line(c, ev, s);
		break;
	case WIRE_PT_START:
		snprintf(text, sizeof(text), "[%d %s] new process (%.64s)", (int)ev->pid, ev->comm,
		         ev->text);
		proc_line(c, ev, text);
		break;
	case WIRE_PT_EXEC:
		if (ev->pid == c->root && !c->started) { /* wirecat's child became the program */
			c->started = 1;
			line(c, &ev->ts, "[%d %s] started: %s", (int)ev->pid, ev->text, c->cmdline);
			break;
		}
		snprintf(text, sizeof(text), "[%d %s] exec: now running %.64s", (int)ev->pid,
		         ev->comm, ev->text);
		proc_line(c, ev, text);
		break;
	case WIRE_PT_EXIT:
		exit_text(ev->status, s, sizeof(s));
		snprintf(text, sizeof(text), "[%d %s] %.64s", (int)ev->pid, ev->comm, s);
		proc_line(c, ev, text);
		break;
	case WIRE_PT_ARCH:
		line(c, &ev->ts, "[%d %s] makes 32-bit system calls: those are not decoded",
		     (int)ev->pid, ev->comm);
		break;
	default: break;
	}
}

/* ---- starting ------------------------------------------------------------------------- */

/* The command line as shown when the program starts (cut to fit). */
static void join_args(char **argv, char *out, size_t n)
{
	size_t at = 0;
	out[0] = 0;
	for (int i = 0; argv[i] && at + 1 < n; i++) {
		int k = snprintf(out + at, n - at, "%s%s", i ? " " : "", argv[i]);
		if (k < 0 || (size_t)k >= n - at) {
			if (n > 4)
				memcpy(out + n - 4, "...", 4);
			return;
		}
		at += (size_t)k;
	}
}

/* Finds prog in PATH (as execvp would). Returns 0 with the path in out, or
 * -ENOENT / -EACCES. */
static int find_prog(const char *prog, char *out, size_t n)
{
	if (strchr(prog, '/')) {
		snprintf(out, n, "%s", prog);
		return access(out, X_OK) == 0 ? 0 : -errno;
	}
	const char *path = getenv("PATH");
	int err = -ENOENT;
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *e = strchr(path, ':');
		size_t len = e ? (size_t)(e - path) : strlen(path);
		int k = snprintf(out, n, "%.*s/%s", (int)len, len ? path : ".", prog);
		if (len == 0)
			k = snprintf(out, n, "./%s", prog);
		if (k > 0 && (size_t)k < n) {
			if (access(out, X_OK) == 0)
				return 0;
			if (errno == EACCES)
				err = -EACCES;
		}
		path += len + (e ? 1 : 0);
	}
	return err;
}

/* Whether this process may open a packet socket. */
static int can_capture(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno != EPERM && errno != EACCES;
	close(fd);
	return 1;
}

/* Blocks the passed-on signals (old: the mask before, which the program
 * gets) until the tracer's loop runs (run_traced). SIGPIPE is blocked too: a
 * timeline whose reader went away fails with EPIPE instead of ending wirecat
 * and with it the program. SIGCHLD is left alone: the loop blocks in
 * waitpid, so the kernel drops the SIGCHLD of every stop at once. */
static void block_signals(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(fwd_sigs) / sizeof(fwd_sigs[0]); i++)
		sigaddset(&set, fwd_sigs[i]);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* What the signal handler needs: set before the loop runs. */
static struct wire_pt *volatile sig_pt;
static volatile pid_t sig_root;        /* the program started, 0 when attached */
static volatile sig_atomic_t sig_stop; /* attached: detach now */

/* A passed-on signal (in the tracer's thread, the only one that takes
 * them). Started: one sent to wirecat (kill, not the terminal, which already
 * sent it to the program's process group) goes to the program at once.
 * Attached: SIGINT, SIGTERM, SIGHUP or SIGQUIT make the loop detach; the
 * traced tasks are interrupted so that its wait returns and sees it. Only
 * async-signal-safe calls. */
static void on_signal(int sig, siginfo_t *si, void *uctx)
{
	int saved = errno;
	(void)uctx;
	if (sig_root > 0 && (si->si_code == SI_USER || si->si_code == SI_QUEUE))
		kill(sig_root, sig);
	if (sig_root == 0 && (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)) {
		sig_stop = 1;
		wire_pt_kick(sig_pt);
	}
	errno = saved;
}

/* Runs the tracer's loop with the passed-on signals taken by on_signal
 * (SA_RESTART: the loop's waitpid goes on after a signal passed on). */
static int run_traced(struct wire_pt *pt, pid_t root)
{
	struct sigaction sa;
	sigset_t set;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(fwd_sigs) / sizeof(fwd_sigs[0]); i++)
		sigaddset(&set, fwd_sigs[i]);
	sa.sa_mask = set;
	sig_pt = pt;
	sig_root = root;
	sig_stop = 0;
	for (size_t i = 0; i < sizeof(fwd_sigs) / sizeof(fwd_sigs[0]); i++)
		sigaction(fwd_sigs[i], &sa, NULL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL); /* the ones that came meanwhile run now */
	int rc = wire_pt_run(pt, &sig_stop);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sig_pt = NULL;
	return rc;
}

struct topts {
	const char *outfile, *pcapfile;
	int pcapfd; /* -w: the file, open */
	long pid;
	int nopkt, abstime, json, all, nopin;
	const char *html; /* --html OUT.html: the page of the --json events */
};

/* Starts the capture, or says once why there will be no packets. */
static void start_capture(struct tctx *c, const struct topts *o, struct wire_sink *out)
{
	if (o->nopkt)
		return;
	if (!can_capture()) {
		if (o->json) {
			struct timespec now;
			clock_gettime(CLOCK_REALTIME, &now);
			wire_sink_printf(out, "{\"time\":%lld.%06ld,\"event\":\"note\",",
			                 (long long)now.tv_sec, now.tv_nsec / 1000);
			json_str(out, "text", NOPKT_MSG + 9, 1); /* without "wirecat: " */
			wire_sink_puts(out, "}\n");
		} else {
			wire_sink_puts(out, NOPKT_MSG);
		}
		wire_sink_flush(out);
		return;
	}
	/* the closing line counts socket calls itself (the engine's count would
	 * include process lines) */
	c->tr = wire_trace_start(-1, NULL, 0, out,
	                         WIRE_TRACE_NO_CALL_COUNT | (o->abstime ? WIRE_TRACE_ABS_TIME : 0) |
	                             (o->json ? WIRE_TRACE_JSON : 0) |
	                             (o->pcapfile ? WIRE_TRACE_KEEP_RAW : 0));
}

/* -w FILE (open already as o->pcapfd): the packets as pcapng, each with a
 * comment naming its process and call. */
static void start_pcapng(struct tctx *c, const struct topts *o)
{
	static struct wire_sink ps;
	if (o->pcapfd < 0)
		return;
	if (!c->tr) {
		cli_err("trace: -w %s: no packets are captured, so it is not written", o->pcapfile);
		unlink(o->pcapfile);
		return;
	}
	wire_sink_init_fd(&ps, o->pcapfd);
	wire_trace_set_pcapng(c->tr, &ps);
}

static int parse(int argc, char **argv, struct topts *o)
{
	static const struct option lopts[] = {
	    {"pid", required_argument, NULL, 'p'},
	    {"output", required_argument, NULL, 'o'},
	    {"no-packets", no_argument, NULL, 'N'},
	    {"json", no_argument, NULL, 'J'},
	    {"abs-time", no_argument, NULL, 'T'},
	    {"all-processes", no_argument, NULL, 'v'},
	    {"write", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {"html", required_argument, NULL, 'H'},
	    {"no-pin", no_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	char *end;
	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "+:p:o:w:Tvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			errno = 0;
			o->pid = strtol(optarg, &end, 10);
			if (errno || *end || o->pid <= 0 || o->pid > INT_MAX)
				return cli_cmd_usage_err("trace", "bad pid '%s'", optarg);
			break;
		case 'o': o->outfile = optarg; break;
		case 'w': o->pcapfile = optarg; break;
		case 'N': o->nopkt = 1; break;
		case 'P': o->nopin = 1; break;
		case 'H': /* the page is made of the JSON */
			o->html = optarg;
			/* fall through */
		case 'J': o->json = 1; break;
		case 'T': o->abstime = 1; break;
		case 'v': o->all = 1; break;
		case 'h': usage(stdout); return -1;
		case ':':
			return cli_cmd_usage_err("trace", "option needs a value: %s",
			                         argv[optind - 1]);
		default: return cli_cmd_usage_err("trace", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->pcapfile && o->nopkt)
		return cli_cmd_usage_err("trace", "-w writes the packets: not with --no-packets");
	if (o->html && o->outfile)
		return cli_cmd_usage_err("trace", "--html and -o: give one of them");
	if (o->pid && optind < argc)
		return cli_cmd_usage_err("trace", "give either -p PID or a program, not both");
	if (!o->pid && optind >= argc)
		return cli_cmd_usage_err("trace",
		                         "no program to run (wirecat trace -- PROGRAM ...)");
	return 0;
}

/* The status wirecat ends with, and the line saying how the program ended. */
static int final_status(struct wire_pt *pt, const char *prog)
{
	int st = wire_pt_status(pt), err = wire_pt_exec_error(pt);
	char s[96];
	if (err) {
		cli_err("trace: %s: %s", prog, strerror(err));
		return err == EACCES ? 126 : 127;
	}
	if (st < 0)
		return WIRE_EXIT_FAIL;
	if (WIFSIGNALED(st)) {
		exit_text(st, s, sizeof(s));
		cli_err("trace: %s was %s; exit status %d", prog, s, 128 + WTERMSIG(st));
		return 128 + WTERMSIG(st);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIRE_EXIT_FAIL;
}

static int run(struct topts *o, char **prog, struct wire_sink *out)
{
	static struct tctx c;
	struct wire_pt *pt = NULL;
	char path[PATH_MAX];
	int rc;
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.abstime = o->abstime;
	c.json = o->json;
	c.all = o->all;
	c.owners = o->json || o->pcapfile; /* packets tied to calls: --json, -w */
	if (!o->pid && (rc = find_prog(prog[0], path, sizeof(path))) < 0) {
		cli_err("trace: %s: %s", prog[0],
		        rc == -EACCES ? "permission denied" : "command not found");
		return rc == -EACCES ? 126 : 127;
	}
	sigset_t old_mask;
	sigemptyset(&old_mask);
	block_signals(&old_mask);
	if (o->pid) { /* attached tasks stay stopped until the loop runs */
		rc = wire_pt_attach(&pt, (pid_t)o->pid, on_event, &c);
		if (rc == 0) {
			start_capture(&c, o, out);
			start_pcapng(&c, o);
			wire_pt_adopt_fds(pt); /* its open sockets: followed, closes seen */
		}
	} else {
		start_capture(&c, o, out);
		start_pcapng(&c, o);
		join_args(prog, c.cmdline, sizeof(c.cmdline));
		rc = wire_pt_spawn(&pt, path, prog, &old_mask, on_event, &c);
		c.root = rc == 0 ? wire_pt_pid(pt) : 0;
	}
	c.main = rc == 0 ? wire_pt_pid(pt) : 0;
	if (rc < 0) {
		wire_trace_stop(c.tr);
		if (rc == -ENOSYS)
			cli_err("trace: only x86_64 is supported");
		else if (o->pid)
			cli_err("trace: cannot attach to %ld: %s", o->pid,
			        rc == -ENOENT || rc == -ESRCH ? "no such process" : strerror(-rc));
		else
			cli_err("trace: cannot start %s: %s", prog[0], strerror(-rc));
		return rc == -EPERM ? WIRE_EXIT_PRIV : WIRE_EXIT_FAIL;
	}
	wire_pt_want_pin(pt, !o->nopin);
	wire_pt_want_tuples(pt, c.tr != NULL); /* the engine ties reads and writes to packets */
	rc = run_traced(pt, o->pid ? 0 : c.root);
	wire_trace_stop(c.tr);
	if (!c.json)
		summary(&c);
	if (rc == 1)
		cli_err("trace: detached from %ld; it goes on running", o->pid);
	int status = o->pid ? 0 : final_status(pt, prog[0]);
	wire_pt_free(pt);
	return status;
}

int cmd_trace(int argc, char **argv)
{
	static struct wire_sink out;
	struct topts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	int fd = 2;
	o.pcapfd = -1;
	if (o.pcapfile) {
		o.pcapfd = open(o.pcapfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (o.pcapfd < 0) {
			cli_err("trace: %s: %s", o.pcapfile, strerror(errno));
			return WIRE_EXIT_FAIL;
		}
	}
	char tmp[] = "/tmp/wirecat-trace-XXXXXX";
	if (o.html && (fd = mkostemp(tmp, O_CLOEXEC)) >= 0)
		unlink(tmp); /* the events of --html, gone when closed */
	if (fd < 0) {
		cli_err("trace: a temporary file for --html: %s", strerror(errno));
		if (o.pcapfd >= 0)
			close(o.pcapfd);
		return WIRE_EXIT_FAIL;
	}
	if (o.outfile) {
		fd = open(o.outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			cli_err("trace: %s: %s", o.outfile, strerror(errno));
			if (o.pcapfd >= 0)
				close(o.pcapfd);
			return WIRE_EXIT_FAIL;
		}
	}
	wire_sink_init_fd(&out, fd);
	rc = run(&o, argv + optind, &out);
	wire_sink_flush(&out);
	if (o.html) {
		int st = cli_view_ndjson_fd(fd, o.html, o.pid ? "trace" : argv[optind]);
		rc = rc ? rc : st;
		if (st == 0)
			fprintf(stderr, "wirecat: trace: the page is %s\n", o.html);
	}
	if (fd != 2)
		close(fd);
	if (o.pcapfd >= 0)
		close(o.pcapfd);
	return rc;
}
