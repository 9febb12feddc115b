/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The bounded reader: the only way core code reads untrusted bytes (packets,
 * pcap records, HTTP responses, frames). Reads never go past `end`; the error
 * is sticky: once a read comes up short, `err` is set and every later read
 * returns 0 (or NULL) and moves nothing, so a decoder reads a whole header and
 * checks `err` once. Lengths are compared, never pointers past the end.
 */
#ifndef WIRE_RD_H
#define WIRE_RD_H

#include <stddef.h>
#include <stdint.h>

struct wire_rd {
	const uint8_t *p, *end;
	int err; /* 0, or 1 once a read ran out of bytes */
};

/* Returns a reader over the n bytes at p. */
static inline struct wire_rd wire_rd_init(const void *p, size_t n)
{
	struct wire_rd r;
	r.p = (const uint8_t *)p;
	r.end = r.p + n;
	r.err = 0;
	return r;
}

/* Returns the number of bytes left (0 after an error). */
static inline size_t wire_rd_left(const struct wire_rd *r)
{
	return r->err ? 0 : (size_t)(r->end - r->p);
}

/* Returns 1 when n more bytes can be read, else sets the error and returns 0. */
static inline int wire_rd_need(struct wire_rd *r, size_t n)
{
	if (r->err || n > (size_t)(r->end - r->p)) {
		r->err = 1;
		return 0;
	}
	return 1;
}

/* Each returns the value read, or 0 with the error set when too short. */
static inline uint8_t wire_rd_u8(struct wire_rd *r)
{
	if (!wire_rd_need(r, 1))
		return 0;
	return *r->p++;
}

static inline uint16_t wire_rd_be16(struct wire_rd *r)
{
	if (!wire_rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)(((uint16_t)r->p[0] << 8) | (uint16_t)r->p[1]);
	r->p += 2;
	return v;
}

static inline uint16_t wire_rd_le16(struct wire_rd *r)
{
	if (!wire_rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)(((uint16_t)r->p[1] << 8) | (uint16_t)r->p[0]);
	r->p += 2;
	return v;
}

static inline uint32_t wire_rd_be24(struct wire_rd *r)
{
	if (!wire_rd_need(r, 3))
		return 0;
	uint32_t v = ((uint32_t)r->p[0] << 16) | ((uint32_t)r->p[1] << 8) | (uint32_t)r->p[2];
	r->p += 3;
	return v;
}

static inline uint32_t wire_rd_be32(struct wire_rd *r)
{
	if (!wire_rd_need(r, 4))
		return 0;
	uint32_t v = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) |
	             ((uint32_t)r->p[2] << 8) | (uint32_t)r->p[3];
	r->p += 4;
	return v;
}

static inline uint32_t wire_rd_le32(struct wire_rd *r)
{
	if (!wire_rd_need(r, 4))
		return 0;
	uint32_t v = ((uint32_t)r->p[3] << 24) | ((uint32_t)r->p[2] << 16) |
	             ((uint32_t)r->p[1] << 8) | (uint32_t)r->p[0];
	r->p += 4;
	return v;
}

static inline uint64_t wire_rd_be64(struct wire_rd *r)
{
	uint64_t hi = wire_rd_be32(r);
	uint64_t lo = wire_rd_be32(r);
	return r->err ? 0 : (hi << 32) | lo;
}

/* Returns a pointer to the next n bytes and moves past them, or NULL. */
static inline const uint8_t *wire_rd_take(struct wire_rd *r, size_t n)
{
	if (!wire_rd_need(r, n))
		return NULL;
	const uint8_t *p = r->p;
	r->p += n;
	return p;
}

/* Copies n bytes into dst; returns 1, or 0 (dst zeroed) when too short. */
static inline int wire_rd_copy(struct wire_rd *r, void *dst, size_t n)
{
	const uint8_t *p = wire_rd_take(r, n);
	if (p) {
		__builtin_memcpy(dst, p, n);
		return 1;
	}
	__builtin_memset(dst, 0, n);
	return 0;
}

/* Moves past n bytes; sets the error when fewer are left. */
static inline void wire_rd_skip(struct wire_rd *r, size_t n)
{
	(void)wire_rd_take(r, n);
}

/* Returns a reader over exactly the next n bytes and moves the parent past
 * them; when fewer are left, both readers are in error. */
static inline struct wire_rd wire_rd_sub(struct wire_rd *r, size_t n)
{
	struct wire_rd s = wire_rd_init(r->p, 0);
	const uint8_t *p = wire_rd_take(r, n);
	if (p)
		s = wire_rd_init(p, n);
	else
		s.err = 1;
	return s;
}

/* Returns a reader over min(n, left) bytes (narrowing to what a header claims,
 * so that padding is never parsed), and moves the parent past them. */
static inline struct wire_rd wire_rd_sub_upto(struct wire_rd *r, size_t n)
{
	size_t left = wire_rd_left(r);
	return wire_rd_sub(r, n < left ? n : left);
}

#endif
