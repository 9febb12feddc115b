/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the dissectors and every printer. Input: byte 0 picks
 * the link type, byte 1 the packet flags and options (checksum offload, GSO,
 * interface display, a wire length longer than the capture, the time
 * format), the rest is the packet. It is dissected and printed as a line, a
 * -V tree with -X hex, JSON, a line with --payload, and into --stats (printed
 * every 256 inputs), and as tcpdump's -vv -e lines with -XX, -q lines with -x
 * and -S, -A text, all into a bounded memory sink. Output with a control
 * character other than \n (and the tab that starts a hex dump line) aborts,
 * so escaping bugs are findings too.
 * Seeds: tests/fuzz/seeds/dissect/ (packets carved from the tcpdump corpus by
 * tests/fuzz/mkseeds_dissect.py).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/buf.h"
#include "wire/packet.h"
#include "wire/print.h"
#include "wire/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = {WIRE_LINK_ETHERNET, WIRE_LINK_LINUX_SLL, WIRE_LINK_LINUX_SLL2,
                            WIRE_LINK_NULL,     WIRE_LINK_LOOP,      WIRE_LINK_RAW,
                            WIRE_LINK_IPV4,     WIRE_LINK_IPV6};

#define NPR 8

static struct wire_sink sink;
static struct wire_buf mem;
static struct wire_printer *pr[2][NPR];
static unsigned calls;

static void setup(void)
{
	wire_buf_init(&mem, 4u << 20);
	wire_sink_init_mem(&sink, &mem);
	for (int iface = 0; iface < 2; iface++) {
		for (int i = 0; i < NPR; i++) {
			struct wire_print_opts o;
			memset(&o, 0, sizeof(o));
			o.show_iface = iface;
			o.tfmt = (enum wire_time_fmt)(i % 8);
			switch (i) {
			case 0: o.mode = WIRE_PRINT_LINE; break;
			case 1:
				o.mode = WIRE_PRINT_TREE;
				o.hex = 1;
				break;
			case 2: o.mode = WIRE_PRINT_JSON; break;
			case 3:
				o.mode = WIRE_PRINT_LINE;
				o.payload_hex = 1;
				break;
			case 4:
				o.verbose = 2;
				o.link_hdr = 1;
				o.hex = 2;
				break;
			case 5:
				o.quiet = 1;
				o.abs_seq = 1;
				o.xhex = 1;
				break;
			case 6:
				o.verbose = 1;
				o.ascii = 1;
				break;
			default:
				o.mode = WIRE_PRINT_NONE;
				o.stats = 1;
				break;
			}
			if (wire_printer_new(&pr[iface][i], &o, &sink) < 0)
				abort();
		}
	}
}

static void check_text(void)
{
	const uint8_t *p = wire_buf_head(&mem);
	size_t n = wire_buf_used(&mem);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\t' && (i == 0 || p[i - 1] == '\n') && i + 2 < n && p[i + 1] == '0' &&
		    p[i + 2] == 'x')
			continue; /* a hex dump line: "\t0x0000:  " */
		if ((p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7f)
			abort();
	}
	wire_buf_reset(&mem);
	sink.err = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!pr[0][0])
		setup();
	if (size < 2)
		return 0;
	struct wire_pkt pkt;
	memset(&pkt, 0, sizeof(pkt));
	pkt.linktype = links[data[0] % (sizeof(links) / sizeof(links[0]))];
	pkt.data = data + 2;
	pkt.caplen = (uint32_t)(size - 2);
	pkt.wirelen = pkt.caplen + ((data[1] & 0x08u) ? 1000u : 0u);
	pkt.flags = data[1] & 0x03u;
	pkt.dir = (enum wire_dir)((data[1] >> 4) % 3);
	pkt.ifname = (data[1] & 0x40u) ? "lo" : "eth\x1b";
	pkt.ts.tv_sec = 1700000000 + (time_t)(data[1] & 0x30u);
	pkt.ts.tv_nsec = 123456789;
	pkt.num = ++calls;
	int iface = (data[1] >> 2) & 1;
	for (int i = 0; i < NPR; i++) {
		wire_printer_packet(pr[iface][i], &pkt);
		if (i == NPR - 1 && calls % 256 == 0)
			wire_printer_finish(pr[iface][i]);
		else
			wire_sink_flush(&sink);
		check_text();
	}
	return 0;
}
