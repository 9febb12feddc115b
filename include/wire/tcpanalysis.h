/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP sequence analysis (src/core/tcpanalysis.c): Wireshark's tcp.analysis.*
 * flags, computed per segment in capture order with the rules and the order
 * of checks of tcp_analyze_sequence_number() in Wireshark's packet-tcp.c:
 * zero-window probe, zero window, lost segment, keep-alive, window update,
 * window full, keep-alive ACK, zero-window probe ACK, duplicate ACK (with its
 * number), ACKed unseen segment, then (as tshark 4.0) spurious
 * retransmission for data the receiver already acknowledged, else for a
 * segment below the next expected sequence number fast retransmission /
 * out-of-order (within the initial RTT, or 3 ms when it is unknown) /
 * retransmission; a SYN with a new ISN on a known 4-tuple marks reused ports
 * and starts the conversation again.
 *
 * State is one fixed table of WIRE_TCPA_MAX_CONVS conversations (about 160
 * bytes each), keyed by the 4-tuple; a lookup probes WIRE_TCPA_PROBE slots
 * and, when all are taken, evicts the least recently seen of them (counted:
 * its next segment starts a fresh state, as at the start of a capture).
 * Nothing is allocated per packet. The core never prints.
 */
#ifndef WIRE_TCPANALYSIS_H
#define WIRE_TCPANALYSIS_H

#include <stdint.h>

/* Flags of one segment (a bit per tcp.analysis.* field). */
enum {
	WIRE_TCPA_RETRANS = 1u << 0,      /* tcp.analysis.retransmission (also set, as
	                                   * tshark does, with FAST_RETRANS and SPURIOUS) */
	WIRE_TCPA_FAST_RETRANS = 1u << 1, /* tcp.analysis.fast_retransmission */
	WIRE_TCPA_SPURIOUS = 1u << 2,     /* tcp.analysis.spurious_retransmission */
	WIRE_TCPA_OOO = 1u << 3,          /* tcp.analysis.out_of_order */
	WIRE_TCPA_LOST = 1u << 4,         /* tcp.analysis.lost_segment */
	WIRE_TCPA_ACK_LOST = 1u << 5,     /* tcp.analysis.ack_lost_segment */
	WIRE_TCPA_DUP_ACK = 1u << 6,      /* tcp.analysis.duplicate_ack (+ _num) */
	WIRE_TCPA_ZERO_WIN = 1u << 7,     /* tcp.analysis.zero_window */
	WIRE_TCPA_ZWP = 1u << 8,          /* tcp.analysis.zero_window_probe */
	WIRE_TCPA_ZWP_ACK = 1u << 9,      /* tcp.analysis.zero_window_probe_ack */
	WIRE_TCPA_WIN_FULL = 1u << 10,    /* tcp.analysis.window_full */
	WIRE_TCPA_WIN_UPDATE = 1u << 11,  /* tcp.analysis.window_update */
	WIRE_TCPA_KEEPALIVE = 1u << 12,   /* tcp.analysis.keep_alive */
	WIRE_TCPA_KA_ACK = 1u << 13,      /* tcp.analysis.keep_alive_ack */
	WIRE_TCPA_REUSED = 1u << 14,      /* tcp.analysis.reused_ports */
};
#define WIRE_TCPA_KINDS 15u

struct wire_tcpa;

/* One TCP segment; addresses in network order, ts in nanoseconds. */
struct wire_tcpa_seg {
	uint8_t alen; /* 4 or 16 */
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags; /* WIRE_TH_* */
	uint16_t win;   /* as in the header (unscaled) */
	int8_t wscale;  /* window scale option's shift, -1 when absent */
	uint32_t len;   /* payload length (as the IP header claims) */
	uint64_t ts;
};

struct wire_tcpa_res {
	uint32_t flags;  /* WIRE_TCPA_* */
	uint32_t dupack; /* tcp.analysis.duplicate_ack_num when DUP_ACK */
	/* The rest is set for every segment analysed (seg = 1), as tshark 4.0
	 * computes them: relative numbers from the SYN's sequence number, or
	 * from the first one seen minus 1, or from an ACK of the other direction
	 * minus 1 when that comes first; windows scaled once both SYNs settled
	 * it (never on a SYN; unscaled when the handshake was not seen). */
	uint8_t seg;     /* 1, or 2: numbered only (stream and seq; a data offset under 5) */
	uint8_t ace;     /* AccECN set up by the handshake (not on a SYN): tshark names
	                  * AE, CWR and ECE as one counter, "ACE=n" */
	uint32_t stream; /* tcp.stream: conversations in order of appearance */
	uint32_t seq, ack, nxtseq; /* tcp.seq, tcp.ack (raw without ACK), tcp.nxtseq */
	uint64_t win;              /* tcp.window_size */
};

struct wire_tcpa_stats {
	uint64_t segments;
	uint64_t convs;   /* conversations started */
	uint64_t evicted; /* conversations forgotten to stay under the table size */
};

/* Returns a new analyser, or NULL when out of memory. */
struct wire_tcpa *wire_tcpa_new(void);
/* Analyses one segment into *res (zeroed first). */
struct wire_dissect;
/* Fills g from a decoded packet's TCP segment. Returns 1, or 0 when the
 * packet holds no whole TCP header over IPv4/IPv6 (or is a fragment). */
int wire_tcpa_segment(const struct wire_dissect *d, struct wire_tcpa_seg *g);
/* Fills g from the TCP layer d->l[k] (whatever its status; no options, so
 * no window scale) and the IP layer under it; returns 0 when there is none. */
int wire_tcpa_segment_at(const struct wire_dissect *d, int k, struct wire_tcpa_seg *g);
/* Fills g from the TCP layer the analysis takes from d: the outer whole one
 * (as wire_tcpa_segment), one the capture cut after its window (16 bytes at
 * least), which tshark numbers and analyses too, or one whose data offset is
 * under 5, which tshark only numbers. Returns the layer's index in d->l, or
 * -1 when there is none. */
int wire_tcpa_layer(const struct wire_dissect *d, struct wire_tcpa_seg *g);
/* Analyses the segment g of layer at of d into *res: for a cut header (at is
 * not d->tp) the state moves and the numbers are set, but no flag is given,
 * as tshark, whose dissection stops before it adds them; a data offset under
 * 5 is only numbered (wire_tcpa_number). */
void wire_tcpa_feed_at(struct wire_tcpa *a, const struct wire_dissect *d, int at,
                       const struct wire_tcpa_seg *g, struct wire_tcpa_res *res);
/* Gives the segment of a TCP header whose data offset is under 5 what
 * tshark gives it: its conversation's tcp.stream (made if new) and relative
 * tcp.seq (res->seg = 2); the rest of the state is left as it was. */
void wire_tcpa_number(struct wire_tcpa *a, const struct wire_tcpa_seg *in,
                      struct wire_tcpa_res *res);
/* Returns 1 when name is a tcp.analysis field this analysis gives
 * (tcp.analysis.flags, .duplicate_ack_num or one of the flags). */
int wire_tcpa_known(const char *name, size_t len);

void wire_tcpa_feed(struct wire_tcpa *a, const struct wire_tcpa_seg *s, struct wire_tcpa_res *res);
const struct wire_tcpa_stats *wire_tcpa_stats(const struct wire_tcpa *a);
void wire_tcpa_free(struct wire_tcpa *a);

/* The field name of flag bit k (0 <= k < WIRE_TCPA_KINDS), e.g.
 * "tcp.analysis.retransmission"; and its short tag for the line view, e.g.
 * "retransmission", "zero window". NULL for other k. */
const char *wire_tcpa_field(unsigned k);
const char *wire_tcpa_tag(unsigned k);

struct wire_fval;
/* -Y's tcp.analysis.* field called name for a segment analysed as *res: writes
 * its value into v[0] and returns 1, or returns 0 when absent (or max is 0). */
unsigned wire_tcpa_res_field(const struct wire_tcpa_res *res, const char *name, struct wire_fval *v,
                             unsigned max);

#endif
