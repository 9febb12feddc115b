/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The listen -k / --broker server in-process (include/wire/server.h), on
 * 127.0.0.1 with a pipe as its input and an eventfd to stop it: broadcast to
 * several clients and FIN to each at the input's end, a client's FIN that
 * ends only its direction, a stalled client dropped at its queue's cap while
 * another gets every byte, a reset client, and a broker (no FIN at the
 * input's end, a message to every other client); -C (crlf) with both.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "wire/server.h"

#define MAX_EVENTS 64

struct rec {
	int n[WIRE_SERVER_SEND + 1];            /* events by type */
	int ends[WIRE_SERVER_END_SHUTDOWN + 1]; /* CLOSED by end */
	uint64_t lost;
	char data[256];
	size_t data_len;
};

static struct rec R;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void on_event(void *ud, const struct wire_server_event *ev)
{
	(void)ud;
	pthread_mutex_lock(&mu);
	R.n[ev->type]++;
	if (ev->type == WIRE_SERVER_CLOSED) {
		R.ends[ev->end]++;
		R.lost += ev->lost;
	}
	pthread_mutex_unlock(&mu);
}

static int on_data(void *ud, const char *name, const uint8_t *p, size_t n)
{
	(void)ud;
	(void)name;
	pthread_mutex_lock(&mu);
	if (n <= sizeof(R.data) - R.data_len) {
		memcpy(R.data + R.data_len, p, n);
		R.data_len += n;
	}
	pthread_mutex_unlock(&mu);
	return 0;
}

static int count(enum wire_server_ev t)
{
	pthread_mutex_lock(&mu);
	int v = R.n[t];
	pthread_mutex_unlock(&mu);
	return v;
}

/* Waits (bounded: 5 s) until at least want events of type t were seen. */
static int wait_count(enum wire_server_ev t, int want)
{
	for (int i = 0; i < 500; i++) {
		if (count(t) >= want)
			return 1;
		struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return 0;
}

struct run {
	struct wire_server_config cfg;
	struct wire_server_stats st;
	int rc;
	int in[2]; /* the input pipe */
	int stop;  /* eventfd */
	uint16_t port;
	pthread_t th;
};

static void *serve(void *arg)
{
	struct run *r = arg;
	r->rc = wire_server_run(&r->cfg, &r->st);
	return NULL;
}

/* Starts a server on 127.0.0.1:0. Returns 0 or -1. */
static int start_crlf(struct run *r, int broker, size_t queue_max, int stall_ms, int crlf)
{
	memset(&R, 0, sizeof(R));
	memset(r, 0, sizeof(*r));
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof(a);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 16) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &al) < 0 || pipe2(r->in, O_CLOEXEC) < 0)
		return -1;
	r->port = ntohs(a.sin_port);
	r->stop = eventfd(0, EFD_CLOEXEC);
	r->cfg = (struct wire_server_config){.listen_fd = l,
	                                     .in_fd = r->in[0],
	                                     .broker = broker,
	                                     .queue_max = queue_max,
	                                     .stall_ms = stall_ms,
	                                     .crlf = crlf,
	                                     .stop_fd = r->stop,
	                                     .on_event = on_event,
	                                     .on_data = on_data};
	return pthread_create(&r->th, NULL, serve, r) == 0 ? 0 : -1;
}

static int start(struct run *r, int broker, size_t queue_max, int stall_ms)
{
	return start_crlf(r, broker, queue_max, stall_ms, 0);
}

static void finish(struct run *r)
{
	uint64_t one = 1;
	CHECK_INT(write(r->stop, &one, sizeof(one)), 8);
	CHECK_INT(pthread_join(r->th, NULL), 0);
	close(r->cfg.listen_fd);
	close(r->in[0]);
	if (r->in[1] >= 0)
		close(r->in[1]);
	close(r->stop);
}

static int client(uint16_t port, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = 10};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (rcvbuf)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads exactly n bytes (or until EOF/timeout). Returns the count. */
static size_t recv_n(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = recv(fd, buf + got, n - got, 0);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got;
}

static void broadcast_and_fin(void)
{
	struct run r;
	CHECK_INT(start(&r, 0, 0, 0), 0);
	int c[3];
	for (int i = 0; i < 3; i++)
		c[i] = client(r.port, 0);
	CHECK(wait_count(WIRE_SERVER_CONNECT, 3));
	CHECK_INT(write(r.in[1], "hello", 5), 5);
	char buf[16];
	for (int i = 0; i < 3; i++)
		CHECK_MEM(buf, recv_n(c[i], buf, 5), "hello", 5);
	/* c[0] half-closes at once: it still gets the input */
	CHECK_INT(send(c[1], "abc", 3, MSG_NOSIGNAL), 3);
	CHECK_INT(shutdown(c[0], SHUT_WR), 0);
	CHECK(wait_count(WIRE_SERVER_PEER_FIN, 1));
	CHECK_INT(write(r.in[1], "more", 4), 4);
	for (int i = 0; i < 3; i++)
		CHECK_MEM(buf, recv_n(c[i], buf, 4), "more", 4);
	close(r.in[1]); /* the input ends: FIN to everyone */
	r.in[1] = -1;
	for (int i = 0; i < 3; i++)
		CHECK_INT(recv(c[i], buf, sizeof(buf), 0), 0);
	CHECK(wait_count(WIRE_SERVER_CLOSED, 1)); /* c[0]: both directions done */
	for (int i = 1; i < 3; i++)
		close(c[i]);
	CHECK(wait_count(WIRE_SERVER_CLOSED, 3));
	close(c[0]);
	finish(&r);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.st.served, 3);
	CHECK_INT(r.st.sent, 27);
	CHECK_INT(r.st.received, 3);
	CHECK_INT(r.st.input, 9);
	CHECK_INT(r.st.lost_clients, 0);
	CHECK_INT(R.n[WIRE_SERVER_FIN_SENT], 3);
	CHECK_INT(R.ends[WIRE_SERVER_END_DONE], 3);
	CHECK_MEM(R.data, R.data_len, "abc", 3);
}

struct feeder {
	int fd;
	size_t total;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;
	char block[4096];
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (char)(i * 7);
	for (size_t done = 0; done < f->total; done += sizeof(block))
		if (write(f->fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			break;
	close(f->fd);
	return NULL;
}

static void stalled_client_dropped(void)
{
	struct run r;
	const size_t total = 8u << 20, cap = 64u << 10;
	CHECK_INT(start(&r, 0, cap, 200), 0);
	int bad = client(r.port, 4096), good = client(r.port, 0);
	CHECK(wait_count(WIRE_SERVER_CONNECT, 2));
	struct feeder f = {.fd = r.in[1], .total = total};
	r.in[1] = -1;
	pthread_t th;
	CHECK_INT(pthread_create(&th, NULL, feed, &f), 0);
	static char big[1 << 16];
	size_t got = 0;
	for (;;) {
		ssize_t k = recv(good, big, sizeof(big), 0);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	CHECK_INT(got, total); /* everything, then FIN */
	CHECK_INT(pthread_join(th, NULL), 0);
	close(good);
	CHECK(wait_count(WIRE_SERVER_CLOSED, 2));
	finish(&r);
	close(bad);
	CHECK_INT(r.st.stalled, 1);
	CHECK_INT(r.st.lost_clients, 1);
	CHECK(r.st.lost_bytes >= cap);
	CHECK_INT(R.ends[WIRE_SERVER_END_STALLED], 1);
	CHECK_INT(R.ends[WIRE_SERVER_END_DONE], 1);
	CHECK_INT(r.st.input, total);
}

static void broker_and_reset(void)
{
	struct run r;
	CHECK_INT(start(&r, 1, 0, 0), 0);
	int a = client(r.port, 0), b = client(r.port, 0), c = client(r.port, 0);
	CHECK(wait_count(WIRE_SERVER_CONNECT, 3));
	CHECK_INT(send(a, "chat", 4, MSG_NOSIGNAL), 4);
	char buf[16];
	CHECK_MEM(buf, recv_n(b, buf, 4), "chat", 4);
	CHECK_MEM(buf, recv_n(c, buf, 4), "chat", 4);
	close(r.in[1]); /* a broker sends no FIN at the input's end */
	r.in[1] = -1;
	CHECK(wait_count(WIRE_SERVER_INPUT_EOF, 1));
	CHECK_INT(send(b, "late", 4, MSG_NOSIGNAL), 4);
	CHECK_MEM(buf, recv_n(a, buf, 4), "late", 4); /* not a FIN: still served */
	CHECK_MEM(buf, recv_n(c, buf, 4), "late", 4);
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	CHECK_INT(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(c); /* RST */
	CHECK(wait_count(WIRE_SERVER_CLOSED, 1));
	CHECK_INT(shutdown(a, SHUT_WR), 0); /* a broker client's FIN ends it */
	CHECK_INT(recv(a, buf, sizeof(buf), 0), 0);
	CHECK(wait_count(WIRE_SERVER_CLOSED, 2));
	finish(&r);
	close(a);
	close(b);
	CHECK_INT(r.rc, 0);
	CHECK_INT(R.ends[WIRE_SERVER_END_RST], 1);
	CHECK_INT(R.ends[WIRE_SERVER_END_DONE], 1);
	CHECK_INT(R.ends[WIRE_SERVER_END_SHUTDOWN], 1); /* b, at the stop */
	CHECK_INT(R.n[WIRE_SERVER_FIN_SENT], 0);
	CHECK_INT(R.data_len, 0); /* a broker gives clients' bytes to clients only */
	CHECK_INT(r.st.received, 8);
	CHECK_INT(r.st.sent, 16);
}

/* -C with -k: the input's bare LF reaches every client as CRLF, an existing
 * CRLF stays (also when its CR ended the previous read). */
static void crlf_to_every_client(void)
{
	struct run r;
	CHECK_INT(start_crlf(&r, 0, 0, 0, 1), 0);
	int c[2];
	for (int i = 0; i < 2; i++)
		c[i] = client(r.port, 0);
	CHECK(wait_count(WIRE_SERVER_CONNECT, 2));
	char buf[32];
	CHECK_INT(write(r.in[1], "a\nb\r", 4), 4);
	for (int i = 0; i < 2; i++)
		CHECK_MEM(buf, recv_n(c[i], buf, 5), "a\r\nb\r", 5);
	CHECK_INT(write(r.in[1], "\nc\r\n\n", 5), 5); /* the CR came in the last read */
	close(r.in[1]);
	r.in[1] = -1;
	for (int i = 0; i < 2; i++) {
		CHECK_MEM(buf, recv_n(c[i], buf, sizeof(buf)), "\nc\r\n\r\n", 6);
		close(c[i]);
	}
	CHECK(wait_count(WIRE_SERVER_CLOSED, 2));
	finish(&r);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.st.input, 9);
	CHECK_INT(r.st.sent, 22);
}

/* -C with --broker: stdin's LF goes out as CRLF, clients' bytes unchanged. */
static void crlf_broker(void)
{
	struct run r;
	CHECK_INT(start_crlf(&r, 1, 0, 0, 1), 0);
	int a = client(r.port, 0), b = client(r.port, 0);
	CHECK(wait_count(WIRE_SERVER_CONNECT, 2));
	char buf[32];
	CHECK_INT(send(a, "x\ny\n", 4, MSG_NOSIGNAL), 4);
	CHECK_MEM(buf, recv_n(b, buf, 4), "x\ny\n", 4);
	CHECK_INT(write(r.in[1], "z\n", 2), 2);
	CHECK_MEM(buf, recv_n(a, buf, 3), "z\r\n", 3);
	CHECK_MEM(buf, recv_n(b, buf, 3), "z\r\n", 3);
	finish(&r);
	close(a);
	close(b);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.st.received, 4);
	CHECK_INT(r.st.sent, 10);
}

int main(void)
{
	broadcast_and_fin();
	stalled_client_dropped();
	broker_and_reset();
	crlf_to_every_client();
	crlf_broker();
	return T_END();
}
