/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small pcapng writer for what libpcap cannot write: a comment on each
 * packet (EPB opt_comment), so Wireshark shows why a packet is there (the
 * `wirecat trace -w` file). One section, one interface: the Section Header
 * Block, an Interface Description Block with the link type, the interface
 * name and if_tsresol 9 (nanoseconds), then one Enhanced Packet Block per
 * packet with its direction (epb_flags) and comment. Bounded: a packet's
 * bytes are cut at the snaplen given at open (at most WIRE_PCAPNG_SNAP_MAX),
 * a comment at WIRE_PCAPNG_COMMENT_MAX bytes; a comment's bytes outside
 * printable ASCII are escaped (\n, \xHH). Output goes through a sink, so the
 * writer never prints on its own.
 *
 * Typical use:
 *	wire_pcapng_begin(&s, WIRE_LINK_ETHERNET, 256, "lo");
 *	wire_pcapng_packet(&s, &pkt, "pid 12 (python3) send(3, ...) = 3");
 *	wire_sink_flush(&s);
 */
#ifndef WIRE_PCAPNG_H
#define WIRE_PCAPNG_H

#include "wire/packet.h"
#include "wire/sink.h"

#define WIRE_PCAPNG_SNAP_MAX 65535u   /* bytes of a packet written */
#define WIRE_PCAPNG_COMMENT_MAX 1024u /* bytes of a packet's comment */

/* Writes the Section Header Block and the one Interface Description Block
 * (link type linktype, snapshot length snaplen, interface name ifname or
 * NULL). Returns 0 or the sink's negative error. */
int wire_pcapng_begin(struct wire_sink *s, int linktype, unsigned snaplen, const char *ifname);

/* Writes pkt as an Enhanced Packet Block on interface 0: at most the snaplen
 * given to wire_pcapng_begin of its bytes (pass the same snaplen here), its
 * direction when known, and comment (NULL or "": none). Returns 0 or the
 * sink's negative error. */
int wire_pcapng_packet(struct wire_sink *s, unsigned snaplen, const struct wire_pkt *pkt,
                       const char *comment);

#endif
