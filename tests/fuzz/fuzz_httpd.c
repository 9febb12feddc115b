/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the view server's request head parser
 * (wire_httpd_parse) and its query decoder (wire_httpd_param). The input is
 * copied into an exact-size allocation so that a read past it faults under
 * ASan. Checked: a head's length lies inside the input and the limit; the
 * path is origin-form visible ASCII within WIRE_HTTPD_TARGET_MAX; every
 * prefix gives "need more" (or the same answer once it holds the head), so
 * the answer never depends on how the bytes arrived; a decoded parameter
 * has the length said and no NUL. Otherwise the target aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/httpd.h"

static void check_text(const char *s)
{
	size_t n = strlen(s);
	if (n > WIRE_HTTPD_TARGET_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			abort();
}

static void check_params(const char *q)
{
	static const char *names[] = {"start",    "count", "filter", "n", "id",
	                              "interval", "sort",  "desc",   ""};
	char out[64];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int k = wire_httpd_param(q, names[i], out, sizeof(out));
		if (k < -2 || (k >= 0 && ((size_t)k >= sizeof(out) || strlen(out) != (size_t)k)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *in = malloc(size ? size : 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	static struct wire_httpd_req rq, rq2;
	int rc = wire_httpd_parse(in, size, &rq);
	if (rc > 0) {
		if ((size_t)rc > size || (size_t)rc > WIRE_HTTPD_HEAD_MAX || rq.path[0] != '/')
			abort();
		check_text(rq.path);
		check_text(rq.query);
		check_params(rq.query);
	} else if (rc == 0 && size >= WIRE_HTTPD_HEAD_MAX) {
		abort();
	} else if (rc < 0 && rc != -400 && rc != -405 && rc != -414 && rc != -431 && rc != -505) {
		abort();
	}
	/* every prefix: need more, or the whole input's answer */
	for (size_t k = size > 64 ? size - 64 : 0; k < size; k++) {
		uint8_t *pre = malloc(k ? k : 1);
		if (!pre)
			break;
		memcpy(pre, in, k);
		int r2 = wire_httpd_parse(pre, k, &rq2);
		free(pre);
		if (r2 != 0 && r2 != rc)
			abort();
		if (r2 > 0 && (strcmp(rq.path, rq2.path) || strcmp(rq.query, rq2.query)))
			abort();
	}
	free(in);
	return 0;
}
