/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udpblast: sends UDP datagrams to 127.0.0.1 as fast as sendmmsg allows for
 * a number of seconds, then prints the rate, for the live-capture benchmark
 * (bench/live.sh). It binds its own receiving socket on the target port and
 * never reads it, so the datagrams are dropped at that socket instead of
 * drawing ICMP port unreachable messages. Usage:
 *   udpblast [-t SECONDS] [-s PAYLOAD_BYTES] [-b BATCH] [-p PORT]
 * Prints "udpblast: N packets in S s, R packets/s" on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX 1024

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long arg(const char *s, long lo, long hi, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi) {
		fprintf(stderr, "udpblast: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long secs = 10, size = 64, batch = 64, port = 0;
	int opt;
	while ((opt = getopt(argc, argv, "t:s:b:p:h")) != -1) {
		switch (opt) {
		case 't': secs = arg(optarg, 1, 3600, "seconds"); break;
		case 's': size = arg(optarg, 0, 65000, "size"); break;
		case 'b': batch = arg(optarg, 1, BATCH_MAX, "batch"); break;
		case 'p': port = arg(optarg, 0, 65535, "port"); break;
		default:
			fprintf(stderr,
			        "usage: udpblast [-t SECONDS] [-s BYTES] [-b BATCH] [-p PORT]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rx < 0 || tx < 0) {
		perror("udpblast: socket");
		return 1;
	}
	int small = 4096;
	if (setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) < 0) {
		perror("udpblast: SO_RCVBUF");
		return 1;
	}
	socklen_t sl = sizeof(sin);
	if (bind(rx, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(rx, (struct sockaddr *)&sin, &sl) < 0) {
		perror("udpblast: bind");
		return 1;
	}
	if (connect(tx, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("udpblast: connect");
		return 1;
	}
	static char payload[65000];
	memset(payload, 'b', sizeof(payload));
	static struct mmsghdr msgs[BATCH_MAX];
	static struct iovec iov[BATCH_MAX];
	for (long i = 0; i < batch; i++) {
		iov[i].iov_base = payload;
		iov[i].iov_len = (size_t)size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned long long sent = 0;
	double t0 = now(), end = t0 + (double)secs, t;
	do {
		int k = sendmmsg(tx, msgs, (unsigned)batch, 0);
		if (k < 0) {
			if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN ||
			    errno == ECONNREFUSED)
				continue;
			perror("udpblast: sendmmsg");
			return 1;
		}
		sent += (unsigned)k;
	} while ((t = now()) < end);
	printf("udpblast: %llu packets in %.2f s, %.0f packets/s (port %u)\n", sent, t - t0,
	       (double)sent / (t - t0), (unsigned)ntohs(sin.sin_port));
	return 0;
}
