/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Decoders for the arguments of socket system calls, for `wirecat trace`:
 * pure functions over bytes read from another process (every byte hostile,
 * every length bounded by the caller's buffers). Each writes a short
 * human-readable text into out (size n, always NUL-terminated when n > 0)
 * and returns the text, so calls nest in a printf.
 */
#ifndef WIRE_SYSDEC_H
#define WIRE_SYSDEC_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_SD_DATA_SHOWN 32u /* bytes of data shown in a call line */
#define WIRE_SD_TEXT_MAX 128u  /* a decoded argument's text */

/* A socket address: "127.0.0.1:5005", "[::1]:80", "unix:/path", "unix:@name"
 * (abstract), "unix:(unnamed)", "packet(proto 0x0800, ifindex 2)", or
 * "family N" for the others; "(bad address, N bytes)" when too short. */
const char *wire_sd_sockaddr(const uint8_t *p, size_t len, char *out, size_t n);

/* "AF_INET", "AF_UNIX", ... or "AF_<n>". */
const char *wire_sd_family(int family, char *out, size_t n);

/* "SOCK_STREAM", "SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC", ... */
const char *wire_sd_socktype(int type, char *out, size_t n);

/* The protocol argument of socket(): "IPPROTO_TCP", "0", "ETH_P_ALL" for
 * AF_PACKET (given in network order as socket() takes it), ... */
const char *wire_sd_proto(int family, int proto, char *out, size_t n);

/* "SOL_SOCKET, SO_REUSEADDR", "IPPROTO_TCP, TCP_NODELAY", or numbers. */
const char *wire_sd_sockopt(int level, int opt, char *out, size_t n);

/* The value of an option: an int for the usual ones ("1"), "{on, 5 s}" for
 * SO_LINGER, else its size ("<N bytes>"). */
const char *wire_sd_optval(int level, int opt, const uint8_t *p, size_t len, char *out, size_t n);

/* Message flags "MSG_PEEK|MSG_DONTWAIT", "0" for none. */
const char *wire_sd_msgflags(int flags, char *out, size_t n);

/* SHUT_RD / SHUT_WR / SHUT_RDWR or the number. */
const char *wire_sd_how(int how, char *out, size_t n);

/* The errno name ("ECONNREFUSED"), or NULL when unknown. */
const char *wire_sd_errname(int err);

/* A call's result as every timeline writes it (wirecat trace and the
 * commands' --trace): " = RET", or for an error " = -1 ENAME (its
 * description)", " = -1 errno N (...)" for an errno without a name. */
const char *wire_sd_ret(long long ret, int err, char *out, size_t n);

/* Data shown in a call: "\"hello\\n\"" with at most WIRE_SD_DATA_SHOWN bytes
 * (of len in all; "..." follows when cut). Bytes other than NUL are copied
 * as they are (the printer escapes them); NUL shows as '.'. */
const char *wire_sd_data(const uint8_t *p, size_t len, size_t total, char *out, size_t n);

/* The descriptors passed with SCM_RIGHTS in a message's control data (n
 * bytes at p, as the x86_64 kernel lays out struct cmsghdr: a 64-bit
 * length, then level and type; each one 8-byte aligned): up to max of them
 * into fds. Stops at the first header whose length does not fit. Returns
 * how many were stored. */
size_t wire_sd_scm_rights(const uint8_t *p, size_t n, int32_t *fds, size_t max);

/* A message's control buffer in the traced program's memory. */
struct wire_sd_ctl {
	uint64_t addr, len;
};

#define WIRE_SD_MSGHDR_SIZE 56u  /* struct msghdr as the x86_64 kernel reads it */
#define WIRE_SD_MMSGHDR_SIZE 64u /* struct mmsghdr: a msghdr, msg_len, padding */

/* The control buffers of the messages of a sendmmsg/recvmmsg vector: p (n
 * bytes) holds struct mmsghdr entries as the x86_64 kernel lays them out
 * (entry i at i * WIRE_SD_MMSGHDR_SIZE, its msg_control at +32 and
 * msg_controllen at +40); of the first count entries whose msghdr is whole
 * in p, each with a control buffer (not NULL, long enough for a cmsghdr)
 * goes into ctl, at most max of them. A sendmsg/recvmsg's msghdr is a vector
 * of one (n = WIRE_SD_MSGHDR_SIZE). Returns how many were stored. */
size_t wire_sd_mmsg_controls(const uint8_t *p, size_t n, size_t count, struct wire_sd_ctl *ctl,
                             size_t max);

#endif
