/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A growable byte buffer with a mandatory maximum: a peer can never make it
 * grow past `max`. Bytes live in data[off .. len); consumed bytes are
 * reclaimed by moving the rest down when space is needed.
 */
#ifndef WIRE_BUF_H
#define WIRE_BUF_H

#include <stddef.h>
#include <stdint.h>

struct wire_buf {
	uint8_t *data;
	size_t off; /* first unread byte */
	size_t len; /* end of stored bytes */
	size_t cap; /* allocated */
	size_t max; /* never grows past this */
};

/* Initialises an empty buffer limited to max bytes (no allocation yet). */
void wire_buf_init(struct wire_buf *b, size_t max);
/* Frees the storage; the buffer is empty and reusable afterwards. */
void wire_buf_free(struct wire_buf *b);
/* Returns the number of unread bytes. */
static inline size_t wire_buf_used(const struct wire_buf *b)
{
	return b->len - b->off;
}
/* Returns a pointer to the unread bytes. */
static inline uint8_t *wire_buf_head(const struct wire_buf *b)
{
	return b->data + b->off;
}
/* Makes room for n more bytes at the tail. Returns 0, -ENOMEM, or WIRE_E_TOOBIG
 * when used + n would exceed max. */
int wire_buf_reserve(struct wire_buf *b, size_t n);
/* Returns the writable tail (after wire_buf_reserve) and its size. */
static inline uint8_t *wire_buf_tail(const struct wire_buf *b)
{
	return b->data + b->len;
}
static inline size_t wire_buf_room(const struct wire_buf *b)
{
	return b->cap - b->len;
}
/* Records n bytes written at the tail. */
static inline void wire_buf_commit(struct wire_buf *b, size_t n)
{
	b->len += n;
}
/* Appends n bytes. Returns 0 or a negative code as wire_buf_reserve. */
int wire_buf_append(struct wire_buf *b, const void *p, size_t n);
/* Drops n bytes from the head (n <= used). */
void wire_buf_consume(struct wire_buf *b, size_t n);
/* Empties the buffer, keeping its storage. */
static inline void wire_buf_reset(struct wire_buf *b)
{
	b->off = b->len = 0;
}

#endif
