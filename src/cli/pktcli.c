/* SPDX-License-Identifier: BSD-2-Clause */
/* Options and plumbing shared by `sniff` and `read` (src/cli/pktcli.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pktcli.h"
#include "wire/dfilter.h"
#include "wire/tcpanalysis.h"
#include "wire/fields.h"
#include "wire/err.h"

volatile sig_atomic_t pktcli_stop;

const char pktcli_help[] =
    "Output (same printers for sniff and read):\n"
    "  -n                 do not resolve names (the default)\n"
    "  -N                 resolve addresses to names\n"
    "  -t                 no time stamp;  -tt seconds since 1970;  -ttt HH:MM:SS since\n"
    "                     the previous packet;  -tttt date and time;  -ttttt HH:MM:SS\n"
    "                     since the first packet (as tcpdump; default: HH:MM:SS.us)\n"
    "  --time=FMT         abs, date, epoch, none, or rel and delta in seconds\n"
    "  -v, -vv            more detail on each line, as tcpdump: the IP header (tos,\n"
    "                     ttl, id, offset, flags, proto, length), the TCP checksum;\n"
    "                     -vv the UDP checksum and every TCP sequence number too\n"
    "  -e                 the link-level header on each line (MACs, ethertype, length)\n"
    "  -q                 quiet: less protocol information ('tcp 6')\n"
    "  -S                 absolute TCP sequence numbers (default: relative, as tcpdump)\n"
    "  -A, -AA            each packet as text from the network layer (-AA: the link\n"
    "                     layer); bytes other than printable ASCII and \\n as '.'\n"
    "  -x, -xx            hex of each packet from the network layer; -xx from the link\n"
    "                     layer\n"
    "  -X, -XX            hex and ASCII from the network layer; -XX from the link layer\n"
    "  -V                 a detailed block per layer\n"
    "  --payload          hex and ASCII of the transport payload only\n"
    "  --json             one JSON object per packet (Wireshark field names,\n"
    "                     tcp.analysis.* included)\n"
    "  --stats            at the end: protocol hierarchy, top conversations and the\n"
    "                     TCP analysis counts (per kind and per conversation)\n"
    "  --analysis         TCP analysis as tshark's tcp.analysis.* on the line view:\n"
    "                     tags end the line ([retransmission], [dup ack #2],\n"
    "                     [zero window]...); always on with -V ([SEQ/ACK analysis]),\n"
    "                     --json (tcp.analysis.* fields) and --stats (counts)\n"
    "  -l                 line-buffered output\n"
    "  -c COUNT           stop after COUNT packets\n"
    "  -w FILE            write the packets to a pcap file instead of printing (- for stdout)\n"
    "  --print            print the packets too while writing with -w\n"
    "  -d                 print the compiled filter program and exit\n"
    "  -Y, --display-filter=EXPR  show (and write with -w) only the packets that\n"
    "                     match EXPR, a Wireshark display filter over decoded fields:\n"
    "                     'http.response.code >= 400', 'ip.addr == 10.0.0.0/8 && !dns',\n"
    "                     'tcp.port in {80, 443}', 'dns.qry.name contains \"example\"';\n"
    "                     applied after FILTER; frame numbers stay file positions\n"
    "  -h, --help         this help\n";

void pktcli_init(struct pktcli *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->po.mode = WIRE_PRINT_LINE;
	pc->po.tfmt = WIRE_TIME_ABS;
}

int pktcli_option(struct pktcli *pc, int opt, const char *arg, const char *cmd)
{
	uint64_t v;
	switch (opt) {
	case 'n': pc->po.resolve = 0; return 1;
	case 'N': pc->po.resolve = 1; return 1;
	case 't': pc->tcount++; return 1;
	case 'V': pc->po.mode = WIRE_PRINT_TREE; return 1;
	case 'X': pc->po.hex++; return 1;
	case 'x': pc->po.xhex++; return 1;
	case 'A': pc->po.ascii++; return 1;
	case 'v': pc->po.verbose++; return 1;
	case 'e': pc->po.link_hdr = 1; return 1;
	case 'q': pc->po.quiet = 1; return 1;
	case 'S': pc->po.abs_seq = 1; return 1;
	case 'l': pc->line_buf = 1; return 1;
	case 'd': pc->dump_filter = 1; return 1;
	case 'w': pc->wfile = arg; return 1;
	case 'Y':
	case PKT_OPT_DFILTER: pc->dfilter_text = arg; return 1;
	case 'c':
		if (cli_parse_size(arg, UINT64_MAX, &v) < 0 || v == 0) {
			cli_usage_err(cmd, "%s: -c wants a positive count, not '%s'", cmd, arg);
			return -1;
		}
		pc->count = v;
		return 1;
	case PKT_OPT_JSON: pc->po.mode = WIRE_PRINT_JSON; return 1;
	case PKT_OPT_PAYLOAD: pc->po.payload_hex = 1; return 1;
	case PKT_OPT_STATS: pc->po.stats = 1; return 1;
	case PKT_OPT_ANALYSIS: pc->po.analysis = 1; return 1;
	case PKT_OPT_PRINT: pc->print_too = 1; return 1;
	case PKT_OPT_TIME:
		pc->time_set = 1;
		if (!strcmp(arg, "abs") || !strcmp(arg, "absolute"))
			pc->po.tfmt = WIRE_TIME_ABS;
		else if (!strcmp(arg, "rel") || !strcmp(arg, "relative"))
			pc->po.tfmt = WIRE_TIME_REL;
		else if (!strcmp(arg, "delta"))
			pc->po.tfmt = WIRE_TIME_DELTA;
		else if (!strcmp(arg, "epoch"))
			pc->po.tfmt = WIRE_TIME_EPOCH;
		else if (!strcmp(arg, "none"))
			pc->po.tfmt = WIRE_TIME_NONE;
		else if (!strcmp(arg, "date"))
			pc->po.tfmt = WIRE_TIME_DATE;
		else {
			cli_usage_err(
			    cmd, "%s: --time wants abs, date, rel, delta, epoch or none, not '%s'",
			    cmd, arg);
			return -1;
		}
		return 1;
	default: return 0;
	}
}

int pktcli_finish(struct pktcli *pc)
{
	if (!pc->time_set && pc->tcount) {
		/* tcpdump's -t (none), -tt, -ttt, -tttt (date), -ttttt */
		static const enum wire_time_fmt by_count[] = {WIRE_TIME_ABS,   WIRE_TIME_NONE,
		                                              WIRE_TIME_EPOCH, WIRE_TIME_DELTA_HMS,
		                                              WIRE_TIME_DATE,  WIRE_TIME_REL_HMS};
		pc->po.tfmt = by_count[pc->tcount > 5 ? 5 : pc->tcount];
	}
	/* Writing a file: packets are not printed unless asked (tcpdump's -w). */
	if (pc->wfile && !pc->print_too) {
		pc->po.mode = WIRE_PRINT_NONE;
		pc->po.hex = pc->po.payload_hex = pc->po.xhex = pc->po.ascii = 0;
	}
	return 0;
}

int pktcli_join_filter(struct pktcli *pc, int argc, char **argv, int from)
{
	size_t len = 0;
	for (int i = from; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (len == 0)
		return 0;
	char *s = malloc(len);
	if (!s)
		return -ENOMEM;
	size_t off = 0;
	for (int i = from; i < argc; i++) {
		size_t k = strlen(argv[i]);
		if (off)
			s[off++] = ' ';
		memcpy(s + off, argv[i], k);
		off += k;
	}
	s[off] = '\0';
	pc->filter = s;
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	pktcli_stop = 1;
}

void pktcli_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int pktcli_needs_stdout(const struct pktcli *pc)
{
	if (pc->wfile && !pc->dump_filter)
		return !strcmp(pc->wfile, "-") || pc->print_too;
	return 1;
}

/* -Y's provider of the tcp.analysis.* fields: the analysis of the current
 * packet, from pktcli's own analyzer fed with every packet -Y sees. */
static unsigned ta_get(void *ctx, const struct wire_dissect *d, const char *name,
                       struct wire_fval *v, unsigned max)
{
	const struct pktcli *pc = ctx;
	struct wire_tcpa_res r = {pc->dfa_flags, pc->dfa_dupack};
	(void)d;
	return wire_tcpa_res_field(&r, name, v, max);
}

int pktcli_dfilter_compile(struct pktcli *pc, const char *cmd)
{
	char why[256];
	size_t pos = 0;
	if (!pc->dfilter_text)
		return 0;
	int rc = wire_dfilter_compile(&pc->dfilter, pc->dfilter_text, why, sizeof(why), &pos);
	if (rc == -EINVAL) {
		cli_err("%s: -Y: column %zu: %s", cmd, pos + 1, why);
		return WIRE_EXIT_USAGE;
	}
	if (rc < 0 || !(pc->dfd = malloc(sizeof(*pc->dfd)))) {
		cli_err("%s: out of memory", cmd);
		return WIRE_EXIT_FAIL;
	}
	if (strstr(pc->dfilter_text, "tcp.analysis") && !(pc->dfa = wire_tcpa_new())) {
		cli_err("%s: out of memory", cmd);
		return WIRE_EXIT_FAIL;
	}
	return 0;
}

int pktcli_dfilter_pass(struct pktcli *pc, const struct wire_pkt *pkt)
{
	if (!pc->dfilter)
		return 1;
	struct wire_pkt copy = *pkt; /* as the printer sees it */
	if (copy.caplen > copy.wirelen)
		copy.wirelen = copy.caplen;
	if (!copy.data)
		copy.caplen = 0;
	wire_dissect(pc->dfd, &copy);
	if (!pc->dfa)
		return wire_dfilter_match(pc->dfilter, pc->dfd, NULL);
	struct wire_tcpa_seg g;
	struct wire_tcpa_res r = {0, 0};
	if (wire_tcpa_segment(pc->dfd, &g))
		wire_tcpa_feed(pc->dfa, &g, &r);
	pc->dfa_flags = r.flags;
	pc->dfa_dupack = r.dupack;
	struct wire_field_ext x = {ta_get, pc};
	return wire_dfilter_match(pc->dfilter, pc->dfd, &x);
}

void pktcli_dfilter_free(struct pktcli *pc)
{
	wire_dfilter_free(pc->dfilter);
	free(pc->dfd);
	wire_tcpa_free(pc->dfa);
	pc->dfilter = NULL;
	pc->dfd = NULL;
	pc->dfa = NULL;
}
