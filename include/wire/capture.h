/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Live capture on Linux: an AF_PACKET socket with a TPACKET_V3 memory-mapped
 * ring, on one interface or on all ("any", cooked as Linux SLL2 like
 * libpcap). Opening is staged so the filter is in the kernel before the first
 * packet can arrive: wire_capture_open (socket, link type), then
 * wire_capture_set_filter, then wire_capture_start (ring, bind, promiscuous).
 * Packets come out as struct wire_pkt records that point into the ring; no
 * allocation per packet. All of Linux's packet-socket code lives behind this
 * header (src/core/capture.c).
 */
#ifndef WIRE_CAPTURE_H
#define WIRE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "wire/filter.h"
#include "wire/packet.h"
#include "wire/sink.h"

enum wire_capture_dir {
	WIRE_CAP_INOUT = 0, /* both (on lo: each packet once, as received) */
	WIRE_CAP_IN,        /* -Q in */
	WIRE_CAP_OUT,       /* -Q out */
};

struct wire_capture_opts {
	const char *ifname; /* interface name or "any" (required) */
	unsigned snaplen;   /* bytes kept per packet (0: WIRE_SNAPLEN_DEFAULT) */
	unsigned buf_mib;   /* ring size in MiB (0: default) */
	int promisc;        /* put the interface in promiscuous mode */
	enum wire_capture_dir dir;
	int block_ms; /* ring block timeout in ms (0: default) */
};

struct wire_capture_stats {
	uint64_t received; /* passed the kernel filter (incl. dropped), PACKET_STATISTICS */
	uint64_t dropped;  /* dropped because the ring was full */
	uint64_t freezes;  /* times the ring queue froze (TPACKET_V3) */
};

struct wire_capture;

#define WIRE_CAPTURE_BUF_DEFAULT_MIB 4u

/* Finds the default interface: the first that is up and not a loopback, else
 * "lo". Returns 0 with the name in name (size n), or -errno. */
int wire_capture_default_if(char *name, size_t n);
/* Lists the interfaces (-D), tcpdump style, one a line. Returns 0, -errno
 * or the sink's error. */
int wire_capture_list(struct wire_sink *out);
/* Opens the packet socket for o->ifname (no packets flow yet). Returns 0 and
 * *cp, WIRE_E_PRIV without CAP_NET_RAW, -ENODEV for an unknown interface, or
 * -errno; why (size n) gets a one-line reason. */
int wire_capture_open(struct wire_capture **cp, const struct wire_capture_opts *o, char *why,
                      size_t n);
/* Returns the link type packets will have (WIRE_LINK_*). */
int wire_capture_linktype(const struct wire_capture *c);
/* Returns the snapshot length in force. */
unsigned wire_capture_snaplen(const struct wire_capture *c);
/* Attaches a kernel filter (insns as wire_filter_kernel_prog gives them, or
 * NULL for none), together with the direction rules. Call it before
 * wire_capture_start so no packet arrives unfiltered; calling it again later
 * replaces the filter atomically (packets already in the ring stay).
 * Returns 0 or -errno. */
int wire_capture_set_filter(struct wire_capture *c, const struct wire_bpf_insn *insns, size_t n);
/* Sets up the ring, binds and turns on promiscuous mode. Returns 0, or
 * -errno with a reason in why. */
int wire_capture_start(struct wire_capture *c, char *why, size_t n);
/* Waits up to timeout_ms (0: do not wait, -1: forever) for the next packet.
 * Returns 1 with *pkt filled (data valid until the next call), 0 when none
 * came (timeout or a signal), or -errno (e.g. -ENETDOWN). pkt->num is left 0
 * for the caller to number. */
int wire_capture_next(struct wire_capture *c, struct wire_pkt *pkt, int timeout_ms);
/* Reads the kernel's counters (accumulated over calls). Returns 0 or -errno. */
int wire_capture_stats(struct wire_capture *c, struct wire_capture_stats *st);
/* Returns the socket's file descriptor (for poll). */
int wire_capture_fd(const struct wire_capture *c);
/* Closes the socket and unmaps the ring. */
void wire_capture_close(struct wire_capture *c);

#endif
