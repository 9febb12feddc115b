/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for TCP reassembly (src/core/reasm.c). The input is a
 * header (limits, a base sequence number near anything, 2^32 wrap-around
 * included, and a mode) and then segments of 5 bytes each: connection and
 * direction, TCP flags, a 16-bit sequence offset, a length and a content
 * variant (the same position may come again with other bytes). Checked:
 *   - every event belongs to a numbered stream, offsets run on without holes
 *     (delivered + gaps == the stream offset), nothing after a direction's END,
 *     and after wire_reasm_finish every direction of every stream has ended;
 *   - the memory counter never exceeds the total cap, and is 0 at the end
 *     (ASan/LeakSanitizer check the rest);
 *   - in model mode (one connection, data only), every delivered byte is the
 *     first copy received at its position, a gap covers only positions not
 *     received yet (give-ups included), and at the end delivered + gaps
 *     reach the highest position received.
 * Any broken invariant aborts, so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/dissect.h"
#include "wire/reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 7
#define OP 6
#define SPAN (1u << 17) /* model positions: 16-bit offsets + a 255-byte segment */

struct model {
	uint8_t byte[SPAN];
	uint8_t have[SPAN];
	uint32_t start; /* sequence number of offset 0 */
	uint8_t started;
	uint32_t top; /* 1 + highest position received */
};

struct state {
	struct wire_reasm *r;
	size_t nstreams; /* size of the arrays below */
	uint64_t *off;   /* [stream * 2 + dir] */
	uint8_t *ended;
	uint8_t *born;
	int model_mode;
	int first_srv;   /* model mode: the side that sent first is direction 0 */
	struct model *m; /* [2] in model mode */
};

static void check(int ok)
{
	if (!ok)
		abort();
}

static void model_check(struct state *s, const struct wire_reasm_event *ev)
{
	struct model *m = &s->m[ev->dir];
	uint64_t o = ev->offset;
	check(m->started);
	for (size_t i = 0; i < ev->len; i++) {
		check(o + i < SPAN);
		if (ev->kind == WIRE_REASM_DATA)
			check(m->have[o + i] && m->byte[o + i] == ev->data[i]);
		else
			check(!m->have[o + i]); /* a gap never hides a byte received */
	}
}

static void on_ev(void *ud, const struct wire_reasm_event *ev)
{
	struct state *s = ud;
	check(ev->stream < s->nstreams && ev->dir < 2);
	size_t k = (size_t)ev->stream * 2 + ev->dir;
	check(ev->ends && (ev->ends->alen == 4 || ev->ends->alen == 16));
	switch (ev->kind) {
	case WIRE_REASM_NEW:
		check(!s->born[ev->stream]);
		s->born[ev->stream] = 1;
		return;
	case WIRE_REASM_DATA: check(ev->len > 0 && ev->data != NULL); break;
	case WIRE_REASM_GAP: check(ev->len > 0 && ev->data == NULL); break;
	case WIRE_REASM_END:
		check(!s->ended[k]);
		s->ended[k] = 1;
		check(ev->offset == s->off[k]);
		return;
	default: check(0);
	}
	check(s->born[ev->stream] && !s->ended[k]);
	check(ev->offset == s->off[k]);
	if (s->model_mode)
		model_check(s, ev);
	s->off[k] += ev->len;
}

static void model_feed(struct model *m, uint32_t seq, const uint8_t *p, size_t n)
{
	if (!m->started) {
		m->started = 1;
		m->start = seq;
	}
	int32_t at = (int32_t)(seq - m->start);
	for (size_t i = 0; i < n; i++) {
		int64_t pos = (int64_t)at + (int64_t)i;
		if (pos < 0 || pos >= (int64_t)SPAN || m->have[pos])
			continue;
		m->have[pos] = 1;
		m->byte[pos] = p[i];
		if ((uint32_t)pos + 1 > m->top)
			m->top = (uint32_t)pos + 1;
	}
}

static const uint8_t addr[4][4] = {{10, 0, 0, 1}, {10, 0, 0, 2}, {10, 0, 0, 3}, {10, 0, 0, 4}};
static const uint8_t addr6[2][16] = {{0xfd, [15] = 1}, {0xfd, [15] = 2}};

/* Runs one segment described by op[0..OP). */
static void one_op(struct state *s, const uint8_t *op, uint32_t base)
{
	int conn = s->model_mode ? 0 : op[0] & 3;
	int srv = (op[0] >> 2) & 1;
	uint16_t flags = 0;
	if (!s->model_mode) {
		flags = (uint16_t)((op[0] >> 3) & (WIRE_TH_FIN | WIRE_TH_SYN | WIRE_TH_RST));
		flags = (uint16_t)(flags | ((op[0] & 0x40) ? WIRE_TH_ACK : 0));
	}
	uint32_t seq = base + (uint32_t)(srv ? 0x80000000u : 0) + ((uint32_t)op[1] << 8 | op[2]);
	size_t len = op[3];
	uint8_t *buf = malloc(len ? len : 1);
	check(buf != NULL);
	for (size_t i = 0; i < len; i++) /* by position, so equal copies are common */
		buf[i] = (uint8_t)((seq + (uint32_t)i) * 7u + (op[4] & 3u) * 13u);
	int six = !s->model_mode && (op[0] & 0x80) && conn < 2;
	struct wire_reasm_seg g = {
	    .alen = six ? 16 : 4,
	    .src = six ? addr6[srv] : addr[srv ? conn : 0],
	    .dst = six ? addr6[!srv] : addr[srv ? 0 : conn],
	    .sport = (uint16_t)(srv ? 80 : 1000 + conn),
	    .dport = (uint16_t)(srv ? 1000 + conn : 80),
	    .seq = seq,
	    .ack = base + op[4],
	    .flags = flags,
	    .data = buf,
	    .len = len,
	};
	if (s->model_mode) {
		if (s->first_srv < 0)
			s->first_srv = srv;
		model_feed(&s->m[srv ^ s->first_srv], seq, buf, len);
	}
	long id = wire_reasm_feed(s->r, &g);
	check(id >= 0 && (size_t)id < s->nstreams);
	free(buf);
}

static struct wire_reasm_limits pick_limits(const uint8_t *h)
{
	static const size_t dirs[4] = {64, 256, 4096, 65536};
	struct wire_reasm_limits l;
	l.dir_bytes = dirs[h[0] & 3];
	l.total_bytes = (l.dir_bytes + l.dir_bytes / 8) * (1 + ((h[0] >> 2) & 3));
	l.max_streams = 1 + ((h[0] >> 4) & 3);
	return l;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HDR)
		return 0;
	struct state s = {0};
	struct wire_reasm_limits l = pick_limits(data);
	s.model_mode = (data[0] >> 6) & 1;
	s.first_srv = -1;
	uint32_t base =
	    (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4];
	size_t nops = (size - HDR) / OP;
	s.nstreams = nops + 1;
	s.off = calloc(s.nstreams * 2, sizeof(*s.off));
	s.ended = calloc(s.nstreams * 2, 1);
	s.born = calloc(s.nstreams, 1);
	if (s.model_mode)
		s.m = calloc(2, sizeof(*s.m));
	s.r = wire_reasm_new(&l, on_ev, &s);
	check(s.r && s.off && s.ended && s.born && (!s.model_mode || s.m));
	const struct wire_reasm_stats *st = wire_reasm_stats(s.r);
	for (size_t i = 0; i < nops; i++) {
		one_op(&s, data + HDR + i * OP, base);
		check(st->mem <= l.total_bytes && st->mem_peak <= l.total_bytes);
	}
	wire_reasm_finish(s.r);
	check(st->mem == 0);
	for (size_t i = 0; i < st->streams; i++)
		check(s.born[i] && s.ended[2 * i] && s.ended[2 * i + 1]);
	if (s.model_mode && st->streams == 1 && !st->evicted)
		for (int dir = 0; dir < 2; dir++)
			check(s.off[dir] == s.m[dir].top);
	wire_reasm_free(s.r);
	free(s.off);
	free(s.ended);
	free(s.born);
	free(s.m);
	return 0;
}
