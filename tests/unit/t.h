/* SPDX-License-Identifier: BSD-2-Clause */
/* A tiny table-driven unit test helper: CHECK(...) counts failures and
 * prints where; T_END() prints "N passed, N failed" and returns the status. */
#ifndef WIRE_T_H
#define WIRE_T_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			t_pass++;                                                                  \
		} else {                                                                           \
			t_fail++;                                                                  \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long t_a = (long long)(a), t_b = (long long)(b);                              \
		if (t_a == t_b) {                                                                  \
			t_pass++;                                                                  \
		} else {                                                                           \
			t_fail++;                                                                  \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__,  \
			        #a, t_a, t_b);                                                     \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *t_a = (a), *t_b = (b);                                                 \
		if (t_a && t_b && strcmp(t_a, t_b) == 0) {                                         \
			t_pass++;                                                                  \
		} else {                                                                           \
			t_fail++;                                                                  \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,        \
			        __LINE__, #a, t_a ? t_a : "(null)", t_b ? t_b : "(null)");         \
		}                                                                                  \
	} while (0)

#define CHECK_MEM(a, alen, b, blen)                                                                \
	do {                                                                                       \
		size_t t_al = (size_t)(alen), t_bl = (size_t)(blen);                               \
		if (t_al == t_bl && memcmp((a), (b), t_al) == 0) {                                 \
			t_pass++;                                                                  \
		} else {                                                                           \
			t_fail++;                                                                  \
			fprintf(stderr, "%s:%d: %s (%zu bytes) differs from %s (%zu bytes)\n",     \
			        __FILE__, __LINE__, #a, t_al, #b, t_bl);                           \
		}                                                                                  \
	} while (0)

#define T_END() (printf("%d checks passed, %d failed\n", t_pass, t_fail), t_fail ? 1 : 0)

#endif
