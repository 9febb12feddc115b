/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the page of a trace (src/core/view_nd.c): the input
 * is taken as the NDJSON of `wirecat trace --json`, whose "packet" lines are
 * read in C for their bytes ("hex") and dissected. The page is written into a
 * memory sink; the promises checked: it ends (0, -E2BIG or the sink's error),
 * and no byte of the input reaches it unescaped (the page holds only its own
 * two <script> elements and the data element has no '<'). A broken promise
 * aborts, so the fuzzer reports it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/buf.h"
#include "wire/sink.h"
#include "wire/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count(const uint8_t *p, size_t n, const char *what)
{
	size_t k = strlen(what), c = 0;
	for (size_t i = 0; i + k <= n; i++)
		c += !memcmp(p + i, what, k);
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_buf b;
	struct wire_sink *s = malloc(sizeof(*s));
	uint64_t nev = 0;
	if (!s)
		return 0;
	wire_buf_init(&b, 64u << 20);
	wire_sink_init_mem(s, &b);
	int rc = wire_view_html_ndjson((const char *)data, size, "fuzz", s, &nev);
	if (rc == 0)
		rc = wire_sink_flush(s);
	if (rc != 0 && rc != -E2BIG && rc != s->err)
		abort();
	if (rc == 0) {
		const uint8_t *p = wire_buf_head(&b);
		size_t n = wire_buf_used(&b);
		const char *d0 = "id=\"wc-data\">";
		const uint8_t *d = memmem(p, n, d0, strlen(d0));
		const uint8_t *e = d ? memmem(d, n - (size_t)(d - p), "</script>", 9) : NULL;
		if (!d || !e || count(p, n, "<script") != 2 ||
		    memchr(d + strlen(d0), '<', (size_t)(e - d) - strlen(d0)))
			abort();
	}
	wire_buf_free(&b);
	free(s);
	return 0;
}
