/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tracedemo: drives the --trace engine (include/wire/trace.h) with real socket
 * calls, so tests check the timeline before and independently of the
 * commands. Usage: tracedemo SCENARIO [ADDR [PORT]]; the timeline goes to
 * stderr, a one-line result to stdout. Scenarios:
 *   tcp       connect, write(6), read() = 6, shutdown(SHUT_WR), read() = 0,
 *             close() against an echo server in a thread (ADDR, default 127.0.0.1)
 *   refused   connect to ADDR PORT where nothing listens
 *   udp       sendto(6) to ADDR PORT where nothing listens (IP_RECVERR), then
 *             recv() = -1 ECONNREFUSED
 *   bigwrite  one 70000-byte write to a server thread that reads everything
 *   unread    the server closes without reading what the client wrote (RST)
 *   frag      sendto() of one 8000-byte datagram to ADDR PORT (use a path
 *             with MTU 1500, e.g. a veth pair: it leaves as IP fragments)
 * Exit status: 0 done, 1 a socket call failed unexpectedly, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "wire/sock.h"
#include "wire/trace.h"

#define BIG 70000u
#define FRAG_DGRAM 8000u

struct server {
	int lfd;
	int mode; /* 0 echo until EOF then close, 1 read all, 2 close unread */
	pthread_t th;
};

static void *server_main(void *arg)
{
	struct server *s = arg;
	char buf[65536];
	int c = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return NULL;
	if (s->mode == 2) {
		/* wait for the client's data to arrive, then close unread */
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL);
		close(c);
		return NULL;
	}
	for (;;) {
		ssize_t k = read(c, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (s->mode == 0 && wire_write_all(c, buf, (size_t)k) < 0)
			break;
	}
	close(c);
	return NULL;
}

static int make_addr(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static int start_server(struct server *s, const struct sockaddr_storage *ss, socklen_t len,
                        uint16_t *port)
{
	struct sockaddr_storage b = *ss;
	int one = 1;
	s->lfd = socket(b.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -1;
	if (setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -1;
	if (b.ss_family == AF_INET)
		((struct sockaddr_in *)&b)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&b)->sin6_port = 0;
	if (bind(s->lfd, (struct sockaddr *)&b, len) < 0 || listen(s->lfd, 4) < 0)
		return -1;
	socklen_t bl = sizeof(b);
	if (getsockname(s->lfd, (struct sockaddr *)&b, &bl) < 0)
		return -1;
	*port = wire_addr_port((struct sockaddr *)&b);
	return pthread_create(&s->th, NULL, server_main, s) == 0 ? 0 : -1;
}

static int fail(const char *what)
{
	printf("tracedemo: %s: %s\n", what, strerror(errno));
	return 1;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* The TCP client scenarios: tcp (mode 0), bigwrite (1), unread (2). */
static int tcp_client(struct sockaddr_storage *ss, socklen_t len, int mode)
{
	struct server srv = {-1, mode, 0};
	uint16_t port = 0;
	char buf[65536];
	if (start_server(&srv, ss, len, &port) < 0)
		return fail("server");
	set_port(ss, port);

	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	wire_trace_prepare_socket(fd);
	struct wire_trace *tr = wire_trace_start(fd, (struct sockaddr *)ss, len, NULL, 0);
	wire_trace_call(tr, "connect()");
	int rc;
	do
		rc = connect(fd, (struct sockaddr *)ss, len);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return fail("connect");
	wire_trace_watch(tr, fd);

	if (mode == 0) {
		wire_trace_call(tr, "write(6)");
		if (wire_write_all(fd, "hello\n", 6) < 0)
			return fail("write");
		size_t got = 0;
		while (got < 6) {
			ssize_t k = read(fd, buf + got, sizeof(buf) - got);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return fail("read");
			got += (size_t)k;
		}
		wire_trace_call(tr, "read() = %zu", got);
		wire_trace_call(tr, "shutdown(SHUT_WR)");
		shutdown(fd, SHUT_WR);
		ssize_t k;
		do
			k = read(fd, buf, sizeof(buf));
		while (k < 0 && errno == EINTR);
		wire_trace_call(tr, "peer closed: read() = %zd", k);
		wire_trace_call(tr, "close()");
		close(fd);
	} else if (mode == 1) {
		char *big = calloc(1, BIG);
		if (!big)
			return fail("calloc");
		wire_trace_call(tr, "write(%u)", BIG);
		if (wire_write_all(fd, big, BIG) < 0)
			return fail("write");
		free(big);
		/* let the segments and their ACKs go before the next call */
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL);
		wire_trace_call(tr, "close()");
		close(fd);
	} else {
		wire_trace_call(tr, "write(6)");
		if (wire_write_all(fd, "hello\n", 6) < 0)
			return fail("write");
		ssize_t k;
		do
			k = read(fd, buf, sizeof(buf));
		while (k < 0 && errno == EINTR);
		if (k < 0)
			wire_trace_call(tr, "read() = -1 %s",
			                errno == ECONNRESET ? "ECONNRESET" : strerror(errno));
		else
			wire_trace_call(tr, "read() = %zd", k);
		wire_trace_call(tr, "close()");
		close(fd);
	}
	pthread_join(srv.th, NULL);
	close(srv.lfd);
	wire_trace_stop(tr);
	printf("tracedemo: done\n");
	return 0;
}

static int refused(struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket");
	/* no prepare: the trace follows the peer until the port is known */
	struct wire_trace *tr = wire_trace_start(-1, (struct sockaddr *)ss, len, NULL, 0);
	wire_trace_call(tr, "connect()");
	int rc;
	do
		rc = connect(fd, (struct sockaddr *)ss, len);
	while (rc < 0 && errno == EINTR);
	int e = errno;
	if (rc == 0) {
		wire_trace_stop(tr);
		printf("tracedemo: connect succeeded\n");
		return 1;
	}
	wire_trace_call(tr, "connect() = -1 %s", e == ECONNREFUSED ? "ECONNREFUSED" : strerror(e));
	close(fd);
	wire_trace_stop(tr);
	printf("tracedemo: done\n");
	return 0;
}

static int udp_closed(struct sockaddr_storage *ss, socklen_t len, size_t size)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0)
		return fail("socket");
	if (ss->ss_family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)) < 0)
			return fail("IP_RECVERR");
	} else if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one)) < 0) {
		return fail("IPV6_RECVERR");
	}
	struct timeval tv = {2, 0};
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return fail("SO_RCVTIMEO");
	wire_trace_prepare_socket(fd);
	struct wire_trace *tr = wire_trace_start(fd, (struct sockaddr *)ss, len, NULL, 0);
	char *buf = calloc(1, size > 64 ? size : 64);
	if (!buf)
		return fail("calloc");
	memcpy(buf, "hello\n", 6);
	wire_trace_call(tr, "sendto(%zu)", size);
	ssize_t k = sendto(fd, buf, size, 0, (struct sockaddr *)ss, len);
	if (k < 0)
		wire_trace_call(tr, "sendto() = -1 %s", strerror(errno));
	do
		k = recv(fd, buf, 64, 0);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		wire_trace_call(tr, "recv() = -1 %s",
		                errno == ECONNREFUSED ? "ECONNREFUSED" : strerror(errno));
	else
		wire_trace_call(tr, "recv() = %zd", k);
	free(buf);
	close(fd);
	wire_trace_stop(tr);
	printf("tracedemo: done\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	uint16_t port = 9;
	if (argc < 2) {
		fprintf(stderr,
		        "usage: tracedemo tcp|refused|udp|bigwrite|unread|frag [ADDR [PORT]]\n");
		return 2;
	}
	const char *host = argc > 2 ? argv[2] : "127.0.0.1";
	if (argc > 3 && wire_parse_port(argv[3], 0, &port) < 0)
		return 2;
	if (make_addr(host, port, &ss, &len) < 0) {
		fprintf(stderr, "tracedemo: bad address %s\n", host);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *s = argv[1];
	if (!strcmp(s, "tcp"))
		return tcp_client(&ss, len, 0);
	if (!strcmp(s, "bigwrite"))
		return tcp_client(&ss, len, 1);
	if (!strcmp(s, "unread"))
		return tcp_client(&ss, len, 2);
	if (!strcmp(s, "refused"))
		return refused(&ss, len);
	if (!strcmp(s, "udp"))
		return udp_closed(&ss, len, 6);
	if (!strcmp(s, "frag"))
		return udp_closed(&ss, len, FRAG_DGRAM);
	fprintf(stderr, "tracedemo: unknown scenario %s\n", s);
	return 2;
}
