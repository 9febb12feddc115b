/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The echo server engine behind `wirecat echo`: TCP and UDP on one port, on
 * the epoll loop (include/wire/loop.h), one loop per worker thread, each with
 * its own SO_REUSEPORT sockets when there are several. TCP echoes bytes as
 * they come (or message by message with a framing spec); every connection has
 * a bounded pending-output buffer, allocated only for bytes the kernel did not
 * take at once, and a client whose pending output is full is no longer read
 * (backpressure). UDP is batched with recvmmsg/sendmmsg. The engine never
 * prints: it reports connects, disconnects and errors through a callback and
 * returns counters.
 */
#ifndef WIRE_ECHO_H
#define WIRE_ECHO_H

#include <stdint.h>
#include <time.h>

#include "wire/frame.h"
#include "wire/sock.h"

#define WIRE_ECHO_THREADS_MAX 64
/* How many times a PORT 0 server retries to find a port free for both TCP
 * and UDP. */
#define WIRE_ECHO_PORT_TRIES 20

enum wire_echo_ev {
	WIRE_ECHO_CONNECT = 1, /* a TCP client was accepted */
	WIRE_ECHO_FIN,         /* the client closed (FIN); all pending bytes were echoed */
	WIRE_ECHO_RST,         /* the client reset the connection (RST) */
	WIRE_ECHO_IDLE,        /* closed by the server: idle too long */
	WIRE_ECHO_REFUSED,     /* accepted and closed at once: over max_conns */
	WIRE_ECHO_BAD_FRAME,   /* closed by the server: a malformed frame (why is set) */
	WIRE_ECHO_ERROR,       /* closed on another socket error (err is set) */
	WIRE_ECHO_SHUTDOWN,    /* closed because the server is stopping */
	WIRE_ECHO_ACCEPT_ERR,  /* accept() failed (err; EMFILE pauses accepting briefly) */
	WIRE_ECHO_OVER_BUDGET, /* closed by the server: framed bytes held by all connections
	                          went over the budget and this one held the most (held) */
	/* Only with io_events set (for --trace): each socket call that moved bytes. */
	WIRE_ECHO_RECV,     /* TCP recv() returned len bytes (0: the client's FIN) */
	WIRE_ECHO_SEND,     /* TCP send() took len bytes */
	WIRE_ECHO_RECVFROM, /* one datagram of len bytes received from peer */
	WIRE_ECHO_SENDTO,   /* one datagram of len bytes sent back to peer */
};

/* One event, valid only during the callback. */
struct wire_echo_event {
	enum wire_echo_ev type;
	int worker;                  /* worker index 0..threads-1 */
	const struct sockaddr *peer; /* NULL for ACCEPT_ERR */
	socklen_t peer_len;
	uint64_t bytes_in, bytes_out; /* of this connection so far */
	int err;                      /* -errno or WIRE_E_* for ERROR/BAD_FRAME/ACCEPT_ERR */
	const char *why;              /* BAD_FRAME: the decoder's reason */
	size_t len;                   /* RECV/SEND/RECVFROM/SENDTO: bytes of the call */
	uint64_t held, budget;        /* OVER_BUDGET: bytes this connection held, the budget */
	struct timespec ts;           /* RECV/SEND/...: CLOCK_REALTIME just before a send
	                                 or just after a receive */
	int fd;       /* the socket of the call: the client's (closes: the one being closed),
	                 the UDP socket's for RECVFROM/SENDTO; -1 for ACCEPT_ERR */
	int lfd;      /* CONNECT, REFUSED: the listening socket that accepted it */
	size_t asked; /* RECV: the size given to recv(); RECVFROM/SENDTO: the messages
	                 given to recvmmsg()/sendmmsg() */
	int got;      /* RECVFROM/SENDTO: the messages the call returned */
};

/* Called from worker threads (concurrently when threads > 1). */
typedef void (*wire_echo_cb)(void *ud, const struct wire_echo_event *ev);

struct wire_echo_config {
	const char *host;   /* NULL: every address (dual-stack [::]) */
	uint16_t port;      /* 0: pick a free port (the same for TCP and UDP) */
	int family;         /* AF_UNSPEC, AF_INET or AF_INET6 */
	int tcp, udp;       /* which protocols to serve (at least one) */
	int threads;        /* worker threads, 1..WIRE_ECHO_THREADS_MAX */
	uint64_t max_conns; /* 0: no limit; over it a client is accepted and closed */
	int idle_ms;        /* 0: never; else close clients idle that long */
	const struct wire_frame_spec *frame; /* NULL: echo bytes as they come; else each
	                                        message is echoed framed (header:NAME:
	                                        with its header block as received) */
	int stop_fd;           /* -1, or an fd (e.g. a signalfd) whose readability stops the
	                          server; it is never read, so every worker sees it */
	wire_echo_cb on_event; /* may be NULL */
	int io_events;         /* also report every recv/send (costs a call per I/O) */
	void *ud;
};

struct wire_echo_stats {
	uint64_t conns;   /* TCP connections accepted and served */
	uint64_t refused; /* closed at once over max_conns */
	uint64_t active;  /* open right now */
	uint64_t fin, rst, idle, bad_frames, errors, shutdown; /* how they ended */
	uint64_t over_budget;     /* closed because framed bytes held went over the budget */
	uint64_t held_peak;       /* framed bytes held by all connections at most (approximate) */
	uint64_t tcp_in, tcp_out; /* TCP bytes */
	uint64_t dgrams_in, dgrams_out, udp_in, udp_out; /* UDP datagrams and bytes */
	uint64_t udp_dropped; /* datagrams received but not sent back (send buffer full) */
	uint64_t accept_errors;
};

struct wire_echo;

/* Opens the listening sockets of every worker (nothing is served yet). On
 * failure *failed_proto is "tcp" or "udp" when a socket could not be opened.
 * Returns 0 and *out, -errno (-EADDRINUSE, -EACCES...), WIRE_E_RESOLVE (the
 * getaddrinfo code in *gai_err) or WIRE_E_USAGE for a bad configuration. */
int wire_echo_new(const struct wire_echo_config *cfg, struct wire_echo **out, int *gai_err,
                  const char **failed_proto);

/* Copies the bound address (TCP's, else UDP's) to *addr. Returns 1 when the
 * sockets are dual-stack (IPv6 wildcard taking IPv4 too), else 0. */
int wire_echo_address(const struct wire_echo *e, struct wire_addr *addr);

/* The listening TCP socket (udp 0) or the UDP socket (udp 1) of worker i,
 * or -1 (no such worker or protocol). For --trace. */
int wire_echo_socket(const struct wire_echo *e, int i, int udp);

/* Serves until the stop fd becomes readable or wire_echo_stop is called; the
 * calling thread runs worker 0 and the others run in threads it starts and
 * joins (they inherit its signal mask: block SIGINT/SIGTERM first when a
 * signalfd is the stop fd). On stop, listeners close first, then every
 * client is closed after a last non-blocking flush of its pending bytes.
 * Returns 0, or -errno when a loop or a thread could not be set up. */
int wire_echo_run(struct wire_echo *e);

/* Asks a running server to stop. Async-signal-safe (one write to an eventfd). */
void wire_echo_stop(struct wire_echo *e);

/* Fills *st with the counters summed over every worker. Call it only when
 * wire_echo_run is not running (the counters are per-thread, unlocked). */
void wire_echo_stats(const struct wire_echo *e, struct wire_echo_stats *st);

/* Closes every socket and frees the server. */
void wire_echo_free(struct wire_echo *e);

#endif
