/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat read FILE [FILTER...]: decodes a pcap or pcapng file ("-" for
 * stdin) with the same printers as sniff, or writes the packets that pass the
 * filter to another pcap file (-w). The loop is the decoding benchmark's hot
 * path: one record where the reader's map (or buffer) holds it, one call
 * into the printer, output through a 64 KiB sink; nothing is allocated or
 * copied per packet. With -w the output has the first interface's link
 * type: packets of other link types (a pcapng file may mix them) are left
 * out and counted in one line on stderr. A damaged file
 * prints what came before the damage, then one error line, and exits 3.
 * `sniff -r FILE` is the same command (pktcli_read).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "follow.h"
#include "pktcli.h"
#include "wire/defrag.h"
#include "wire/dissect.h"
#include "wire/err.h"
#include "wire/filter.h"
#include "wire/pcapio.h"
#include "wire/print.h"
#include "wire/streamdec.h"

static void usage(void)
{
	printf("Usage: wirecat read [OPTIONS] FILE [FILTER...]\n"
	       "Decode a pcap or pcapng file (- for stdin). FILTER is in the tcpdump\n"
	       "language (e.g. 'udp port 53', 'arp', 'tcp[tcpflags] & tcp-syn != 0').\n\n");
	fputs(pktcli_help, stdout);
	fputs(pktcli_defrag_help, stdout);
	printf("  --reassemble       decode HTTP/1.x, DNS over TCP and TLS on the reassembled TCP\n"
	       "                     streams: a message is shown (-V, --json, the line) on the\n"
	       "                     frame that completes it, as tshark does; on by default\n"
	       "                     with -V, --json and -Y (--no-reassemble: each segment\n"
	       "                     alone)\n");
	fputs(follow_help, stdout);
	printf("\nExit status: 0 success, 1 I/O error, 2 usage error (bad filter),\n"
	       "3 truncated or corrupt file (the packets before the damage are printed),\n"
	       "or --follow bytes missing from the capture (said on stderr).\n"
	       "A full disk on stdout is one line and status 1; when the reader of stdout\n"
	       "goes away (| head), wirecat ends quietly by SIGPIPE (141 in the shell).\n");
}

enum {
	RD_OPT_FOLLOW = 1900,
	RD_OPT_FOLLOW_AS,
	RD_OPT_DIRECTION,
	RD_OPT_REASM,
	RD_OPT_NOREASM,
	RD_OPT_NODEFRAG,
	RD_OPT_FOLLOW_DIR
};

static const struct option longopts[] = {
    {"json", no_argument, NULL, PKT_OPT_JSON},
    {"payload", no_argument, NULL, PKT_OPT_PAYLOAD},
    {"stats", no_argument, NULL, PKT_OPT_STATS},
    {"analysis", no_argument, NULL, PKT_OPT_ANALYSIS},
    {"time", required_argument, NULL, PKT_OPT_TIME},
    {"print", no_argument, NULL, PKT_OPT_PRINT},
    {"defrag", no_argument, NULL, PKT_OPT_DEFRAG},
    {"no-defrag", no_argument, NULL, RD_OPT_NODEFRAG},
    {"reassemble", no_argument, NULL, RD_OPT_REASM},
    {"no-reassemble", no_argument, NULL, RD_OPT_NOREASM},
    {"display-filter", required_argument, NULL, PKT_OPT_DFILTER},
    {"flow", no_argument, NULL, PKT_OPT_FLOW},
    {"follow", required_argument, NULL, RD_OPT_FOLLOW},
    {"follow-as", required_argument, NULL, RD_OPT_FOLLOW_AS},
    {"follow-dir", required_argument, NULL, RD_OPT_FOLLOW_DIR},
    {"direction", required_argument, NULL, RD_OPT_DIRECTION},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_read(int argc, char **argv)
{
	struct pktcli pc;
	int opt;

	pktcli_init(&pc);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:c:w:Y:nNtVXldhvexqSA", longopts, NULL)) != -1) {
		int k = pktcli_option(&pc, opt, optarg, "read");
		if (k < 0)
			return WIRE_EXIT_USAGE;
		if (k)
			continue;
		switch (opt) {
		case 'h': usage(); return 0;
		case PKT_OPT_DEFRAG: pc.defrag = 1; break;
		case RD_OPT_NODEFRAG: pc.defrag = -1; break;
		case RD_OPT_REASM: pc.reasm = 1; break;
		case RD_OPT_NOREASM: pc.reasm = -1; break;
		case RD_OPT_FOLLOW: pc.follow = optarg; break;
		case RD_OPT_FOLLOW_AS: pc.follow_as = optarg; break;
		case RD_OPT_FOLLOW_DIR: pc.follow_outdir = optarg; break;
		case RD_OPT_DIRECTION: pc.follow_dir = optarg; break;
		case ':':
			return cli_usage_err("read", "read: option -%c needs an argument", optopt);
		default:
			if (optopt)
				return cli_usage_err("read", "read: unknown option -%c", optopt);
			return cli_usage_err("read", "read: unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_err("read", "read: which file? (- for stdin)");
	const char *path = argv[optind];
	if (pktcli_join_filter(&pc, argc, argv, optind + 1) < 0) {
		cli_err("read: out of memory");
		return WIRE_EXIT_FAIL;
	}
	return pktcli_read(pc, path);
}

int pktcli_read(struct pktcli pc, const char *path)
{
	char why[512];
	int rc, status = WIRE_EXIT_OK;

	pktcli_finish(&pc);
	if (!pc.dump_filter && (status = pktcli_dfilter_compile(&pc, "read")) != 0) {
		free(pc.filter);
		pktcli_dfilter_free(&pc);
		return status;
	}
	struct follow *fol = NULL;
	if ((pc.follow || pc.follow_as || pc.follow_dir || pc.follow_outdir) && !pc.dump_filter) {
		fol = follow_new(pc.follow ? pc.follow : "", pc.follow_as, pc.follow_dir, "read",
		                 &status);
		if (fol && (status = follow_set_dir(fol, pc.follow_outdir)) != 0) {
			follow_finish(fol);
			fol = NULL;
		}
		if (!fol) {
			free(pc.filter);
			pktcli_dfilter_free(&pc);
			return status;
		}
	}
	if (pktcli_needs_stdout(&pc) && cli_stdout_closed("read")) {
		follow_finish(fol);
		free(pc.filter);
		pktcli_dfilter_free(&pc);
		return WIRE_EXIT_FAIL;
	}
	cli_ignore_sigpipe();

	struct wire_pcap_reader *r = NULL;
	rc = wire_pcap_open(path, &r, why, sizeof(why));
	if (rc < 0) {
		cli_err("read %s: %s", path, why);
		follow_finish(fol);
		free(pc.filter);
		pktcli_dfilter_free(&pc);
		return cli_exit_code(rc);
	}
	if (pc.dump_filter) {
		struct wire_filter *f = NULL;
		struct wire_sink *o = malloc(sizeof(*o));
		rc = o ? wire_filter_compile(&f, pc.filter, wire_pcap_linktype(r),
		                             wire_pcap_snaplen(r), why, sizeof(why))
		       : -ENOMEM;
		if (rc == 0) {
			wire_sink_init_fd(o, STDOUT_FILENO);
			rc = wire_filter_dump(f, o);
			wire_filter_free(f);
			status = rc < 0 ? cli_output_failed(rc, "read: output") : 0;
		} else {
			cli_err("read: %s", rc == -ENOMEM ? "out of memory" : why);
			status = cli_exit_code(rc);
		}
		free(o);
		wire_pcap_close(r);
		free(pc.filter);
		pktcli_dfilter_free(&pc);
		return status;
	}
	if (pc.filter && (rc = wire_pcap_set_filter(r, pc.filter, why, sizeof(why))) < 0) {
		cli_err("read: %s", why);
		follow_finish(fol);
		wire_pcap_close(r);
		free(pc.filter);
		pktcli_dfilter_free(&pc);
		return cli_exit_code(rc);
	}

	struct wire_pcap_writer *w = NULL;
	struct wire_defragger *dg = NULL;
	const char *wname = pc.wfile && !strcmp(pc.wfile, "-") ? "standard output" : pc.wfile;
	if (pc.wfile) {
		rc = wire_pcap_create(pc.wfile, wire_pcap_linktype(r), wire_pcap_snaplen(r), &w,
		                      why, sizeof(why));
		if (rc < 0) {
			cli_err("read: %s: %s", pc.wfile, why);
			follow_finish(fol);
			wire_pcap_close(r);
			free(pc.filter);
			pktcli_dfilter_free(&pc);
			return cli_exit_code(rc);
		}
	}
	struct wire_sink *out = malloc(sizeof(*out));
	struct wire_printer *pr = NULL;
	struct wire_appdec *app = NULL;
	if (!out) {
		cli_err("read: out of memory");
		status = WIRE_EXIT_FAIL;
		goto done;
	}
	/* With -w - stdout carries the pcap; anything printed goes to stderr. */
	wire_sink_init_fd(out, (w && !strcmp(pc.wfile, "-")) ? STDERR_FILENO : STDOUT_FILENO);
	out->line_buffered = pc.line_buf;
	if (pktcli_views_start(&pc, &pr, out, &dg, &app, "read") < 0) {
		status = WIRE_EXIT_FAIL;
		goto done;
	}
	pktcli_signals();
	if (fol)
		follow_output(fol, out);

	struct wire_pkt pkt;
	uint64_t seen = 0, unwritten = 0;
	int wlt = wire_pcap_linktype(r); /* -w: a classic file has one link type */
	int printing =
	    !fol && !pc.flow &&
	    (pc.po.mode != WIRE_PRINT_NONE || pc.po.hex || pc.po.payload_hex || pc.po.stats);
	while (!pktcli_stop && (pc.count == 0 || seen < pc.count)) {
		rc = wire_pcap_next(r, &pkt, why, sizeof(why));
		if (rc == 0)
			break;
		if (rc < 0) {
			wire_sink_flush(out);
			if (w)
				wire_pcap_flush(w);
			cli_err("read %s: %s", path, why);
			status = cli_exit_code(rc);
			break;
		}
		seen++;
		pc.tsdigits = wire_pcap_tsdigits(r);
		if (fol)
			follow_packet(fol, &pkt);    /* --follow: every packet, -Y or not */
		const struct wire_dissect *d = NULL; /* the packet's one dissection */
		if (printing || pc.dfilter || pc.fl) {
			rc = pktcli_packet(&pc, printing ? pr : NULL, dg, &pkt, &d);
			if (rc < 0) {
				cli_err("read: out of memory");
				status = WIRE_EXIT_FAIL;
				break;
			}
			if (rc == 0)
				continue;
		}
		if (w && pkt.linktype != wlt)
			unwritten++;
		else if (w && (rc = wire_pcap_write(w, &pkt)) < 0) {
			status = cli_output_failed(rc, "read: writing %s", wname);
			break;
		}
		if (printing && (rc = wire_printer_show(pr, d)) < 0) {
			status = cli_output_failed(rc, "read: output");
			break;
		}
	}
	rc = follow_finish(fol);
	fol = NULL;
	if (rc > 0 && status == WIRE_EXIT_OK)
		status = rc; /* followed bytes missing (said) */
	if (rc >= 0)
		rc = pktcli_flow_write(&pc, out, "read");
	if (rc < 0 && status == WIRE_EXIT_OK)
		status = cli_output_failed(rc, "read: output");
	pktcli_appdec_report(app, "read");
	rc = wire_printer_finish(pr);
	if (rc < 0 && status == WIRE_EXIT_OK)
		status = cli_output_failed(rc, "read: output");
	if (unwritten)
		cli_err(
		    "read: %llu packets of other link types than the first interface's (%d) were "
		    "not written to %s",
		    (unsigned long long)unwritten, wlt, wname);
	if (dg) { /* said when asked for, or when there were fragments */
		wire_defrag_finish(&dg->d);
		if (pc.defrag > 0 || dg->fragments)
			pktcli_defrag_report(dg, "read");
	}
done:
	follow_finish(fol);
	if (dg)
		wire_defragger_free(dg);
	free(dg);
	if (w && (rc = wire_pcap_close_writer(w)) < 0 && status == WIRE_EXIT_OK)
		status = cli_output_failed(rc, "read: writing %s", wname);
	if (pr)
		wire_printer_free(pr);
	wire_appdec_free(app);
	free(out);
	wire_pcap_close(r);
	free(pc.filter);
	pktcli_dfilter_free(&pc);
	return status;
}
