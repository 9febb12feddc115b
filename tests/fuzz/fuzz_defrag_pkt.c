/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the defragmenter fed by a packet stream
 * (src/core/defrag_pkt.c, as `read --defrag` uses it). The first byte picks
 * the link type (raw IP or Ethernet) and small limits; the rest is records of
 * a 2-byte big-endian length, a 1-byte time step in seconds, then the packet.
 * Every packet is fed; a reassembled one is dissected again. It checks:
 *   - a reassembled packet is no longer than its prefix plus 65535 bytes,
 *     its IP layer is where the last fragment's was, and an IPv4 one has a
 *     header checksum that verifies and no fragment offset or MF;
 *   - the bytes held never exceed the cap; nothing is left after finish;
 *   - a second defragger fed through wire_defragger_dissect completes the
 *     same packets, keeps the frame's own layers up to the fragment and puts
 *     the datagram's after them, and that dissection prints in every view.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/defrag.h"
#include "wire/dissect.h"
#include "wire/packet.h"
#include "wire/print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

static void check_shown(const struct wire_pkt *in, const struct wire_pkt *out)
{
	struct wire_dissect a, b;
	wire_dissect(&a, in);
	wire_dissect(&b, out);
	check(a.ip >= 0 && b.ip >= 0 && a.l[a.ip].off == b.l[b.ip].off);
	check(out->caplen <= a.l[a.ip].off + 40u + 65535u);
	const struct wire_layer *l = &b.l[b.ip];
	if (l->kind == WIRE_L_IPV4 && l->status == WIRE_LS_OK) {
		check(l->u.ip4.csum_st == WIRE_CSUM_OK);
		check((l->u.ip4.frag & 0x3fffu) == 0);
		check(l->u.ip4.len == out->caplen - l->off);
	}
}

static struct wire_dissect fd;
static struct wire_dns_msg dns;

/* The one dissection read -V/--json makes: rc as wire_defragger_packet's,
 * the layers in bounds, every view printing it. */
static void check_dissect(struct wire_defragger *g, struct wire_printer **pr,
                          const struct wire_pkt *pkt, int want)
{
	check(wire_defragger_dissect(g, &fd, pkt, &dns) == want);
	check(fd.n <= WIRE_DISSECT_DEPTH_MAX && (want == 1) == (fd.re != NULL));
	if (fd.re)
		check(fd.re_from > 0 && fd.re_from <= fd.n && fd.ip >= 0 && fd.ip < fd.re_from);
	check(fd.tp < (int)fd.n && fd.bad < (int)fd.n);
	for (unsigned m = 0; m < 3; m++) {
		wire_printer_prepare(pr[m], &fd);
		check(wire_printer_show(pr[m], &fd) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct wire_defrag_limits lim;
	wire_defrag_defaults(&lim);
	if (data[0] & 2) {
		lim.queues_max = 4;
		lim.frags_max = 8;
		lim.mem_max = 8192;
	}
	int link = (data[0] & 1) ? WIRE_LINK_ETHERNET : WIRE_LINK_RAW;
	struct wire_defragger g, g2;
	check(wire_defragger_init(&g, &lim) == 0);
	check(wire_defragger_init(&g2, &lim) == 0);
	static struct wire_sink null;
	static int nullfd = -1;
	if (nullfd < 0)
		nullfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	check(nullfd >= 0);
	wire_sink_init_fd(&null, nullfd);
	struct wire_printer *pr[3];
	for (unsigned m = 0; m < 3; m++) {
		struct wire_print_opts o = {.mode = (enum wire_print_mode)m, .hex = 1};
		check(wire_printer_new(&pr[m], &o, &null) == 0);
	}
	struct timespec ts = {1700000000, 0};
	size_t at = 1;
	uint64_t num = 0;
	while (size - at >= 3) {
		size_t n = (size_t)data[at] << 8 | data[at + 1];
		ts.tv_sec += data[at + 2];
		at += 3;
		if (n > size - at)
			n = size - at;
		/* a copy of exactly n bytes, so ASan sees any read past it */
		uint8_t *copy = malloc(n ? n : 1);
		check(copy != NULL);
		if (n)
			memcpy(copy, data + at, n);
		at += n;
		struct wire_pkt pkt = {.data = copy,
		                       .caplen = (uint32_t)n,
		                       .wirelen = (uint32_t)n,
		                       .ts = ts,
		                       .linktype = link,
		                       .num = ++num};
		const struct wire_pkt *show = NULL;
		int rc = wire_defragger_packet(&g, &pkt, &show);
		check(rc == 0 || rc == 1);
		check(show != NULL && (rc == 1) == (show != &pkt));
		if (rc == 1)
			check_shown(&pkt, show);
		check_dissect(&g2, pr, &pkt, rc);
		check(g.d.held <= g.d.lim.mem_max);
		free(copy);
	}
	wire_defrag_finish(&g.d);
	check(g.d.held == 0 && g.d.nq == 0);
	wire_defragger_free(&g);
	wire_defragger_free(&g2);
	for (unsigned m = 0; m < 3; m++)
		wire_printer_free(pr[m]);
	return 0;
}
