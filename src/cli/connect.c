/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat connect: the netcat client. Resolves HOST, tries every address in
 * order (reporting each attempt with -v), then hands the connected TCP or
 * UDP socket to the one relay (src/core/relay.c). UDP sockets are connected
 * and have IP_RECVERR / IPV6_RECVERR on, so ICMP errors come back with the
 * address that sent them.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "netopts.h"
#include "trace_cli.h"
#include "wire/loop.h"
#include "wire/relay.h"
#include "wire/sock.h"
#include "wire/udp.h"

/* Resolves the local side (-s/-p) for one target family. Returns 0, or a
 * negative code with a reason in why. */
static int local_addr(const struct netopts *n, const struct addrinfo *ai, struct wire_addr *out,
                      char *why, size_t wn)
{
	struct addrinfo *res = NULL;
	int gai = 0;
	int rc = wire_resolve(n->src, n->have_src_port ? n->src_port : 0, ai->ai_family,
	                      ai->ai_socktype, 1, &res, &gai);
	if (rc < 0) {
		snprintf(why, wn, "local address %s: %s", n->src ? n->src : "*",
		         n->src ? (ai->ai_family == AF_INET6 ? "no IPv6 address of that name"
		                                             : "no IPv4 address of that name")
		                : gai_strerror(gai));
		return rc;
	}
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* The addresses still to try, in getaddrinfo's order. */
struct attempts {
	struct netopts *n;
	const struct addrinfo *next;
	const char *proto;
	char peer[WIRE_ADDRSTRLEN];
	char why[200];
	int last;
};

/* --trace: the connect call, as `wirecat trace` shows one (the descriptor of
 * a socket that failed to connect is closed and not known: "?"). */
static void trace_connect(struct netopts *n, const struct timespec *ts, int rc, int fd,
                          const char *peer)
{
	char c[WIRE_ADDRSTRLEN + 32];
	if (!n->tr)
		return;
	if (rc == 0) {
		n->tr_fd = fd;
		snprintf(c, sizeof(c), "connect(%d, %s)", fd, peer);
	} else {
		snprintf(c, sizeof(c), "connect(?, %s)", peer);
	}
	if (rc > -4096)
		trace_cli_call(n->tr, ts, c, 0, -rc, NULL,
		               rc == -ETIMEDOUT ? "no answer within -w" : NULL);
	else
		trace_cli_call(n->tr, ts, c, -1, 0, NULL, wire_strerror(rc));
}

/* Tries the remaining addresses in order, each reported with -v. Returns 0
 * with a connected socket in *fd (UDP: with ICMP errors switched on), or a
 * negative code when none connected (reason in a->why). */
static int try_next(struct attempts *a, int *fd)
{
	struct netopts *n = a->n;
	int rc = -ENOENT;
	while (a->next) {
		const struct addrinfo *ai = a->next;
		struct wire_addr local;
		int have_local = n->src || n->have_src_port;
		a->next = ai->ai_next;
		wire_addr_str(ai->ai_addr, ai->ai_addrlen, a->peer, sizeof(a->peer));
		a->why[0] = 0;
		if (have_local && (rc = local_addr(n, ai, &local, a->why, sizeof(a->why))) < 0) {
			a->last = rc;
		} else {
			wire_trace_peer(n->tr, ai->ai_addr, ai->ai_addrlen,
			                n->udp ? IPPROTO_UDP : IPPROTO_TCP);
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts); /* the call goes before its SYN */
			rc = wire_connect(ai, have_local ? &local : NULL, n->wait_ms, fd);
			a->last = rc;
			if (rc == 0)
				wire_trace_watch(n->tr, *fd);
			trace_connect(n, &ts, rc, rc == 0 ? *fd : -1, a->peer);
			if (rc == -ETIMEDOUT)
				snprintf(a->why, sizeof(a->why), "timed out after %d.%03d s (-w)",
				         n->wait_ms / 1000, n->wait_ms % 1000);
			else if (rc < 0 && have_local &&
			         (rc == -EADDRINUSE || rc == -EADDRNOTAVAIL))
				snprintf(a->why, sizeof(a->why), "bind to the local side: %s",
				         wire_strerror(rc));
			else if (rc < 0)
				snprintf(a->why, sizeof(a->why), "%s", wire_strerror(rc));
		}
		if (rc == 0 && n->udp && (rc = wire_udp_enable_errors(*fd)) < 0) {
			snprintf(a->why, sizeof(a->why), "IP_RECVERR: %s", wire_strerror(rc));
			close(*fd);
		}
		if (n->verbose)
			cli_info("connecting to %s (%s)... %s", a->peer, a->proto,
			         rc == 0 ? "connected" : a->why);
		if (rc == 0) {
			struct sockaddr_storage ls;
			socklen_t ll = sizeof(ls);
			char lname[WIRE_ADDRSTRLEN] = "?";
			if (getsockname(*fd, (struct sockaddr *)&ls, &ll) == 0)
				wire_addr_str((struct sockaddr *)&ls, ll, lname, sizeof(lname));
			if (n->verbose)
				cli_info("local %s, remote %s (%s)", lname, a->peer, a->proto);
			return 0;
		}
	}
	return rc;
}

/* The relay's udp_next: the next address after an ICMP error. */
static int udp_next(void *ud, int *fd)
{
	return try_next(ud, fd);
}

int cmd_connect(int argc, char **argv)
{
	struct netopts n;
	int rc = netopts_parse(&n, 0, argc, argv);
	if (rc >= 0)
		return rc;
	if (!n.send_only && cli_stdout_closed("connect"))
		return WIRE_EXIT_FAIL;
	cli_ignore_sigpipe();

	struct addrinfo *res = NULL;
	int gai = 0;
	rc =
	    wire_resolve(n.host, n.port, n.family, n.udp ? SOCK_DGRAM : SOCK_STREAM, 0, &res, &gai);
	if (rc < 0) {
		cli_err("resolve %s: %s", n.host,
		        gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
		return WIRE_EXIT_FAIL;
	}
	if (trace_cli_pcap_open(n.trace_pcap) < 0) {
		freeaddrinfo(res);
		return WIRE_EXIT_FAIL;
	}
	if (n.trace) /* --trace: capture before the first SYN leaves */
		n.tr = trace_cli_start(-1, res->ai_addr, res->ai_addrlen,
		                       n.trace_json ? WIRE_TRACE_JSON : 0);

	struct attempts a;
	memset(&a, 0, sizeof(a));
	a.n = &n;
	a.next = res;
	a.proto = n.udp ? "udp" : "tcp";
	int fd = -1;
	if (try_next(&a, &fd) < 0) {
		/* each attempt was reported with -v; without, the last one */
		cli_err("connect %s: %s", a.peer, a.why[0] ? a.why : wire_strerror(a.last));
		freeaddrinfo(res);
		wire_trace_stop(n.tr);
		return WIRE_EXIT_FAIL;
	}

	struct wire_relay_opts o;
	struct wire_relay_result r;
	netopts_relay_opts(&n, fd, &o);
	if (n.udp && a.next) {
		/* UDP "connects" to anything: the next address is tried when an ICMP
		 * error answers the first datagrams (localhost as ::1, then 127.0.0.1) */
		o.udp_next = udp_next;
		o.next_ud = &a;
	}
	int64_t t0 = wire_now_ms();
	rc = wire_relay_run(&o, &r);
	netopts_summary(&n, fd, &r, t0);
	int status = netopts_finish(&n, rc, &r, a.peer);
	char c[64];
	if (rc == WIRE_E_ICMP) {
		snprintf(c, sizeof(c), "recv(%d, %zu)", n.tr_fd, n.buffer);
		trace_cli_call(n.tr, NULL, c, -1, r.icmp.err, NULL, "the ICMP error above");
	}
	snprintf(c, sizeof(c), "close(%d)", n.tr_fd);
	trace_cli_call(n.tr, NULL, c, 0, 0, NULL, NULL);
	close(fd);
	freeaddrinfo(res);
	wire_trace_stop(n.tr); /* the last packets, then the timeline's end */
	return status;
}
