/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The packet printer entry (include/wire/print.h): takes each packet's one
 * dissection (made by the caller, or here by wire_printer_packet) and hands
 * it to the selected view
 * (line.c, tree.c, json.c), the dumps (tcpdump.c, hex.c) and the statistics
 * (stats.c). Nothing is allocated per packet.
 */
#include <errno.h>
#include <stdlib.h>

#include "pr.h"
#include "wire/udpnum.h"
#include "wire/streamdec.h"

/* TCP analysis costs the one-line path about 15% of its CPU time (1M packets
 * of bench/decode.sh's mix: 0.49 s -> 0.57 s), so there it runs only when
 * asked for (--analysis). */
static int wants_analysis(const struct wire_print_opts *o)
{
	return o->analysis || o->stats || o->mode == WIRE_PRINT_TREE || o->mode == WIRE_PRINT_JSON;
}

int wire_printer_new(struct wire_printer **pp, const struct wire_print_opts *o,
                     struct wire_sink *out)
{
	struct wire_printer *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->o = *o;
	p->out = out;
	p->ta_at = -1;
	if ((o->stats && wire_stats_new(&p->stats) < 0) ||
	    (o->stats && wire_expert_new(&p->expert) < 0) ||
	    (wants_analysis(o) && !(p->tcpa = wire_tcpa_new())) ||
	    (o->mode == WIRE_PRINT_JSON && !(p->udpn = wire_udpnum_new())) ||
	    (o->resolve && wire_names_new(&p->names) < 0) || !(p->dns = malloc(sizeof(*p->dns))) ||
	    ((o->mode == WIRE_PRINT_LINE || o->mode == WIRE_PRINT_TREE) &&
	     !(p->tcpseq = calloc(WIRE_TCPSEQ_MAX, sizeof(*p->tcpseq))))) {
		wire_stats_free(p->stats);
		wire_expert_free(p->expert);
		wire_tcpa_free(p->tcpa);
		wire_udpnum_free(p->udpn);
		wire_names_free(p->names);
		free(p->dns);
		free(p);
		return -ENOMEM;
	}
	*pp = p;
	return 0;
}

void wire_pkt_as_shown(struct wire_pkt *pkt)
{
	if (pkt->caplen > pkt->wirelen)
		pkt->wirelen = pkt->caplen;
	if (!pkt->data)
		pkt->caplen = 0;
}

void wire_printer_prepare(struct wire_printer *p, struct wire_dissect *d)
{
	if (p->app)
		wire_appdec_frame(p->app, d);
	wire_pr_analyse(p, d);
	p->udp_last = -1;
	/* a fragment that completes no datagram: tshark (reassembling) shows
	 * no UDP there and numbers none */
	p->udp_stream = p->udpn && !(d->frag && !d->re) ? wire_udpnum_dissect(p->udpn, d) : -1;
	for (int i = (int)d->n - 1; p->udp_stream >= 0 && i > 0 && p->udp_last < 0; i--)
		if (d->l[i].kind == WIRE_L_UDP)
			p->udp_last = i;
}

const struct wire_tcpa_res *wire_printer_analysis(const struct wire_printer *p)
{
	return p->tcpa ? &p->ta : NULL;
}

int wire_printer_show(struct wire_printer *p, const struct wire_dissect *d)
{
	wire_pr_expert(p, d);
	if (p->stats)
		wire_stats_add(p->stats, d, p->ta.seg ? (long)p->ta.stream : -1);
	switch (p->o.mode) {
	case WIRE_PRINT_LINE: wire_pr_line(p, d); break;
	case WIRE_PRINT_TREE: wire_pr_tree(p, d); break;
	case WIRE_PRINT_JSON: wire_pr_json(p, d); return p->out->err;
	case WIRE_PRINT_NONE:
	default: return p->out->err;
	}
	if (p->o.hex || p->o.xhex || p->o.ascii) {
		wire_pr_dumps(p, d);
	} else if (p->o.payload_hex && d->tp >= 0 && d->tp_len > 0) {
		const struct wire_pkt *b = wire_layer_pkt(d, (unsigned)d->tp);
		wire_pr_hexdump(p->out, b->data + d->tp_off, d->tp_len);
	}
	if (p->o.mode == WIRE_PRINT_TREE)
		wire_sink_putc(p->out, '\n');
	return p->out->err;
}

int wire_printer_packet(struct wire_printer *p, const struct wire_pkt *pkt)
{
	struct wire_dissect d;
	struct wire_pkt copy = *pkt;
	wire_pkt_as_shown(&copy);
	wire_dissect_ex(&d, &copy, p->dns);
	wire_printer_prepare(p, &d);
	return wire_printer_show(p, &d);
}

void wire_printer_set_appdec(struct wire_printer *p, struct wire_appdec *a)
{
	p->app = a;
}

int wire_printer_finish(struct wire_printer *p)
{
	if (p->stats)
		wire_stats_print(p->stats, p->out);
	if (p->expert)
		wire_expert_print(p->expert, p->out, wire_tcpa_stats(p->tcpa)->segments);
	return wire_sink_flush(p->out);
}

void wire_printer_free(struct wire_printer *p)
{
	if (!p)
		return;
	wire_stats_free(p->stats);
	wire_expert_free(p->expert);
	wire_tcpa_free(p->tcpa);
	wire_udpnum_free(p->udpn);
	wire_names_free(p->names);
	free(p->tcpseq);
	free(p->dns);
	free(p);
}
