/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the savefile and filter layer (pcapio.c, filter.c): a write
 * and read round trip (link type, lengths, time stamps to the microsecond,
 * frame numbers that stay file positions under a filter), the written byte
 * count for -C, truncated files and bad records ending the read with an
 * error after the good packets, and the rewrite of cooked (SLL2) filter
 * programs into what the Linux socket filter sees.
 */
#include <errno.h>
#include <linux/filter.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "wire/err.h"
#include "wire/filter.h"
#include "wire/pcapio.h"

/* Ethernet + IPv4 + UDP to dport, 4 payload bytes. */
static size_t udp_frame(uint8_t *b, uint16_t dport)
{
	static const uint8_t hdr[] = {
	    0x02, 0,    0,  0,  0, 2,  0x02, 0, 0,   0,   0,   1,   0x08, 0x00, /* eth */
	    0x45, 0,    0,  32, 0, 1,  0x40, 0, 64,  17,  0,   0,   10,   0,
	    0,    1,    10, 0,  0, 2,                               /* ip */
	    0x30, 0x39, 0,  0,  0, 12, 0,    0, 'p', 'i', 'n', 'g', /* udp */
	};
	memcpy(b, hdr, sizeof(hdr));
	b[36] = (uint8_t)(dport >> 8);
	b[37] = (uint8_t)dport;
	return sizeof(hdr);
}

static void round_trip(const char *path)
{
	char why[256];
	uint8_t frame[64];
	struct wire_pcap_writer *w = NULL;
	CHECK_INT(wire_pcap_create(path, WIRE_LINK_ETHERNET, 262144, &w, why, sizeof(why)), 0);
	if (!w)
		return;
	CHECK_INT(wire_pcap_written(w), 24);
	for (int i = 0; i < 5; i++) {
		struct wire_pkt p;
		memset(&p, 0, sizeof(p));
		p.data = frame;
		p.caplen = (uint32_t)udp_frame(frame, i % 2 ? 53 : 5005);
		p.wirelen = p.caplen + (uint32_t)i; /* as if snapped */
		p.ts.tv_sec = 1700000000 + i;
		p.ts.tv_nsec = 123456789;
		p.linktype = WIRE_LINK_ETHERNET;
		CHECK_INT(wire_pcap_write(w, &p), 0);
	}
	CHECK_INT(wire_pcap_written(w), 24 + 5 * (16 + 46));
	CHECK_INT(wire_pcap_close_writer(w), 0);
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size == 24 + 5 * (16 + 46));

	struct wire_pcap_reader *r = NULL;
	CHECK_INT(wire_pcap_open(path, &r, why, sizeof(why)), 0);
	if (!r)
		return;
	CHECK_INT(wire_pcap_linktype(r), WIRE_LINK_ETHERNET);
	CHECK_INT(wire_pcap_snaplen(r), 262144);
	CHECK_INT(wire_pcap_set_filter(r, "udp port 53", why, sizeof(why)), 0);
	struct wire_pkt p;
	int n = 0;
	while (wire_pcap_next(r, &p, why, sizeof(why)) == 1) {
		n++;
		CHECK_INT(p.num, 2 * n); /* frames 2 and 4: positions in the file */
		CHECK_INT(p.caplen, 46);
		CHECK_INT(p.wirelen, 46 + p.num - 1);
		CHECK_INT(p.ts.tv_sec, 1700000000 + (long)p.num - 1);
		CHECK_INT(p.ts.tv_nsec, 123456000); /* the file keeps microseconds */
		CHECK_INT(p.data[37], 53);
	}
	CHECK_INT(n, 2);
	CHECK_INT(wire_pcap_set_filter(r, "udp port", why, sizeof(why)), WIRE_E_USAGE);
	CHECK(strstr(why, "syntax error") != NULL);
	wire_pcap_close(r);
}

static void damaged(const char *path, const char *cut)
{
	char why[256];
	FILE *in = fopen(path, "rb"), *out = fopen(cut, "wb");
	uint8_t buf[1024];
	size_t k = in ? fread(buf, 1, sizeof(buf), in) : 0;
	if (in)
		fclose(in);
	CHECK(k == 24 + 5 * 62);
	/* keep 2 records and half of the third */
	if (out) {
		fwrite(buf, 1, 24 + 2 * 62 + 30, out);
		fclose(out);
	}
	struct wire_pcap_reader *r = NULL;
	CHECK_INT(wire_pcap_open(cut, &r, why, sizeof(why)), 0);
	if (!r)
		return;
	struct wire_pkt p;
	CHECK_INT(wire_pcap_next(r, &p, why, sizeof(why)), 1);
	CHECK_INT(wire_pcap_next(r, &p, why, sizeof(why)), 1);
	why[0] = '\0';
	CHECK_INT(wire_pcap_next(r, &p, why, sizeof(why)), WIRE_E_TRUNCATED);
	CHECK(strstr(why, "truncated") != NULL);
	CHECK_INT(wire_pcap_next(r, &p, why, sizeof(why)), 0); /* stays ended */
	wire_pcap_close(r);

	/* a record with caplen 0 after one good record: legal, returned */
	out = fopen(cut, "wb");
	if (out) {
		fwrite(buf, 1, 24 + 62, out);
		static const uint8_t zero[16] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60, 0, 0, 0};
		fwrite(zero, 1, sizeof(zero), out);
		fclose(out);
	}
	CHECK_INT(wire_pcap_open(cut, &r, why, sizeof(why)), 0);
	if (!r)
		return;
	CHECK_INT(wire_pcap_next(r, &p, why, sizeof(why)), 1);
	CHECK_INT(wire_pcap_next(r, &p, why, sizeof(why)), 1);
	CHECK_INT(p.caplen, 0);
	CHECK_INT(p.wirelen, 60);
	CHECK_INT(p.num, 2);
	CHECK_INT(wire_pcap_next(r, &p, why, sizeof(why)), 0);
	wire_pcap_close(r);

	/* not a capture file; a missing file */
	out = fopen(cut, "wb");
	if (out) {
		fputs("hello, this is not a pcap file\n", out);
		fclose(out);
	}
	r = NULL;
	CHECK_INT(wire_pcap_open(cut, &r, why, sizeof(why)), WIRE_E_MALFORMED);
	CHECK(r == NULL && why[0] != '\0');
	unlink(cut);
	CHECK_INT(wire_pcap_open(cut, &r, why, sizeof(why)), -ENOENT);
}

static void cooked_filters(void)
{
	char why[256];
	struct wire_filter *f = NULL;
	struct wire_bpf_insn *k = NULL;
	size_t n = 0;
	/* "ip": ldh [0] (SLL2 protocol) must become the ancillary protocol load */
	CHECK_INT(wire_filter_compile(&f, "ip", WIRE_LINK_LINUX_SLL2, 262144, why, sizeof(why)), 0);
	if (f) {
		CHECK_INT(wire_filter_kernel_prog(f, &k, &n), 0);
		CHECK(n >= 2 && k && k[0].k == (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL));
		free(k);
		wire_filter_free(f);
	}
	/* "udp port 53": IP header loads shift down by the 20-byte header */
	CHECK_INT(
	    wire_filter_compile(&f, "udp port 53", WIRE_LINK_LINUX_SLL2, 262144, why, sizeof(why)),
	    0);
	if (f) {
		k = NULL;
		CHECK_INT(wire_filter_kernel_prog(f, &k, &n), 0);
		int saw_proto = 0;
		for (size_t i = 0; k && i < n; i++) {
			if ((k[i].code & 0x07) == BPF_LD && (k[i].code & 0xe0) == BPF_ABS &&
			    k[i].k == 9)
				saw_proto = 1; /* ldb [29] in the cooked program = IP protocol */
			if ((k[i].code & 0xe0) == BPF_ABS && k[i].k < (uint32_t)SKF_AD_OFF)
				CHECK(k[i].k < 20 + 60);
		}
		CHECK(saw_proto);
		free(k);
		wire_filter_free(f);
	}
	/* Ethernet programs pass through unchanged */
	CHECK_INT(wire_filter_compile(&f, "arp", WIRE_LINK_ETHERNET, 262144, why, sizeof(why)), 0);
	if (f) {
		k = NULL;
		CHECK_INT(wire_filter_kernel_prog(f, &k, &n), 0);
		CHECK(n == 4 && k && k[0].k == 12);
		free(k);
		wire_filter_free(f);
	}
	CHECK_INT(wire_filter_compile(&f, "tcp[tcpflags] & tcp-bogus", WIRE_LINK_ETHERNET, 262144,
	                              why, sizeof(why)),
	          WIRE_E_USAGE);
	CHECK(why[0] != '\0');
}

int main(void)
{
	char dir[] = "/tmp/wire-test-pcapio.XXXXXX", path[128], cut[128];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/a.pcap", dir);
	snprintf(cut, sizeof(cut), "%s/cut.pcap", dir);
	round_trip(path);
	damaged(path, cut);
	cooked_filters();
	unlink(path);
	unlink(cut);
	rmdir(dir);
	return T_END();
}
