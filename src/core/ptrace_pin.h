/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Keeping a one-thread program's hand-overs on one CPU (ptrace_pin.c).
 */
#ifndef WIRE_PTRACE_PIN_H
#define WIRE_PTRACE_PIN_H

#include <sched.h>
#include <sys/types.h>
#include <time.h>

#define PT_PIN_LOOK_MS                                                                             \
	100 /* where the program runs, and the tracer's waiting, looked at this often */
#define PT_PIN_WAIT_PCT                                                                            \
	10 /* the tracer waited for a CPU (other than the program's turns) longer than this share  \
	      of the time: it takes its normal priority back */
#define PT_PIN_HOT_RATE                                                                            \
	2000 /* stops a second (two a call) from which the tracer holds the CPU: below it, a       \
	        hand-over's cost does not matter */
#define PT_PIN_BACKOFF_MS 1000      /* ... for this long at first, */
#define PT_PIN_BACKOFF_MAX_MS 32000 /* doubled each time up to this */
#define PT_PIN_STAT_MAX 512         /* bytes of /proc/PID/task/TID/stat read */
#define PT_PIN_SCHEDSTAT_MAX 96     /* bytes of a schedstat read */

struct pt_pin {
	int on;   /* wanted and possible */
	int held; /* the tracer is SCHED_IDLE, on cpu */
	int cpu;
	int statfd;                 /* the tracer's /proc/thread-self/schedstat */
	cpu_set_t own;              /* the tracer's mask before */
	struct timespec look;       /* the last look (CLOCK_MONOTONIC_COARSE) */
	struct timespec until;      /* not held again before this */
	long backoff_ms;            /* the next back-off */
	unsigned long long wait_ns; /* the tracer's run-queue wait at the last look */
	unsigned long long ran_ns;  /* the task's run time then */
	unsigned long long stops;   /* hot resumes since the last look */
};

/* on: the hand-overs are kept on one CPU while one task is traced (only
 * with CAP_SYS_NICE, which the way back from SCHED_IDLE needs). */
void pt_pin_init(struct pt_pin *p, int on);

/* Before resuming task tid after one of its system call stops, while it is
 * the only task: holds the tracer on tid's CPU (looked up every
 * PT_PIN_LOOK_MS), or lets it go when it waited too long for a CPU. */
void pt_pin_hot(struct pt_pin *p, pid_t tid);

/* The tracer's own priority and mask back (more tasks, or the end). */
void pt_pin_release(struct pt_pin *p);

/* Releases and closes what init opened; nothing is held after it. */
void pt_pin_free(struct pt_pin *p);

#endif
