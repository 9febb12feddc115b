/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capture filters (include/wire/filter.h): libpcap's compiler over a dead
 * handle of the capture's link type, so `sniff` and `read` speak exactly
 * tcpdump's language and produce its programs (-d prints them with
 * bpf_image, as tcpdump does). For Linux cooked captures the kernel filters
 * the packet from its network header on, so the program is rewritten the way
 * libpcap's pcap-linux.c rewrites it (fix_offset): loads from the cooked
 * header become SKF_AD_* ancillary loads, loads past it shift down by the
 * header length, and a load the kernel cannot serve sends the filter to user
 * space. So does a filter on VLAN tags: the kernel sees frames with the tag
 * already stripped into metadata, user space sees it put back.
 */
#include <errno.h>
#include <linux/filter.h>
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/err.h"
#include "wire/filter.h"

#define SLL_HDR_LEN 16u
#define SLL2_HDR_LEN 20u

struct wire_filter {
	struct bpf_program prog;
	int linktype;
	int vlan; /* the expression tests 802.1Q tags */
};

_Static_assert(sizeof(struct wire_bpf_insn) == sizeof(struct bpf_insn), "bpf_insn layout");
_Static_assert(sizeof(struct wire_bpf_insn) == sizeof(struct sock_filter), "sock_filter layout");

/* Returns the DLT_ value libpcap uses for a LINKTYPE_ value. */
static int linktype_to_dlt(int lt)
{
	return lt == WIRE_LINK_RAW ? DLT_RAW : lt;
}

int wire_filter_compile(struct wire_filter **fp, const char *expr, int linktype, unsigned snaplen,
                        char *why, size_t n)
{
	struct wire_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	pcap_t *dead = pcap_open_dead(linktype_to_dlt(linktype), (int)snaplen);
	if (!dead) {
		free(f);
		return -ENOMEM;
	}
	if (pcap_compile(dead, &f->prog, expr ? expr : "", 1, PCAP_NETMASK_UNKNOWN) < 0) {
		if (why && n)
			snprintf(why, n, "%s", pcap_geterr(dead));
		pcap_close(dead);
		free(f);
		return WIRE_E_USAGE;
	}
	pcap_close(dead);
	f->linktype = linktype;
	f->vlan = expr && strstr(expr, "vlan") != NULL;
	*fp = f;
	return 0;
}

int wire_filter_match(const struct wire_filter *f, const struct wire_pkt *pkt)
{
	return bpf_filter(f->prog.bf_insns, pkt->data, pkt->wirelen, pkt->caplen) != 0;
}

int wire_filter_dump(const struct wire_filter *f, struct wire_sink *out)
{
	for (u_int i = 0; i < f->prog.bf_len; i++) {
		char *s = bpf_image(&f->prog.bf_insns[i], (int)i);
		wire_sink_puts(out, s);
		wire_sink_putc(out, '\n');
	}
	return wire_sink_flush(out);
}

/* Rewrites one load for the kernel's view of a cooked packet (libpcap's
 * fix_offset). Returns 0, or -1 when the kernel cannot serve the load. */
static int fix_offset(int linktype, struct wire_bpf_insn *p)
{
	if (p->k >= (uint32_t)SKF_AD_OFF)
		return 0; /* already ancillary */
	if (linktype == WIRE_LINK_LINUX_SLL2) {
		if (p->k >= SLL2_HDR_LEN)
			p->k -= SLL2_HDR_LEN;
		else if (p->k == 0)
			p->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL);
		else if (p->k == 4)
			p->k = (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX);
		else if (p->k == 10)
			p->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE);
		else if ((int32_t)p->k > 0)
			return -1;
	} else {
		if (p->k >= SLL_HDR_LEN)
			p->k -= SLL_HDR_LEN;
		else if (p->k == 0)
			p->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE);
		else if (p->k == 14)
			p->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL);
		else if ((int32_t)p->k > 0)
			return -1;
	}
	return 0;
}

int wire_filter_kernel_prog(const struct wire_filter *f, struct wire_bpf_insn **insns, size_t *n)
{
	size_t len = f->prog.bf_len;
	struct wire_bpf_insn *c = malloc(len * sizeof(*c));
	if (!c)
		return -ENOMEM;
	memcpy(c, f->prog.bf_insns, len * sizeof(*c));
	int cooked = f->linktype == WIRE_LINK_LINUX_SLL || f->linktype == WIRE_LINK_LINUX_SLL2;
	/* The kernel filter sees frames whose VLAN tag the NIC or the stack has
	 * already moved into metadata (capture.c puts it back afterwards), so a
	 * program that reads tags in line must run in user space. */
	if (f->vlan) {
		free(c);
		return 1;
	}
	for (size_t i = 0; cooked && i < len; i++) {
		uint16_t cls = BPF_CLASS(c[i].code), mode = BPF_MODE(c[i].code);
		if ((cls == BPF_LD || cls == BPF_LDX) &&
		    (mode == BPF_ABS || mode == BPF_IND || mode == BPF_MSH)) {
			if (fix_offset(f->linktype, &c[i]) < 0) {
				free(c);
				return 1;
			}
		}
	}
	*insns = c;
	*n = len;
	return 0;
}

void wire_filter_free(struct wire_filter *f)
{
	if (!f)
		return;
	pcap_freecode(&f->prog);
	free(f);
}
