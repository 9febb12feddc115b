/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udp.stream numbering (include/wire/udpnum.h): one open-addressing table,
 * linear probing, sized 4/3 of the conversations it numbers.
 */
#include "wire/udpnum.h"

#include <stdlib.h>
#include <string.h>

#include "wire/limits.h"

#define SLOTS (WIRE_UDPNUM_MAX / 3u * 4u)

struct uconv {
	uint8_t used, alen;
	uint16_t port[2];
	uint32_t id;
	uint8_t addr[2][16];
};

struct wire_udpnum {
	struct uconv *tab; /* SLOTS */
	uint32_t next;     /* next number */
	uint64_t unnumbered;
};

struct wire_udpnum *wire_udpnum_new(void)
{
	struct wire_udpnum *u = calloc(1, sizeof(*u));
	if (u && !(u->tab = calloc(SLOTS, sizeof(*u->tab)))) {
		free(u);
		return NULL;
	}
	return u;
}

void wire_udpnum_free(struct wire_udpnum *u)
{
	if (!u)
		return;
	free(u->tab);
	free(u);
}

uint64_t wire_udpnum_unnumbered(const struct wire_udpnum *u)
{
	return u->unnumbered;
}

/* The same in both directions. */
static uint32_t hash(uint8_t alen, const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp)
{
	uint32_t h = 2166136261u ^ (uint32_t)(ap ^ bp);
	for (unsigned i = 0; i < alen; i++)
		h = (h ^ (uint32_t)(a[i] ^ b[i])) * 16777619u;
	return h ^ (uint32_t)(a[alen - 1] + b[alen - 1]) * 40503u;
}

static int same(const struct uconv *c, int x, uint8_t alen, const uint8_t *src, uint16_t sp,
                const uint8_t *dst, uint16_t dp)
{
	return c->alen == alen && c->port[x] == sp && c->port[!x] == dp &&
	       !memcmp(c->addr[x], src, alen) && !memcmp(c->addr[!x], dst, alen);
}

long wire_udpnum_get(struct wire_udpnum *u, uint8_t alen, const uint8_t *src, uint16_t sp,
                     const uint8_t *dst, uint16_t dp)
{
	if (alen != 4 && alen != 16)
		return -1;
	uint32_t i = hash(alen, src, sp, dst, dp) % SLOTS;
	for (uint32_t probes = 0; probes < SLOTS; probes++, i = (i + 1) % SLOTS) {
		struct uconv *c = &u->tab[i];
		if (!c->used)
			break;
		if (same(c, 0, alen, src, sp, dst, dp) || same(c, 1, alen, src, sp, dst, dp))
			return c->id;
	}
	if (u->next >= WIRE_UDPNUM_MAX || u->tab[i].used) {
		u->unnumbered++;
		return -1;
	}
	struct uconv *c = &u->tab[i];
	c->used = 1;
	c->alen = alen;
	c->port[0] = sp;
	c->port[1] = dp;
	memcpy(c->addr[0], src, alen);
	memcpy(c->addr[1], dst, alen);
	c->id = u->next++;
	return c->id;
}
