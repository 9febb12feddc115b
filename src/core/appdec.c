/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-frame application decoding (wire/streamdec.h): each packet's TCP
 * segment goes through the reassembler, its in-order bytes through the
 * framer, and the messages that this packet completes are copied into a
 * bounded per-frame area; the printer then shows them as the frame's
 * application layers, decoded by the same dissectors as a single segment.
 */
#include <stdlib.h>
#include <string.h>

#include "wire/dissect.h"
#include "wire/reasm.h"
#include "wire/streamdec.h"

struct kept {
	uint32_t stream;
	uint8_t kind;
	size_t off, len;
};

struct wire_appdec {
	struct wire_reasm *r;
	struct wire_streamdec *s;
	unsigned n;
	size_t used;
	uint64_t dropped; /* messages past the per-frame bounds */
	struct kept k[WIRE_STREAMDEC_FRAME_MSGS];
	uint8_t *area; /* WIRE_STREAMDEC_FRAME_BYTES */
};

static void on_msg(void *ud, const struct wire_streamdec_msg *m)
{
	struct wire_appdec *a = ud;
	if (a->n >= WIRE_STREAMDEC_FRAME_MSGS || m->len > WIRE_STREAMDEC_FRAME_BYTES - a->used) {
		a->dropped++;
		return;
	}
	a->k[a->n] = (struct kept){m->stream, m->kind, a->used, m->len};
	memcpy(a->area + a->used, m->data, m->len);
	a->used += m->len;
	a->n++;
}

static void on_ev(void *ud, const struct wire_reasm_event *ev)
{
	struct wire_appdec *a = ud;
	wire_streamdec_event(a->s, ev);
}

struct wire_appdec *wire_appdec_new(void)
{
	struct wire_appdec *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->area = malloc(WIRE_STREAMDEC_FRAME_BYTES);
	a->s = wire_streamdec_new(on_msg, a);
	a->r = wire_reasm_new(NULL, on_ev, a);
	if (!a->area || !a->s || !a->r) {
		wire_appdec_free(a);
		return NULL;
	}
	return a;
}

/* Replaces the application layers after d's TCP layer by the kept messages. */
static void apply(const struct wire_appdec *a, struct wire_dissect *d)
{
	if (d->bad >= 0 && d->bad <= d->tp)
		return;
	d->n = (unsigned)d->tp + 1;
	d->bad = -1;
	d->dns_used = 0;
	d->nhh = 0;
	for (unsigned i = 0; i < a->n && d->n < WIRE_DISSECT_DEPTH_MAX; i++) {
		const struct wire_proto *p = a->k[i].kind == WIRE_L_HTTP  ? &wire_proto_http
		                             : a->k[i].kind == WIRE_L_DNS ? &wire_proto_dns
		                                                          : &wire_proto_tls;
		struct wire_layer *l = &d->l[d->n];
		const uint8_t *m = a->area + a->k[i].off;
		size_t len = a->k[i].len;
		/* The DNS dissector reads the 2-byte length only right after TCP. */
		if (p == &wire_proto_dns && d->l[d->n - 1].kind != WIRE_L_TCP)
			m += 2, len -= 2;
		struct wire_rd r = wire_rd_init0(m, len);
		l->kind = p->kind;
		l->status = WIRE_LS_OK;
		l->quoted = 0;
		l->why = NULL;
		l->off = d->tp_off;
		l->len = 0;
		l->have = (uint32_t)len;
		p->decode(d, &r, l);
		d->n++;
		if (l->status != WIRE_LS_OK && d->bad < 0)
			d->bad = (int)(d->n - 1);
	}
}

unsigned wire_appdec_frame(struct wire_appdec *a, struct wire_dissect *d)
{
	struct wire_reasm_seg g;
	a->n = 0;
	a->used = 0;
	if (!d->pkt->data || wire_reasm_segment(d, &g) < 0)
		return 0;
	long id = wire_reasm_feed(a->r, &g);
	unsigned w = 0;
	for (unsigned i = 0; i < a->n; i++) /* only this segment's stream */
		if ((long)a->k[i].stream == id)
			a->k[w++] = a->k[i];
	a->n = w;
	apply(a, d);
	return w;
}

void wire_appdec_finish(struct wire_appdec *a)
{
	wire_reasm_finish(a->r);
	a->n = 0;
}

const struct wire_streamdec_stats *wire_appdec_stats(const struct wire_appdec *a)
{
	return wire_streamdec_stats(a->s);
}

void wire_appdec_free(struct wire_appdec *a)
{
	if (!a)
		return;
	wire_reasm_free(a->r);
	wire_streamdec_free(a->s);
	free(a->area);
	free(a);
}
