/* SPDX-License-Identifier: BSD-2-Clause */
/* Buffered output sink over a file descriptor or memory (include/wire/sink.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wire/sink.h"

void wire_sink_init_fd(struct wire_sink *s, int fd)
{
	s->fd = fd;
	s->mem = NULL;
	s->err = 0;
	s->line_buffered = 0;
	s->n = 0;
}

void wire_sink_init_mem(struct wire_sink *s, struct wire_buf *mem)
{
	wire_sink_init_fd(s, -1);
	s->mem = mem;
}

int wire_sink_flush(struct wire_sink *s)
{
	size_t off = 0;
	if (s->err) {
		s->n = 0;
		return s->err;
	}
	if (s->mem) {
		int rc = wire_buf_append(s->mem, s->buf, s->n);
		s->n = 0;
		if (rc < 0)
			s->err = rc;
		return s->err;
	}
	while (off < s->n) {
		ssize_t w = write(s->fd, s->buf + off, s->n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			s->err = -errno;
			break;
		}
		off += (size_t)w;
	}
	s->n = 0;
	return s->err;
}

int wire_sink_write_slow(struct wire_sink *s, const void *p, size_t n)
{
	const char *c = p;
	if (s->err)
		return s->err;
	while (n > 0) {
		size_t room = sizeof(s->buf) - s->n;
		if (room == 0) {
			if (wire_sink_flush(s) < 0)
				return s->err;
			room = sizeof(s->buf);
		}
		size_t k = n < room ? n : room;
		memcpy(s->buf + s->n, c, k);
		s->n += k;
		c += k;
		n -= k;
	}
	if (s->line_buffered && s->n && s->buf[s->n - 1] == '\n')
		return wire_sink_flush(s);
	return s->err;
}

int wire_sink_vprintf(struct wire_sink *s, const char *fmt, va_list ap)
{
	char tmp[1024];
	va_list ap2;
	va_copy(ap2, ap);
	int k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if (k < 0) {
		va_end(ap2);
		return s->err;
	}
	if ((size_t)k < sizeof(tmp)) {
		va_end(ap2);
		return wire_sink_write(s, tmp, (size_t)k);
	}
	/* Long output: format into the sink buffer directly after a flush. */
	if (wire_sink_flush(s) < 0) {
		va_end(ap2);
		return s->err;
	}
	int k2 = vsnprintf(s->buf, sizeof(s->buf), fmt, ap2);
	va_end(ap2);
	if (k2 > 0)
		s->n = (size_t)k2 < sizeof(s->buf) ? (size_t)k2 : sizeof(s->buf) - 1;
	return s->err;
}

int wire_sink_printf(struct wire_sink *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = wire_sink_vprintf(s, fmt, ap);
	va_end(ap);
	return rc;
}

int wire_sink_escaped(struct wire_sink *s, const void *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		size_t run = i;
		while (run < n && c[run] >= 0x20 && c[run] < 0x7f && c[run] != '\\')
			run++;
		if (run > i) /* printable bytes go as they are, a run at a time */
			wire_sink_write(s, c + i, run - i);
		if (run == n)
			break;
		i = run;
		unsigned char ch = c[i];
		char e[4] = {'\\', 0, 0, 0};
		size_t k = 2;
		switch (ch) {
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		case '\\': e[1] = '\\'; break;
		default:
			e[1] = 'x';
			e[2] = hex[ch >> 4];
			e[3] = hex[ch & 15];
			k = 4;
		}
		wire_sink_write(s, e, k);
	}
	return s->err;
}
