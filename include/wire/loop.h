/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small epoll event loop (file descriptors and timers), in the manner of
 * redis's ae and libuv. One loop per thread. The caller embeds a struct
 * wire_io in its own per-connection record, so events reach their owner with
 * no lookup and no allocation. Timers are few (per server, not per
 * connection): a sorted array with a fixed capacity.
 */
#ifndef WIRE_LOOP_H
#define WIRE_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>
#include <time.h>

struct wire_loop;
struct wire_io;

typedef void (*wire_io_cb)(struct wire_loop *l, struct wire_io *io, uint32_t events);
typedef void (*wire_timer_cb)(struct wire_loop *l, void *ud);

struct wire_io {
	int fd;
	uint32_t events; /* EPOLLIN/EPOLLOUT/... currently registered */
	wire_io_cb cb;
	void *ud;
};

#define WIRE_LOOP_TIMERS_MAX 32

/* Creates a loop. Returns 0 and *lp, or -errno. */
int wire_loop_new(struct wire_loop **lp);
/* Frees the loop (registered fds are not closed). */
void wire_loop_free(struct wire_loop *l);
/* Registers io->fd for events (EPOLLIN, EPOLLOUT, EPOLLRDHUP...). Returns 0 or -errno. */
int wire_loop_add(struct wire_loop *l, struct wire_io *io, uint32_t events);
/* Changes the events of a registered io (no syscall when unchanged). Returns 0 or -errno. */
int wire_loop_mod(struct wire_loop *l, struct wire_io *io, uint32_t events);
/* Unregisters io (call before closing its fd). Returns 0 or -errno. */
int wire_loop_del(struct wire_loop *l, struct wire_io *io);
/* Frees p (with free()) after the current batch of events: an io record
 * closed inside a callback may still have an event pending in the same batch,
 * so records must be released through this, never freed directly. A closed io
 * must also have io->fd set to -1: the loop skips its pending events.
 * Returns 0 or -ENOMEM (then p was freed at once; safe only outside a batch). */
int wire_loop_defer_free(struct wire_loop *l, void *p);
/* Arms a repeating timer every period_ms. Returns a timer id >= 0 or -ENOSPC. */
int wire_loop_every(struct wire_loop *l, int period_ms, wire_timer_cb cb, void *ud);
/* Arms a one-shot timer. Returns a timer id >= 0 or -ENOSPC. */
int wire_loop_after(struct wire_loop *l, int ms, wire_timer_cb cb, void *ud);
/* Cancels a timer by id. */
void wire_loop_cancel(struct wire_loop *l, int id);
/* Runs until wire_loop_stop. Returns 0 or -errno from epoll_wait. */
int wire_loop_run(struct wire_loop *l);
/* Makes wire_loop_run return after the current iteration (safe from callbacks). */
void wire_loop_stop(struct wire_loop *l);
/* Returns the loop's cached monotonic time in milliseconds (updated each iteration). */
int64_t wire_loop_now(const struct wire_loop *l);
/* Returns the current monotonic time in milliseconds. */
int64_t wire_now_ms(void);
/* The whole milliseconds from a to b (negative when b is earlier). */
static inline long long wire_ts_ms(const struct timespec *a, const struct timespec *b)
{
	return ((long long)b->tv_sec - (long long)a->tv_sec) * 1000LL +
	       ((long long)b->tv_nsec - (long long)a->tv_nsec) / 1000000LL;
}

#endif
