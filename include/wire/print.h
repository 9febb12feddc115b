/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The packet printer: dissects a struct wire_pkt once and renders it as one
 * line (tcpdump-like), a detailed block per layer (-V), JSON with Wireshark
 * field names (--json), with optional dumps (-x, -X, -A as tcpdump, --payload), and collects
 * --stats (protocol hierarchy, conversations). Used by sniff and read alike.
 */
#ifndef WIRE_PRINT_H
#define WIRE_PRINT_H

#include <stdint.h>

#include "wire/packet.h"
#include "wire/sink.h"

enum wire_print_mode {
	WIRE_PRINT_LINE = 0, /* default: one line per packet */
	WIRE_PRINT_TREE,     /* -V: a block per layer */
	WIRE_PRINT_JSON,     /* --json: one object per line */
	WIRE_PRINT_NONE,     /* print nothing per packet (e.g. only --stats) */
};

enum wire_time_fmt {
	WIRE_TIME_ABS = 0,   /* 12:00:00.000001 (local time) */
	WIRE_TIME_REL,       /* seconds since the first packet */
	WIRE_TIME_DELTA,     /* seconds since the previous packet */
	WIRE_TIME_EPOCH,     /* 1700000000.000001 */
	WIRE_TIME_NONE,      /* no time */
	WIRE_TIME_DATE,      /* 2023-11-14 22:13:20.000001 (local time, tcpdump -tttt) */
	WIRE_TIME_DELTA_HMS, /* " 00:00:01.001000" since the previous packet (tcpdump -ttt) */
	WIRE_TIME_REL_HMS,   /* " 00:00:02.002000" since the first packet (tcpdump -ttttt) */
};

struct wire_print_opts {
	enum wire_print_mode mode;
	enum wire_time_fmt tfmt;
	int hex;   /* -X: hex and ASCII from the network layer; 2 (-XX): from the link layer */
	int xhex;  /* -x: hex only from the network layer; 2 (-xx): from the link layer */
	int ascii; /* -A: the bytes as text from the network layer; 2: from the link layer */
	int payload_hex; /* --payload: hex and ASCII of the transport payload */
	int show_iface;  /* -i any: name the interface and direction */
	int stats;       /* --stats: collect and print at finish */
	int resolve;     /* -N: resolve names (default off) */
	int verbose;     /* -v, -vv: IP header details and checksums in the line view */
	int link_hdr;    /* -e: the link-level header on each line */
	int quiet;       /* -q: less protocol information */
	int abs_seq;     /* -S: absolute TCP sequence numbers */
	int analysis;    /* --analysis: TCP analysis in the line view too (always on
	                  * for -V, --json and --stats) */
};

struct wire_printer;

/* Creates a printer writing to out. Returns 0 and *pp, or -ENOMEM. */
int wire_printer_new(struct wire_printer **pp, const struct wire_print_opts *o,
                     struct wire_sink *out);
/* Dissects and prints one packet (wire_printer_prepare then _show on one
 * dissection). Malformed packets are marked in the output, never an error.
 * Returns 0, or the sink's negative write error. */
int wire_printer_packet(struct wire_printer *p, const struct wire_pkt *pkt);

/* The same in steps, for a caller that dissects the packet itself (once, for
 * -Y and the printer alike, with wire_pkt_as_shown applied first):
 * _prepare runs on every packet read (application decoding on reassembled
 * streams, which may replace d's application layers, and TCP analysis);
 * _show counts and prints a packet the caller keeps. */
struct wire_dissect;
struct wire_tcpa_res;
void wire_printer_prepare(struct wire_printer *p, struct wire_dissect *d);
int wire_printer_show(struct wire_printer *p, const struct wire_dissect *d);
/* The TCP analysis of the packet last prepared, or NULL when this printer
 * does not analyse (the line view without --analysis). */
const struct wire_tcpa_res *wire_printer_analysis(const struct wire_printer *p);
/* Makes pkt as the printers take it: wirelen at least caplen, no bytes
 * without data. */
void wire_pkt_as_shown(struct wire_pkt *pkt);
struct wire_appdec;
/* Shows the application messages that each packet completes on reassembled
 * TCP data (wire/streamdec.h) instead of each segment's own (NULL: off). */
void wire_printer_set_appdec(struct wire_printer *p, struct wire_appdec *a);
/* Prints what is collected at the end (--stats) and flushes. Returns 0 or a
 * sink error. */
int wire_printer_finish(struct wire_printer *p);
/* Frees the printer. */
void wire_printer_free(struct wire_printer *p);

#endif
