/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --trace in the commands: the few lines that turn a command's events (relay
 * events, echo server events, HTTP client events) into calls on the trace's
 * timeline (include/wire/trace.h). Every function is a no-op for a NULL trace.
 */
#ifndef WIRE_CLI_TRACE_CLI_H
#define WIRE_CLI_TRACE_CLI_H

#include "wire/echo.h"
#include "wire/http.h"
#include "wire/relay.h"
#include "wire/trace.h"

/* Records a socket call on tr in the format of `wirecat trace`'s call lines:
 * call ("send(3, 6)"), its result as wire_sd_ret writes it (" = 6",
 * " = -1 ECONNREFUSED (Connection refused)"), tail (NULL or " from ADDR") and
 * note (NULL or after "; "). ts: when the call began (a call that sends, so
 * it comes before its packets), or NULL: now (after what it reports). */
void trace_cli_call(struct wire_trace *tr, const struct timespec *ts, const char *call,
                    long long ret, int err, const char *tail, const char *note);

/* Records the socket call behind one relay event (send, recv, shutdown, the
 * peer's FIN or RST, a datagram) on tr. udp says how the relay runs, fd is
 * its socket and ubuf its datagram buffer. */
void trace_cli_relay_event(struct wire_trace *tr, int udp, int fd, size_t ubuf,
                           const struct wire_relay_event *e);

/* Starts a trace of echo server e (its TCP and/or UDP listening sockets),
 * as NDJSON when json is set.
 * Returns the trace, or NULL (a line on stderr said why). */
/* --trace-pcap FILE: creates path (NULL: nothing to do) for the packets of
 * the trace started next. Returns 0, or -1 after a message on stderr. */
int trace_cli_pcap_open(const char *path);

/* Starts the trace as wire_trace_start (timeline on stderr); with
 * trace_cli_pcap_open's file, its packets are also written there as pcapng,
 * each with a comment naming the call that caused it, and the calls carry
 * their socket. Returns the trace, or NULL (the file is then removed). */
struct wire_trace *trace_cli_start(int fd, const struct sockaddr *peer, socklen_t peerlen,
                                   int flags);

struct wire_trace *trace_cli_echo_start(struct wire_echo *e, int tcp, int udp, int json);

/* Records an echo server event (a client accepted, closed, reset) on tr. */
void trace_cli_echo_event(struct wire_trace *tr, const struct wire_echo_event *ev);

/* Starts a trace for fetching urls (n of them), as NDJSON when json is set:
 * the addresses their hosts resolve to are followed. Returns the trace, or NULL (a line on stderr
 * said why). */
struct wire_trace *trace_cli_http_start(const char *const *urls, int n, int family, int json);

/* Records an HTTP client's socket call (connect, send, recv, close) on tr,
 * as `wirecat trace` writes it; the send that carries the request line has
 * it as its note. */
void trace_cli_http_call(struct wire_trace *tr, const struct wire_http_call *k);

/* Records an HTTP client event (WIRE_HTTP_INFO '*', SENT '>', RECV '<' with
 * one line of text p, n bytes) on tr: the client's notes (not the connect
 * attempts: they are calls), the status line as it arrives; the request line
 * is kept for the send() that carries it. */
void trace_cli_http_info(struct wire_trace *tr, int kind, const char *p, size_t n);

#endif
