/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the socket call decoders (src/core/sysdec.c), which
 * decode bytes read from a traced program. The first byte picks the decoder,
 * the next 8 give two int arguments, the rest is the argument's bytes. Each
 * decoder runs with output buffers of several sizes (0, 1, 7, full) and
 * checks: the text is NUL-terminated inside the buffer, the full-size text
 * starts with what the cut one holds (the cut is a prefix), and nothing is
 * read past the input (ASan). The SCM_RIGHTS walk of a message's control
 * data gets the same bytes: never more descriptors than asked; so does the
 * walk of a sendmmsg/recvmmsg's message vector for their control buffers:
 * never more than asked or than messages, each one a buffer that can hold a
 * header. So do the /proc stat and schedstat parsers of the tracer (as a
 * NUL-terminated text): a CPU in range or -1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ptrace.h"
#include "wire/sysdec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *run(int which, int a, int b, const uint8_t *p, size_t n, char *out, size_t on)
{
	switch (which % 9) {
	case 0: return wire_sd_sockaddr(p, n, out, on);
	case 1: return wire_sd_family(a, out, on);
	case 2: return wire_sd_socktype(a, out, on);
	case 3: return wire_sd_proto(a, b, out, on);
	case 4: return wire_sd_sockopt(a, b, out, on);
	case 5: return wire_sd_optval(a, b, p, n, out, on);
	case 6: return wire_sd_msgflags(a, out, on);
	case 7: return wire_sd_how(a, out, on);
	default: return wire_sd_data(p, n, n + (size_t)(b & 0xff), out, on);
	}
}

static void check(int which, int a, int b, const uint8_t *p, size_t n)
{
	static const size_t sizes[] = {1, 7, WIRE_SD_TEXT_MAX};
	char full[WIRE_SD_TEXT_MAX + 8];
	memset(full, 'Z', sizeof(full));
	run(which, a, b, p, n, full, WIRE_SD_TEXT_MAX);
	if (!memchr(full, 0, WIRE_SD_TEXT_MAX))
		abort();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char cut[WIRE_SD_TEXT_MAX + 8];
		memset(cut, 'Z', sizeof(cut));
		if (run(which, a, b, p, n, cut, sizes[i]) != cut)
			abort();
		if (!memchr(cut, 0, sizes[i]))
			abort();
		if (cut[sizes[i]] != 'Z') /* wrote past the end */
			abort();
	}
	char none = 'Z';
	run(which, a, b, p, n, &none, 0);
	if (none != 'Z')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int32_t a = 0, b = 0;
	if (size < 9)
		return 0;
	memcpy(&a, data + 1, 4);
	memcpy(&b, data + 5, 4);
	uint8_t *p = malloc(size - 9 + 1); /* exact size: ASan sees any overread */
	if (!p)
		return 0;
	memcpy(p, data + 9, size - 9);
	check(data[0], a, b, p, size - 9);
	if (wire_sd_errname(a) && !wire_sd_errname(a)[0])
		abort();
	int32_t fds[8];
	if (wire_sd_scm_rights(p, size - 9, fds, (size_t)(b & 7)) > (size_t)(b & 7))
		abort();
	struct wire_sd_ctl ctl[8];
	size_t want = (size_t)(uint32_t)a,
	       k = wire_sd_mmsg_controls(p, size - 9, want, ctl, (size_t)(b & 7));
	if (k > (size_t)(b & 7) || k > want)
		abort();
	for (size_t i = 0; i < k; i++)
		if (!ctl[i].addr || ctl[i].len < 16)
			abort();
	free(p);
	char *text = malloc(size + 1); /* the /proc texts are read NUL-terminated */
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	int cpu = wire_pt_stat_cpu(text);
	if (cpu < -1 || cpu >= 1024)
		abort();
	(void)wire_pt_schedstat(text, a & 3);
	free(text);
	return 0;
}
