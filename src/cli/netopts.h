/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What `wirecat connect` and `wirecat listen` share: their options (nc's
 * letters where the meaning is the same: -u -4 -6 -v -w -q -s -p -k -C), the
 * printing of relay events on stderr (-v, --show-frames, truncation), the
 * exit summary with TCP_INFO, and the mapping of a relay's result to one
 * error line and an exit status.
 */
#ifndef WIRE_CLI_NETOPTS_H
#define WIRE_CLI_NETOPTS_H

#include <stddef.h>
#include <stdint.h>

#include "wire/frame.h"
#include "wire/relay.h"
#include "wire/sock.h"
#include "wire/trace.h"

struct netopts {
	const char *cmd; /* "connect" or "listen" */
	int listen;
	int udp;
	int family; /* AF_UNSPEC, AF_INET, AF_INET6 */
	int verbose;
	int wait_ms;     /* -w: connect and idle timeout; -1 none */
	int quit_ms;     /* -q: after stdin EOF; -1 unset */
	const char *src; /* -s */
	int have_src_port;
	uint16_t src_port; /* -p */
	int send_only, recv_only;
	int keep, broker;
	long max_conns; /* 0: no limit */
	size_t buffer;  /* --buffer */
	int have_frame;
	struct wire_frame_spec frame;
	int show_frames;
	size_t max_frame;
	int no_splice;
	int crlf;               /* -C: LF -> CRLF on send */
	int trace;              /* --trace */
	int trace_json;         /* --json: the trace as NDJSON */
	const char *trace_pcap; /* --trace-pcap FILE: the trace's packets as pcapng */
	struct wire_trace *tr;  /* the running trace, or NULL */
	int tr_fd;              /* --trace: the socket the relay runs on (its call lines) */
	const char *host;       /* connect: HOST; listen: ADDR or NULL */
	uint16_t port;
};

/* Parses argv (argv[0] is the subcommand). Returns -1 to go on, or an exit
 * status to return at once (after --help, or a usage error already printed). */
int netopts_parse(struct netopts *n, int listen, int argc, char **argv);

/* The relay event printer; ud is a struct netopts. */
void netopts_event(void *ud, const struct wire_relay_event *ev);

/* Prints the -v exit summary for a finished relay over fd (TCP_INFO when TCP).
 * start_ms is when the connection began. */
void netopts_summary(const struct netopts *n, int fd, const struct wire_relay_result *r,
                     int64_t start_ms);

/* Prints the error line for a relay's return code rc (if any) and returns the
 * exit status. peer names the remote side. */
int netopts_finish(const struct netopts *n, int rc, const struct wire_relay_result *r,
                   const char *peer);

/* Fills o from n for a relay over sock. */
void netopts_relay_opts(const struct netopts *n, int sock, struct wire_relay_opts *o);

#endif
