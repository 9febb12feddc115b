/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read --follow STREAM: every TCP segment of the file goes through the
 * reassembler (src/core/reasm.c), which numbers streams as tshark's
 * tcp.stream; the bytes of the one stream asked for (by number, or by
 * ADDR:PORT,ADDR:PORT: the first stream between those two ends) are written
 * as they become contiguous: raw (exactly the bytes, for cmp or sha256sum),
 * ascii (non-printable bytes but newline as '.') or hex (offset, 16 bytes in
 * hex and as text; server-to-client lines indented by a tab, as tshark's
 * hex view). A missing range is never filled: raw skips it, ascii and hex
 * say "[N bytes missing]", and the total is said on stderr at the end.
 * Overlaps keep the first copy received (reasm.h). tshark's follow differs
 * only for an out-of-order copy later overlapped by an in-order segment with
 * other bytes: it writes the in-order segment whole. Real stacks resend the
 * same bytes, so the two agree on every capture of a real transfer.
 */
#include "follow.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wire/dissect.h"
#include "wire/err.h"
#include "wire/reasm.h"

const char follow_help[] =
    "\nFollowing a TCP stream (reassembled; nothing else is printed):\n"
    "  --follow STREAM    the bytes of one TCP stream: its tcp.stream number (as\n"
    "                     tshark numbers them, from 0) or ADDR:PORT,ADDR:PORT\n"
    "  --follow-as MODE   raw (the bytes exactly, the default), ascii, or hex\n"
    "  --direction DIR    c2s, s2c or both (the default, in the order reassembled)\n";

enum fmode { F_RAW, F_ASCII, F_HEX };

struct follow {
	struct wire_reasm *r;
	struct wire_sink *out;
	const char *cmd;
	enum fmode mode;
	int dirs;     /* bit 0: client to server, bit 1: server to client */
	long want;    /* stream number, or -1: by ends */
	long chosen;  /* the stream followed, -1 until known */
	uint8_t alen; /* by ends: 4 or 16 */
	uint8_t addr[2][16];
	uint16_t port[2];
	uint64_t gap_bytes, gaps, bytes;
	uint64_t hexoff[2];
};

/* Parses ADDR:PORT or [ADDR6]:PORT into a, port. Returns the address length,
 * or 0 if it is not one. */
static int parse_end(const char *s, size_t n, uint8_t *a, uint16_t *port)
{
	char host[64];
	const char *colon = NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ':')
			colon = s + i;
	if (!colon || (size_t)(colon - s) >= sizeof(host) || colon + 1 == s + n)
		return 0;
	size_t hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		memcpy(host, s + 1, hl - 2);
		host[hl - 2] = 0;
	} else {
		memcpy(host, s, hl);
		host[hl] = 0;
	}
	unsigned long p = 0;
	for (const char *c = colon + 1; c < s + n; c++) {
		if (*c < '0' || *c > '9' || (p = p * 10 + (unsigned long)(*c - '0')) > 65535)
			return 0;
	}
	*port = (uint16_t)p;
	if (inet_pton(AF_INET, host, a) == 1)
		return 4;
	return inet_pton(AF_INET6, host, a) == 1 ? 16 : 0;
}

static int parse_stream(struct follow *f, const char *s)
{
	char *end;
	if (s[0] >= '0' && s[0] <= '9') {
		unsigned long v = strtoul(s, &end, 10);
		if (*end == 0 && v <= 0xffffffffu) {
			f->want = (long)v;
			return 0;
		}
		if (!strchr(s, ','))
			return -1;
	}
	const char *comma = strchr(s, ',');
	if (!comma)
		return -1;
	int a = parse_end(s, (size_t)(comma - s), f->addr[0], &f->port[0]);
	int b = parse_end(comma + 1, strlen(comma + 1), f->addr[1], &f->port[1]);
	if (!a || a != b)
		return -1;
	f->alen = (uint8_t)a;
	f->want = -1;
	return 0;
}

/* Returns whether the stream between ends e is the one asked for. */
static int wanted(const struct follow *f, uint32_t id, const struct wire_reasm_ends *e)
{
	if (f->want >= 0)
		return (long)id == f->want;
	if (e->alen != f->alen)
		return 0;
	for (int x = 0; x < 2; x++)
		if (!memcmp(e->addr[0], f->addr[x], f->alen) && e->port[0] == f->port[x] &&
		    !memcmp(e->addr[1], f->addr[!x], f->alen) && e->port[1] == f->port[!x])
			return 1;
	return 0;
}

static void put_ascii(struct wire_sink *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wire_sink_putc(o, (p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' ? (char)p[i] : '.');
}

static void put_hex(struct follow *f, int dir, const uint8_t *p, size_t n)
{
	for (size_t at = 0; at < n; at += 16) {
		size_t k = n - at < 16 ? n - at : 16;
		wire_sink_printf(f->out, "%s%08llx ", dir ? "\t" : "",
		                 (unsigned long long)(f->hexoff[dir] + at));
		for (size_t i = 0; i < 16; i++) {
			if (i < k)
				wire_sink_printf(f->out, " %02x", p[at + i]);
			else
				wire_sink_puts(f->out, "   ");
		}
		wire_sink_puts(f->out, "  ");
		for (size_t i = 0; i < k; i++)
			wire_sink_putc(
			    f->out, p[at + i] >= 0x20 && p[at + i] < 0x7f ? (char)p[at + i] : '.');
		wire_sink_putc(f->out, '\n');
	}
	f->hexoff[dir] += n;
}

static void on_ev(void *ud, const struct wire_reasm_event *ev)
{
	struct follow *f = ud;
	if (ev->kind == WIRE_REASM_NEW) {
		if (f->chosen < 0 && wanted(f, ev->stream, ev->ends))
			f->chosen = ev->stream;
		return;
	}
	if ((long)ev->stream != f->chosen || !(f->dirs & (1 << ev->dir)))
		return;
	if (ev->kind == WIRE_REASM_GAP) {
		f->gaps++;
		f->gap_bytes += ev->len;
		if (f->mode != F_RAW)
			wire_sink_printf(f->out, "[%zu bytes missing]\n", ev->len);
		if (f->mode == F_HEX)
			f->hexoff[ev->dir] += ev->len;
		return;
	}
	if (ev->kind != WIRE_REASM_DATA)
		return;
	f->bytes += ev->len;
	if (f->mode == F_RAW)
		wire_sink_write(f->out, ev->data, ev->len);
	else if (f->mode == F_ASCII)
		put_ascii(f->out, ev->data, ev->len);
	else
		put_hex(f, ev->dir, ev->data, ev->len);
}

static int parse_mode(struct follow *f, const char *as, const char *dir)
{
	if (!as || !strcmp(as, "raw"))
		f->mode = F_RAW;
	else if (!strcmp(as, "ascii"))
		f->mode = F_ASCII;
	else if (!strcmp(as, "hex"))
		f->mode = F_HEX;
	else
		return -1;
	if (!dir || !strcmp(dir, "both"))
		f->dirs = 3;
	else if (!strcmp(dir, "c2s"))
		f->dirs = 1;
	else if (!strcmp(dir, "s2c"))
		f->dirs = 2;
	else
		return -2;
	return 0;
}

struct follow *follow_new(const char *stream, const char *as, const char *dir, const char *cmd,
                          int *status)
{
	struct follow *f = calloc(1, sizeof(*f));
	*status = WIRE_EXIT_FAIL;
	if (!f) {
		cli_err("%s: out of memory", cmd);
		return NULL;
	}
	f->cmd = cmd;
	f->chosen = -1;
	int rc = parse_mode(f, as, dir);
	if (rc == 0 && parse_stream(f, stream) < 0)
		rc = -3;
	if (rc < 0) {
		*status = WIRE_EXIT_USAGE;
		if (rc == -1)
			cli_usage_err(cmd, "%s: --follow-as wants raw, ascii or hex, not '%s'", cmd,
			              as);
		else if (rc == -2)
			cli_usage_err(cmd, "%s: --direction wants c2s, s2c or both, not '%s'", cmd,
			              dir);
		else
			cli_usage_err(cmd,
			              "%s: --follow wants a stream number or ADDR:PORT,ADDR:PORT, "
			              "not '%s'",
			              cmd, stream);
		free(f);
		return NULL;
	}
	f->r = wire_reasm_new(NULL, on_ev, f);
	if (!f->r) {
		cli_err("%s: out of memory", cmd);
		free(f);
		return NULL;
	}
	*status = 0;
	return f;
}

void follow_output(struct follow *f, struct wire_sink *out)
{
	f->out = out;
}

void follow_packet(struct follow *f, const struct wire_pkt *pkt)
{
	struct wire_dissect d;
	wire_dissect(&d, pkt);
	if (d.tp < 0 || d.ip < 0 || d.frag || d.l[d.tp].kind != WIRE_L_TCP ||
	    d.l[d.tp].status != WIRE_LS_OK || d.l[d.tp].quoted)
		return;
	const struct wire_layer *ip = &d.l[d.ip];
	const struct wire_tcp *t = &d.l[d.tp].u.tcp;
	struct wire_reasm_seg g = {
	    .sport = t->sport,
	    .dport = t->dport,
	    .seq = t->seq,
	    .ack = t->ack,
	    .flags = t->flags,
	    .data = pkt->data + d.tp_off,
	    .len = d.tp_len,
	};
	if (ip->kind == WIRE_L_IPV4) {
		g.alen = 4;
		g.src = ip->u.ip4.src;
		g.dst = ip->u.ip4.dst;
	} else if (ip->kind == WIRE_L_IPV6) {
		g.alen = 16;
		g.src = ip->u.ip6.src;
		g.dst = ip->u.ip6.dst;
	} else {
		return;
	}
	wire_reasm_feed(f->r, &g);
}

int follow_finish(struct follow *f)
{
	if (!f)
		return 0;
	if (!f->out) { /* never started */
		wire_reasm_free(f->r);
		free(f);
		return 0;
	}
	wire_reasm_finish(f->r);
	const struct wire_reasm_stats *st = wire_reasm_stats(f->r);
	int rc = wire_sink_flush(f->out);
	if (f->chosen < 0)
		cli_err("%s: no such TCP stream in the file (%llu streams)", f->cmd,
		        (unsigned long long)st->streams);
	else if (f->gap_bytes)
		cli_err("%s: stream %ld: %llu bytes missing in %llu gaps (not written)", f->cmd,
		        f->chosen, (unsigned long long)f->gap_bytes, (unsigned long long)f->gaps);
	if (st->conflict_bytes)
		cli_err("%s: %llu bytes came again with other content (the first copy is kept)",
		        f->cmd, (unsigned long long)st->conflict_bytes);
	if (st->evicted || st->mem_flushes)
		cli_err("%s: reassembly limits reached: %llu streams evicted, %llu queues flushed",
		        f->cmd, (unsigned long long)st->evicted,
		        (unsigned long long)st->mem_flushes);
	wire_reasm_free(f->r);
	free(f);
	return rc;
}
