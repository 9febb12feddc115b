/* SPDX-License-Identifier: BSD-2-Clause */
/* wire_view_json_str: the escaping that keeps packet bytes from ending the
 * page's JSON <script> element or running as code. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "wire/buf.h"
#include "wire/sink.h"
#include "wire/view.h"

/* Returns the escaped form of n bytes at p (static buffer). */
static const char *esc(const void *p, size_t n)
{
	static char out[1024];
	struct wire_buf b;
	struct wire_sink *s = malloc(sizeof(*s));
	out[0] = '\0';
	if (!s)
		return out;
	wire_buf_init(&b, sizeof(out) - 1);
	wire_sink_init_mem(s, &b);
	wire_view_json_str(s, p, n);
	if (wire_sink_flush(s) == 0) {
		memcpy(out, wire_buf_head(&b), wire_buf_used(&b));
		out[wire_buf_used(&b)] = '\0';
	}
	wire_buf_free(&b);
	free(s);
	return out;
}

#define ESC(lit) esc(lit, sizeof(lit) - 1)

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
	return T_END();
}
