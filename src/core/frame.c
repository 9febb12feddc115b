/* SPDX-License-Identifier: BSD-2-Clause */
/* Message framing (include/wire/frame.h). Placeholder: being written. */
#include "wire/err.h"
#include "wire/frame.h"

int wire_frame_parse(const char *spec, size_t max, struct wire_frame_spec *out, char *why, size_t n)
{
	(void)spec; (void)max; (void)out; (void)why; (void)n;
	return WIRE_E_INTERNAL;
}

void wire_framer_init(struct wire_framer *f, const struct wire_frame_spec *spec)
{
	f->spec = *spec;
	wire_buf_init(&f->in, spec->max);
}

void wire_framer_free(struct wire_framer *f) { wire_buf_free(&f->in); }

int wire_framer_feed(struct wire_framer *f, const void *p, size_t n, wire_frame_cb cb, void *ud)
{
	(void)f; (void)p; (void)n; (void)cb; (void)ud;
	return WIRE_E_INTERNAL;
}

int wire_framer_finish(struct wire_framer *f, wire_frame_cb cb, void *ud)
{
	(void)f; (void)cb; (void)ud;
	return WIRE_E_INTERNAL;
}

size_t wire_framer_pending(const struct wire_framer *f) { return wire_buf_used(&f->in); }

int wire_frame_encode(const struct wire_frame_spec *spec, const void *msg, size_t len,
		      struct wire_buf *out, char *why, size_t n)
{
	(void)spec; (void)msg; (void)len; (void)out; (void)why; (void)n;
	return WIRE_E_INTERNAL;
}
