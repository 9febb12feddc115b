/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * -N: addresses shown as host names. Only with -N does the printer ever look
 * a name up (getnameinfo, which may block); answers, and failures, are kept in
 * a direct-mapped cache of WIRE_NAMES_CACHE entries allocated once, so each
 * address is asked about at most once while it stays cached. Names are
 * printed escaped, like every other byte that came from the network.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pr.h"

struct name_ent {
	uint8_t used, fam, ok;
	uint8_t a[16];
	char name[NI_MAXHOST];
};

struct wire_names {
	struct name_ent e[WIRE_NAMES_CACHE];
};

int wire_names_new(struct wire_names **np)
{
	*np = calloc(1, sizeof(**np));
	return *np ? 0 : -ENOMEM;
}

void wire_names_free(struct wire_names *n)
{
	free(n);
}

const char *wire_names_lookup(struct wire_names *n, int fam, const uint8_t *a)
{
	size_t len = fam == 4 ? 4 : 16;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ a[i]) * 16777619u;
	struct name_ent *e = &n->e[h % WIRE_NAMES_CACHE];
	if (e->used && e->fam == fam && memcmp(e->a, a, len) == 0)
		return e->ok ? e->name : NULL;
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (fam == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a, 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a, 16);
		sl = sizeof(*sin6);
	}
	e->used = 1;
	e->fam = (uint8_t)fam;
	memcpy(e->a, a, len);
	e->ok = getnameinfo((struct sockaddr *)&ss, sl, e->name, sizeof(e->name), NULL, 0,
	                    NI_NAMEREQD) == 0;
	return e->ok ? e->name : NULL;
}
