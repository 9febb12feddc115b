/* SPDX-License-Identifier: BSD-2-Clause */
/* The socket call decoders of `wirecat trace`: addresses of every family,
 * short and hostile ones, names and flags, option values, data capping. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "t.h"
#include "wire/sysdec.h"

static void addresses(void)
{
	char s[WIRE_SD_TEXT_MAX];
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(5005)};
	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	CHECK_STR(wire_sd_sockaddr((uint8_t *)&in, sizeof(in), s, sizeof(s)), "127.0.0.1:5005");
	CHECK_STR(wire_sd_sockaddr((uint8_t *)&in, 6, s, sizeof(s)), "(bad address, 6 bytes)");
	CHECK_STR(wire_sd_sockaddr((uint8_t *)&in, 1, s, sizeof(s)), "(bad address, 1 bytes)");
	CHECK_STR(wire_sd_sockaddr(NULL, 16, s, sizeof(s)), "(bad address, 0 bytes)");
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(80)};
	inet_pton(AF_INET6, "::1", &in6.sin6_addr);
	CHECK_STR(wire_sd_sockaddr((uint8_t *)&in6, sizeof(in6), s, sizeof(s)), "[::1]:80");
	struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/tmp/x.sock"};
	CHECK_STR(wire_sd_sockaddr((uint8_t *)&un, sizeof(un), s, sizeof(s)), "unix:/tmp/x.sock");
	un.sun_path[0] = 0; /* abstract: "\0x.sock" up to the given length */
	memcpy(un.sun_path + 1, "ab\033c", 4);
	CHECK_STR(wire_sd_sockaddr((uint8_t *)&un, 2 + 5, s, sizeof(s)), "unix:@ab?c");
	CHECK_STR(wire_sd_sockaddr((uint8_t *)&un, 2, s, sizeof(s)), "unix:(unnamed)");
	struct sockaddr_ll ll = {
	    .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = 2};
	CHECK_STR(wire_sd_sockaddr((uint8_t *)&ll, sizeof(ll), s, sizeof(s)),
	          "packet(proto 0x0003, ifindex 2)");
	uint16_t odd = 4242;
	CHECK_STR(wire_sd_sockaddr((uint8_t *)&odd, 2, s, sizeof(s)), "family 4242");
	/* cut output: a NUL-terminated prefix */
	CHECK_STR(wire_sd_sockaddr((uint8_t *)&in, sizeof(in), s, 5), "127.");
}

static void names(void)
{
	char s[WIRE_SD_TEXT_MAX];
	CHECK_STR(wire_sd_family(AF_INET6, s, sizeof(s)), "AF_INET6");
	CHECK_STR(wire_sd_family(77, s, sizeof(s)), "AF_77");
	CHECK_STR(wire_sd_socktype(SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, s, sizeof(s)),
	          "SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC");
	CHECK_STR(wire_sd_socktype(0x100 | SOCK_STREAM, s, sizeof(s)), "SOCK_STREAM|0x100");
	CHECK_STR(wire_sd_proto(AF_INET, IPPROTO_TCP, s, sizeof(s)), "IPPROTO_TCP");
	CHECK_STR(wire_sd_proto(AF_INET, 0, s, sizeof(s)), "0");
	CHECK_STR(wire_sd_proto(AF_PACKET, htons(ETH_P_ALL), s, sizeof(s)), "ETH_P_ALL");
	CHECK_STR(wire_sd_sockopt(SOL_SOCKET, SO_REUSEADDR, s, sizeof(s)),
	          "SOL_SOCKET, SO_REUSEADDR");
	CHECK_STR(wire_sd_sockopt(IPPROTO_TCP, TCP_NODELAY, s, sizeof(s)),
	          "IPPROTO_TCP, TCP_NODELAY");
	CHECK_STR(wire_sd_sockopt(999, 12345, s, sizeof(s)), "999, 12345");
	CHECK_STR(wire_sd_msgflags(MSG_PEEK | MSG_DONTWAIT, s, sizeof(s)), "MSG_PEEK|MSG_DONTWAIT");
	CHECK_STR(wire_sd_msgflags(0, s, sizeof(s)), "0");
	CHECK_STR(wire_sd_msgflags(MSG_TRUNC | 0x10000000, s, sizeof(s)), "MSG_TRUNC|0x10000000");
	CHECK_STR(wire_sd_how(SHUT_WR, s, sizeof(s)), "SHUT_WR");
	CHECK_STR(wire_sd_how(7, s, sizeof(s)), "7");
	CHECK_STR(wire_sd_errname(ECONNREFUSED), "ECONNREFUSED");
	CHECK_STR(wire_sd_errname(EADDRINUSE), "EADDRINUSE");
	CHECK(wire_sd_errname(100000) == NULL);
	/* the one result format of every timeline (trace and --trace) */
	CHECK_STR(wire_sd_ret(6, 0, s, sizeof(s)), " = 6");
	CHECK_STR(wire_sd_ret(-1, ECONNREFUSED, s, sizeof(s)),
	          " = -1 ECONNREFUSED (Connection refused)");
	CHECK_STR(wire_sd_ret(-1, 4000, s, sizeof(s)), " = -1 errno 4000 (?)");
	CHECK_STR(wire_sd_ret(-1, ECONNREFUSED, s, 8), " = -1 E");
}

static void values(void)
{
	char s[WIRE_SD_TEXT_MAX];
	int32_t one = 1, lg[2] = {1, 5};
	CHECK_STR(wire_sd_optval(SOL_SOCKET, SO_REUSEADDR, (uint8_t *)&one, 4, s, sizeof(s)), "1");
	CHECK_STR(wire_sd_optval(SOL_SOCKET, SO_LINGER, (uint8_t *)lg, 8, s, sizeof(s)),
	          "{on, 5 s}");
	CHECK_STR(wire_sd_optval(SOL_SOCKET, SO_LINGER, (uint8_t *)lg, 4, s, sizeof(s)),
	          "<4 bytes>");
	CHECK_STR(wire_sd_optval(SOL_SOCKET, SO_REUSEADDR, NULL, 4, s, sizeof(s)), "<4 bytes>");
	static const uint8_t d[] = "hello\n\0world, this is longer than thirty-two bytes";
	CHECK_STR(wire_sd_data(d, 6, 6, s, sizeof(s)), "\"hello\n\"");
	CHECK_STR(wire_sd_data(d, 12, 12, s, sizeof(s)), "\"hello\n.world\"");
	CHECK_STR(wire_sd_data(d, 32, 100, s, sizeof(s)),
	          "\"hello\n.world, this is longer tha\"...");
	CHECK_STR(wire_sd_data(d, sizeof(d), sizeof(d), s, 6), "\"hel\"");
	CHECK_STR(wire_sd_data(d, 0, 0, s, sizeof(s)), "\"\"");
}

/* One cmsghdr as the x86_64 kernel lays it out, at b + off: its length,
 * level, type and k descriptors. Returns the next aligned offset. */
static size_t put_cmsg(uint8_t *b, size_t off, int level, int type, const int32_t *fd, size_t k)
{
	uint64_t len = 16 + 4 * k;
	memcpy(b + off, &len, 8);
	memcpy(b + off + 8, &level, 4);
	memcpy(b + off + 12, &type, 4);
	memcpy(b + off + 16, fd, 4 * k);
	return off + (size_t)((len + 7) & ~(uint64_t)7);
}

/* The SCM_RIGHTS walk of the tracer (a sendmsg's or recvmsg's control data,
 * read from the program): the descriptors of each SCM_RIGHTS header, other
 * headers skipped, nothing past a header that does not fit, at most max. */
static void scm_rights(void)
{
	uint8_t b[128];
	int32_t in[3] = {7, 9, 11}, out[8];
	memset(b, 0, sizeof(b));
	size_t n = put_cmsg(b, 0, SOL_IP, IP_TOS, in, 1);
	n = put_cmsg(b, n, SOL_SOCKET, SCM_RIGHTS, in, 3);
	n = put_cmsg(b, n, SOL_SOCKET, SCM_RIGHTS, in + 1, 1);
	CHECK_INT((int)wire_sd_scm_rights(b, n, out, 8), 4);
	CHECK_INT(out[0], 7);
	CHECK_INT(out[2], 11);
	CHECK_INT(out[3], 9);
	CHECK_INT((int)wire_sd_scm_rights(b, n, out, 2), 2);
	CHECK_INT((int)wire_sd_scm_rights(b, n - 5, out, 8), 3); /* the last is cut */
	CHECK_INT((int)wire_sd_scm_rights(b, 15, out, 8), 0);
	uint64_t huge = UINT64_MAX - 3;
	memcpy(b + 24, &huge, 8); /* the second header claims more than there is */
	CHECK_INT((int)wire_sd_scm_rights(b, n, out, 8), 0);
	uint64_t small = 8;
	memcpy(b, &small, 8); /* shorter than a header: the walk stops */
	CHECK_INT((int)wire_sd_scm_rights(b, n, out, 8), 0);
	CHECK_INT((int)wire_sd_scm_rights(NULL, 0, out, 8), 0);
}

/* Sets message i's control buffer in a struct mmsghdr vector at b. */
static void put_ctl(uint8_t *b, size_t i, uint64_t addr, uint64_t len)
{
	memcpy(b + i * WIRE_SD_MMSGHDR_SIZE + 32, &addr, 8);
	memcpy(b + i * WIRE_SD_MMSGHDR_SIZE + 40, &len, 8);
}

/* The control buffers of a sendmmsg/recvmmsg vector (and of a sendmsg's
 * msghdr): messages without one (NULL, or shorter than a cmsghdr) skipped,
 * at most count messages and max buffers, none from a cut msghdr. */
static void mmsg_controls(void)
{
	uint8_t b[4 * WIRE_SD_MMSGHDR_SIZE];
	struct wire_sd_ctl c[4];
	memset(b, 0, sizeof(b));
	put_ctl(b, 0, 0, 24);        /* no buffer */
	put_ctl(b, 1, 0x1000, 24);   /* one */
	put_ctl(b, 2, 0x2000, 15);   /* too short for a header */
	put_ctl(b, 3, 0x3000, 4096); /* another */
	CHECK_INT((int)wire_sd_mmsg_controls(b, sizeof(b), 4, c, 4), 2);
	CHECK(c[0].addr == 0x1000 && c[0].len == 24);
	CHECK(c[1].addr == 0x3000 && c[1].len == 4096);
	CHECK_INT((int)wire_sd_mmsg_controls(b, sizeof(b), 3, c, 4), 1);
	CHECK_INT((int)wire_sd_mmsg_controls(b, sizeof(b), 4, c, 1), 1);
	CHECK_INT((int)wire_sd_mmsg_controls(b, sizeof(b), SIZE_MAX, c, 4), 2);
	/* the last msghdr whole without its msg_len and padding; then cut */
	CHECK_INT(
	    (int)wire_sd_mmsg_controls(b, 3 * WIRE_SD_MMSGHDR_SIZE + WIRE_SD_MSGHDR_SIZE, 4, c, 4),
	    2);
	CHECK_INT((int)wire_sd_mmsg_controls(b, 3 * WIRE_SD_MMSGHDR_SIZE + WIRE_SD_MSGHDR_SIZE - 1,
	                                     4, c, 4),
	          1);
	CHECK_INT(
	    (int)wire_sd_mmsg_controls(b + WIRE_SD_MMSGHDR_SIZE, WIRE_SD_MSGHDR_SIZE, 1, c, 4),
	    1); /* a sendmsg's msghdr */
	CHECK_INT((int)wire_sd_mmsg_controls(b, WIRE_SD_MSGHDR_SIZE - 1, 1, c, 4), 0);
	CHECK_INT((int)wire_sd_mmsg_controls(NULL, 0, 4, c, 4), 0);
}

int main(void)
{
	addresses();
	names();
	values();
	scm_rights();
	mmsg_controls();
	return T_END();
}
