/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --trace: the packets that a command's own socket calls put on the wire, on
 * one timeline with the calls. While a command runs, a capture thread reads an
 * AF_PACKET ring (include/wire/capture.h) on the interface the route to the
 * peer uses (lo for loopback), with a kernel filter restricted to this
 * command's own addresses and ports; the command records its socket calls
 * ("connect()", "write(6)", "read() = 6"). Calls (CLOCK_REALTIME) and packets
 * (kernel timestamps) are merged in time order and written through a sink
 * with relative times, plain-language notes (TCP state on each transition,
 * TIME_WAIT on the side that closed first, the cause of a RST, an ICMP error
 * tied to the datagram that caused it, a large write that became N segments,
 * a datagram that left as N IP fragments). Every function is a safe no-op on
 * a NULL trace, so a command without --trace pays one pointer test per call.
 *
 * Typical use (a TCP client):
 *	struct wire_trace *tr = want ? wire_trace_start(-1, ai->ai_addr, ai->ai_addrlen,
 *							  NULL, 0) : NULL;
 *	wire_trace_call(tr, "connect()");
 *	rc = wire_connect(ai, NULL, timeout, &fd);  // or socket()+connect()
 *	wire_trace_watch(tr, fd);
 *	...
 *	wire_trace_call(tr, "write(%zu)", n);
 *	...
 *	wire_trace_stop(tr);  // drains the last packets, prints, frees
 */
#ifndef WIRE_TRACE_H
#define WIRE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "wire/packet.h"
#include "wire/sink.h"
#include "wire/tcpstate.h"

#define WIRE_TRACE_HOLD_MS 300  /* events wait this long to be merged in order */
#define WIRE_TRACE_DRAIN_MS 350 /* wire_trace_stop waits this long for late packets */
/* events waiting to be merged: past half of it the oldest are printed early
 * (before the merge window ends); when it is full the oldest is dropped and
 * counted */
#define WIRE_TRACE_EVENTS_MAX 65536
#define WIRE_TRACE_FLOWS_MAX 1024   /* sockets followed at once (closed, idle UDP peers go) */
#define WIRE_TRACE_CONNS_MAX 256    /* TCP connections tracked */
#define WIRE_TRACE_SEG_LINES 12     /* data segment lines shown per call */
#define WIRE_TRACE_FILTER_MAX 4096  /* kernel filter text */
#define WIRE_TRACE_SNAPLEN 256      /* bytes of each packet captured (headers are enough) */
#define WIRE_TRACE_JSON_HEX_MAX 256 /* captured bytes of a packet shown as "hex" in --json */
#define WIRE_TRACE_OWNERS_MAX 256   /* sockets whose calls packets are tied to (-w, --json) */
#define WIRE_TRACE_CAUSE_MAX 160    /* a call's text kept as a packet's cause */
#define WIRE_TRACE_COMM_MAX 16      /* a program's name */

/* The one line written when capture is not allowed (the command goes on). */
#define WIRE_TRACE_PRIV_MSG                                                                        \
	"wirecat: --trace needs root or CAP_NET_RAW and CAP_NET_ADMIN; continuing without the "    \
	"trace\n"

/* Flags for wire_trace_start. */
#define WIRE_TRACE_NO_CAPTURE 0x1 /* no capture: packets only via wire_trace_feed (tests) */
#define WIRE_TRACE_ABS_TIME 0x2   /* print wall-clock times instead of relative ones */
#define WIRE_TRACE_NO_FOLLOW 0x4  /* fd only chooses the interface; it is not followed */
#define WIRE_TRACE_NO_CALL_COUNT                                                                   \
	0x8                      /* the closing line leaves out ", N calls" (the caller            \
	                           counts its calls itself) */
#define WIRE_TRACE_JSON 0x10     /* NDJSON events (time, event, ...) instead of text lines */
#define WIRE_TRACE_KEEP_RAW 0x20 /* keep each packet's bytes (for JSON fields and -w) */

struct wire_trace;

/* Starts a trace. fd is the command's socket (or -1: add it later with
 * wire_trace_watch); peer (may be NULL) is where it will connect or send,
 * used to choose the interface (the route's, or lo) before the socket
 * exists, and followed until wire_trace_watch names the socket. out is the
 * sink for the timeline (NULL: the trace's own sink on stderr). Returns the
 * trace, or NULL when capture is impossible; then one line (WIRE_TRACE_PRIV_MSG
 * without privileges, else the reason) has been written to out and the
 * command goes on untraced. */
struct wire_trace *wire_trace_start(int fd, const struct sockaddr *peer, socklen_t peerlen,
                                    struct wire_sink *out, int flags);

/* Binds an unbound socket to port 0 (the wildcard address of its family) so
 * that its port is known, and filtered on, before connect() sends the SYN.
 * Returns 0 (also when already bound) or -errno. */
int wire_trace_prepare_socket(int fd);

/* Follows socket fd too (a connected or accepted socket, a listener, a UDP
 * socket): its addresses and ports join the kernel filter. Returns nothing;
 * a socket that cannot be described is ignored. */
void wire_trace_watch(struct wire_trace *tr, int fd);

/* Follows a peer address (TCP or UDP) before the socket that talks to it is
 * known (a helper creates and connects it). proto is IPPROTO_TCP or
 * IPPROTO_UDP. A UDP peer (an unconnected socket's sendto destination) is
 * let go a second after its last packet or call, and may go earlier when the
 * table of WIRE_TRACE_FLOWS_MAX is full; a TCP one goes when its socket is
 * followed, or when the table is full after the wait for it. */
void wire_trace_peer(struct wire_trace *tr, const struct sockaddr *peer, socklen_t len, int proto);

/* The socket with these ends (proto, local, remote: NULL when not
 * connected) was closed: its flow stops being followed once no packet of it
 * has come for a grace period (its last FIN and ACK are still shown), or
 * earlier when the table of WIRE_TRACE_FLOWS_MAX sockets is full. */
void wire_trace_unwatch_addr(struct wire_trace *tr, int proto, const struct sockaddr *local,
                             const struct sockaddr *remote);

/* Follows explicit endpoints: proto, the local address (port 0 = any) and the
 * remote one (NULL or port 0 = any). Used by wire_trace_watch and by tests. */
void wire_trace_watch_addr(struct wire_trace *tr, int proto, const struct sockaddr *local,
                           const struct sockaddr *remote);

/* Records a socket call or an event of the command ("connect()",
 * "write(6)", "read() = 6", "shutdown(SHUT_WR)", "peer closed: read() = 0"),
 * stamped with CLOCK_REALTIME now. Never waits for the output: it only
 * queues the event (the printer takes the queue's lock briefly, and writes
 * without it). */
void wire_trace_call(struct wire_trace *tr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The same with an explicit timestamp (tests). */
void wire_trace_call_at(struct wire_trace *tr, const struct timespec *ts, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A read that returned got of the asked bytes on the TCP socket local >
 * remote (asked 0: a write that sent got bytes), recorded as a call with
 * text fmt at ts: the printer ties it to the segments that carried those
 * bytes (a read shorter than asked, the data of several segments in one
 * read, several small writes in one segment). */
void wire_trace_call_rx(struct wire_trace *tr, const struct timespec *ts,
                        const struct sockaddr *local, const struct sockaddr *remote, uint64_t asked,
                        uint64_t got, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Who made a call: the process, its socket and the socket's addresses, so
 * that packets can be tied to the call that caused them (-w comments, the
 * JSON packet's pid, fd and cause). */
struct wire_trace_owner {
	int pid;
	const char *comm;
	int fd;
	int proto;                     /* IPPROTO_TCP or IPPROTO_UDP; 0: addresses not known */
	const struct sockaddr *local;  /* the socket's own address */
	const struct sockaddr *remote; /* its peer; NULL: not connected (any peer) */
	const char *call;              /* the call's text ("send(3, \"hi\\n\", 3) = 3") */
};

/* What a call carries besides its timeline text. */
struct wire_trace_callinfo {
	const struct wire_trace_owner *owner; /* NULL: none */
	const char *json; /* WIRE_TRACE_JSON: the event's object (one line, no newline) */
	const struct sockaddr *rx_local, *rx_remote; /* a TCP read or write (else NULL),
	                                                as wire_trace_call_rx */
	uint64_t asked, got;
};

/* Records a call (text fmt, the timeline line) at ts with what ci gives
 * (NULL: nothing more, as wire_trace_call_at). In JSON mode the line is not
 * printed: ci->json is (or, without it, a call event with the line as
 * "text"). */
void wire_trace_call_info(struct wire_trace *tr, const struct timespec *ts,
                          const struct wire_trace_callinfo *ci, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Returns 1 when tr writes NDJSON (WIRE_TRACE_JSON), else 0 (also for NULL). */
int wire_trace_is_json(const struct wire_trace *tr);

/* Writes every packet the timeline counts to s as pcapng (header blocks now,
 * then one block per packet with a comment naming its process and call;
 * trace_out.h states the rule). Needs WIRE_TRACE_KEEP_RAW at start. */
void wire_trace_set_pcapng(struct wire_trace *tr, struct wire_sink *s);

/* Waits up to WIRE_TRACE_DRAIN_MS for the last packets, prints everything
 * still queued and a closing summary, stops capturing and frees the trace.
 * Returns nothing. */
void wire_trace_stop(struct wire_trace *tr);

/* ---- building blocks, public for the engine's unit tests ----------------- */

/* A packet reduced to what the trace shows. Addresses in network order. */
struct wire_tpkt {
	struct timespec ts;
	uint8_t family; /* 4 or 6 */
	uint8_t proto;  /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, or another */
	uint8_t src[16], dst[16];
	uint16_t sport, dport; /* TCP/UDP; 0 in a non-first fragment */
	uint32_t iplen;        /* bytes after the IP header(s): the L4 (or fragment) length */
	uint32_t ipid;         /* IPv4 id or IPv6 fragment id */
	uint32_t fragoff;      /* fragment offset in bytes */
	uint8_t mf;            /* more fragments */
	uint8_t frag;          /* a fragment (offset > 0 or MF) */
	uint8_t l4ok;          /* the TCP/UDP/ICMP header was read */
	uint8_t gso;           /* a GSO/TSO super-packet (WIRE_PKT_GSO) */
	uint16_t tflags;       /* TCP flags (WIRE_TH_*-compatible bits) */
	uint32_t seq, ack;
	uint16_t win;
	uint32_t paylen; /* TCP/UDP payload bytes claimed by the headers */
	uint8_t tls_ct;  /* content type of a TLS record starting the TCP payload, or 0 */
	int16_t tls_hs;  /* its handshake type, -1 if not a handshake or not captured */
	uint8_t itype, icode;
	uint16_t mtu; /* ICMP fragmentation needed / packet too big */
	struct {
		uint8_t ok, family, proto;
		uint8_t src[16], dst[16];
		uint16_t sport, dport;
		uint32_t ipid;
	} q; /* the packet an ICMP error quotes */
};

/* Reduces a captured frame to *t: runs wire_dissect (the decoder `read`
 * uses, include/wire/dissect.h) and copies the fields of its layers: the
 * outer IP header (whole, else 0 is returned), the transport header when the
 * dissector read it (l4ok), the TLS record starting a TCP payload, an ICMP
 * error's quoted packet (q). Never reads past pkt->caplen. Returns 1 when an
 * IP packet was decoded into *t, else 0 (then *t holds no packet). */
int wire_trace_decode(const struct wire_pkt *pkt, struct wire_tpkt *t);

/* Feeds a packet to a trace started with WIRE_TRACE_NO_CAPTURE (tests), as
 * if the capture had seen it. */
void wire_trace_feed(struct wire_trace *tr, const struct wire_tpkt *p);

/* The same with the frame p was decoded from (raw), whose bytes are kept
 * for --json and -w when the trace keeps them (WIRE_TRACE_KEEP_RAW). */
void wire_trace_feed_raw(struct wire_trace *tr, const struct wire_tpkt *p,
                         const struct wire_pkt *raw);

/* The same with the frame p was decoded from (raw), whose bytes are kept
 * for --json and -w when the trace keeps them (WIRE_TRACE_KEEP_RAW). */
void wire_trace_feed_raw(struct wire_trace *tr, const struct wire_tpkt *p,
                         const struct wire_pkt *raw);

/* Prints every queued event now, whatever its age (tests). */
void wire_trace_flush(struct wire_trace *tr);

/* Writes the kernel filter for what the trace follows into buf (size n), in
 * the tcpdump language. Returns its length or WIRE_E_TOOBIG. */
int wire_trace_filter_text(struct wire_trace *tr, char *buf, size_t n);

#endif
