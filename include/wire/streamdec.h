/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Application messages on reassembled TCP data (src/core/streamdec.c).
 *
 * The framer takes the reassembler's events (wire/reasm.h: each direction's
 * bytes in order, gaps, ends) and cuts each direction into messages:
 *   - HTTP/1.x (RFC 9112 section 6): the head up to the empty line, then the
 *     body by Content-Length, by chunked transfer coding (chunk sizes, data,
 *     trailer), or until the direction ends (a response with neither); no
 *     body for requests without either, for 1xx, 204 and 304 responses and
 *     for the response to a HEAD request. Keep-alive and pipelining follow:
 *     the next message starts at the byte after the previous one.
 *   - DNS over TCP (RFC 1035 4.2.2, RFC 7766): a 2-byte length, the message.
 *   - TLS (RFC 8446 5.1, 4): records of a 5-byte header and a fragment;
 *     handshake messages (4-byte header) are joined across records and each
 *     completed one is delivered as one record holding it (the length field
 *     saturated at 65535). After a ChangeCipherSpec the direction's
 *     handshake records are encrypted and delivered as records.
 * A direction's protocol is chosen by its first bytes (an HTTP method or
 * "HTTP/", a TLS record header) or by port 53 (DNS). A message is delivered
 * when its last byte arrives, so the caller knows the frame that completed
 * it. Only what the dissectors read is buffered: an HTTP head (the body is
 * counted, not kept), a DNS message, a TLS handshake message, each at most
 * WIRE_STREAMDEC_MSG_MAX bytes, all together at most
 * WIRE_STREAMDEC_TOTAL_MAX. A larger message is counted in `oversize` and
 * the direction is given up (no more messages from it), as is a direction
 * after a gap until the next data starts a recognisable message.
 */
#ifndef WIRE_STREAMDEC_H
#define WIRE_STREAMDEC_H

#include <stddef.h>
#include <stdint.h>

#include "wire/limits.h"
#include "wire/packet.h"
#include "wire/reasm.h"

struct wire_dissect;
struct wire_streamdec;

/* One completed message: len bytes at data (valid during the callback). */
struct wire_streamdec_msg {
	uint32_t stream; /* tcp.stream */
	uint8_t dir;     /* 0 client to server, 1 server to client */
	uint8_t kind;    /* WIRE_L_HTTP (the head), WIRE_L_DNS (with its length
	                  * prefix), WIRE_L_TLS (one record) */
	const uint8_t *data;
	size_t len;
};

struct wire_streamdec_stats {
	uint64_t messages;  /* delivered */
	uint64_t oversize;  /* messages larger than WIRE_STREAMDEC_MSG_MAX (not delivered) */
	uint64_t nomem;     /* messages dropped: the total cap or malloc */
	uint64_t abandoned; /* directions given up after a gap or a bad length */
	size_t mem, mem_peak;
};

typedef void (*wire_streamdec_cb)(void *ud, const struct wire_streamdec_msg *m);

/* Returns a new framer delivering to cb(ud, ...), or NULL when out of memory. */
struct wire_streamdec *wire_streamdec_new(wire_streamdec_cb cb, void *ud);
/* Feeds one reassembler event (call it from the reassembler's callback). */
void wire_streamdec_event(struct wire_streamdec *s, const struct wire_reasm_event *ev);
const struct wire_streamdec_stats *wire_streamdec_stats(const struct wire_streamdec *s);
void wire_streamdec_free(struct wire_streamdec *s);

/* ---- per-frame decoding: reassembler + framer for the printers -------- */

struct wire_appdec;

/* Returns a reassembler and framer that collect the messages each packet
 * completes, or NULL when out of memory. */
struct wire_appdec *wire_appdec_new(void);
/* Feeds the TCP segment of the dissected packet d (anything else is
 * ignored) and replaces the application layers after d's TCP layer by the
 * messages this segment completes (none: no application layer; at most
 * WIRE_STREAMDEC_FRAME_MSGS and WIRE_STREAMDEC_FRAME_BYTES, the rest
 * counted). The layers point into a's memory until the next call. Returns
 * how many messages were shown. */
unsigned wire_appdec_frame(struct wire_appdec *a, struct wire_dissect *d);
/* Ends every stream (an HTTP body until close completes here, shown on no frame). */
void wire_appdec_finish(struct wire_appdec *a);
const struct wire_streamdec_stats *wire_appdec_stats(const struct wire_appdec *a);
void wire_appdec_free(struct wire_appdec *a);

#endif
