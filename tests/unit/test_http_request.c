/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for request building (wire_http_build in src/core/http/client.c):
 * the default headers, -H replacing, removing ("Name:") and emptying
 * ("Name;") them, Basic authentication from -u and from the URL, bodies, the
 * method rules, and refusal of header values with line breaks.
 */
#include <string.h>

#include "t.h"
#include "wire/err.h"
#include "wire/http.h"

static char out[65536];

static const char *build(const struct wire_http_opts *o, const char *url)
{
	int n = wire_http_build(o, url, (uint8_t *)out, sizeof(out) - 1);
	if (n < 0)
		return "(error)";
	out[n] = 0;
	return out;
}

int main(void)
{
	struct wire_http_opts o;
	memset(&o, 0, sizeof(o));
	CHECK_STR(build(&o, "http://example.com/a?b=c"),
	          "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: wirecat/0.1.0\r\n"
	          "Accept: */*\r\n\r\n");
	CHECK_STR(build(&o, "https://[::1]:8443"),
	          "GET / HTTP/1.1\r\nHost: [::1]:8443\r\nUser-Agent: wirecat/0.1.0\r\n"
	          "Accept: */*\r\n\r\n");
	CHECK_STR(build(&o, "https://h:443/x"),
	          "GET /x HTTP/1.1\r\nHost: h\r\nUser-Agent: wirecat/0.1.0\r\nAccept: */*\r\n\r\n");
	CHECK_STR(
	    build(&o, "http://Aladdin:open%20sesame@h/"),
	    "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
	    "User-Agent: wirecat/0.1.0\r\nAccept: */*\r\n\r\n");

	const char *hdrs[] = {"Accept:", "User-Agent: me/2", "X-Empty;", "X-Long:   v  v"};
	o.headers = hdrs;
	o.nheaders = 4;
	o.head = 1;
	o.userpwd = "u:p";
	CHECK_STR(build(&o, "http://h:8080/"),
	          "HEAD / HTTP/1.1\r\nHost: h:8080\r\nAuthorization: Basic dTpw\r\n"
	          "User-Agent: me/2\r\nX-Empty:\r\nX-Long: v  v\r\n\r\n");

	memset(&o, 0, sizeof(o));
	o.data = (const uint8_t *)"a=1&b=2";
	o.data_len = 7;
	o.form = 1;
	CHECK_STR(
	    build(&o, "http://h/f"),
	    "POST /f HTTP/1.1\r\nHost: h\r\nUser-Agent: wirecat/0.1.0\r\nAccept: */*\r\n"
	    "Content-Length: 7\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\na=1&b=2");
	o.method = "PUT";
	o.form = 0;
	o.user_agent = "";
	CHECK_STR(build(&o, "http://h/f"),
	          "PUT /f HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nContent-Length: 7\r\n\r\na=1&b=2");

	memset(&o, 0, sizeof(o));
	const char *bad[] = {"X-A: b\r\nInjected: 1"};
	o.headers = bad;
	o.nheaders = 1;
	CHECK_INT(wire_http_build(&o, "http://h/", (uint8_t *)out, sizeof(out)), WIRE_E_USAGE);
	const char *noname[] = {": v"};
	o.headers = noname;
	CHECK_INT(wire_http_build(&o, "http://h/", (uint8_t *)out, sizeof(out)), WIRE_E_USAGE);
	o.nheaders = 0;
	CHECK_INT(wire_http_build(&o, "gopher://h/", (uint8_t *)out, sizeof(out)), WIRE_E_USAGE);
	CHECK_INT(wire_http_build(&o, "http://h/", (uint8_t *)out, 10), WIRE_E_TOOBIG);
	return T_END();
}
