/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internals shared by the tracer's loop (ptrace.c) and its call decoders
 * (ptrace_call.c).
 */
#ifndef WIRE_PTRACE_INT_H
#define WIRE_PTRACE_INT_H

#include <stdint.h>
#include <sys/user.h>
#include <sys/types.h>
#include <time.h>

#include "wire/ptrace.h"
#include "ptrace_pin.h"
#include "ptrace_pin.h"

#define PT_ETEXT_MAX 96 /* text kept from a call's entry */

/* What an fd of a process is, as far as the tracer knows. */
enum { FD_UNKNOWN = 0, FD_FILE, FD_STREAM, FD_DGRAM, FD_SOCKOTHER };
/* Set on a socket's kind once the capture follows it with its local port:
 * further sends need no FOLLOW (cleared by close, dup2 over it, exec). */
#define FD_FOLLOWED 0x80
/* Set on a socket's kind when another descriptor may hold the same socket
 * (fork, dup, SCM_RIGHTS): its close ends the socket only when no other
 * descriptor of a traced process still holds it (looked up in /proc). */
#define FD_SHARED 0x40
#define FD_FLAGS (FD_FOLLOWED | FD_SHARED)
/* /proc/PID/fd entries looked at per process for that; past them the socket
 * counts as still held */
#define PT_HOLD_FDS_MAX 4096

struct pt_proc {
	pid_t tgid;
	int refs;
	uint8_t *kind; /* nkind entries, grown on demand up to WIRE_PT_FDS_MAX */
	size_t nkind;
	int rw; /* its filter stops at the fd-checked calls: 1 yes, 0 not yet, -1 failed */
};

struct pt_task {
	pid_t tid;
	struct pt_proc *proc;
	int in_call; /* between a traced call's entry and its exit */
	int cls;     /* the call's class (ptrace_call.c), 0 when not decoded */
	uint64_t nr, args[6];
	struct timespec t0;
	long peek; /* a datagram receive's real length (with trunc), -1 unknown */
	int trunc; /* MSG_TRUNC was added to this receive by the tracer */
	char etext[PT_ETEXT_MAX];
	char comm[WIRE_PT_COMM_MAX];
	int resume;  /* the call returned ERESTART_RESTARTBLOCK: restart_syscall resumes it */
	int resumed; /* it was resumed (a note says so) */
	int eintr;   /* it was not resumed: a handler ran and it returned EINTR at t1 */
	struct timespec t1;            /* when it was interrupted */
	int inject;                    /* in the seccomp() injected to add the fd-checked calls */
	int rw_note;                   /* that failed: the next call line says so */
	struct user_regs_struct saved; /* the registers before the injection */
};

struct wire_pt {
	int attach;
	pid_t root;
	int status;
	int exec_err;
	int exec_pipe;
	int arch_said;
	wire_pt_cb cb;
	void *ctx;
	struct pt_task *tasks; /* WIRE_PT_TASKS_MAX slots, tid 0 = free */
	size_t nslots;         /* slots in use or used before (high-water) */
	size_t ntasks;
	int tuples;        /* wire_pt_want_tuples */
	int rw_first;      /* the first filter already has the fd-checked calls */
	struct pt_pin pin; /* the program's hand-overs on the tracer's CPU */
};

/* The slot of fd's kind in t's process, grown to hold it when grow is set;
 * NULL when it is not (or cannot be) held. */
uint8_t *pt_fd_slot(struct pt_task *t, uint64_t fd, int grow);

/* A new process (fork) inherits parent's descriptors: copies their kinds
 * into child's table, each socket marked FD_SHARED on both sides. */
void pt_fds_inherit(struct pt_proc *child, struct pt_proc *parent);

/* Forgets every fd's kind of process p (exec closed the CLOEXEC ones). */
void pt_fds_forget(struct pt_proc *p);

/* The syscalls the filter stops at: fills nrs (up to n) and returns the count;
 * *nfdcheck of them (first) are stopped only for fds above 2. */
size_t pt_call_filter_nrs(uint32_t *nrs, size_t n, size_t *nfdcheck);

/* Whether system call nr makes a socket fd (socket, socketpair, accept,
 * accept4): the first one adds the fd-checked calls to the filter. */
int pt_call_makes_socket(uint64_t nr);

/* At a call's entry (t->nr, t->args set): returns 1 when its exit must be
 * seen, 0 when it is not a socket call after all. May send a PEER event. */
int pt_call_entry(struct wire_pt *pt, struct pt_task *t);

/* Attached: the sockets t's process holds already (wire_pt_adopt_fds).
 * Returns how many, or -errno. */
int pt_call_adopt(struct wire_pt *pt, struct pt_task *t);

/* The leader of t's process is exiting (its fds still open): an UNFOLLOW
 * event for each of its followed sockets, which close with it. */
void pt_call_exiting(struct wire_pt *pt, struct pt_task *t);

/* At a call's exit: decodes and sends the CALL (and FOLLOW) events. */
void pt_call_exit(struct wire_pt *pt, struct pt_task *t, int64_t rval, int is_error);

/* A call that returned ERESTART_RESTARTBLOCK is not resumed (the task makes
 * another call): a signal handler ran and the program got EINTR. */
void pt_call_interrupted(struct wire_pt *pt, struct pt_task *t);

/* Fills ev's common fields (type, pid, comm) for task t. */
void pt_ev_init(struct wire_pt_ev *ev, int type, const struct pt_task *t);

/* CLOCK_REALTIME now. */
void pt_now(struct timespec *ts);

#endif
