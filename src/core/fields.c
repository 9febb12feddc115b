/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The field table (wire/fields.h): each Wireshark name with its type and the
 * layer kind it is read from, and one getter per layer kind that yields the
 * values from the decoded structs, with the same cuts as --json (a field of a
 * truncated header exists only when its bytes were captured). tcp.seq,
 * tcp.ack and tcp.window_size (relative, scaled: they need per-connection
 * state) are not here; tcp.seq_raw, tcp.ack_raw and tcp.window_size_value are.
 */
#include <string.h>

#include "wire/fields.h"
#include "wire/tcpanalysis.h"

#define K_FRAME 0xfeu /* read from the packet, not a layer */
#define K_RSVD 0xffu  /* reserved: per-conversation state (struct wire_field_ext) */

/* name, type, layer kind */
#define FIELDS(X)                                                                                  \
	X(FRAME_NUMBER, "frame.number", UINT, K_FRAME)                                             \
	X(FRAME_LEN, "frame.len", UINT, K_FRAME)                                                   \
	X(FRAME_CAP_LEN, "frame.cap_len", UINT, K_FRAME)                                           \
	X(P_ETH, "eth", NONE, WIRE_L_ETH)                                                          \
	X(ETH_SRC, "eth.src", MAC, WIRE_L_ETH)                                                     \
	X(ETH_DST, "eth.dst", MAC, WIRE_L_ETH)                                                     \
	X(ETH_ADDR, "eth.addr", MAC, WIRE_L_ETH)                                                   \
	X(ETH_TYPE, "eth.type", UINT, WIRE_L_ETH)                                                  \
	X(P_VLAN, "vlan", NONE, WIRE_L_VLAN)                                                       \
	X(VLAN_ID, "vlan.id", UINT, WIRE_L_VLAN)                                                   \
	X(VLAN_PRIO, "vlan.priority", UINT, WIRE_L_VLAN)                                           \
	X(VLAN_ETYPE, "vlan.etype", UINT, WIRE_L_VLAN)                                             \
	X(P_SLL, "sll", NONE, WIRE_L_SLL)                                                          \
	X(P_ARP, "arp", NONE, WIRE_L_ARP)                                                          \
	X(ARP_HWTYPE, "arp.hw.type", UINT, WIRE_L_ARP)                                             \
	X(ARP_PTYPE, "arp.proto.type", UINT, WIRE_L_ARP)                                           \
	X(ARP_OP, "arp.opcode", UINT, WIRE_L_ARP)                                                  \
	X(ARP_SHA, "arp.src.hw_mac", MAC, WIRE_L_ARP)                                              \
	X(ARP_SPA, "arp.src.proto_ipv4", IP4, WIRE_L_ARP)                                          \
	X(ARP_THA, "arp.dst.hw_mac", MAC, WIRE_L_ARP)                                              \
	X(ARP_TPA, "arp.dst.proto_ipv4", IP4, WIRE_L_ARP)                                          \
	X(P_IP, "ip", NONE, WIRE_L_IPV4)                                                           \
	X(IP_VERSION, "ip.version", UINT, WIRE_L_IPV4)                                             \
	X(IP_HDR_LEN, "ip.hdr_len", UINT, WIRE_L_IPV4)                                             \
	X(IP_DSFIELD, "ip.dsfield", UINT, WIRE_L_IPV4)                                             \
	X(IP_LEN, "ip.len", UINT, WIRE_L_IPV4)                                                     \
	X(IP_ID, "ip.id", UINT, WIRE_L_IPV4)                                                       \
	X(IP_FLAGS, "ip.flags", UINT, WIRE_L_IPV4)                                                 \
	X(IP_DF, "ip.flags.df", BOOL, WIRE_L_IPV4)                                                 \
	X(IP_MF, "ip.flags.mf", BOOL, WIRE_L_IPV4)                                                 \
	X(IP_FRAG, "ip.frag_offset", UINT, WIRE_L_IPV4)                                            \
	X(IP_TTL, "ip.ttl", UINT, WIRE_L_IPV4)                                                     \
	X(IP_PROTO, "ip.proto", UINT, WIRE_L_IPV4)                                                 \
	X(IP_CSUM, "ip.checksum", UINT, WIRE_L_IPV4)                                               \
	X(IP_SRC, "ip.src", IP4, WIRE_L_IPV4)                                                      \
	X(IP_DST, "ip.dst", IP4, WIRE_L_IPV4)                                                      \
	X(IP_ADDR, "ip.addr", IP4, WIRE_L_IPV4)                                                    \
	X(IP_OPT_TYPE, "ip.opt.type", UINT, WIRE_L_IPV4)                                           \
	X(IP_OPT_LEN, "ip.opt.len", UINT, WIRE_L_IPV4)                                             \
	X(P_IPV6, "ipv6", NONE, WIRE_L_IPV6)                                                       \
	X(IP6_TCLASS, "ipv6.tclass", UINT, WIRE_L_IPV6)                                            \
	X(IP6_FLOW, "ipv6.flow", UINT, WIRE_L_IPV6)                                                \
	X(IP6_PLEN, "ipv6.plen", UINT, WIRE_L_IPV6)                                                \
	X(IP6_NXT, "ipv6.nxt", UINT, WIRE_L_IPV6)                                                  \
	X(IP6_HLIM, "ipv6.hlim", UINT, WIRE_L_IPV6)                                                \
	X(IP6_SRC, "ipv6.src", IP6, WIRE_L_IPV6)                                                   \
	X(IP6_DST, "ipv6.dst", IP6, WIRE_L_IPV6)                                                   \
	X(IP6_ADDR, "ipv6.addr", IP6, WIRE_L_IPV6)                                                 \
	X(P_ICMP, "icmp", NONE, WIRE_L_ICMP)                                                       \
	X(ICMP_TYPE, "icmp.type", UINT, WIRE_L_ICMP)                                               \
	X(ICMP_CODE, "icmp.code", UINT, WIRE_L_ICMP)                                               \
	X(P_ICMP6, "icmpv6", NONE, WIRE_L_ICMP6)                                                   \
	X(ICMP6_TYPE, "icmpv6.type", UINT, WIRE_L_ICMP6)                                           \
	X(ICMP6_CODE, "icmpv6.code", UINT, WIRE_L_ICMP6)                                           \
	X(P_TCP, "tcp", NONE, WIRE_L_TCP)                                                          \
	X(TCP_SPORT, "tcp.srcport", UINT, WIRE_L_TCP)                                              \
	X(TCP_DPORT, "tcp.dstport", UINT, WIRE_L_TCP)                                              \
	X(TCP_PORT, "tcp.port", UINT, WIRE_L_TCP)                                                  \
	X(TCP_SEQ_RAW, "tcp.seq_raw", UINT, WIRE_L_TCP)                                            \
	X(TCP_LEN, "tcp.len", UINT, WIRE_L_TCP)                                                    \
	X(TCP_ACK_RAW, "tcp.ack_raw", UINT, WIRE_L_TCP)                                            \
	X(TCP_HDR_LEN, "tcp.hdr_len", UINT, WIRE_L_TCP)                                            \
	X(TCP_FLAGS, "tcp.flags", UINT, WIRE_L_TCP)                                                \
	X(TCP_FIN, "tcp.flags.fin", BOOL, WIRE_L_TCP)                                              \
	X(TCP_SYN, "tcp.flags.syn", BOOL, WIRE_L_TCP)                                              \
	X(TCP_RST, "tcp.flags.reset", BOOL, WIRE_L_TCP)                                            \
	X(TCP_PSH, "tcp.flags.push", BOOL, WIRE_L_TCP)                                             \
	X(TCP_ACKF, "tcp.flags.ack", BOOL, WIRE_L_TCP)                                             \
	X(TCP_URG, "tcp.flags.urg", BOOL, WIRE_L_TCP)                                              \
	X(TCP_WIN, "tcp.window_size_value", UINT, WIRE_L_TCP)                                      \
	X(TCP_CSUM, "tcp.checksum", UINT, WIRE_L_TCP)                                              \
	X(TCP_URP, "tcp.urgent_pointer", UINT, WIRE_L_TCP)                                         \
	X(TCP_MSS, "tcp.options.mss_val", UINT, WIRE_L_TCP)                                        \
	X(TCP_PAYLOAD, "tcp.payload", BYTES, WIRE_L_TCP)                                           \
	X(P_UDP, "udp", NONE, WIRE_L_UDP)                                                          \
	X(UDP_SPORT, "udp.srcport", UINT, WIRE_L_UDP)                                              \
	X(UDP_DPORT, "udp.dstport", UINT, WIRE_L_UDP)                                              \
	X(UDP_PORT, "udp.port", UINT, WIRE_L_UDP)                                                  \
	X(UDP_LEN, "udp.length", UINT, WIRE_L_UDP)                                                 \
	X(UDP_CSUM, "udp.checksum", UINT, WIRE_L_UDP)                                              \
	X(P_DNS, "dns", NONE, WIRE_L_DNS)                                                          \
	X(DNS_ID, "dns.id", UINT, WIRE_L_DNS)                                                      \
	X(DNS_FLAGS, "dns.flags", UINT, WIRE_L_DNS)                                                \
	X(DNS_RESPONSE, "dns.flags.response", BOOL, WIRE_L_DNS)                                    \
	X(DNS_OPCODE, "dns.flags.opcode", UINT, WIRE_L_DNS)                                        \
	X(DNS_RCODE, "dns.flags.rcode", UINT, WIRE_L_DNS)                                          \
	X(DNS_QD, "dns.count.queries", UINT, WIRE_L_DNS)                                           \
	X(DNS_AN, "dns.count.answers", UINT, WIRE_L_DNS)                                           \
	X(DNS_QNAME, "dns.qry.name", STR, WIRE_L_DNS)                                              \
	X(DNS_QTYPE, "dns.qry.type", UINT, WIRE_L_DNS)                                             \
	X(DNS_RNAME, "dns.resp.name", STR, WIRE_L_DNS)                                             \
	X(DNS_RTYPE, "dns.resp.type", UINT, WIRE_L_DNS)                                            \
	X(DNS_TTL, "dns.resp.ttl", UINT, WIRE_L_DNS)                                               \
	X(DNS_A, "dns.a", IP4, WIRE_L_DNS)                                                         \
	X(DNS_AAAA, "dns.aaaa", IP6, WIRE_L_DNS)                                                   \
	X(DNS_CNAME, "dns.cname", STR, WIRE_L_DNS)                                                 \
	X(DNS_NS, "dns.ns", STR, WIRE_L_DNS)                                                       \
	X(DNS_PTR, "dns.ptr.domain_name", STR, WIRE_L_DNS)                                         \
	X(DNS_MX, "dns.mx.mail_exchange", STR, WIRE_L_DNS)                                         \
	X(P_HTTP, "http", NONE, WIRE_L_HTTP)                                                       \
	X(HTTP_REQ, "http.request", NONE, WIRE_L_HTTP)                                             \
	X(HTTP_RESP, "http.response", NONE, WIRE_L_HTTP)                                           \
	X(HTTP_METHOD, "http.request.method", STR, WIRE_L_HTTP)                                    \
	X(HTTP_URI, "http.request.uri", STR, WIRE_L_HTTP)                                          \
	X(HTTP_REQ_VER, "http.request.version", STR, WIRE_L_HTTP)                                  \
	X(HTTP_CODE, "http.response.code", UINT, WIRE_L_HTTP)                                      \
	X(HTTP_PHRASE, "http.response.phrase", STR, WIRE_L_HTTP)                                   \
	X(HTTP_RESP_VER, "http.response.version", STR, WIRE_L_HTTP)                                \
	X(HTTP_HOST, "http.host", STR, WIRE_L_HTTP)                                                \
	X(HTTP_UA, "http.user_agent", STR, WIRE_L_HTTP)                                            \
	X(HTTP_CTYPE, "http.content_type", STR, WIRE_L_HTTP)                                       \
	X(HTTP_SERVER, "http.server", STR, WIRE_L_HTTP)                                            \
	X(HTTP_LOCATION, "http.location", STR, WIRE_L_HTTP)                                        \
	X(HTTP_CONNECTION, "http.connection", STR, WIRE_L_HTTP)                                    \
	X(HTTP_REFERER, "http.referer", STR, WIRE_L_HTTP)                                          \
	X(HTTP_COOKIE, "http.cookie", STR, WIRE_L_HTTP)                                            \
	X(HTTP_ACCEPT, "http.accept", STR, WIRE_L_HTTP)                                            \
	X(HTTP_SET_COOKIE, "http.set_cookie", STR, WIRE_L_HTTP)                                    \
	X(HTTP_TE, "http.transfer_encoding", STR, WIRE_L_HTTP)                                     \
	X(HTTP_CACHE, "http.cache_control", STR, WIRE_L_HTTP)                                      \
	X(HTTP_DATE, "http.date", STR, WIRE_L_HTTP)                                                \
	X(HTTP_CLEN_HDR, "http.content_length_header", STR, WIRE_L_HTTP)                           \
	X(P_DHCP, "dhcp", NONE, WIRE_L_DHCP)                                                       \
	X(DHCP_ID, "dhcp.id", UINT, WIRE_L_DHCP)                                                   \
	X(DHCP_MSGTYPE, "dhcp.option.dhcp", UINT, WIRE_L_DHCP)                                     \
	X(DHCP_MAC, "dhcp.hw.mac_addr", MAC, WIRE_L_DHCP)                                          \
	X(DHCP_YOUR, "dhcp.ip.your", IP4, WIRE_L_DHCP)                                             \
	X(DHCP_CLIENT, "dhcp.ip.client", IP4, WIRE_L_DHCP)                                         \
	X(DHCP_MASK, "dhcp.option.subnet_mask", IP4, WIRE_L_DHCP)                                  \
	X(DHCP_ROUTER, "dhcp.option.router", IP4, WIRE_L_DHCP)                                     \
	X(DHCP_DNS, "dhcp.option.domain_name_server", IP4, WIRE_L_DHCP)                            \
	X(DHCP_HOSTNAME, "dhcp.option.hostname", STR, WIRE_L_DHCP)                                 \
	X(DHCP_REQ_IP, "dhcp.option.requested_ip_address", IP4, WIRE_L_DHCP)                       \
	X(DHCP_LEASE, "dhcp.option.ip_address_lease_time", UINT, WIRE_L_DHCP)                      \
	X(DHCP_SERVER_ID, "dhcp.option.dhcp_server_id", IP4, WIRE_L_DHCP)                          \
	X(P_TLS, "tls", NONE, WIRE_L_TLS)                                                          \
	X(TLS_CTYPE, "tls.record.content_type", UINT, WIRE_L_TLS)                                  \
	X(TLS_VERSION, "tls.record.version", UINT, WIRE_L_TLS)                                     \
	X(TLS_HS_TYPE, "tls.handshake.type", UINT, WIRE_L_TLS)                                     \
	X(TLS_SNI, "tls.handshake.extensions_server_name", STR, WIRE_L_TLS)                        \
	X(P_VXLAN, "vxlan", NONE, WIRE_L_VXLAN)                                                    \
	X(VXLAN_VNI, "vxlan.vni", UINT, WIRE_L_VXLAN)                                              \
	X(VXLAN_GBP, "vxlan.gbp", UINT, WIRE_L_VXLAN)                                              \
	X(P_GENEVE, "geneve", NONE, WIRE_L_GENEVE)                                                 \
	X(GENEVE_VERSION, "geneve.version", UINT, WIRE_L_GENEVE)                                   \
	X(GENEVE_FLAGS, "geneve.flags", UINT, WIRE_L_GENEVE)                                       \
	X(GENEVE_PROTO, "geneve.proto_type", UINT, WIRE_L_GENEVE)                                  \
	X(GENEVE_VNI, "geneve.vni", UINT, WIRE_L_GENEVE)                                           \
	X(GENEVE_OPT_CLASS, "geneve.option.class", UINT, WIRE_L_GENEVE)                            \
	X(GENEVE_OPT_TYPE, "geneve.option.type", UINT, WIRE_L_GENEVE)                              \
	X(RESERVED, "tcp.analysis", UINT, K_RSVD)                                                  \
	X(TCP_STREAM, "tcp.stream", UINT, K_RSVD)                                                  \
	X(TCP_SEQ, "tcp.seq", UINT, K_RSVD)                                                        \
	X(TCP_ACK, "tcp.ack", UINT, K_RSVD)                                                        \
	X(TCP_NXTSEQ, "tcp.nxtseq", UINT, K_RSVD)                                                  \
	X(TCP_WINSIZE, "tcp.window_size", UINT, K_RSVD)                                            \
	X(UDP_STREAM, "udp.stream", UINT, K_RSVD)

#define ID(id, name, type, kind) F_##id,
enum { FIELDS(ID) F_COUNT };
#undef ID

static const struct {
	struct wire_field f;
	uint8_t kind;
} table[] = {
#define ROW(id, name, type, kind) {{name, WIRE_FT_##type, F_##id}, kind},
    FIELDS(ROW)
#undef ROW
};

/* The HTTP headers with a field of their own (Wireshark's names). */
static const struct {
	uint16_t id;
	uint8_t hk; /* enum wire_http_hk */
} http_hdrs[] = {
    {F_HTTP_HOST, WIRE_HH_HOST},
    {F_HTTP_UA, WIRE_HH_USER_AGENT},
    {F_HTTP_CTYPE, WIRE_HH_CONTENT_TYPE},
    {F_HTTP_SERVER, WIRE_HH_SERVER},
    {F_HTTP_LOCATION, WIRE_HH_LOCATION},
    {F_HTTP_CONNECTION, WIRE_HH_CONNECTION},
    {F_HTTP_REFERER, WIRE_HH_REFERER},
    {F_HTTP_COOKIE, WIRE_HH_COOKIE},
    {F_HTTP_ACCEPT, WIRE_HH_ACCEPT},
    {F_HTTP_SET_COOKIE, WIRE_HH_SET_COOKIE},
    {F_HTTP_TE, WIRE_HH_TRANSFER_ENCODING},
    {F_HTTP_CACHE, WIRE_HH_CACHE_CONTROL},
    {F_HTTP_DATE, WIRE_HH_DATE},
    {F_HTTP_CLEN_HDR, WIRE_HH_CONTENT_LENGTH},
};

#define RSVD_PREFIX "tcp.analysis"

const struct wire_field *wire_field_find(const char *name, size_t len)
{
	size_t k = sizeof(RSVD_PREFIX) - 1;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (i != F_RESERVED && strlen(table[i].f.name) == len &&
		    !memcmp(table[i].f.name, name, len))
			return &table[i].f;
	if (len > k + 1 && !memcmp(name, RSVD_PREFIX ".", k + 1) && wire_tcpa_known(name, len))
		return &table[F_RESERVED].f;
	return NULL;
}

int wire_field_reserved(const struct wire_field *f)
{
	return table[f->id].kind == K_RSVD;
}

/* Collected values. */
struct vout {
	struct wire_fval *v;
	unsigned n, max;
};

static struct wire_fval *slot(struct vout *o)
{
	if (o->n >= o->max)
		return NULL;
	struct wire_fval *v = &o->v[o->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

static void pu(struct vout *o, uint64_t u)
{
	struct wire_fval *v = slot(o);
	if (v)
		v->u = u;
}

static void pb(struct vout *o, const void *p, size_t len)
{
	struct wire_fval *v = slot(o);
	if (v) {
		v->p = p;
		v->len = (uint32_t)len;
	}
}

static void pa(struct vout *o, const uint8_t *a, size_t len)
{
	struct wire_fval *v = slot(o);
	if (v) {
		memcpy(v->a, a, len);
		v->len = (uint32_t)len;
	}
}

/* The header's bytes up to end were captured. */
static int has(const struct wire_layer *l, uint32_t end)
{
	return l->status == WIRE_LS_OK || l->have >= end;
}

static void f_eth(struct vout *o, const struct wire_layer *l, unsigned id)
{
	const struct wire_eth *e = &l->u.eth;
	if (id == F_ETH_SRC || id == F_ETH_ADDR)
		pb(o, e->src, 6);
	if (id == F_ETH_DST || id == F_ETH_ADDR)
		pb(o, e->dst, 6);
	if (id == F_ETH_TYPE && e->type >= 0x0600)
		pu(o, e->type);
}

static void f_vlan(struct vout *o, const struct wire_layer *l, unsigned id)
{
	const struct wire_vlan *v = &l->u.vlan;
	if (v->tpid == 0x88a8) /* Wireshark's ieee8021ad */
		return;
	if (id == F_VLAN_ID)
		pu(o, v->tci & 0xfffu);
	else if (id == F_VLAN_PRIO)
		pu(o, v->tci >> 13);
	else if (id == F_VLAN_ETYPE)
		pu(o, v->type);
}

static void f_arp(struct vout *o, const struct wire_layer *l, unsigned id)
{
	const struct wire_arp *a = &l->u.arp;
	uint32_t h = a->hlen, pl = a->plen;
	int eth = a->hlen == 6, ip4 = a->plen == 4 && a->ptype == 0x0800;
	switch (id) {
	case F_ARP_HWTYPE: pu(o, a->htype); break;
	case F_ARP_PTYPE:
		if (has(l, 4))
			pu(o, a->ptype);
		break;
	case F_ARP_OP:
		if (has(l, 8))
			pu(o, a->op);
		break;
	case F_ARP_SHA:
		if (eth && has(l, 8 + h))
			pb(o, a->sha, 6);
		break;
	case F_ARP_SPA:
		if (ip4 && has(l, 8 + h + pl))
			pa(o, a->spa, 4);
		break;
	case F_ARP_THA:
		if (eth && has(l, 8 + 2 * h + pl))
			pb(o, a->tha, 6);
		break;
	case F_ARP_TPA:
		if (ip4 && has(l, 8 + 2 * h + 2 * pl))
			pa(o, a->tpa, 4);
		break;
	default: break;
	}
}

/* IPv4 fields: the byte each one ends at, then its value. */
static void f_ip4(struct vout *o, const struct wire_dissect *d, const struct wire_layer *l,
                  unsigned id)
{
	const struct wire_ipv4 *ip = &l->u.ip4;
	if (l->status == WIRE_LS_INVALID && id > F_IP_LEN)
		return; /* as tshark: a bogus header length or total length ends it */
	uint32_t len =
	    ip->len == 0 && ip->gso && d->pkt->caplen > l->off ? d->pkt->caplen - l->off : ip->len;
	switch (id) {
	case F_IP_VERSION: pu(o, 4); break;
	case F_IP_HDR_LEN: pu(o, ip->ihl); break;
	case F_IP_DSFIELD: has(l, 2) ? pu(o, ip->tos) : (void)0; break;
	case F_IP_LEN: has(l, 4) ? pu(o, len) : (void)0; break;
	case F_IP_ID: has(l, 6) ? pu(o, ip->id) : (void)0; break;
	case F_IP_FLAGS: has(l, 8) ? pu(o, (uint32_t)ip->frag >> 13) : (void)0; break;
	case F_IP_DF: has(l, 8) ? pu(o, (ip->frag >> 14) & 1u) : (void)0; break;
	case F_IP_MF: has(l, 8) ? pu(o, (ip->frag >> 13) & 1u) : (void)0; break;
	case F_IP_FRAG: has(l, 8) ? pu(o, ip->frag & 0x1fffu) : (void)0; break;
	case F_IP_TTL: has(l, 9) ? pu(o, ip->ttl) : (void)0; break;
	case F_IP_PROTO: has(l, 10) ? pu(o, ip->proto) : (void)0; break;
	case F_IP_CSUM: has(l, 12) ? pu(o, ip->csum) : (void)0; break;
	case F_IP_SRC: has(l, 16) ? pa(o, ip->src, 4) : (void)0; break;
	case F_IP_DST: has(l, 20) ? pa(o, ip->dst, 4) : (void)0; break;
	case F_IP_ADDR:
		if (has(l, 16))
			pa(o, ip->src, 4);
		if (has(l, 20))
			pa(o, ip->dst, 4);
		break;
	case F_IP_OPT_TYPE:
	case F_IP_OPT_LEN:
		for (unsigned k = 0; k < ip->opt_n; k++) {
			const struct wire_opt *e = &d->ipopt[ip->opt_first + k];
			if (id == F_IP_OPT_TYPE)
				pu(o, e->kind);
			else if (e->kind > 1)
				pu(o, e->len);
		}
		break;
	default: break;
	}
}

static void f_ip6(struct vout *o, const struct wire_layer *l, unsigned id)
{
	const struct wire_ipv6 *ip = &l->u.ip6;
	switch (id) {
	case F_IP6_TCLASS: has(l, 2) ? pu(o, ip->tc) : (void)0; break;
	case F_IP6_FLOW: has(l, 4) ? pu(o, ip->flow) : (void)0; break;
	case F_IP6_PLEN: has(l, 6) ? pu(o, ip->plen) : (void)0; break;
	case F_IP6_NXT: has(l, 7) ? pu(o, ip->nxt) : (void)0; break;
	case F_IP6_HLIM: has(l, 8) ? pu(o, ip->hlim) : (void)0; break;
	case F_IP6_SRC: has(l, 24) ? pa(o, ip->src, 16) : (void)0; break;
	case F_IP6_DST: has(l, 40) ? pa(o, ip->dst, 16) : (void)0; break;
	case F_IP6_ADDR:
		if (has(l, 24))
			pa(o, ip->src, 16);
		if (has(l, 40))
			pa(o, ip->dst, 16);
		break;
	default: break;
	}
}

static void f_icmp(struct vout *o, const struct wire_layer *l, unsigned id)
{
	uint8_t type = l->kind == WIRE_L_ICMP ? l->u.icmp.type : l->u.icmp6.type;
	uint8_t code = l->kind == WIRE_L_ICMP ? l->u.icmp.code : l->u.icmp6.code;
	if (l->kind == WIRE_L_ICMP && !has(l, 4))
		return; /* tshark: no ICMP fields in a message cut under 4 bytes */
	if (id == F_ICMP_TYPE || id == F_ICMP6_TYPE)
		pu(o, type);
	else if (id == F_ICMP_CODE || id == F_ICMP6_CODE)
		pu(o, code);
}

static void f_tcp_opts(struct vout *o, const struct wire_dissect *d, const struct wire_tcp *t)
{
	for (unsigned k = 0; k < t->opt_n; k++) {
		const struct wire_tcpopt *e = &d->topt[t->opt_first + k];
		if (e->ok && e->kind == WIRE_TCPOPT_MSS)
			pu(o, e->v.mss);
	}
}

static void f_tcp(struct vout *o, const struct wire_dissect *d, const struct wire_layer *l,
                  unsigned id)
{
	const struct wire_tcp *t = &l->u.tcp;
	/* 8 quoted bytes, or a header cut under 16 bytes: ports only (tshark) */
	int full = !(l->quoted && t->doff == 0) && has(l, 16);
	switch (id) {
	case F_TCP_SPORT: pu(o, t->sport); break;
	case F_TCP_DPORT: has(l, 4) ? pu(o, t->dport) : (void)0; break;
	case F_TCP_PORT:
		pu(o, t->sport);
		if (has(l, 4))
			pu(o, t->dport);
		break;
	case F_TCP_SEQ_RAW: full &&has(l, 8) ? pu(o, t->seq) : (void)0; break;
	case F_TCP_LEN:
		if (full && has(l, 8) && (l->status != WIRE_LS_TRUNC || t->doff >= 20))
			pu(o, t->paylen);
		break;
	case F_TCP_ACK_RAW: full &&has(l, 12) ? pu(o, t->ack) : (void)0; break;
	case F_TCP_HDR_LEN: full &&has(l, 14) ? pu(o, t->doff) : (void)0; break;
	case F_TCP_FLAGS: full &&has(l, 14) ? pu(o, t->flags) : (void)0; break;
	case F_TCP_FIN: full &&has(l, 14) ? pu(o, t->flags & 1u) : (void)0; break;
	case F_TCP_SYN: full &&has(l, 14) ? pu(o, (t->flags >> 1) & 1u) : (void)0; break;
	case F_TCP_RST: full &&has(l, 14) ? pu(o, (t->flags >> 2) & 1u) : (void)0; break;
	case F_TCP_PSH: full &&has(l, 14) ? pu(o, (t->flags >> 3) & 1u) : (void)0; break;
	case F_TCP_ACKF: full &&has(l, 14) ? pu(o, (t->flags >> 4) & 1u) : (void)0; break;
	case F_TCP_URG: full &&has(l, 14) ? pu(o, (t->flags >> 5) & 1u) : (void)0; break;
	case F_TCP_WIN: full &&has(l, 16) ? pu(o, t->win) : (void)0; break;
	case F_TCP_CSUM: full &&has(l, 18) ? pu(o, t->csum) : (void)0; break;
	case F_TCP_URP: full &&has(l, 20) ? pu(o, t->urp) : (void)0; break;
	case F_TCP_MSS:
		if (full && has(l, 20))
			f_tcp_opts(o, d, t);
		break;
	case F_TCP_PAYLOAD: /* the captured part of a segment's data */
		if (l->status == WIRE_LS_OK && !l->quoted && t->paylen > 0 && l->have > t->doff)
			pb(o, d->pkt->data + l->off + t->doff,
			   t->paylen < l->have - t->doff ? t->paylen : l->have - t->doff);
		break;
	default: break;
	}
}

static void f_udp(struct vout *o, const struct wire_layer *l, unsigned id)
{
	const struct wire_udp *u = &l->u.udp;
	switch (id) {
	case F_UDP_SPORT: pu(o, u->sport); break;
	case F_UDP_DPORT: has(l, 4) ? pu(o, u->dport) : (void)0; break;
	case F_UDP_PORT:
		pu(o, u->sport);
		if (has(l, 4))
			pu(o, u->dport);
		break;
	case F_UDP_LEN: has(l, 6) ? pu(o, u->ulen) : (void)0; break;
	case F_UDP_CSUM: has(l, 8) ? pu(o, u->csum) : (void)0; break;
	default: break;
	}
}

/* A DNS name as tshark shows it: no trailing dot, the root as <Root>. */
static void pname(struct vout *o, const struct wire_dns_msg *f, uint16_t h)
{
	const char *name = wire_dns_text(f, h);
	if (!name)
		return;
	size_t n = strlen(name);
	if (n == 1 && name[0] == '.') {
		pb(o, "<Root>", 6);
		return;
	}
	pb(o, name, n && name[n - 1] == '.' ? n - 1 : n);
}

/* One record's value for field id. */
static void f_dns_rec(struct vout *o, const struct wire_dns_msg *f, const struct wire_dns_rec *c,
                      unsigned id)
{
	int qd = c->section == WIRE_DNS_QD, rd = c->rdok && !qd;
	switch (id) {
	case F_DNS_QNAME: qd ? pname(o, f, c->name) : (void)0; break;
	case F_DNS_QTYPE: qd ? pu(o, c->type) : (void)0; break;
	case F_DNS_RNAME: !qd ? pname(o, f, c->name) : (void)0; break;
	case F_DNS_RTYPE: !qd ? pu(o, c->type) : (void)0; break;
	case F_DNS_TTL: !qd && c->type != 41 ? pu(o, c->ttl) : (void)0; break;
	case F_DNS_A: rd && c->type == 1 ? pa(o, c->rd.a, 4) : (void)0; break;
	case F_DNS_AAAA: rd && c->type == 28 ? pa(o, c->rd.aaaa, 16) : (void)0; break;
	case F_DNS_CNAME: rd && c->type == 5 ? pname(o, f, c->rd.target) : (void)0; break;
	case F_DNS_NS: rd && c->type == 2 ? pname(o, f, c->rd.target) : (void)0; break;
	case F_DNS_PTR: rd && c->type == 12 ? pname(o, f, c->rd.target) : (void)0; break;
	case F_DNS_MX: rd && c->type == 15 ? pname(o, f, c->rd.mx.name) : (void)0; break;
	default: break;
	}
}

static void f_dns(struct vout *o, const struct wire_layer *l, unsigned id)
{
	const struct wire_dns *m = &l->u.dns;
	if (!l->len)
		return;
	switch (id) {
	case F_DNS_ID: pu(o, m->id); return;
	case F_DNS_FLAGS: pu(o, m->flags); return;
	case F_DNS_RESPONSE: pu(o, (m->flags >> 15) & 1u); return;
	case F_DNS_OPCODE: pu(o, (m->flags >> 11) & 15u); return;
	case F_DNS_RCODE: (m->flags & 0x8000u) ? pu(o, m->flags & 15u) : (void)0; return;
	case F_DNS_QD: pu(o, m->qd); return;
	case F_DNS_AN: pu(o, m->an); return;
	default: break;
	}
	for (unsigned k = 0; m->f && k < m->f->n && o->n < o->max; k++)
		f_dns_rec(o, m->f, &m->f->rec[k], id);
}

/* The value of known header hk on each of its lines. */
static void http_hdr(struct vout *o, const struct wire_dissect *d, const struct wire_http *h,
                     unsigned hk)
{
	for (unsigned k = 0; k < h->hh_n; k++) {
		const struct wire_http_hdr *e = &d->hh[h->hh_first + k];
		if (e->hk == hk)
			pb(o, e->line + e->val, (size_t)(e->len - e->val));
	}
}

static void f_http(struct vout *o, const struct wire_dissect *d, const struct wire_layer *l,
                   unsigned id)
{
	const struct wire_http *h = &l->u.http;
	if (l->status != WIRE_LS_OK)
		return;
	switch (id) {
	case F_HTTP_METHOD: h->is_req ? pb(o, h->method, h->method_len) : (void)0; return;
	case F_HTTP_URI: h->is_req ? pb(o, h->uri, h->uri_len) : (void)0; return;
	case F_HTTP_REQ_VER: h->is_req ? pb(o, h->ver, h->ver_len) : (void)0; return;
	case F_HTTP_CODE: !h->is_req ? pu(o, h->status) : (void)0; return;
	case F_HTTP_PHRASE: !h->is_req ? pb(o, h->reason, h->reason_len) : (void)0; return;
	case F_HTTP_RESP_VER: !h->is_req ? pb(o, h->ver, h->ver_len) : (void)0; return;
	default: break;
	}
	for (size_t i = 0; i < sizeof(http_hdrs) / sizeof(http_hdrs[0]); i++)
		if (http_hdrs[i].id == id)
			http_hdr(o, d, h, http_hdrs[i].hk);
}

/* The DHCP options (RFC 2132) with a field here: code, value type. */
static const struct {
	uint16_t id;
	uint8_t code;
} dhcp_opts[] = {
    {F_DHCP_MASK, 1},    {F_DHCP_ROUTER, 3}, {F_DHCP_DNS, 6},        {F_DHCP_HOSTNAME, 12},
    {F_DHCP_REQ_IP, 50}, {F_DHCP_LEASE, 51}, {F_DHCP_SERVER_ID, 54},
};

/* The values of option field id from d's DHCP option table: addresses (one
 * per 4 bytes), a name, or a 32-bit number. */
static void dhcp_opt(struct vout *o, const struct wire_dissect *d, const struct wire_dhcp *m,
                     unsigned id)
{
	uint8_t code = 0;
	for (size_t i = 0; i < sizeof(dhcp_opts) / sizeof(dhcp_opts[0]); i++)
		if (dhcp_opts[i].id == id)
			code = dhcp_opts[i].code;
	for (unsigned k = 0; code && k < m->opt_n; k++) {
		const struct wire_dhcpopt *e = &d->dhcpopt[k];
		if (e->code != code)
			continue;
		if (id == F_DHCP_HOSTNAME)
			pb(o, e->val, e->len);
		else if (id == F_DHCP_LEASE && e->len == 4)
			pu(o, (uint32_t)e->val[0] << 24 | (uint32_t)e->val[1] << 16 |
			          (uint32_t)e->val[2] << 8 | e->val[3]);
		else if (id != F_DHCP_LEASE)
			for (unsigned a = 0; a + 4 <= e->len; a += 4)
				pa(o, e->val + a, 4);
	}
}

static void f_dhcp(struct vout *o, const struct wire_dissect *d, const struct wire_layer *l,
                   unsigned id)
{
	const struct wire_dhcp *m = &l->u.dhcp;
	if (id >= F_DHCP_MASK && id <= F_DHCP_SERVER_ID) {
		dhcp_opt(o, d, m, id);
		return;
	}
	switch (id) {
	case F_DHCP_ID: pu(o, m->xid); break;
	case F_DHCP_MSGTYPE: m->msgtype ? pu(o, m->msgtype) : (void)0; break;
	case F_DHCP_MAC: m->hlen == 6 ? pb(o, m->chaddr, 6) : (void)0; break;
	case F_DHCP_YOUR: pa(o, m->yiaddr, 4); break;
	case F_DHCP_CLIENT: pa(o, m->ciaddr, 4); break;
	default: break;
	}
}

static void f_tls(struct vout *o, const struct wire_layer *l, unsigned id)
{
	const struct wire_tls *t = &l->u.tls;
	switch (id) {
	case F_TLS_CTYPE: pu(o, t->ctype); break;
	case F_TLS_VERSION: pu(o, t->version); break;
	case F_TLS_HS_TYPE: t->ctype == 22 ? pu(o, t->hs_type) : (void)0; break;
	case F_TLS_SNI: t->sni ? pb(o, t->sni, t->sni_len) : (void)0; break;
	default: break;
	}
}

static void f_vxlan(struct vout *o, const struct wire_layer *l, unsigned id)
{
	const struct wire_vxlan *v = &l->u.vxlan;
	switch (id) {
	case F_VXLAN_VNI: pu(o, v->vni); break;
	case F_VXLAN_GBP: pu(o, v->gbp); break;
	default: break;
	}
}

static void f_geneve(struct vout *o, const struct wire_layer *l, unsigned id)
{
	const struct wire_geneve *g = &l->u.geneve;
	switch (id) {
	case F_GENEVE_VERSION: pu(o, g->ver); break;
	case F_GENEVE_FLAGS: pu(o, g->flags); break;
	case F_GENEVE_PROTO: pu(o, g->proto); break;
	case F_GENEVE_VNI: pu(o, g->vni); break;
	case F_GENEVE_OPT_CLASS:
		for (unsigned k = 0; k < g->opt_n; k++)
			pu(o, g->opt[k].cls);
		break;
	case F_GENEVE_OPT_TYPE:
		for (unsigned k = 0; k < g->opt_n; k++)
			pu(o, g->opt[k].type);
		break;
	default: break;
	}
}

static void layer(struct vout *o, const struct wire_dissect *d, const struct wire_layer *l,
                  unsigned id)
{
	switch (l->kind) {
	case WIRE_L_ETH: f_eth(o, l, id); break;
	case WIRE_L_VLAN: f_vlan(o, l, id); break;
	case WIRE_L_ARP: f_arp(o, l, id); break;
	case WIRE_L_IPV4: f_ip4(o, d, l, id); break;
	case WIRE_L_IPV6: f_ip6(o, l, id); break;
	case WIRE_L_ICMP:
	case WIRE_L_ICMP6: f_icmp(o, l, id); break;
	case WIRE_L_TCP: f_tcp(o, d, l, id); break;
	case WIRE_L_UDP: f_udp(o, l, id); break;
	case WIRE_L_DNS: f_dns(o, l, id); break;
	case WIRE_L_HTTP: f_http(o, d, l, id); break;
	case WIRE_L_DHCP: f_dhcp(o, d, l, id); break;
	case WIRE_L_TLS: f_tls(o, l, id); break;
	case WIRE_L_VXLAN: f_vxlan(o, l, id); break;
	case WIRE_L_GENEVE: f_geneve(o, l, id); break;
	default: break;
	}
}

#define MDNS_PORT 5353

/* Presence of a protocol (or of http.request / http.response), as tshark
 * sees it: not a header of which nothing was captured, not an IPv4 layer
 * whose version is not 4 (tshark: data), not DNS on the mDNS port (mdns). */
static int present(const struct wire_dissect *d, unsigned i, unsigned id)
{
	const struct wire_layer *l = &d->l[i];
	if (l->status == WIRE_LS_TRUNC && l->have == 0)
		return 0;
	if (id == F_P_IP && l->status == WIRE_LS_INVALID && d->pkt->caplen > l->off &&
	    d->pkt->data[l->off] >> 4 != 4)
		return 0;
	if (id == F_P_DNS && i > 0 && d->l[i - 1].kind == WIRE_L_UDP &&
	    (d->l[i - 1].u.udp.sport == MDNS_PORT || d->l[i - 1].u.udp.dport == MDNS_PORT))
		return 0;
	if (id == F_HTTP_REQ || id == F_HTTP_RESP)
		return l->status == WIRE_LS_OK && l->u.http.is_req == (id == F_HTTP_REQ);
	if (id == F_P_VLAN)
		return l->u.vlan.tpid != 0x88a8;
	return 1;
}

unsigned wire_field_values(const struct wire_field *f, const char *name,
                           const struct wire_dissect *d, const struct wire_field_ext *x,
                           struct wire_fval *v, unsigned max)
{
	struct vout o = {v, 0, max};
	uint8_t kind = table[f->id].kind;
	if (kind == K_RSVD)
		return x && x->get ? x->get(x->ctx, d, name, v, max) : 0;
	if (kind == K_FRAME) {
		const struct wire_pkt *p = d->pkt;
		pu(&o, f->id == F_FRAME_NUMBER ? p->num
		       : f->id == F_FRAME_LEN  ? p->wirelen
		                               : p->caplen);
		return o.n;
	}
	for (unsigned i = 0; i < d->n && o.n < max; i++) {
		const struct wire_layer *l = &d->l[i];
		if (l->kind != kind)
			continue;
		if (f->type == WIRE_FT_NONE) {
			if (present(d, i, f->id))
				pu(&o, 1);
			continue;
		}
		if (l->status == WIRE_LS_TRUNC && !wire_layer_cut_shown(l))
			continue;
		layer(&o, d, l, f->id);
	}
	return o.n;
}
