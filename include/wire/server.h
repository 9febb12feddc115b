/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The many-client netcat server behind `wirecat listen -k` and `--broker`,
 * on the epoll loop (include/wire/loop.h) and the connection model shared
 * with the echo engine (include/wire/conn.h). Bytes from the input (stdin)
 * go to every client. Without broker, what a client sends goes to on_data
 * (stdout) and the input's EOF sends FIN to each client once it has
 * everything; a client's FIN ends only its own direction. With broker, what
 * a client sends goes to every other client and a client's FIN ends it.
 * With crlf, every LF of the input not preceded by CR goes out as CRLF (nc
 * -C, shared with the relay: wire_crlf_expand); clients' bytes never change.
 *
 * Every client has a bounded queue of bytes not yet sent. The input (and, in
 * a broker, a client) is read only while no client's queue is full; a client
 * whose queue stays full for stall_ms while nothing is sent to it, and while
 * another client could take data, is disconnected (END_STALLED, with the
 * bytes it did not get), so one client that never reads cannot stall the
 * others. Nothing is dropped silently: every close reports the bytes queued
 * for the client that it did not receive. The server never prints: it
 * reports through callbacks and counters.
 */
#ifndef WIRE_SERVER_H
#define WIRE_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "wire/frame.h"

enum wire_server_ev {
	WIRE_SERVER_CONNECT = 1, /* a client was accepted (local is set) */
	WIRE_SERVER_REFUSED,     /* accepted and closed at once: max_conns reached */
	WIRE_SERVER_PEER_FIN,    /* the client sent FIN */
	WIRE_SERVER_FIN_SENT,    /* the input ended and the client has it all: FIN sent */
	WIRE_SERVER_CLOSED,      /* the client is gone: end says why, lost what it missed */
	WIRE_SERVER_INPUT_EOF,   /* the input ended */
	WIRE_SERVER_INPUT_ERR,   /* reading the input failed (err); taken as its end */
	WIRE_SERVER_BAD_INPUT,   /* the input cannot be framed (why); the server stops */
	WIRE_SERVER_FRAME_IN,    /* frame: message n of len bytes from the client */
	WIRE_SERVER_FRAME_OUT,   /* frame: message n of len bytes from the input */
	WIRE_SERVER_ACCEPT_ERR,  /* accept() failed (err) */
	/* Only with io_events (for --trace): */
	WIRE_SERVER_RECV, /* recv() from the client returned len bytes */
	WIRE_SERVER_SEND, /* send() to the client took len bytes; ts: before the call */
};

enum wire_server_end {
	WIRE_SERVER_END_DONE = 1,  /* the client closed and has everything meant for it */
	WIRE_SERVER_END_RST,       /* reset by the client (or a send after its close) */
	WIRE_SERVER_END_ERROR,     /* another socket error (err) */
	WIRE_SERVER_END_IDLE,      /* nothing either way for idle_ms */
	WIRE_SERVER_END_STALLED,   /* its queue stayed full (stalled_ms): dropped */
	WIRE_SERVER_END_BAD_FRAME, /* it sent a malformed frame (why) */
	WIRE_SERVER_END_SHUTDOWN,  /* the server stops */
};

/* One event, valid only during the callback. */
struct wire_server_event {
	enum wire_server_ev type;
	const char *name;         /* the client's address; NULL for input events */
	const char *local;        /* CONNECT: the local address it reached */
	enum wire_server_end end; /* CLOSED */
	uint64_t sent, received;  /* the client's bytes so far */
	uint64_t lost;            /* CLOSED: bytes queued for it and never sent */
	int64_t stalled_ms;       /* END_STALLED: how long nothing was sent to it */
	long clients;             /* clients open after the event */
	int err;                  /* -errno or WIRE_E_* */
	const char *why;          /* BAD_INPUT, END_BAD_FRAME: the reason */
	size_t len;               /* FRAME_*, RECV, SEND: bytes */
	uint64_t n;               /* FRAME_*: message number */
	struct timespec ts;       /* RECV, SEND, FIN_SENT, CLOSED: CLOCK_REALTIME (before
	                             the call for SEND, FIN_SENT and CLOSED's close) */
	int fd;                   /* the client's socket (CLOSED: the one just closed;
	                             REFUSED: the accepted one), -1 for input events */
	size_t asked;             /* RECV: the size recv() was given */
};

typedef void (*wire_server_cb)(void *ud, const struct wire_server_event *ev);
/* A client's bytes (one message with a frame spec). A negative return stops
 * the server, which returns it. */
typedef int (*wire_server_data_cb)(void *ud, const char *name, const uint8_t *p, size_t n);

struct wire_server_config {
	int listen_fd;      /* a listening TCP socket (made non-blocking) */
	int in_fd;          /* the input (stdin), or -1: nothing to send (--recv-only) */
	int broker;         /* relay clients to each other */
	int close_on_fin;   /* a client's FIN closes it once its queue is sent
	                       (stdin a terminal) instead of ending one direction */
	int discard;        /* clients' bytes are read and dropped (--send-only) */
	int crlf;           /* send a bare LF of the input as CRLF (-C; not with frame);
	                       clients' bytes are never changed */
	uint64_t max_conns; /* 0: no limit */
	int idle_ms;        /* 0: never; else close clients idle that long */
	size_t queue_max;   /* 0: WIRE_SERVER_QUEUE */
	int stall_ms;       /* 0: WIRE_SERVER_STALL_MS */
	const struct wire_frame_spec *frame; /* NULL: bytes as they come */
	int stop_fd;                 /* -1, or an fd (a signalfd) whose readability stops the
	                                server; it is never read */
	int io_events;               /* also report every recv/send */
	wire_server_cb on_event;     /* may be NULL */
	wire_server_data_cb on_data; /* may be NULL (bytes dropped) */
	void *ud;
};

struct wire_server_stats {
	uint64_t served, refused; /* clients closed after being served; refused */
	uint64_t sent, received;  /* bytes, all clients */
	uint64_t input;           /* bytes read from the input */
	uint64_t stalled;         /* clients dropped for a full queue */
	uint64_t lost_clients;    /* clients closed with bytes they did not get */
	uint64_t lost_bytes;      /* those bytes */
	uint64_t bad_frames;      /* clients closed for a malformed frame */
};

/* Serves until stop_fd is readable, the loop fails, on_data fails or the
 * input cannot be framed; then every client is closed after a last
 * non-blocking flush. Fills *st. Returns 0 (stopped), on_data's code, the
 * framing code (after BAD_INPUT), or -errno. */
int wire_server_run(const struct wire_server_config *cfg, struct wire_server_stats *st);

#endif
