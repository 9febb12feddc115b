/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where each field of the -V tree lies in the bytes, for the page of
 * `wirecat view` (src/core/view.c): [label, offset, length] with the label
 * exactly as the tree printer (print/tree.c) writes it. The fixed-offset
 * headers come from one table per layer kind (offsets from the layer's
 * start), written once per page ("ft"); each packet's layers say their kind
 * and where they start, and list what is laid out as it comes (ARP's
 * addresses, TCP options, IPv4 options, the TCP payload), with offsets from
 * the packet's first byte ("fo").
 * A label that appears more than once in a layer (TCP "Option") is listed in
 * the tree's order; the page pairs them up by their order.
 */
#include <string.h>

#include "view_int.h"
#include "wire/dissect.h"

struct vf {
	const char *label;
	uint8_t off, len;
};

static const struct vf f_eth[] = {
    {"Dest MAC", 0, 6}, {"Source MAC", 6, 6}, {"Type", 12, 2}, {"Length", 12, 2}, {NULL, 0, 0}};
static const struct vf f_vlan[] = {
    {"Priority", 0, 1}, {"DEI", 0, 1}, {"VLAN ID", 0, 2}, {"Type", 2, 2}, {NULL, 0, 0}};
static const struct vf f_ip4[] = {{"Version", 0, 1},
                                  {"Header length", 0, 1},
                                  {"TOS", 1, 1},
                                  {"Total length", 2, 2},
                                  {"Identification", 4, 2},
                                  {"Flags", 6, 2},
                                  {"Fragment offset", 6, 2},
                                  {"TTL", 8, 1},
                                  {"Protocol", 9, 1},
                                  {"Checksum", 10, 2},
                                  {"Source IP", 12, 4},
                                  {"Dest IP", 16, 4},
                                  {NULL, 0, 0}};
static const struct vf f_ip6[] = {
    {"Version", 0, 1},        {"Traffic class", 0, 2}, {"Flow label", 1, 3},
    {"Payload length", 4, 2}, {"Next header", 6, 1},   {"Hop limit", 7, 1},
    {"Source IP", 8, 16},     {"Dest IP", 24, 16},     {NULL, 0, 0}};
static const struct vf f_ip6ext[] = {{"Next header", 0, 1},    {"Length", 1, 1},
                                     {"Routing type", 2, 1},   {"Segments left", 3, 1},
                                     {"Offset", 2, 2},         {"More fragments", 3, 1},
                                     {"Identification", 4, 4}, {NULL, 0, 0}};
static const struct vf f_icmp[] = {{"Type", 0, 1},       {"Code", 1, 1},     {"Checksum", 2, 2},
                                   {"Identifier", 4, 2}, {"Sequence", 6, 2}, {"Gateway", 4, 4},
                                   {"Pointer", 4, 1},    {NULL, 0, 0}};
static const struct vf f_icmp6[] = {{"Type", 0, 1},
                                    {"Code", 1, 1},
                                    {"Checksum", 2, 2},
                                    {"Identifier", 4, 2},
                                    {"Sequence", 6, 2},
                                    {"MTU", 4, 4},
                                    {"Pointer", 4, 4},
                                    {"Cur hop limit", 4, 1},
                                    {"Router lifetime", 6, 2},
                                    {"Target", 8, 16},
                                    {NULL, 0, 0}};
static const struct vf f_tcp[] = {
    {"Source port", 0, 2},     {"Dest port", 2, 2}, {"Sequence number", 4, 4}, {"Ack number", 8, 4},
    {"Header length", 12, 1},  {"Flags", 12, 2},    {"Window", 14, 2},         {"Checksum", 16, 2},
    {"Urgent pointer", 18, 2}, {NULL, 0, 0}};
static const struct vf f_udp[] = {
    {"Source port", 0, 2}, {"Dest port", 2, 2}, {"Length", 4, 2}, {"Checksum", 6, 2}, {NULL, 0, 0}};
static const struct vf f_dns[] = {
    {"Transaction ID", 0, 2}, {"Flags", 2, 2},           {"Questions", 4, 2}, {"Answer RRs", 6, 2},
    {"Authority RRs", 8, 2},  {"Additional RRs", 10, 2}, {NULL, 0, 0}};
static const struct vf f_arp[] = {{"Hardware type", 0, 2}, {"Protocol type", 2, 2},
                                  {"Hardware size", 4, 1}, {"Protocol size", 5, 1},
                                  {"Opcode", 6, 2},        {NULL, 0, 0}};

static const struct vf *const f_tab[WIRE_L_COUNT] = {
    [WIRE_L_ETH] = f_eth,   [WIRE_L_VLAN] = f_vlan,   [WIRE_L_ARP] = f_arp,
    [WIRE_L_IPV4] = f_ip4,  [WIRE_L_IPV6] = f_ip6,    [WIRE_L_IP6EXT] = f_ip6ext,
    [WIRE_L_ICMP] = f_icmp, [WIRE_L_ICMP6] = f_icmp6, [WIRE_L_TCP] = f_tcp,
    [WIRE_L_UDP] = f_udp,   [WIRE_L_DNS] = f_dns,
};

static void vf_one(struct wire_sink *o, int *first, const char *label, uint32_t off, uint32_t len)
{
	wire_sink_printf(o, "%s[\"%s\",%u,%u]", *first ? "" : ",", label, off, len);
	*first = 0;
}

/* ARP's addresses follow its sizes: sha spa tha tpa. */
static void vf_arp(struct wire_sink *o, int *first, const struct wire_layer *l)
{
	uint32_t h = l->u.arp.hlen, p = l->u.arp.plen, at = l->off + 8;
	vf_one(o, first, "Source MAC", at, h);
	vf_one(o, first, "Source IP", at + h, p);
	vf_one(o, first, "Dest MAC", at + h + p, h);
	vf_one(o, first, "Dest IP", at + 2 * h + p, p);
}

/* TCP options one after another from byte 20, in the tree's order, then the
 * payload (the tree's "Payload length" line). */
static void vf_tcp(struct wire_sink *o, int *first, const struct wire_dissect *d,
                   const struct wire_layer *l)
{
	const struct wire_tcp *t = &l->u.tcp;
	uint32_t at = l->off + 20;
	for (unsigned k = 0; k < t->opt_n && t->opt_first + k < d->ntopt; k++) {
		const struct wire_tcpopt *e = &d->topt[t->opt_first + k];
		uint32_t n = e->len ? e->len : 1;
		vf_one(o, first, "Option", at, n);
		at += n;
	}
	vf_one(o, first, "Payload length", l->off + t->doff, t->paylen);
}

/* The fields of layer l: [kind, base, dynamic entries...]: the page adds
 * base to the offsets of its kind's table (wire_view_field_tables), then
 * takes what is laid out as it comes. */
static void vf_layer(struct wire_sink *o, const struct wire_dissect *d, const struct wire_layer *l)
{
	const struct vf *f = l->kind < WIRE_L_COUNT ? f_tab[l->kind] : NULL;
	uint32_t base = l->off + (l->kind == WIRE_L_DNS && l->u.dns.tcp ? 2u : 0u);
	int first = 0;
	wire_sink_printf(o, "%d,%u", f ? (int)l->kind : -1, base);
	if (l->status == WIRE_LS_INVALID)
		return;
	if (l->kind == WIRE_L_ARP)
		vf_arp(o, &first, l);
	else if (l->kind == WIRE_L_TCP && l->status == WIRE_LS_OK)
		vf_tcp(o, &first, d, l);
	else if (l->kind == WIRE_L_IPV4 && l->u.ip4.optlen)
		vf_one(o, &first, "Options length", l->off + 20, l->u.ip4.optlen);
}

void wire_view_fields(struct wire_sink *o, const struct wire_dissect *d)
{
	wire_sink_puts(o, ",\"fo\":[");
	for (unsigned i = 0; i < d->n; i++) {
		wire_sink_puts(o, i ? ",[" : "[");
		vf_layer(o, d, &d->l[i]);
		wire_sink_putc(o, ']');
	}
	wire_sink_putc(o, ']');
}

void wire_view_field_tables(struct wire_sink *o)
{
	wire_sink_puts(o, ",\"ft\":[");
	for (unsigned k = 0; k < WIRE_L_COUNT; k++) {
		int first = 1;
		wire_sink_puts(o, k ? ",[" : "[");
		for (const struct vf *f = f_tab[k]; f && f->label; f++)
			vf_one(o, &first, f->label, f->off, f->len);
		wire_sink_putc(o, ']');
	}
	wire_sink_putc(o, ']');
}
