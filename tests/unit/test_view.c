/* SPDX-License-Identifier: BSD-2-Clause */
/* wire_view_json_str: the escaping that keeps packet bytes from ending the
 * page's JSON <script> element or running as code; the I/O graph's series
 * (view_io.c: the server's /api/io and the --html page's "io"). */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "wire/buf.h"
#include "wire/sink.h"
#include "view_int.h"
#include "wire/view.h"

/* A sink writing into b (cap bytes at most); NULL when out of memory. */
static struct wire_sink *mem_sink(struct wire_buf *b, size_t cap)
{
	struct wire_sink *s = malloc(sizeof(*s));
	if (!s)
		return NULL;
	wire_buf_init(b, cap);
	wire_sink_init_mem(s, b);
	return s;
}

/* Flushes s, copies what it wrote into out as a string and frees both. */
static const char *mem_text(struct wire_sink *s, struct wire_buf *b, char *out)
{
	out[0] = '\0';
	if (!s)
		return out;
	if (wire_sink_flush(s) == 0) {
		memcpy(out, wire_buf_head(b), wire_buf_used(b));
		out[wire_buf_used(b)] = '\0';
	}
	wire_buf_free(b);
	free(s);
	return out;
}

/* Returns the escaped form of n bytes at p (static buffer). */
static const char *esc(const void *p, size_t n)
{
	static char out[1024];
	struct wire_buf b;
	struct wire_sink *s = mem_sink(&b, sizeof(out) - 1);
	if (s)
		wire_view_json_str(s, p, n);
	return mem_text(s, &b, out);
}

#define ESC(lit) esc(lit, sizeof(lit) - 1)

/* The series as JSON at interval want (static buffer). */
static const char *io_json(const struct view_io *io, double want)
{
	static char out[4096];
	struct wire_buf b;
	struct wire_sink *s = mem_sink(&b, sizeof(out) - 1);
	if (s)
		wire_view_io_json(s, io, want);
	return mem_text(s, &b, out);
}

/* Buckets of 1 ms grow tenfold past the table, merged; the page gets at
 * most WIRE_VIEW_IO_SHOWN bars, every packet and byte still counted. */
static void test_io(void)
{
	struct view_io *io = calloc(1, sizeof(*io));
	if (!io)
		return;
	wire_view_io_add(io, 0, 60);
	wire_view_io_add(io, 0.0005, 40);
	wire_view_io_add(io, -1, 10); /* before the first packet: the first bucket */
	CHECK(io->iv == 0.001 && io->n == 1 && io->pk[0] == 3 && io->by[0] == 110);
	CHECK_STR(io_json(io, 0), "{\"iv\":0.001,\"pk\":[3],\"by\":[110]}");
	wire_view_io_add(io, 1.5, 100); /* 1500 ms: past 1000 buckets */
	CHECK(io->iv == 0.01 && io->n == 151 && io->pk[0] == 3 && io->pk[150] == 1);
	CHECK(wire_view_io_shown(io, 0) == 0.1 && wire_view_io_shown(io, 1) == 1);
	const char *j = io_json(io, wire_view_io_shown(io, 0));
	CHECK_STR(j, "{\"iv\":0.1,\"pk\":[3,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1],\"by\":[110,0,0,0,0,0,0,"
	             "0,0,0,0,0,0,0,0,100]}");
	CHECK_STR(io_json(io, 10), "{\"iv\":10,\"pk\":[4],\"by\":[210]}");
	free(io);
}

int main(void)
{
	CHECK_STR(ESC("plain text 1.2.3.4:80"), "\"plain text 1.2.3.4:80\"");
	CHECK_STR(ESC("</script><script>alert(1)</script>"),
	          "\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"");
	CHECK_STR(ESC("a&b\"c\\d"), "\"a\\u0026b\\\"c\\\\d\"");
	CHECK_STR(ESC("\n\r\t\x01\x7f"), "\"\\n\\u000d\\u0009\\u0001\\u007f\"");
	/* U+2028 and U+2029 (e2 80 a8, e2 80 a9) and any other high byte. */
	CHECK_STR(ESC("\xe2\x80\xa8\xe2\x80\xa9\xff"),
	          "\"\\u00e2\\u0080\\u00a8\\u00e2\\u0080\\u00a9\\u00ff\"");
	CHECK_STR(ESC("<!--"), "\"\\u003c!--\"");
	CHECK_STR(esc("\0x", 2), "\"\\u0000x\"");
	test_io();
	return T_END();
}
