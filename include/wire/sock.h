/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Socket helpers for IPv4 and IPv6: argument parsing (ports, hosts with
 * brackets and %scope), resolution, connect with a timeout, listening
 * sockets (dual-stack when no address is given), and address formatting.
 * All sockets are created with SOCK_CLOEXEC; every setsockopt is checked.
 */
#ifndef WIRE_SOCK_H
#define WIRE_SOCK_H

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Room for "[ffff:...%ifname]:65535". */
#define WIRE_ADDRSTRLEN 96

struct wire_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Parses a decimal port. Returns 0, or WIRE_E_USAGE when s is not a number in
 * 1..65535 (0 is allowed when allow_zero). */
int wire_parse_port(const char *s, int allow_zero, uint16_t *out);

/* Parses a port given as a number or as a service name (`http`, `domain`,
 * from /etc/services, as nc does) for the protocol proto ("tcp" or "udp").
 * Returns 0, or WIRE_E_USAGE for a bad number or an unknown name. */
int wire_parse_service(const char *s, const char *proto, int allow_zero, uint16_t *out);

/* Copies host into out (size n) without surrounding [ ] brackets. Returns 0,
 * or WIRE_E_USAGE for unbalanced brackets or an over-long name. */
int wire_host_strip(const char *host, char *out, size_t n);

/* Resolves host (name, IPv4, IPv6 with or without brackets and %scope; NULL
 * for the wildcard with passive) and port. family is AF_UNSPEC, AF_INET or
 * AF_INET6; socktype SOCK_STREAM or SOCK_DGRAM. Returns 0 and *res (free with
 * freeaddrinfo), or WIRE_E_RESOLVE with the getaddrinfo code in *gai_err. */
int wire_resolve(const char *host, uint16_t port, int family, int socktype, int passive,
                 struct addrinfo **res, int *gai_err);

/* Formats an address as "1.2.3.4:80" or "[::1]:80" (IPv4-mapped IPv6 shown as
 * IPv4). Returns buf. */
const char *wire_addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t n);
/* The same without the port ("1.2.3.4", "::1"). Returns buf. */
const char *wire_addr_host(const struct sockaddr *sa, socklen_t len, char *buf, size_t n);
/* Returns the port of an AF_INET/AF_INET6 address in host order (0 otherwise). */
uint16_t wire_addr_port(const struct sockaddr *sa);

/* Creates a socket for ai, optionally binds it to local, and connects with a
 * deadline of timeout_ms (<0: none). Returns 0 with *fd (blocking mode), or
 * -errno (-ETIMEDOUT on the deadline). */
int wire_connect(const struct addrinfo *ai, const struct wire_addr *local, int timeout_ms, int *fd);

/* Flags for wire_listen. */
#define WIRE_LISTEN_REUSEPORT 1 /* set SO_REUSEPORT (several workers) */
#define WIRE_LISTEN_V6ONLY 2    /* do not accept IPv4 on an IPv6 wildcard */

/* Opens a listening TCP (SOCK_STREAM) or bound UDP (SOCK_DGRAM) socket on
 * host:port. host NULL means every address: IPv6 "::" taking IPv4 too, or
 * 0.0.0.0 when IPv6 is unavailable or family is AF_INET. SO_REUSEADDR is set
 * for TCP. Returns 0 with *fd and the bound address in *bound (may be NULL),
 * or -errno, or WIRE_E_RESOLVE (gai code in *gai_err). */
int wire_listen(const char *host, uint16_t port, int family, int socktype, int flags, int *fd,
                struct wire_addr *bound, int *gai_err);

/* Switches O_NONBLOCK on or off. Returns 0 or -errno. */
int wire_set_nonblock(int fd, int on);

/* Writes all n bytes to a blocking fd, retrying on EINTR. Returns 0 or -errno. */
int wire_write_all(int fd, const void *p, size_t n);

/* Returns 1 when sa is an IPv6 wildcard socket that also takes IPv4. */
int wire_is_dual_stack(int fd);

#endif
