/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capture filters in the tcpdump / libpcap language, compiled by libpcap's
 * own compiler against a link type. The program can be printed (-d), run in
 * user space over a packet record, or turned into the form the Linux socket
 * filter needs (for cooked captures the link-layer header is not in the
 * packet the kernel filters, so loads from it are rewritten to the kernel's
 * ancillary fields, as libpcap does). Attaching is capture.c's business.
 */
#ifndef WIRE_FILTER_H
#define WIRE_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "wire/packet.h"
#include "wire/sink.h"

/* One classic BPF instruction: the layout of struct bpf_insn and of Linux's
 * struct sock_filter. */
struct wire_bpf_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

struct wire_filter;

/* Compiles expr for linktype (WIRE_LINK_*) and snaplen; an empty expr gives
 * the accept-all program. Returns 0 and *fp, WIRE_E_USAGE with libpcap's
 * message in why, or -ENOMEM. */
int wire_filter_compile(struct wire_filter **fp, const char *expr, int linktype, unsigned snaplen,
                        char *why, size_t n);
/* Returns 1 when the packet passes the filter, 0 when it does not. */
int wire_filter_match(const struct wire_filter *f, const struct wire_pkt *pkt);
/* Prints the program one instruction a line, as tcpdump -d does. Returns 0
 * or the sink's error. */
int wire_filter_dump(const struct wire_filter *f, struct wire_sink *out);
/* Makes the program the Linux socket filter runs: for the cooked link types
 * (SLL, SLL2) offsets into the cooked header become ancillary loads and the
 * rest shift down. Returns 0 with a malloc'd copy in *insns and its length in
 * *n, 1 when the kernel cannot run it (it reads a part of the cooked header
 * the kernel cannot give, or tests VLAN tags, which the kernel has stripped):
 * filter in user space instead; or -ENOMEM. */
int wire_filter_kernel_prog(const struct wire_filter *f, struct wire_bpf_insn **insns, size_t *n);
/* Frees the program. */
void wire_filter_free(struct wire_filter *f);

#endif
