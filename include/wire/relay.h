/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one relay between a local input/output pair (stdin, stdout) and a
 * connected socket, shared by `connect` and `listen` (OpenBSD netcat's
 * readwrite() loop, rebuilt on poll(2) so that stdin may be a regular file).
 *
 * TCP: bytes both ways with backpressure (nothing is read from one side that
 * the other cannot take yet); on input EOF the socket is half-closed
 * (shutdown SHUT_WR) and the relay goes on reading until the peer closes.
 * A FIN from the peer ends only the peer's direction: the relay goes on
 * sending its input until the input's EOF, then half-closes and ends. It
 * ends early only when sending is impossible (a reset: -ECONNRESET, with the
 * count of input bytes not sent in the result), or when the input is a
 * terminal (nothing can be lost there: the peer's FIN ends the relay once
 * what was typed is sent). The fast path moves bytes with splice(2) (pipe to
 * socket directly; socket to pipe directly, or through a private pipe to a
 * file or /dev/null) and sendfile(2) for a regular-file input; where the
 * kernel refuses (EINVAL: a tty, ...) it falls back to read/write.
 *
 * With crlf, every LF of the input not preceded by CR goes out as CRLF (nc -C).
 *
 * With a frame spec, input lines become framed messages and the received
 * stream is decoded into messages, each written as one unit.
 *
 * UDP: one input line (or framed message) is one datagram; every received
 * datagram is written whole; truncation and ICMP errors are reported.
 *
 * The relay never prints: it reports through the event callback and returns
 * a code (include/wire/err.h) with details in struct wire_relay_result.
 */
#ifndef WIRE_RELAY_H
#define WIRE_RELAY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "wire/frame.h"
#include "wire/udp.h"

enum wire_relay_ev {
	WIRE_RELAY_EV_INPUT_EOF = 1, /* stdin ended */
	WIRE_RELAY_EV_SENT_FIN,      /* shutdown(SHUT_WR) done */
	WIRE_RELAY_EV_PEER_FIN,      /* the peer closed its side (read 0) */
	WIRE_RELAY_EV_PEER_RST,      /* a reset: n says which call saw it (enum below) */
	WIRE_RELAY_EV_FRAME_SENT,    /* n = frame number, len = message length */
	WIRE_RELAY_EV_FRAME_RECV,    /* n = frame number, len = message length */
	WIRE_RELAY_EV_DGRAM,         /* a datagram arrived: addr, len */
	WIRE_RELAY_EV_TRUNC,         /* datagram of n bytes truncated to len */
	WIRE_RELAY_EV_LINE_CUT,      /* an input line over len bytes was cut into datagrams */
	WIRE_RELAY_EV_ICMP,          /* icmp (listener: reported, not fatal) */
	WIRE_RELAY_EV_NEW_PEER,      /* UDP listener: first datagram from addr */
	WIRE_RELAY_EV_IGNORED,    /* UDP listener locked to one peer: datagram from addr dropped */
	WIRE_RELAY_EV_SPLICE_OFF, /* the fast path was refused: n = 0 input side, 1 output side */
	WIRE_RELAY_EV_QUIT,       /* the -q time after input EOF ran out */
	WIRE_RELAY_EV_NEXT_ADDR, /* UDP client: ICMP error before any reply; trying the next address
	                          */
	/* with io_events (--trace): each socket call that moved bytes */
	WIRE_RELAY_EV_SOCK_SENT, /* one send() to the socket took n bytes; ts: its start */
	WIRE_RELAY_EV_SOCK_RECV, /* one recv() from the socket gave n bytes */
};

/* The call that found a reset (PEER_RST's n). */
enum wire_relay_rst_call {
	WIRE_RELAY_RST_RECV = 0, /* recv / splice from the socket */
	WIRE_RELAY_RST_SEND,     /* send / splice / sendfile to the socket */
	WIRE_RELAY_RST_POLL,     /* poll reported it (SO_ERROR) while neither ran */
};

struct wire_relay_event {
	enum wire_relay_ev type;
	uint64_t n;
	uint64_t len;
	const struct sockaddr *addr; /* DGRAM, NEW_PEER, IGNORED */
	socklen_t addrlen;
	const struct wire_icmp *icmp; /* ICMP */
	struct timespec ts;           /* with io_events: when the call began (SOCK_SENT, SENT_FIN),
	                                 CLOCK_REALTIME; else zero */
};

typedef void (*wire_relay_event_cb)(void *ud, const struct wire_relay_event *ev);

struct wire_relay_opts {
	int in_fd;      /* stdin; -1 for none (behaves as --recv-only) */
	int out_fd;     /* stdout */
	int sock;       /* connected TCP socket, connected UDP socket, or bound UDP (udp_server) */
	int udp;        /* datagram mode */
	int udp_server; /* unconnected UDP socket: replies go to the latest sender */
	int udp_lock;   /* udp_server: serve only the first sender (connect() to it) */
	size_t udp_buf; /* receive buffer for one datagram (--buffer) */
	int send_only;  /* received data is discarded (still read, so FIN/RST are seen) */
	int recv_only;  /* input is never read and no FIN is sent */
	int quit_ms;    /* after input EOF: end after this long (-1: wait for the peer) */
	int idle_ms;    /* nothing either way for this long: WIRE_E_TIMEOUT (-1: none) */
	int no_splice;  /* use read/write only */
	int io_events;  /* also report SOCK_SENT / SOCK_RECV (--trace) */
	int stop_fd;    /* UDP: -1, or an fd (a signalfd) whose readability ends the relay
	                   with 0; it is never read */
	int crlf;       /* send a bare LF of the input as CRLF (not with frame) */
	const struct wire_frame_spec *frame; /* NULL: raw bytes / lines */
	/* UDP client: when an ICMP error comes back before any datagram was
	 * received, the relay asks for a socket connected to the next address
	 * (0 and *fd, or negative when there is none), puts it in place of sock
	 * (same descriptor number, via dup3) and sends the datagrams so far
	 * again (up to WIRE_RELAY_BUF bytes of them are kept for this). */
	int (*udp_next)(void *next_ud, int *fd);
	void *next_ud;
	wire_relay_event_cb event;
	void *ud;
};

/* Which side an error happened on. */
enum wire_relay_side {
	WIRE_RELAY_AT_NONE = 0,
	WIRE_RELAY_AT_SOCK,
	WIRE_RELAY_AT_INPUT,
	WIRE_RELAY_AT_OUTPUT,
	WIRE_RELAY_AT_FRAME_IN,  /* decoding what the peer sent */
	WIRE_RELAY_AT_FRAME_OUT, /* framing or decoding stdin */
};

struct wire_relay_result {
	uint64_t sent, received; /* payload bytes */
	uint64_t dgrams_sent, dgrams_received;
	uint64_t frames_sent, frames_received;
	int peer_closed; /* FIN seen */
	int fin_sent;
	int input_eof;
	int spliced;                /* the fast path moved bytes */
	enum wire_relay_side where; /* of the returned error */
	/* A socket error (or a UDP client's ICMP error) before the input was all
	 * sent: stdin_left is set, unsent counts the input bytes that did not
	 * reach the peer: those not written to the socket (read but not sent,
	 * the rest of a regular file, what a pipe held; for UDP also those held
	 * for an unfinished line or frame and those after a datagram that could
	 * not be sent) plus unacked, those written but never acknowledged by the
	 * peer (TCP_INFO); input_more says the input (not a regular file) had
	 * not reached its end, so there may be more. */
	int stdin_left;
	uint64_t unsent, unacked;
	int input_more;
	struct wire_icmp icmp; /* for WIRE_E_ICMP */
	char why[200];         /* frame errors: the reason */
};

/* Fills o with defaults: no fds, TCP, quit_ms -1, idle_ms -1, udp_buf 65536. */
void wire_relay_opts_init(struct wire_relay_opts *o);

/* Runs the relay until it ends. The caller ignores SIGPIPE: splice(2) and
 * sendfile(2) to a socket that was reset raise it (send uses MSG_NOSIGNAL).
 * Returns 0 when both directions ended (or the -q time ran out, or a UDP
 * session went idle), WIRE_E_TIMEOUT on the idle timeout, WIRE_E_ICMP when
 * an ICMP error hit a client socket (details in r->icmp), WIRE_E_MALFORMED /
 * WIRE_E_TOOBIG / WIRE_E_TRUNCATED for frames (reason in r->why), or -errno
 * with the side in r->where (-ECONNRESET for a reset, also one found as
 * EPIPE). */
int wire_relay_run(const struct wire_relay_opts *o, struct wire_relay_result *r);

/* The end-of-stream decision, pure so it can be unit-tested: given the state
 * of both directions, returns what the relay does next. */
enum wire_relay_next {
	WIRE_RELAY_GO_ON = 0, /* keep relaying */
	WIRE_RELAY_SEND_FIN,  /* half-close the socket now */
	WIRE_RELAY_DONE,      /* end: both directions are over and output is flushed */
};
struct wire_relay_state {
	int input_eof;  /* stdin returned 0 */
	int up_pending; /* bytes read from stdin not yet sent */
	int fin_sent;
	int peer_eof;     /* the socket returned 0 */
	int down_pending; /* bytes from the socket not yet written out */
	int recv_only;
	int input_tty;   /* stdin is a terminal: the peer's FIN may end the relay */
	int input_ready; /* stdin can be read now without waiting (asked for a tty) */
};
/* Returns the next step for state s. */
enum wire_relay_next wire_relay_next_step(const struct wire_relay_state *s);

#endif
