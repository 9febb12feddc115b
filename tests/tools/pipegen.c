/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pipegen SIZE: writes SIZE bytes (k/M/G suffixes, powers of 1024) of a fixed
 * pattern to stdout as fast as the kernel allows, so that benchmarks of the
 * relay (bench/relay.sh) measure the relay and not the program feeding it.
 * When stdout is a pipe it uses vmsplice(2) from one constant 1 MiB buffer
 * (the pages are never modified, so the pipe may keep references to them);
 * otherwise write(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHUNK (1u << 20)

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	uint64_t mul = 1;
	switch (*end) {
	case 0: break;
	case 'k':
	case 'K':
		mul = 1024;
		end++;
		break;
	case 'm':
	case 'M':
		mul = 1024 * 1024;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1024ull * 1024 * 1024;
		end++;
		break;
	default: return -1;
	}
	if (*end)
		return -1;
	*out = (uint64_t)v * mul;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t left;
	if (argc != 2 || parse_size(argv[1], &left) < 0) {
		fprintf(stderr, "usage: pipegen SIZE   (e.g. 4G)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	static uint8_t buf[CHUNK] __attribute__((aligned(4096)));
	for (size_t i = 0; i < CHUNK; i++)
		buf[i] = (uint8_t)(i * 131u + (i >> 12));
	struct stat st;
	int is_pipe = fstat(1, &st) == 0 && S_ISFIFO(st.st_mode);
	if (is_pipe)
		(void)fcntl(1, F_SETPIPE_SZ, (int)CHUNK);
	while (left > 0) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;
		ssize_t w;
		if (is_pipe) {
			struct iovec iov = {buf, n};
			w = vmsplice(1, &iov, 1, 0);
			if (w < 0 && errno == EINVAL) {
				is_pipe = 0;
				continue;
			}
		} else {
			w = write(1, buf, n);
		}
		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror("pipegen");
			return 1;
		}
		left -= (uint64_t)w;
	}
	return 0;
}
