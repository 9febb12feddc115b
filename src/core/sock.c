/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Resolve, connect with a timeout, listen (dual-stack), and format addresses
 * for IPv4 and IPv6 (include/wire/sock.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wire/err.h"
#include "wire/limits.h"
#include "wire/sock.h"

int wire_parse_port(const char *s, int allow_zero, uint16_t *out)
{
	unsigned long v = 0;
	size_t i = 0;
	if (!s || !s[0])
		return WIRE_E_USAGE;
	for (; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			return WIRE_E_USAGE;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535 || (v == 0 && !allow_zero))
		return WIRE_E_USAGE;
	*out = (uint16_t)v;
	return 0;
}

int wire_parse_service(const char *s, const char *proto, int allow_zero, uint16_t *out)
{
	if (!s || !s[0])
		return WIRE_E_USAGE;
	if (s[0] >= '0' && s[0] <= '9')
		return wire_parse_port(s, allow_zero, out);
	for (size_t i = 0; s[i]; i++) {
		/* service names are letters, digits, '-', '_', '.', '+', '/' */
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '+' ||
		         c == '/';
		if (!ok || i >= 64)
			return WIRE_E_USAGE;
	}
	struct servent se, *res = NULL;
	char buf[1024];
	if (getservbyname_r(s, proto, &se, buf, sizeof(buf), &res) != 0 || !res ||
	    ntohs((uint16_t)res->s_port) == 0)
		return WIRE_E_USAGE;
	*out = ntohs((uint16_t)res->s_port);
	return 0;
}

int wire_host_strip(const char *host, char *out, size_t n)
{
	size_t len = strlen(host);
	if (len && host[0] == '[') {
		if (len < 2 || host[len - 1] != ']')
			return WIRE_E_USAGE;
		host++;
		len -= 2;
	} else if (memchr(host, '[', len) || memchr(host, ']', len)) {
		return WIRE_E_USAGE;
	}
	if (len == 0 || len >= n)
		return WIRE_E_USAGE;
	memcpy(out, host, len);
	out[len] = 0;
	return 0;
}

int wire_resolve(const char *host, uint16_t port, int family, int socktype, int passive,
                 struct addrinfo **res, int *gai_err)
{
	char h[NI_MAXHOST], p[8];
	struct addrinfo hints;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	hints.ai_protocol = socktype == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
	hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
	if (host) {
		if (wire_host_strip(host, h, sizeof(h)) < 0) {
			if (gai_err)
				*gai_err = EAI_NONAME;
			return WIRE_E_RESOLVE;
		}
		host = h;
	}
	snprintf(p, sizeof(p), "%u", (unsigned)port);
	int rc = getaddrinfo(host, p, &hints, res);
	if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY) {
		/* AI_ADDRCONFIG hides ::1 on hosts with only loopback IPv6. */
		hints.ai_flags &= ~AI_ADDRCONFIG;
		rc = getaddrinfo(host, p, &hints, res);
	}
	if (rc != 0) {
		if (gai_err)
			*gai_err = rc;
		return WIRE_E_RESOLVE;
	}
	return 0;
}

const char *wire_addr_host(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
	(void)len;
	if (n == 0)
		return buf;
	buf[0] = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &a->sin_addr, buf, (socklen_t)n);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
			inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], buf, (socklen_t)n);
		} else {
			inet_ntop(AF_INET6, &a->sin6_addr, buf, (socklen_t)n);
			if (a->sin6_scope_id) {
				char ifn[IF_NAMESIZE];
				size_t l = strlen(buf);
				if (if_indextoname(a->sin6_scope_id, ifn))
					snprintf(buf + l, n - l, "%%%s", ifn);
				else
					snprintf(buf + l, n - l, "%%%u",
					         (unsigned)a->sin6_scope_id);
			}
		}
	} else {
		snprintf(buf, n, "(family %d)", (int)sa->sa_family);
	}
	return buf;
}

uint16_t wire_addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

const char *wire_addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
	char h[WIRE_ADDRSTRLEN];
	wire_addr_host(sa, len, h, sizeof(h));
	int v6 = sa->sa_family == AF_INET6 &&
	         !IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	snprintf(buf, n, v6 ? "[%s]:%u" : "%s:%u", h, (unsigned)wire_addr_port(sa));
	return buf;
}

int wire_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	if (fcntl(fd, F_SETFL, fl) < 0)
		return -errno;
	return 0;
}

int wire_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = {.fd = fd, .events = POLLOUT};
				(void)poll(&pfd, 1, -1);
				continue;
			}
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int wire_connect(const struct addrinfo *ai, const struct wire_addr *local, int timeout_ms, int *fdp)
{
	int fd =
	    socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (local) {
		int one = 1;
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(fd, (const struct sockaddr *)&local->ss, local->len) < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
	}
	int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc < 0 && errno == EINPROGRESS) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		for (;;) {
			int pr = poll(&pfd, 1, timeout_ms);
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr == 0) {
				close(fd);
				return -ETIMEDOUT;
			}
			break;
		}
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr) {
			close(fd);
			return -soerr;
		}
		rc = 0;
	}
	if (rc < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (wire_set_nonblock(fd, 0) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*fdp = fd;
	return 0;
}

static int listen_one(const struct addrinfo *ai, int socktype, int flags, int dual, int *fdp)
{
	int one = 1, zero = 0;
	int fd = socket(ai->ai_family, socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if ((socktype == SOCK_STREAM &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    ((flags & WIRE_LISTEN_REUSEPORT) &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) ||
	    (ai->ai_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual ? &zero : &one, sizeof(int)) < 0) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    (socktype == SOCK_STREAM && listen(fd, WIRE_LISTEN_BACKLOG) < 0)) {
		int e = -errno;
		close(fd);
		return e;
	}
	*fdp = fd;
	return 0;
}

int wire_listen(const char *host, uint16_t port, int family, int socktype, int flags, int *fdp,
                struct wire_addr *bound, int *gai_err)
{
	struct addrinfo *res = NULL;
	int rc;
	int wildcard = host == NULL;
	if (wildcard && family == AF_UNSPEC && !(flags & WIRE_LISTEN_V6ONLY))
		family = AF_INET6; /* try dual-stack first */
	rc = wire_resolve(host, port, family, socktype, 1, &res, gai_err);
	if (rc < 0 && wildcard && family == AF_INET6)
		rc = wire_resolve(host, port, AF_INET, socktype, 1, &res, gai_err);
	if (rc < 0)
		return rc;
	rc = -EADDRNOTAVAIL;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int dual = wildcard && !(flags & WIRE_LISTEN_V6ONLY);
		rc = listen_one(ai, socktype, flags, dual, fdp);
		if (rc == -EAFNOSUPPORT && wildcard && ai->ai_family == AF_INET6) {
			/* no IPv6 on this host: fall back to 0.0.0.0 */
			struct addrinfo *r4 = NULL;
			if (wire_resolve(NULL, port, AF_INET, socktype, 1, &r4, gai_err) == 0) {
				rc = listen_one(r4, socktype, flags, 0, fdp);
				freeaddrinfo(r4);
			}
		}
		if (rc == 0)
			break;
	}
	freeaddrinfo(res);
	if (rc == 0 && bound) {
		bound->len = sizeof(bound->ss);
		if (getsockname(*fdp, (struct sockaddr *)&bound->ss, &bound->len) < 0) {
			rc = -errno;
			close(*fdp);
		}
	}
	return rc;
}

int wire_is_dual_stack(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int v6only = 1;
	socklen_t ol = sizeof(v6only);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 || ss.ss_family != AF_INET6)
		return 0;
	if (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &ol) < 0)
		return 0;
	return !v6only && IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr);
}
