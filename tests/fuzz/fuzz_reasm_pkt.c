/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for TCP reassembly fed by a packet stream, as `read
 * --follow` and `read --json` use it: every frame is dissected
 * (wire_dissect), its segment taken out (wire_reasm_segment) and fed to a
 * reassembler (small limits or the defaults) whose events go to the stream
 * decoders (streamdec); the same frames also go through the printer with the
 * per-frame application decoding on (appdec, as --json and -V do) and TCP
 * analysis, into a memory sink, or through display filters evaluated on the
 * frame as appdec rewrote it. Input: byte 0 picks the link type (bits 0-2),
 * the printer (-V or --json, bit 3; the line view with --analysis and
 * --stats, bit 5), small reassembly limits (bit 4) and the display filters
 * instead of a printer (bit 6); then records of a 2-byte big-endian length,
 * a 1-byte time step in milliseconds and the frame. (One appdec per input:
 * each costs a 64k-bucket table, and the fuzzer's speed depends on it.)
 * Seeds: frames of the tcpdump corpus and the golden captures
 * (tests/fuzz/mkseeds_reasm_pkt.py). Checked:
 *   - every event belongs to a numbered stream, offsets run on without holes,
 *     nothing after a direction's END, every direction ended after finish;
 *   - the reassembler's and the stream decoders' memory stay under their caps
 *     and are 0 at the end;
 *   - every message is of a known kind and at most WIRE_STREAMDEC_MSG_MAX;
 *   - appdec never shows more messages than WIRE_STREAMDEC_FRAME_MSGS.
 * Any broken promise aborts, so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/buf.h"
#include "wire/dfilter.h"
#include "wire/dissect.h"
#include "wire/packet.h"
#include "wire/print.h"
#include "wire/reasm.h"
#include "wire/sink.h"
#include "wire/streamdec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[8] = {WIRE_LINK_ETHERNET, WIRE_LINK_LINUX_SLL, WIRE_LINK_LINUX_SLL2,
                             WIRE_LINK_NULL,     WIRE_LINK_LOOP,      WIRE_LINK_RAW,
                             WIRE_LINK_IPV4,     WIRE_LINK_IPV6};

static const char *const exprs[] = {
    "http.request.method == \"GET\" || http.response.code >= 200 || dns.qry.name contains "
    "\"a\" || tls.handshake.type == 1",
    "tcp.analysis.flags || tcp.len > 0 && !(tcp.port in {80 443})",
};

struct state {
	size_t nstreams;
	uint64_t *off; /* [stream * 2 + dir] */
	uint8_t *ended;
	uint8_t *born;
	struct wire_streamdec *sd;
};

static void check(int ok)
{
	if (!ok)
		abort();
}

static void on_msg(void *ud, const struct wire_streamdec_msg *m)
{
	struct state *s = ud;
	check(m->kind == WIRE_L_HTTP || m->kind == WIRE_L_DNS || m->kind == WIRE_L_TLS);
	check(m->stream < s->nstreams && m->dir < 2 && s->born[m->stream]);
	check(m->len > 0 && m->len <= WIRE_STREAMDEC_MSG_MAX && m->data != NULL);
}

static void on_ev(void *ud, const struct wire_reasm_event *ev)
{
	struct state *s = ud;
	check(ev->stream < s->nstreams && ev->dir < 2);
	check(ev->ends && (ev->ends->alen == 4 || ev->ends->alen == 16));
	size_t k = (size_t)ev->stream * 2 + ev->dir;
	switch (ev->kind) {
	case WIRE_REASM_NEW:
		check(!s->born[ev->stream]);
		s->born[ev->stream] = 1;
		break;
	case WIRE_REASM_DATA: check(ev->len > 0 && ev->data != NULL); break;
	case WIRE_REASM_GAP: check(ev->len > 0 && ev->data == NULL); break;
	case WIRE_REASM_END: check(!s->ended[k]); break;
	default: check(0);
	}
	if (ev->kind != WIRE_REASM_NEW) {
		check(s->born[ev->stream] && !s->ended[k] && ev->offset == s->off[k]);
		s->off[k] += ev->len;
		s->ended[k] = ev->kind == WIRE_REASM_END;
	}
	wire_streamdec_event(s->sd, ev);
	check(wire_streamdec_stats(s->sd)->mem <= WIRE_STREAMDEC_TOTAL_MAX);
}

static struct wire_printer *printer(int mode, int analysis, struct wire_sink *sink,
                                    struct wire_appdec **a)
{
	struct wire_print_opts o;
	memset(&o, 0, sizeof(o));
	o.mode = (enum wire_print_mode)mode;
	o.analysis = analysis;
	o.tfmt = WIRE_TIME_REL;
	o.stats = analysis;
	struct wire_printer *p = NULL;
	check(wire_printer_new(&p, &o, sink) == 0 && (*a = wire_appdec_new()) != NULL);
	wire_printer_set_appdec(p, *a);
	return p;
}

struct rig {
	struct wire_reasm *r;
	struct wire_reasm_limits lim;
	struct wire_printer *pr;
	struct wire_appdec *app;
	struct wire_dfilter *df[2];
	struct wire_dissect *d;
	struct wire_buf mem;
	struct wire_sink sink;
};

static void rig_open(struct rig *g, uint8_t h, struct state *s)
{
	memset(g, 0, sizeof(*g));
	g->lim = wire_reasm_default_limits();
	if (h & 0x10)
		g->lim = (struct wire_reasm_limits){256, 1024, 2};
	check((g->r = wire_reasm_new(&g->lim, on_ev, s)) != NULL);
	check((s->sd = wire_streamdec_new(on_msg, s)) != NULL);
	wire_buf_init(&g->mem, 1u << 20);
	wire_sink_init_mem(&g->sink, &g->mem);
	check((g->d = malloc(sizeof(*g->d))) != NULL);
	if (!(h & 0x40)) {
		int mode = (h & 0x20) ? WIRE_PRINT_LINE
		           : (h & 8)  ? WIRE_PRINT_JSON
		                      : WIRE_PRINT_TREE;
		g->pr = printer(mode, mode == WIRE_PRINT_LINE, &g->sink, &g->app);
		return;
	}
	check((g->app = wire_appdec_new()) != NULL);
	char why[200];
	size_t pos;
	for (int i = 0; i < 2; i++)
		check(wire_dfilter_compile(&g->df[i], exprs[i], why, sizeof(why), &pos) == 0);
}

static void rig_frame(struct rig *g, struct state *s, const struct wire_pkt *pkt)
{
	wire_dissect(g->d, pkt);
	struct wire_reasm_seg seg;
	if (wire_reasm_segment(g->d, &seg) == 0) {
		long id = wire_reasm_feed(g->r, &seg);
		check(id >= 0 && (size_t)id < s->nstreams);
	}
	const struct wire_reasm_stats *rs = wire_reasm_stats(g->r);
	check(rs->mem <= g->lim.total_bytes);
	if (g->pr) {
		wire_printer_packet(g->pr, pkt);
	} else {
		check(wire_appdec_frame(g->app, g->d) <= WIRE_STREAMDEC_FRAME_MSGS);
		for (int i = 0; i < 2; i++)
			wire_dfilter_match(g->df[i], g->d, NULL);
	}
	wire_sink_flush(&g->sink);
	wire_buf_reset(&g->mem);
	g->sink.err = 0;
}

static void rig_close(struct rig *g, struct state *s)
{
	wire_reasm_finish(g->r);
	const struct wire_reasm_stats *rs = wire_reasm_stats(g->r);
	check(rs->mem == 0);
	for (size_t i = 0; i < rs->streams; i++)
		check(s->born[i] && s->ended[2 * i] && s->ended[2 * i + 1]);
	check(wire_streamdec_stats(s->sd)->mem == 0);
	wire_appdec_finish(g->app);
	if (g->pr) {
		wire_printer_finish(g->pr);
		wire_printer_free(g->pr);
	}
	for (int i = 0; i < 2; i++)
		wire_dfilter_free(g->df[i]);
	wire_appdec_free(g->app);
	wire_reasm_free(g->r);
	wire_streamdec_free(s->sd);
	wire_buf_free(&g->mem);
	free(g->d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	struct state s = {0};
	s.nstreams = size / 3 + 2; /* at most one new stream per frame */
	s.off = calloc(s.nstreams * 2, sizeof(*s.off));
	s.ended = calloc(s.nstreams * 2, 1);
	s.born = calloc(s.nstreams, 1);
	check(s.off && s.ended && s.born);
	struct rig g;
	rig_open(&g, data[0], &s);
	struct timespec ts = {1700000000, 0};
	size_t at = 1;
	uint64_t num = 0;
	while (size - at >= 3) {
		size_t n = (size_t)data[at] << 8 | data[at + 1];
		ts.tv_nsec += (long)data[at + 2] * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		at += 3;
		if (n > size - at)
			n = size - at;
		uint8_t *copy = malloc(n ? n : 1); /* exact size: over-reads fault */
		check(copy != NULL);
		if (n)
			memcpy(copy, data + at, n);
		at += n;
		struct wire_pkt pkt = {.data = copy,
		                       .caplen = (uint32_t)n,
		                       .wirelen = (uint32_t)n,
		                       .ts = ts,
		                       .linktype = links[data[0] & 7],
		                       .num = ++num};
		rig_frame(&g, &s, &pkt);
		free(copy);
	}
	rig_close(&g, &s);
	free(s.off);
	free(s.ended);
	free(s.born);
	return 0;
}
