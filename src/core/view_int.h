/* SPDX-License-Identifier: BSD-2-Clause */
/* Inside the page builder of `wirecat view` (src/core/view*.c). */
#ifndef WIRE_VIEW_INT_H
#define WIRE_VIEW_INT_H

#include "wire/dissect.h"
#include "wire/packet.h"
#include "wire/sink.h"

struct view;

/* The printers and the dissection that make a packet's JSON for the page. */
struct view *wire_view_new(struct wire_sink *out);
void wire_view_free(struct view *v);
/* Writes pkt as one object of the page's "packets" array (a comma before
 * it unless pkt->num is 1); ev >= 0 is the trace event line it came from. */
void wire_view_packet(struct view *v, const struct wire_pkt *pkt, long long ev);
/* Writes the page, with data() writing the JSON value of the data element. */
int wire_view_write_page(struct wire_sink *o, int (*data)(void *, struct wire_sink *), void *arg);
/* Writes ,"fo":[...] : per layer of d, [kind, start, [label, offset,
 * length]...] for the fields the -V tree prints beyond its kind's table
 * (src/core/view_fields.c). */
void wire_view_fields(struct wire_sink *o, const struct wire_dissect *d);
/* Writes ,"ft":[...] : per layer kind, the [label, offset, length] of its
 * fixed fields from the layer's start (once per page). */
void wire_view_field_tables(struct wire_sink *o);

#endif
