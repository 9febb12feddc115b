/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internals shared by the printers in src/core/print/: the printer state,
 * small formatting helpers that write straight into the sink (no snprintf on
 * the hot path), and each view's entry point. Not a public header.
 */
#ifndef WIRE_PR_H
#define WIRE_PR_H

#include <stdint.h>
#include <time.h>

#include "wire/dissect.h"
#include "wire/print.h"
#include "wire/sink.h"
#include "wire/tcpanalysis.h"

struct wire_stats;
struct wire_expert;
struct wire_names;

#define WIRE_NAMES_CACHE 1024u /* -N: addresses whose names are kept */
#define WIRE_TCPSEQ_MAX 4096u  /* TCP conversations whose initial numbers are kept */

/* A TCP conversation's initial sequence numbers, for relative numbers in
 * the line view as tcpdump prints them (line.c). */
struct wire_tcpseq {
	uint8_t used;
	uint8_t a[16], b[16]; /* addresses, lower port's side first */
	uint32_t ports;
	uint32_t seq, ack;
};

struct wire_printer {
	struct wire_print_opts o;
	struct wire_sink *out;
	int have_first;
	struct timespec first, prev;
	time_t hms_sec; /* second that hms holds, for the absolute time cache */
	char hms[12];   /* "HH:MM:SS." */
	int hms_valid;
	struct wire_stats *stats;
	struct wire_names *names;   /* -N only */
	struct wire_tcpseq *tcpseq; /* WIRE_TCPSEQ_MAX entries, line and tree views */
	struct wire_appdec *app;    /* reassembled application layers (not owned), or NULL */
	struct wire_tcpa *tcpa;     /* TCP analysis (tcpanalysis.h) */
	struct wire_expert *expert; /* --stats: the analysis flags counted (expert.c) */
	struct wire_tcpa_res ta;    /* the current packet's analysis (zero if none) */
	int ta_at;                  /* the layer of d->l ta is about, or -1 */
	struct wire_udpnum *udpn;   /* --json: udp.stream numbering */
	int udp_last;               /* the current packet's last UDP layer, or -1 */
	long udp_stream;            /* its udp.stream, or -1 */
	struct wire_dns_msg *dns;   /* wire_printer_packet's DNS records scratch */
};

/* What the line view and tcpdump's flags print with, passed down explicitly
 * as tcpdump passes ndo: the sink, the printer (its -N cache and TCP table)
 * and its options. */
struct wire_lp {
	struct wire_sink *s;
	struct wire_printer *p;
	const struct wire_print_opts *o;
};

/* Writes v in decimal. */
void wire_pr_u(struct wire_sink *s, uint64_t v);
/* Formats v in decimal at o, which has room for 10 bytes (up to 8 may be
 * stored past the digits). Returns the number of digits. */
size_t wire_fmt_u32(char *o, uint32_t v);
/* Writes v as `digits` lowercase hex digits (zero-padded). */
void wire_pr_hex(struct wire_sink *s, uint32_t v, unsigned digits);
/* Writes "0x" and v as `digits` hex digits. */
void wire_pr_0x(struct wire_sink *s, uint32_t v, unsigned digits);
/* Each formats into b (at least 46 bytes) and returns the length. */
size_t wire_fmt_ip4(char *b, const uint8_t *a);
size_t wire_fmt_ip6(char *b, const uint8_t *a);
/* Formats n bytes as hex, with sep between bytes when sep != 0 (b must hold
 * 3n bytes). Returns the length. */
size_t wire_fmt_mac(char *b, const uint8_t *a, size_t n, char sep);
void wire_pr_ip4(struct wire_sink *s, const uint8_t *a);
void wire_pr_ip6(struct wire_sink *s, const uint8_t *a);
void wire_pr_mac(struct wire_sink *s, const uint8_t *a, size_t n, char sep);
/* Writes the time of pkt in the printer's format, followed by a space (nothing
 * for WIRE_TIME_NONE). */
void wire_pr_time(struct wire_printer *p, const struct wire_pkt *pkt);

/* Views. */
void wire_pr_line(struct wire_printer *p, const struct wire_dissect *d);
/* The one-line summary of layers [from, d->n) without time or newline. */
void wire_pr_summary(const struct wire_lp *c, const struct wire_dissect *d, unsigned from);
void wire_pr_tree(struct wire_printer *p, const struct wire_dissect *d);
void wire_pr_json(struct wire_printer *p, const struct wire_dissect *d);
/* tcpdump -X style hex and ASCII of n bytes, offsets from 0. */
void wire_pr_hexdump(struct wire_sink *s, const uint8_t *b, size_t n);
/* The same lines, with the ASCII column only when ascii != 0 (tcpdump -x). */
void wire_pr_hexlines(struct wire_sink *s, const uint8_t *b, size_t n, int ascii);

/* tcpdump's print flags (tcpdump.c). */
/* Each takes the options of the printer whose line is being printed. */
/* -e: the link-level header that starts the line ("src > dst, ethertype
 * IPv4 (0x0800), length 48: "). */
void wire_pr_linkhdr(const struct wire_print_opts *o, struct wire_sink *s,
                     const struct wire_dissect *d);
/* "ethertype IPv4 (0x0800)", or "802.3" for a length. */
void wire_pr_ethertype_named(const struct wire_print_opts *o, struct wire_sink *s, uint16_t type);
/* Returns 1 when -e's link header already named layer i's protocol, so the
 * line leaves out "IP " or "ARP, ". */
int wire_pr_e_said_proto(const struct wire_print_opts *o, const struct wire_dissect *d, unsigned i);
/* -e inside a tunnel, as tcpdump: the header of the inner Ethernet layer i
 * ("src > dst, ethertype IPv4 (0x0800), length 98: "), and Geneve's protocol
 * type (", proto TEB (0x6558)"). */
void wire_pr_inner_eth(const struct wire_print_opts *o, struct wire_sink *s,
                       const struct wire_dissect *d, unsigned i);
void wire_pr_geneve_proto(struct wire_sink *s, uint16_t proto);
/* -v: "(tos 0x0, ttl 64, ..., length 34)\n    " for IPv4 layer i, or
 * "(hlim 64, next-header UDP (17) payload length: 14) " for IPv6 (nothing
 * without -v, for a quoted layer, or one that is cut short or invalid). */
void wire_pr_ip_verbose(const struct wire_print_opts *o, struct wire_sink *s,
                        const struct wire_dissect *d, unsigned i);
/* -v: ", cksum 0x9fb8 (correct)" of TCP layer i; "[udp sum ok] " of UDP
 * layer i (over IPv4 only with -vv). */
void wire_pr_tcp_cksum(struct wire_sink *s, const struct wire_dissect *d, unsigned i);
void wire_pr_udp_cksum(const struct wire_print_opts *o, struct wire_sink *s,
                       const struct wire_dissect *d, unsigned i);
/* -v: "[icmp6 sum ok] " of ICMPv6 layer i. */
void wire_pr_icmp6_cksum(struct wire_sink *s, const struct wire_dissect *d, unsigned i);
/* Returns 1 when -v already called layer i's checksum bad in the line, so
 * the closing "[bad ... cksum]" note would say it twice. */
int wire_pr_v_said_bad(const struct wire_print_opts *o, const struct wire_dissect *d, unsigned i);
/* Returns the offset of the network layer (after the link headers). */
size_t wire_pr_netoff(const struct wire_dissect *d);
/* -x, -xx, -X, -XX, -A: the packet's bytes after its line. */
void wire_pr_dumps(struct wire_printer *p, const struct wire_dissect *d);

/* Statistics (stats.c). Each returns 0 or -ENOMEM. */
int wire_stats_new(struct wire_stats **sp);
/* tcp_stream: the packet's tcp.stream (a TCP conversation is one), or -1 */
void wire_stats_add(struct wire_stats *st, const struct wire_dissect *d, long tcp_stream);
void wire_stats_print(struct wire_stats *st, struct wire_sink *s);
void wire_stats_free(struct wire_stats *st);
/* wirecat view: the protocol hierarchy as {"frames","bytes","other","paths":
 * [[path, depth, frames, bytes]...]}; the first max conversations kept as
 * {"kept","left_out","convs":[{"id","k","a","b","f_ab","b_ab","f_ba","b_ba",
 * "err"}...]} (ids are 1-based places in the table, stable while it is not
 * full). */
void wire_stats_hier_json(const struct wire_stats *st, struct wire_sink *s);
void wire_stats_convs_json(struct wire_stats *st, struct wire_sink *s, unsigned max);
/* A conversation's key, to find its packets again. */
struct wire_stats_key {
	uint64_t k[16];
};
/* Copies conversation id's key. Returns 0 or -ENOENT. */
int wire_stats_conv_of(const struct wire_stats *st, unsigned id, struct wire_stats_key *key);
/* Returns 1 when d's TCP or UDP packet belongs to the conversation of key,
 * also when its TCP or UDP header is cut or invalid but holds its ports
 * (a conversation's ladder draws it; the counts above leave it out, as
 * tshark -z conv does). */
int wire_stats_in_conv(const struct wire_stats_key *key, const struct wire_dissect *d);

/* TCP analysis hooks (analysis.c). Fills p->ta for d's TCP segment. */
void wire_pr_analyse(struct wire_printer *p, const struct wire_dissect *d);
/* --stats: counts p->ta's flags for d (a packet shown). */
void wire_pr_expert(struct wire_printer *p, const struct wire_dissect *d);
/* " [retransmission] [dup ack #2]": the line view's tags (nothing when none). */
void wire_pr_ta_tags(struct wire_sink *s, const struct wire_tcpa_res *ta);
/* The expert summary of --stats: counts per kind and per conversation. */
int wire_expert_new(struct wire_expert **ep);
/* Prints nothing when no TCP segment was analysed. */
void wire_expert_print(struct wire_expert *e, struct wire_sink *s, uint64_t segments);
void wire_expert_free(struct wire_expert *e);

/* -N (resolve.c). new returns 0 or -ENOMEM; lookup returns the host name of
 * the address (fam 4 or 6), or NULL when it has none. */
int wire_names_new(struct wire_names **np);
const char *wire_names_lookup(struct wire_names *n, int fam, const uint8_t *a);
void wire_names_free(struct wire_names *n);

/* Names shared by views: returns a static string. */
const char *wire_pr_icmp_type(uint8_t type);
const char *wire_pr_icmp6_type(uint8_t type);
const char *wire_pr_ipproto(uint8_t proto);
const char *wire_pr_dhcp_type(uint8_t t);
const char *wire_pr_trunc_name(unsigned kind);

/* Returns 1 when bytes [0, end) of layer l's header are there to show: always
 * for a layer the capture did not cut, else when l->have reaches end (the
 * printers show a truncated header's fields up to the cut). */
static inline int wire_pr_has(const struct wire_layer *l, uint32_t end)
{
	return l->status == WIRE_LS_OK || l->have >= end;
}

#endif
