/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The connection model the servers share (the echo engine, src/core/echo.c,
 * and the listen -k / --broker server, src/core/server.c): an activity list
 * (oldest first, so an idle sweep looks only at its head), non-blocking
 * sends that never raise SIGPIPE, batched accepts that pause briefly when
 * the process is out of descriptors or memory, and the socket error behind
 * an EPOLLERR. Every buffer a connection owns is a struct wire_buf with a
 * maximum (include/wire/buf.h); backpressure is the owner's rule, built from
 * these pieces.
 */
#ifndef WIRE_CONN_H
#define WIRE_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "wire/loop.h"

#define WIRE_ACCEPT_BATCH 64     /* accepts per listener event */
#define WIRE_ACCEPT_PAUSE_MS 100 /* pause after EMFILE/ENFILE/ENOBUFS/ENOMEM */

/* Embedded in a connection record; the record is found back with
 * WIRE_CONN_OF. */
struct wire_conn_link {
	struct wire_conn_link *prev, *next;
	int64_t last; /* last activity, loop time in ms */
};

struct wire_conn_list {
	struct wire_conn_link *head, *tail; /* head: least recently active */
	size_t count;
};

#define WIRE_CONN_OF(link, type, member) ((type *)(void *)((char *)(link)-offsetof(type, member)))

/* Appends c (the most recently active) and stamps it with now. */
void wire_conn_list_push(struct wire_conn_list *l, struct wire_conn_link *c, int64_t now);
/* Removes c from the list. */
void wire_conn_list_unlink(struct wire_conn_list *l, struct wire_conn_link *c);
/* Records activity on c at now (moves it to the tail). */
void wire_conn_touch(struct wire_conn_list *l, struct wire_conn_link *c, int64_t now);
/* Returns the period of an idle sweep for a timeout of idle_ms (a quarter of
 * it, from 50 ms to 1 s). */
int wire_conn_sweep_period(int idle_ms);

/* Sends what it can of p without blocking and without SIGPIPE. Returns the
 * bytes taken (0 when the socket is full) or -errno. */
ssize_t wire_send_some(int fd, const void *p, size_t n);

/* Returns the pending socket error of fd as -errno (-ECONNRESET when the
 * error was already taken). */
int wire_sock_error(int fd);

/* Accepts one connection (non-blocking, close-on-exec), retrying EINTR and
 * connections aborted before the accept. Returns the fd, -EAGAIN when none
 * is waiting, or another -errno. */
int wire_accept_one(int lfd, struct sockaddr *peer, socklen_t *len);

/* A listener that stops accepting for WIRE_ACCEPT_PAUSE_MS after an accept
 * failed for lack of descriptors or memory, instead of spinning on it. */
struct wire_accept_pause {
	struct wire_loop *loop;
	struct wire_io *io; /* the listener (io->fd -1 once closed) */
	int paused;
};

/* After an accept error err (-errno): pauses the listener when err is one of
 * the resource errors. Returns 1 when it paused, else 0. */
int wire_accept_pause(struct wire_accept_pause *p, int err);

#endif
