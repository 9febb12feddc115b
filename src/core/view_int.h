/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Inside wirecat view (view.c, view_nd.c, view_fields.c, view_srv.c): the
 * per-packet row object of the page, written the same way for the embedded
 * page and for the server.
 */
#ifndef WIRE_VIEW_INT_H
#define WIRE_VIEW_INT_H

#include <time.h>

#include "wire/buf.h"
#include "wire/dissect.h"
#include "wire/limits.h"
#include "wire/packet.h"
#include "wire/print.h"
#include "wire/sink.h"

struct view_io;

struct view_pr {
	struct wire_buf mem;
	struct wire_sink sink;
	struct wire_printer *p;
};

struct view {
	struct view_pr line, tree;
	struct wire_dissect d;
	struct timespec t0;    /* times are relative to it */
	struct wire_sink *out; /* where rows go */
	long long ev;          /* the trace event the packet is (>= 0), for the page */
	struct view_io *io;    /* the --html page's I/O graph (NULL: none) */
};

/* A view with its two printers (abs_seq: absolute TCP sequence numbers, as
 * `read -S`). Returns 0 and *vp, or -ENOMEM. */
int wire_view_open(struct view **vp, int abs_seq);
void wire_view_close(struct view *v);
/* A view writing to out (relative sequence numbers), or NULL. */
struct view *wire_view_new(struct wire_sink *out);
void wire_view_free(struct view *v);
/* Writes pkt's row object to v->out: number, time, lengths, layers and their
 * byte ranges, the fields' byte ranges ("fo"), addresses, ports and TCP/UDP
 * fields, the one-line summary, and with detail the -V tree and the bytes as
 * hex. */
void wire_view_row(struct view *v, const struct wire_pkt *pkt, int detail);
/* Writes pkt as one object of the page's "packets" array (a comma before
 * it unless pkt->num is 1), and counts it in v->io; ev >= 0 is the trace
 * event line it came from. */
void wire_view_packet(struct view *v, const struct wire_pkt *pkt, long long ev);
/* Writes ,"io": and v->io's series, as the page draws it. */
void wire_view_io_member(struct wire_sink *o, const struct view *v);
/* Writes the page, with data() writing the JSON value of the data element. */
int wire_view_write_page(struct wire_sink *o, int (*data)(void *, struct wire_sink *), void *arg);
/* Writes ,"fo":[...] : per layer of d, [kind, start, [label, offset,
 * length]...] for the fields the -V tree prints beyond its kind's table
 * (src/core/view_fields.c). */
void wire_view_fields(struct wire_sink *o, const struct wire_dissect *d);
/* Writes ,"ft":[...] : per layer kind, the [label, offset, length] of its
 * fixed fields from the layer's start (once per page). */
void wire_view_field_tables(struct wire_sink *o);

/* A new -V printer for the server's detail (its TCP analysis starts over),
 * and feeding it the packets before the one shown. Returns 0 or -ENOMEM. */
int wire_view_reset_tree(struct view *v);
void wire_view_tree_feed(struct view *v, const struct wire_pkt *pkt);
/* The I/O graph: packets and bytes per interval (view_io.c). */
struct view_io {
	double iv; /* seconds a bucket; 0 before the first packet */
	uint32_t n;
	uint64_t pk[WIRE_VIEW_IO_BUCKETS], by[WIRE_VIEW_IO_BUCKETS];
};
/* Counts a packet of len bytes at t seconds from the first one (the
 * interval starts at 1 ms and grows tenfold when t is past the buckets). */
void wire_view_io_add(struct view_io *io, double t, uint32_t len);
/* The interval the page draws io at: want, or io's own grown tenfold until
 * at most WIRE_VIEW_IO_SHOWN buckets are left, whichever is larger. */
double wire_view_io_shown(const struct view_io *io, double want);
/* Writes io as {"iv","pk":[...],"by":[...]} at interval want (a multiple of
 * its own; 0: its own). */
void wire_view_io_json(struct wire_sink *o, const struct view_io *io, double want);

/* The server's page: the data element says where the data is (`server`)
 * and holds the fields' table ("ft"). */
int wire_view_page_server(struct wire_sink *o, const char *title, int link);

/* Where the Source and Destination columns take their addresses: the
 * innermost IP layer, else ARP, else Ethernet (NULL: none). */
const struct wire_layer *wire_view_addr_layer(const struct wire_dissect *d);

/* ---- the server's sort (view_sort.c) ---- */

/* The list's columns, as the page's headings name them (n t src dst p len
 * info). */
enum wire_vcol {
	WIRE_VC_N,
	WIRE_VC_T,
	WIRE_VC_SRC,
	WIRE_VC_DST,
	WIRE_VC_P,
	WIRE_VC_LEN,
	WIRE_VC_INFO,
	WIRE_VC_COUNT
};

/* A packet in a sort: its key (compared bytewise) and its number (ties). */
struct wire_vsort_ent {
	uint8_t k[WIRE_VIEW_SORT_KEY];
	uint32_t n;
};

/* The column called name, or -1. */
int wire_vsort_col(const char *name);
const char *wire_vsort_col_name(int col);
/* Writes pkt's key for column col into k (WIRE_VIEW_SORT_KEY bytes): time
 * and length as big-endian numbers, addresses as a kind (0 none, 1 IPv4, 2
 * IPv6, 3 Ethernet) then their bytes, the protocol's name, and the first
 * bytes of the Info column (the summary without the addresses, as the page
 * shows it). Uses v's dissection and line printer. */
void wire_vsort_key(struct view *v, int col, const struct wire_pkt *pkt, uint8_t *k);
/* One step of an in-place heap sort of e[0..n) by key (reversed with desc),
 * ties by ascending number; *hi and *hend hold its place (start with
 * *hi = n / 2, *hend = n). Returns 1 while steps remain, 0 when sorted. */
int wire_vsort_step(struct wire_vsort_ent *e, uint32_t n, int desc, uint32_t *hi, uint32_t *hend);

#endif
