/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Each traced call is two hand-overs: the program stops and wakes the
 * tracer, the tracer resumes the program and waits. Left to the scheduler,
 * the two run on two CPUs (a CPU that is running something is passed over
 * for an idle one), and each hand-over wakes an idle CPU: an
 * inter-processor interrupt, in a virtual machine an exit to the host too.
 * On the 2-CPU VM this was written on that doubled the time of a traced
 * sendto.
 *
 * So, while one task is traced and it makes calls quickly (PT_PIN_HOT_RATE
 * stops a second or more), the tracer's thread runs on that task's CPU with
 * the SCHED_IDLE policy. The scheduler counts a CPU that runs only
 * SCHED_IDLE threads as free: the resumed task is put on it (next to the
 * tracer) and runs at once; when it stops again the tracer is already
 * there. The program's own affinity, policy and priority are never touched;
 * only the tracer's thread changes (the capture thread keeps its own).
 * Every PT_PIN_LOOK_MS the tracer looks where the task runs (the scheduler
 * may have moved it) and follows it, and how long it waited for a CPU
 * itself: a SCHED_IDLE thread gets almost no time on a CPU that other work
 * keeps busy, so over PT_PIN_WAIT_PCT of the time waiting, it takes its
 * normal policy and mask back and tries again only after a back-off
 * (doubled each time). With more than one task (a server's threads or
 * children) it lets go: they must not be gathered on one CPU. Without
 * CAP_SYS_NICE nothing is done: the way back from SCHED_IDLE needs it; nor
 * when wirecat runs with another policy than SCHED_OTHER (it keeps it).
 */
#include "ptrace_pin.h"
#include "wire/loop.h"
#include "wire/ptrace.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define STAT_CPU_FIELD 39 /* processor, in /proc/PID/stat (man 5 proc) */

static int can_renice(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return (d[CAP_SYS_NICE / 32].effective & (1u << (CAP_SYS_NICE % 32))) != 0;
}

void pt_pin_init(struct pt_pin *p, int on)
{
	memset(p, 0, sizeof(*p));
	p->statfd = -1;
	p->backoff_ms = PT_PIN_BACKOFF_MS;
	/* a tracer started with another policy (chrt) keeps it */
	if (!on || sched_getscheduler(0) != SCHED_OTHER || !can_renice() ||
	    sched_getaffinity(0, sizeof(p->own), &p->own) < 0)
		return;
	p->statfd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	p->on = p->statfd >= 0;
}

void pt_pin_free(struct pt_pin *p)
{
	pt_pin_release(p);
	if (p->statfd >= 0)
		close(p->statfd);
	p->statfd = -1;
	p->on = 0;
}

void pt_pin_release(struct pt_pin *p)
{
	if (!p->held)
		return;
	struct sched_param sp = {0};
	sched_setscheduler(0, SCHED_OTHER, &sp);
	sched_setaffinity(0, sizeof(p->own), &p->own);
	p->held = 0;
}

/* The decimal number at the start of s (more digits than UINT64_MAX / 10
 * holds stop it); *ok says whether there was one. */
static unsigned long long number(const char *s, int *ok)
{
	unsigned long long v = 0;
	*ok = *s >= '0' && *s <= '9';
	for (; *s >= '0' && *s <= '9' && v < UINT64_MAX / 10; s++)
		v = v * 10 + (unsigned long long)(*s - '0');
	return v;
}

int wire_pt_stat_cpu(const char *stat)
{
	const char *s = strrchr(stat, ')'); /* the name before it may hold anything */
	int field = 2, ok;
	for (s = s ? s + 1 : NULL; s && *s && field < STAT_CPU_FIELD; s++)
		if (*s == ' ')
			field++;
	if (!s || field != STAT_CPU_FIELD)
		return -1;
	unsigned long long cpu = number(s, &ok);
	return ok && cpu < CPU_SETSIZE ? (int)cpu : -1;
}

unsigned long long wire_pt_schedstat(const char *s, int i)
{
	int ok;
	for (; i > 0 && s; i--) {
		s = strchr(s, ' ');
		s = s ? s + 1 : NULL;
	}
	return s ? number(s, &ok) : 0;
}

/* A /proc file's first bytes (up to n - 1, NUL-terminated): of path or,
 * with path NULL, of the open fd (from its start). Returns 0 or -1. */
static int read_text(const char *path, int fd, char *buf, size_t n)
{
	int f = path ? open(path, O_RDONLY | O_CLOEXEC) : fd;
	if (f < 0)
		return -1;
	ssize_t got = pread(f, buf, n - 1, 0);
	if (path)
		close(f);
	if (got <= 0)
		return -1;
	buf[got] = '\0';
	return 0;
}

/* The CPU task tid last ran on, or -1. */
static int task_cpu(pid_t tid)
{
	char path[64], buf[PT_PIN_STAT_MAX];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)tid, (int)tid);
	return read_text(path, -1, buf, sizeof(buf)) == 0 ? wire_pt_stat_cpu(buf) : -1;
}

/* Task tid's time on a CPU so far (ns), or 0. */
static unsigned long long task_ran(pid_t tid)
{
	char path[64], buf[PT_PIN_SCHEDSTAT_MAX];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)tid, (int)tid);
	return read_text(path, -1, buf, sizeof(buf)) == 0 ? wire_pt_schedstat(buf, 0) : 0;
}

/* The tracer's time waiting for a CPU so far (ns), or 0. */
static unsigned long long tracer_waited(const struct pt_pin *p)
{
	char buf[PT_PIN_SCHEDSTAT_MAX];
	return read_text(NULL, p->statfd, buf, sizeof(buf)) == 0 ? wire_pt_schedstat(buf, 1) : 0;
}

/* Holds the tracer on cpu, SCHED_IDLE. Returns 0, or -1 (nothing held). */
static int hold(struct pt_pin *p, int cpu)
{
	cpu_set_t one;
	struct sched_param sp = {0};
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (!CPU_ISSET(cpu, &p->own) || sched_setaffinity(0, sizeof(one), &one) < 0)
		return -1;
	if (!p->held && sched_setscheduler(0, SCHED_IDLE, &sp) < 0) {
		sched_setaffinity(0, sizeof(p->own), &p->own);
		return -1;
	}
	p->held = 1;
	p->cpu = cpu;
	return 0;
}

/* The tracer waited too long for a CPU: normal again for a while. */
static void back_off(struct pt_pin *p, const struct timespec *now)
{
	pt_pin_release(p);
	p->until = *now;
	p->until.tv_sec += p->backoff_ms / 1000;
	p->until.tv_nsec += (p->backoff_ms % 1000) * 1000000L;
	if (p->until.tv_nsec >= 1000000000L) {
		p->until.tv_sec++;
		p->until.tv_nsec -= 1000000000L;
	}
	if (p->backoff_ms < PT_PIN_BACKOFF_MAX_MS)
		p->backoff_ms *= 2;
}

/* Did the tracer wait for a CPU too long since the last look (since_ms
 * ago)? Held next to the task, it waits while the task runs (the task comes
 * first); only the rest is waiting for other work. */
static int starved(const struct pt_pin *p, unsigned long long w, unsigned long long ran,
                   long long since_ms)
{
	unsigned long long dw = w - p->wait_ns, dr = ran - p->ran_ns;
	unsigned long long other = dw > dr ? dw - dr : 0;
	return since_ms > 0 && other / 10000ULL > (unsigned long long)since_ms * PT_PIN_WAIT_PCT;
}

void pt_pin_hot(struct pt_pin *p, pid_t tid)
{
	struct timespec now;
	if (!p->on)
		return;
	p->stops++;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	long long since = wire_ts_ms(&p->look, &now);
	if (since < PT_PIN_LOOK_MS || wire_ts_ms(&p->until, &now) < 0)
		return;
	unsigned long long w = tracer_waited(p), ran = task_ran(tid), stops = p->stops;
	int starving = p->held && starved(p, w, ran, since);
	p->look = now;
	p->wait_ns = w;
	p->ran_ns = ran;
	p->stops = 0;
	if (starving) {
		back_off(p, &now);
		return;
	}
	if (stops * 1000ULL < (unsigned long long)since * PT_PIN_HOT_RATE) {
		pt_pin_release(p); /* few calls: a hand-over's cost does not matter */
		return;
	}
	int cpu = task_cpu(tid);
	if (cpu >= 0 && (!p->held || cpu != p->cpu) && hold(p, cpu) < 0)
		pt_pin_release(p);
}
