/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The trace engine's outputs besides the text timeline (private to
 * src/core/trace*.c): --json (NDJSON events: calls as the command rendered
 * them, packets with the `read --json` fields, the notes) and the pcapng file
 * of -w with a comment on each packet naming the process and the call that
 * caused it. The engine's printers write text to tout_text_sink; in JSON mode
 * that is a memory sink whose lines become events (the first line of a
 * packet is its summary, the others its notes). Called by the printer only
 * (the engine's pmu held), in timeline order, so "the latest call" is the
 * latest on the timeline.
 *
 * How a packet is tied to a call (the rule the help and README state): each
 * call carries its process, its fd and the socket's addresses; a packet is
 * given to the socket whose addresses match it (an exact peer before a
 * listener's or an unconnected socket's any-peer). An outgoing packet that
 * carries data is caused by that socket's latest write-like call in that
 * process (send, sendto, sendmsg, sendmmsg, write, writev, sendfile, splice),
 * a SYN by its latest connect, a FIN or RST without data by its latest
 * shutdown or close; other outgoing packets (ACKs, a SYN-ACK) and packets
 * with no such call yet name the socket and say "not tied to a call". An
 * incoming packet names the socket that receives it ("to pid P (comm) fd F").
 * A TCP packet of a connection a listener holds until accept() returns (after
 * the SYN) says so ("queued on listening fd F until accept()"): its own fd
 * is not known yet. A packet that matches no socket with a known owner gets
 * no comment.
 */
#ifndef WIRE_TRACE_OUT_H
#define WIRE_TRACE_OUT_H

#include <stdint.h>
#include <time.h>

#include "wire/sink.h"
#include "wire/trace.h"

#define TOUT_OUT 1  /* sent by a followed socket */
#define TOUT_IN 2   /* received by one */
#define TOUT_SELF 3 /* from one followed socket to another */

struct tout_ep {
	uint8_t family; /* 4, 6, or 0 for any address */
	uint8_t addr[16];
	uint16_t port; /* 0 for any */
};

/* A call's owner as queued with the call. */
struct tout_own {
	int on;
	int pid, fd, proto; /* proto 0: the socket's addresses are not known */
	char comm[WIRE_TRACE_COMM_MAX];
	struct tout_ep local, remote;
	char call[WIRE_TRACE_CAUSE_MAX];
};

/* A packet the timeline counted (frame: its 1-based number). */
struct tout_pkt {
	const struct wire_tpkt *p;
	int dir;
	uint64_t frame;
	const uint8_t *raw; /* NULL when its bytes were not kept */
	uint32_t caplen, wirelen;
	int linktype;
	const char *ifname;
};

struct tout;

/* Fills *d from o; f converts an address (the engine's ep_from_sa). */
void tout_own_set(struct tout_own *d, const struct wire_trace_owner *o,
                  int (*f)(struct tout_ep *, const struct sockaddr *));

/* A new output state writing to out (json: NDJSON). NULL when out of memory. */
struct tout *tout_new(struct wire_sink *out, int json);
void tout_free(struct tout *t);

/* The sink the printers write their text to (out itself unless JSON). */
struct wire_sink *tout_text_sink(struct tout *t);

/* Starts the pcapng file on s (header blocks for one interface). */
void tout_set_pcapng(struct tout *t, struct wire_sink *s, int linktype, const char *ifname);

/* A call was printed (JSON: json is its object, NULL for a text-only call). */
void tout_call(struct tout *t, const struct timespec *ts, const struct tout_own *own,
               const char *text, const char *json);

/* A counted packet was printed. */
void tout_packet(struct tout *t, const struct tout_pkt *k);

/* Sends what is written (JSON output, pcapng). */
void tout_flush(struct tout *t);

/* JSON: the notes printed outside a call or packet (at the end), tied to the
 * last call; then the closing line as a note of its own when closing. */
void tout_tail(struct tout *t, const struct timespec *ts, int closing);

#endif
