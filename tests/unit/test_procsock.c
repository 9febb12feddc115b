/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of src/core/procsock.c: /proc/net/{tcp,tcp6,udp,udp6} lines
 * (normal, IPv6, IPv4-mapped, malformed and truncated at every length), the
 * filter text, and the live lookup of this process's own sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "t.h"
#include "wire/err.h"
#include "wire/procsock.h"
#include "wire/ptrace.h"

static const char L4[] = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
                         "00000000     0        0 35 1 0000000050ed1b5f 100 0 0 10 0\n";
static const char L4C[] = "  12: 0100007F:9C40 0100007F:138D 01 00000000:00000000 00:00000000 "
                          "00000000  1000        0 123456 1 0000000000000000 20 4 30 10 -1\n";
static const char L6[] = "   1: 00000000000000000000000001000000:0035 "
                         "00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 "
                         "00000000     0        0 4242 2 0000000000000000 0\n";
static const char L6M[] = "   2: 0000000000000000FFFF00000100007F:1F90 "
                          "0000000000000000FFFF00000100007F:A000 01 00000000:00000000 00:00000000 "
                          "00000000     0        0 777 1 0000000000000000 20 4 30 10 -1\n";
static const char HDR[] = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
                          "retrnsmt   uid  timeout inode\n";

static int little_endian(void)
{
	uint16_t x = 1;
	return *(uint8_t *)&x == 1;
}

static void test_lines(void)
{
	struct wire_procsock e;
	uint8_t lo[4] = {127, 0, 0, 1};
	CHECK_INT(wire_procsock_parse_line(L4, strlen(L4), AF_INET, IPPROTO_TCP, &e), 1);
	CHECK_INT(e.lport, 8080);
	CHECK_INT(e.rport, 0);
	CHECK_INT(e.state, 0x0a);
	CHECK_INT(e.inode, 35);
	CHECK_INT(e.family, AF_INET);
	CHECK_INT(e.proto, IPPROTO_TCP);
	if (little_endian())
		CHECK(!memcmp(e.local, lo, 4));

	CHECK_INT(wire_procsock_parse_line(L4C, strlen(L4C), AF_INET, IPPROTO_TCP, &e), 1);
	CHECK_INT(e.lport, 40000);
	CHECK_INT(e.rport, 5005);
	CHECK_INT(e.state, 1);
	CHECK_INT(e.inode, 123456);

	CHECK_INT(wire_procsock_parse_line(L6, strlen(L6), AF_INET6, IPPROTO_UDP, &e), 1);
	CHECK_INT(e.family, AF_INET6);
	CHECK_INT(e.lport, 53);
	CHECK_INT(e.inode, 4242);
	if (little_endian()) {
		struct in6_addr one = IN6ADDR_LOOPBACK_INIT;
		CHECK(!memcmp(e.local, &one, 16));
	}

	CHECK_INT(wire_procsock_parse_line(L6M, strlen(L6M), AF_INET6, IPPROTO_TCP, &e), 1);
	if (little_endian()) {
		CHECK_INT(e.family, AF_INET); /* IPv4-mapped becomes IPv4 */
		CHECK(!memcmp(e.local, lo, 4));
		CHECK(!memcmp(e.remote, lo, 4));
	}
	CHECK_INT(e.rport, 0xa000);

	/* header and malformed lines */
	CHECK_INT(wire_procsock_parse_line(HDR, strlen(HDR), AF_INET, IPPROTO_TCP, &e), 0);
	static const char *const bad[] = {
	    "",
	    "\n",
	    "   0:",
	    "   0: 0100007F:1F90",
	    "   0: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 35",
	    "   0: 0100007F1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 35",
	    "   0: 0100007F:1F9 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 35",
	    "   0: 0100007F:1F90X 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 35",
	    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0",
	    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 x5",
	    ("   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 "
	     "99999999999999999999999"),
	    "x: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 35",
	    "   0: 0100007F:1F90 00000000:0000 ZZ 00000000:00000000 00:00000000 00000000 0 0 35",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(
		    wire_procsock_parse_line(bad[i], strlen(bad[i]), AF_INET, IPPROTO_TCP, &e), 0);
	/* an IPv4 line read as IPv6 is malformed */
	CHECK_INT(wire_procsock_parse_line(L4, strlen(L4), AF_INET6, IPPROTO_TCP, &e), 0);
}

/* Every truncation of a good line: no over-read (ASan), and a parse either
 * fails or stops at a complete inode. */
static void test_truncations(void)
{
	const char *lines[] = {L4, L4C, L6, L6M};
	int fams[] = {AF_INET, AF_INET, AF_INET6, AF_INET6};
	for (size_t k = 0; k < 4; k++) {
		size_t n = strlen(lines[k]);
		for (size_t cut = 0; cut < n; cut++) {
			char *copy = malloc(cut ? cut : 1);
			struct wire_procsock e;
			memcpy(copy, lines[k], cut);
			int r = wire_procsock_parse_line(copy, cut, fams[k], IPPROTO_TCP, &e);
			CHECK(r == 0 || r == 1);
			if (r == 1)
				CHECK(e.inode != 0);
			free(copy);
		}
	}
}

static void test_filter_text(void)
{
	struct wire_procsock s[4];
	char buf[512];
	memset(s, 0, sizeof(s));
	/* a listener on every address, the same on IPv6, a connected socket */
	s[0].family = AF_INET;
	s[0].proto = IPPROTO_TCP;
	s[0].lport = 5005;
	s[1] = s[0];
	s[1].family = AF_INET6;
	s[2].family = AF_INET;
	s[2].proto = IPPROTO_UDP;
	s[2].lport = 40000;
	s[2].rport = 53;
	memcpy(s[2].local, (uint8_t[4]){127, 0, 0, 1}, 4);
	memcpy(s[2].remote, (uint8_t[4]){127, 0, 0, 53}, 4);
	s[3].family = AF_INET;
	s[3].proto = IPPROTO_UDP; /* unbound: nothing to match */
	int n = wire_procsock_filter_text(s, 4, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK_STR(buf, "(tcp and port 5005) or (udp and host 127.0.0.1 and port 40000 and host "
	               "127.0.0.53 and port 53)");
	n = wire_procsock_filter_text(s, 0, buf, sizeof(buf));
	CHECK_STR(buf, "tcp port 0");
	CHECK_INT(wire_procsock_filter_text(s, 4, buf, 20), WIRE_E_TOOBIG);
}

static void test_live(void)
{
	char buf[WIRE_PROCSOCK_FILTER_MAX], want[64];
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(listen(fd, 1) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&a, &al) == 0);
	snprintf(want, sizeof(want), "(tcp and host 127.0.0.1 and port %u)", ntohs(a.sin_port));

	struct wire_procsock_watch w;
	wire_procsock_watch_init(&w, getpid(), 0);
	CHECK_INT(wire_procsock_poll(&w, buf, sizeof(buf)), 1);
	CHECK(strstr(buf, want) != NULL);
	CHECK_INT(wire_procsock_poll(&w, buf, sizeof(buf)), 0);

	/* a new socket changes the filter */
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in b = a;
	b.sin_port = 0;
	CHECK(bind(u, (struct sockaddr *)&b, sizeof(b)) == 0);
	CHECK_INT(wire_procsock_poll(&w, buf, sizeof(buf)), 1);
	CHECK(strstr(buf, "(udp and host 127.0.0.1 and port ") != NULL);
	close(u);
	CHECK_INT(wire_procsock_poll(&w, buf, sizeof(buf)), 1);
	CHECK(strstr(buf, "udp") == NULL);

	int pids[4];
	int k = wire_procsock_port_pids(ntohs(a.sin_port), pids, 4);
	CHECK(k >= 1);
	int found = 0;
	for (int i = 0; i < k; i++)
		found |= pids[i] == getpid();
	CHECK(found);

	struct wire_procsock_watch pw;
	wire_procsock_watch_init(&pw, 0, ntohs(a.sin_port));
	CHECK_INT(wire_procsock_poll(&pw, buf, sizeof(buf)), 1);
	CHECK(strstr(buf, want) != NULL);

	/* a pid that does not exist */
	struct wire_procsock_watch gw;
	wire_procsock_watch_init(&gw, 0x7ffffff0, 0);
	CHECK_INT(wire_procsock_poll(&gw, buf, sizeof(buf)), -ESRCH);
	CHECK_INT(gw.gone, 1);
	close(fd);
}

/* The inode of one of our sockets, and whether another descriptor holds it
 * (a dup), as the tracer asks when a shared socket's copy is closed. */
static void test_holds(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t ino = 0, ino2 = 0;
	CHECK(s >= 0);
	CHECK_INT(wire_procsock_fd_inode(getpid(), s, &ino), 0);
	CHECK(ino != 0);
	CHECK_INT(wire_procsock_holds(getpid(), ino, s, 4096), 0);
	int d = dup(s);
	CHECK(d >= 0);
	CHECK_INT(wire_procsock_fd_inode(getpid(), d, &ino2), 0);
	CHECK(ino2 == ino);
	CHECK_INT(wire_procsock_holds(getpid(), ino, s, 4096), 1);
	CHECK_INT(wire_procsock_holds(getpid(), ino, d, 4096), 1);
	CHECK_INT(wire_procsock_holds(getpid(), ino, -1, 0), -E2BIG);
	close(d);
	CHECK_INT(wire_procsock_holds(getpid(), ino, s, 4096), 0);
	int pp[2];
	CHECK_INT(pipe(pp), 0);
	CHECK_INT(wire_procsock_fd_inode(getpid(), pp[0], &ino2), -ENOTSOCK);
	close(pp[0]);
	close(pp[1]);
	CHECK_INT(wire_procsock_fd_inode(getpid(), 1 << 20, &ino2), -ENOENT);
	CHECK_INT(wire_procsock_fd_inode(-1, s, &ino2), -ESRCH);
	close(s);
}

/* The /proc texts the tracer reads to keep next to the program
 * (src/core/ptrace_pin.c): the CPU field of stat, counted from the last ')'
 * (a program may name itself "a) b c"), and schedstat's fields. */
static void test_stat_texts(void)
{
	char live[512];
	FILE *f = fopen("/proc/thread-self/stat", "r");
	size_t n = f ? fread(live, 1, sizeof(live) - 1, f) : 0;
	if (f)
		fclose(f);
	live[n] = '\0';
	CHECK(n > 0 && wire_pt_stat_cpu(live) >= 0);
	static const char odd[] = "42 (a) 1 2 3) S 1 42 42 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 1 0 "
	                          "77 1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 "
	                          "0 0 0 0";
	CHECK_INT(wire_pt_stat_cpu(odd), 3);
	CHECK_INT(wire_pt_stat_cpu("42 (x) S 1 2 3"), -1); /* too few fields */
	CHECK_INT(wire_pt_stat_cpu("no parenthesis at all"), -1);
	CHECK_INT(wire_pt_stat_cpu(""), -1);
	char big[300];
	size_t at = (size_t)snprintf(big, sizeof(big), "1 (x)");
	for (int i = 3; i < 39; i++)
		at += (size_t)snprintf(big + at, sizeof(big) - at, " 0");
	snprintf(big + at, sizeof(big) - at, " 99999999999999999999999");
	CHECK_INT(wire_pt_stat_cpu(big), -1); /* past CPU_SETSIZE */
	snprintf(big + at, sizeof(big) - at, " -1");
	CHECK_INT(wire_pt_stat_cpu(big), -1);
	snprintf(big + at, sizeof(big) - at, " 1");
	CHECK_INT(wire_pt_stat_cpu(big), 1);
	CHECK(wire_pt_schedstat("140868637 208973023 1009\n", 0) == 140868637ULL);
	CHECK(wire_pt_schedstat("140868637 208973023 1009\n", 1) == 208973023ULL);
	CHECK(wire_pt_schedstat("140868637 208973023 1009\n", 2) == 1009ULL);
	CHECK(wire_pt_schedstat("1 2", 3) == 0ULL);
	CHECK(wire_pt_schedstat("", 1) == 0ULL);
	CHECK(wire_pt_schedstat("99999999999999999999999999 1", 0) > 0ULL); /* stops, no overflow */
}

/* Our socket descriptors as the tracer learns them at an attach: sockets
 * only, a dup next to its original (sorted by inode), bounded by max and by
 * the entries scanned. */
static void test_fds(void)
{
	struct wire_procsock_fd f[64];
	int a = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int b = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int d = dup(a), pp[2];
	CHECK(a >= 0 && b >= 0 && d >= 0);
	CHECK_INT(pipe(pp), 0);
	int n = wire_procsock_fds(getpid(), f, 64, 4096), mine = 0, at_a = -1;
	CHECK(n >= 3); /* ours, and any socket the test runs with (stdio) */
	for (int i = 0; i < n; i++) {
		CHECK(f[i].fd != pp[0] && f[i].fd != pp[1]);
		mine += f[i].fd == a || f[i].fd == b || f[i].fd == d;
		if (i > 0)
			CHECK(f[i - 1].inode <= f[i].inode);
		if (f[i].fd == a)
			at_a = i;
	}
	CHECK_INT(mine, 3);
	CHECK(at_a >= 0 && at_a + 1 < n && f[at_a + 1].fd == d &&
	      f[at_a + 1].inode == f[at_a].inode);
	CHECK_INT(wire_procsock_fds(getpid(), f, 1, 4096), 1);
	CHECK_INT(wire_procsock_fds(getpid(), f, 64, 0), 0);
	CHECK_INT(wire_procsock_fds(-1, f, 64, 4096), -ESRCH);
	close(pp[0]);
	close(pp[1]);
	close(d);
	close(b);
	close(a);
}

int main(void)
{
	test_stat_texts();
	test_lines();
	test_truncations();
	test_filter_text();
	test_live();
	test_holds();
	test_fds();
	return T_END();
}
