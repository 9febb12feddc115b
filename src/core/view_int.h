/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Inside wirecat view (view.c, view_srv.c): the per-packet row object of the
 * page, written the same way for the embedded page and for the server.
 */
#ifndef WIRE_VIEW_INT_H
#define WIRE_VIEW_INT_H

#include <time.h>

#include "wire/buf.h"
#include "wire/dissect.h"
#include "wire/print.h"
#include "wire/sink.h"

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
};

/* A view with its two printers (abs_seq: absolute TCP sequence numbers, as
 * `read -S`). Returns 0 and *vp, or -ENOMEM. */
int wire_view_open(struct view **vp, int abs_seq);
void wire_view_close(struct view *v);
/* Writes pkt's row object to v->out: number, time, lengths, layers and their
 * byte ranges, addresses, ports and TCP/UDP fields, the one-line summary, and
 * with detail the -V tree and the bytes as hex. */
void wire_view_row(struct view *v, const struct wire_pkt *pkt, int detail);

/* A new -V printer for the server's detail (its TCP analysis starts over),
 * and feeding it the packets before the one shown. Returns 0 or -ENOMEM. */
int wire_view_reset_tree(struct view *v);
void wire_view_tree_feed(struct view *v, const struct wire_pkt *pkt);
/* The server's page: the data element says where the data is (`server`). */
int wire_view_page_server(struct wire_sink *o, const char *title, int link);

#endif
