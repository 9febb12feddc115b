/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The tracer's call decoders (include/wire/ptrace.h): which calls the
 * seccomp filter stops at, which fds are sockets (learned from socket() and
 * accept() results, from /proc/PID/fd when attaching, else asked of
 * /proc/PID/fd once), the sockets passed with SCM_RIGHTS (sendmsg, recvmsg,
 * sendmmsg, recvmmsg), and one line of text per call with its arguments,
 * result, the data (capped) and a note for what a learner trips on. The
 * program's memory is read with process_vm_readv, never more than the named
 * limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ptrace_int.h"
#include "wire/limits.h"
#include "wire/procsock.h"
#include "wire/sysdec.h"

#define OPTVAL_MAX 64      /* bytes of a socket option value read */
#define HOLDERS_MAX 4      /* processes looked up for a port in use */
#define ERESTART_FIRST 512 /* ERESTARTSYS .. ERESTART_RESTARTBLOCK: seen by tracers only */
#define ERESTART_LAST 516
#define ERESTARTNOINTR_ 513
#define ERESTARTNOHAND_ 514
#define ERESTART_RESTARTBLOCK_ 516

enum {
	C_NONE = 0,
	C_READ, /* the fd-checked ones first: the filter tests their fd */
	C_WRITE,
	C_READV,
	C_WRITEV,
	C_SOCKET,
	C_BIND,
	C_LISTEN,
	C_ACCEPT,
	C_ACCEPT4,
	C_CONNECT,
	C_SENDTO,
	C_RECVFROM,
	C_SENDMSG,
	C_RECVMSG,
	C_SENDMMSG,
	C_RECVMMSG,
	C_SHUTDOWN,
	C_CLOSE,
	C_SETSOCKOPT,
	C_GETSOCKOPT,
	C_SENDFILE,
	C_SPLICE,
	C_POLL,
	C_PPOLL,
	C_SELECT,
	C_PSELECT6,
	C_EPOLL_WAIT,
	C_EPOLL_PWAIT,
	C_DUP,
	C_FCNTL,      /* F_DUPFD, F_DUPFD_CLOEXEC only (the filter tests the command) */
	C_SOCKETPAIR, /* not shown: only makes the filter add the fd-checked calls */
	C_RESTART,    /* restart_syscall: resumes an interrupted call (ptrace.c) */
};

struct sc {
	uint32_t nr;
	int cls;
	const char *name;
};

static const struct sc calls[] = {
    {SYS_read, C_READ, "read"},
    {SYS_write, C_WRITE, "write"},
    {SYS_readv, C_READV, "readv"},
    {SYS_writev, C_WRITEV, "writev"},
    {SYS_socket, C_SOCKET, "socket"},
    {SYS_bind, C_BIND, "bind"},
    {SYS_listen, C_LISTEN, "listen"},
    {SYS_accept, C_ACCEPT, "accept"},
    {SYS_accept4, C_ACCEPT4, "accept4"},
    {SYS_connect, C_CONNECT, "connect"},
    {SYS_sendto, C_SENDTO, "sendto"},
    {SYS_recvfrom, C_RECVFROM, "recvfrom"},
    {SYS_sendmsg, C_SENDMSG, "sendmsg"},
    {SYS_recvmsg, C_RECVMSG, "recvmsg"},
    {SYS_sendmmsg, C_SENDMMSG, "sendmmsg"},
    {SYS_recvmmsg, C_RECVMMSG, "recvmmsg"},
    {SYS_shutdown, C_SHUTDOWN, "shutdown"},
    {SYS_close, C_CLOSE, "close"},
    {SYS_setsockopt, C_SETSOCKOPT, "setsockopt"},
    {SYS_getsockopt, C_GETSOCKOPT, "getsockopt"},
    {SYS_sendfile, C_SENDFILE, "sendfile"},
    {SYS_splice, C_SPLICE, "splice"},
    {SYS_poll, C_POLL, "poll"},
    {SYS_ppoll, C_PPOLL, "ppoll"},
    {SYS_select, C_SELECT, "select"},
    {SYS_pselect6, C_PSELECT6, "pselect6"},
    {SYS_epoll_wait, C_EPOLL_WAIT, "epoll_wait"},
    {SYS_epoll_pwait, C_EPOLL_PWAIT, "epoll_pwait"},
    {SYS_dup, C_DUP, "dup"},
    {SYS_dup2, C_DUP, "dup2"},
    {SYS_dup3, C_DUP, "dup3"},
    {SYS_fcntl, C_FCNTL, "fcntl"},
    {SYS_socketpair, C_SOCKETPAIR, "socketpair"},
    {SYS_restart_syscall, C_RESTART, "restart_syscall"},
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))
#define NFDCHECK 4

size_t pt_call_filter_nrs(uint32_t *nrs, size_t n, size_t *nfdcheck)
{
	size_t k = 0;
	for (size_t i = 0; i < NCALLS && k < n; i++)
		if (calls[i].cls != C_FCNTL) /* its own test in the filter (ptrace.c) */
			nrs[k++] = calls[i].nr;
	*nfdcheck = NFDCHECK;
	return k;
}

int pt_call_makes_socket(uint64_t nr)
{
	return nr == SYS_socket || nr == SYS_socketpair || nr == SYS_accept || nr == SYS_accept4;
}

static const struct sc *find_call(uint64_t nr)
{
	for (size_t i = 0; i < NCALLS; i++)
		if (calls[i].nr == nr)
			return &calls[i];
	return NULL;
}

/* ---- the program's memory and fds ----------------------------------------------------- */

/* Reads up to n bytes at addr of pid. Returns the count read (0 on error). */
static size_t rd(pid_t pid, uint64_t addr, void *buf, size_t n)
{
	if (!addr || n == 0)
		return 0;
	struct iovec l = {.iov_base = buf, .iov_len = n};
	struct iovec r = {.iov_base = (void *)(uintptr_t)addr, .iov_len = n};
	ssize_t k = process_vm_readv(pid, &l, 1, &r, 1, 0);
	return k > 0 ? (size_t)k : 0;
}

static int rd_u32(pid_t pid, uint64_t addr, uint32_t *v)
{
	return rd(pid, addr, v, sizeof(*v)) == sizeof(*v);
}

int wire_pt_sock_info(pid_t pid, int fd, int *type, int *proto, struct sockaddr_storage *local,
                      struct sockaddr_storage *remote)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return -errno;
	int s = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
	int err = s < 0 ? -errno : 0;
	close(pfd);
	if (s < 0)
		return err;
	socklen_t l = sizeof(int);
	*type = *proto = 0;
	memset(local, 0, sizeof(*local));
	memset(remote, 0, sizeof(*remote));
	if (getsockopt(s, SOL_SOCKET, SO_TYPE, type, &l) < 0)
		err = -errno;
	l = sizeof(int);
	if (!err && getsockopt(s, SOL_SOCKET, SO_PROTOCOL, proto, &l) < 0)
		*proto = 0;
	socklen_t al = sizeof(*local);
	if (!err && getsockname(s, (struct sockaddr *)local, &al) < 0)
		memset(local, 0, sizeof(*local));
	al = sizeof(*remote);
	if (!err && getpeername(s, (struct sockaddr *)remote, &al) < 0)
		memset(remote, 0, sizeof(*remote));
	close(s);
	return err;
}

static int kind_of_type(int type)
{
	switch (type & 0xf) {
	case SOCK_STREAM: return FD_STREAM;
	case SOCK_DGRAM: return FD_DGRAM;
	default: return FD_SOCKOTHER;
	}
}

/* What fd is in t's process: remembered, else asked of /proc once. */
static int fd_kind(struct pt_task *t, uint64_t fd)
{
	uint8_t none = FD_UNKNOWN, *k = pt_fd_slot(t, fd, 0);
	if (fd > INT32_MAX)
		return FD_FILE;
	if (k && *k != FD_UNKNOWN)
		return *k & ~FD_FLAGS;
	char path[64], link[32];
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)t->tid, (int)fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return FD_UNKNOWN; /* not open (yet): ask again next time */
	link[n] = 0;
	k = pt_fd_slot(t, fd, 1);
	if (!k) /* above the table (or no memory): asked again next time */
		k = &none;
	if (strncmp(link, "socket:[", 8) != 0) {
		*k = FD_FILE;
		return FD_FILE;
	}
	int type = 0, proto;
	struct sockaddr_storage l, r;
	if (wire_pt_sock_info(t->tid, (int)fd, &type, &proto, &l, &r) < 0)
		return FD_SOCKOTHER; /* a socket of unknown type: not remembered */
	*k = (uint8_t)kind_of_type(type);
	return *k;
}

static int is_sock(struct pt_task *t, uint64_t fd)
{
	int k = fd_kind(t, fd);
	return k == FD_STREAM || k == FD_DGRAM || k == FD_SOCKOTHER;
}

static void set_kind(struct pt_task *t, uint64_t fd, int kind)
{
	uint8_t *k = pt_fd_slot(t, fd, kind != FD_UNKNOWN);
	if (k)
		*k = (uint8_t)kind;
}

static int followed(struct pt_task *t, uint64_t fd)
{
	const uint8_t *k = pt_fd_slot(t, fd, 0);
	return k && (*k & FD_FOLLOWED);
}

/* ---- entry ----------------------------------------------------------------------------- */

static int proto_of_kind(int k)
{
	return k == FD_STREAM ? IPPROTO_TCP : k == FD_DGRAM ? IPPROTO_UDP : 0;
}

/* A call about to send to an address: the PEER event, so the capture
 * follows it before the first packet leaves. */
static void peer_event(struct wire_pt *pt, struct pt_task *t, uint64_t fd, uint64_t addr,
                       uint64_t len)
{
	struct wire_pt_ev ev;
	pt_ev_init(&ev, WIRE_PT_PEER, t);
	size_t n = len < sizeof(ev.addr) ? (size_t)len : sizeof(ev.addr);
	if (n > WIRE_PT_ADDR_MAX)
		n = WIRE_PT_ADDR_MAX;
	n = rd(t->tid, addr, &ev.addr, n);
	if (n < sizeof(struct sockaddr_in))
		return;
	if (ev.addr.ss_family != AF_INET && ev.addr.ss_family != AF_INET6)
		return;
	ev.addrlen = (socklen_t)n;
	ev.fd = (int)fd;
	ev.proto = proto_of_kind(fd_kind(t, fd));
	if (ev.proto)
		pt->cb(pt->ctx, &ev);
}

/* Whether socket fd of t's process, marked FD_SHARED, is still held by
 * another of its descriptors (exiting: not counted) or by another traced
 * process: then closing this one closes nothing. A process with more than
 * PT_HOLD_FDS_MAX descriptors counts as holding it. */
static int still_held(struct wire_pt *pt, struct pt_task *t, uint64_t fd, int exiting)
{
	const uint8_t *k = pt_fd_slot(t, fd, 0);
	uint64_t ino;
	if (!k || !(*k & FD_SHARED) || fd > INT_MAX ||
	    wire_procsock_fd_inode(t->tid, (int)fd, &ino) < 0)
		return 0;
	for (size_t i = 0; i < pt->nslots; i++) {
		const struct pt_task *o = &pt->tasks[i];
		if (!o->tid || !o->proc || o->proc->tgid != o->tid) /* one look per process */
			continue;
		int self = o->proc == t->proc;
		if (self && exiting)
			continue;
		int rc = wire_procsock_holds(o->tid, ino, self ? (int)fd : -1, PT_HOLD_FDS_MAX);
		if (rc == 1 || rc == -E2BIG)
			return 1;
	}
	return 0;
}

/* A followed socket about to be closed: the UNFOLLOW event with its ends,
 * so the capture lets its flow go after its last packets; not when another
 * descriptor still holds the socket (exiting: its process is ending). */
static void unfollow(struct wire_pt *pt, struct pt_task *t, uint64_t fd, int exiting)
{
	struct wire_pt_ev ev;
	int type;
	if (still_held(pt, t, fd, exiting))
		return;
	pt_ev_init(&ev, WIRE_PT_UNFOLLOW, t);
	if (wire_pt_sock_info(t->tid, (int)fd, &type, &ev.proto, &ev.local, &ev.remote) < 0)
		return;
	ev.fd = (int)fd;
	if (ev.proto == IPPROTO_TCP || ev.proto == IPPROTO_UDP)
		pt->cb(pt->ctx, &ev);
}

void pt_call_exiting(struct wire_pt *pt, struct pt_task *t)
{
	for (size_t fd = 0; t->proc && fd < t->proc->nkind; fd++)
		if (t->proc->kind[fd] & FD_FOLLOWED)
			unfollow(pt, t, fd, 1);
}

#define PT_CMSG_MAX 512 /* bytes of a message's control data read for SCM_RIGHTS */

/* struct msghdr as the x86_64 kernel reads it. */
struct msg64 {
	uint64_t name;
	uint32_t namelen, pad0;
	uint64_t iov, iovlen, control, controllen;
	int32_t flags, pad1;
};

static void sendmsg_peer(struct wire_pt *pt, struct pt_task *t)
{
	struct msg64 m;
	if (rd(t->tid, t->args[1], &m, sizeof(m)) == sizeof(m) && m.name)
		peer_event(pt, t, t->args[0], m.name, m.namelen);
}

/* A datagram receive without MSG_TRUNC gets it added, so that it returns the
 * datagram's length, and the program is given back the count it would have
 * had (trunc_fix at the exit). Returns 1 when the flag was added. */
static int add_trunc(struct pt_task *t)
{
#ifdef __x86_64__
	struct user_regs_struct r;
	if (t->args[3] & MSG_TRUNC || ptrace(PTRACE_GETREGS, t->tid, 0, &r) < 0)
		return 0;
	r.r10 |= MSG_TRUNC;
	return ptrace(PTRACE_SETREGS, t->tid, 0, &r) == 0;
#else
	(void)t;
	return 0;
#endif
}

/* At the exit of a receive that got MSG_TRUNC from add_trunc: keeps the
 * datagram's length in t->peek and gives the program min(length, asked). */
static int64_t trunc_fix(struct pt_task *t, int64_t rval)
{
#ifdef __x86_64__
	struct user_regs_struct r;
	uint64_t asked = t->args[2];
	if (rval < 0 || (uint64_t)rval <= asked) {
		t->peek = rval;
		return rval;
	}
	t->peek = (long)rval;
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &r) < 0)
		return rval;
	r.rax = asked;
	ptrace(PTRACE_SETREGS, t->tid, 0, &r);
	return (int64_t)asked;
#else
	return rval;
#endif
}

/* Whether any of the pollfds at addr (count n) is a socket; writes
 * "[3 POLLIN, ...]" into t->etext. */
static int poll_entry(struct pt_task *t, uint64_t addr, uint64_t n)
{
	struct pollfd p[WIRE_PT_POLL_MAX];
	size_t want = n < WIRE_PT_POLL_MAX ? (size_t)n : WIRE_PT_POLL_MAX;
	size_t got = rd(t->tid, addr, p, want * sizeof(p[0])) / sizeof(p[0]);
	int any = 0;
	size_t at = 0;
	t->etext[0] = 0;
	for (size_t i = 0; i < got; i++) {
		if (p[i].fd < 0 || !is_sock(t, (uint64_t)p[i].fd))
			continue;
		any = 1;
		int k = snprintf(t->etext + at, sizeof(t->etext) - at, "%s%d%s%s", at ? " " : "",
		                 p[i].fd, p[i].events & POLLIN ? " IN" : "",
		                 p[i].events & POLLOUT ? " OUT" : "");
		if (k < 0 || (size_t)k >= sizeof(t->etext) - at)
			break;
		at += (size_t)k;
	}
	return any;
}

/* Whether a select() fd set at addr (nfds bits) holds a socket. */
static int select_entry(struct pt_task *t, uint64_t nfds, uint64_t rset, uint64_t wset)
{
	uint8_t bits[128];
	size_t nb = nfds > 1024 ? 128 : (size_t)((nfds + 7) / 8);
	uint64_t sets[2] = {rset, wset};
	for (int s = 0; s < 2; s++) {
		size_t got = rd(t->tid, sets[s], bits, nb);
		for (size_t i = 0; i < got * 8 && i < nfds; i++)
			if ((bits[i / 8] >> (i % 8)) & 1 && is_sock(t, i))
				return 1;
	}
	return 0;
}

int pt_call_entry(struct wire_pt *pt, struct pt_task *t)
{
	const struct sc *c = find_call(t->nr);
	uint64_t *a = t->args;
	t->cls = c ? c->cls : C_NONE;
	t->peek = -1;
	t->trunc = 0;
	t->etext[0] = 0;
	switch (t->cls) {
	case C_NONE:
	case C_SOCKETPAIR:
	case C_RESTART: return 0; /* of an untraced call (nanosleep) */
	case C_CLOSE:
		if (followed(t, a[0]))
			unfollow(pt, t, a[0], 0);
		if (is_sock(t, a[0]))
			return 1;
		set_kind(t, a[0], FD_UNKNOWN); /* the number may come back as a socket */
		return 0;
	case C_READ:
	case C_WRITE:
	case C_READV:
	case C_WRITEV:
	case C_SENDFILE: return is_sock(t, a[0]);
	case C_FCNTL: return (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC) && is_sock(t, a[0]);
	case C_SPLICE: return is_sock(t, a[0]) || is_sock(t, a[2]);
	case C_CONNECT: peer_event(pt, t, a[0], a[1], a[2]); return 1;
	case C_SENDTO:
		if (a[4] && !followed(t, a[0]))
			peer_event(pt, t, a[0], a[4], a[5]);
		return 1;
	case C_SENDMSG:
		if (!followed(t, a[0]))
			sendmsg_peer(pt, t);
		return 1;
	case C_RECVFROM: t->trunc = fd_kind(t, a[0]) == FD_DGRAM && add_trunc(t); return 1;
	case C_POLL:
	case C_PPOLL: return poll_entry(t, a[0], a[1]);
	case C_SELECT:
	case C_PSELECT6: return select_entry(t, a[0], a[1], a[2]);
	default: return 1;
	}
}

/* ---- exit: the line ------------------------------------------------------------------------ */

/* One call being written: the event and where its text and note stand. */
struct line {
	struct wire_pt_ev ev;
	size_t at, nat;
	int64_t ret;
	int err;
};

__attribute__((format(printf, 2, 3))) static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	size_t n = sizeof(l->ev.text);
	if (l->at >= n - 1)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(l->ev.text + l->at, n - l->at, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->at = l->at + (size_t)k >= n ? n - 1 : l->at + (size_t)k;
}

/* put(l, "%s", s) without printf (the pieces of every call). */
static void put_s(struct line *l, const char *s)
{
	size_t n = sizeof(l->ev.text);
	if (l->at >= n - 1)
		return;
	size_t k = strnlen(s, n - 1 - l->at);
	memcpy(l->ev.text + l->at, s, k);
	l->at += k;
	l->ev.text[l->at] = 0;
}

__attribute__((format(printf, 2, 3))) static void note(struct line *l, const char *fmt, ...)
{
	va_list ap;
	size_t n = sizeof(l->ev.note);
	if (l->nat >= n - 1)
		return;
	if (l->nat)
		l->nat += (size_t)snprintf(l->ev.note + l->nat, n - l->nat, "; ");
	if (l->nat >= n - 1)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(l->ev.note + l->nat, n - l->nat, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->nat = l->nat + (size_t)k >= n ? n - 1 : l->nat + (size_t)k;
}

static void put_addr(struct line *l, pid_t pid, const char *pfx, uint64_t addr, size_t len)
{
	uint8_t b[WIRE_PT_ADDR_MAX];
	char s[WIRE_SD_TEXT_MAX];
	size_t n = rd(pid, addr, b, len < sizeof(b) ? len : sizeof(b));
	if (n) {
		put_s(l, pfx);
		put_s(l, wire_sd_sockaddr(b, n, s, sizeof(s)));
	}
}

/* An address the kernel wrote back: its length at lenp, then the bytes. */
static void put_addr_out(struct line *l, pid_t pid, const char *pfx, uint64_t addr, uint64_t lenp)
{
	uint32_t len;
	if (addr && lenp && rd_u32(pid, lenp, &len))
		put_addr(l, pid, pfx, addr, len);
}

static void put_data(struct line *l, pid_t pid, uint64_t addr, size_t total)
{
	uint8_t b[WIRE_SD_DATA_SHOWN];
	char s[WIRE_SD_DATA_SHOWN + 8];
	size_t n = rd(pid, addr, b, total < sizeof(b) ? total : sizeof(b));
	if (n) {
		put_s(l, " ");
		put_s(l, wire_sd_data(b, n, total, s, sizeof(s)));
	}
}

static void put_ret(struct line *l)
{
	char r[WIRE_SD_TEXT_MAX];
	if (l->err >= ERESTART_FIRST && l->err <= ERESTART_LAST) { /* the program never sees it */
		const char *name = wire_sd_errname(l->err);
		const char *desc =
		    l->err == ERESTARTNOINTR_ ? "interrupted by a signal: the kernel restarts it"
		    : l->err == ERESTARTNOHAND_
		        ? "interrupted by a signal: the kernel restarts it, or returns EINTR "
		          "if a handler runs"
		        : "interrupted by a signal: the kernel restarts it, or returns EINTR "
		          "if a handler without SA_RESTART runs";
		put(l, " = ? %s (%s)", name ? name : "ERESTART", desc);
		return;
	}
	put_s(l, wire_sd_ret(l->err ? -1 : (long long)l->ret, l->err, r, sizeof(r)));
}

static void put_flags(struct line *l, uint64_t flags)
{
	char s[WIRE_SD_TEXT_MAX];
	if (flags)
		put(l, ", %s", wire_sd_msgflags((int)flags, s, sizeof(s)));
}

/* The FOLLOW event for socket fd, when it has an IP address. */
static void follow(struct wire_pt *pt, struct pt_task *t, int64_t fd)
{
	struct wire_pt_ev ev;
	int type;
	pt_ev_init(&ev, WIRE_PT_FOLLOW, t);
	if (fd < 0 ||
	    wire_pt_sock_info(t->tid, (int)fd, &type, &ev.proto, &ev.local, &ev.remote) < 0)
		return;
	if (ev.local.ss_family != AF_INET && ev.local.ss_family != AF_INET6)
		return;
	uint16_t port = ((struct sockaddr_in *)&ev.local)->sin_port; /* same place in v6 */
	const uint8_t *old = pt_fd_slot(t, (uint64_t)fd, 0);
	int shared = old && (*old & FD_SHARED);
	set_kind(t, (uint64_t)fd,
	         kind_of_type(type) | (port ? FD_FOLLOWED : 0) | (shared ? FD_SHARED : 0));
	ev.fd = (int)fd;
	pt->cb(pt->ctx, &ev);
}

static void refused_note(struct line *l, int kind)
{
	if (l->err != ECONNREFUSED)
		return;
	if (kind == FD_DGRAM)
		note(l, "an earlier datagram drew an ICMP port unreachable: nothing listens there");
	else
		note(l, "the peer answered the SYN with a RST: nothing listens on that port");
}

static void recv_notes(struct line *l, struct pt_task *t, int kind, uint64_t asked, uint64_t flags)
{
	refused_note(l, kind);
	if (l->err)
		return;
	if (kind == FD_STREAM && l->ret > 0 && !(flags & MSG_PEEK))
		l->ev.asked = (long long)asked; /* the trace engine ties it to the segments */
	if (kind == FD_STREAM && l->ret == 0 && asked > 0)
		note(l, "the peer closed its side (FIN): end of the stream");
	if (kind != FD_DGRAM)
		return;
	if ((flags & MSG_TRUNC) && (uint64_t)l->ret > asked)
		note(l, "MSG_TRUNC: datagram was %lld bytes, %llu discarded", (long long)l->ret,
		     (unsigned long long)((uint64_t)l->ret - asked));
	else if (t->trunc && t->peek > (long)asked && (uint64_t)l->ret == asked)
		note(l, "MSG_TRUNC: datagram was %ld bytes, %llu discarded", t->peek,
		     (unsigned long long)((uint64_t)t->peek - asked));
	else if (asked > 0 && (uint64_t)l->ret == asked && !t->trunc)
		note(l, "the datagram filled the buffer: bytes beyond it, if any, were discarded");
}

static void connect_notes(struct line *l, int kind)
{
	refused_note(l, kind);
	if (l->err == EINPROGRESS)
		note(l,
		     "non-blocking: the handshake goes on; wait for POLLOUT, then read SO_ERROR");
	else if (l->err == ETIMEDOUT)
		note(l, "no answer to the SYN and its retransmissions");
}

/* EADDRINUSE: who holds the port (a process's socket, found through /proc),
 * or, when no process does, a connection in TIME_WAIT. */
static void bind_notes(struct line *l, pid_t pid, uint64_t addr, uint64_t len)
{
	struct sockaddr_in sa; /* the port is at the same place for IPv6 */
	int pids[HOLDERS_MAX];
	char comm[WIRE_PT_COMM_MAX], path[64];
	if (l->err != EADDRINUSE || len < sizeof(sa) ||
	    rd(pid, addr, &sa, sizeof(sa)) != sizeof(sa))
		return;
	if (sa.sin_family != AF_INET && sa.sin_family != AF_INET6)
		return;
	uint16_t port = ntohs(sa.sin_port);
	int n = port ? wire_procsock_port_pids(port, pids, HOLDERS_MAX) : 0;
	if (n <= 0) {
		note(l,
		     "no process holds port %u: a TIME_WAIT connection does (SO_REUSEADDR allows "
		     "it)",
		     (unsigned)port);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", pids[0]);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
	if (fd >= 0)
		close(fd);
	comm[k > 0 ? k - (comm[k - 1] == '\n') : 0] = 0;
	note(l, "port %u is held by a socket of pid %d (%s)%s", (unsigned)port, pids[0],
	     comm[0] ? comm : "?", n > 1 ? " and others" : "");
}

/* Sum of the iovec lengths at iov (cnt entries, bounded); *first is the
 * first non-empty buffer. */
static uint64_t iov_total(pid_t pid, uint64_t iov, uint64_t cnt, uint64_t *first)
{
	uint64_t v[2 * WIRE_PT_IOV_MAX], sum = 0;
	size_t want = cnt < WIRE_PT_IOV_MAX ? (size_t)cnt : WIRE_PT_IOV_MAX;
	size_t got = rd(pid, iov, v, want * 16) / 16;
	*first = 0;
	for (size_t i = 0; i < got; i++) {
		if (!*first && v[2 * i + 1])
			*first = v[2 * i];
		sum += v[2 * i + 1];
	}
	return sum;
}

static void fmt_msg(struct line *l, struct pt_task *t, int send)
{
	struct msg64 m;
	uint64_t *a = t->args, first;
	int kind = fd_kind(t, a[0]);
	pid_t pid = t->tid;
	memset(&m, 0, sizeof(m));
	rd(pid, a[1], &m, sizeof(m));
	uint64_t total = iov_total(pid, m.iov, m.iovlen, &first);
	put(l, "%s(%d, %llu", send ? "sendmsg" : "recvmsg", (int)a[0], (unsigned long long)total);
	if (send && m.name)
		put_addr(l, pid, ", to ", m.name, m.namelen);
	put_flags(l, a[2]);
	put_s(l, ")");
	put_ret(l);
	if (!l->err && l->ret > 0)
		put_data(l, pid, first, (size_t)l->ret);
	if (!send && !l->err && m.name)
		put_addr(l, pid, " from ", m.name, m.namelen);
	if (!send && (m.flags & MSG_TRUNC) && !l->err)
		note(l, "MSG_TRUNC: datagram over the %llu-byte buffer, the rest discarded",
		     (unsigned long long)total);
	if (a[2] & MSG_ERRQUEUE)
		note(l, "the error queue (IP_RECVERR): an ICMP error about an earlier datagram");
	if (!send)
		recv_notes(l, t, kind, total, a[2] & (MSG_TRUNC | MSG_PEEK));
	else
		refused_note(l, kind);
}

static void fmt_sendto(struct line *l, struct pt_task *t)
{
	uint64_t *a = t->args;
	put(l, "%s(%d, %llu", a[4] ? "sendto" : "send", (int)a[0], (unsigned long long)a[2]);
	if (a[4])
		put_addr(l, t->tid, ", ", a[4], a[5]);
	put_flags(l, a[3]);
	put_s(l, ")");
	put_ret(l);
	if (!l->err && l->ret > 0)
		put_data(l, t->tid, a[1], (size_t)l->ret);
	refused_note(l, fd_kind(t, a[0]));
}

static void fmt_recvfrom(struct line *l, struct pt_task *t)
{
	uint64_t *a = t->args;
	put(l, "%s(%d, %llu", a[4] ? "recvfrom" : "recv", (int)a[0], (unsigned long long)a[2]);
	put_flags(l, a[3]);
	put_s(l, ")");
	put_ret(l);
	if (!l->err && l->ret > 0) {
		size_t got = (uint64_t)l->ret < a[2] ? (size_t)l->ret : (size_t)a[2];
		put_data(l, t->tid, a[1], got);
	}
	if (!l->err && a[4])
		put_addr_out(l, t->tid, " from ", a[4], a[5]);
	recv_notes(l, t, fd_kind(t, a[0]), a[2], a[3]);
}

static void fmt_rw(struct line *l, struct pt_task *t, const char *name, int out)
{
	uint64_t *a = t->args, buf = a[1], len = a[2];
	int vec = t->cls == C_READV || t->cls == C_WRITEV;
	if (vec)
		len = iov_total(t->tid, a[1], a[2], &buf);
	put(l, "%s(%d, %llu)", name, (int)a[0], (unsigned long long)len);
	put_ret(l);
	if (!l->err && l->ret > 0)
		put_data(l, t->tid, buf, (size_t)l->ret);
	if (out)
		refused_note(l, fd_kind(t, a[0]));
	else
		recv_notes(l, t, fd_kind(t, a[0]), len, 0);
}

static void fmt_socket(struct line *l, struct pt_task *t)
{
	uint64_t *a = t->args;
	char f[32], ty[64], pr[32];
	int fam = (int)a[0], type = (int)a[1];
	put(l, "socket(%s, %s, %s)", wire_sd_family(fam, f, sizeof(f)),
	    wire_sd_socktype(type, ty, sizeof(ty)), wire_sd_proto(fam, (int)a[2], pr, sizeof(pr)));
	put_ret(l);
	if (l->err)
		return;
	set_kind(t, (uint64_t)l->ret, kind_of_type(type));
	if (fam == AF_PACKET)
		note(l, "a packet socket: it receives copies of frames; what it captures is not "
		        "traced");
	else if ((type & 0xf) == SOCK_RAW)
		note(l, "a raw socket: it sees whole IP packets of its protocol");
}

static void fmt_accept(struct line *l, struct wire_pt *pt, struct pt_task *t)
{
	uint64_t *a = t->args;
	int fl = t->cls == C_ACCEPT4 ? (int)a[3] : 0;
	put(l, "%s(%d", t->cls == C_ACCEPT4 ? "accept4" : "accept", (int)a[0]);
	if (fl & (SOCK_NONBLOCK | SOCK_CLOEXEC))
		put(l, ", %s%s%s", fl & SOCK_NONBLOCK ? "SOCK_NONBLOCK" : "",
		    (fl & SOCK_NONBLOCK) && (fl & SOCK_CLOEXEC) ? "|" : "",
		    fl & SOCK_CLOEXEC ? "SOCK_CLOEXEC" : "");
	put_s(l, ")");
	put_ret(l);
	if (l->err)
		return;
	put_addr_out(l, t->tid, " from ", a[1], a[2]);
	set_kind(t, (uint64_t)l->ret, fd_kind(t, a[0]));
	follow(pt, t, l->ret);
}

static void fmt_sockopt(struct line *l, struct pt_task *t, int set)
{
	uint64_t *a = t->args;
	uint8_t v[OPTVAL_MAX];
	char o[WIRE_SD_TEXT_MAX], vs[WIRE_SD_TEXT_MAX];
	uint32_t len = (uint32_t)a[4];
	if (!set && !rd_u32(t->tid, a[4], &len))
		len = 0;
	size_t n = rd(t->tid, a[3], v, len < sizeof(v) ? len : sizeof(v));
	wire_sd_sockopt((int)a[1], (int)a[2], o, sizeof(o));
	wire_sd_optval((int)a[1], (int)a[2], n ? v : NULL, n ? n : len, vs, sizeof(vs));
	if (set) {
		put(l, "setsockopt(%d, %s, %s)", (int)a[0], o, vs);
		put_ret(l);
		return;
	}
	put(l, "getsockopt(%d, %s)", (int)a[0], o);
	put_ret(l);
	if (l->err)
		return;
	put(l, ", %s", vs);
	int32_t e;
	if ((int)a[1] == SOL_SOCKET && (int)a[2] == SO_ERROR && n == 4 && memcpy(&e, v, 4) && e)
		put(l, " (%s)", wire_sd_errname(e) ? wire_sd_errname(e) : "?");
}

static void fmt_other(struct line *l, struct wire_pt *pt, struct pt_task *t, const char *name)
{
	uint64_t *a = t->args;
	char s[WIRE_SD_TEXT_MAX];
	switch (t->cls) {
	case C_BIND:
		put(l, "bind(%d", (int)a[0]);
		put_addr(l, t->tid, ", ", a[1], a[2]);
		put_s(l, ")");
		put_ret(l);
		bind_notes(l, t->tid, a[1], a[2]);
		break;
	case C_LISTEN:
		put(l, "listen(%d, %d)", (int)a[0], (int)a[1]);
		put_ret(l);
		break;
	case C_CONNECT:
		put(l, "connect(%d", (int)a[0]);
		put_addr(l, t->tid, ", ", a[1], a[2]);
		put_s(l, ")");
		put_ret(l);
		connect_notes(l, fd_kind(t, a[0]));
		break;
	case C_SHUTDOWN:
		put(l, "shutdown(%d, %s)", (int)a[0], wire_sd_how((int)a[1], s, sizeof(s)));
		put_ret(l);
		break;
	case C_CLOSE:
		put(l, "close(%d)", (int)a[0]);
		put_ret(l);
		break;
	case C_SENDMMSG:
	case C_RECVMMSG:
		put(l, "%s(%d, %u messages)", name, (int)a[0], (unsigned)a[2]);
		put_ret(l);
		break;
	case C_SENDFILE:
	case C_SPLICE:
		put(l, "%s(%d, %d, %llu)", name, (int)a[t->cls == C_SPLICE ? 2 : 0],
		    (int)a[t->cls == C_SPLICE ? 0 : 1],
		    (unsigned long long)a[t->cls == C_SPLICE ? 4 : 3]);
		put_ret(l);
		break;
	case C_POLL:
	case C_PPOLL:
		put(l, "%s([%s], %d", name, t->etext, (int)a[1]);
		if (t->cls == C_POLL)
			put(l, ", %d ms", (int)a[2]);
		put_s(l, ")");
		put_ret(l);
		break;
	default:
		put(l, "%s(%d)", name, (int)a[0]);
		put_ret(l);
		break;
	}
	(void)pt;
}

/* Calls that cause packets are placed at their entry, the others (they
 * report packets) at their return. */
static int sends(int cls)
{
	switch (cls) {
	case C_CONNECT:
	case C_SENDTO:
	case C_SENDMSG:
	case C_SENDMMSG:
	case C_WRITE:
	case C_WRITEV:
	case C_SENDFILE:
	case C_SPLICE:
	case C_SHUTDOWN:
	case C_CLOSE: return 1;
	default: return 0;
	}
}

static long long ns_between(const struct timespec *a, const struct timespec *b)
{
	return ((long long)b->tv_sec - (long long)a->tv_sec) * 1000000000LL +
	       ((long long)b->tv_nsec - (long long)a->tv_nsec);
}

static void put_blocked(struct line *l)
{
	long long ns = ns_between(&l->ev.t0, &l->ev.t1);
	if (ns >= 1000000000LL)
		put(l, " (blocked %.1f s)", (double)ns / 1e9);
	else if (ns > WIRE_PT_BLOCK_NS)
		put(l, " (%.1f ms)", (double)ns / 1e6);
}

/* A wait of a second or more: what ended it (the packet is just above it
 * on the timeline when packets are captured). */
static void wait_note(struct line *l, int cls)
{
	long long ns = ns_between(&l->ev.t0, &l->ev.t1);
	if (ns < 1000000000LL || l->err)
		return;
	switch (cls) {
	case C_ACCEPT:
	case C_ACCEPT4: note(l, "waited until a client's handshake completed"); break;
	case C_RECVFROM:
	case C_RECVMSG:
	case C_READ:
	case C_READV:
		note(l, l->ret ? "waited until data arrived" : "waited until the peer closed");
		break;
	case C_POLL:
	case C_PPOLL:
	case C_SELECT:
	case C_PSELECT6:
		note(l, l->ret ? "waited until a socket was ready" : "waited until the timeout");
		break;
	default: break;
	}
}

/* A dup of a socket: both descriptors hold it (FD_SHARED), the copy
 * followed as the original. */
static void dup_kind(struct pt_task *t, const struct line *l)
{
	if (l->err)
		return;
	uint8_t *src = pt_fd_slot(t, t->args[0], 0);
	uint8_t k = src ? *src : FD_UNKNOWN;
	int sock = (k & ~FD_FLAGS) == FD_STREAM || (k & ~FD_FLAGS) == FD_DGRAM ||
	           (k & ~FD_FLAGS) == FD_SOCKOTHER;
	if (sock && (uint64_t)l->ret != t->args[0]) {
		*src |= FD_SHARED;
		set_kind(t, (uint64_t)l->ret, *src);
	} else if ((uint64_t)l->ret != t->args[0]) {
		set_kind(t, (uint64_t)l->ret, FD_UNKNOWN);
	}
}

/* A socket passed with SCM_RIGHTS: held on both sides (FD_SHARED); the
 * receiver's copy is followed as its own (received set). */
static void scm_fd(struct wire_pt *pt, struct pt_task *t, int32_t fd, int received)
{
	int k = fd < 0 ? FD_UNKNOWN : fd_kind(t, (uint64_t)fd);
	if (k != FD_STREAM && k != FD_DGRAM && k != FD_SOCKOTHER)
		return;
	uint8_t *slot = pt_fd_slot(t, (uint64_t)fd, 1);
	if (slot)
		*slot |= FD_SHARED;
	if (received && !followed(t, (uint64_t)fd))
		follow(pt, t, fd);
}

/* The descriptors a message passed with SCM_RIGHTS: its control data (at
 * most PT_CMSG_MAX bytes of it) read from t's memory and walked by
 * wire_sd_scm_rights. */
static void scm_ctl(struct wire_pt *pt, struct pt_task *t, const struct wire_sd_ctl *c,
                    int received)
{
	uint8_t b[PT_CMSG_MAX];
	int32_t fds[PT_CMSG_MAX / 4];
	size_t n = rd(t->tid, c->addr, b, c->len < sizeof(b) ? (size_t)c->len : sizeof(b));
	size_t k = wire_sd_scm_rights(b, n, fds, sizeof(fds) / sizeof(fds[0]));
	for (size_t i = 0; i < k; i++)
		scm_fd(pt, t, fds[i], received);
}

/* The descriptors passed with SCM_RIGHTS by the count messages at addr: a
 * sendmsg or recvmsg's msghdr (vec 0), or the first WIRE_PT_MMSG_MAX of a
 * sendmmsg or recvmmsg's mmsghdr vector (vec 1), all read at once. */
static void scm_fds(struct wire_pt *pt, struct pt_task *t, uint64_t addr, uint64_t count, int vec,
                    int received)
{
	static uint8_t b[WIRE_PT_MMSG_MAX * WIRE_SD_MMSGHDR_SIZE]; /* one tracer thread */
	struct wire_sd_ctl c[WIRE_PT_MMSG_MAX];
	size_t want = count < WIRE_PT_MMSG_MAX ? (size_t)count : WIRE_PT_MMSG_MAX;
	size_t n = rd(t->tid, addr, b, vec ? want * WIRE_SD_MMSGHDR_SIZE : WIRE_SD_MSGHDR_SIZE);
	size_t k = wire_sd_mmsg_controls(b, n, want, c, WIRE_PT_MMSG_MAX);
	for (size_t i = 0; i < k; i++)
		scm_ctl(pt, t, &c[i], received);
}

/* After a message call that went through: the descriptors its messages
 * passed (a sendmmsg or recvmmsg's: the messages it sent or received). */
static void msg_fds(struct wire_pt *pt, struct pt_task *t, int64_t ret)
{
	switch (t->cls) {
	case C_SENDMSG:
	case C_RECVMSG: scm_fds(pt, t, t->args[1], 1, 0, t->cls == C_RECVMSG); break;
	case C_SENDMMSG:
	case C_RECVMMSG:
		if (ret > 0)
			scm_fds(pt, t, t->args[1], (uint64_t)ret, 1, t->cls == C_RECVMMSG);
		break;
	default: break;
	}
}

/* Formats the call; returns 0 when it is not shown. */
static int fmt_call(struct line *l, struct wire_pt *pt, struct pt_task *t, const char *name)
{
	long long ns = ns_between(&l->ev.t0, &l->ev.t1);
	switch (t->cls) {
	case C_DUP:
	case C_FCNTL: dup_kind(t, l); return 0;
	case C_EPOLL_WAIT:
	case C_EPOLL_PWAIT:
	case C_SELECT:
	case C_PSELECT6:
		if (ns <= WIRE_PT_BLOCK_NS && (t->cls == C_EPOLL_WAIT || t->cls == C_EPOLL_PWAIT))
			return 0;
		put(l, "%s(%d)", name, (int)t->args[0]);
		put_ret(l);
		return 1;
	case C_SOCKET: fmt_socket(l, t); return 1;
	case C_ACCEPT:
	case C_ACCEPT4: fmt_accept(l, pt, t); return 1;
	case C_SENDTO: fmt_sendto(l, t); return 1;
	case C_RECVFROM: fmt_recvfrom(l, t); return 1;
	case C_SENDMSG: fmt_msg(l, t, 1); return 1;
	case C_RECVMSG: fmt_msg(l, t, 0); return 1;
	case C_READ:
	case C_READV: fmt_rw(l, t, name, 0); return 1;
	case C_WRITE:
	case C_WRITEV: fmt_rw(l, t, name, 1); return 1;
	case C_SETSOCKOPT: fmt_sockopt(l, t, 1); return 1;
	case C_GETSOCKOPT: fmt_sockopt(l, t, 0); return 1;
	default: fmt_other(l, pt, t, name); return 1;
	}
}

/* A socket open before the attach: a socket to its calls, followed when it
 * has an IP address (FOLLOW), held by other descriptors when shared. */
static void adopt_fd(struct wire_pt *pt, struct pt_task *t, int fd, int shared)
{
	int kind = fd_kind(t, (uint64_t)fd);
	if (kind != FD_STREAM && kind != FD_DGRAM && kind != FD_SOCKOTHER)
		return;
	uint8_t *slot = pt_fd_slot(t, (uint64_t)fd, 1);
	if (slot && shared)
		*slot |= FD_SHARED;
	follow(pt, t, fd);
}

int pt_call_adopt(struct wire_pt *pt, struct pt_task *t)
{
	static struct wire_procsock_fd s[WIRE_PT_ATTACH_FDS_MAX]; /* one tracer thread */
	int n = wire_procsock_fds(t->tid, s, WIRE_PT_ATTACH_FDS_MAX, WIRE_PT_ATTACH_FDS_MAX);
	for (int i = 0; i < n; i++) { /* sorted by inode: a socket's copies side by side */
		int dup = (i > 0 && s[i - 1].inode == s[i].inode) ||
		          (i + 1 < n && s[i + 1].inode == s[i].inode);
		adopt_fd(pt, t, s[i].fd, dup);
	}
	return n;
}

/* Whether the call's socket may have new addresses to follow. */
static int follows(int cls, int err)
{
	switch (cls) {
	case C_BIND:
	case C_LISTEN:
	case C_SENDTO:
	case C_SENDMSG: return !err;
	case C_CONNECT: return !err || err == EINPROGRESS;
	default: return 0;
	}
}

/* The calls that write data to their fd (the first argument). */
static int writes(int cls)
{
	switch (cls) {
	case C_SENDTO:
	case C_SENDMSG:
	case C_WRITE:
	case C_WRITEV:
	case C_SENDFILE: return 1;
	default: return 0;
	}
}

/* The addresses of a stream socket a read or a write returned data from (into ev's
 * local and remote). Returns 1 when both are known. */
static int rx_tuple(struct pt_task *t, struct wire_pt_ev *ev)
{
	int type, proto;
	if (wire_pt_sock_info(t->tid, ev->fd, &type, &proto, &ev->local, &ev->remote) < 0)
		return 0;
	return ev->remote.ss_family == AF_INET || ev->remote.ss_family == AF_INET6;
}

void pt_call_exit(struct wire_pt *pt, struct pt_task *t, int64_t rval, int is_error)
{
	static struct line l; /* one tracer thread; keeps the stack small */
	const struct sc *c = find_call(t->nr);
	if (!c)
		return;
	if (is_error && -rval == ERESTART_RESTARTBLOCK_) { /* shown when it ends */
		t->resume = 1;
		pt_now(&t->t1);
		return;
	}
	if (t->trunc && !is_error)
		rval = trunc_fix(t, rval);
	pt_ev_init(&l.ev, WIRE_PT_CALL, t); /* zeroes the event and takes the time */
	l.at = l.nat = 0;
	l.ev.t0 = t->t0;
	l.ev.t1 = t->eintr ? t->t1 : l.ev.ts;
	l.err = is_error ? (int)-rval : 0;
	l.ret = is_error ? -1 : rval;
	if (!fmt_call(&l, pt, t, c->name))
		return;
	put_blocked(&l);
	wait_note(&l, t->cls);
	if (t->resumed)
		note(&l, "a signal interrupted it and the kernel resumed it");
	if (t->eintr)
		note(&l, "a signal handler ran, so the kernel did not resume it");
	if (t->rw_note)
		note(&l, "read and write on this process's sockets are not traced: the filter for "
		         "them could not be added");
	t->rw_note = 0;
	l.ev.ts = sends(t->cls) ? l.ev.t0 : l.ev.t1;
	l.ev.name = c->name;
	l.ev.ret = (long long)l.ret;
	l.ev.err = l.err;
	l.ev.fd = (int)t->args[0];
	if (!l.err && l.ret > 0 && writes(t->cls) && fd_kind(t, t->args[0]) == FD_STREAM)
		l.ev.asked = -1;
	if (l.ev.asked && (!pt->tuples || !rx_tuple(t, &l.ev)))
		l.ev.asked = 0;
	if (follows(t->cls, l.err) &&
	    !((t->cls == C_SENDTO || t->cls == C_SENDMSG) && followed(t, t->args[0])))
		follow(pt, t, (int64_t)t->args[0]);
	if (t->cls == C_CLOSE && !l.err)
		set_kind(t, t->args[0], FD_UNKNOWN);
	if (!l.err)
		msg_fds(pt, t, l.ret);
	pt->cb(pt->ctx, &l.ev);
}

void pt_call_interrupted(struct wire_pt *pt, struct pt_task *t)
{
	t->resume = 0;
	t->eintr = 1;
	pt_call_exit(pt, t, -EINTR, 1);
	t->eintr = 0;
}
