/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The tracer behind `wirecat trace`: runs a program (or attaches to a
 * process) under ptrace and reports its socket calls, decoded, through a
 * callback; the core never prints. A program started here gets a seccomp-bpf
 * filter before exec that stops it only at the socket-related calls (read,
 * write, readv and writev only on fds above 2, and only once the process
 * made a socket: a second filter is injected then; fcntl only for F_DUPFD and
 * F_DUPFD_CLOEXEC, the copies of a descriptor), so every other system call
 * runs at full speed; a socket's close is reported (UNFOLLOW) only when no
 * other descriptor of a traced process holds it (fork, dup, SCM_RIGHTS); an
 * attached process cannot get a filter, so there every call stops and is
 * filtered here. Memory of the traced program is read only with
 * process_vm_readv, in bounded sizes. x86_64 only: a 32-bit socket call
 * (i386, int 0x80) or any x32 call stops too, and is reported once as
 * WIRE_PT_ARCH, not decoded.
 *
 * Typical use:
 *	struct wire_pt *pt;
 *	rc = wire_pt_spawn(&pt, path, argv, &old_mask, on_event, ctx);
 *	rc = wire_pt_run(pt, &stop);   // until every traced task is gone
 *	status = wire_pt_status(pt);   // the program's wait status
 *	wire_pt_free(pt);
 */
#ifndef WIRE_PTRACE_H
#define WIRE_PTRACE_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

/* fds whose kind is remembered per process, in a table grown to the highest
 * fd seen (the kernel's default nr_open); above it, asked of /proc each time */
#define WIRE_PT_FDS_MAX (1 << 20)
#define WIRE_PT_TEXT_MAX 200      /* one call's text */
#define WIRE_PT_NOTE_MAX 200      /* one call's note */
#define WIRE_PT_COMM_MAX 16       /* a program name (as /proc/PID/comm) */
#define WIRE_PT_ADDR_MAX 128      /* bytes of a socket address read */
#define WIRE_PT_TASKS_MAX 4096    /* threads and processes followed */
#define WIRE_PT_POLL_MAX 64       /* pollfd entries examined */
#define WIRE_PT_IOV_MAX 16        /* iovec entries examined */
#define WIRE_PT_DETACH_MS 2000    /* how long a detach waits for the stops */
#define WIRE_PT_BLOCK_NS 1000000L /* a call that took longer is shown as blocked */

enum wire_pt_type {
	WIRE_PT_CALL = 1, /* a socket call returned: text, note */
	WIRE_PT_PEER,     /* a call is about to send to addr (follow it now) */
	WIRE_PT_FOLLOW,   /* a socket's addresses are known: proto, local, remote */
	WIRE_PT_START,    /* a new process (fork/vfork/clone without CLONE_THREAD) */
	WIRE_PT_EXEC,     /* a process executed a new program (comm: the old name, text: the new) */
	WIRE_PT_EXIT,     /* a process ended: status (a wait status) */
	WIRE_PT_ARCH,     /* a call of another architecture (32-bit): not decoded, said once */
	WIRE_PT_UNFOLLOW, /* a followed socket is closing (close(), or its process exits) */
};

struct wire_pt_ev {
	int type;
	pid_t pid; /* the process (thread group) */
	pid_t tid; /* the thread */
	char comm[WIRE_PT_COMM_MAX];
	struct timespec t0, t1; /* entry and return of a call (CLOCK_REALTIME) */
	struct timespec ts;     /* when to place it: t0 for a call that sends, else t1 */
	int fd;                 /* the socket (PEER, FOLLOW, UNFOLLOW) */
	int proto;              /* FOLLOW, UNFOLLOW, PEER: IPPROTO_TCP or IPPROTO_UDP (else 0) */
	struct sockaddr_storage local, remote; /* FOLLOW, UNFOLLOW (remote AF_UNSPEC: none) */
	struct sockaddr_storage addr;          /* PEER */
	socklen_t addrlen;
	int status;       /* EXIT */
	pid_t parent;     /* START: the process that forked it */
	const char *name; /* CALL: the system call ("recvfrom") */
	long long ret;    /* CALL: its result (-1 on error) */
	int err;          /* CALL: errno, 0 when it succeeded */
	long long asked;  /* CALL: a read on a TCP socket that returned data: the bytes asked;
	                     -1: a write on one that sent data (ret bytes); else 0. When not 0,
	                     local and remote are the socket's addresses */
	char text[WIRE_PT_TEXT_MAX];
	char note[WIRE_PT_NOTE_MAX];
};

typedef void (*wire_pt_cb)(void *ctx, const struct wire_pt_ev *ev);

struct wire_pt;

/* Starts path with argv (environment inherited) under the tracer, with the
 * seccomp filter. The program starts with signal mask mask (NULL: none
 * blocked), i.e. the mask the caller had before blocking the signals it
 * passes on. Returns 0 or -errno (-ENOSYS on another architecture than
 * x86_64). */
int wire_pt_spawn(struct wire_pt **out, const char *path, char *const argv[], const sigset_t *mask,
                  wire_pt_cb cb, void *ctx);

/* Attaches to every thread of process pid (PTRACE_SEIZE, then
 * PTRACE_INTERRUPT); every system call stops and is filtered here. Returns 0
 * or -errno. */
int wire_pt_attach(struct wire_pt **out, pid_t pid, wire_pt_cb cb, void *ctx);

/* Attached: learns which descriptors the process holds sockets on already
 * (the first WIRE_PT_ATTACH_FDS_MAX entries of /proc/PID/fd): their calls
 * are socket calls, each with an IP address is followed (a FOLLOW event),
 * and a close is reported (UNFOLLOW) as for any socket, only when no other
 * descriptor holds it. Call once the callback can take events, before
 * wire_pt_run. Returns how many were found, or -errno. */
int wire_pt_adopt_fds(struct wire_pt *pt);

/* Runs until every traced task is gone, or until *detach (may be NULL) is
 * set: then it detaches every task and leaves it running. It blocks in
 * waitpid(2), one call per stop: signals are the caller's to handle (the
 * CLI passes those sent to wirecat on to the program; attached, SIGINT,
 * SIGTERM, SIGHUP or SIGQUIT set *detach and call wire_pt_kick). Returns 0,
 * or 1 when it detached. */
int wire_pt_run(struct wire_pt *pt, const volatile sig_atomic_t *detach);

/* Interrupts every traced task (PTRACE_INTERRUPT), so that wire_pt_run's
 * wait returns and looks at *detach. Async-signal-safe: for a signal
 * handler in the thread that runs wire_pt_run. */
void wire_pt_kick(struct wire_pt *pt);

/* on (the default): while one task is traced, the tracer's thread runs on
 * that task's CPU as SCHED_IDLE, so that the hand-overs of the stops wake
 * no other CPU (ptrace_pin.c; the program's own affinity and priority are
 * never changed); off: the tracer's scheduling is left as it is. */
void wire_pt_want_pin(struct wire_pt *pt, int on);

/* The CPU field (the 39th, "processor") of a /proc/PID/stat text, -1 when
 * it has none: the fields count from the last ')', since the program's name
 * before it may hold spaces and parentheses. */
int wire_pt_stat_cpu(const char *stat);

/* Field i of a /proc/PID/schedstat text (0: time on a CPU, 1: time waiting
 * for one, in ns), 0 when it has none. */
unsigned long long wire_pt_schedstat(const char *s, int i);

/* on: a CALL that read or wrote data on a TCP socket carries the socket's
 * addresses (asked, local, remote), read with pidfd_getfd(2) at each such
 * call; off (the default): asked stays 0 and those calls cost nothing more. */
void wire_pt_want_tuples(struct wire_pt *pt, int on);

/* The program's wait status (spawned), -1 when not known. */
int wire_pt_status(const struct wire_pt *pt);

/* The error of a failed exec of the program (errno), else 0. */
int wire_pt_exec_error(const struct wire_pt *pt);

/* The pid of the program or of the attached process. */
pid_t wire_pt_pid(const struct wire_pt *pt);

void wire_pt_free(struct wire_pt *pt);

/* Describes socket fd of process pid through a copy (pidfd_getfd) that is
 * closed at once: type (SOCK_*), proto, local and remote address (remote
 * AF_UNSPEC when not connected). Returns 0 or -errno. */
int wire_pt_sock_info(pid_t pid, int fd, int *type, int *proto, struct sockaddr_storage *local,
                      struct sockaddr_storage *remote);

#endif
