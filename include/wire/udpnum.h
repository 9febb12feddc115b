/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udp.stream numbering (src/core/udpnum.c): UDP conversations, keyed by
 * both addresses and ports in either direction, numbered from 0 in order of
 * first appearance as Wireshark numbers udp.stream. One fixed table of
 * WIRE_UDPNUM_MAX conversations (open addressing); past it a datagram gets
 * no number (counted). The core never prints.
 */
#ifndef WIRE_UDPNUM_H
#define WIRE_UDPNUM_H

#include <stdint.h>

struct wire_udpnum;

/* Returns a new numbering, or NULL when out of memory. */
struct wire_udpnum *wire_udpnum_new(void);
/* Returns the udp.stream of the datagram from src:sp to dst:dp (alen 4 or
 * 16 bytes each), or -1 when the table is full (then counted). */
long wire_udpnum_get(struct wire_udpnum *u, uint8_t alen, const uint8_t *src, uint16_t sp,
                     const uint8_t *dst, uint16_t dp);
/* The udp.stream of the last UDP header in the dissected packet d (one
 * quoted in an ICMP error or in a first fragment too, as tshark), or -1. */
struct wire_dissect;
long wire_udpnum_dissect(struct wire_udpnum *u, const struct wire_dissect *d);
/* Datagrams that got no number because the table was full. */
uint64_t wire_udpnum_unnumbered(const struct wire_udpnum *u);
void wire_udpnum_free(struct wire_udpnum *u);

#endif
