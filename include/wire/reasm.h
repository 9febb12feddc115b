/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP reassembly (src/core/reasm.c): turns the segments of each TCP
 * connection back into its two byte streams.
 *
 * Streams are keyed by the 4-tuple (IPv4 or IPv6) and numbered from 0 in order
 * of first appearance, as Wireshark numbers tcp.stream: a SYN without ACK on a
 * known 4-tuple starts a new stream number when its sequence number differs
 * from the base sequence of that direction (Wireshark's "ports reused" rule,
 * packet-tcp.c) or when the previous stream on that 4-tuple has finished
 * (a FIN or a RST was seen). Direction 0 (client to server) is the sender of
 * the stream's first segment, or its receiver when that segment is a SYN/ACK.
 *
 * Each direction delivers its bytes in sequence order to a callback. In-order
 * segments are delivered straight from the caller's packet memory (no copy);
 * out-of-order bytes wait in a per-direction window (a ring that grows in
 * powers of two up to limits.dir_bytes, with a bitmap of the bytes held).
 * Overlaps follow the "first" policy (Suricata's default, also what
 * Wireshark's follow shows): a byte already received is never replaced; a
 * later copy that differs while the first is still queued is counted as a
 * conflict. A missing range is delivered as a GAP event of its length, never
 * as invented bytes: when a segment lies past the window (the queue gives
 * up on its oldest hole), when memory is reclaimed, and at the end
 * (wire_reasm_finish, or a stream replaced or evicted).
 *
 * Memory is bounded: per direction by limits.dir_bytes (+1/8 for the
 * bitmap), in total by limits.total_bytes (when a window cannot grow, the
 * least recently active other directions holding memory are flushed: gaps
 * declared, their queued bytes delivered, their window freed), and in
 * streams by limits.max_streams (the least recently active stream is evicted:
 * flushed, ended and forgotten; its 4-tuple, if seen again, gets a new stream
 * number). Everything dropped or given up is counted in struct
 * wire_reasm_stats. There is no allocation per segment: one per stream, and
 * one per window growth. With the defaults (limits.h) the bound is 256 MiB
 * of windows and bitmaps plus 216 bytes and a hash slot per stream
 * (262144 streams: about 58 MiB), about 320 MiB in all.
 *
 * The callback must not call back into the reassembler.
 */
#ifndef WIRE_REASM_H
#define WIRE_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "wire/limits.h"

struct wire_reasm;

struct wire_reasm_limits {
	size_t dir_bytes;   /* out-of-order window per direction (power of two) */
	size_t total_bytes; /* all windows and bitmaps together */
	size_t max_streams; /* streams tracked at once */
};

/* Both ends of a stream: ep 0 is the client (direction 0 sends from it). */
struct wire_reasm_ends {
	uint8_t alen; /* 4 or 16 */
	uint8_t addr[2][16];
	uint16_t port[2];
};

enum wire_reasm_kind {
	WIRE_REASM_NEW = 0, /* a stream number was given (dir 0, no bytes) */
	WIRE_REASM_DATA,    /* len bytes at data, the next in sequence */
	WIRE_REASM_GAP,     /* len bytes are missing here (never seen) */
	WIRE_REASM_END,     /* the direction ended: FIN reached, or flushed */
};

struct wire_reasm_event {
	uint32_t stream; /* tcp.stream */
	uint8_t dir;     /* 0 client to server, 1 server to client */
	uint8_t kind;    /* enum wire_reasm_kind */
	const uint8_t *data;
	size_t len;
	uint64_t offset;  /* stream offset of the first byte (0 = first byte after the ISN) */
	uint64_t missing; /* bytes of this direction given up as gaps before offset */
	const struct wire_reasm_ends *ends;
};

typedef void (*wire_reasm_cb)(void *ud, const struct wire_reasm_event *ev);

/* One TCP segment as the caller decoded it; addresses in network order. */
struct wire_reasm_seg {
	uint8_t alen; /* 4 or 16 */
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags; /* WIRE_TH_* */
	const uint8_t *data;
	size_t len;
};

struct wire_reasm_stats {
	uint64_t streams;        /* stream numbers given */
	uint64_t segments;       /* segments fed */
	uint64_t delivered;      /* bytes delivered as DATA */
	uint64_t gaps;           /* GAP events */
	uint64_t gap_bytes;      /* bytes declared missing */
	uint64_t retrans_bytes;  /* bytes received again (already delivered or queued) */
	uint64_t conflict_bytes; /* of those, queued bytes whose new copy differed (first kept) */
	uint64_t after_fin;      /* bytes past a direction's FIN, dropped */
	uint64_t window_giveups; /* holes given up because a segment lay past the window */
	uint64_t mem_flushes;    /* directions flushed to keep the total under its cap */
	uint64_t evicted;        /* streams evicted to stay under max_streams */
	uint64_t nomem;          /* allocations that failed (bytes given up as gaps) */
	size_t mem;              /* bytes held in windows and bitmaps now */
	size_t mem_peak;
};

/* Returns the default limits (WIRE_REASM_* in limits.h). */
struct wire_reasm_limits wire_reasm_default_limits(void);

/* Returns a new reassembler delivering to cb(ud, ...), or NULL when out of
 * memory or when lim (NULL: the defaults) is unusable (dir_bytes not a power
 * of two of at least 64, total_bytes below one window, no streams). */
struct wire_reasm *wire_reasm_new(const struct wire_reasm_limits *lim, wire_reasm_cb cb, void *ud);

/* Feeds one segment; events for it (and for anything it completes) are
 * delivered before it returns. Returns the segment's stream number, or a
 * negative code (WIRE_E_MALFORMED for a bad address length). */
struct wire_dissect;
/* Fills g from a decoded packet: its innermost IP layer (IPv4 or IPv6) and
 * its TCP layer, decoded whole, not quoted, not a fragment; data points into
 * the packet. Returns 0, or -1 when the packet is no such TCP segment. */
int wire_reasm_segment(const struct wire_dissect *d, struct wire_reasm_seg *g);

long wire_reasm_feed(struct wire_reasm *r, const struct wire_reasm_seg *s);

/* Ends every stream: queued bytes are delivered with gaps for the holes
 * before them, then a gap up to the FIN (if one was seen), then END for each
 * direction not yet ended. Streams are forgotten; numbering goes on. */
void wire_reasm_finish(struct wire_reasm *r);

/* Returns the counters (valid until the next call on r). */
const struct wire_reasm_stats *wire_reasm_stats(const struct wire_reasm *r);

/* Frees everything (without delivering anything). */
void wire_reasm_free(struct wire_reasm *r);

#endif
