/* SPDX-License-Identifier: BSD-2-Clause */
/* The bounded text builder and the -C LF -> CRLF copy of include/wire/text.h. */
#include <stdarg.h>
#include <stdio.h>

#include "wire/text.h"

void wire_tbuf_printf(struct wire_tbuf *t, const char *fmt, ...)
{
	va_list ap;
	if (t->over || t->len >= t->n)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(t->p + t->len, t->n - t->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= t->n - t->len) {
		t->over = 1;
		return;
	}
	t->len += (size_t)k;
}

size_t wire_crlf_expand(const uint8_t *in, size_t n, uint8_t *out, int *last_cr)
{
	size_t k = 0;
	int cr = *last_cr;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\n' && !cr)
			out[k++] = '\r';
		out[k++] = in[i];
		cr = in[i] == '\r';
	}
	*last_cr = cr;
	return k;
}
