/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Message framing: the five ways to know where a message ends on a stream.
 *   eof            the message ends when the peer closes
 *   fixed:N        every message is exactly N bytes
 *   line | crlf | delim:SEQ   the message ends at a delimiter (SEQ takes
 *                  C escapes: \r \n \t \\ \0 \xHH)
 *   prefix:u8|u16|u32|u16le|u32le   a binary length ahead of the message
 *   header:NAME    a text header block "NAME: 12" ... blank line, 12 bytes
 * The decoder is incremental (bytes may arrive split anywhere) and bounded:
 * no message, header block or buffered remainder grows past spec.max.
 */
#ifndef WIRE_FRAME_H
#define WIRE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"
#include "wire/limits.h"

enum wire_frame_kind {
	WIRE_FRAME_EOF = 1,
	WIRE_FRAME_FIXED,
	WIRE_FRAME_DELIM, /* line, crlf and delim:SEQ */
	WIRE_FRAME_PREFIX,
	WIRE_FRAME_HEADER,
};

#define WIRE_FRAME_NAME_MAX 64u

struct wire_frame_spec {
	enum wire_frame_kind kind;
	size_t max;   /* --max-frame: longest message accepted */
	size_t fixed; /* FIXED: N */
	uint8_t delim[WIRE_FRAME_DELIM_MAX];
	size_t delim_len;                    /* DELIM */
	unsigned prefix_size;                /* PREFIX: 1, 2 or 4 bytes */
	int prefix_le;                       /* PREFIX: little-endian */
	char header[WIRE_FRAME_NAME_MAX];    /* HEADER: the name, NUL-terminated */
	char text[WIRE_FRAME_NAME_MAX + 16]; /* the spec as given, for messages */
};

/* Parses SPEC (as in --frame) with the given maximum message size. Returns 0,
 * or WIRE_E_USAGE with a reason in why (size n). */
int wire_frame_parse(const char *spec, size_t max, struct wire_frame_spec *out, char *why,
                     size_t n);

/* Called for each complete message; a negative return stops the feed and is
 * returned from it (and stays: the decoder is then in error). msg may point
 * into the caller's chunk (zero-copy) or the decoder's buffer: it is valid
 * only during the call, and the callback must not feed the same decoder. */
typedef int (*wire_frame_cb)(void *ud, const uint8_t *msg, size_t len);

struct wire_framer {
	struct wire_frame_spec spec;
	struct wire_buf in; /* bytes of an incomplete message */
	size_t need;        /* PREFIX/HEADER: body length once known */
	int have_len;       /* PREFIX/HEADER: the length is known */
	size_t scan;        /* DELIM/HEADER: bytes already searched */
	int err;            /* sticky: first error */
	uint64_t frames;    /* complete messages delivered */
	/* During a callback of a HEADER decoder: the header block of the
	 * message as received (blank line included), for a byte-exact echo;
	 * NULL and 0 otherwise. */
	const uint8_t *head;
	size_t head_len;
	char why[160]; /* the reason for err, for one stderr line */
};

/* Sets up a decoder for spec. */
void wire_framer_init(struct wire_framer *f, const struct wire_frame_spec *spec);
/* Releases the decoder's buffer. */
void wire_framer_free(struct wire_framer *f);
/* Feeds n bytes; cb gets every message they complete. Returns 0, the
 * callback's negative code, or WIRE_E_TOOBIG / WIRE_E_MALFORMED (reason in
 * f->why; sticky). */
int wire_framer_feed(struct wire_framer *f, const void *p, size_t n, wire_frame_cb cb, void *ud);
/* Ends the stream: EOF delivers the whole input as one message (even empty
 * input? no: an empty stream is no message); any other kind with bytes left
 * over returns WIRE_E_TRUNCATED (reason in f->why). Returns 0 or a code. */
int wire_framer_finish(struct wire_framer *f, wire_frame_cb cb, void *ud);
/* Returns the number of bytes held for an incomplete message. */
size_t wire_framer_pending(const struct wire_framer *f);

/* Appends msg framed by spec to out. FIXED pads a shorter message with NUL
 * bytes. Returns 0, or WIRE_E_TOOBIG when msg is longer than spec->max, than
 * FIXED's N, or than the prefix can express (reason in why, size n). */
int wire_frame_encode(const struct wire_frame_spec *spec, const void *msg, size_t len,
                      struct wire_buf *out, char *why, size_t n);

#endif
