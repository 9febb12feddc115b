/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * -x, -X and --payload: hex (and ASCII) of packet bytes in tcpdump's layout,
 *         0x0000:  4500 0054 1c46 4000 4001 2061 7f00 0001  E..T.F@.@..a....
 * a tab, the offset, sixteen bytes a line in groups of two, then with -X the
 * bytes as text (non-printable bytes shown as '.'). -x stops after the hex.
 * Each line is built in a small buffer and written once.
 */
#include "pr.h"

void wire_pr_hexlines(struct wire_sink *s, const uint8_t *b, size_t n, int ascii)
{
	static const char hexd[] = "0123456789abcdef";
	char line[104];
	for (size_t off = 0; off < n; off += 16) {
		size_t k = 0, m = n - off < 16 ? n - off : 16;
		line[k++] = '\t';
		line[k++] = '0';
		line[k++] = 'x';
		for (int i = 3; i >= 0; i--)
			line[k++] = hexd[(off >> (4 * i)) & 15u];
		line[k++] = ':';
		line[k++] = ' ';
		for (size_t i = 0; i < (ascii ? 16u : m); i++) {
			if ((i & 1u) == 0)
				line[k++] = ' ';
			if (i < m) {
				line[k++] = hexd[b[off + i] >> 4];
				line[k++] = hexd[b[off + i] & 15u];
			} else {
				line[k++] = ' ';
				line[k++] = ' ';
			}
		}
		if (ascii) {
			line[k++] = ' ';
			line[k++] = ' ';
			for (size_t i = 0; i < m; i++) {
				uint8_t c = b[off + i];
				line[k++] = (c > 0x20 && c < 0x7f) ? (char)c : '.'; /* isgraph */
			}
		}
		line[k++] = '\n';
		wire_sink_write(s, line, k);
	}
}

void wire_pr_hexdump(struct wire_sink *s, const uint8_t *b, size_t n)
{
	wire_pr_hexlines(s, b, n, 1);
}
