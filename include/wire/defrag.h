/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4 and IPv6 defragmentation (RFC 791, RFC 8200) for read/sniff.
 *
 * The caller decodes the IP header and feeds each fragment: its key (family,
 * addresses, identification, and for IPv4 the protocol), its offset in bytes,
 * the More Fragments flag and the fragment's payload. When a fragment
 * completes a datagram the reassembled payload (after the IPv4 header, or
 * after the IPv6 Fragment header) comes back in a buffer the reassembler owns,
 * valid until the next call.
 *
 * Rules, as the receiving Linux kernel applies them (net/ipv4/ip_fragment.c
 * ip_frag_queue(), net/ipv6/reassembly.c ip6_frag_queue() and
 * net/ipv4/inet_fragment.c inet_frag_queue_insert(), Linux >= 4.19 with
 * 7969e5c40dfd "ip: discard IPv4 datagrams with overlapping segments" and
 * 0ff89efb5246 "ip: fail fast on IP defrag errors"):
 *  - IPv4: a fragment that overlaps what is held discards the whole datagram.
 *    A fragment lying wholly inside one run of fragments received in order
 *    (a duplicate, bytes not compared: the first copy wins) is ignored and
 *    the datagram kept. With MF set, a length that is not a multiple of 8 is
 *    cut down to one (Linux does so).
 *  - IPv6 (RFC 5722 and RFC 8200 4.5): any overlap discards the whole
 *    datagram, except an exact duplicate (same offset, length, flag and
 *    bytes), which is ignored. A fragment with M set whose length is not a
 *    multiple of 8 is invalid and dropped (the datagram is kept, as Linux
 *    does). An atomic fragment (offset 0, M clear, RFC 6946) is not held:
 *    it comes back as WIRE_DEFRAG_WHOLE.
 *  - Both: a second last fragment with a different end, bytes beyond the
 *    known end, an empty fragment, or a datagram over 65535 bytes discard the
 *    datagram ("bad").
 * Bounds: fragments per datagram, datagrams held, bytes held (all of them,
 * counted as allocated), and a timeout from the first fragment (30 s for
 * IPv4 as Linux's ipfrag_time, 60 s for IPv6 as RFC 8200). When the table or
 * the memory is full the oldest datagrams are evicted. Everything dropped is
 * counted in struct wire_defrag_stats for the caller to report. Memory in
 * all: mem_max, plus the slot table allocated at init (112 bytes per
 * datagram slot and 8 of hash buckets: 120 KiB with the defaults), plus the
 * last completed datagram (at most 64 KiB).
 */
#ifndef WIRE_DEFRAG_H
#define WIRE_DEFRAG_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_DEFRAG_DGRAM_MAX 65535u        /* IPv4 total length / IPv6 fragmentable part */
#define WIRE_DEFRAG_FRAGS_MAX 128u          /* fragments held per datagram */
#define WIRE_DEFRAG_QUEUES_MAX 1024u        /* datagrams held at once */
#define WIRE_DEFRAG_MEM_MAX (4u << 20)      /* bytes held in total (Linux ipfrag_high_thresh) */
#define WIRE_DEFRAG_TIMEOUT4_US 30000000ull /* IPv4: Linux ipfrag_time, 30 s */
#define WIRE_DEFRAG_TIMEOUT6_US 60000000ull /* IPv6: RFC 8200 4.5, 60 s */

struct wire_defrag_limits {
	uint32_t frags_max;  /* fragments per datagram */
	uint32_t queues_max; /* datagrams held */
	size_t mem_max;      /* bytes held in total */
	uint64_t timeout4_us, timeout6_us;
};

/* Why a fragment or a datagram was dropped. */
enum wire_defrag_why {
	WIRE_DEFRAG_OK = 0,
	WIRE_DEFRAG_TIMEOUT,  /* datagram: not complete within the timeout */
	WIRE_DEFRAG_OVERLAP,  /* datagram: overlapping fragments */
	WIRE_DEFRAG_TOO_MANY, /* datagram: over frags_max fragments */
	WIRE_DEFRAG_EVICTED,  /* datagram: the table was full, it was the oldest */
	WIRE_DEFRAG_MEMORY,   /* datagram: over mem_max bytes held */
	WIRE_DEFRAG_BAD,      /* datagram or fragment: inconsistent length or end */
	WIRE_DEFRAG_WHY_N
};

struct wire_defrag_stats {
	uint64_t frags;                      /* fragments fed (atomic ones included) */
	uint64_t done;                       /* datagrams completed */
	uint64_t atomic;                     /* atomic fragments passed through */
	uint64_t dup;                        /* duplicate fragments ignored */
	uint64_t dropped[WIRE_DEFRAG_WHY_N]; /* datagrams (or lone fragments) dropped, by why */
	uint64_t frags_dropped;              /* fragments thrown away with them (and unfinished) */
	uint64_t unfinished; /* datagrams still incomplete at wire_defrag_finish() */
};

struct wire_defrag_frag {
	int family;               /* 4 or 6 */
	uint8_t src[16], dst[16]; /* IPv4: first 4 bytes */
	uint32_t id;              /* IPv4: 16 bits; IPv6: 32 bits */
	uint8_t proto;            /* IPv4: protocol (part of the key); IPv6: the
	                           * Fragment header's next header */
	uint16_t hdr_len;         /* IPv4: header length (for the 65535 limit) */
	uint32_t offset;          /* bytes */
	int more;                 /* MF / M */
	const uint8_t *data;      /* the fragment's payload */
	size_t len;
	uint64_t ts_us; /* capture time */
};

enum wire_defrag_rc {
	WIRE_DEFRAG_HELD = 0,    /* kept (or an ignored duplicate), datagram incomplete */
	WIRE_DEFRAG_DONE = 1,    /* *out holds the reassembled datagram */
	WIRE_DEFRAG_WHOLE = 2,   /* not fragmented (offset 0, no MF): decode as is */
	WIRE_DEFRAG_DROPPED = 3, /* dropped; out->why says why */
};

struct wire_defrag_out {
	const uint8_t *data; /* payload, valid until the next call */
	size_t len;
	uint8_t proto;            /* IPv6: next header of the offset-0 fragment */
	uint32_t nfrags;          /* fragments it was made of */
	uint64_t first_us;        /* time of its first fragment */
	enum wire_defrag_why why; /* for WIRE_DEFRAG_DROPPED */
	int dup;                  /* WIRE_DEFRAG_HELD: it was a duplicate */
};

struct wire_defrag_q;

struct wire_defrag {
	struct wire_defrag_limits lim;
	struct wire_defrag_q *q; /* lim.queues_max slots */
	int32_t *bucket;         /* hash heads, nbucket of them */
	uint32_t nbucket;
	int32_t free_head;
	int32_t age_head[2], age_tail[2]; /* oldest first, per family */
	uint32_t nq;                      /* datagrams held */
	size_t held;                      /* bytes held (allocated) */
	uint8_t *out;                     /* last completed datagram */
	struct wire_defrag_stats st;
};

/* lim NULL: the defaults above. Returns 0 or -ENOMEM. */
int wire_defrag_init(struct wire_defrag *d, const struct wire_defrag_limits *lim);
void wire_defrag_defaults(struct wire_defrag_limits *lim);
/* Returns a wire_defrag_rc, or -ENOMEM / WIRE_E_USAGE (family not 4 or 6). */
int wire_defrag_feed(struct wire_defrag *d, const struct wire_defrag_frag *f,
                     struct wire_defrag_out *out);
/* Drops the datagrams older than their timeout at now_us; returns how many. */
unsigned wire_defrag_expire(struct wire_defrag *d, uint64_t now_us);
/* End of input: what is still held is counted as unfinished and freed. */
void wire_defrag_finish(struct wire_defrag *d);
void wire_defrag_free(struct wire_defrag *d);
/* "overlap", "timeout", ... */
const char *wire_defrag_why_name(enum wire_defrag_why why);

/* ---- whole packets (src/core/defrag_pkt.c) ------------------------------ */

struct wire_pkt;

/* A reassembler fed with captured packets: finds the innermost IPv4 header
 * or IPv6 Fragment header, and on the last fragment builds a packet that
 * looks unfragmented (link header, IP header with the total length, MF and
 * offset cleared and a fresh checksum, or the IPv6 headers before the
 * Fragment header, then the reassembled payload) for the printers. */
struct wire_dissect;
struct wire_defragger {
	struct wire_defrag d;
	uint8_t *buf; /* the synthetic packet */
	size_t cap;
	struct wire_pkt *pkt;
	struct wire_dissect *dd; /* the synthetic packet's dissection */
	uint64_t fragments;      /* packets that were fragments */
	uint64_t truncated;      /* fragments not fully captured: not fed */
};

int wire_defragger_init(struct wire_defragger *g, const struct wire_defrag_limits *lim);
/* Feeds pkt. Returns 1 and *show (valid until the next call) when pkt
 * completes a datagram, 0 when pkt is to be shown as it is, or -ENOMEM. */
int wire_defragger_packet(struct wire_defragger *g, const struct wire_pkt *pkt,
                          const struct wire_pkt **show);
struct wire_dissect;
struct wire_dns_msg;
/* Dissects pkt into *d (DNS records into dns, as wire_dissect_ex) and feeds
 * it. When pkt completes a datagram, d keeps the frame's own layers up to
 * its IPv4 header or IPv6 Fragment header (their fields are the frame's, as
 * tshark shows them) followed by the layers of the reassembled datagram
 * (d->re, d->re_from: valid until the next call), and 1 is returned; 0 when
 * pkt completes nothing, or -ENOMEM. */
int wire_defragger_dissect(struct wire_defragger *g, struct wire_dissect *d,
                           const struct wire_pkt *pkt, struct wire_dns_msg *dns);
void wire_defragger_free(struct wire_defragger *g);

#endif
