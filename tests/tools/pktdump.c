/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pktdump: a pcap-file driver for the dissectors and printers, independent of
 * the `read` command: prints every packet of one or more files with the
 * printer options given, so tests can run many files in one process.
 *
 *   pktdump [-V|-X|--json|--payload|--stats|--none] [-t abs|rel|delta|epoch|none]
 *           [--prefixes] FILE...
 *
 * --prefixes re-prints every packet at every shorter caplen (the every-prefix
 * test). Files are read through wire/pcapio.h, like `wirecat read`. Exit status: 0, or 3 when a
 * file could not be read to its end.
 */
#include <stdio.h>
#include <string.h>

#include "wire/packet.h"
#include "wire/pcapio.h"
#include "wire/print.h"
#include "wire/sink.h"

static struct wire_sink out;

int main(int argc, char **argv)
{
	struct wire_print_opts o;
	int prefixes = 0, status = 0, i;
	memset(&o, 0, sizeof(o));
	o.tfmt = WIRE_TIME_ABS;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-V"))
			o.mode = WIRE_PRINT_TREE;
		else if (!strcmp(a, "--json"))
			o.mode = WIRE_PRINT_JSON;
		else if (!strcmp(a, "--none"))
			o.mode = WIRE_PRINT_NONE;
		else if (!strcmp(a, "-X"))
			o.hex = 1;
		else if (!strcmp(a, "--payload"))
			o.payload_hex = 1;
		else if (!strcmp(a, "--stats"))
			o.stats = 1;
		else if (!strcmp(a, "-i"))
			o.show_iface = 1;
		else if (!strcmp(a, "--prefixes"))
			prefixes = 1;
		else if (!strcmp(a, "-t") && i + 1 < argc) {
			const char *t = argv[++i];
			o.tfmt = !strcmp(t, "rel")     ? WIRE_TIME_REL
			         : !strcmp(t, "delta") ? WIRE_TIME_DELTA
			         : !strcmp(t, "epoch") ? WIRE_TIME_EPOCH
			         : !strcmp(t, "none")  ? WIRE_TIME_NONE
			                               : WIRE_TIME_ABS;
		} else {
			fprintf(stderr, "pktdump: unknown option %s\n", a);
			return 2;
		}
	}
	wire_sink_init_fd(&out, 1);
	for (; i < argc; i++) {
		char why[256];
		struct wire_pcap_reader *rd;
		if (wire_pcap_open(argv[i], &rd, why, sizeof(why)) < 0) {
			fprintf(stderr, "pktdump: %s: %s\n", argv[i], why);
			status = 3;
			continue;
		}
		struct wire_printer *p;
		if (wire_printer_new(&p, &o, &out) < 0)
			return 1;
		struct wire_pkt pkt;
		int rc;
		while ((rc = wire_pcap_next(rd, &pkt, why, sizeof(why))) == 1) {
			uint32_t caplen = pkt.caplen;
			wire_printer_packet(p, &pkt);
			for (uint32_t n = 0; prefixes && n < caplen; n++) {
				pkt.caplen = n;
				wire_printer_packet(p, &pkt);
			}
		}
		if (rc < 0) {
			fprintf(stderr, "pktdump: %s: %s\n", argv[i], why);
			status = 3;
		}
		wire_printer_finish(p);
		wire_printer_free(p);
		wire_pcap_close(rd);
	}
	wire_sink_flush(&out);
	return status;
}
