/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The listener of the test servers in tests/tools: a TCP socket on
 * 127.0.0.1, an ephemeral port, its number printed as "port N" on stdout
 * (flushed) for the test to read.
 */
#ifndef WIRE_TOOL_LISTEN_H
#define WIRE_TOOL_LISTEN_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Returns the listening socket, or -1. */
static inline int tool_listener(int backlog)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, backlog) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0)
		return -1;
	printf("port %u\n", (unsigned)ntohs(a.sin_port));
	fflush(stdout);
	return s;
}

#endif
