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
int wire_sink_write(struct wire_sink *s, const void *p, size_t n);
int wire_sink_puts(struct wire_sink *s, const char *str);
int wire_sink_putc(struct wire_sink *s, char c);
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
