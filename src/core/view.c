/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The page of `wirecat view --html` (include/wire/view.h): the template from
 * web/ with the style sheet, the capture as JSON and the script put in at
 * its markers. Each packet is dissected once for its addresses and TCP/UDP
 * fields, and printed by two printers of the file's whole run (so relative
 * sequence numbers and the like come out as `read` prints them): the line
 * printer for the summary, the tree printer (-V) for the detail. Their
 * output goes to memory sinks emptied after each packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "print/pr.h"
#include "view_assets.h"
#include "view_int.h"
#include "wire/dissect.h"
#include "wire/err.h"
#include "wire/print.h"
#include "wire/view.h"

int wire_view_json_str(struct wire_sink *s, const void *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	const uint8_t *b = p;
	wire_sink_putc(s, '"');
	for (size_t i = 0; i < n; i++) {
		uint8_t c = b[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			wire_sink_write(s, e, 2);
		} else if (c == '\n') {
			wire_sink_write(s, "\\n", 2);
		} else if (c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&') {
			char e[6] = {'\\', 'u', '0', '0', hx[c >> 4], hx[c & 15]};
			wire_sink_write(s, e, 6);
		} else {
			wire_sink_putc(s, (char)c);
		}
	}
	return wire_sink_putc(s, '"');
}

static int view_pr_open(struct view_pr *v, enum wire_print_mode mode, int abs_seq)
{
	struct wire_print_opts o = {.mode = mode, .tfmt = WIRE_TIME_NONE, .abs_seq = abs_seq};
	wire_buf_init(&v->mem, WIRE_VIEW_PKT_TEXT_MAX);
	wire_sink_init_mem(&v->sink, &v->mem);
	return wire_printer_new(&v->p, &o, &v->sink);
}

static void view_pr_close(struct view_pr *v)
{
	if (v->p)
		wire_printer_free(v->p);
	wire_buf_free(&v->mem);
}

/* Prints pkt with v's printer and writes the text as a JSON string member. */
static void view_pr_field(struct view_pr *v, struct wire_sink *out, const char *key,
                          const struct wire_pkt *pkt)
{
	wire_buf_reset(&v->mem);
	v->sink.n = 0;
	v->sink.err = 0;
	wire_printer_packet(v->p, pkt);
	wire_sink_flush(&v->sink);
	size_t n = wire_buf_used(&v->mem);
	const uint8_t *t = wire_buf_head(&v->mem);
	while (n && (t[n - 1] == '\n' || t[n - 1] == ' '))
		n--;
	wire_sink_printf(out, ",\"%s\":", key);
	wire_view_json_str(out, t, n);
	if (v->sink.err)
		wire_sink_printf(out, ",\"%s_cut\":1", key);
}

/* The address of layer l (IP, ARP, Ethernet) as text into b (>= 64 bytes). */
static void view_addr(const struct wire_layer *l, int dst, char *b)
{
	b[0] = '\0';
	switch (l->kind) {
	case WIRE_L_IPV4: wire_fmt_ip4(b, dst ? l->u.ip4.dst : l->u.ip4.src); break;
	case WIRE_L_IPV6: wire_fmt_ip6(b, dst ? l->u.ip6.dst : l->u.ip6.src); break;
	case WIRE_L_ARP:
		if (l->u.arp.plen == 4)
			wire_fmt_ip4(b, dst ? l->u.arp.tpa : l->u.arp.spa);
		break;
	case WIRE_L_ETH: wire_fmt_mac(b, dst ? l->u.eth.dst : l->u.eth.src, 6, ':'); break;
	default: break;
	}
}

/* Source and destination (of wire_view_addr_layer). */
static void view_addrs(struct view *v)
{
	const struct wire_layer *l = wire_view_addr_layer(&v->d);
	char a[64] = "", b[64] = "";
	if (l) {
		view_addr(l, 0, a);
		view_addr(l, 1, b);
	}
	wire_sink_puts(v->out, ",\"src\":");
	wire_view_json_str(v->out, a, strlen(a));
	wire_sink_puts(v->out, ",\"dst\":");
	wire_view_json_str(v->out, b, strlen(b));
}

/* The transport fields the ladder needs, of the packet's TCP or UDP header
 * (inside a tunnel: the inner one), else of the outer one even when it is cut
 * or invalid (its ports were read: it is in the conversation). */
static void view_transport(struct view *v)
{
	const struct wire_dissect *d = &v->d;
	const struct wire_layer *l = d->tp >= 0 ? &d->l[d->tp] : NULL;
	for (unsigned i = 0; !l && i < d->n; i++)
		if ((d->l[i].kind == WIRE_L_TCP || d->l[i].kind == WIRE_L_UDP) && !d->l[i].quoted)
			l = &d->l[i];
	if (!l)
		return;
	if (l->status != WIRE_LS_OK)
		wire_sink_puts(v->out, ",\"tpbad\":1");
	if (l->kind == WIRE_L_TCP) {
		const struct wire_tcp *t = &l->u.tcp;
		wire_sink_printf(v->out,
		                 ",\"sp\":%u,\"dp\":%u,\"tcp\":{\"fl\":%u,\"seq\":%u,\"ack\":%u,"
		                 "\"len\":%u,\"win\":%u}",
		                 t->sport, t->dport, t->flags, t->seq, t->ack, t->paylen, t->win);
	} else if (l->kind == WIRE_L_UDP) {
		const struct wire_udp *u = &l->u.udp;
		wire_sink_printf(v->out, ",\"sp\":%u,\"dp\":%u,\"udp\":{\"len\":%u}", u->sport,
		                 u->dport, u->paylen);
	}
}

/* Where each section of the -V tree lies in the bytes: one [offset, length]
 * per layer, and the payload when the tree shows it (as wire_pr_tree). */
static void view_spans(struct view *v)
{
	const struct wire_dissect *d = &v->d;
	wire_sink_puts(v->out, ",\"lo\":[");
	for (unsigned i = 0; i < d->n; i++)
		wire_sink_printf(v->out, "%s[%u,%u]", i ? "," : "", d->l[i].off, d->l[i].len);
	if (d->rest_len > 0 && d->bad < 0)
		wire_sink_printf(v->out, "%s[%u,%u]", d->n ? "," : "", d->rest_off, d->rest_len);
	wire_sink_putc(v->out, ']');
}

static void view_hex(struct wire_sink *s, const struct wire_pkt *pkt)
{
	static const char hx[] = "0123456789abcdef";
	wire_sink_puts(s, ",\"hex\":\"");
	for (uint32_t i = 0; i < pkt->caplen; i++) {
		char e[2] = {hx[pkt->data[i] >> 4], hx[pkt->data[i] & 15]};
		wire_sink_write(s, e, 2);
	}
	wire_sink_putc(s, '"');
}

/* Seconds from the first packet to pkt. */
static double view_rel(const struct view *v, const struct wire_pkt *pkt)
{
	return (double)(pkt->ts.tv_sec - v->t0.tv_sec) +
	       (double)(pkt->ts.tv_nsec - v->t0.tv_nsec) / 1e9;
}

void wire_view_row(struct view *v, const struct wire_pkt *pkt, int detail)
{
	struct wire_sink *o = v->out;
	double t = view_rel(v, pkt);
	wire_dissect(&v->d, pkt);
	const char *proto = v->d.n ? wire_layer_name(v->d.l[v->d.n - 1].kind) : "?";
	wire_sink_printf(o, "{\"n\":%llu,\"t\":%.6f,\"len\":%u,\"cap\":%u,\"p\":\"%s\"",
	                 (unsigned long long)pkt->num, t, pkt->wirelen, pkt->caplen, proto);
	wire_sink_puts(o, ",\"ls\":\"");
	for (unsigned i = 0; i < v->d.n; i++)
		wire_sink_printf(o, "%s%s", i ? "," : "", wire_layer_name(v->d.l[i].kind));
	wire_sink_putc(o, '"');
	view_spans(v);
	wire_view_fields(o, &v->d);
	view_addrs(v);
	view_transport(v);
	view_pr_field(&v->line, o, "info", pkt);
	if (detail) {
		view_pr_field(&v->tree, o, "tree", pkt);
		view_hex(o, pkt);
	}
	if (v->ev >= 0)
		wire_sink_printf(o, ",\"ev\":%lld", v->ev);
	wire_sink_putc(o, '}');
}

static void view_packet(struct view *v, const struct wire_pkt *pkt)
{
	if (pkt->num == 1)
		v->t0 = pkt->ts;
	else
		wire_sink_putc(v->out, ',');
	wire_sink_putc(v->out, '\n');
	wire_view_row(v, pkt, 1);
	if (v->io)
		wire_view_io_add(v->io, view_rel(v, pkt), pkt->wirelen);
}

void wire_view_io_member(struct wire_sink *o, const struct view *v)
{
	if (!v->io)
		return;
	wire_sink_puts(o, ",\"io\":");
	wire_view_io_json(o, v->io, wire_view_io_shown(v->io, 0));
}

void wire_view_packet(struct view *v, const struct wire_pkt *pkt, long long ev)
{
	v->ev = ev;
	view_packet(v, pkt);
	v->ev = -1;
}

/* Writes the template from *pos up to marker (or to its end when NULL) and
 * moves *pos past the marker. */
static void view_tpl(struct wire_sink *out, const char **pos, const char *marker)
{
	const char *end = marker ? strstr(*pos, marker) : NULL;
	size_t n = end ? (size_t)(end - *pos) : strlen(*pos);
	wire_sink_write(out, *pos, n);
	*pos += n + (end ? strlen(marker) : 0);
}

static int view_packets(struct view *v, struct wire_stats *st, struct wire_pcap_reader *r,
                        uint64_t *npkts, char *why, size_t n)
{
	struct wire_pkt pkt;
	int rc;
	*npkts = 0;
	while ((rc = wire_pcap_next(r, &pkt, why, n)) == 1) {
		if (++*npkts > WIRE_VIEW_HTML_PKTS_MAX)
			return -E2BIG;
		pkt.num = *npkts;
		view_packet(v, &pkt);
		wire_stats_add(st, &v->d, -1);
		if (v->out->err)
			return v->out->err;
	}
	return rc;
}

/* Writes the page, with data() writing the JSON value of the data element;
 * connect is put into the page's Content-Security-Policy (the server's
 * page may fetch from its own origin). */
static int view_page(struct wire_sink *o, int (*data)(void *, struct wire_sink *), void *arg,
                     const char *connect)
{
	const char *pos = (const char *)wire_view_page;
	view_tpl(o, &pos, "<!--@CONNECT@-->");
	wire_sink_puts(o, connect);
	view_tpl(o, &pos, "<!--@STYLE@-->");
	wire_sink_write(o, wire_view_css, wire_view_css_len);
	view_tpl(o, &pos, "<!--@DATA@-->");
	int rc = data(arg, o);
	if (rc < 0)
		return rc;
	view_tpl(o, &pos, "<!--@SRVSCRIPT@-->");
	wire_sink_write(o, wire_view_srv_js, wire_view_srv_js_len);
	view_tpl(o, &pos, "<!--@SCRIPT@-->");
	wire_sink_write(o, wire_view_js, wire_view_js_len);
	view_tpl(o, &pos, NULL);
	return o->err;
}

int wire_view_write_page(struct wire_sink *o, int (*data)(void *, struct wire_sink *), void *arg)
{
	return view_page(o, data, arg, "");
}

struct view_srvdata {
	const char *title;
	int link;
};

static int view_srv_data(void *arg, struct wire_sink *o)
{
	const struct view_srvdata *d = arg;
	wire_sink_puts(o, "{\"file\":");
	wire_view_json_str(o, d->title, strlen(d->title));
	wire_sink_printf(o, ",\"link\":%d,\"server\":1", d->link);
	wire_view_field_tables(o);
	return wire_sink_puts(o, ",\"packets\":[]}");
}

int wire_view_page_server(struct wire_sink *o, const char *title, int link)
{
	struct view_srvdata d = {title, link};
	return view_page(o, view_srv_data, &d, " connect-src 'self';");
}

struct view_cap {
	struct view *v;
	struct wire_stats *st;
	struct wire_pcap_reader *r;
	const char *title;
	uint64_t *npkts;
	char *why;
	size_t n;
};

static int view_cap_data(void *arg, struct wire_sink *o)
{
	struct view_cap *c = arg;
	wire_sink_puts(o, "{\"file\":");
	wire_view_json_str(o, c->title, strlen(c->title));
	wire_sink_printf(o, ",\"link\":%d", wire_pcap_linktype(c->r));
	wire_view_field_tables(o);
	wire_sink_puts(o, ",\"packets\":[");
	int rc = view_packets(c->v, c->st, c->r, c->npkts, c->why, c->n);
	if (rc < 0)
		return rc;
	wire_sink_puts(o, "\n]");
	wire_view_io_member(o, c->v);
	wire_sink_puts(o, ",\"hier\":");
	wire_stats_hier_json(c->st, o);
	wire_sink_puts(o, ",\"convs\":");
	wire_stats_convs_json(c->st, o, WIRE_VIEW_CONVS_SHOWN);
	return wire_sink_puts(o, "}");
}

int wire_view_open(struct view **vp, int abs_seq)
{
	struct view *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->ev = -1;
	int rc = view_pr_open(&v->line, WIRE_PRINT_LINE, abs_seq);
	if (rc == 0)
		rc = view_pr_open(&v->tree, WIRE_PRINT_TREE, abs_seq);
	if (rc < 0) {
		wire_view_close(v);
		return rc;
	}
	*vp = v;
	return 0;
}

int wire_view_reset_tree(struct view *v)
{
	view_pr_close(&v->tree);
	return view_pr_open(&v->tree, WIRE_PRINT_TREE, 1);
}

void wire_view_tree_feed(struct view *v, const struct wire_pkt *pkt)
{
	wire_buf_reset(&v->tree.mem);
	v->tree.sink.n = 0;
	v->tree.sink.err = 0;
	wire_printer_packet(v->tree.p, pkt);
	v->tree.sink.n = 0;
	wire_buf_reset(&v->tree.mem);
}

void wire_view_close(struct view *v)
{
	if (!v)
		return;
	view_pr_close(&v->line);
	view_pr_close(&v->tree);
	free(v);
}

struct view *wire_view_new(struct wire_sink *out)
{
	struct view *v;
	if (wire_view_open(&v, 0) < 0)
		return NULL;
	v->out = out;
	return v;
}

void wire_view_free(struct view *v)
{
	wire_view_close(v);
}

int wire_view_html(struct wire_pcap_reader *r, const char *title, struct wire_sink *out,
                   uint64_t *npkts, char *why, size_t n)
{
	struct view *v = wire_view_new(out);
	if (!v)
		return -ENOMEM;
	struct view_cap c = {v, NULL, r, title, npkts, why, n};
	struct view_io *io = calloc(1, sizeof(*io));
	int rc = io ? wire_stats_new(&c.st) : -ENOMEM;
	v->io = io;
	if (rc == 0)
		rc = view_page(out, view_cap_data, &c, "");
	v->io = NULL;
	free(io);
	wire_stats_free(c.st);
	wire_view_free(v);
	return rc;
}
