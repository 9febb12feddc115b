/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The connection model shared by the servers (include/wire/conn.h).
 */
#include <errno.h>
#include <sys/socket.h>

#include "wire/conn.h"

void wire_conn_list_push(struct wire_conn_list *l, struct wire_conn_link *c, int64_t now)
{
	c->prev = l->tail;
	c->next = NULL;
	c->last = now;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	l->count++;
}

void wire_conn_list_unlink(struct wire_conn_list *l, struct wire_conn_link *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	l->count--;
}

void wire_conn_touch(struct wire_conn_list *l, struct wire_conn_link *c, int64_t now)
{
	if (l->tail != c) {
		wire_conn_list_unlink(l, c);
		wire_conn_list_push(l, c, now);
	}
	c->last = now;
}

int wire_conn_sweep_period(int idle_ms)
{
	int period = idle_ms / 4;
	if (period < 50)
		period = 50;
	if (period > 1000)
		period = 1000;
	return period;
}

ssize_t wire_send_some(int fd, const void *p, size_t n)
{
	for (;;) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k >= 0)
			return k;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -errno;
	}
}

int wire_sock_error(int fd)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	return soerr ? -soerr : -ECONNRESET;
}

int wire_accept_one(int lfd, struct sockaddr *peer, socklen_t *len)
{
	socklen_t cap = *len;
	for (;;) {
		*len = cap;
		int fd = accept4(lfd, peer, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
			continue;
		if (errno == EWOULDBLOCK)
			return -EAGAIN;
		return -errno;
	}
}

static void accept_resume(struct wire_loop *l, void *ud)
{
	struct wire_accept_pause *p = ud;
	p->paused = 0;
	if (p->io->fd >= 0)
		(void)wire_loop_mod(l, p->io, EPOLLIN);
}

int wire_accept_pause(struct wire_accept_pause *p, int err)
{
	if (err != -EMFILE && err != -ENFILE && err != -ENOBUFS && err != -ENOMEM)
		return 0;
	if (p->paused)
		return 1;
	if (wire_loop_after(p->loop, WIRE_ACCEPT_PAUSE_MS, accept_resume, p) < 0)
		return 0; /* no timer slot: keep accepting (and retrying) */
	p->paused = 1;
	(void)wire_loop_mod(p->loop, p->io, 0);
	return 1;
}
