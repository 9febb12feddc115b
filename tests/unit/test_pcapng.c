/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The pcapng writer (include/wire/pcapng.h): the blocks' layout byte by byte
 * (lengths before and after, options padded, the comment escaped and cut),
 * and the file read back by wirecat's own reader with the same packets, link
 * type and nanosecond times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "wire/buf.h"
#include "wire/pcapio.h"
#include "wire/pcapng.h"

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Walks the blocks of n bytes at p: each length is a multiple of 4 and
 * repeated at its end. Returns the number of blocks, -1 when broken. */
static int blocks(const uint8_t *p, size_t n)
{
	int k = 0;
	for (size_t at = 0; at < n; k++) {
		if (n - at < 12)
			return -1;
		uint32_t len = u32(p + at + 4);
		if (len % 4 || len < 12 || len > n - at || u32(p + at + len - 4) != len)
			return -1;
		at += len;
	}
	return k;
}

static void layout(void)
{
	struct wire_buf mem;
	static struct wire_sink s;
	static const uint8_t frame[5] = {1, 2, 3, 4, 5};
	char longc[2000];
	memset(longc, 'x', sizeof(longc) - 1);
	longc[sizeof(longc) - 1] = 0;
	struct wire_pkt pkt = {
	    .data = frame, .caplen = 5, .wirelen = 60, .ts = {1700000000, 5}, .dir = WIRE_DIR_OUT};
	wire_buf_init(&mem, 1u << 20);
	wire_sink_init_mem(&s, &mem);
	CHECK_INT(wire_pcapng_begin(&s, 1, 256, "lo"), 0);
	CHECK_INT(wire_pcapng_packet(&s, 256, &pkt, "send(3, 5) = 5 \"a\n\x01\""), 0);
	CHECK_INT(wire_pcapng_packet(&s, 4, &pkt, NULL), 0); /* cut at the snaplen */
	CHECK_INT(wire_pcapng_packet(&s, 256, &pkt, longc), 0);
	wire_sink_flush(&s);
	const uint8_t *p = wire_buf_head(&mem);
	size_t n = wire_buf_used(&mem);
	CHECK_INT(blocks(p, n), 5);
	CHECK(u32(p) == 0x0A0D0D0Au && u32(p + 8) == 0x1A2B3C4Du);
	/* the first packet: 32 + 8 bytes of data + comment + flags + end */
	const uint8_t *e = p + 28 + u32(p + 28 + 4);
	CHECK(u32(e) == 6u && u32(e + 20) == 5u && u32(e + 24) == 60u);
	const char want[] = "send(3, 5) = 5 \"a\\n\\x01\"";
	CHECK(!memcmp(e + 40, want, sizeof(want) - 1));
	const uint8_t *e2 = e + u32(e + 4);
	CHECK(u32(e2 + 20) == 4u && u32(e2 + 4) == 32u + 4u + 8u + 4u);
	const uint8_t *e3 = e2 + u32(e2 + 4);
	CHECK(u32(e3 + 4) <= 32u + 8u + 4u + WIRE_PCAPNG_COMMENT_MAX + 12u + 4u);
	wire_buf_free(&mem);
}

static void read_back(void)
{
	char path[] = "/tmp/wtpcapngXXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	static struct wire_sink s;
	static const uint8_t frame[60] = {[12] = 0x08};
	struct wire_pkt pkt = {.data = frame,
	                       .caplen = 60,
	                       .wirelen = 60,
	                       .ts = {1700000000, 123456789},
	                       .dir = WIRE_DIR_IN};
	wire_sink_init_fd(&s, fd);
	wire_pcapng_begin(&s, 1, 256, "lo");
	for (int i = 0; i < 3; i++)
		wire_pcapng_packet(&s, 256, &pkt, i == 1 ? NULL : "to pid 1 (x) fd 3");
	CHECK_INT(wire_sink_flush(&s), 0);
	close(fd);
	struct wire_pcap_reader *r = NULL;
	char why[200];
	CHECK_INT(wire_pcap_open(path, &r, why, sizeof(why)), 0);
	int got = 0;
	struct wire_pkt in;
	while (r && wire_pcap_next(r, &in, why, sizeof(why)) == 1) {
		CHECK(in.caplen == 60 && in.wirelen == 60 && in.linktype == 1);
		CHECK(in.ts.tv_sec == 1700000000 && in.ts.tv_nsec == 123456789);
		got++;
	}
	CHECK_INT(got, 3);
	if (r)
		wire_pcap_close(r);
	unlink(path);
}

int main(void)
{
	layout();
	read_back();
	return T_END();
}
