/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Decoded layers: every dissector reads its header through the bounded reader
 * (wire/rd.h) into a small host-order struct below, and the printers
 * (src/core/print/) render those structs as a line, a tree, JSON or stats.
 * wire_dissect() runs the chain for one packet into a struct wire_dissect that
 * lives on the caller's stack: no allocation per packet. A layer that runs out
 * of captured bytes is TRUNC, one whose fields contradict each other is
 * INVALID; either ends the chain at that layer, never the program.
 * The variable parts that every view shows -- TCP options and DNS records
 * with their rdata -- are decoded once by the dissector into bounded side
 * tables in struct wire_dissect (struct wire_tcpopt, struct wire_dns_msg, no
 * allocation), which every printer reads without touching packet bytes again.
 * HTTP header lines are split once into struct wire_http_hdr (the known
 * ones named); IPv4 and DHCP options into struct wire_ipopt and struct
 * wire_dhcpopt.
 */
#ifndef WIRE_DISSECT_H
#define WIRE_DISSECT_H

#include <stddef.h>
#include <stdint.h>

#include "wire/limits.h"
#include "wire/packet.h"
#include "wire/rd.h"

enum wire_lk {
	WIRE_L_ETH = 0,
	WIRE_L_VLAN,
	WIRE_L_SLL,
	WIRE_L_NULL,
	WIRE_L_ARP,
	WIRE_L_IPV4,
	WIRE_L_IPV6,
	WIRE_L_IP6EXT,
	WIRE_L_ICMP,
	WIRE_L_ICMP6,
	WIRE_L_TCP,
	WIRE_L_UDP,
	WIRE_L_DNS,
	WIRE_L_HTTP,
	WIRE_L_DHCP,
	WIRE_L_TLS,
	WIRE_L_VXLAN,
	WIRE_L_GENEVE,
	WIRE_L_COUNT
};

/* Bounds of the side tables (struct wire_dissect). A packet holds one TCP
 * layer at most (a TCP header is never followed by another IP header), whose
 * 40 option bytes hold at most 40 options. */
#define WIRE_TCPOPT_TAB_MAX 40u   /* decoded TCP options per packet */
#define WIRE_TCP_SACK_MAX 4u      /* SACK blocks in one option (38 bytes) */
#define WIRE_DNS_TXT_MAX 256u     /* TXT strings kept per DNS message */
#define WIRE_DNS_TXT_REC_MAX 16u  /* TXT strings kept per record */
#define WIRE_DNS_ARENA_MAX 32768u /* bytes of name text per DNS message */
#define WIRE_IPOPT_TAB_MAX 40u    /* IPv4 options per packet (40 option bytes per header) */
#define WIRE_DHCPOPT_TAB_MAX 64u  /* DHCP options kept per packet */
#define WIRE_GENEVE_OPT_MAX 8u    /* Geneve options kept per header (the rest counted) */
/* HTTP header lines kept per packet, over all its HTTP layers (a message has
 * at most WIRE_HTTP_HEADER_LINES_MAX; a frame completing several pipelined
 * messages shares the table). */
#define WIRE_HTTP_HDR_TAB_MAX 128u

enum wire_lstat { WIRE_LS_OK = 0, WIRE_LS_TRUNC, WIRE_LS_INVALID };

/* Checksum verdicts. */
enum wire_csum {
	WIRE_CSUM_UNCHECKED = 0, /* not fully captured, or not verifiable */
	WIRE_CSUM_OK,
	WIRE_CSUM_BAD,
	WIRE_CSUM_PARTIAL, /* left to hardware (WIRE_PKT_CSUM_PARTIAL) */
	WIRE_CSUM_GSO,     /* part of a GSO/TSO super-packet */
};

struct wire_eth {
	uint8_t dst[6], src[6];
	uint16_t type; /* ethertype, or the 802.3 length when < 0x0600 */
};

struct wire_vlan {
	uint16_t tpid; /* 0x8100 or 0x88a8 (or 0x9100) */
	uint16_t tci;  /* pcp:3 dei:1 id:12 */
	uint16_t type;
};

struct wire_sll {
	uint8_t version; /* 1 or 2 */
	uint8_t halen;
	uint16_t pkttype, hatype, proto;
	uint32_t ifindex; /* v2 only */
	uint8_t addr[8];
};

struct wire_null {
	uint32_t family; /* AF_ value as found (byte order resolved) */
};

struct wire_arp {
	uint16_t htype, ptype, op;
	uint8_t hlen, plen;
	uint8_t sha[16], spa[16], tha[16], tpa[16]; /* first min(len, 16) bytes */
};

struct wire_ipv4 {
	uint8_t ihl, tos, ttl, proto;
	uint16_t len, id, frag, csum; /* frag: flags (3 bits) and offset (13 bits) */
	uint16_t optlen;
	uint8_t src[4], dst[4];
	uint8_t csum_st;          /* enum wire_csum for the header checksum */
	uint8_t gso;              /* total length 0 or past the frame: a GSO super-packet */
	uint8_t opt_first, opt_n; /* decoded options: d->ipopt[opt_first..+opt_n) */
	uint8_t opt_err;          /* after them: 1 cut, 2 bad length, 3 the table was full */
	const uint8_t *opt;
};

struct wire_ipv6 {
	uint8_t tc, nxt, hlim, gso;
	uint16_t plen;
	uint32_t flow;
	uint8_t src[16], dst[16];
};

/* One IPv6 extension header (RFC 8200 section 4). */
struct wire_ip6ext {
	uint8_t type; /* 0 hop-by-hop, 43 routing, 44 fragment, 60 destination */
	uint8_t nxt;
	uint16_t hlen;          /* bytes */
	uint8_t rtype, segleft; /* routing */
	uint8_t has_final;      /* routing, segleft > 0: final destination known */
	uint8_t final[16];      /* routing: the final destination (RFC 8200 8.1) */
	uint8_t frag_m;         /* fragment: more fragments */
	uint16_t frag_off;      /* fragment: offset in 8-byte units */
	uint32_t frag_id;
	uint32_t jumbo; /* hop-by-hop jumbo payload option, 0 if absent */
};

struct wire_icmp {
	uint8_t type, code, csum_st;
	uint16_t csum;
	uint16_t id, seq; /* echo, timestamp, info */
	uint32_t rest;    /* the 4 bytes after the checksum */
	uint32_t len;     /* ICMP message length (header + data) */
};

struct wire_icmp6 {
	uint8_t type, code, csum_st, has_target, has_ll;
	uint16_t csum;
	uint16_t id, seq;
	uint32_t rest;
	uint32_t len;
	uint8_t target[16]; /* NS/NA target, redirect target */
	uint8_t ll[6];      /* source/target link-layer address option */
	uint8_t ll_type;    /* 1 source, 2 target */
	uint8_t ra_hlim, ra_flags;
	uint16_t ra_life;
};

/* TCP flag bits as in the header's 12 low bits of the offset/flags word. */
#define WIRE_TH_FIN 0x001u
#define WIRE_TH_SYN 0x002u
#define WIRE_TH_RST 0x004u
#define WIRE_TH_PSH 0x008u
#define WIRE_TH_ACK 0x010u
#define WIRE_TH_URG 0x020u
#define WIRE_TH_ECE 0x040u
#define WIRE_TH_CWR 0x080u
#define WIRE_TH_AE 0x100u
#define WIRE_TH_RESERVED 0xe00u

struct wire_tcp {
	uint16_t sport, dport, flags, win, csum, urp;
	uint8_t doff; /* header length in bytes */
	uint8_t csum_st;
	uint16_t optlen;
	uint8_t opt_first, opt_n; /* decoded options: d->topt[opt_first..+opt_n) */
	uint8_t opt_err;          /* after them: 1 cut by the capture, 2 bad length */
	uint32_t seq, ack;
	uint32_t paylen; /* payload bytes claimed by the IP layer */
	const uint8_t *opt;
};

struct wire_udp {
	uint16_t sport, dport, ulen, csum;
	uint8_t csum_st;
	uint32_t paylen;
};

struct wire_dns {
	uint16_t id, flags, qd, an, ns, ar;
	uint8_t tcp;    /* over TCP: msg follows a 2-byte length */
	uint16_t qtype; /* first question's type, 0 if none */
	uint32_t len;   /* message bytes at msg */
	const uint8_t *msg;
	const struct wire_dns_msg *f; /* the decoded records, NULL when none */
};

struct wire_http {
	uint8_t is_req;
	uint16_t status;
	uint16_t method_len, uri_len, ver_len, reason_len;
	uint32_t hdr_len; /* header lines after the first line (up to the blank line or the end) */
	const uint8_t *method, *uri, *ver, *reason, *hdr;
	uint16_t hh_first, hh_n; /* decoded header lines: d->hh[hh_first..+hh_n) */
	uint8_t hh_cut;          /* lines past the table's room were not kept */
};

struct wire_dhcp {
	uint8_t op, htype, hlen, hops, msgtype;
	uint16_t secs, flags;
	uint32_t xid;
	uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
	uint8_t chaddr[16];
	uint16_t optlen;
	uint8_t opt_n;   /* decoded options: d->dhcpopt[0..opt_n) (one DHCP layer per packet) */
	uint8_t opt_cut; /* options past the table's room were not kept */
	const uint8_t *opt;
};

/* One DHCP option (RFC 2132): code, length and value bytes (into the packet;
 * the pad and end options are not kept). */
struct wire_dhcpopt {
	uint8_t code, len;
	const uint8_t *val;
};

struct wire_tls {
	uint8_t ctype, hs_type;
	uint16_t version, hs_version;
	uint16_t sni_len;
	const uint8_t *sni;
};

/* VXLAN (RFC 7348) as Wireshark reads it: the flags word holds the I bit
 * (0x0800) and the group policy extension's G, D and A bits. */
struct wire_vxlan {
	uint16_t flags, gbp;
	uint32_t vni;
	uint8_t rsvd; /* the last byte */
};

/* One Geneve option (RFC 8926 3.5). */
struct wire_geneve_opt {
	uint16_t cls;
	uint8_t type;
	uint8_t flags; /* the 3 reserved bits */
	uint8_t len;   /* bytes, its 4-byte header included */
	uint8_t off;   /* of its header in the options (wire_geneve.optp) */
};

/* Geneve (RFC 8926 3.4). */
struct wire_geneve {
	uint8_t ver, optlen, flags, rsvd; /* optlen in bytes; flags: O 0x80, C 0x40 */
	uint16_t proto;                   /* an ethertype; 0x6558 is Ethernet */
	uint32_t vni;
	uint8_t opt_n;    /* options in opt */
	uint8_t opt_more; /* options past WIRE_GENEVE_OPT_MAX, walked, not kept */
	struct wire_geneve_opt opt[WIRE_GENEVE_OPT_MAX];
	const uint8_t *optp; /* the optlen option bytes (in the packet), when opt_n */
};

/* ---- fields decoded once (side tables of struct wire_dissect) ---------- */

/* HTTP headers with a Wireshark field of their own (http.host...), found
 * once by the dissector (names compared without case). */
enum wire_http_hk {
	WIRE_HH_OTHER = 0,
	WIRE_HH_HOST,
	WIRE_HH_USER_AGENT,
	WIRE_HH_CONTENT_TYPE,
	WIRE_HH_CONTENT_LENGTH,
	WIRE_HH_SERVER,
	WIRE_HH_LOCATION,
	WIRE_HH_CONNECTION,
	WIRE_HH_ACCEPT,
	WIRE_HH_REFERER,
	WIRE_HH_COOKIE,
	WIRE_HH_SET_COOKIE,
	WIRE_HH_TRANSFER_ENCODING,
	WIRE_HH_CACHE_CONTROL,
	WIRE_HH_DATE,
	WIRE_HH_COUNT
};
/* Returns the lowercase header name of a known header ("host"), or NULL. */
const char *wire_http_hk_name(unsigned hk);

/* One TCP or IPv4 option. */
struct wire_opt {
	uint8_t kind, len;   /* len: whole option incl. kind/len (1 for NOP/EOL) */
	const uint8_t *data; /* len-2 bytes of value */
};

/* One HTTP header line (without its CRLF), as the dissector split it. */
struct wire_http_hdr {
	const uint8_t *line; /* into the packet (or the reassembled message) */
	uint16_t len;
	uint16_t val; /* offset of the value: after the colon and blanks (len when
	               * the line has no colon) */
	uint8_t hk;   /* enum wire_http_hk */
};

/* TCP option kinds with a meaning of their own. */
enum {
	WIRE_TCPOPT_EOL = 0,
	WIRE_TCPOPT_NOP = 1,
	WIRE_TCPOPT_MSS = 2,
	WIRE_TCPOPT_WS = 3,
	WIRE_TCPOPT_SACKOK = 4,
	WIRE_TCPOPT_SACK = 5,
	WIRE_TCPOPT_TS = 8,
	WIRE_TCPOPT_MPTCP = 30,
	WIRE_TCPOPT_TFO = 34,
};
#define WIRE_TCPOPT_RAW 16u /* value bytes kept of an unknown, MPTCP or TFO option */

/* One decoded TCP option (RFC 9293 3.2, RFC 7323, RFC 2018, RFC 8684, RFC 7413). */
struct wire_tcpopt {
	uint8_t kind, len; /* len: whole option incl. kind/len (1 for NOP/EOL) */
	uint8_t ok;        /* the length is right for the kind (the value is read as far
	                    * as the option goes even when it is not: -V shows it) */
	uint8_t n;         /* SACK: blocks; others: value bytes in raw */
	union {
		uint16_t mss;
		uint8_t ws;
		struct {
			uint32_t val, ecr;
		} ts;
		uint32_t sack[2 * WIRE_TCP_SACK_MAX]; /* left, right edge pairs (absolute) */
		uint8_t raw[WIRE_TCPOPT_RAW];         /* first bytes of the value (MPTCP: subtype
		                                       * in raw[0] >> 4; TFO: the cookie) */
	} v;
};

/* Handles of name text in struct wire_dns_msg's arena. */
#define WIRE_DNS_NONE 0xffffu /* no name: not decodable, or the arena was full */
#define WIRE_DNS_TXT_NONE 0xffffu

/* One DNS record (questions too) with its rdata decoded. */
struct wire_dns_rec {
	uint8_t section; /* WIRE_DNS_QD .. WIRE_DNS_AR */
	uint8_t rdok;    /* rdata of a known type decoded (see each member) */
	uint16_t type, class_;
	uint16_t rdlen;
	uint32_t ttl;
	uint16_t name; /* owner name (arena handle) */
	union {
		uint8_t a[4];          /* A: rdlen 4 */
		uint8_t aaaa[16];      /* AAAA: rdlen 16 */
		uint16_t target;       /* NS, CNAME, PTR, DNAME: name handle */
		struct {               /* MX (rdok: rdlen >= 3) */
			uint16_t pref; /* preference */
			uint16_t name; /* exchange (handle) */
		} mx;
		struct {
			uint16_t mname, rname; /* handles; NONE stops the rest */
			uint8_t nnum;          /* numbers read before the message ended */
			uint32_t num[5];       /* serial refresh retry expire minimum */
		} soa;
		struct { /* SRV (rdok: rdlen >= 7 and a target) */
			uint16_t prio, weight, port, target;
		} srv;
		struct {                /* TXT, SPF: character-strings */
			uint16_t first; /* index into txt[] */
			uint8_t n;      /* strings kept (at most WIRE_DNS_TXT_REC_MAX) */
		} txt;
		struct { /* CAA (RFC 8659; rdok: the tag fits) */
			uint8_t flags, taglen;
			uint16_t vallen;
			const uint8_t *tag, *val; /* into the message */
		} caa;
		struct { /* OPT (RFC 6891): class and TTL hold these */
			uint16_t udp_size;
			uint8_t ext_rcode, version;
			uint16_t flags; /* DO bit 0x8000 */
		} opt;
	} rd;
};

/* One TXT character-string: n bytes at p inside the message. */
struct wire_dns_txt {
	const uint8_t *p;
	uint8_t n;
};

/* A DNS message's records as the dissector decoded them: questions, answers,
 * authority and additional records in order, at most WIRE_DNS_RR_MAX per
 * section (the same records the validating walk reads, so a record that ends
 * the walk as truncated or invalid is not here); names in presentation format
 * (as wire_dns_name), NUL-terminated in the arena. A name that does not fit
 * in the arena, and TXT strings past WIRE_DNS_TXT_MAX, are not kept: only
 * crafted messages reach those bounds (compression lets a few bytes stand
 * for a long name). */
struct wire_dns_msg {
	uint16_t n;    /* records in rec */
	uint16_t ntxt; /* strings in txt */
	uint32_t used; /* arena bytes used */
	uint8_t full;  /* a name did not fit in the arena (shown as NONE) */
	struct wire_dns_rec rec[4 * WIRE_DNS_RR_MAX];
	struct wire_dns_txt txt[WIRE_DNS_TXT_MAX];
	char arena[WIRE_DNS_ARENA_MAX];
};

/* Returns the text of name handle h, or NULL for WIRE_DNS_NONE. */
static inline const char *wire_dns_text(const struct wire_dns_msg *f, uint16_t h)
{
	return h == WIRE_DNS_NONE ? NULL : f->arena + h;
}

struct wire_layer {
	uint8_t kind;    /* enum wire_lk */
	uint8_t status;  /* enum wire_lstat */
	uint8_t quoted;  /* inside an ICMP error's quoted packet */
	uint32_t off;    /* header offset in the packet */
	uint32_t len;    /* header bytes */
	uint32_t have;   /* bytes captured from off on: a TRUNC header's fields
	                  * that end within them were read (wire_pr_has) */
	const char *why; /* INVALID: reason (may point at whybuf) */
	char whybuf[56];
	union {
		struct wire_eth eth;
		struct wire_vlan vlan;
		struct wire_sll sll;
		struct wire_null null;
		struct wire_arp arp;
		struct wire_ipv4 ip4;
		struct wire_ipv6 ip6;
		struct wire_ip6ext ext;
		struct wire_icmp icmp;
		struct wire_icmp6 icmp6;
		struct wire_tcp tcp;
		struct wire_udp udp;
		struct wire_dns dns;
		struct wire_http http;
		struct wire_dhcp dhcp;
		struct wire_tls tls;
		struct wire_vxlan vxlan;
		struct wire_geneve geneve;
	} u;
};

/* What a dissector says comes next. */
enum wire_next {
	WIRE_NEXT_NONE = 0,
	WIRE_NEXT_ETHERTYPE, /* val: ethertype */
	WIRE_NEXT_IPPROTO,   /* val: IP protocol number */
	WIRE_NEXT_UDP,       /* val: sport << 16 | dport */
	WIRE_NEXT_TCP,       /* val: sport << 16 | dport */
	WIRE_NEXT_LAYER,     /* val: enum wire_lk */
};

struct wire_dissect {
	const struct wire_pkt *pkt;
	unsigned n;                  /* layers decoded */
	int bad;                     /* index of the first TRUNC/INVALID layer, or -1 */
	int ip;                      /* index of the innermost IP layer, or -1 */
	int tp;                      /* index of the transport TCP/UDP layer: the outer one,
	                              * or the first inside a VXLAN/Geneve tunnel; -1: none */
	uint32_t tp_off, tp_len;     /* transport payload (captured bytes) */
	uint32_t rest_off, rest_len; /* bytes no dissector consumed */
	enum wire_next next;
	uint32_t next_val;
	uint32_t claim;   /* bytes the headers so far say the reader should hold */
	uint8_t ext_type; /* IPv6 extension header type for the next ip6ext layer */
	uint8_t frag;     /* inside a fragment: lengths and checksums not checkable */
	uint8_t gso;      /* inside a GSO super-packet */
	struct wire_layer l[WIRE_DISSECT_DEPTH_MAX];
	/* A reassembled IP datagram (wire/defrag.h): layers [re_from, n) were
	 * decoded from re (the datagram rebuilt as one packet), the layers before
	 * from pkt (the fragment that completed it, with its own fields). re is
	 * NULL for a packet that completes nothing. */
	const struct wire_pkt *re;
	uint8_t re_from;
	uint32_t re_len;    /* bytes of the reassembled payload (after the IP or
	                     * Fragment header) */
	uint32_t re_nfrags; /* fragments it was made of */
	/* Side tables (only their counts are reset per packet). */
	uint8_t ntopt;                                     /* options in topt */
	uint8_t dns_used;                                  /* dns holds a layer's records */
	struct wire_tcpopt topt[WIRE_TCPOPT_TAB_MAX];      /* every TCP layer's options */
	uint8_t nipopt;                                    /* options in ipopt */
	struct wire_opt ipopt[WIRE_IPOPT_TAB_MAX];         /* every IPv4 layer's options */
	struct wire_dhcpopt dhcpopt[WIRE_DHCPOPT_TAB_MAX]; /* the DHCP layer's options */
	uint16_t nhh;                                      /* header lines in hh */
	struct wire_http_hdr hh[WIRE_HTTP_HDR_TAB_MAX];    /* every HTTP layer's header lines */
	struct wire_dns_msg *dns; /* the DNS layer's records: the caller's scratch
	                           * (wire_dissect_ex), or NULL: none kept */
};

/* Returns the packet whose bytes layer i of d was decoded from (d->pkt, or
 * the reassembled datagram for the layers after a completing fragment). */
static inline const struct wire_pkt *wire_layer_pkt(const struct wire_dissect *d, unsigned i)
{
	return d->re && i >= d->re_from ? d->re : d->pkt;
}

/* A dissector: decodes one header from r into l (kind already set), sets
 * l->status and l->why, moves r to the next layer's bytes (narrowed to what the
 * header claims) and sets d->next / d->next_val. */
struct wire_proto {
	const char *name;
	uint8_t kind;
	void (*decode)(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
};

extern const struct wire_proto wire_proto_eth, wire_proto_vlan, wire_proto_sll, wire_proto_null,
    wire_proto_raw, wire_proto_arp, wire_proto_ipv4, wire_proto_ipv6, wire_proto_ip6ext,
    wire_proto_icmp, wire_proto_icmp6, wire_proto_tcp, wire_proto_udp, wire_proto_dns,
    wire_proto_http, wire_proto_dhcp, wire_proto_tls, wire_proto_vxlan, wire_proto_geneve;

/* Per-protocol decoders (the .decode of each wire_proto_<name>). */
void wire_eth_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_vlan_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_sll_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_null_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
/* Returns the IP dissector for a raw-IP link type, by link type or by the
 * version nibble of the first byte. */
const struct wire_proto *wire_raw_pick(int linktype, const struct wire_rd *r);
void wire_arp_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_ipv4_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_ipv6_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_ip6ext_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_icmp_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_icmp6_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_tcp_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_udp_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_dns_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_http_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_dhcp_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_tls_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_vxlan_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);
void wire_geneve_decode(struct wire_dissect *d, struct wire_rd *r, struct wire_layer *l);

/* Returns 1 when the packet was captured on a loopback device (interface
 * "lo", a cooked header with ARPHRD_LOOPBACK, or Ethernet with zero MACs),
 * where an IP length past the frame means a GSO super-packet. */
int wire_dissect_on_lo(const struct wire_dissect *d);

/* Returns a reader over n bytes at p; an empty one when p is NULL (so no
 * arithmetic is ever done on a null pointer). */
static inline struct wire_rd wire_rd_init0(const void *p, size_t n)
{
	static const uint8_t none[1];
	return p ? wire_rd_init(p, n) : wire_rd_init(none, 0);
}

/* Subtracts n header bytes from what the headers claim is left. */
static inline void wire_claim_sub(struct wire_dissect *d, uint32_t n)
{
	d->claim = d->claim > n ? d->claim - n : 0;
}

/* Dissects pkt into *d (on the caller's stack). Returns the number of layers.
 * DNS records are not kept (wire_dns.f is NULL): see wire_dissect_ex. */
unsigned wire_dissect(struct wire_dissect *d, const struct wire_pkt *pkt);
/* The same, keeping the records of the packet's first DNS layer in dns (the
 * caller's scratch, reused per packet; NULL: none kept). */
unsigned wire_dissect_ex(struct wire_dissect *d, const struct wire_pkt *pkt,
                         struct wire_dns_msg *dns);

/* Returns the dissector for a (kind, value) pair from the registry, or NULL. */
const struct wire_proto *wire_registry_lookup(enum wire_next kind, uint32_t val);
/* Returns the dissector for a link type, or NULL. */
const struct wire_proto *wire_registry_link(int linktype);

/* Marks l truncated (returns nothing). */
void wire_layer_trunc(struct wire_layer *l);
/* Marks l invalid with a printf-style reason. */
void wire_layer_invalid(struct wire_layer *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Internet checksum helpers: returns the running 32-bit sum of n bytes. */
uint32_t wire_csum_add(uint32_t sum, const uint8_t *p, size_t n);
/* Returns the folded one's complement of sum (0 when a checksum verifies). */
uint16_t wire_csum_fold(uint32_t sum);
/* Verifies a TCP/UDP/ICMPv6 checksum over seg (n bytes) with the pseudo-header
 * of IP layer ip. Returns WIRE_CSUM_OK or WIRE_CSUM_BAD. */
int wire_csum_l4(const struct wire_layer *ip, uint8_t proto, const uint8_t *seg, size_t n);

/* Returns the checksum verdict (enum wire_csum) for the transport segment of
 * layer l (seglen bytes from l->off, checksum over the pseudo-header when
 * proto != 0, with the final destination of an IPv6 routing header): PARTIAL
 * or GSO when the packet says so, or when a TCP/UDP checksum field holds the
 * folded pseudo-header sum (CHECKSUM_PARTIAL, as Linux leaves it in every
 * locally sent packet a capture sees before the NIC or on lo); OK when the
 * kernel says it verified it; UNCHECKED when quoted, fragmented or not fully
 * captured. */
int wire_csum_verdict(const struct wire_dissect *d, const struct wire_layer *l, uint8_t proto,
                      uint32_t seglen);

/* Returns 1 when a truncated layer still has fields up to the cut (the
 * dissectors decode what is there: ARP, IP, ICMP, TCP, UDP with bytes; DNS),
 * so --json and -Y show them; 0 when a cut layer has none. */
int wire_layer_cut_shown(const struct wire_layer *l);

/* The destination the conversation above the IPv6 layer d->l[ip] is keyed
 * on, as tshark keys tcp.stream and udp.stream: the final destination of a
 * routing header with segments left after it, else the header's own. */
const uint8_t *wire_ip6_conv_dst(const struct wire_dissect *d, int ip);

/* Returns the folded checksum over the pseudo-header (the same one
 * wire_csum_verdict uses, final IPv6 destination included) and the seglen
 * bytes of layer l, or -1 when they are not all captured or there is no IP
 * layer. 0 means the checksum verifies. */
int wire_csum_l4_sum(const struct wire_dissect *d, const struct wire_layer *l, uint8_t proto,
                     uint32_t seglen);

/* ---- iterators over variable parts ------------------------------------ */

/* Walks options at p (n bytes), at most WIRE_OPT_LOOP_MAX. */
struct wire_opt_it {
	struct wire_rd r;
	unsigned count;
	int err; /* 1 truncated, 2 invalid length */
};
static inline void wire_opt_begin(struct wire_opt_it *it, const uint8_t *p, size_t n)
{
	it->r = wire_rd_init0(p, n);
	it->count = 0;
	it->err = 0;
}

/* Returns 1 with *o filled, or 0 at the end or on error (it->err); inline:
 * every TCP and IPv4 header walks its options here. */
static inline int wire_opt_next(struct wire_opt_it *it, struct wire_opt *o)
{
	if (it->err || wire_rd_left(&it->r) == 0)
		return 0;
	if (it->count >= WIRE_OPT_LOOP_MAX) {
		it->err = 2;
		return 0;
	}
	it->count++;
	o->kind = wire_rd_u8(&it->r);
	o->len = 1;
	o->data = NULL;
	if (o->kind == 0) {
		it->r.p = it->r.end; /* end of options: the rest is padding */
		return 1;
	}
	if (o->kind == 1)
		return 1;
	uint8_t len = wire_rd_u8(&it->r);
	if (it->r.err) {
		it->err = 1;
		return 0;
	}
	if (len < 2) {
		it->err = 2;
		return 0;
	}
	o->len = len;
	o->data = wire_rd_take(&it->r, (size_t)len - 2);
	if (!o->data) {
		it->err = 1;
		return 0;
	}
	return 1;
}

/* DNS (RFC 1035). */
enum { WIRE_DNS_QD = 0, WIRE_DNS_AN, WIRE_DNS_NS, WIRE_DNS_AR };
#define WIRE_DNS_NAME_TEXT 1040u /* buffer for a presentation-format name */
struct wire_dns_rr {
	uint8_t section;
	uint16_t type, class_;
	uint32_t ttl;
	uint16_t rdlen;
	uint32_t name_off;  /* offset of the owner name in the message */
	uint32_t rdata_off; /* offset of rdata in the message */
};
struct wire_dns_it {
	const uint8_t *msg;
	uint32_t len, off;
	uint8_t sect;
	uint16_t left[4];
	unsigned count;
	int err; /* 1 truncated, 2 invalid */
};
void wire_dns_begin(struct wire_dns_it *it, const struct wire_dns *dns);
/* Returns 1 with the next record (questions first), 0 at the end or error. */
int wire_dns_next(struct wire_dns_it *it, struct wire_dns_rr *rr);
/* Decodes the name at off in msg (len bytes) into out (text, NUL-terminated,
 * non-printables as \DDD). Returns the offset just past the name in place
 * (not following pointers), or a negative value: -1 truncated, -2 invalid
 * (forward or looping pointer, too long). */
long wire_dns_name(const uint8_t *msg, uint32_t len, uint32_t off, char *out, size_t outsz);
/* Returns the mnemonic for a DNS type ("A", "AAAA", ...) or NULL. */
const char *wire_dns_type_name(uint16_t type);

/* Returns the name of a TLS record content type ("Handshake", ...) or NULL. */
const char *wire_tls_ctype_name(uint8_t t);
/* Returns the name of a TLS handshake message type ("ClientHello",
 * "Certificate", ...; tshark's names without spaces) or NULL. */
const char *wire_tls_hs_name(uint8_t t);
/* Writes what a TLS record is into buf (size n): "Handshake ClientHello",
 * "Application Data", "Handshake type 99", "content type 99"; hs_type < 0
 * when the record is not a handshake or its type was not captured. The one
 * label `read` and --trace share. Returns buf. */
const char *wire_tls_label(char *buf, size_t n, uint8_t ctype, int hs_type);

/* Returns a short lowercase name for a layer kind ("eth", "ip", "tcp"...). */
const char *wire_layer_name(unsigned kind);

#endif
