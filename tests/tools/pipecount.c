/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pipecount: reads stdin to its end and prints how many bytes it held, for
 * the relay benchmark (bench/relay.sh), which must count what a server
 * received rather than trust it. When stdin is a pipe the bytes are moved to
 * /dev/null with splice(2), so counting costs almost nothing; otherwise they
 * are read(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 20)

/* Moves stdin (a pipe) to /dev/null. Returns the byte count, or -1 when
 * splice is refused before the first byte (then read(2) takes over). */
static int64_t by_splice(void)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0)
		return -1;
	int64_t total = 0;
	for (;;) {
		ssize_t n = splice(0, NULL, null, NULL, CHUNK, SPLICE_F_MOVE);
		if (n > 0) {
			total += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && total == 0) {
			close(null);
			return -1;
		}
		break; /* end of input (or an error after some bytes: stop there) */
	}
	close(null);
	return total;
}

static int64_t by_read(void)
{
	static char buf[CHUNK];
	int64_t total = 0;
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n > 0)
			total += n;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			return total;
	}
}

int main(void)
{
	struct stat st;
	int64_t total = -1;
	if (fstat(0, &st) == 0 && S_ISFIFO(st.st_mode)) {
		(void)fcntl(0, F_SETPIPE_SZ, (int)CHUNK);
		total = by_splice();
	}
	if (total < 0)
		total = by_read();
	printf("%" PRId64 "\n", total);
	return 0;
}
