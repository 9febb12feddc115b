/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udp.stream numbering (include/wire/udpnum.h): one open-addressing table,
 * linear probing, sized 4/3 of the conversations it numbers.
 */
#include "wire/udpnum.h"

#include <stdlib.h>
#include <string.h>

#include "wire/dissect.h"
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

/* udp.stream of the last UDP header in d (one quoted in an ICMP error or
 * in a first fragment too, as tshark), or -1. */
long wire_udpnum_dissect(struct wire_udpnum *u, const struct wire_dissect *d)
{
	int i = (int)d->n - 1;
	while (i > 0 && d->l[i].kind != WIRE_L_UDP)
		i--;
	if (i <= 0) /* no layer at all, or none UDP after the first */
		return -1;
	const struct wire_layer *l = &d->l[i];
	/* as tshark: a whole header, with a length of at least 8 unless quoted */
	if (l->kind != WIRE_L_UDP ||
	    (l->status != WIRE_LS_OK && (l->have < 8 || (!l->quoted && l->u.udp.ulen < 8))))
		return -1;
	int k = i - 1;
	while (k > 0 && d->l[k].kind == WIRE_L_IP6EXT)
		k--;
	const struct wire_layer *ip = &d->l[k];
	const struct wire_udp *h = &l->u.udp;
	if (ip->kind == WIRE_L_IPV4)
		return wire_udpnum_get(u, 4, ip->u.ip4.src, h->sport, ip->u.ip4.dst, h->dport);
	if (ip->kind == WIRE_L_IPV6)
		return wire_udpnum_get(u, 16, ip->u.ip6.src, h->sport, wire_ip6_conv_dst(d, k),
		                       h->dport);
	return -1;
}
