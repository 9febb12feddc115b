/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Datagram helpers for the UDP side of connect and listen: receiving with
 * MSG_TRUNC so a datagram longer than the buffer is detected (never cut
 * silently), reading ICMP errors from the socket error queue (IP_RECVERR /
 * IPV6_RECVERR) together with the address of the router or host that sent
 * them, and splitting a byte stream (stdin) into lines, one line one
 * datagram, however the writer timed its writes.
 */
#ifndef WIRE_UDP_H
#define WIRE_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wire/buf.h"

/* Largest payload of one UDP datagram over IPv4 (65535 - 20 - 8). */
#define WIRE_UDP_PAYLOAD_MAX 65507u

/* Switches on IP_RECVERR (and IPV6_RECVERR on IPv6 sockets, which also carry
 * IPv4-mapped traffic), so ICMP errors reach the error queue. Returns 0 or
 * -errno. */
int wire_udp_enable_errors(int fd);

/* Receives one datagram into p (size n). The datagram's real length goes to
 * *full (larger than the return value when it was truncated), the sender to
 * from (may be NULL). Returns the number of bytes stored, or -errno
 * (-EAGAIN when nothing is waiting and MSG_DONTWAIT was in flags). */
ssize_t wire_udp_recv(int fd, void *p, size_t n, int flags, size_t *full,
                      struct sockaddr_storage *from, socklen_t *fromlen);

/* One ICMP error taken from the error queue. */
struct wire_icmp {
	int err; /* the errno the kernel maps it to (ECONNREFUSED...) */
	int v6;  /* 1 for ICMPv6 */
	uint8_t type, code;
	uint32_t info; /* e.g. the MTU for "fragmentation needed" */
	int have_offender;
	struct sockaddr_storage offender; /* who sent the ICMP message */
	socklen_t offender_len;
	int have_dest;
	struct sockaddr_storage dest; /* where the failed datagram went */
	socklen_t dest_len;
};

/* Reads one entry of fd's error queue (never blocks). Returns 1 with *out
 * filled, 0 when the queue is empty, or -errno. */
int wire_udp_read_error(int fd, struct wire_icmp *out);

/* Returns a static text such as "ICMP port unreachable" or "ICMPv6 time
 * exceeded" for e. */
const char *wire_icmp_text(const struct wire_icmp *e);

/* Splits a byte stream into lines: each line, INCLUDING its '\n', is one
 * unit; a line longer than max is cut into pieces of max bytes; bytes left
 * over at the end of the stream make a last unit. */
struct wire_lines {
	struct wire_buf buf; /* bytes of the line being collected */
	size_t max;
	uint64_t cut; /* lines that were cut because they were longer than max */
};

/* Called with each unit; a negative return stops and is returned. */
typedef int (*wire_line_cb)(void *ud, const uint8_t *line, size_t len);

/* Sets up a splitter whose units are at most max bytes. */
void wire_lines_init(struct wire_lines *l, size_t max);
/* Releases the splitter's buffer. */
void wire_lines_free(struct wire_lines *l);
/* Feeds n bytes; cb receives every unit they complete. Returns 0, the
 * callback's negative code, or -ENOMEM. */
int wire_lines_feed(struct wire_lines *l, const void *p, size_t n, wire_line_cb cb, void *ud);
/* Ends the stream: a partial last line becomes a unit. Returns 0 or the
 * callback's negative code. */
int wire_lines_finish(struct wire_lines *l, wire_line_cb cb, void *ud);
/* Returns the number of bytes held for an incomplete line. */
size_t wire_lines_pending(const struct wire_lines *l);

#endif
