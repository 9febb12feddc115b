/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The echo engine in-process (include/wire/echo.h): configuration checks, a
 * port taken for UDP only, and a two-worker server on 127.0.0.1 that echoes a
 * TCP client and a UDP datagram, reports CONNECT and FIN through the
 * callback, stops through wire_echo_stop and returns exact counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "wire/echo.h"
#include "wire/err.h"

static int n_connect, n_fin, n_other;

static void on_event(void *ud, const struct wire_echo_event *ev)
{
	(void)ud;
	if (ev->type == WIRE_ECHO_CONNECT)
		__atomic_add_fetch(&n_connect, 1, __ATOMIC_SEQ_CST);
	else if (ev->type == WIRE_ECHO_FIN)
		__atomic_add_fetch(&n_fin, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_add_fetch(&n_other, 1, __ATOMIC_SEQ_CST);
}

static void *run_server(void *arg)
{
	static int rc;
	rc = wire_echo_run(arg);
	return &rc;
}

static int client(int type, uint16_t port)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = 5};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int main(void)
{
	struct wire_echo *e = NULL;
	struct wire_echo_config cfg = {
	    .host = "127.0.0.1", .family = AF_UNSPEC, .threads = 1, .stop_fd = -1};
	CHECK_INT(wire_echo_new(&cfg, &e, NULL, NULL), WIRE_E_USAGE); /* neither tcp nor udp */
	cfg.tcp = 1;
	cfg.threads = 0;
	CHECK_INT(wire_echo_new(&cfg, &e, NULL, NULL), WIRE_E_USAGE);
	cfg.threads = WIRE_ECHO_THREADS_MAX + 1;
	CHECK_INT(wire_echo_new(&cfg, &e, NULL, NULL), WIRE_E_USAGE);

	/* A port free for TCP but taken for UDP: EADDRINUSE, blamed on udp.
	 * The port comes from a TCP listener closed just before (no TIME_WAIT
	 * left behind), then held for UDP. */
	int u = -1;
	uint16_t uport = 0;
	for (int i = 0; i < 20 && u < 0; i++) {
		int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in ta = {.sin_family = AF_INET};
		ta.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t tl = sizeof(ta);
		if (t < 0 || bind(t, (struct sockaddr *)&ta, sizeof(ta)) < 0 || listen(t, 1) < 0 ||
		    getsockname(t, (struct sockaddr *)&ta, &tl) < 0) {
			if (t >= 0)
				close(t);
			continue;
		}
		u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (u >= 0 && bind(u, (struct sockaddr *)&ta, sizeof(ta)) < 0) {
			close(u);
			u = -1;
		}
		uport = ntohs(ta.sin_port);
		close(t);
	}
	CHECK(u >= 0);
	cfg.threads = 1;
	cfg.udp = 1;
	cfg.port = uport;
	const char *proto = NULL;
	int rc = wire_echo_new(&cfg, &e, NULL, &proto);
	CHECK_INT(rc, -EADDRINUSE);
	CHECK_STR(proto, "udp");
	if (rc == 0)
		wire_echo_free(e);
	if (u >= 0)
		close(u);

	/* A two-worker server on a free port. */
	cfg.port = 0;
	cfg.threads = 2;
	cfg.on_event = on_event;
	rc = wire_echo_new(&cfg, &e, NULL, NULL);
	CHECK_INT(rc, 0);
	if (rc < 0)
		return T_END();
	struct wire_addr addr;
	CHECK_INT(wire_echo_address(e, &addr), 0);
	uint16_t port = wire_addr_port((struct sockaddr *)&addr.ss);
	CHECK(port != 0);
	pthread_t th;
	CHECK_INT(pthread_create(&th, NULL, run_server, e), 0);

	int t = client(SOCK_STREAM, port);
	CHECK(t >= 0);
	char buf[64];
	if (t >= 0) {
		CHECK_INT(send(t, "ping", 4, MSG_NOSIGNAL), 4);
		size_t got = 0;
		while (got < 4) {
			ssize_t k = recv(t, buf + got, sizeof(buf) - got, 0);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		CHECK_MEM(buf, got, "ping", 4);
		close(t);
	}
	int d = client(SOCK_DGRAM, port);
	CHECK(d >= 0);
	if (d >= 0) {
		CHECK_INT(send(d, "datagram", 8, 0), 8);
		CHECK_INT(recv(d, buf, sizeof(buf), 0), 8);
		CHECK_MEM(buf, 8, "datagram", 8);
		close(d);
	}
	/* wait (bounded) for the server to see the FIN */
	for (int i = 0; i < 500 && !__atomic_load_n(&n_fin, __ATOMIC_SEQ_CST); i++) {
		struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	wire_echo_stop(e);
	void *ret = NULL;
	CHECK_INT(pthread_join(th, &ret), 0);
	CHECK(ret && *(int *)ret == 0);

	struct wire_echo_stats st;
	wire_echo_stats(e, &st);
	CHECK_INT(st.conns, 1);
	CHECK_INT(st.fin, 1);
	CHECK_INT(st.active, 0);
	CHECK_INT(st.tcp_in, 4);
	CHECK_INT(st.tcp_out, 4);
	CHECK_INT(st.dgrams_in, 1);
	CHECK_INT(st.dgrams_out, 1);
	CHECK_INT(st.udp_in, 8);
	CHECK_INT(n_connect, 1);
	CHECK_INT(n_fin, 1);
	CHECK_INT(n_other, 0);
	wire_echo_free(e);
	return T_END();
}
