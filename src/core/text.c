/* SPDX-License-Identifier: BSD-2-Clause */
/* The bounded text builder of include/wire/text.h. */
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
