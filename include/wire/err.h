/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Error codes shared by the whole core. Every core function returns 0 (or a
 * non-negative count) on success and a negative code on failure: -errno for
 * system errors, and the WIRE_E_* codes below (all under -4096, so they never
 * collide with an errno) for the project's own failures. Only src/cli/ turns a
 * code into a message and an exit status.
 */
#ifndef WIRE_ERR_H
#define WIRE_ERR_H

enum wire_err {
	WIRE_OK = 0,
	WIRE_E_RESOLVE = -5001,   /* name or service did not resolve */
	WIRE_E_MALFORMED = -5002, /* malformed data from a peer or a file */
	WIRE_E_TOOBIG = -5003,    /* a length over a named limit */
	WIRE_E_TRUNCATED = -5004, /* ran out of bytes (input ended early) */
	WIRE_E_USAGE = -5005,     /* bad argument from the user */
	WIRE_E_PRIV = -5006,      /* missing privilege (CAP_NET_RAW, ...) */
	WIRE_E_TIMEOUT = -5007,   /* a deadline passed */
	WIRE_E_TLS = -5008,       /* TLS handshake or verification failed */
	WIRE_E_CLOSED = -5009,    /* the peer closed before it should have */
	WIRE_E_ICMP = -5010,      /* an ICMP error was reported for a socket */
	WIRE_E_INTERNAL = -5011,  /* a bug: should not happen */
};

/* Exit statuses of the wirecat program (listed in the man page). */
enum wire_exit {
	WIRE_EXIT_OK = 0,
	WIRE_EXIT_FAIL = 1,      /* runtime failure: refused, timeout, I/O, resolve */
	WIRE_EXIT_USAGE = 2,     /* usage error */
	WIRE_EXIT_MALFORMED = 3, /* malformed data from a peer or a file */
	WIRE_EXIT_PRIV = 4,      /* missing privilege */
};

/* Returns a static, human-readable text for a code (errno text for -errno). */
const char *wire_strerror(int err);

#endif
