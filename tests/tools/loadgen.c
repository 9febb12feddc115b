/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loadgen: a load generator for echo servers, used by the load tests and the
 * benchmarks. One thread, one epoll set, non-blocking sockets.
 *   tcp     N connections (all opened first, at most -C connects in flight),
 *           then each does ping-pong of M-byte messages for T seconds or K
 *           rounds; every echoed byte is checked against what was sent
 *   udp     one socket keeping W datagrams of S bytes in flight for T seconds
 *           (recvmmsg/sendmmsg); lost datagrams are refilled after 100 ms
 *   vanish  N connections opened and closed at once, without a byte
 *   rst     N connections that send a few bytes and reset (SO_LINGER 0)
 *   half    N connections that send the -d bytes (half a frame) and stall for
 *           T seconds, then close
 *   noread  N connections that write for T seconds and never read
 * It prints one line of key=value pairs (rtps = round trips per second) and
 * exits 0, or 1 when a connection failed or data came back wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSG (1u << 20)
#define MAX_CONNS 200000
#define UDP_WIN_MAX 1024
#define EVENTS 512

enum state { ST_IDLE, ST_CONNECTING, ST_OPEN, ST_DONE, ST_FAILED };

struct conn {
	int fd;
	enum state st;
	uint32_t id;
	uint32_t off;  /* pattern offset of the current message */
	uint32_t sent; /* bytes of the current message sent */
	uint32_t got;  /* bytes of the current message received */
	uint64_t rounds;
	int64_t t_start; /* connect start */
};

static struct {
	const char *mode;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	long conns;
	long msg;
	double secs;
	long rounds;
	long window;
	long dsize;
	double connect_timeout;
	long connecting_max;
	uint8_t data[4096];
	size_t data_len;
} opt = {.conns = 1,
         .msg = 64,
         .secs = 1,
         .window = 64,
         .dsize = 64,
         .connect_timeout = 10,
         .connecting_max = 256};

static int ep;
static uint8_t *pattern; /* pattern[i] = i & 0xff, MAX_MSG + 256 bytes */
static struct conn *conns;
static long n_connected, n_connect_err, n_fail, n_stalled, n_mismatch, n_eof, n_reset;
static int last_errno;

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Returns the last error as one word ("Connection_refused"), so the
 * key=value output stays one token per pair. */
static const char *last_error_text(void)
{
	static char buf[128];
	if (!last_errno)
		return "none";
	snprintf(buf, sizeof(buf), "%s", strerror(last_errno));
	for (char *p = buf; *p; p++)
		if (*p == ' ')
			*p = '_';
	return buf;
}

__attribute__((noreturn)) static void die_usage(const char *why)
{
	fprintf(stderr,
	        "loadgen: %s\n"
	        "usage: loadgen MODE HOST PORT [-c CONNS] [-m MSG] [-t SECS] [-n ROUNDS]\n"
	        "               [-w WINDOW] [-s SIZE] [-d HEX] [-T CONNECT_SECS] [-C CONNECTING]\n"
	        "MODE: tcp udp vanish rst half noread\n",
	        why);
	exit(2);
}

static long num(const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		die_usage("bad number");
	return v;
}

static double secs_arg(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || v < 0 || v > 86400)
		die_usage("bad seconds");
	return v;
}

static void parse_hex(const char *s)
{
	size_t n = strlen(s);
	if (n % 2 || n / 2 > sizeof(opt.data))
		die_usage("bad -d HEX");
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			die_usage("bad -d HEX");
		opt.data[i] = (uint8_t)v;
	}
	opt.data_len = n / 2;
}

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			perror("loadgen: setrlimit");
	}
}

static void ep_set(struct conn *c, uint32_t ev, int op)
{
	struct epoll_event e = {.events = ev, .data.ptr = c};
	if (epoll_ctl(ep, op, c->fd, &e) < 0) {
		perror("loadgen: epoll_ctl");
		exit(1);
	}
}

static void conn_end(struct conn *c, enum state st, int rst)
{
	if (c->fd >= 0) {
		if (rst) {
			struct linger lg = {.l_onoff = 1, .l_linger = 0};
			if (setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
				perror("loadgen: SO_LINGER");
		}
		close(c->fd); /* also removes it from the epoll set */
	}
	c->fd = -1;
	c->st = st;
}

static void fail(struct conn *c, long *counter, int err)
{
	(*counter)++;
	n_fail++;
	if (err)
		last_errno = err;
	conn_end(c, ST_FAILED, 0);
}

/* Starts a non-blocking connect. Returns 0 or -1 (counted). */
static int start_connect(struct conn *c)
{
	int fd = socket(opt.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		last_errno = errno;
		n_connect_err++;
		c->st = ST_FAILED;
		return -1;
	}
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		perror("loadgen: TCP_NODELAY");
	/* We close first, so our ports sit in TIME_WAIT for a minute: with
	 * SO_REUSEADDR those do not stop servers (which set it too) from
	 * binding the same port numbers meanwhile. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		perror("loadgen: SO_REUSEADDR");
	c->fd = fd;
	c->t_start = now_us();
	if (connect(fd, (struct sockaddr *)&opt.addr, opt.addrlen) < 0 && errno != EINPROGRESS) {
		last_errno = errno;
		n_connect_err++;
		conn_end(c, ST_FAILED, 0);
		return -1;
	}
	c->st = ST_CONNECTING;
	ep_set(c, EPOLLOUT, EPOLL_CTL_ADD);
	return 0;
}

/* Opens every connection, at most connecting_max at a time. Returns the
 * seconds it took. */
static double connect_all(void)
{
	struct epoll_event ev[EVENTS];
	long next = 0, inflight = 0;
	int64_t t0 = now_us();
	int64_t deadline = t0 + (int64_t)(opt.connect_timeout * 1e6);
	while (next < opt.conns || inflight > 0) {
		while (next < opt.conns && inflight < opt.connecting_max) {
			if (start_connect(&conns[next]) == 0)
				inflight++;
			next++;
		}
		int64_t left = (deadline - now_us()) / 1000;
		if (left <= 0)
			break;
		int n = epoll_wait(ep, ev, EVENTS, left > 100 ? 100 : (int)left);
		if (n < 0 && errno != EINTR) {
			perror("loadgen: epoll_wait");
			exit(1);
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;
			if (c->st != ST_CONNECTING)
				continue;
			int err = 0;
			socklen_t sl = sizeof(err);
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
				err = errno;
			inflight--;
			if (err) {
				last_errno = err;
				n_connect_err++;
				conn_end(c, ST_FAILED, 0);
				continue;
			}
			c->st = ST_OPEN;
			n_connected++;
			ep_set(c, 0, EPOLL_CTL_MOD);
		}
	}
	for (long i = 0; i < opt.conns; i++) {
		if (conns[i].st == ST_CONNECTING || conns[i].st == ST_IDLE) {
			/* still connecting, or never started, at the deadline */
			last_errno = ETIMEDOUT;
			n_connect_err++;
			conn_end(&conns[i], ST_FAILED, 0);
		}
	}
	return (double)(now_us() - t0) / 1e6;
}

/* ---- tcp ping-pong ---------------------------------------------------- */

static void next_message(struct conn *c)
{
	c->off = (uint32_t)((c->id * 7u + (uint32_t)c->rounds * 13u) & 0xffu);
	c->sent = c->got = 0;
}

/* Sends the rest of the current message. Returns 0, or -1 when the
 * connection failed. */
static int pp_send(struct conn *c)
{
	while (c->sent < (uint32_t)opt.msg) {
		ssize_t k = send(c->fd, pattern + c->off + c->sent, (size_t)opt.msg - c->sent,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			fail(c, &n_reset, errno);
			return -1;
		}
		c->sent += (uint32_t)k;
	}
	ep_set(c, c->sent < (uint32_t)opt.msg ? EPOLLIN | EPOLLOUT : EPOLLIN, EPOLL_CTL_MOD);
	return 0;
}

static int run_tcp(void)
{
	static uint8_t rx[MAX_MSG];
	struct epoll_event ev[EVENTS];
	double csecs = connect_all();
	int64_t t0 = now_us();
	int64_t end = opt.secs > 0 ? t0 + (int64_t)(opt.secs * 1e6) : INT64_MAX;
	/* Rounds still in flight at the end get a grace period, then count as
	 * stalled. */
	int64_t grace = 5000000 + (opt.secs > 0 ? 0 : 600000000);
	long active = 0;
	uint64_t total = 0, in_time = 0;
	for (long i = 0; i < opt.conns; i++) {
		struct conn *c = &conns[i];
		if (c->st != ST_OPEN)
			continue;
		next_message(c);
		if (pp_send(c) == 0)
			active++;
	}
	int64_t t_end = 0;
	while (active > 0) {
		int64_t now = now_us();
		if (now >= end + grace)
			break;
		int n = epoll_wait(ep, ev, EVENTS, 100);
		if (n < 0 && errno != EINTR) {
			perror("loadgen: epoll_wait");
			exit(1);
		}
		now = now_us();
		for (int i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;
			if (c->st != ST_OPEN)
				continue;
			if ((ev[i].events & EPOLLOUT) && c->sent < (uint32_t)opt.msg) {
				if (pp_send(c) < 0) {
					active--;
					continue;
				}
			}
			if (!(ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
				continue;
			ssize_t k = recv(c->fd, rx, (size_t)opt.msg - c->got, 0);
			if (k < 0) {
				if (errno == EINTR || errno == EAGAIN)
					continue;
				fail(c, &n_reset, errno);
				active--;
				continue;
			}
			if (k == 0) {
				fail(c, &n_eof, 0);
				active--;
				continue;
			}
			if (memcmp(rx, pattern + c->off + c->got, (size_t)k) != 0 ||
			    c->got + (uint32_t)k > c->sent) {
				fail(c, &n_mismatch, 0);
				active--;
				continue;
			}
			c->got += (uint32_t)k;
			if (c->got < (uint32_t)opt.msg)
				continue;
			c->rounds++;
			total++;
			if (now <= end)
				in_time++;
			if (now > end || (opt.rounds > 0 && c->rounds >= (uint64_t)opt.rounds)) {
				conn_end(c, ST_DONE, 0);
				active--;
				continue;
			}
			next_message(c);
			if (pp_send(c) < 0)
				active--;
		}
		if (t_end == 0 && now >= end)
			t_end = now;
	}
	double secs = (double)((t_end && opt.secs > 0 ? t_end : now_us()) - t0) / 1e6;
	if (opt.secs > 0 && secs > opt.secs)
		secs = opt.secs;
	uint64_t mn = UINT64_MAX, mx = 0;
	long open_at_end = 0;
	for (long i = 0; i < opt.conns; i++) {
		struct conn *c = &conns[i];
		if (c->st == ST_OPEN) {
			n_stalled++;
			n_fail++;
			conn_end(c, ST_FAILED, 0);
		}
		if (c->st == ST_DONE) {
			open_at_end++;
			if (c->rounds < mn)
				mn = c->rounds;
			if (c->rounds > mx)
				mx = c->rounds;
		}
	}
	if (mn == UINT64_MAX)
		mn = 0;
	uint64_t counted = opt.secs > 0 ? in_time : total;
	printf("mode=tcp conns=%ld connected=%ld connect_errors=%ld failures=%ld stalled=%ld "
	       "mismatch=%ld eof=%ld reset=%ld completed=%ld rounds=%llu secs=%.3f rtps=%.0f "
	       "min_rounds=%llu max_rounds=%llu connect_secs=%.3f last_error=%s\n",
	       opt.conns, n_connected, n_connect_err, n_fail, n_stalled, n_mismatch, n_eof, n_reset,
	       open_at_end, (unsigned long long)counted, secs,
	       secs > 0 ? (double)counted / secs : 0.0, (unsigned long long)mn,
	       (unsigned long long)mx, csecs, last_error_text());
	fflush(stdout);
	return n_fail || n_connect_err ? 1 : 0;
}

/* ---- udp -------------------------------------------------------------- */

/* Sends k datagrams of size bytes from buf (slots of size + 1) on the
 * connected socket fd: as one UDP_SEGMENT (GSO) send when the kernel takes
 * it, else with sendmmsg, so the client costs little next to the server it
 * measures. Returns how many went out; failures are counted in *errors. */
static long udp_send_k(int fd, uint8_t *buf, size_t size, long k, uint64_t *errors)
{
	static struct mmsghdr msgs[UDP_WIN_MAX];
	static struct iovec iov[UDP_WIN_MAX];
	static int gso = 1;
	for (long j = 0; j < k; j++) {
		iov[j].iov_base = buf + (size_t)j * (size + 1);
		iov[j].iov_len = size;
	}
	long done = 0;
	while (gso && k - done > 1 && size > 0) {
		long n = k - done;
		if (n > 64)
			n = 64;
		if ((size_t)n * size > 65000)
			n = (long)(65000 / size);
		if (n < 2)
			break;
		union {
			char b[CMSG_SPACE(sizeof(uint16_t))];
			struct cmsghdr align;
		} cbuf;
		struct msghdr h = {.msg_iov = iov + done,
		                   .msg_iovlen = (size_t)n,
		                   .msg_control = cbuf.b,
		                   .msg_controllen = sizeof(cbuf.b)};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&h);
		uint16_t seg = (uint16_t)size;
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(seg));
		memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
		if (sendmsg(fd, &h, 0) < 0) {
			if (errno == EINTR)
				continue;
			gso = 0; /* not supported here: sendmmsg from now on */
			break;
		}
		done += n;
	}
	for (long j = done; j < k; j++) {
		memset(&msgs[j].msg_hdr, 0, sizeof(msgs[j].msg_hdr));
		msgs[j].msg_hdr.msg_iov = &iov[j];
		msgs[j].msg_hdr.msg_iovlen = 1;
	}
	while (done < k) {
		int s = sendmmsg(fd, msgs + done, (unsigned)(k - done), 0);
		if (s < 0) {
			if (errno == EINTR)
				continue;
			(*errors)++;
			last_errno = errno;
			break;
		}
		done += s;
	}
	return done;
}

static int run_udp(void)
{
	static struct mmsghdr msgs[UDP_WIN_MAX];
	static struct iovec iov[UDP_WIN_MAX];
	size_t size = (size_t)opt.dsize;
	long win = opt.window;
	uint8_t *buf = calloc((size_t)win, size + 1);
	if (!buf) {
		perror("loadgen");
		return 1;
	}
	int fd = socket(opt.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&opt.addr, opt.addrlen) < 0) {
		perror("loadgen: udp socket");
		return 1;
	}
	int bufsz = 4 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz)) < 0)
		perror("loadgen: SO_RCVBUF");
	uint64_t rounds = 0, lost = 0, errors = 0, bad = 0;
	long inflight = 0;
	int64_t t0 = now_us(), end = t0 + (int64_t)(opt.secs * 1e6);
	int64_t last_rx = t0;
	for (long i = 0; i < win; i++)
		memset(buf + (size_t)i * (size + 1), 'a' + (int)(i % 26), size);
	inflight += udp_send_k(fd, buf, size, win, &errors);
	for (;;) {
		int64_t now = now_us();
		if (now >= end)
			break;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = poll(&pfd, 1, 100);
		if (pr < 0 && errno != EINTR)
			break;
		now = now_us();
		if (pr <= 0) {
			if (now - last_rx >= 100000) {
				/* Nothing back for 100 ms: the window was lost. */
				lost += (uint64_t)inflight;
				inflight = 0;
				last_rx = now;
				inflight += udp_send_k(fd, buf, size, win, &errors);
			}
			continue;
		}
		for (long j = 0; j < win; j++) {
			iov[j].iov_base = buf + (size_t)j * (size + 1);
			iov[j].iov_len = size + 1;
			memset(&msgs[j].msg_hdr, 0, sizeof(msgs[j].msg_hdr));
			msgs[j].msg_hdr.msg_iov = &iov[j];
			msgs[j].msg_hdr.msg_iovlen = 1;
		}
		int n = recvmmsg(fd, msgs, (unsigned)win, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				errors++;
				last_errno = errno;
				if (errors > 1000)
					break;
				usleep(10000);
			}
			continue;
		}
		last_rx = now;
		for (int j = 0; j < n; j++)
			if (msgs[j].msg_len != size)
				bad++;
		rounds += (uint64_t)n;
		inflight -= n;
		if (inflight < 0)
			inflight = 0;
		long refill = win - inflight;
		if (refill > n)
			refill = n;
		inflight += udp_send_k(fd, buf, size, refill, &errors);
	}
	double secs = (double)(now_us() - t0) / 1e6;
	printf("mode=udp window=%ld size=%ld rounds=%llu secs=%.3f rtps=%.0f lost=%llu errors=%llu "
	       "bad=%llu last_error=%s\n",
	       win, opt.dsize, (unsigned long long)rounds, secs, (double)rounds / secs,
	       (unsigned long long)lost, (unsigned long long)errors, (unsigned long long)bad,
	       last_error_text());
	fflush(stdout);
	close(fd);
	free(buf);
	return rounds > 0 && !bad ? 0 : 1;
}

/* ---- misbehaving clients ----------------------------------------------- */

static void sleep_secs(double s)
{
	int64_t end = now_us() + (int64_t)(s * 1e6);
	for (;;) {
		int64_t left = end - now_us();
		if (left <= 0)
			break;
		struct timespec ts = {.tv_sec = left / 1000000, .tv_nsec = (left % 1000000) * 1000};
		nanosleep(&ts, NULL);
	}
}

static int run_misbehave(void)
{
	double csecs = connect_all();
	uint64_t sent = 0;
	long stalled = 0;
	const char *m = opt.mode;
	if (!strcmp(m, "vanish")) {
		for (long i = 0; i < opt.conns; i++)
			if (conns[i].st == ST_OPEN)
				conn_end(&conns[i], ST_DONE, 0);
	} else if (!strcmp(m, "rst") || !strcmp(m, "half")) {
		const uint8_t *d = opt.data_len ? opt.data : (const uint8_t *)"hello";
		size_t dl = opt.data_len ? opt.data_len : 5;
		for (long i = 0; i < opt.conns; i++) {
			struct conn *c = &conns[i];
			if (c->st != ST_OPEN)
				continue;
			ssize_t k = send(c->fd, d, dl, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k > 0)
				sent += (uint64_t)k;
			if (!strcmp(m, "rst"))
				conn_end(c, ST_DONE, 1);
		}
		if (!strcmp(m, "half")) {
			sleep_secs(opt.secs);
			for (long i = 0; i < opt.conns; i++)
				if (conns[i].st == ST_OPEN)
					conn_end(&conns[i], ST_DONE, 0);
		}
	} else { /* noread: write, never read */
		int64_t end = now_us() + (int64_t)(opt.secs * 1e6);
		int64_t last_progress = now_us();
		while (now_us() < end) {
			int progress = 0;
			for (long i = 0; i < opt.conns; i++) {
				struct conn *c = &conns[i];
				if (c->st != ST_OPEN)
					continue;
				ssize_t k =
				    send(c->fd, pattern, 65536, MSG_NOSIGNAL | MSG_DONTWAIT);
				if (k > 0) {
					sent += (uint64_t)k;
					progress = 1;
				} else if (k < 0 && errno != EAGAIN && errno != EINTR) {
					fail(c, &n_reset, errno);
				}
			}
			if (progress)
				last_progress = now_us();
			else
				usleep(20000);
		}
		stalled = now_us() - last_progress > 300000;
		for (long i = 0; i < opt.conns; i++)
			if (conns[i].st == ST_OPEN)
				conn_end(&conns[i], ST_DONE, 1);
	}
	printf("mode=%s conns=%ld connected=%ld connect_errors=%ld failures=%ld sent=%llu "
	       "stalled=%ld connect_secs=%.3f last_error=%s\n",
	       m, opt.conns, n_connected, n_connect_err, n_fail, (unsigned long long)sent, stalled,
	       csecs, last_error_text());
	fflush(stdout);
	return n_connect_err || n_fail ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		die_usage("missing arguments");
	opt.mode = argv[1];
	const char *host = argv[2], *port = argv[3];
	int c;
	optind = 4;
	while ((c = getopt(argc, argv, "c:m:t:n:w:s:d:T:C:")) != -1) {
		switch (c) {
		case 'c': opt.conns = num(optarg, 1, MAX_CONNS); break;
		case 'm': opt.msg = num(optarg, 1, MAX_MSG); break;
		case 't': opt.secs = secs_arg(optarg); break;
		case 'n': opt.rounds = num(optarg, 0, 1000000000); break;
		case 'w': opt.window = num(optarg, 1, UDP_WIN_MAX); break;
		case 's': opt.dsize = num(optarg, 1, 65000); break;
		case 'd': parse_hex(optarg); break;
		case 'T': opt.connect_timeout = secs_arg(optarg); break;
		case 'C': opt.connecting_max = num(optarg, 1, MAX_CONNS); break;
		default: die_usage("bad option");
		}
	}
	struct addrinfo hints, *res;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	int g = getaddrinfo(host, port, &hints, &res);
	if (g != 0) {
		fprintf(stderr, "loadgen: %s %s: %s\n", host, port, gai_strerror(g));
		return 2;
	}
	memcpy(&opt.addr, res->ai_addr, res->ai_addrlen);
	opt.addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	raise_nofile();
	pattern = malloc(MAX_MSG + 256);
	conns = calloc((size_t)opt.conns, sizeof(*conns));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!pattern || !conns || ep < 0) {
		perror("loadgen");
		return 1;
	}
	for (size_t i = 0; i < MAX_MSG + 256; i++)
		pattern[i] = (uint8_t)i;
	for (long i = 0; i < opt.conns; i++) {
		conns[i].fd = -1;
		conns[i].id = (uint32_t)i;
	}
	int rc;
	if (!strcmp(opt.mode, "tcp"))
		rc = run_tcp();
	else if (!strcmp(opt.mode, "udp"))
		rc = run_udp();
	else if (!strcmp(opt.mode, "vanish") || !strcmp(opt.mode, "rst") ||
	         !strcmp(opt.mode, "half") || !strcmp(opt.mode, "noread"))
		rc = run_misbehave();
	else
		die_usage("unknown mode");
	free(pattern);
	free(conns);
	close(ep);
	return rc;
}
