/* SPDX-License-Identifier: BSD-2-Clause */
/* Growable byte buffer with a hard maximum (see include/wire/buf.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/buf.h"
#include "wire/err.h"

void wire_buf_init(struct wire_buf *b, size_t max)
{
	b->data = NULL;
	b->off = b->len = b->cap = 0;
	b->max = max;
}

void wire_buf_free(struct wire_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}

int wire_buf_reserve(struct wire_buf *b, size_t n)
{
	size_t used = b->len - b->off;
	if (n > b->max || used > b->max - n)
		return WIRE_E_TOOBIG;
	if (b->cap - b->len >= n)
		return 0;
	if (b->off > 0) { /* reclaim consumed space first */
		memmove(b->data, b->data + b->off, used);
		b->off = 0;
		b->len = used;
		if (b->cap - b->len >= n)
			return 0;
	}
	size_t want = b->cap ? b->cap : 4096;
	while (want < used + n)
		want = want > b->max / 2 ? b->max : want * 2;
	if (want > b->max)
		want = b->max;
	uint8_t *p = realloc(b->data, want);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = want;
	return 0;
}

int wire_buf_append(struct wire_buf *b, const void *p, size_t n)
{
	int rc = wire_buf_reserve(b, n);
	if (rc < 0)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void wire_buf_consume(struct wire_buf *b, size_t n)
{
	size_t used = b->len - b->off;
	if (n >= used)
		b->off = b->len = 0;
	else
		b->off += n;
}
