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
 * test). Exit status: 0, or 3 when a file could not be read to its end.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "wire/packet.h"
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
		char err[PCAP_ERRBUF_SIZE];
		pcap_t *pc = pcap_open_offline_with_tstamp_precision(
		    argv[i], PCAP_TSTAMP_PRECISION_NANO, err);
		if (!pc) {
			fprintf(stderr, "pktdump: %s: %s\n", argv[i], err);
			status = 3;
			continue;
		}
		struct wire_printer *p;
		if (wire_printer_new(&p, &o, &out) < 0)
			return 1;
		struct pcap_pkthdr *h;
		const u_char *data;
		uint64_t num = 0;
		int rc;
		while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
			struct wire_pkt pkt;
			memset(&pkt, 0, sizeof(pkt));
			pkt.data = data;
			pkt.caplen = h->caplen;
			pkt.wirelen = h->len;
			pkt.ts.tv_sec = h->ts.tv_sec;
			pkt.ts.tv_nsec = (long)h->ts.tv_usec;
			pkt.linktype = pcap_datalink(pc);
			pkt.num = ++num;
			wire_printer_packet(p, &pkt);
			if (prefixes) {
				for (uint32_t n = 0; n < h->caplen; n++) {
					pkt.caplen = n;
					wire_printer_packet(p, &pkt);
				}
			}
		}
		if (rc == -1) {
			fprintf(stderr, "pktdump: %s: %s\n", argv[i], pcap_geterr(pc));
			status = 3;
		}
		wire_printer_finish(p);
		wire_printer_free(p);
		pcap_close(pc);
	}
	wire_sink_flush(&out);
	return status;
}
