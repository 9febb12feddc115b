/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for reading capture files: the input is a pcap or pcapng
 * file. It goes into a memfd, is opened through wire_pcap_open (libpcap
 * underneath) and every record is checked against the reader's promises
 * (caplen <= the link type's maximum, caplen <= wirelen) and then printed
 * through the real printer into a memory sink, in a view picked from the
 * input's length (line, -V tree, JSON; with -X hex and --stats at times), so
 * the whole `wirecat read` path runs on hostile files. A broken promise
 * aborts, so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wire/buf.h"
#include "wire/limits.h"
#include "wire/pcapio.h"
#include "wire/print.h"
#include "wire/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wire_sink sink; /* 64 KiB: keep it off the stack */
	char why[256], path[64];
	int fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	struct wire_pcap_reader *r = NULL;
	if (wire_pcap_open(path, &r, why, sizeof(why)) != 0) {
		close(fd);
		return 0;
	}
	if (size % 5 == 0) {
		int rc = wire_pcap_set_filter(r, "tcp or udp or arp", why, sizeof(why));
		(void)rc; /* some link types have no such filter: fine */
	}
	struct wire_buf mem;
	wire_buf_init(&mem, 4u << 20);
	wire_sink_init_mem(&sink, &mem);
	struct wire_print_opts o;
	memset(&o, 0, sizeof(o));
	static const enum wire_print_mode modes[3] = {WIRE_PRINT_LINE, WIRE_PRINT_TREE,
	                                              WIRE_PRINT_JSON};
	o.mode = modes[size % 3];
	o.hex = (size / 3) % 2;
	o.payload_hex = (size / 6) % 2;
	o.stats = (size / 12) % 2;
	o.tfmt = (enum wire_time_fmt)((size / 24) % 8);
	struct wire_printer *pr = NULL;
	if (wire_printer_new(&pr, &o, &sink) == 0) {
		struct wire_pkt pkt;
		uint64_t last = 0;
		for (;;) {
			int rc = wire_pcap_next(r, &pkt, why, sizeof(why));
			if (rc <= 0) {
				check(rc == 0 || why[0] != '\0');
				break;
			}
			check(pkt.caplen <= wire_pcap_caplen_max(pkt.linktype));
			check(pkt.wirelen >= pkt.caplen);
			check(pkt.num > last);
			last = pkt.num;
			wire_printer_packet(pr, &pkt);
			wire_sink_flush(&sink);
			wire_buf_reset(&mem);
			sink.err = 0;
		}
		wire_printer_finish(pr);
		wire_printer_free(pr);
	}
	wire_buf_free(&mem);
	wire_pcap_close(r);
	close(fd);
	return 0;
}
