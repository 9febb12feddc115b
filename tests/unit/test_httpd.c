/* SPDX-License-Identifier: BSD-2-Clause */
/* The view server's request head parser (wire_httpd_parse) and query
 * decoder (wire_httpd_param): a table of heads and the answer each gets,
 * each also fed at every shorter length (never an answer before its end). */
#include <stdint.h>
#include <string.h>

#include "t.h"
#include "wire/httpd.h"

struct row {
	const char *head;
	int want; /* the head's length (> 0: -1 means the whole text) or -status */
	const char *path, *query;
	int head_only, keep;
};

static const struct row rows[] = {
    {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", -1, "/", "", 0, 1},
    {"HEAD /api/summary HTTP/1.1\r\n\r\n", -1, "/api/summary", "", 1, 1},
    {"GET /api/rows?start=0&count=5 HTTP/1.0\r\n\r\n", -1, "/api/rows", "start=0&count=5", 0, 0},
    {"GET / HTTP/1.0\nConnection: Keep-Alive\n\n", -1, "/", "", 0, 1},
    {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", -1, "/", "", 0, 0},
    {"\r\nGET /x HTTP/1.1\r\n\r\n", -1, "/x", "", 0, 1},
    {"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", -1, "/", "", 0, 1},
    {"POST / HTTP/1.1\r\n\r\n", -405, NULL, NULL, 0, 0},
    {"DELETE /api/rows HTTP/1.1\r\n\r\n", -405, NULL, NULL, 0, 0},
    {"get / HTTP/1.1\r\n\r\n", -405, NULL, NULL, 0, 0},
    {"GET / HTTP/2.0\r\n\r\n", -505, NULL, NULL, 0, 0},
    {"GET / HTTP/1.10\r\n\r\n", -400, NULL, NULL, 0, 0},
    {"GET  / HTTP/1.1\r\n\r\n", -400, NULL, NULL, 0, 0},
    {"GET http://x/ HTTP/1.1\r\n\r\n", -400, NULL, NULL, 0, 0},
    {"GET /a\x01 HTTP/1.1\r\n\r\n", -400, NULL, NULL, 0, 0},
    {"GET / HTTP/1.1\r\n folded: x\r\n\r\n", -400, NULL, NULL, 0, 0},
    {"GET / HTTP/1.1\r\nName : x\r\n\r\n", -400, NULL, NULL, 0, 0},
    {"GET / HTTP/1.1\r\nNo colon\r\n\r\n", -400, NULL, NULL, 0, 0},
    {"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", -400, NULL, NULL, 0, 0},
    {"GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", -400, NULL, NULL, 0, 0},
    {"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", -400, NULL, NULL, 0, 0},
};

static void table(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		size_t n = strlen(r->head);
		struct wire_httpd_req rq;
		int rc = wire_httpd_parse((const uint8_t *)r->head, n, &rq);
		int want = r->want == -1 ? (int)n : r->want;
		CHECK_INT(rc, want);
		if (rc > 0 && r->path) {
			CHECK_STR(rq.path, r->path);
			CHECK_STR(rq.query, r->query);
			CHECK_INT(rq.head, r->head_only);
			CHECK_INT(rq.keep_alive, r->keep);
		}
		/* before the empty line nothing is decided */
		const char *end = strstr(r->head, "\r\n\r\n");
		size_t whole = end ? (size_t)(end - r->head) + 3 : n - 1;
		for (size_t k = 0; k < whole; k++)
			if (wire_httpd_parse((const uint8_t *)r->head, k, &rq) != 0) {
				CHECK_INT(k, -1);
				break;
			}
	}
}

static void limits(void)
{
	static uint8_t big[WIRE_HTTPD_HEAD_MAX + 100];
	struct wire_httpd_req rq;
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	CHECK_INT(wire_httpd_parse(big, WIRE_HTTPD_HEAD_MAX - 1, &rq), 0);
	CHECK_INT(wire_httpd_parse(big, WIRE_HTTPD_HEAD_MAX, &rq), -431);
	CHECK_INT(wire_httpd_parse(big, sizeof(big), &rq), -431);
	/* a target one byte over its limit */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	size_t at = 4 + WIRE_HTTPD_TARGET_MAX + 1;
	memcpy(big + at, " HTTP/1.1\r\n\r\n", 13);
	CHECK_INT(wire_httpd_parse(big, at + 13, &rq), -414);
	memcpy(big + at - 1, " HTTP/1.1\r\n\r\n", 13);
	CHECK_INT(wire_httpd_parse(big, at + 12, &rq), (int)(at + 12));
	CHECK_INT(strlen(rq.path), WIRE_HTTPD_TARGET_MAX);
	/* too many header lines */
	char many[WIRE_HTTPD_HEAD_MAX];
	size_t n = (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\n");
	for (unsigned i = 0; i <= WIRE_HTTPD_HEADERS_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "X: %u\r\n", i);
	n += (size_t)snprintf(many + n, sizeof(many) - n, "\r\n");
	CHECK_INT(wire_httpd_parse((const uint8_t *)many, n, &rq), -431);
}

static void params(void)
{
	char b[16];
	CHECK_INT(wire_httpd_param("start=10&count=5", "count", b, sizeof(b)), 1);
	CHECK_STR(b, "5");
	CHECK_INT(wire_httpd_param("filter=tcp.port%20%3D%3D+80", "filter", b, sizeof(b)), 14);
	CHECK_STR(b, "tcp.port == 80");
	CHECK_INT(wire_httpd_param("xstart=1", "start", b, sizeof(b)), -1);
	CHECK_INT(wire_httpd_param("a=%zz", "a", b, sizeof(b)), -2);
	CHECK_INT(wire_httpd_param("a=%4", "a", b, sizeof(b)), -2);
	CHECK_INT(wire_httpd_param("a=%00", "a", b, sizeof(b)), -2);
	CHECK_INT(wire_httpd_param("a=0123456789abcdef", "a", b, sizeof(b)), -2);
	CHECK_INT(wire_httpd_param("a", "a", b, sizeof(b)), 0);
	CHECK_INT(wire_httpd_param("", "a", b, sizeof(b)), -1);
}

int main(void)
{
	table();
	limits();
	params();
	return T_END();
}
