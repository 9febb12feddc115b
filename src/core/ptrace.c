/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The tracer's loop (include/wire/ptrace.h): starting or attaching, the
 * seccomp filter, the wait loop with its stops (seccomp, syscall, fork and
 * exec events, signals, group stops), passing signals on, detaching. The
 * calls themselves are decoded in ptrace_call.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace_int.h"

#define FILTER_MAX 160      /* BPF instructions of the seccomp filter */
#define STATUS_READ 512     /* bytes of /proc/PID/status read for its Tgid */
#define X32_BIT 0x40000000u /* x32 system calls: the x86_64 arch with this bit in nr */

#define PT_OPTS                                                                                    \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |  \
	 PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEEXIT)

void pt_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

/* ---- tasks -------------------------------------------------------------------- */

static void read_comm(pid_t pid, char *out, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	snprintf(out, n, "?");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t k = read(fd, out, n - 1);
	close(fd);
	if (k <= 0)
		return;
	out[k] = 0;
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = 0;
}

static pid_t read_tgid(pid_t tid)
{
	char path[64], buf[STATUS_READ];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tid;
	ssize_t k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k <= 0)
		return tid;
	buf[k] = 0;
	const char *p = strstr(buf, "\nTgid:");
	if (!p)
		return tid;
	long v = strtol(p + 6, NULL, 10);
	return v > 0 && v <= 0x7fffffff ? (pid_t)v : tid;
}

static struct pt_task *task_find(struct wire_pt *pt, pid_t tid)
{
	for (size_t i = 0; i < pt->nslots; i++)
		if (pt->tasks[i].tid == tid)
			return &pt->tasks[i];
	return NULL;
}

static struct pt_proc *proc_get(struct wire_pt *pt, pid_t tgid)
{
	for (size_t i = 0; i < pt->nslots; i++) {
		struct pt_task *t = &pt->tasks[i];
		if (t->tid && t->proc && t->proc->tgid == tgid) {
			t->proc->refs++;
			return t->proc;
		}
	}
	struct pt_proc *p = calloc(1, sizeof(*p));
	if (p) {
		p->tgid = tgid;
		p->refs = 1;
		p->rw = pt->rw_first;
	}
	return p;
}

static struct pt_task *task_add(struct wire_pt *pt, pid_t tid)
{
	struct pt_task *t = task_find(pt, tid);
	if (t)
		return t;
	for (size_t i = 0; i < WIRE_PT_TASKS_MAX && !t; i++)
		if (pt->tasks[i].tid == 0)
			t = &pt->tasks[i];
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->proc = proc_get(pt, read_tgid(tid));
	read_comm(t->proc ? t->proc->tgid : tid, t->comm, sizeof(t->comm));
	size_t idx = (size_t)(t - pt->tasks) + 1;
	if (idx > pt->nslots)
		pt->nslots = idx;
	pt->ntasks++;
	return t;
}

#define FDS_FIRST 64 /* fd kinds first held per process (then doubled) */

uint8_t *pt_fd_slot(struct pt_task *t, uint64_t fd, int grow)
{
	struct pt_proc *p = t->proc;
	if (!p || fd >= WIRE_PT_FDS_MAX)
		return NULL;
	if (fd < p->nkind)
		return &p->kind[fd];
	if (!grow)
		return NULL;
	size_t n = p->nkind ? p->nkind : FDS_FIRST;
	while (n <= fd)
		n *= 2;
	if (n > WIRE_PT_FDS_MAX)
		n = WIRE_PT_FDS_MAX;
	uint8_t *k = realloc(p->kind, n);
	if (!k)
		return NULL;
	memset(k + p->nkind, 0, n - p->nkind);
	p->kind = k;
	p->nkind = n;
	return &p->kind[fd];
}

void pt_fds_forget(struct pt_proc *p)
{
	if (p->kind)
		memset(p->kind, 0, p->nkind);
}

void pt_fds_inherit(struct pt_proc *child, struct pt_proc *parent)
{
	if (!parent->nkind || child->kind)
		return;
	uint8_t *k = malloc(parent->nkind);
	if (!k)
		return; /* the child's kinds are asked of /proc (not shared-marked) */
	for (size_t i = 0; i < parent->nkind; i++) {
		uint8_t kind = parent->kind[i] & (uint8_t)~FD_FLAGS;
		if (kind == FD_STREAM || kind == FD_DGRAM || kind == FD_SOCKOTHER)
			parent->kind[i] |= FD_SHARED;
		k[i] = parent->kind[i];
	}
	child->kind = k;
	child->nkind = parent->nkind;
}

static void task_del(struct wire_pt *pt, struct pt_task *t)
{
	if (t->proc && --t->proc->refs == 0) {
		free(t->proc->kind);
		free(t->proc);
	}
	t->proc = NULL;
	t->tid = 0;
	pt->ntasks--;
}

void pt_ev_init(struct wire_pt_ev *ev, int type, const struct pt_task *t)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->fd = -1;
	ev->status = -1;
	ev->pid = t->proc ? t->proc->tgid : t->tid;
	ev->tid = t->tid;
	memcpy(ev->comm, t->comm, sizeof(ev->comm));
	pt_now(&ev->ts);
}

/* ---- starting ------------------------------------------------------------------- */

#ifdef __x86_64__
#define I386_SOCKETCALL 102 /* i386 numbers of the socket calls */
#define I386_RECVMMSG 337
#define I386_SENDMMSG 345
#define I386_SOCKET 359 /* socket .. shutdown */
#define I386_SHUTDOWN 373

#define F_STMT(c, k) ((struct sock_filter)BPF_STMT((c), (k)))
#define F_JUMP(c, k, t, f) ((struct sock_filter)BPF_JUMP((c), (k), (t), (f)))
#define F_LD(field) F_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define F_RET(v) F_STMT(BPF_RET | BPF_K, (v))

/* The 32-bit part of the filter (the accumulator holds the arch): an i386
 * socket call stops, so the tracer can say once that 32-bit calls are not
 * decoded; everything else of any other arch runs. Returns its length (9). */
static size_t filter_i386(struct sock_filter *f)
{
	size_t k = 0;
	f[k++] = F_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 6);
	f[k++] = F_LD(nr);
	f[k++] = F_JUMP(BPF_JMP | BPF_JEQ | BPF_K, I386_SOCKETCALL, 5, 0);
	f[k++] = F_JUMP(BPF_JMP | BPF_JEQ | BPF_K, I386_RECVMMSG, 4, 0);
	f[k++] = F_JUMP(BPF_JMP | BPF_JEQ | BPF_K, I386_SENDMMSG, 3, 0);
	f[k++] = F_JUMP(BPF_JMP | BPF_JGE | BPF_K, I386_SOCKET, 0, 1);
	f[k++] = F_JUMP(BPF_JMP | BPF_JGT | BPF_K, I386_SHUTDOWN, 0, 1);
	f[k++] = F_RET(SECCOMP_RET_ALLOW);
	f[k++] = F_RET(SECCOMP_RET_TRACE);
	return k;
}

/* A filter for x86_64: SECCOMP_RET_TRACE for the fd-checked calls (read,
 * write, readv, writev) on fds above 2 when rw is set, and for the other
 * socket calls and every x32 call when rest is set; for i386 the socket
 * calls (filter_i386) when rest is set; SECCOMP_RET_ALLOW for everything
 * else. A filter that tests no argument of a call lets the kernel cache
 * "allow" for it and skip running the filter: so the fd-checked calls are
 * only added (by a second filter, inject_start) once the program has a
 * socket. Returns its length, 0 when it does not fit. */
static size_t build_filter(struct sock_filter *f, size_t max, int rw, int rest)
{
	uint32_t nrs[64];
	size_t nfd, n = pt_call_filter_nrs(nrs, 64, &nfd), k = 0;
	if (3 + 5 * nfd + 2 * (n - nfd) + 6 + 3 + 9 > max)
		return 0;
	f[k++] = F_LD(arch);
	f[k++] = F_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 0); /* jf set below */
	f[k++] = F_LD(nr);
	for (size_t i = 0; i < nfd && rw; i++) { /* read and write first: the most frequent */
		f[k++] = F_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[i], 0, 4);
		f[k++] = F_LD(args[0]);
		f[k++] = F_JUMP(BPF_JMP | BPF_JGT | BPF_K, 2, 0, 1);
		f[k++] = F_RET(SECCOMP_RET_TRACE);
		f[k++] = F_RET(SECCOMP_RET_ALLOW);
	}
	for (size_t i = nfd; i < n && rest; i++) {
		f[k++] = F_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[i], 0, 1);
		f[k++] = F_RET(SECCOMP_RET_TRACE);
	}
	if (rest) { /* fcntl only when it copies a descriptor (F_DUPFD*) */
		f[k++] = F_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fcntl, 0, 5);
		f[k++] = F_LD(args[1]);
		f[k++] = F_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD, 2, 0);
		f[k++] = F_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD_CLOEXEC, 1, 0);
		f[k++] = F_RET(SECCOMP_RET_ALLOW);
		f[k++] = F_RET(SECCOMP_RET_TRACE);
	}
	if (rest) {
		f[k++] = F_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1);
		f[k++] = F_RET(SECCOMP_RET_TRACE);
	}
	f[k++] = F_RET(SECCOMP_RET_ALLOW);
	if (k - 2 > 255)
		return 0;
	if (!rest) { /* another arch: the last instruction, allow */
		f[1].jf = (uint8_t)(k - 3);
		return k;
	}
	f[1].jf = (uint8_t)(k - 2);
	return k + filter_i386(f + k);
}

/* Whether this process has a socket above fd 2 that a program it starts
 * inherits (socket activation): then the fd-checked calls are in the first
 * filter. */
static int inherits_socket(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = 0;
	if (!d)
		return 1; /* cannot tell: the full filter */
	while (!found && (e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		struct stat st;
		if (*end || fd <= 2 || fd == dirfd(d) || fd > INT32_MAX)
			continue;
		int fl = fcntl((int)fd, F_GETFD);
		found = fl >= 0 && !(fl & FD_CLOEXEC) && fstat((int)fd, &st) == 0 &&
		        S_ISSOCK(st.st_mode);
	}
	closedir(d);
	return found;
}

/* In the child: waits for the tracer, installs the filter, runs the
 * program. Only async-signal-safe calls. Never returns. */
__attribute__((noreturn)) static void child(const char *path, char *const argv[],
                                            const sigset_t *mask, const struct sock_fprog *prog,
                                            int errfd)
{
	extern char **environ;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, mask ? mask : &none, NULL);
	raise(SIGSTOP); /* the tracer seizes us here */
	int err = 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		err = errno;
	else
		execve(path, argv, environ);
	if (!err)
		err = errno;
	ssize_t w = write(errfd, &err, sizeof(err));
	(void)w;
	_exit(127);
}

static int seize_started(pid_t pid)
{
	int st;
	pid_t w;
	do
		w = waitpid(pid, &st, WSTOPPED);
	while (w < 0 && errno == EINTR);
	if (w != pid || !WIFSTOPPED(st))
		return -ECHILD;
	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)(long)(PT_OPTS | PTRACE_O_EXITKILL)) < 0)
		return -errno;
	if (kill(pid, SIGCONT) < 0)
		return -errno;
	return 0;
}
#endif

static struct wire_pt *pt_new(wire_pt_cb cb, void *ctx)
{
	struct wire_pt *pt = calloc(1, sizeof(*pt));
	if (!pt)
		return NULL;
	pt->tasks = calloc(WIRE_PT_TASKS_MAX, sizeof(*pt->tasks));
	if (!pt->tasks) {
		free(pt);
		return NULL;
	}
	pt->cb = cb;
	pt->ctx = ctx;
	pt->status = -1;
	pt->exec_pipe = -1;
	pt_pin_init(&pt->pin, 1);
	return pt;
}

int wire_pt_spawn(struct wire_pt **out, const char *path, char *const argv[], const sigset_t *mask,
                  wire_pt_cb cb, void *ctx)
{
#ifdef __x86_64__
	struct sock_filter f[FILTER_MAX];
	struct sock_fprog prog = {.len = 0, .filter = f};
	int pfd[2], rw = inherits_socket();
	prog.len = (unsigned short)build_filter(f, FILTER_MAX, rw, 1);
	if (prog.len == 0)
		return -E2BIG;
	struct wire_pt *pt = pt_new(cb, ctx);
	if (!pt)
		return -ENOMEM;
	pt->rw_first = rw ? 1 : 0;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		wire_pt_free(pt);
		return -errno;
	}
	pid_t pid = fork();
	if (pid == 0)
		child(path, argv, mask, &prog, pfd[1]);
	close(pfd[1]);
	pt->exec_pipe = pfd[0];
	if (pid < 0) {
		int e = -errno;
		wire_pt_free(pt);
		return e;
	}
	pt->root = pid;
	int rc = seize_started(pid);
	if (rc < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		wire_pt_free(pt);
		return rc;
	}
	task_add(pt, pid);
	*out = pt;
	return 0;
#else
	(void)path;
	(void)argv;
	(void)mask;
	(void)cb;
	(void)ctx;
	*out = NULL;
	return -ENOSYS;
#endif
}

/* Seizes every thread of pid not yet traced. Returns how many were new, or
 * -errno when not even one could be seized. */
static int seize_threads(struct wire_pt *pt, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	int added = 0, err = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && pt->ntasks < WIRE_PT_TASKS_MAX) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);
		if (*end || tid <= 0 || tid > 0x7fffffff || task_find(pt, (pid_t)tid))
			continue;
		if (ptrace(PTRACE_SEIZE, (pid_t)tid, 0, (void *)(long)PT_OPTS) < 0) {
			err = -errno;
			continue;
		}
		ptrace(PTRACE_INTERRUPT, (pid_t)tid, 0, 0);
		task_add(pt, (pid_t)tid);
		added++;
	}
	closedir(d);
	return added || pt->ntasks ? added : (err ? err : -ESRCH);
}

int wire_pt_attach(struct wire_pt **out, pid_t pid, wire_pt_cb cb, void *ctx)
{
#ifdef __x86_64__
	struct wire_pt *pt = pt_new(cb, ctx);
	if (!pt)
		return -ENOMEM;
	pt->attach = 1;
	pt->root = pid;
	int rc = 0;
	for (int round = 0; round < 3; round++) { /* threads born meanwhile */
		rc = seize_threads(pt, pid);
		if (rc <= 0)
			break;
	}
	if (rc < 0) {
		wire_pt_free(pt);
		return rc;
	}
	*out = pt;
	return 0;
#else
	(void)pid;
	(void)cb;
	(void)ctx;
	*out = NULL;
	return -ENOSYS;
#endif
}

int wire_pt_adopt_fds(struct wire_pt *pt)
{
	struct pt_task *t = pt && pt->attach ? task_find(pt, pt->root) : NULL;
	for (size_t i = 0; pt && pt->attach && !t && i < pt->nslots; i++)
		if (pt->tasks[i].tid) /* the leader is gone: another thread of the process */
			t = &pt->tasks[i];
	return t && t->proc ? pt_call_adopt(pt, t) : -ESRCH;
}

/* ---- stops ------------------------------------------------------------------------ */

/* Resumes t. Before a resume after one of its system call stops (hot), the
 * tracer keeps itself on t's CPU while t is the only task (ptrace_pin.c);
 * with more tasks it lets go. */
static void resume(struct wire_pt *pt, struct pt_task *t, int sig, int hot)
{
	int req = pt->attach || t->in_call || t->inject ? PTRACE_SYSCALL : PTRACE_CONT;
	if (pt->ntasks != 1)
		pt_pin_release(&pt->pin);
	else if (hot)
		pt_pin_hot(&pt->pin, t->tid);
	ptrace(req, t->tid, 0, (void *)(long)sig);
}

#ifdef __x86_64__
#define INJECT_GAP 512 /* bytes below the stack pointer (past the red zone) the filter goes */

/* At the seccomp stop of t's first call that makes a socket: turns the call
 * into seccomp(SECCOMP_SET_MODE_FILTER, TSYNC) of the second filter (the
 * fd-checked calls), written below the stack pointer; inject_end puts the
 * call back. Returns 0, or -1 (nothing changed). */
static int inject_start(struct pt_task *t)
{
	struct sock_filter f[FILTER_MAX];
	struct user_regs_struct r;
	uint64_t prog[2]; /* struct sock_fprog: len (unsigned short, padded), filter */
	size_t n = build_filter(f, FILTER_MAX, 1, 0), fb = n * sizeof(f[0]);
	if (!n || ptrace(PTRACE_GETREGS, t->tid, 0, &r) < 0 || r.rsp < INJECT_GAP + fb + 32)
		return -1;
	uint64_t at = (r.rsp - INJECT_GAP - fb - sizeof(prog)) & ~(uint64_t)15;
	prog[0] = n;
	prog[1] = at + sizeof(prog);
	struct iovec l[2] = {{prog, sizeof(prog)}, {f, fb}};
	struct iovec rm = {(void *)(uintptr_t)at, sizeof(prog) + fb};
	if (process_vm_writev(t->tid, l, 2, &rm, 1, 0) != (ssize_t)(sizeof(prog) + fb))
		return -1;
	t->saved = r;
	r.orig_rax = SYS_seccomp;
	r.rdi = SECCOMP_SET_MODE_FILTER;
	r.rsi = SECCOMP_FILTER_FLAG_TSYNC;
	r.rdx = at;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &r) < 0)
		return -1;
	t->inject = 1;
	return 0;
}

/* At the exit of the injected seccomp(): the registers as they were, the
 * instruction pointer back on the syscall instruction, so the program's
 * own call runs now (and stops at the filter like any other). */
static void inject_end(struct pt_task *t, int64_t rval)
{
	struct user_regs_struct r = t->saved;
	t->inject = 0;
	r.rip -= 2; /* syscall is 0f 05 */
	r.rax = r.orig_rax;
	int ok = rval == 0 && ptrace(PTRACE_SETREGS, t->tid, 0, &r) == 0;
	if (t->proc)
		t->proc->rw = ok ? 1 : -1;
	t->rw_note = !ok;
}
#endif

/* The first call that makes a socket, in a process whose filter lacks the
 * fd-checked calls: adds them (the call runs once that is done). Returns 1
 * when the injection started. */
static int want_rw(struct wire_pt *pt, struct pt_task *t, const struct __ptrace_syscall_info *si)
{
#ifdef __x86_64__
	if (pt->attach || !t->proc || t->proc->rw != 0 || si->op != PTRACE_SYSCALL_INFO_SECCOMP ||
	    !pt_call_makes_socket(si->entry.nr))
		return 0;
	if (inject_start(t) == 0)
		return 1;
	t->proc->rw = -1;
	t->rw_note = 1;
#else
	(void)pt;
	(void)t;
	(void)si;
#endif
	return 0;
}

static void on_syscall_stop(struct wire_pt *pt, struct pt_task *t)
{
	struct __ptrace_syscall_info si;
	memset(&si, 0, sizeof(si));
	long k = ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(si), &si);
	if (k <= 0)
		return;
	if (si.op == PTRACE_SYSCALL_INFO_EXIT) {
#ifdef __x86_64__
		if (t->inject) {
			inject_end(t, si.exit.rval);
			return;
		}
#endif
		if (t->in_call) {
			t->in_call = 0;
			pt_call_exit(pt, t, si.exit.rval, si.exit.is_error);
		}
		return;
	}
	if (si.op != PTRACE_SYSCALL_INFO_ENTRY && si.op != PTRACE_SYSCALL_INFO_SECCOMP)
		return;
	t->in_call = 0;
	if (si.arch != AUDIT_ARCH_X86_64 || (si.entry.nr & X32_BIT)) {
		if (!pt->arch_said) {
			struct wire_pt_ev ev;
			pt_ev_init(&ev, WIRE_PT_ARCH, t);
			pt->arch_said = 1;
			pt->cb(pt->ctx, &ev);
		}
		return;
	}
	if (want_rw(pt, t, &si))
		return;
	if (si.entry.nr == SYS_restart_syscall && t->resume) { /* the interrupted call goes on */
		t->resume = 0;
		t->resumed = t->in_call = 1;
		return;
	}
	if (t->resume)
		pt_call_interrupted(pt, t);
	t->resumed = 0;
	/* entry and seccomp share the layout of nr and args */
	t->nr = si.entry.nr;
	memcpy(t->args, si.entry.args, sizeof(t->args));
	pt_now(&t->t0);
	t->in_call = pt_call_entry(pt, t);
}

static void on_new_task(struct wire_pt *pt, struct pt_task *parent, int event)
{
	unsigned long msg = 0;
	ptrace(PTRACE_GETEVENTMSG, parent->tid, 0, &msg);
	if (msg == 0 || msg > 0x7fffffffUL)
		return;
	struct pt_task *c = task_add(pt, (pid_t)msg);
	if (!c || !c->proc || c->proc->tgid != (pid_t)msg)
		return; /* a thread */
	if (parent->proc && parent->proc->rw == 1)
		c->proc->rw = 1; /* the child has its parent's filters */
	if (parent->proc)
		pt_fds_inherit(c->proc, parent->proc);
	(void)event;
	struct wire_pt_ev ev;
	pt_ev_init(&ev, WIRE_PT_START, c);
	ev.parent = parent->proc ? parent->proc->tgid : parent->tid;
	snprintf(ev.text, sizeof(ev.text), "%s from %d",
	         event == PTRACE_EVENT_VFORK ? "vfork" : "fork",
	         (int)(parent->proc ? parent->proc->tgid : parent->tid));
	pt->cb(pt->ctx, &ev);
}

static void on_exec(struct wire_pt *pt, struct pt_task *t)
{
	unsigned long old = 0;
	ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &old);
	if (old && (pid_t)old != t->tid) {
		struct pt_task *o = task_find(pt, (pid_t)old);
		if (o)
			task_del(pt, o); /* a thread exec'd: it took the leader's pid */
	}
	t->in_call = t->resume = 0;
	if (t->proc)
		pt_fds_forget(t->proc); /* CLOEXEC closed some */
	struct wire_pt_ev ev;
	pt_ev_init(&ev, WIRE_PT_EXEC, t); /* labelled with the old name */
	read_comm(t->tid, t->comm, sizeof(t->comm));
	snprintf(ev.text, sizeof(ev.text), "%s", t->comm);
	pt->cb(pt->ctx, &ev);
}

static int is_stop_sig(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void on_stop(struct wire_pt *pt, struct pt_task *t, int st)
{
	int sig = WSTOPSIG(st), event = (unsigned)st >> 16;
	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_stop(pt, t);
		resume(pt, t, 0, 1);
		return;
	}
	switch (event) {
	case 0: resume(pt, t, sig, 0); return; /* a signal for the program */
	case PTRACE_EVENT_SECCOMP:
		on_syscall_stop(pt, t);
		resume(pt, t, 0, 1);
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE: on_new_task(pt, t, event); break;
	case PTRACE_EVENT_EXEC: on_exec(pt, t); break;
	case PTRACE_EVENT_EXIT:
		if (t->proc && t->proc->tgid == t->tid)
			pt_call_exiting(pt, t); /* its sockets close with it */
		break;
	case PTRACE_EVENT_STOP:
		if (is_stop_sig(sig)) { /* a group stop: stay stopped, as untraced */
			ptrace(PTRACE_LISTEN, t->tid, 0, 0);
			return;
		}
		break;
	default: break;
	}
	resume(pt, t, 0, 0);
}

static void on_gone(struct wire_pt *pt, struct pt_task *t, int st)
{
	int leader = t->proc && t->proc->tgid == t->tid;
	if (t->tid == pt->root) {
		pt->status = st;
		if (pt->exec_pipe >= 0) {
			int err = 0;
			if (read(pt->exec_pipe, &err, sizeof(err)) == (ssize_t)sizeof(err))
				pt->exec_err = err;
		}
	}
	if (leader) {
		struct wire_pt_ev ev;
		pt_ev_init(&ev, WIRE_PT_EXIT, t);
		ev.status = st;
		pt->cb(pt->ctx, &ev);
	}
	task_del(pt, t);
}

static void handle(struct wire_pt *pt, pid_t pid, int st)
{
	struct pt_task *t = task_find(pt, pid);
	if (!t)
		t = task_add(pt, pid); /* a new child reported before its parent's event */
	if (!t) {
		if (WIFSTOPPED(st)) /* over the limit: let it run untraced */
			ptrace(PTRACE_DETACH, pid, 0, 0);
		return;
	}
	if (WIFEXITED(st) || WIFSIGNALED(st))
		on_gone(pt, t, st);
	else if (WIFSTOPPED(st))
		on_stop(pt, t, st);
}

/* ---- the loop ------------------------------------------------------------------------- */

/* Waits for the stops of every task after PTRACE_INTERRUPT and detaches
 * each, passing on a signal it was about to get. */
static void detach_all(struct wire_pt *pt)
{
	struct timespec end, now;
	pt_now(&end);
	end.tv_sec += WIRE_PT_DETACH_MS / 1000;
	for (size_t i = 0; i < pt->nslots; i++)
		if (pt->tasks[i].tid)
			ptrace(PTRACE_INTERRUPT, pt->tasks[i].tid, 0, 0);
	while (pt->ntasks > 0) {
		int st;
		pid_t pid = waitpid(-1, &st, __WALL | WNOHANG);
		if (pid <= 0) {
			pt_now(&now);
			if (now.tv_sec > end.tv_sec || (pid < 0 && errno == ECHILD))
				break;
			struct timespec d = {0, 5000000};
			nanosleep(&d, NULL);
			continue;
		}
		struct pt_task *t = task_find(pt, pid);
		if (!t)
			continue;
		if (WIFSTOPPED(st)) {
			int sig = WSTOPSIG(st), ev = (unsigned)st >> 16;
			int pass = ev == 0 && sig != (SIGTRAP | 0x80) ? sig : 0;
			ptrace(PTRACE_DETACH, pid, 0, (void *)(long)pass);
		}
		task_del(pt, t);
	}
}

void wire_pt_kick(struct wire_pt *pt)
{
	for (size_t i = 0; pt && i < pt->nslots; i++) {
		pid_t tid = pt->tasks[i].tid;
		if (tid)
			ptrace(PTRACE_INTERRUPT, tid, 0, 0);
	}
}

/* One blocking waitpid per stop, as few system calls as a stop allows (no
 * poll, no signal to read: the caller's signal handler does what a signal
 * asks, and wakes this wait through wire_pt_kick when it must detach). */
int wire_pt_run(struct wire_pt *pt, const volatile sig_atomic_t *detach)
{
	while (pt->ntasks > 0) {
		if (detach && *detach) {
			pt_pin_release(&pt->pin);
			detach_all(pt);
			return 1;
		}
		int st;
		pid_t pid = waitpid(-1, &st, __WALL);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0) {
			pt->ntasks = 0; /* ECHILD: nothing left to wait for */
			break;
		}
		handle(pt, pid, st);
	}
	pt_pin_release(&pt->pin);
	return 0;
}

void wire_pt_want_pin(struct wire_pt *pt, int on)
{
	if (pt && !on)
		pt_pin_free(&pt->pin);
}

void wire_pt_want_tuples(struct wire_pt *pt, int on)
{
	if (pt)
		pt->tuples = on;
}

int wire_pt_status(const struct wire_pt *pt)
{
	return pt ? pt->status : -1;
}

int wire_pt_exec_error(const struct wire_pt *pt)
{
	return pt ? pt->exec_err : 0;
}

pid_t wire_pt_pid(const struct wire_pt *pt)
{
	return pt ? pt->root : 0;
}

void wire_pt_free(struct wire_pt *pt)
{
	if (!pt)
		return;
	pt_pin_free(&pt->pin);
	for (size_t i = 0; i < pt->nslots; i++)
		if (pt->tasks[i].tid)
			task_del(pt, &pt->tasks[i]);
	if (pt->exec_pipe >= 0)
		close(pt->exec_pipe);
	free(pt->tasks);
	free(pt);
}
