/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What `sniff` and `read` share on the command line: the print options
 * (-n/-N, -t.../--time, -v, -e, -q, -S, -A, -x, -X, -V, --payload,
 * --json, --stats, -l), -c, -w,
 * -d, the filter words joined into one expression, and the packet output
 * (printer or pcap writer) with a clean stop on SIGINT/SIGTERM.
 */
#ifndef WIRE_PKTCLI_H
#define WIRE_PKTCLI_H

#include <getopt.h>
#include <signal.h>
#include <stdint.h>

#include "wire/print.h"

/* Long-only option ids shared by both commands. */
enum {
	PKT_OPT_JSON = 1000,
	PKT_OPT_PAYLOAD,
	PKT_OPT_STATS,
	PKT_OPT_TIME,
	PKT_OPT_PRINT,
	PKT_OPT_HELP,
	PKT_OPT_LIST,
	PKT_OPT_DEFRAG,
	PKT_OPT_DFILTER, /* --display-filter (-Y) */
	PKT_OPT_ANALYSIS,
	PKT_OPT_FLOW, /* --flow */
};

struct wire_dfilter;
struct wire_dissect;
struct wire_dns_msg;
struct wire_pkt;

struct pktcli {
	struct wire_print_opts po;
	int tcount;        /* -t given this many times */
	int time_set;      /* --time given */
	int line_buf;      /* -l */
	uint64_t count;    /* -c, 0: no limit */
	const char *wfile; /* -w */
	int print_too;     /* --print: print packets while writing with -w */
	int dump_filter;   /* -d */
	char *filter;      /* FILTER words joined, or NULL */
	int defrag;        /* --defrag 1, --no-defrag -1, default 0 (on for -V, --json) */
	int reasm;         /* --reassemble 1, --no-reassemble -1, default 0 */
	const char *follow, *follow_as, *follow_dir; /* read --follow (follow.c) */
	const char *follow_outdir;                   /* read --follow all --follow-dir DIR */
	const char *dfilter_text;                    /* -Y EXPR */
	struct wire_dfilter *dfilter;                /* compiled by pktcli_dfilter_compile */
	struct wire_dissect *dfd;                    /* the packet's one dissection */
	struct wire_dns_msg *dns;                    /* its DNS records */
	struct wire_pkt *cur;                        /* the packet as dfd sees it */
	struct wire_tcpa *dfa;                       /* -Y's own TCP analysis (every packet) */
	uint32_t dfa_flags, dfa_dupack;              /* the current packet's analysis */
	struct wire_tcpa_res *dfr;                   /* all of it (tcp.stream, tcp.seq...) */
	struct wire_udpnum *dfu;                     /* udp.stream numbering (every packet) */
	long udp_stream;                             /* the current packet's, -1: none */
	struct wire_appdec *app;                     /* reassembly's decoders, or NULL */
	int flow;                                    /* --flow */
	int tsdigits;         /* read: the packet's time precision (6, 9); 0: live (microseconds) */
	struct wire_flow *fl; /* its ladder */
};

/* Compiles -Y's expression and sets up --flow (nothing without either). Returns 0, or the exit
 * status after one line on stderr naming the error's column (2 for a bad
 * expression). */
int pktcli_dfilter_compile(struct pktcli *pc, const char *cmd);
/* --reassemble (on by default with -V, --json and -Y): every packet that
 * pktcli_packet dissects gets the application messages it completes (printed
 * or not: -Y sees them with -w too); pc->reasm 1 forces it, -1 turns it off.
 * Returns 0 (*a NULL when off), or -1 after a line on stderr. */
struct wire_printer;
struct wire_appdec;
int pktcli_appdec_start(struct pktcli *pc, struct wire_appdec **a, const char *cmd);
struct wire_sink;
struct wire_defragger;
/* What read and sniff start alike: the printer (to out), --defrag's
 * defragmenter and --reassemble's decoders (*dg, *app NULL when off).
 * Returns 0, or -1 after one line on stderr naming cmd. */
int pktcli_views_start(struct pktcli *pc, struct wire_printer **pr, struct wire_sink *out,
                       struct wire_defragger **dg, struct wire_appdec **app, const char *cmd);
/* Ends the decoders and says on stderr what could not be framed. */
void pktcli_appdec_report(struct wire_appdec *a, const char *cmd);
/* --flow: writes the ladder of the packets that passed to out and says
 * on stderr what did not fit. Returns 0 or a negative errno of out. */
struct wire_sink;
int pktcli_flow_write(struct pktcli *pc, struct wire_sink *out, const char *cmd);
struct wire_defragger;
/* --defrag's help lines (read and sniff). */
extern const char pktcli_defrag_help[];
/* --defrag (on by default with -V and --json, as tshark's IP reassembly):
 * makes *dg, or leaves it NULL when off. Returns -1 with one line on stderr
 * naming cmd when out of memory. */
int pktcli_defrag_start(const struct pktcli *pc, struct wire_defragger **dg, const char *cmd);
/* One line on stderr: what --defrag reassembled and what it dropped. */
void pktcli_defrag_report(struct wire_defragger *g, const char *cmd);
/* Dissects pkt once into *dp (pc's scratch, valid until the next call): IP
 * defragmentation through dg when not NULL, then pr's per-packet steps
 * (wire_printer_prepare) when pr is not NULL, then -Y on that dissection.
 * Returns 1 when the packet is kept (always without -Y), 0 when -Y drops it,
 * or -ENOMEM. With -Y or --flow call it with every packet read (after FILTER):
 * stream numbers and relative sequence numbers need them all; with --flow a
 * TCP segment that is kept becomes an arrow. */
int pktcli_packet(struct pktcli *pc, struct wire_printer *pr, struct wire_defragger *dg,
                  const struct wire_pkt *pkt, const struct wire_dissect **dp);
/* Frees what pktcli_dfilter_compile made. */
void pktcli_dfilter_free(struct pktcli *pc);

/* Set by the SIGINT/SIGTERM handler that pktcli_signals installs. */
extern volatile sig_atomic_t pktcli_stop;

/* Initialises the defaults. */
void pktcli_init(struct pktcli *pc);
/* Handles one option shared by sniff and read. Returns 1 when handled, 0 when
 * opt is not a shared option, or -1 after a usage error was printed. */
int pktcli_option(struct pktcli *pc, int opt, const char *arg, const char *cmd);
/* Finishes the print options after parsing. Returns 0 (cannot fail now). */
int pktcli_finish(struct pktcli *pc);
/* Joins argv[from..argc) into pc->filter. Returns 0 or -ENOMEM. */
int pktcli_join_filter(struct pktcli *pc, int argc, char **argv, int from);
/* Decodes (or copies with -w) the capture file at path with the options in
 * pc, as `wirecat read` does; `sniff -r FILE` comes here too (read.c).
 * Frees pc.filter. Returns the exit status. */
int pktcli_read(struct pktcli pc, const char *path);
/* Installs the SIGINT/SIGTERM handler (no SA_RESTART: waits return early). */
void pktcli_signals(void);
/* Returns 1 when the command writes to stdout: text, -d, or -w -. */
int pktcli_needs_stdout(const struct pktcli *pc);
/* The help lines for the shared options. */
extern const char pktcli_help[];

#endif
