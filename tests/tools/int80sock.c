/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A 64-bit program that makes 32-bit system calls (int 0x80, the i386
 * numbers), as a 32-bit program does: socket(AF_INET, SOCK_DGRAM, 0) and
 * close of it. Prints "int80 socket = N" and exits 0; on a kernel without
 * IA32 emulation or another architecture it prints "int80 unsupported" and
 * exits 77. For the tracer's test that such calls are not silently untraced.
 */
#include <stdio.h>

int main(void)
{
#if defined(__x86_64__)
	long fd, r;
	__asm__ volatile("int $0x80" : "=a"(fd) : "a"(359L), "b"(2L), "c"(2L), "d"(0L) : "memory");
	if (fd < 0) {
		printf("int80 unsupported\n");
		return 77;
	}
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(6L), "b"(fd) : "memory");
	printf("int80 socket = %ld, close = %ld\n", fd, r);
	return 0;
#else
	printf("int80 unsupported\n");
	return 77;
#endif
}
