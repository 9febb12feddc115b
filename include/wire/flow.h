/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --flow (src/core/flow.c): tshark's `-z flow,tcp,standard` ladder as text.
 * Each TCP segment shown is an arrow between two lanes (hosts, in order of
 * first appearance), labelled with its flags and payload length, with the
 * relative sequence and acknowledgement numbers as comment and the ports at
 * both ends; with more than one tcp.stream a first column gives it and a
 * line of dashes separates the streams when they change. The layout is
 * Wireshark's sequence_analysis_dump_to_file (lanes 20 columns wide, the
 * host names alternating over two header lines). As there, the ladder is
 * written at the end (the lanes must be known first): the arrows are kept,
 * at most WIRE_FLOW_ITEMS_MAX of them between WIRE_FLOW_NODES_MAX hosts;
 * the others are counted, not drawn. Only numbers and addresses are
 * printed, no byte of a packet. The core never prints: the ladder goes to a
 * sink.
 */
#ifndef WIRE_FLOW_H
#define WIRE_FLOW_H

#include <stdint.h>
#include <time.h>

struct wire_flow;
struct wire_sink;

/* One segment: addresses of alen (4 or 16) bytes; seq/ack relative. */
struct wire_flow_seg {
	struct timespec ts;
	uint8_t alen;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint16_t flags; /* WIRE_TH_* */
	uint8_t ace;    /* AccECN set up: AE, CWR, ECE named as tshark's "ACE=n" */
	uint32_t seq, ack, len;
	uint32_t stream; /* tcp.stream */
	uint8_t digits;  /* of the time: the capture's precision (6 or 9) */
};

struct wire_flow_stats {
	uint64_t items;      /* arrows kept */
	uint64_t over_items; /* past WIRE_FLOW_ITEMS_MAX */
	uint64_t over_nodes; /* with a host past WIRE_FLOW_NODES_MAX */
};

/* Returns a new ladder, or NULL when out of memory. */
struct wire_flow *wire_flow_new(void);
/* Times are relative to t0 (tshark: the first frame read), each printed
 * with its packet's precision. */
void wire_flow_set_start(struct wire_flow *f, const struct timespec *t0);
/* Adds one segment. Returns 0, or -ENOMEM (the segment is counted). */
int wire_flow_add(struct wire_flow *f, const struct wire_flow_seg *s);
/* Writes the ladder to out (nothing when no arrow). Returns 0 or a negative
 * errno of the sink. */
int wire_flow_write(const struct wire_flow *f, struct wire_sink *out);
const struct wire_flow_stats *wire_flow_stats(const struct wire_flow *f);
void wire_flow_free(struct wire_flow *f);

#endif
