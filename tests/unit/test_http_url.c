/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for URL parsing (names, IPv4, [IPv6], ports, userinfo, path and
 * query as given) and for reference resolution with every example of RFC
 * 3986 section 5.4 (src/core/http/url.c).
 */
#include <string.h>

#include "t.h"
#include "wire/err.h"
#include "wire/http.h"

static struct wire_url u;

static int parse(const char *s)
{
	return wire_url_parse(s, strlen(s), &u);
}

static void check_parse(void)
{
	char a[300];
	CHECK_INT(parse("http://example.com"), 0);
	CHECK_STR(u.host, "example.com");
	CHECK_INT(u.port, 80);
	CHECK_INT(u.tls, 0);
	CHECK_STR(u.target, "/");
	wire_url_authority(&u, a, sizeof(a));
	CHECK_STR(a, "example.com");

	CHECK_INT(parse("HTTPS://Example.COM:8443/a/b?x=1&y=%41#frag"), 0);
	CHECK_STR(u.host, "example.com");
	CHECK_INT(u.port, 8443);
	CHECK_INT(u.tls, 1);
	CHECK_STR(u.target, "/a/b?x=1&y=%41");
	wire_url_authority(&u, a, sizeof(a));
	CHECK_STR(a, "example.com:8443");

	CHECK_INT(parse("https://127.0.0.1/"), 0);
	CHECK_INT(u.port, 443);
	CHECK_STR(u.host, "127.0.0.1");

	CHECK_INT(parse("http://[::1]:8080/x"), 0);
	CHECK_STR(u.host, "::1");
	CHECK_INT(u.ipv6, 1);
	CHECK_INT(u.port, 8080);
	wire_url_authority(&u, a, sizeof(a));
	CHECK_STR(a, "[::1]:8080");
	wire_url_format(&u, a, sizeof(a));
	CHECK_STR(a, "http://[::1]:8080/x");

	CHECK_INT(parse("http://[2001:db8::7]"), 0);
	CHECK_STR(u.host, "2001:db8::7");
	wire_url_authority(&u, a, sizeof(a));
	CHECK_STR(a, "[2001:db8::7]");

	CHECK_INT(parse("http://[fe80::1%25lo]:81/"), 0);
	CHECK_STR(u.host, "fe80::1%lo");
	wire_url_authority(&u, a, sizeof(a));
	CHECK_STR(a, "[fe80::1%25lo]:81");

	CHECK_INT(parse("http://user:p%40ss@host:99/?q"), 0);
	CHECK_INT(u.has_user, 1);
	CHECK_STR(u.user, "user");
	CHECK_STR(u.pass, "p@ss");
	CHECK_STR(u.host, "host");
	CHECK_STR(u.target, "/?q");

	CHECK_INT(parse("http://joe@host/"), 0);
	CHECK_STR(u.user, "joe");
	CHECK_STR(u.pass, "");

	CHECK_INT(parse("localhost:8080/path"), 0); /* no scheme: http */
	CHECK_STR(u.host, "localhost");
	CHECK_INT(u.port, 8080);
	CHECK_STR(u.target, "/path");

	CHECK_INT(parse("http://h:/p"), 0);
	CHECK_INT(u.port, 80);
	CHECK_INT(parse("http://h/a b"), 0);
	CHECK_STR(u.target, "/a%20b");
	CHECK_INT(parse("http://h?x"), 0);
	CHECK_STR(u.target, "/?x");

	CHECK_INT(parse("ftp://h/"), WIRE_E_USAGE);
	CHECK_INT(parse("http://"), WIRE_E_USAGE);
	CHECK_INT(parse("http://h:0/"), WIRE_E_USAGE);
	CHECK_INT(parse("http://h:65536/"), WIRE_E_USAGE);
	CHECK_INT(parse("http://h:8x/"), WIRE_E_USAGE);
	CHECK_INT(parse("http://[::1/"), WIRE_E_USAGE);
	CHECK_INT(parse("http://[zz::1]/"), WIRE_E_USAGE);
	CHECK_INT(parse("http://[::1]x/"), WIRE_E_USAGE);
	CHECK_INT(parse("http://bad host/"), WIRE_E_USAGE);
	CHECK_INT(parse("http://h/\x01"), WIRE_E_USAGE);
	CHECK_INT(parse("http://u:%zz@h/"), WIRE_E_USAGE);
}

static void check_resolve(void)
{
	/* RFC 3986 5.4.1 and 5.4.2 */
	static const char *const ex[][2] = {
	    {"g:h", "g:h"},
	    {"g", "http://a/b/c/g"},
	    {"./g", "http://a/b/c/g"},
	    {"g/", "http://a/b/c/g/"},
	    {"/g", "http://a/g"},
	    {"//g", "http://g"},
	    {"?y", "http://a/b/c/d;p?y"},
	    {"g?y", "http://a/b/c/g?y"},
	    {"#s", "http://a/b/c/d;p?q#s"},
	    {"g#s", "http://a/b/c/g#s"},
	    {"g?y#s", "http://a/b/c/g?y#s"},
	    {";x", "http://a/b/c/;x"},
	    {"g;x", "http://a/b/c/g;x"},
	    {"g;x?y#s", "http://a/b/c/g;x?y#s"},
	    {"", "http://a/b/c/d;p?q"},
	    {".", "http://a/b/c/"},
	    {"./", "http://a/b/c/"},
	    {"..", "http://a/b/"},
	    {"../", "http://a/b/"},
	    {"../g", "http://a/b/g"},
	    {"../..", "http://a/"},
	    {"../../", "http://a/"},
	    {"../../g", "http://a/g"},
	    {"../../../g", "http://a/g"},
	    {"../../../../g", "http://a/g"},
	    {"/./g", "http://a/g"},
	    {"/../g", "http://a/g"},
	    {"g.", "http://a/b/c/g."},
	    {".g", "http://a/b/c/.g"},
	    {"g..", "http://a/b/c/g.."},
	    {"..g", "http://a/b/c/..g"},
	    {"./../g", "http://a/b/g"},
	    {"./g/.", "http://a/b/c/g/"},
	    {"g/./h", "http://a/b/c/g/h"},
	    {"g/../h", "http://a/b/c/h"},
	    {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
	    {"g;x=1/../y", "http://a/b/c/y"},
	    {"g?y/./x", "http://a/b/c/g?y/./x"},
	    {"g?y/../x", "http://a/b/c/g?y/../x"},
	    {"g#s/./x", "http://a/b/c/g#s/./x"},
	    {"g#s/../x", "http://a/b/c/g#s/../x"},
	    {"http:g", "http:g"},
	};
	char out[WIRE_HTTP_URL_MAX];
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		int rc = wire_url_resolve("http://a/b/c/d;p?q", (const uint8_t *)ex[i][0],
		                          strlen(ex[i][0]), out, sizeof(out));
		CHECK(rc >= 0);
		if (rc < 0 || strcmp(out, ex[i][1]) != 0)
			fprintf(stderr, "resolve \"%s\": got \"%s\", expected \"%s\"\n", ex[i][0],
			        rc < 0 ? "(error)" : out, ex[i][1]);
		else
			CHECK(1);
	}
	/* what servers send */
	int rc = wire_url_resolve("http://127.0.0.1:8080/r/1", (const uint8_t *)"/r/2", 4, out,
	                          sizeof(out));
	CHECK_INT(rc, (int)strlen("http://127.0.0.1:8080/r/2"));
	CHECK_STR(out, "http://127.0.0.1:8080/r/2");
	rc = wire_url_resolve("http://[::1]:8080/a/b", (const uint8_t *)"c d", 3, out, sizeof(out));
	CHECK_STR(out, "http://[::1]:8080/a/c%20d");
	rc = wire_url_resolve("http://h/", (const uint8_t *)"https://other:1/x", 17, out,
	                      sizeof(out));
	CHECK_STR(out, "https://other:1/x");
	rc = wire_url_resolve("http://h/", (const uint8_t *)"a\r\nb", 4, out, sizeof(out));
	CHECK_INT(rc, WIRE_E_MALFORMED);
	rc = wire_url_resolve("http://h/", (const uint8_t *)"abcdef", 6, out, 10);
	CHECK_INT(rc, WIRE_E_TOOBIG);
	rc = wire_url_resolve("http://h", (const uint8_t *)"x", 1, out, sizeof(out));
	CHECK_STR(out, "http://h/x");
}

int main(void)
{
	check_parse();
	check_resolve();
	return T_END();
}
