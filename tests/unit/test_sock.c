/* SPDX-License-Identifier: BSD-2-Clause */
/* Address and port parsing, resolution of literals, address formatting. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "wire/err.h"
#include "wire/sock.h"

int main(void)
{
	uint16_t p = 0;
	CHECK_INT(wire_parse_port("5005", 0, &p), 0);
	CHECK_INT(p, 5005);
	CHECK_INT(wire_parse_port("65535", 0, &p), 0);
	CHECK_INT(wire_parse_port("65536", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port("0", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port("0", 1, &p), 0);
	CHECK_INT(wire_parse_port("abc", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port("", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port("-1", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port("5005x", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port("000080", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_port("99999999999999999999", 0, &p), WIRE_E_USAGE);
	/* service names, for the protocol asked (getservbyname_r, /etc/services) */
	CHECK_INT(wire_parse_service("5005", "tcp", 0, &p), 0);
	CHECK_INT(p, 5005);
	CHECK_INT(wire_parse_service("0", "tcp", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_service("0", "tcp", 1, &p), 0);
	CHECK_INT(wire_parse_service("", "tcp", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_service("no-such-service-here", "tcp", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_service("ht tp", "tcp", 0, &p), WIRE_E_USAGE);
	CHECK_INT(wire_parse_service("5005x", "tcp", 0, &p), WIRE_E_USAGE);
	if (access("/etc/services", R_OK) == 0) {
		CHECK_INT(wire_parse_service("http", "tcp", 0, &p), 0);
		CHECK_INT(p, 80);
		CHECK_INT(wire_parse_service("domain", "udp", 0, &p), 0);
		CHECK_INT(p, 53);
	}

	char h[64];
	CHECK_INT(wire_host_strip("[::1]", h, sizeof(h)), 0);
	CHECK_STR(h, "::1");
	CHECK_INT(wire_host_strip("::1", h, sizeof(h)), 0);
	CHECK_STR(h, "::1");
	CHECK_INT(wire_host_strip("[fe80::1%lo]", h, sizeof(h)), 0);
	CHECK_STR(h, "fe80::1%lo");
	CHECK_INT(wire_host_strip("[::1", h, sizeof(h)), WIRE_E_USAGE);
	CHECK_INT(wire_host_strip("::1]", h, sizeof(h)), WIRE_E_USAGE);
	CHECK_INT(wire_host_strip("[]", h, sizeof(h)), WIRE_E_USAGE);
	CHECK_INT(wire_host_strip("", h, sizeof(h)), WIRE_E_USAGE);

	struct addrinfo *ai = NULL;
	int gai = 0;
	char s[WIRE_ADDRSTRLEN];
	CHECK_INT(wire_resolve("127.0.0.1", 5005, AF_UNSPEC, SOCK_STREAM, 0, &ai, &gai), 0);
	if (ai) {
		CHECK_STR(wire_addr_str(ai->ai_addr, ai->ai_addrlen, s, sizeof(s)),
		          "127.0.0.1:5005");
		freeaddrinfo(ai);
	}
	CHECK_INT(wire_resolve("[::1]", 80, AF_UNSPEC, SOCK_DGRAM, 0, &ai, &gai), 0);
	if (ai) {
		CHECK_STR(wire_addr_str(ai->ai_addr, ai->ai_addrlen, s, sizeof(s)), "[::1]:80");
		freeaddrinfo(ai);
	}
	CHECK_INT(wire_resolve("127.0.0.1", 80, AF_INET6, SOCK_STREAM, 0, &ai, &gai),
	          WIRE_E_RESOLVE);
	CHECK_INT(wire_resolve("no.such.host.invalid", 80, AF_UNSPEC, SOCK_STREAM, 0, &ai, &gai),
	          WIRE_E_RESOLVE);

	struct sockaddr_in6 m;
	memset(&m, 0, sizeof(m));
	m.sin6_family = AF_INET6;
	m.sin6_port = htons(7);
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &m.sin6_addr);
	CHECK_STR(wire_addr_str((struct sockaddr *)&m, sizeof(m), s, sizeof(s)), "10.1.2.3:7");
	return T_END();
}
