/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Small character helpers shared by the parsers of text that peers and files
 * send (HTTP, URLs, frame specs, /proc tables), independent of the locale.
 */
#ifndef WIRE_TEXT_H
#define WIRE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Returns the value of a hex digit (0-15), or -1 when c is not one. */
static inline int wire_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* -C/--crlf (nc -C): copies n bytes of in to out, which holds 2 * n, with
 * every LF not preceded by CR written as CRLF. *last_cr carries from one
 * call to the next whether the previous chunk ended in CR (start at 0), so a
 * CRLF split between two reads stays as it is. Returns the bytes written. */
size_t wire_crlf_expand(const uint8_t *in, size_t n, uint8_t *out, int *last_cr);

/* A bounded text builder over a caller's buffer: appends stop at the first
 * one that does not fit (then `over` is set and the text is cut there, still
 * NUL-terminated), so a filter or message is never silently half-written. */
struct wire_tbuf {
	char *p;
	size_t n;   /* size of p */
	size_t len; /* bytes written (excluding the NUL) */
	int over;   /* an append did not fit */
};

/* Appends formatted text to t (nothing once t->over is set). */
void wire_tbuf_printf(struct wire_tbuf *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
