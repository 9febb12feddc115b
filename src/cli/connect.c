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
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "netopts.h"
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

int cmd_connect(int argc, char **argv)
{
	struct netopts n;
	int rc = netopts_parse(&n, 0, argc, argv);
	if (rc >= 0)
		return rc;
	cli_ignore_sigpipe();
	const char *proto = n.udp ? "udp" : "tcp";

	struct addrinfo *res = NULL;
	int gai = 0;
	rc =
	    wire_resolve(n.host, n.port, n.family, n.udp ? SOCK_DGRAM : SOCK_STREAM, 0, &res, &gai);
	if (rc < 0) {
		cli_err("resolve %s: %s", n.host,
		        gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
		return WIRE_EXIT_FAIL;
	}

	int fd = -1, last = 0;
	char peer[WIRE_ADDRSTRLEN] = "", why[200] = "";
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		struct wire_addr local;
		int have_local = n.src || n.have_src_port;
		wire_addr_str(ai->ai_addr, ai->ai_addrlen, peer, sizeof(peer));
		why[0] = 0;
		if (have_local && (rc = local_addr(&n, ai, &local, why, sizeof(why))) < 0) {
			last = rc;
		} else {
			rc = wire_connect(ai, have_local ? &local : NULL, n.wait_ms, &fd);
			last = rc;
			if (rc == -ETIMEDOUT)
				snprintf(why, sizeof(why), "timed out after %d.%03d s (-w)",
				         n.wait_ms / 1000, n.wait_ms % 1000);
			else if (rc < 0 && have_local &&
			         (rc == -EADDRINUSE || rc == -EADDRNOTAVAIL))
				snprintf(why, sizeof(why), "bind to the local side: %s",
				         wire_strerror(rc));
			else if (rc < 0)
				snprintf(why, sizeof(why), "%s", wire_strerror(rc));
		}
		if (n.verbose)
			cli_info("connecting to %s (%s)... %s", peer, proto,
			         rc == 0 ? "connected" : why);
		if (rc == 0)
			break;
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		/* each attempt was reported with -v; without, the last one */
		cli_err("connect %s: %s", peer, why[0] ? why : wire_strerror(last));
		return WIRE_EXIT_FAIL;
	}

	struct sockaddr_storage ls;
	socklen_t ll = sizeof(ls);
	char lname[WIRE_ADDRSTRLEN] = "?";
	if (getsockname(fd, (struct sockaddr *)&ls, &ll) == 0)
		wire_addr_str((struct sockaddr *)&ls, ll, lname, sizeof(lname));
	if (n.verbose)
		cli_info("local %s, remote %s (%s)", lname, peer, proto);
	if (n.udp && (rc = wire_udp_enable_errors(fd)) < 0) {
		cli_err("udp %s: IP_RECVERR: %s", peer, wire_strerror(rc));
		close(fd);
		return WIRE_EXIT_FAIL;
	}

	struct wire_relay_opts o;
	struct wire_relay_result r;
	netopts_relay_opts(&n, fd, &o);
	int64_t t0 = wire_now_ms();
	rc = wire_relay_run(&o, &r);
	netopts_summary(&n, fd, &r, t0);
	int status = netopts_finish(&n, rc, &r, peer);
	close(fd);
	return status;
}
