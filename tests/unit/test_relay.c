/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The relay's end-of-stream logic (src/core/relay.c) on real descriptors:
 * a loopback TCP pair for the socket and pipes or a file for stdin/stdout,
 * with the relay on a thread so the test can play the peer. Covers: stdin
 * EOF sends FIN and the relay keeps reading; the peer closing first ends
 * only its direction (stdin is sent to its EOF), unless stdin is a terminal;
 * a reset after the peer's FIN is a reset, with the count of stdin bytes not
 * sent; -q; the idle timeout; RST; --crlf; the same over the read/write path;
 * the pure decision table; the UDP line splitter; and the count of stdin
 * bytes not sent when a UDP peer is gone (lines and frames).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "wire/err.h"
#include "wire/loop.h"
#include "wire/relay.h"
#include "wire/sock.h"
#include "wire/udp.h"

static void tcp_pair(int *a, int *b)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	*a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || *a < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&sa, &sl) < 0 ||
	    connect(*a, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("tcp_pair");
		exit(1);
	}
	*b = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
}

/* Reads fd until EOF or the deadline; returns the byte count. */
static size_t read_all(int fd, char *buf, size_t n, int ms)
{
	size_t got = 0;
	int64_t end = wire_now_ms() + ms;
	while (got < n) {
		int left = (int)(end - wire_now_ms());
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

struct run {
	struct wire_relay_opts o;
	struct wire_relay_result r;
	int rc;
	volatile int done;
	int events[32];
	pthread_t th;
};

static void on_event(void *ud, const struct wire_relay_event *e)
{
	struct run *R = ud;
	if ((unsigned)e->type < 32)
		R->events[e->type]++;
}

static void *runner(void *p)
{
	struct run *R = p;
	R->rc = wire_relay_run(&R->o, &R->r);
	R->done = 1;
	return NULL;
}

static void start(struct run *R, int in, int out, int sock, int no_splice)
{
	memset(R, 0, sizeof(*R));
	wire_relay_opts_init(&R->o);
	R->o.in_fd = in;
	R->o.out_fd = out;
	R->o.sock = sock;
	R->o.no_splice = no_splice;
	R->o.event = on_event;
	R->o.ud = R;
}

static void go(struct run *R)
{
	pthread_create(&R->th, NULL, runner, R);
}

static int finish(struct run *R, int ms)
{
	int64_t end = wire_now_ms() + ms;
	while (!R->done && wire_now_ms() < end) {
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (!R->done)
		return 0;
	pthread_join(R->th, NULL);
	return 1;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* stdin EOF -> FIN, relay keeps reading until the peer closes */
static void test_stdin_eof_first(int no_splice)
{
	int in[2], out[2], a, b;
	char buf[64];
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	tcp_pair(&a, &b);
	CHECK_INT(write(in[1], "hello", 5), 5);
	close(in[1]);
	struct run R;
	start(&R, in[0], out[1], a, no_splice);
	go(&R);
	/* the peer sees the data, then EOF: the relay half-closed */
	CHECK_INT(read_all(b, buf, sizeof(buf), 3000), 5);
	CHECK_MEM(buf, 5, "hello", 5);
	sleep_ms(50);
	CHECK(!R.done); /* still waiting for the peer */
	CHECK_INT(write(b, "world", 5), 5);
	close(b);
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, 0);
	CHECK(R.r.fin_sent);
	CHECK(R.r.peer_closed);
	CHECK(R.r.input_eof);
	CHECK_INT(R.r.sent, 5);
	CHECK_INT(R.r.received, 5);
	CHECK_INT(R.events[WIRE_RELAY_EV_SENT_FIN], 1);
	CHECK_INT(R.events[WIRE_RELAY_EV_PEER_FIN], 1);
	close(out[1]);
	CHECK_INT(read_all(out[0], buf, sizeof(buf), 1000), 5);
	CHECK_MEM(buf, 5, "world", 5);
	close(out[0]);
	close(in[0]);
	close(a);
}

/* the peer closes first: that ends only its direction; what stdin (a pipe)
 * gives later is still sent, then FIN */
static void test_peer_first(int no_splice)
{
	int in[2], out[2], a, b;
	char buf[64];
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	tcp_pair(&a, &b);
	struct run R;
	start(&R, in[0], out[1], a, no_splice);
	go(&R);
	CHECK_INT(write(b, "bye", 3), 3);
	shutdown(b, SHUT_WR);
	sleep_ms(100);
	CHECK(!R.done); /* stdin is still open: the relay waits for it */
	CHECK_INT(write(in[1], "late", 4), 4);
	close(in[1]);
	CHECK_INT(read_all(b, buf, sizeof(buf), 3000), 4); /* then the FIN */
	CHECK_MEM(buf, 4, "late", 4);
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, 0);
	CHECK(R.r.peer_closed);
	CHECK(R.r.input_eof);
	CHECK(R.r.fin_sent);
	CHECK_INT(R.r.sent, 4);
	CHECK(!R.r.stdin_left);
	close(out[1]);
	CHECK_INT(read_all(out[0], buf, sizeof(buf), 1000), 3);
	CHECK_MEM(buf, 3, "bye", 3);
	close(in[0]);
	close(out[0]);
	close(a);
	close(b);
}

/* stdin a terminal: the peer's FIN ends the relay (nothing typed is lost) */
static void test_peer_first_tty(void)
{
	int out[2], a, b;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(m >= 0);
	if (m < 0)
		return;
	CHECK_INT(grantpt(m), 0);
	CHECK_INT(unlockpt(m), 0);
	int tty = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(tty >= 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	tcp_pair(&a, &b);
	struct run R;
	start(&R, tty, out[1], a, 0);
	go(&R);
	CHECK_INT(write(b, "bye", 3), 3);
	shutdown(b, SHUT_WR);
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, 0);
	CHECK(R.r.peer_closed);
	CHECK(!R.r.input_eof);
	CHECK(!R.r.fin_sent);
	close(tty);
	close(m);
	close(out[0]);
	close(out[1]);
	close(a);
	close(b);
}

/* The peer reads up to n bytes, then closes with SO_LINGER 0 while more is
 * pending: an RST. */
static void reset_after(int b, size_t n)
{
	static char sink[4096];
	size_t got = 0;
	while (got < n) {
		size_t want = n - got < sizeof(sink) ? n - got : sizeof(sink);
		size_t k = read_all(b, sink, want, 3000);
		if (k == 0)
			break;
		got += k;
	}
	sleep_ms(50);
	struct linger lg = {1, 0};
	CHECK_INT(setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(b);
}

/* The peer half-closes, reads 1000 bytes, then resets while stdin (a pipe
 * still open) has more: a reset (never a broken pipe), the PEER_FIN then
 * PEER_RST events, and stdin_left with input_more. */
static void test_reset_after_fin(int no_splice)
{
	int in[2], out[2], a, b;
	static char big[1 << 20];
	memset(big, 'x', sizeof(big));
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	(void)fcntl(in[1], F_SETPIPE_SZ, 1 << 20);
	(void)fcntl(in[1], F_SETFL, O_NONBLOCK);
	tcp_pair(&a, &b);
	shutdown(b, SHUT_WR);
	struct run R;
	start(&R, in[0], out[1], a, no_splice);
	go(&R);
	CHECK(write(in[1], big, sizeof(big)) > 0);
	reset_after(b, 1000);
	for (int i = 0; i < 400 && !R.done; i++) {
		/* keep stdin fed: the relay must find out by sending */
		(void)!write(in[1], big, sizeof(big));
		sleep_ms(5);
	}
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, -ECONNRESET);
	CHECK_INT(R.r.where, WIRE_RELAY_AT_SOCK);
	CHECK_INT(R.events[WIRE_RELAY_EV_PEER_FIN], 1);
	CHECK_INT(R.events[WIRE_RELAY_EV_PEER_RST], 1);
	CHECK(R.r.stdin_left);
	CHECK(R.r.input_more);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
	close(a);
}

/* The peer half-closes, then resets while stdin (an open pipe) is idle: the
 * relay, waiting on stdin, still sees the reset (poll's POLLERR) and ends. */
static void test_reset_while_stdin_idle(void)
{
	int in[2], out[2], a, b;
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	tcp_pair(&a, &b);
	struct run R;
	start(&R, in[0], out[1], a, 0);
	go(&R);
	shutdown(b, SHUT_WR);
	sleep_ms(50);
	CHECK(!R.done); /* the FIN alone ends nothing */
	struct linger lg = {1, 0};
	CHECK_INT(setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(b);
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, -ECONNRESET);
	CHECK_INT(R.events[WIRE_RELAY_EV_PEER_FIN], 1);
	CHECK_INT(R.events[WIRE_RELAY_EV_PEER_RST], 1);
	CHECK(R.r.stdin_left);
	CHECK_INT(R.r.unsent, 0);
	CHECK(R.r.input_more);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
	close(a);
}

/* A regular file as stdin and a reset after 1000 bytes: the count of bytes
 * not sent is exact (sent + unsent = the file's size). */
static void test_unsent_file(int no_splice)
{
	char path[] = "/tmp/wire-relay-unsent-XXXXXX";
	int in = mkstemp(path), out[2], a, b;
	CHECK(in >= 0);
	unlink(path);
	const off_t size = 16 << 20; /* more than loopback's socket buffers */
	CHECK_INT(ftruncate(in, size), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	tcp_pair(&a, &b);
	struct run R;
	start(&R, in, out[1], a, no_splice);
	go(&R);
	reset_after(b, 1000);
	CHECK(finish(&R, 5000));
	CHECK_INT(R.rc, -ECONNRESET);
	CHECK(R.r.stdin_left);
	CHECK(!R.r.input_more);
	CHECK(R.r.unsent > 0);
	CHECK(R.r.unacked > 0); /* the reset threw away what the socket held */
	CHECK(R.r.unacked <= R.r.sent && R.r.unacked <= R.r.unsent);
	/* acknowledged + not sent = the whole file */
	CHECK_INT(R.r.sent - R.r.unacked + R.r.unsent, (uint64_t)size);
	close(in);
	close(out[0]);
	close(out[1]);
	close(a);
}

/* --crlf: a bare LF becomes CRLF, an existing CRLF stays (also when the CR
 * ends one read and the LF starts the next) */
static void test_crlf(void)
{
	int in[2], out[2], a, b;
	char buf[64];
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	tcp_pair(&a, &b);
	struct run R;
	start(&R, in[0], out[1], a, 0);
	R.o.crlf = 1;
	go(&R);
	CHECK_INT(write(in[1], "a\nb\r", 4), 4);
	CHECK_INT(read_all(b, buf, 5, 3000), 5);
	CHECK_INT(write(in[1], "\nc\n\n", 4), 4);
	close(in[1]);
	CHECK_INT(read_all(b, buf + 5, sizeof(buf) - 5, 3000), 6);
	CHECK_MEM(buf, 11, "a\r\nb\r\nc\r\n\r\n", 11);
	close(b);
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, 0);
	close(in[0]);
	close(out[0]);
	close(out[1]);
	close(a);
}

/* the peer half-closes first while stdin still holds data (a file sent to
 * `listen </dev/null`): the data goes out in full, then FIN */
static void test_peer_first_stdin_holds_data(int no_splice)
{
	int in[2], out[2], a, b;
	static char big[200000], back[200000];
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	(void)fcntl(in[1], F_SETPIPE_SZ, 1 << 20);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 13 + 1);
	tcp_pair(&a, &b);
	shutdown(b, SHUT_WR); /* the peer's FIN comes before anything else */
	size_t put = 0;
	while (put < sizeof(big)) {
		ssize_t w = write(in[1], big + put, sizeof(big) - put);
		if (w <= 0)
			break;
		put += (size_t)w;
	}
	CHECK_INT(put, sizeof(big));
	close(in[1]);
	struct run R;
	start(&R, in[0], out[1], a, no_splice);
	go(&R);
	CHECK_INT(read_all(b, back, sizeof(back), 5000), sizeof(big));
	CHECK(memcmp(big, back, sizeof(big)) == 0);
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, 0);
	CHECK(R.r.peer_closed);
	CHECK(R.r.fin_sent);
	CHECK_INT(R.r.sent, sizeof(big));
	close(in[0]);
	close(out[0]);
	close(out[1]);
	close(a);
	close(b);
}

/* -q: after stdin EOF, end after quit_ms even though the peer stays */
static void test_quit(void)
{
	int in[2], out[2], a, b;
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	tcp_pair(&a, &b);
	close(in[1]);
	struct run R;
	start(&R, in[0], out[1], a, 0);
	R.o.quit_ms = 100;
	int64_t t0 = wire_now_ms();
	go(&R);
	CHECK(finish(&R, 3000));
	int64_t dt = wire_now_ms() - t0;
	CHECK(dt >= 90);
	CHECK_INT(R.rc, 0);
	CHECK(R.r.fin_sent);
	CHECK(!R.r.peer_closed);
	CHECK_INT(R.events[WIRE_RELAY_EV_QUIT], 1);
	close(in[0]);
	close(out[0]);
	close(out[1]);
	close(a);
	close(b);
}

/* -q 0: end right after the FIN */
static void test_quit_zero(void)
{
	int in[2], out[2], a, b;
	char buf[8];
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	tcp_pair(&a, &b);
	CHECK_INT(write(in[1], "x", 1), 1);
	close(in[1]);
	struct run R;
	start(&R, in[0], out[1], a, 1);
	R.o.quit_ms = 0;
	go(&R);
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, 0);
	CHECK(R.r.fin_sent);
	CHECK_INT(read_all(b, buf, sizeof(buf), 1000), 1);
	close(in[0]);
	close(out[0]);
	close(out[1]);
	close(a);
	close(b);
}

/* -w: nothing moves for idle_ms -> WIRE_E_TIMEOUT */
static void test_idle(void)
{
	int in[2], out[2], a, b;
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	tcp_pair(&a, &b);
	struct run R;
	start(&R, in[0], out[1], a, 0);
	R.o.idle_ms = 100;
	go(&R);
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, WIRE_E_TIMEOUT);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
	close(a);
	close(b);
}

/* an RST from the peer: -ECONNRESET on the socket side, PEER_RST event */
static void test_rst(void)
{
	int in[2], out[2], a, b;
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	tcp_pair(&a, &b);
	struct linger lg = {1, 0};
	CHECK_INT(setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	struct run R;
	start(&R, in[0], out[1], a, 0);
	go(&R);
	sleep_ms(20);
	close(b); /* linger 0: RST */
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, -ECONNRESET);
	CHECK_INT(R.r.where, WIRE_RELAY_AT_SOCK);
	CHECK_INT(R.events[WIRE_RELAY_EV_PEER_RST], 1);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
	close(a);
}

/* --recv-only: stdin is never read, no FIN; ends when the peer closes */
static void test_recv_only(void)
{
	int out[2], a, b;
	char buf[8];
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	tcp_pair(&a, &b);
	struct run R;
	start(&R, -1, out[1], a, 0);
	R.o.recv_only = 1;
	go(&R);
	sleep_ms(30);
	CHECK(!R.done);
	CHECK_INT(write(b, "ab", 2), 2);
	close(b);
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, 0);
	CHECK(!R.r.fin_sent);
	close(out[1]);
	CHECK_INT(read_all(out[0], buf, sizeof(buf), 1000), 2);
	close(out[0]);
	close(a);
}

/* a regular file as stdin (sendfile path), a file as stdout (private pipe) */
static void test_files(void)
{
	char in_path[] = "/tmp/wire-relay-in-XXXXXX", out_path[] = "/tmp/wire-relay-out-XXXXXX";
	int in = mkstemp(in_path), out = mkstemp(out_path), a, b;
	CHECK(in >= 0 && out >= 0);
	unlink(in_path);
	unlink(out_path);
	static char big[300000], back[300000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	CHECK_INT(write(in, big, sizeof(big)), sizeof(big));
	CHECK_INT(lseek(in, 0, SEEK_SET), 0);
	tcp_pair(&a, &b);
	struct run R;
	start(&R, in, out, a, 0);
	go(&R);
	CHECK_INT(read_all(b, back, sizeof(back), 3000), sizeof(big));
	CHECK(memcmp(big, back, sizeof(big)) == 0);
	CHECK_INT(write(b, big, 100000), 100000);
	close(b);
	CHECK(finish(&R, 3000));
	CHECK_INT(R.rc, 0);
	CHECK_INT(R.r.sent, sizeof(big));
	CHECK_INT(R.r.received, 100000);
	CHECK_INT(pread(out, back, sizeof(back), 0), 100000);
	CHECK(memcmp(big, back, 100000) == 0);
	close(in);
	close(out);
	close(a);
}

/* A connected UDP socket on 127.0.0.1:port with ICMP errors on. */
static int udp_to(uint16_t port)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    wire_udp_enable_errors(fd) < 0) {
		perror("udp_to");
		exit(1);
	}
	return fd;
}

static uint16_t udp_bound(int *fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(*fd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("udp_bound");
		exit(1);
	}
	return ntohs(sa.sin_port);
}

static uint16_t live_port;
static int next_calls;

static int next_addr(void *ud, int *fd)
{
	(void)ud;
	if (next_calls++)
		return -1;
	*fd = udp_to(live_port);
	return 0;
}

/* UDP: port unreachable before any reply -> the next address gets the
 * datagrams again, and its reply comes out */
static void test_udp_next_address(void)
{
	int dead, srv, in[2], out[2];
	uint16_t dead_port = udp_bound(&dead);
	close(dead); /* nothing listens there now */
	live_port = udp_bound(&srv);
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	CHECK_INT(pipe2(out, O_CLOEXEC), 0);
	CHECK_INT(write(in[1], "hello\nagain\n", 12), 12);
	close(in[1]);
	int sock = udp_to(dead_port);
	struct run R;
	start(&R, in[0], out[1], sock, 0);
	R.o.udp = 1;
	R.o.quit_ms = 2000;
	R.o.udp_next = next_addr;
	go(&R);
	char buf[64];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	struct pollfd p = {.fd = srv, .events = POLLIN};
	CHECK(poll(&p, 1, 3000) == 1);
	ssize_t n = recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	CHECK_MEM(buf, n, "hello\n", 6);
	CHECK(poll(&p, 1, 3000) == 1);
	n = recv(srv, buf, sizeof(buf), 0);
	CHECK_MEM(buf, n, "again\n", 6);
	CHECK_INT(sendto(srv, "world\n", 6, 0, (struct sockaddr *)&from, fl), 6);
	CHECK_INT(read_all(out[0], buf, 6, 3000), 6);
	CHECK_MEM(buf, 6, "world\n", 6);
	CHECK(finish(&R, 5000));
	CHECK_INT(R.rc, 0);
	CHECK_INT(R.events[WIRE_RELAY_EV_NEXT_ADDR], 1);
	CHECK_INT(next_calls, 1);
	CHECK_INT(R.r.dgrams_received, 1);
	close(sock);
	close(srv);
	close(in[0]);
	close(out[0]);
	close(out[1]);

	/* no next address: the ICMP error is the result */
	int in2[2];
	CHECK_INT(pipe2(in2, O_CLOEXEC), 0);
	CHECK_INT(write(in2[1], "x\n", 2), 2);
	close(in2[1]);
	sock = udp_to(dead_port);
	start(&R, in2[0], -1, sock, 0);
	R.o.udp = 1;
	R.o.quit_ms = 2000;
	R.o.udp_next = next_addr; /* already used up */
	go(&R);
	CHECK(finish(&R, 5000));
	CHECK_INT(R.rc, WIRE_E_ICMP);
	CHECK_INT(R.r.icmp.type, 3);
	CHECK_INT(R.r.icmp.code, 3);
	CHECK(R.r.icmp.have_offender);
	close(sock);
	close(in2[0]);
}

/* UDP: the peer's port is closed (ICMP port unreachable) while stdin (a
 * pipe) is open: every stdin byte whose datagram did not go out is in the
 * unsent count, those held for an unfinished line or frame and those after
 * the line whose send failed alike. frame: --frame line, else lines. */
static void check_udp_unsent(const char *frame)
{
	int dead, in[2];
	uint16_t dead_port = udp_bound(&dead);
	close(dead);
	CHECK_INT(pipe2(in, O_CLOEXEC), 0);
	static const char input[] = "a\nb\nc\npartial";
	const uint64_t total = sizeof(input) - 1;
	CHECK_INT(write(in[1], input, total), (ssize_t)total);
	int sock = udp_to(dead_port);
	struct wire_frame_spec spec;
	char why[160];
	struct run R;
	start(&R, in[0], -1, sock, 0);
	R.o.udp = 1;
	if (frame) {
		CHECK_INT(wire_frame_parse(frame, 1000, &spec, why, sizeof(why)), 0);
		R.o.frame = &spec;
	}
	go(&R);
	CHECK(finish(&R, 5000));
	CHECK_INT(R.rc, WIRE_E_ICMP);
	CHECK(R.r.dgrams_sent >= 1 && R.r.dgrams_sent <= 3);
	CHECK(R.r.stdin_left);
	CHECK(R.r.input_more); /* the pipe is still open */
	/* each datagram sent took 2 stdin bytes ("a\n"); the rest was not sent */
	CHECK_INT(R.r.unsent, total - 2 * R.r.dgrams_sent);
	close(sock);
	close(in[0]);
	close(in[1]);
}

static void test_next_step(void)
{
	struct wire_relay_state s;
	memset(&s, 0, sizeof(s));
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_GO_ON);
	s.input_eof = 1;
	s.up_pending = 1;
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_GO_ON); /* flush first */
	s.up_pending = 0;
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_SEND_FIN);
	s.fin_sent = 1;
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_GO_ON); /* keep reading */
	s.peer_eof = 1;
	s.down_pending = 1;
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_GO_ON); /* flush output */
	s.down_pending = 0;
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_DONE);
	memset(&s, 0, sizeof(s));
	s.peer_eof = 1; /* peer first: its direction only; stdin goes on to its EOF */
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_GO_ON);
	s.up_pending = 1;
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_GO_ON);
	s.up_pending = 0;
	s.input_eof = 1; /* stdin ended too: FIN, then done */
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_SEND_FIN);
	s.fin_sent = 1;
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_DONE);
	memset(&s, 0, sizeof(s));
	s.peer_eof = 1;
	s.input_tty = 1; /* a terminal with nothing typed: done at the peer's FIN */
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_DONE);
	s.input_ready = 1; /* ... after what was typed is sent */
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_GO_ON);
	s.input_ready = 0;
	s.up_pending = 1;
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_GO_ON);
	s.up_pending = 0;
	s.down_pending = 1; /* ... and what the peer sent is written out */
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_GO_ON);
	memset(&s, 0, sizeof(s));
	s.peer_eof = 1;
	s.input_ready = 1; /* a pipe or file, ready or not, is sent to its EOF */
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_GO_ON);
	memset(&s, 0, sizeof(s));
	s.input_eof = 1;
	s.recv_only = 1;
	CHECK_INT(wire_relay_next_step(&s), WIRE_RELAY_GO_ON); /* recv-only sends no FIN */
}

struct units {
	char buf[4][16];
	size_t len[4];
	int n;
};

static int collect(void *ud, const uint8_t *p, size_t len)
{
	struct units *u = ud;
	if (u->n < 4 && len <= 16) {
		memcpy(u->buf[u->n], p, len);
		u->len[u->n] = len;
	}
	u->n++;
	return 0;
}

static void test_lines(void)
{
	struct wire_lines l;
	struct units u;
	memset(&u, 0, sizeof(u));
	wire_lines_init(&l, 8);
	/* a line written in pieces is still one unit, its '\n' included */
	CHECK_INT(wire_lines_feed(&l, "ab", 2, collect, &u), 0);
	CHECK_INT(u.n, 0);
	CHECK_INT(wire_lines_feed(&l, "c\nd", 3, collect, &u), 0);
	CHECK_INT(u.n, 1);
	CHECK_MEM(u.buf[0], u.len[0], "abc\n", 4);
	CHECK_INT(wire_lines_feed(&l, "\n", 1, collect, &u), 0);
	CHECK_MEM(u.buf[1], u.len[1], "d\n", 2);
	/* longer than max: cut at max */
	CHECK_INT(wire_lines_feed(&l, "0123456789", 10, collect, &u), 0);
	CHECK_INT(u.n, 3);
	CHECK_MEM(u.buf[2], u.len[2], "01234567", 8);
	CHECK_INT(l.cut, 1);
	CHECK_INT(wire_lines_pending(&l), 2);
	/* the partial last line is a unit at the end */
	CHECK_INT(wire_lines_finish(&l, collect, &u), 0);
	CHECK_MEM(u.buf[3], u.len[3], "89", 2);
	CHECK_INT(wire_lines_finish(&l, collect, &u), 0);
	CHECK_INT(u.n, 4);
	wire_lines_free(&l);
}

/* address and port edge cases not in test_sock.c, and ICMP names */
static void test_parsing(void)
{
	uint16_t p = 0;
	CHECK_INT(wire_parse_port("+1", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port(" 1", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port("1 ", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port("0x1F", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port("1.0", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port("1", 0, &p), 0);
	CHECK_INT(p, 1);
	CHECK_INT(wire_parse_port("00", 1, &p), 0);
	CHECK_INT(p, 0);

	struct addrinfo *ai = NULL;
	int gai = 0;
	char s[WIRE_ADDRSTRLEN];
	/* a numeric %scope, with and without brackets, survives to the address */
	CHECK_INT(wire_resolve("[::1%1]", 80, AF_UNSPEC, SOCK_STREAM, 0, &ai, &gai), 0);
	if (ai) {
		CHECK_INT(((struct sockaddr_in6 *)ai->ai_addr)->sin6_scope_id, 1);
		freeaddrinfo(ai);
	}
	CHECK_INT(wire_resolve("fe80::1%1", 80, AF_INET6, SOCK_DGRAM, 0, &ai, &gai), 0);
	if (ai) {
		CHECK(strncmp(wire_addr_str(ai->ai_addr, ai->ai_addrlen, s, sizeof(s)), "[fe80::1%",
		              9) == 0);
		CHECK(strstr(s, "]:80") != NULL);
		freeaddrinfo(ai);
	}
	/* a bracketed IPv4 literal is still a literal */
	CHECK_INT(wire_resolve("[127.0.0.1]", 9, AF_UNSPEC, SOCK_STREAM, 0, &ai, &gai), 0);
	if (ai) {
		CHECK_STR(wire_addr_str(ai->ai_addr, ai->ai_addrlen, s, sizeof(s)), "127.0.0.1:9");
		freeaddrinfo(ai);
	}
	/* HOST:PORT in one argument is not a host */
	CHECK_INT(wire_resolve("[::1]:80", 80, AF_UNSPEC, SOCK_STREAM, 0, &ai, &gai),
	          WIRE_E_RESOLVE);
	CHECK_INT(wire_resolve("::1", 80, AF_INET, SOCK_STREAM, 0, &ai, &gai), WIRE_E_RESOLVE);

	struct wire_icmp ic;
	memset(&ic, 0, sizeof(ic));
	ic.type = 3;
	ic.code = 3;
	CHECK_STR(wire_icmp_text(&ic), "ICMP port unreachable");
	ic.code = 1;
	CHECK_STR(wire_icmp_text(&ic), "ICMP host unreachable");
	ic.type = 11;
	CHECK_STR(wire_icmp_text(&ic), "ICMP time exceeded");
	ic.v6 = 1;
	ic.type = 1;
	ic.code = 4;
	CHECK_STR(wire_icmp_text(&ic), "ICMPv6 port unreachable");
	ic.type = 2;
	CHECK_STR(wire_icmp_text(&ic), "ICMPv6 packet too big");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* as the CLI does: a reset must not kill the relay */
	test_parsing();
	test_next_step();
	test_lines();
	test_stdin_eof_first(0);
	test_stdin_eof_first(1);
	test_peer_first(0);
	test_peer_first(1);
	test_peer_first_tty();
	test_peer_first_stdin_holds_data(0);
	test_peer_first_stdin_holds_data(1);
	test_reset_after_fin(0);
	test_reset_after_fin(1);
	test_reset_while_stdin_idle();
	test_unsent_file(0);
	test_unsent_file(1);
	test_crlf();
	test_quit();
	test_quit_zero();
	test_idle();
	test_rst();
	test_recv_only();
	test_files();
	test_udp_next_address();
	check_udp_unsent("line");
	check_udp_unsent(NULL);
	return T_END();
}
