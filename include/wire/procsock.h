/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A process's sockets through /proc: the links /proc/PID/fd/N that read
 * "socket:[INODE]" name the process's sockets, and the same inodes in
 * /proc/PID/net/{tcp,tcp6,udp,udp6} (the process's own network namespace)
 * give their local and remote addresses and ports. `wirecat sniff --pid` and
 * `--port` turn that into a capture filter and re-scan it every
 * WIRE_PROCSOCK_POLL_MS, so the kernel filter follows the program as it opens
 * and closes sockets. The /proc text is parsed with bounded parsers (no atoi,
 * no sscanf on trusted widths): a malformed line is skipped, never trusted.
 */
#ifndef WIRE_PROCSOCK_H
#define WIRE_PROCSOCK_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_PROCSOCK_POLL_MS 200      /* re-scan interval for sniff --pid */
#define WIRE_PROCSOCK_MAX 1024u        /* sockets considered per scan */
#define WIRE_PROCSOCK_PIDS_MAX 16u     /* processes followed by --port */
#define WIRE_PROCSOCK_LINE_MAX 512u    /* longest /proc/net line accepted */
#define WIRE_PROCSOCK_FILTER_MAX 8192u /* longest filter text produced */

/* One socket as /proc/net describes it. */
struct wire_procsock {
	uint64_t inode;
	uint8_t proto;  /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t family; /* AF_INET or AF_INET6 (IPv4-mapped IPv6 becomes AF_INET) */
	uint8_t state;  /* the "st" column: TCP state (1 ESTABLISHED .. 10 LISTEN) */
	uint8_t local[16], remote[16];
	uint16_t lport, rport;
};

/* Parses one line (n bytes, no NUL needed) of /proc/net/tcp, tcp6, udp or
 * udp6; family (AF_INET/AF_INET6) and proto say which file it came from.
 * Returns 1 with *e filled, or 0 for the header line and malformed lines. */
int wire_procsock_parse_line(const char *line, size_t n, int family, int proto,
                             struct wire_procsock *e);

/* Collects the socket inodes among the open descriptors of pid into inodes
 * (at most max, sorted, without duplicates). Returns the count, or -errno
 * (-ENOENT / -ESRCH when the process is gone, -EACCES without permission). */
int wire_procsock_inodes(int pid, uint64_t *inodes, size_t max);

/* The inode of socket fd of pid (from /proc/PID/fd/FD "socket:[INODE]").
 * Returns 0, -ENOTSOCK when fd is not a socket, or -errno. */
int wire_procsock_fd_inode(int pid, int fd, uint64_t *ino);

/* One socket descriptor of a process. */
struct wire_procsock_fd {
	int fd;
	uint64_t inode;
};

/* The socket descriptors of pid (at most max), among the first scan entries
 * of /proc/PID/fd, sorted by inode (the copies of one socket side by side).
 * Returns the count, or -errno (-ESRCH when the process is gone). */
int wire_procsock_fds(int pid, struct wire_procsock_fd *out, size_t max, size_t scan);

/* Whether pid holds socket inode ino on a descriptor other than skip_fd
 * (-1: none skipped). Looks at most max entries of /proc/PID/fd. Returns 1,
 * 0, -E2BIG when there were more, or -errno (-ESRCH when pid is gone). */
int wire_procsock_holds(int pid, uint64_t ino, int skip_fd, size_t max);

/* Lists the TCP and UDP sockets of pid (at most max). Returns the count, or
 * -errno as wire_procsock_inodes. */
int wire_procsock_list(int pid, struct wire_procsock *out, size_t max);

/* Writes the capture filter (tcpdump language) that matches the traffic of
 * the n sockets in s into buf (size bufsz), e.g. "(tcp and port 5005) or
 * (udp and host 127.0.0.1 and port 40000 and host 127.0.0.1 and port 53)".
 * With no socket the filter matches nothing useful ("tcp port 0"). Returns
 * the text's length, or WIRE_E_TOOBIG when bufsz is too small. */
int wire_procsock_filter_text(const struct wire_procsock *s, size_t n, char *buf, size_t bufsz);

/* Writes the capture filter for pid's current sockets into buf (size n).
 * Returns the text's length, or -errno (-ESRCH when the process is gone), or
 * WIRE_E_TOOBIG. */
int wire_procsock_filter(int pid, char *buf, size_t n);

/* Finds the processes that own a TCP or UDP socket on local port `port` (in
 * this network namespace). Returns the number of pids stored (at most max),
 * 0 when none, or -errno. */
int wire_procsock_port_pids(uint16_t port, int *pids, size_t max);

/* Follows a process (pid > 0) or the owners of a local port (port > 0) for
 * sniff --pid / --port. */
struct wire_procsock_watch {
	int pid;       /* --pid, or 0 */
	uint16_t port; /* --port, or 0 */
	int gone;      /* set once the followed process has exited */
	char last[WIRE_PROCSOCK_FILTER_MAX];
};

/* Starts following pid or port (one of them non-zero). */
void wire_procsock_watch_init(struct wire_procsock_watch *w, int pid, uint16_t port);

/* Re-scans /proc and writes the current filter text into buf (size n); for
 * --port the filter always includes "port PORT". Returns 1 when the text
 * differs from the last call's (the first call always returns 1), 0 when it
 * is unchanged, -ESRCH once a followed pid has exited, or another -errno /
 * WIRE_E_TOOBIG. */
int wire_procsock_poll(struct wire_procsock_watch *w, char *buf, size_t n);

struct wire_capture;

/* For sniff --pid / --port: re-scans (wire_procsock_poll) and, when the
 * sockets changed, compiles "(user) and (sockets)" (user may be NULL) for
 * linktype/snaplen and attaches it to cap. Returns 1 when a new filter went
 * in, 0 when nothing changed, -ESRCH once the followed process has exited,
 * WIRE_E_USAGE with libpcap's message in why (size n) when the combined
 * filter does not compile or cannot run in the kernel, or another negative
 * code. */
int wire_procsock_apply(struct wire_procsock_watch *w, struct wire_capture *cap, int linktype,
                        unsigned snaplen, const char *user, char *why, size_t n);

#endif
