/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Output sink: the only way core code produces text. A sink buffers output and
 * sends it either to a file descriptor or into a memory buffer (so tests can
 * capture what a printer writes). Core code never calls printf or exit.
 */
#ifndef WIRE_SINK_H
#define WIRE_SINK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/buf.h"

#define WIRE_SINK_BUFSZ 65536u

struct wire_sink {
	int fd;               /* -1 for a memory sink */
	struct wire_buf *mem; /* memory sink target */
	int err;              /* sticky: first write error (-errno) */
	int line_buffered;    /* flush at every newline-terminated write */
	size_t n;             /* bytes pending in buf */
	char buf[WIRE_SINK_BUFSZ];
};

/* Sets up a sink writing to fd. */
void wire_sink_init_fd(struct wire_sink *s, int fd);
/* Sets up a sink appending to mem (bounded by mem->max). */
void wire_sink_init_mem(struct wire_sink *s, struct wire_buf *mem);
/* Each returns 0 or the sink's sticky negative error. */
int wire_sink_write_slow(struct wire_sink *s, const void *p, size_t n);
/* The printers' hot path: a copy into the buffer when it has room (most
 * writes are a few bytes of constant length, which the compiler turns into
 * moves), else the flushing path. */
static inline int wire_sink_write(struct wire_sink *s, const void *p, size_t n)
{
	if (n <= sizeof(s->buf) - s->n && !s->line_buffered && !s->err) {
		__builtin_memcpy(s->buf + s->n, p, n);
		s->n += n;
		return 0;
	}
	return wire_sink_write_slow(s, p, n);
}
/* Returns where up to n bytes can be written in the buffer, or NULL when
 * the sink has no such room now (line-buffered, an error, or full): the
 * caller then formats elsewhere and calls wire_sink_write. Commit what was
 * written with wire_sink_commit. */
static inline char *wire_sink_room(struct wire_sink *s, size_t n)
{
	return n <= sizeof(s->buf) - s->n && !s->line_buffered && !s->err ? s->buf + s->n : NULL;
}
static inline void wire_sink_commit(struct wire_sink *s, size_t n)
{
	s->n += n;
}
static inline int wire_sink_puts(struct wire_sink *s, const char *str)
{
	return wire_sink_write(s, str, __builtin_strlen(str));
}
static inline int wire_sink_putc(struct wire_sink *s, char c)
{
	if (s->n < sizeof(s->buf) && !s->line_buffered && !s->err) {
		s->buf[s->n++] = c;
		return 0;
	}
	return wire_sink_write_slow(s, &c, 1);
}
int wire_sink_printf(struct wire_sink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int wire_sink_vprintf(struct wire_sink *s, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Writes bytes with every non-printable byte escaped (\n, \r, \t, \\, \xHH),
 * so no packet can drive the terminal. */
int wire_sink_escaped(struct wire_sink *s, const void *p, size_t n);
/* Sends pending bytes. Returns 0 or a negative error. */
int wire_sink_flush(struct wire_sink *s);

#endif
