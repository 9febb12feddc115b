/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The TCP state of one connection as seen from one side, driven only by the
 * segments a capture saw (RFC 9293 section 3.3.2), for --trace. The capture
 * order is not always the order in which that side's socket acted: on lo a
 * packet is captured when it is received, so when both sides send a FIN at
 * once, the peer's FIN may be captured before this side's own. The closing
 * states are therefore worked out from what the segments prove (which FIN
 * acknowledges which, whether this side's FIN was acknowledged), not from the
 * order they came in. When the FINs crossed (each sent before the other's
 * arrived), a side whose FIN is not yet acknowledged when the peer's arrives
 * goes through CLOSING (both sides, when the FINs pass each other in flight),
 * and both sides end in TIME_WAIT; FIN_WAIT1 goes straight to TIME_WAIT only
 * when the peer's FIN arrives with the ACK of ours.
 */
#ifndef WIRE_TCPSTATE_H
#define WIRE_TCPSTATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct wire_tpkt; /* include/wire/trace.h */

/* TCP states, as RFC 9293 names them. */
enum wire_tcps {
	WIRE_TCPS_CLOSED = 0,
	WIRE_TCPS_LISTEN,
	WIRE_TCPS_SYN_SENT,
	WIRE_TCPS_SYN_RECV,
	WIRE_TCPS_ESTABLISHED,
	WIRE_TCPS_FIN_WAIT1,
	WIRE_TCPS_FIN_WAIT2,
	WIRE_TCPS_CLOSING,
	WIRE_TCPS_TIME_WAIT,
	WIRE_TCPS_CLOSE_WAIT,
	WIRE_TCPS_LAST_ACK,
};

/* Returns "ESTABLISHED", "FIN_WAIT1", ... for a state. */
const char *wire_tcps_name(int st);

/* One connection's state seen from this side, driven by its packets. */
struct wire_tcp_track {
	int state;
	int have_iss, have_irs;
	uint32_t iss, irs;      /* initial sequence numbers: ours, the peer's */
	int fin_sent, fin_rcvd; /* a FIN went out / came in */
	uint32_t fin_seq;       /* sequence number of our FIN */
	uint32_t fin_ack;       /* the acknowledgment number our FIN carried */
	uint32_t peer_fin_seq;  /* sequence number of the peer's FIN */
	uint32_t peer_fin_ack;  /* the acknowledgment number the peer's FIN carried */
	uint32_t peer_ack;      /* the highest acknowledgment number from the peer */
	int have_peer_ack;      /* peer_ack is set */
	int fin_acked;          /* the peer acknowledged our FIN */
	int closed_first;       /* 1 this side sent FIN first, 2 the peer did, 3 both */
	uint64_t sent, rcvd;    /* payload bytes each way (new bytes only) */
	uint32_t snd_max;       /* highest sequence number this side sent, + 1 */
	int have_snd_max;       /* snd_max is set */
	int sent_after_fin;     /* this side sent data after the peer's FIN */
	int handshake_done;     /* the "connected" note was given */
	struct timespec syn_ts; /* first SYN of the handshake */
};

/* Events the tracker reports for one segment (bit set). */
#define WIRE_TCPT_STATE 0x1     /* the state changed */
#define WIRE_TCPT_CONNECTED 0x2 /* the handshake completed (this packet finished it) */
#define WIRE_TCPT_RST 0x4       /* a reset; the cause is in the note */
#define WIRE_TCPT_TIME_WAIT 0x8 /* this side entered TIME_WAIT */
#define WIRE_TCPT_CLOSED 0x10   /* the connection is gone on this side */
#define WIRE_TCPT_CROSSED 0x20  /* sent before the close this side already saw */
#define WIRE_TCPT_RETRANS 0x40  /* this side sent these bytes before (a retransmission) */

/* Feeds one segment of the connection; out is 1 when this side sent it.
 * Writes a plain-language note (or "") into note (size n) for a RST, the
 * handshake, TIME_WAIT, FINs that crossed, a segment captured after the
 * close it crossed, and the end. Returns the WIRE_TCPT_* bits. */
int wire_tcp_track(struct wire_tcp_track *t, int out, const struct wire_tpkt *p, char *note,
                   size_t n);

#endif
