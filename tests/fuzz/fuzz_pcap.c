/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for reading capture files: the input is a pcap or pcapng
 * file, read by wirecat's own parser (pcapread.c). Most inputs are read
 * straight from the fuzzer's buffer (wire_pcapr_open_mem, so a read past its
 * end is an ASan report); some go through a pipe (the buffered reader) and
 * some through a memfd and wire_pcap_open with a filter (the mapped file and
 * the per-link-type filters). Every record is checked against the reader's
 * promises (caplen <= its link type's maximum, caplen <= wirelen, frame
 * numbers rising, a reason with every error) and then printed through the
 * real printer into a memory sink, in a view picked from the input's length
 * (line, -V tree, JSON; with -X hex and --stats at times), so the whole
 * `wirecat read` path runs on hostile files. A broken promise aborts, so
 * the fuzzer reports it.
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
#include "wire/pcapread.h"
#include "wire/print.h"
#include "wire/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

/* One source of records: the parser itself, or the filtered file reader. */
struct src {
	struct wire_pcapr *pr;
	struct wire_pcap_reader *fr;
	int fd;
};

static int next(struct src *s, struct wire_pkt *pkt, char *why, size_t n)
{
	return s->pr ? wire_pcapr_next(s->pr, pkt, why, n) : wire_pcap_next(s->fr, pkt, why, n);
}

/* Writes the input to a descriptor: a memfd (returned for a path) or the
 * write end of a pipe small enough to hold it. */
static int write_all(int fd, const uint8_t *data, size_t size)
{
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* Opens the input one of three ways. Returns 0 when there is a reader. */
static int open_src(struct src *s, const uint8_t *data, size_t size)
{
	char why[256], path[64];
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (size % 5 == 0) { /* a mapped memfd, through wire_pcap_open, filtered */
		s->fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
		if (s->fd < 0 || write_all(s->fd, data, size) < 0)
			return -1;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", s->fd);
		if (wire_pcap_open(path, &s->fr, why, sizeof(why)) != 0)
			return -1;
		int rc = wire_pcap_set_filter(s->fr, "tcp or udp or arp", why, sizeof(why));
		(void)rc; /* some link types have no such filter: fine */
		return 0;
	}
	int fds[2];
	if (size % 5 == 1 && size <= 32768 && pipe(fds) == 0) { /* the buffered reader */
		int ok = write_all(fds[1], data, size) == 0;
		close(fds[1]);
		if (!ok) {
			close(fds[0]);
			return -1;
		}
		return wire_pcapr_open_fd(fds[0], &s->pr, why, sizeof(why)) == 0 ? 0 : -1;
	}
	return wire_pcapr_open_mem(data, size, &s->pr, why, sizeof(why)) == 0 ? 0 : -1;
}

static void close_src(struct src *s)
{
	wire_pcapr_close(s->pr);
	wire_pcap_close(s->fr);
	if (s->fd >= 0)
		close(s->fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wire_sink sink; /* 64 KiB: keep it off the stack */
	char why[256];
	struct src s;
	if (open_src(&s, data, size) != 0) {
		close_src(&s);
		return 0;
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
			why[0] = '\0';
			int rc = next(&s, &pkt, why, sizeof(why));
			if (rc <= 0) {
				check(rc == 0 || why[0] != '\0');
				check(next(&s, &pkt, why, sizeof(why)) == 0); /* stays ended */
				break;
			}
			check(pkt.caplen <= wire_pcap_caplen_max(pkt.linktype));
			check(pkt.wirelen >= pkt.caplen);
			check(pkt.num > last);
			check(pkt.ts.tv_nsec >= 0);
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
	close_src(&s);
	return 0;
}
