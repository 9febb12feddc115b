/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Datagram helpers (include/wire/udp.h): MSG_TRUNC-aware receive, the ICMP
 * error queue (IP_RECVERR, IPV6_RECVERR; see ip(7), ipv6(7) and the
 * sock_extended_err layout in <linux/errqueue.h>), ICMP type/code names from
 * RFC 792 and RFC 4443, and the line splitter that turns stdin into one
 * datagram per line.
 */
#include <errno.h>
#include <time.h> /* struct timespec, used by linux/errqueue.h */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "wire/err.h"
#include "wire/udp.h"

int wire_udp_enable_errors(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	if (ss.ss_family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one)) < 0)
			return -errno;
		/* IPv4-mapped peers of a dual-stack socket report through IP_RECVERR */
		if (setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)) < 0 &&
		    errno != ENOPROTOOPT)
			return -errno;
		return 0;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

ssize_t wire_udp_recv(int fd, void *p, size_t n, int flags, size_t *full,
                      struct sockaddr_storage *from, socklen_t *fromlen)
{
	struct iovec iov = {.iov_base = p, .iov_len = n};
	struct msghdr mh;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (from) {
		mh.msg_name = from;
		mh.msg_namelen = sizeof(*from);
	}
	for (;;) {
		/* MSG_TRUNC makes a datagram socket return the real length */
		ssize_t r = recvmsg(fd, &mh, flags | MSG_TRUNC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (full)
			*full = (size_t)r;
		if (fromlen)
			*fromlen = from ? mh.msg_namelen : 0;
		return (size_t)r > n ? (ssize_t)n : r;
	}
}

int wire_udp_read_error(int fd, struct wire_icmp *out)
{
	char ctl[512];
	uint8_t dummy[64];
	struct iovec iov = {.iov_base = dummy, .iov_len = sizeof(dummy)};
	struct msghdr mh;
	memset(out, 0, sizeof(*out));
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &out->dest;
	mh.msg_namelen = sizeof(out->dest);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	ssize_t r;
	do
		r = recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN ? 0 : -errno;
	out->have_dest = mh.msg_namelen > 0;
	out->dest_len = mh.msg_namelen;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		int ours = (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
		           (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR);
		if (!ours || c->cmsg_len < CMSG_LEN(sizeof(struct sock_extended_err)))
			continue;
		struct sock_extended_err ee;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		out->err = (int)ee.ee_errno;
		out->v6 = ee.ee_origin == SO_EE_ORIGIN_ICMP6;
		out->type = ee.ee_type;
		out->code = ee.ee_code;
		out->info = ee.ee_info;
		/* the offender address follows the struct (SO_EE_OFFENDER) */
		size_t room = c->cmsg_len - CMSG_LEN(sizeof(ee));
		const uint8_t *off = CMSG_DATA(c) + sizeof(ee);
		if (room >= sizeof(sa_family_t)) {
			struct sockaddr_storage ss;
			memset(&ss, 0, sizeof(ss));
			memcpy(&ss, off, room < sizeof(ss) ? room : sizeof(ss));
			if (ss.ss_family == AF_INET && room >= sizeof(struct sockaddr_in)) {
				out->have_offender = 1;
				out->offender = ss;
				out->offender_len = sizeof(struct sockaddr_in);
			} else if (ss.ss_family == AF_INET6 &&
			           room >= sizeof(struct sockaddr_in6)) {
				out->have_offender = 1;
				out->offender = ss;
				out->offender_len = sizeof(struct sockaddr_in6);
			}
		}
		if (ee.ee_origin == SO_EE_ORIGIN_LOCAL) {
			out->type = 0;
			out->code = 0;
		}
		return 1;
	}
	return 1; /* an entry without a usable cmsg: report it without details */
}

const char *wire_icmp_text(const struct wire_icmp *e)
{
	if (!e->v6) {
		switch (e->type) {
		case 3: /* destination unreachable, RFC 792 and RFC 1812 */
			switch (e->code) {
			case 0: return "ICMP network unreachable";
			case 1: return "ICMP host unreachable";
			case 2: return "ICMP protocol unreachable";
			case 3: return "ICMP port unreachable";
			case 4: return "ICMP fragmentation needed";
			case 5: return "ICMP source route failed";
			case 6: return "ICMP destination network unknown";
			case 7: return "ICMP destination host unknown";
			case 9:
			case 10:
			case 13: return "ICMP communication administratively prohibited";
			default: return "ICMP destination unreachable";
			}
		case 11: return "ICMP time exceeded";
		case 12: return "ICMP parameter problem";
		case 0: return e->err ? "local error" : "ICMP error";
		default: return "ICMP error";
		}
	}
	switch (e->type) {
	case 1: /* RFC 4443 section 3.1 */
		switch (e->code) {
		case 0: return "ICMPv6 no route to destination";
		case 1: return "ICMPv6 communication administratively prohibited";
		case 3: return "ICMPv6 address unreachable";
		case 4: return "ICMPv6 port unreachable";
		case 5:
		case 6: return "ICMPv6 source address failed policy";
		default: return "ICMPv6 destination unreachable";
		}
	case 2: return "ICMPv6 packet too big";
	case 3: return "ICMPv6 time exceeded";
	case 4: return "ICMPv6 parameter problem";
	default: return "ICMPv6 error";
	}
}

void wire_lines_init(struct wire_lines *l, size_t max)
{
	wire_buf_init(&l->buf, max ? max : 1);
	l->max = max ? max : 1;
	l->cut = 0;
}

void wire_lines_free(struct wire_lines *l)
{
	wire_buf_free(&l->buf);
}

size_t wire_lines_pending(const struct wire_lines *l)
{
	return wire_buf_used(&l->buf);
}

int wire_lines_feed(struct wire_lines *l, const void *p, size_t n, wire_line_cb cb, void *ud)
{
	const uint8_t *in = p;
	while (n > 0) {
		size_t used = wire_buf_used(&l->buf);
		size_t take = l->max - used;
		const uint8_t *nl = memchr(in, '\n', n < take ? n : take);
		if (nl)
			take = (size_t)(nl - in) + 1;
		else if (n < take)
			take = n;
		if (used == 0 && (nl || take == l->max)) {
			/* a whole unit in the input: no copy */
			if (!nl)
				l->cut++;
			int rc = cb(ud, in, take);
			if (rc < 0)
				return rc;
		} else {
			int rc = wire_buf_append(&l->buf, in, take);
			if (rc < 0)
				return rc == WIRE_E_TOOBIG ? -ENOMEM : rc;
			if (nl || wire_buf_used(&l->buf) == l->max) {
				if (!nl)
					l->cut++;
				rc = cb(ud, wire_buf_head(&l->buf), wire_buf_used(&l->buf));
				wire_buf_reset(&l->buf);
				if (rc < 0)
					return rc;
			}
		}
		in += take;
		n -= take;
	}
	return 0;
}

int wire_lines_finish(struct wire_lines *l, wire_line_cb cb, void *ud)
{
	size_t used = wire_buf_used(&l->buf);
	if (used == 0)
		return 0;
	int rc = cb(ud, wire_buf_head(&l->buf), used);
	wire_buf_reset(&l->buf);
	return rc < 0 ? rc : 0;
}
