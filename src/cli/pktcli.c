/* SPDX-License-Identifier: BSD-2-Clause */
/* Options and plumbing shared by `sniff` and `read` (src/cli/pktcli.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pktcli.h"
#include "wire/defrag.h"
#include "wire/dfilter.h"
#include "wire/flow.h"
#include "wire/streamdec.h"
#include "wire/limits.h"
#include "wire/dissect.h"
#include "wire/print.h"
#include "wire/tcpanalysis.h"
#include "wire/udpnum.h"
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
    "                     'tcp.port in {80, 443}', 'dns.qry.name contains \"example\"',\n"
    "                     'tcp.stream == 3', 'tcp.srcport == tcp.dstport',\n"
    "                     'eth.src[0:3] == 00:24:b2', 'len(http.host) > 20';\n"
    "                     applied after FILTER; frame numbers stay file positions\n"
    "  --flow             instead of the packets, at the end: the TCP segments as\n"
    "                     tshark's -z flow,tcp,standard ladder (hosts as lanes,\n"
    "                     arrows with flags, length, relative seq/ack and ports)\n"
    "  -h, --help         this help\n";

const char pktcli_defrag_help[] =
    "  --defrag           reassemble IPv4 and IPv6 fragments (on by default with -V\n"
    "                     and --json; --no-defrag: off): the fragment that completes\n"
    "                     a datagram keeps its own frame and IP fields, then shows\n"
    "                     the fragment count, the reassembled length and the\n"
    "                     datagram's upper layers, as tshark; at the end one line\n"
    "                     on stderr counts what was reassembled and what was\n"
    "                     dropped, and why\n";

/* One line on stderr: what --defrag reassembled and what it dropped. */
void pktcli_defrag_report(struct wire_defragger *g, const char *cmd)
{
	const struct wire_defrag_stats *s = &g->d.st;
	char why[256];
	size_t n = 0;
	why[0] = '\0';
	for (int i = WIRE_DEFRAG_OK + 1; i < WIRE_DEFRAG_WHY_N; i++)
		if (s->dropped[i] && n < sizeof(why))
			n += (size_t)snprintf(why + n, sizeof(why) - n, ", %llu %s",
			                      (unsigned long long)s->dropped[i],
			                      wire_defrag_why_name((enum wire_defrag_why)i));
	if (s->unfinished && n < sizeof(why))
		snprintf(why + n, sizeof(why) - n, ", %llu incomplete at the end",
		         (unsigned long long)s->unfinished);
	cli_info("%s: defrag: %llu fragments, %llu datagrams reassembled, %llu duplicates "
	         "ignored, %llu not fully captured; %llu fragments dropped%s%s",
	         cmd, (unsigned long long)g->fragments, (unsigned long long)s->done,
	         (unsigned long long)s->dup, (unsigned long long)g->truncated,
	         (unsigned long long)s->frags_dropped, why[0] ? ":" : "", why[0] ? why + 1 : "");
}

/* --defrag: on by default with -V and --json, as tshark's IP reassembly
 * (the frame that completes a datagram keeps its own frame and IP fields and
 * adds the reassembled layer); off for the one-line view unless asked, which
 * stays tcpdump's line. */
static int defrag_on(const struct pktcli *pc)
{
	return pc->defrag > 0 || (pc->defrag == 0 && (pc->po.mode == WIRE_PRINT_TREE ||
	                                              pc->po.mode == WIRE_PRINT_JSON));
}

int pktcli_defrag_start(const struct pktcli *pc, struct wire_defragger **dg, const char *cmd)
{
	*dg = NULL;
	if (!defrag_on(pc))
		return 0;
	struct wire_defragger *g = malloc(sizeof(*g));
	if (!g || wire_defragger_init(g, NULL) < 0) {
		free(g);
		cli_err("%s: out of memory", cmd);
		return -1;
	}
	*dg = g;
	return 0;
}

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
	case PKT_OPT_FLOW: pc->flow = 1; return 1;
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
		return !strcmp(pc->wfile, "-") || pc->print_too || pc->flow;
	return 1;
}

/* The tcp.analysis.* fields of the current packet. */
static unsigned ta_flags(const struct pktcli *pc, const char *name, uint64_t *val)
{
	if (!pc->dfa_flags)
		return 0;
	*val = 1;
	if (!strcmp(name, "tcp.analysis.flags")) {
		*val = pc->dfa_flags;
	} else if (!strcmp(name, "tcp.analysis.duplicate_ack_num")) {
		if (!(pc->dfa_flags & WIRE_TCPA_DUP_ACK))
			return 0;
		*val = pc->dfa_dupack;
	} else {
		unsigned k = 0;
		while (k < WIRE_TCPA_KINDS && strcmp(name, wire_tcpa_field(k)))
			k++;
		if (k == WIRE_TCPA_KINDS || !(pc->dfa_flags & (1u << k)))
			return 0;
	}
	return 1;
}

/* The sequence number of a TCP header quoted in an ICMP error: tshark
 * shows it raw (no analysis there). */
static int quoted_seq(const struct wire_dissect *d, uint64_t *val)
{
	for (unsigned i = 1; i < d->n; i++)
		if (d->l[i].kind == WIRE_L_TCP && d->l[i].quoted && d->l[i].have >= 8) {
			*val = d->l[i].u.tcp.seq;
			return 1;
		}
	return 0;
}

/* tcp.stream, the relative tcp.seq/ack/nxtseq, tcp.window_size, udp.stream. */
static unsigned conv_field(const struct pktcli *pc, const struct wire_dissect *d, const char *name,
                           uint64_t *val)
{
	const struct wire_tcpa_res *r = pc->dfr;
	if (!strcmp(name, "udp.stream")) {
		*val = (uint64_t)pc->udp_stream;
		return pc->udp_stream >= 0;
	}
	if (!r || !r->seg)
		return !strcmp(name, "tcp.seq") && quoted_seq(d, val);
	if (!strcmp(name, "tcp.stream"))
		*val = r->stream;
	else if (!strcmp(name, "tcp.seq"))
		*val = r->seq;
	else if (r->seg == 2) /* a data offset under 5: numbered only */
		return 0;
	else if (!strcmp(name, "tcp.ack"))
		*val = r->ack;
	else if (!strcmp(name, "tcp.nxtseq"))
		*val = r->nxtseq;
	else if (!strcmp(name, "tcp.window_size"))
		*val = r->win;
	else
		return 0;
	return 1;
}

/* -Y's provider of the fields that need state across packets, from
 * pktcli's own analysis and numbering fed with every packet -Y sees. */
static unsigned ta_get(void *ctx, const struct wire_dissect *d, const char *name,
                       struct wire_fval *v, unsigned max)
{
	const struct pktcli *pc = ctx;
	uint64_t val = 0;
	if (!max)
		return 0;
	unsigned n = !strncmp(name, "tcp.analysis", 12) ? ta_flags(pc, name, &val)
	                                                : conv_field(pc, d, name, &val);
	if (n) {
		memset(v, 0, sizeof(*v));
		v->u = val;
	}
	return n;
}

/* Whether the expression names a field of the TCP state (tcp.analysis.*,
 * tcp.stream, tcp.seq, tcp.ack, tcp.nxtseq, tcp.window_size). */
static int wants_tcp_state(const char *t)
{
	static const char *const names[] = {"tcp.analysis", "tcp.stream", "tcp.seq",
	                                    "tcp.ack",      "tcp.nxtseq", "tcp.window_size"};
	for (size_t i = 0; t && i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(t, names[i]))
			return 1;
	return 0;
}

int pktcli_dfilter_compile(struct pktcli *pc, const char *cmd)
{
	char why[256];
	size_t pos = 0;
	int rc = 0;
	pc->udp_stream = -1;
	if (!pc->dfilter_text && !pc->flow)
		return 0;
	if (pc->dfilter_text)
		rc = wire_dfilter_compile(&pc->dfilter, pc->dfilter_text, why, sizeof(why), &pos);
	if (rc == -EINVAL) {
		cli_err("%s: -Y: column %zu: %s", cmd, pos + 1, why);
		return WIRE_EXIT_USAGE;
	}
	if (rc < 0 || !(pc->dfr = calloc(1, sizeof(*pc->dfr))) ||
	    ((pc->flow || wants_tcp_state(pc->dfilter_text)) && !(pc->dfa = wire_tcpa_new())) ||
	    (pc->dfilter_text && strstr(pc->dfilter_text, "udp.stream") &&
	     !(pc->dfu = wire_udpnum_new())) ||
	    (pc->flow && !(pc->fl = wire_flow_new()))) {
		cli_err("%s: out of memory", cmd);
		return WIRE_EXIT_FAIL;
	}
	return 0;
}

/* Feeds the current packet (dissected in pc->dfd) to the TCP analysis (it
 * takes headers cut after the window too, as tshark) and the udp.stream
 * numbering; *g gets its TCP segment when it has one. The analysis of the
 * printer pr, when it has one, is the same: it is taken, not made again. */
static int conv_state(struct pktcli *pc, const struct wire_printer *pr, struct wire_tcpa_seg *g)
{
	const struct wire_dissect *d = pc->dfd;
	memset(pc->dfr, 0, sizeof(*pc->dfr));
	pc->udp_stream = -1;
	int at = pc->dfa ? wire_tcpa_layer(d, g) : -1, seg = at >= 0 && at == d->tp;
	const struct wire_tcpa_res *done = pr ? wire_printer_analysis(pr) : NULL;
	if (at >= 0 && done)
		*pc->dfr = *done;
	else if (at >= 0)
		wire_tcpa_feed_at(pc->dfa, d, at, g, pc->dfr);
	pc->dfa_flags = pc->dfr->flags;
	pc->dfa_dupack = pc->dfr->dupack;
	if (pc->dfu)
		pc->udp_stream = wire_udpnum_dissect(pc->dfu, d);
	return seg;
}

static void flow_add(struct pktcli *pc, const struct wire_tcpa_seg *g, const struct timespec *ts)
{
	struct wire_flow_seg f = {
	    .ts = *ts,
	    .alen = g->alen,
	    .src = g->src,
	    .dst = g->dst,
	    .sport = g->sport,
	    .dport = g->dport,
	    .flags = g->flags,
	    .ace = pc->dfr->ace,
	    .seq = pc->dfr->seq,
	    .ack = pc->dfr->ack,
	    .len = g->len,
	    .stream = pc->dfr->stream,
	    .digits = (uint8_t)(pc->tsdigits > 0 ? pc->tsdigits : 6),
	};
	(void)wire_flow_add(pc->fl, &f); /* what does not fit is counted and said */
}

/* Dissects pkt once into pc's scratch (through dg when not NULL), then
 * pr's per-packet steps. */
static int dissect_once(struct pktcli *pc, struct wire_printer *pr, struct wire_defragger *dg,
                        const struct wire_pkt *pkt)
{
	if (!pc->dfd &&
	    (!(pc->dfd = malloc(sizeof(*pc->dfd))) || !(pc->dns = malloc(sizeof(*pc->dns))) ||
	     !(pc->cur = malloc(sizeof(*pc->cur)))))
		return -ENOMEM;
	*pc->cur = *pkt; /* as the printer sees it */
	wire_pkt_as_shown(pc->cur);
	if (!dg)
		wire_dissect_ex(pc->dfd, pc->cur, pc->dns);
	else if (wire_defragger_dissect(dg, pc->dfd, pc->cur, pc->dns) < 0)
		return -ENOMEM;
	if (pc->app) /* before -Y and the printer: both see the messages */
		wire_appdec_frame(pc->app, pc->dfd);
	if (pr)
		wire_printer_prepare(pr, pc->dfd);
	return 0;
}

int pktcli_packet(struct pktcli *pc, struct wire_printer *pr, struct wire_defragger *dg,
                  const struct wire_pkt *pkt, const struct wire_dissect **dp)
{
	int rc = dissect_once(pc, pr, dg, pkt);
	if (rc < 0)
		return rc;
	*dp = pc->dfd;
	if (!pc->dfilter && !pc->fl)
		return 1;
	struct timespec ts = pkt->ts;
	if (!pc->tsdigits) /* live: in microseconds, as -w writes them */
		ts.tv_nsec -= ts.tv_nsec % 1000;
	if (pc->fl && pc->flow == 1) {
		wire_flow_set_start(pc->fl, &ts); /* tshark: from the first frame */
		pc->flow = 2;
	}
	/* -Y's and --flow's TCP analysis, of every packet */
	struct wire_tcpa_seg g;
	int seg = conv_state(pc, pr, &g);
	struct wire_field_ext x = {ta_get, pc};
	if (pc->dfilter && !wire_dfilter_match(pc->dfilter, pc->dfd, &x))
		return 0;
	if (pc->fl && seg)
		flow_add(pc, &g, &ts);
	return 1;
}

int pktcli_flow_write(struct pktcli *pc, struct wire_sink *out, const char *cmd)
{
	if (!pc->fl)
		return 0;
	int rc = wire_flow_write(pc->fl, out);
	const struct wire_flow_stats *st = wire_flow_stats(pc->fl);
	if (st->over_items || st->over_nodes)
		cli_info("%s: --flow: %llu segments not drawn past %u arrows, %llu between more "
		         "than %u hosts",
		         cmd, (unsigned long long)st->over_items, WIRE_FLOW_ITEMS_MAX,
		         (unsigned long long)st->over_nodes, WIRE_FLOW_NODES_MAX);
	return rc;
}

void pktcli_dfilter_free(struct pktcli *pc)
{
	wire_dfilter_free(pc->dfilter);
	free(pc->dfd);
	free(pc->dns);
	free(pc->cur);
	wire_tcpa_free(pc->dfa);
	free(pc->dfr);
	wire_udpnum_free(pc->dfu);
	wire_flow_free(pc->fl);
	pc->dfilter = NULL;
	pc->dfd = NULL;
	pc->dns = NULL;
	pc->cur = NULL;
	pc->dfa = NULL;
	pc->dfr = NULL;
	pc->dfu = NULL;
	pc->fl = NULL;
}

int pktcli_appdec_start(struct pktcli *pc, struct wire_appdec **a, const char *cmd)
{
	int on = pc->reasm > 0 ||
	         (pc->reasm == 0 && (pc->po.mode == WIRE_PRINT_TREE ||
	                             pc->po.mode == WIRE_PRINT_JSON || pc->dfilter_text));
	if (!on)
		return 0;
	if (!(*a = wire_appdec_new())) {
		cli_err("%s: out of memory", cmd);
		return -1;
	}
	pc->app = *a;
	return 0;
}

int pktcli_views_start(struct pktcli *pc, struct wire_printer **pr, struct wire_sink *out,
                       struct wire_defragger **dg, struct wire_appdec **app, const char *cmd)
{
	int rc = wire_printer_new(pr, &pc->po, out);
	if (rc < 0) {
		cli_err("%s: %s", cmd, wire_strerror(rc));
		return -1;
	}
	if (pktcli_defrag_start(pc, dg, cmd) < 0 || pktcli_appdec_start(pc, app, cmd) < 0)
		return -1;
	return 0;
}

void pktcli_appdec_report(struct wire_appdec *a, const char *cmd)
{
	if (!a)
		return;
	wire_appdec_finish(a);
	const struct wire_streamdec_stats *s = wire_appdec_stats(a);
	if (s->oversize || s->nomem)
		cli_info("%s: reassembly: %llu messages decoded; %llu larger than %u bytes and "
		         "%llu past the memory cap not decoded",
		         cmd, (unsigned long long)s->messages, (unsigned long long)s->oversize,
		         WIRE_STREAMDEC_MSG_MAX, (unsigned long long)s->nomem);
}
