/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The TCP state tracker of --trace (include/wire/tcpstate.h): one
 * connection's state (RFC 9293 section 3.3.2) as seen from this side, driven
 * by the segments the capture saw, with the plain-language notes a learner
 * needs (the handshake, TIME_WAIT on the side that closed first, FINs that
 * crossed, the likely cause of a RST).
 *
 * The opening is followed in capture order. The closing is worked out from
 * facts the segments prove, whatever order they were captured in: whether
 * this side's FIN was acknowledged, and whether either FIN acknowledges the
 * other (the one that does was sent after the other arrived). So a FIN of
 * the peer captured before this side's own, when this side's FIN does not
 * acknowledge it, is a simultaneous close (CLOSING, then TIME_WAIT), not
 * CLOSE_WAIT -> LAST_ACK -> CLOSED.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "wire/tcpstate.h"
#include "wire/trace.h"

#define TH_FIN 0x001u
#define TH_SYN 0x002u
#define TH_RST 0x004u
#define TH_ACK 0x010u

/* ---- names and helpers ---------------------------------------------------- */

const char *wire_tcps_name(int st)
{
	static const char *const names[] = {
	    "CLOSED",    "LISTEN",  "SYN_SENT",  "SYN_RECV",   "ESTABLISHED", "FIN_WAIT1",
	    "FIN_WAIT2", "CLOSING", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK",
	};
	if (st < 0 || (size_t)st >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[st];
}

/* a >= b in sequence space */
static int seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static void endpoint(const struct wire_tpkt *p, int src, char *out, size_t n)
{
	char h[INET6_ADDRSTRLEN];
	int fam = p->family == 6 ? AF_INET6 : AF_INET;
	if (!inet_ntop(fam, src ? p->src : p->dst, h, sizeof(h)))
		snprintf(h, sizeof(h), "?");
	if (fam == AF_INET6)
		snprintf(out, n, "[%s]:%u", h, src ? p->sport : p->dport);
	else
		snprintf(out, n, "%s:%u", h, src ? p->sport : p->dport);
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* The likely cause of a RST, in plain language. */
static void rst_cause(const struct wire_tcp_track *t, int out, const struct wire_tpkt *p,
                      char *note, size_t n)
{
	char ep[INET6_ADDRSTRLEN + 16];
	if (!out) {
		endpoint(p, 1, ep, sizeof(ep));
		if (t->state == WIRE_TCPS_SYN_SENT)
			snprintf(note, n,
			         "RST: nothing listens on %s, so connect() fails with ECONNREFUSED",
			         ep);
		else if (t->sent_after_fin)
			snprintf(
			    note, n,
			    "RST: the peer had closed its socket, so the data sent after its FIN "
			    "found no reader (a later write fails with EPIPE or ECONNRESET)");
		else if (t->sent > 0)
			snprintf(
			    note, n,
			    "RST: the peer closed with unread data (or aborted with SO_LINGER 0); "
			    "a read here fails with ECONNRESET");
		else
			snprintf(
			    note, n,
			    "RST: the peer aborted the connection (SO_LINGER 0, or it no longer "
			    "knows it); a read here fails with ECONNRESET");
		return;
	}
	endpoint(p, 1, ep, sizeof(ep));
	if (t->state == WIRE_TCPS_CLOSED || t->state == WIRE_TCPS_LISTEN)
		snprintf(note, n, "RST sent: nothing listens on %s here, the SYN is refused", ep);
	else if (t->rcvd > 0)
		snprintf(note, n,
		         "RST sent: this side closed with unread data (or SO_LINGER 0), so close() "
		         "aborts instead of sending FIN");
	else
		snprintf(note, n, "RST sent: this side aborted the connection (SO_LINGER 0)");
}

/* ---- the state machine ---------------------------------------------------- */

/* The opening: SYN and SYN-ACK in either direction. */
static void track_syn(struct wire_tcp_track *t, int out, const struct wire_tpkt *p)
{
	unsigned f = p->tflags;
	if (out) {
		t->iss = p->seq;
		t->have_iss = 1;
		if (!(f & TH_ACK)) {
			if (t->state == WIRE_TCPS_CLOSED) {
				t->state = WIRE_TCPS_SYN_SENT;
				t->syn_ts = p->ts;
			}
		} else if (t->state == WIRE_TCPS_CLOSED || t->state == WIRE_TCPS_LISTEN) {
			t->state = WIRE_TCPS_SYN_RECV;
		}
		return;
	}
	t->irs = p->seq;
	t->have_irs = 1;
	if (!(f & TH_ACK) && (t->state == WIRE_TCPS_CLOSED || t->state == WIRE_TCPS_LISTEN)) {
		t->state = WIRE_TCPS_SYN_RECV;
		t->syn_ts = p->ts;
	}
	/* an incoming SYN-ACK completes the handshake when this side
	 * acknowledges it: see handshake_end() */
}

/* The handshake's last ACK. Returns WIRE_TCPT_CONNECTED when this segment
 * completed it (note written), else 0. */
static int handshake_end(struct wire_tcp_track *t, int out, const struct wire_tpkt *p, char *note,
                         size_t n)
{
	if (out && t->state == WIRE_TCPS_SYN_SENT && t->have_irs) {
		t->state = WIRE_TCPS_ESTABLISHED;
		t->handshake_done = 1;
		snprintf(note, n, "connected (handshake %.2f ms)", ms_between(&t->syn_ts, &p->ts));
		return WIRE_TCPT_CONNECTED;
	}
	if (!out && t->state == WIRE_TCPS_SYN_RECV && t->have_iss && p->ack == t->iss + 1u) {
		t->state = WIRE_TCPS_ESTABLISHED;
		t->handshake_done = 1;
		snprintf(note, n, "accepted (handshake %.2f ms)", ms_between(&t->syn_ts, &p->ts));
		return WIRE_TCPT_CONNECTED;
	}
	return 0;
}

/* Counts the new bytes of an outgoing data segment. Returns
 * WIRE_TCPT_RETRANS when it starts below the highest byte already sent. */
static int count_sent(struct wire_tcp_track *t, const struct wire_tpkt *p)
{
	uint32_t end = p->seq + p->paylen;
	int ev = 0;
	if (!t->have_snd_max || seq_ge(p->seq, t->snd_max)) {
		t->sent += p->paylen;
	} else {
		ev = WIRE_TCPT_RETRANS;
		if (!seq_ge(t->snd_max, end))
			t->sent += end - t->snd_max;
	}
	if (!t->have_snd_max || !seq_ge(t->snd_max, end)) {
		t->snd_max = end;
		t->have_snd_max = 1;
	}
	if (t->fin_rcvd)
		t->sent_after_fin = 1;
	return ev;
}

/* Records what a segment proves about the closing: FINs and their
 * acknowledgment numbers, the highest ACK from the peer. */
static void learn_close(struct wire_tcp_track *t, int out, const struct wire_tpkt *p)
{
	unsigned f = p->tflags;
	if (!out && (f & TH_ACK) && (!t->have_peer_ack || seq_ge(p->ack, t->peer_ack))) {
		t->peer_ack = p->ack;
		t->have_peer_ack = 1;
	}
	if ((f & TH_FIN) && out && !t->fin_sent) {
		t->fin_sent = 1;
		t->fin_seq = p->seq + p->paylen;
		t->fin_ack = p->ack;
		if (!t->closed_first)
			t->closed_first = 1;
	} else if ((f & TH_FIN) && !out && !t->fin_rcvd) {
		t->fin_rcvd = 1;
		t->peer_fin_seq = p->seq + p->paylen;
		t->peer_fin_ack = p->ack;
		if (!t->closed_first)
			t->closed_first = 2;
	}
	if (t->fin_sent && t->have_peer_ack && seq_ge(t->peer_ack, t->fin_seq + 1u))
		t->fin_acked = 1;
}

/* Both FINs are known and neither acknowledges the other: each side sent
 * its FIN before the other's arrived. */
static int fins_crossed(const struct wire_tcp_track *t)
{
	return t->fin_sent && t->fin_rcvd && !seq_ge(t->fin_ack, t->peer_fin_seq + 1u) &&
	       !seq_ge(t->peer_fin_ack, t->fin_seq + 1u);
}

/* The state the closing facts prove. */
static int close_state(const struct wire_tcp_track *t)
{
	if (!t->fin_sent)
		return t->fin_rcvd ? WIRE_TCPS_CLOSE_WAIT : t->state;
	if (!t->fin_rcvd)
		return t->fin_acked ? WIRE_TCPS_FIN_WAIT2 : WIRE_TCPS_FIN_WAIT1;
	if (seq_ge(t->fin_ack, t->peer_fin_seq + 1u)) /* ours left after theirs came */
		return t->fin_acked ? WIRE_TCPS_CLOSED : WIRE_TCPS_LAST_ACK;
	return t->fin_acked ? WIRE_TCPS_TIME_WAIT : WIRE_TCPS_CLOSING;
}

/* States in which the closing facts decide the state. */
static int closing_phase(const struct wire_tcp_track *t)
{
	switch (t->state) {
	case WIRE_TCPS_ESTABLISHED:
	case WIRE_TCPS_FIN_WAIT1:
	case WIRE_TCPS_FIN_WAIT2:
	case WIRE_TCPS_CLOSING:
	case WIRE_TCPS_CLOSE_WAIT:
	case WIRE_TCPS_LAST_ACK: return 1;
	case WIRE_TCPS_SYN_RECV: return t->fin_sent;
	default: return 0;
	}
}

/* The note for a change of state from old (none for most). */
static int close_note(struct wire_tcp_track *t, int old, char *note, size_t n)
{
	int crossed = fins_crossed(t);
	if (crossed)
		t->closed_first = 3;
	if (t->state == WIRE_TCPS_TIME_WAIT) {
		snprintf(note, n,
		         "TIME_WAIT on this side (%s): the address pair stays reserved for 60 s "
		         "(2 MSL), so late segments cannot reach a new connection",
		         crossed ? "both sides closed at once, so both keep one"
		                 : "it closed first");
		return WIRE_TCPT_TIME_WAIT;
	}
	if (t->state == WIRE_TCPS_CLOSING) {
		snprintf(note, n,
		         "simultaneous close: the FINs crossed (each side sent its FIN before the "
		         "other's arrived), so this side waits in CLOSING for the ACK of its FIN, "
		         "and both sides end in TIME_WAIT%s",
		         old == WIRE_TCPS_CLOSE_WAIT
		             ? "; the capture saw the peer's FIN first, but this side's had "
		               "already left: it does not acknowledge the peer's"
		             : "");
	} else if (t->state == WIRE_TCPS_CLOSED) {
		snprintf(note, n, "closed; the peer closed first, so the TIME_WAIT is on its side");
		return WIRE_TCPT_CLOSED;
	} else if (t->state == WIRE_TCPS_CLOSE_WAIT) {
		snprintf(note, n,
		         "the peer closed its side (FIN): read() returns 0 once the data before it "
		         "is read");
	}
	return 0;
}

/* A segment of this side captured after this side's connection was
 * already seen closed: it left before (the packets crossed). */
static int crossed_after_close(const struct wire_tcp_track *t, int out, unsigned f, char *note,
                               size_t n)
{
	if (!out || t->state != WIRE_TCPS_CLOSED || (f & (TH_SYN | TH_RST)) ||
	    !(t->have_iss || t->have_irs))
		return 0;
	snprintf(note, n,
	         "this segment left before the connection closed on this side: it crossed the "
	         "peer's %s, and the capture saw it later",
	         t->fin_acked ? "ACK" : "RST");
	return WIRE_TCPT_CROSSED;
}

int wire_tcp_track(struct wire_tcp_track *t, int out, const struct wire_tpkt *p, char *note,
                   size_t n)
{
	int ev = 0, old = t->state;
	unsigned f = p->tflags;
	if (n)
		note[0] = 0;

	if ((ev = crossed_after_close(t, out, f, note, n)) != 0)
		return ev;
	if (f & TH_RST) {
		rst_cause(t, out, p, note, n);
		t->state = WIRE_TCPS_CLOSED;
		ev |= WIRE_TCPT_RST | WIRE_TCPT_CLOSED;
	} else if (f & TH_SYN) {
		track_syn(t, out, p);
	} else {
		if (!t->handshake_done && (f & TH_ACK))
			ev |= handshake_end(t, out, p, note, n);
		if (p->paylen > 0 && out) {
			ev |= count_sent(t, p);
		} else if (p->paylen > 0) {
			t->rcvd += p->paylen;
		}
		if (t->state != WIRE_TCPS_TIME_WAIT && t->state != WIRE_TCPS_CLOSED)
			learn_close(t, out, p);
		if (closing_phase(t))
			t->state = close_state(t);
		if (t->state != old && !(ev & WIRE_TCPT_CONNECTED))
			ev |= close_note(t, old, note, n);
	}
	if (t->state != old)
		ev |= WIRE_TCPT_STATE;
	return ev;
}
