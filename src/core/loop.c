/* SPDX-License-Identifier: BSD-2-Clause */
/* epoll event loop with a handful of timers (include/wire/loop.h). The only
 * file that uses epoll. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wire/loop.h"

#define LOOP_EVENTS 256

struct timer {
	int used;
	int64_t due;
	int period; /* 0: one-shot */
	wire_timer_cb cb;
	void *ud;
};

struct wire_loop {
	int ep;
	int stop;
	int64_t now;
	struct timer timers[WIRE_LOOP_TIMERS_MAX];
	void **dead;
	size_t ndead, capdead;
	struct epoll_event ev[LOOP_EVENTS];
};

int64_t wire_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wire_loop_new(struct wire_loop **lp)
{
	struct wire_loop *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0) {
		int e = -errno;
		free(l);
		return e;
	}
	l->now = wire_now_ms();
	*lp = l;
	return 0;
}

void wire_loop_free(struct wire_loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->ndead; i++)
		free(l->dead[i]);
	free(l->dead);
	close(l->ep);
	free(l);
}

int wire_loop_add(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = io};
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, io->fd, &ev) < 0)
		return -errno;
	io->events = events;
	return 0;
}

int wire_loop_mod(struct wire_loop *l, struct wire_io *io, uint32_t events)
{
	if (io->events == events)
		return 0;
	struct epoll_event ev = {.events = events, .data.ptr = io};
	if (epoll_ctl(l->ep, EPOLL_CTL_MOD, io->fd, &ev) < 0)
		return -errno;
	io->events = events;
	return 0;
}

int wire_loop_del(struct wire_loop *l, struct wire_io *io)
{
	if (epoll_ctl(l->ep, EPOLL_CTL_DEL, io->fd, NULL) < 0)
		return -errno;
	io->events = 0;
	return 0;
}

static int timer_add(struct wire_loop *l, int ms, int period, wire_timer_cb cb, void *ud)
{
	for (int i = 0; i < WIRE_LOOP_TIMERS_MAX; i++) {
		struct timer *t = &l->timers[i];
		if (t->used)
			continue;
		t->used = 1;
		t->due = wire_now_ms() + ms;
		t->period = period;
		t->cb = cb;
		t->ud = ud;
		return i;
	}
	return -ENOSPC;
}

int wire_loop_every(struct wire_loop *l, int period_ms, wire_timer_cb cb, void *ud)
{
	return timer_add(l, period_ms, period_ms > 0 ? period_ms : 1, cb, ud);
}

int wire_loop_after(struct wire_loop *l, int ms, wire_timer_cb cb, void *ud)
{
	return timer_add(l, ms, 0, cb, ud);
}

void wire_loop_cancel(struct wire_loop *l, int id)
{
	if (id >= 0 && id < WIRE_LOOP_TIMERS_MAX)
		l->timers[id].used = 0;
}

int wire_loop_defer_free(struct wire_loop *l, void *p)
{
	if (l->ndead == l->capdead) {
		size_t nc = l->capdead ? l->capdead * 2 : 64;
		void **d = realloc(l->dead, nc * sizeof(*d));
		if (!d) {
			free(p);
			return -ENOMEM;
		}
		l->dead = d;
		l->capdead = nc;
	}
	l->dead[l->ndead++] = p;
	return 0;
}

void wire_loop_stop(struct wire_loop *l)
{
	l->stop = 1;
}

int64_t wire_loop_now(const struct wire_loop *l)
{
	return l->now;
}

static int next_timeout(struct wire_loop *l)
{
	int64_t best = -1;
	for (int i = 0; i < WIRE_LOOP_TIMERS_MAX; i++) {
		if (!l->timers[i].used)
			continue;
		int64_t d = l->timers[i].due - l->now;
		if (d < 0)
			d = 0;
		if (best < 0 || d < best)
			best = d;
	}
	return best > 1000000 ? 1000000 : (int)best;
}

static void run_timers(struct wire_loop *l)
{
	for (int i = 0; i < WIRE_LOOP_TIMERS_MAX && !l->stop; i++) {
		struct timer *t = &l->timers[i];
		if (!t->used || t->due > l->now)
			continue;
		if (t->period)
			t->due = l->now + t->period;
		else
			t->used = 0;
		t->cb(l, t->ud);
	}
}

int wire_loop_run(struct wire_loop *l)
{
	l->stop = 0;
	while (!l->stop) {
		l->now = wire_now_ms();
		int n = epoll_wait(l->ep, l->ev, LOOP_EVENTS, next_timeout(l));
		if (n < 0) {
			if (errno == EINTR) {
				n = 0;
			} else {
				return -errno;
			}
		}
		l->now = wire_now_ms();
		for (int i = 0; i < n && !l->stop; i++) {
			struct wire_io *io = l->ev[i].data.ptr;
			if (io->fd >= 0)
				io->cb(l, io, l->ev[i].events);
		}
		run_timers(l);
		for (size_t i = 0; i < l->ndead; i++)
			free(l->dead[i]);
		l->ndead = 0;
	}
	return 0;
}
