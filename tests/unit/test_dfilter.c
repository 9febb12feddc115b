/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Display filters (wire/dfilter.h) over three crafted packets: an HTTP
 * response over IPv4/TCP, a DNS query over IPv6/UDP and an ARP request. Each
 * operator, precedence, !, parentheses, sets and ranges, CIDR v4/v6, contains
 * on strings and bytes, matches, integer bases, the "any" and "all"
 * semantics of multi-occurrence fields, the reserved tcp.analysis.* hook, and
 * every malformed expression with its error position, the depth, length and
 * node caps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "wire/dfilter.h"

static const char http_body[] = "HTTP/1.1 404 Not Found\r\nServer: nginx\r\n"
                                "Content-Type: text/html\r\n\r\n";

static uint8_t p_tcp[256], p_udp[256], p_arp[64];
static size_t n_tcp, n_udp;
static struct wire_pkt k_tcp, k_udp, k_arp;
static struct wire_dissect d_tcp, d_udp, d_arp;

static const uint8_t eth_hdr[12] = {0x02, 0, 0, 0, 0, 0x02, 0x00, 0x24, 0xb2, 0x84, 0x19, 0x22};

static size_t put(uint8_t *p, size_t off, const void *s, size_t n)
{
	memcpy(p + off, s, n);
	return off + n;
}

static void build_tcp(void)
{
	size_t body = sizeof(http_body) - 1, o = put(p_tcp, 0, eth_hdr, 12);
	uint16_t iplen = (uint16_t)(20 + 20 + body);
	uint8_t et[2] = {0x08, 0x00};
	uint8_t ip[20] = {0x45,
	                  0,
	                  (uint8_t)(iplen >> 8),
	                  (uint8_t)iplen,
	                  0x12,
	                  0x34,
	                  0x40,
	                  0,
	                  64,
	                  6,
	                  0,
	                  0,
	                  10,
	                  1,
	                  2,
	                  3,
	                  192,
	                  168,
	                  1,
	                  11};
	uint8_t tcp[20] = {0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 2, 0, 0, 0, 0, 0};
	o = put(p_tcp, o, et, 2);
	o = put(p_tcp, o, ip, 20);
	o = put(p_tcp, o, tcp, 20);
	n_tcp = put(p_tcp, o, http_body, body);
}

static void build_udp(void)
{
	static const uint8_t q[] = {0xbe, 0xef, 1,   0,   0,   1,   0,   0,   0,   0,   0,
	                            0,    3,    'w', 'w', 'w', 7,   'E', 'x', 'a', 'm', 'p',
	                            'l',  'e',  3,   'c', 'o', 'm', 0,   0,   1,   0,   1};
	uint16_t ulen = (uint16_t)(8 + sizeof(q));
	uint8_t et[2] = {0x86, 0xdd};
	uint8_t ip6[40] = {0x60, 0, 0, 0, 0, (uint8_t)ulen, 17, 64, 0x20, 0x01, 0x0d, 0xb8};
	ip6[23] = 1;
	ip6[24] = 0xfe;
	ip6[25] = 0x80;
	ip6[39] = 1;
	uint8_t udp[8] = {0x14, 0xb4, 0, 53, 0, (uint8_t)ulen, 0, 0};
	size_t o = put(p_udp, 0, eth_hdr, 12);
	o = put(p_udp, o, et, 2);
	o = put(p_udp, o, ip6, 40);
	o = put(p_udp, o, udp, 8);
	n_udp = put(p_udp, o, q, sizeof(q));
}

static void build_arp(void)
{
	static const uint8_t a[] = {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x24, 0xb2, 0x84, 0x19, 0x22, 0x08, 0x06,
	    0,    1,    8,    0,    6,    4,    0,    1,    0x00, 0x24, 0xb2, 0x84, 0x19, 0x22,
	    10,   0,    0,    1,    0,    0,    0,    0,    0,    0,    10,   0,    0,    2};
	memcpy(p_arp, a, sizeof(a));
	k_arp = (struct wire_pkt){.data = p_arp,
	                          .caplen = sizeof(a),
	                          .wirelen = 60,
	                          .linktype = WIRE_LINK_ETHERNET,
	                          .num = 3};
}

static void setup(void)
{
	build_tcp();
	build_udp();
	build_arp();
	k_tcp = (struct wire_pkt){.data = p_tcp,
	                          .caplen = (uint32_t)n_tcp,
	                          .wirelen = (uint32_t)n_tcp,
	                          .linktype = WIRE_LINK_ETHERNET,
	                          .num = 7};
	k_udp = (struct wire_pkt){.data = p_udp,
	                          .caplen = (uint32_t)n_udp,
	                          .wirelen = (uint32_t)n_udp,
	                          .linktype = WIRE_LINK_ETHERNET,
	                          .num = 8};
	static struct wire_dns_msg dns; /* d_udp's DNS records */
	wire_dissect(&d_tcp, &k_tcp);
	wire_dissect_ex(&d_udp, &k_udp, &dns);
	wire_dissect(&d_arp, &k_arp);
}

/* The analysis hook: tcp.analysis.retransmission present on the TCP packet. */
static unsigned ext_get(void *ctx, const struct wire_dissect *d, const char *name,
                        struct wire_fval *v, unsigned max)
{
	(void)ctx;
	if (d != &d_tcp || max < 1 || strcmp(name, "tcp.analysis.retransmission"))
		return 0;
	memset(v, 0, sizeof(*v));
	v->u = 1;
	return 1;
}

static const struct wire_field_ext *ext;

/* Returns 1 or 0 for a match of expr on d, or -1 when it does not compile. */
static int m(const char *expr, const struct wire_dissect *d)
{
	struct wire_dfilter *f;
	char why[256];
	size_t pos;
	if (wire_dfilter_compile(&f, expr, why, sizeof(why), &pos) < 0) {
		fprintf(stderr, "  %s: column %zu: %s\n", expr, pos + 1, why);
		return -1;
	}
	int r = wire_dfilter_match(f, d, ext);
	wire_dfilter_free(f);
	return r;
}

/* Returns the error position of expr, or -1 when it compiles. */
static long bad(const char *expr)
{
	struct wire_dfilter *f = NULL;
	char why[256] = "";
	size_t pos = 0;
	int rc = wire_dfilter_compile(&f, expr, why, sizeof(why), &pos);
	if (rc == 0) {
		wire_dfilter_free(f);
		return -1;
	}
	if (rc != -EINVAL || !why[0] || f)
		return -2;
	return (long)pos;
}

#define T(expr, d, want) CHECK_INT(m(expr, d), want)

static void test_presence_and_relations(void)
{
	T("tcp", &d_tcp, 1);
	T("tcp", &d_udp, 0);
	T("http", &d_tcp, 1);
	T("http.response && !http.request", &d_tcp, 1);
	T("dns && ipv6 && udp", &d_udp, 1);
	T("arp", &d_arp, 1);
	T("tcp.dstport == 80", &d_tcp, 1);
	T("tcp.dstport eq 80", &d_tcp, 1);
	T("tcp.dstport != 80", &d_tcp, 0);
	T("tcp.dstport ne 81", &d_tcp, 1);
	T("tcp.dstport < 80", &d_tcp, 0);
	T("tcp.dstport lt 81", &d_tcp, 1);
	T("tcp.dstport <= 80", &d_tcp, 1);
	T("tcp.dstport le 79", &d_tcp, 0);
	T("tcp.dstport > 79", &d_tcp, 1);
	T("tcp.dstport gt 80", &d_tcp, 0);
	T("tcp.dstport >= 80", &d_tcp, 1);
	T("tcp.dstport ge 81", &d_tcp, 0);
	T("http.response.code >= 400", &d_tcp, 1);
	T("frame.number == 7 && frame.len > 100", &d_tcp, 1);
	T("ip.ttl == 64 && ip.flags.df && ip.flags.mf == 0", &d_tcp, 1);
	T("arp.opcode == 1 && arp.dst.proto_ipv4 == 10.0.0.2", &d_arp, 1);
}

static void test_multi(void)
{
	T("tcp.port == 40000", &d_tcp, 1);
	T("tcp.port == 80", &d_tcp, 1);
	T("tcp.port != 80", &d_tcp, 0); /* all not equal */
	T("tcp.port all_ne 80", &d_tcp, 0);
	T("tcp.port != 81", &d_tcp, 1);
	T("tcp.port ~= 80", &d_tcp, 1); /* any not equal */
	T("tcp.port !== 80", &d_tcp, 1);
	T("tcp.port any_ne 80", &d_tcp, 1);
	T("tcp.port === 80", &d_tcp, 0); /* all equal */
	T("tcp.port all_eq 80", &d_tcp, 0);
	T("tcp.port any_eq 80", &d_tcp, 1);
	T("ip.addr != 10.1.2.3", &d_tcp, 0);
	T("ip.addr != 1.1.1.1", &d_tcp, 1);
	T("udp.port != 53", &d_tcp, 0); /* absent: every comparison is false */
	T("udp.port == 53", &d_tcp, 0);
	T("!(udp.port == 53)", &d_tcp, 1);
}

static void test_logic(void)
{
	T("arp || tcp && udp", &d_tcp, 0);
	T("arp || tcp && udp", &d_arp, 1);
	T("(arp || tcp) && udp", &d_arp, 0);
	T("tcp || udp && arp", &d_tcp, 1);
	T("arp or tcp and udp", &d_arp, 1);
	T("tcp and not udp", &d_tcp, 1);
	T("!udp", &d_tcp, 1);
	T("not tcp", &d_tcp, 0);
	T("!!tcp", &d_tcp, 1);
	T("! ( tcp ) ", &d_tcp, 0);
	T("((((tcp))))", &d_tcp, 1);
	T("tcp ^^ http", &d_tcp, 0);
	T("tcp xor udp", &d_tcp, 1);
	T("tcp || udp ^^ tcp", &d_tcp, 1); /* xor binds tighter than or */
}

static void test_sets(void)
{
	T("tcp.port in {443, 80}", &d_tcp, 1);
	T("tcp.port in {443 8080}", &d_tcp, 0);
	T("tcp.dstport in {1..79, 81..100}", &d_tcp, 0);
	T("tcp.dstport in {70 .. 90}", &d_tcp, 1);
	T("tcp.dstport in {0x50}", &d_tcp, 1);
	T("http.server in {\"apache\" \"nginx\"}", &d_tcp, 1);
	T("ip.dst in {10.0.0.0/8, 192.168.1.0/24}", &d_tcp, 1);
	T("ip.src in {192.168.0.0/16}", &d_tcp, 0);
}

static void test_addresses(void)
{
	T("ip.dst == 192.168.0.0/16", &d_tcp, 1);
	T("ip.dst == 192.168.2.0/24", &d_tcp, 0);
	T("ip.addr == 10.0.0.0/8 && !dns", &d_tcp, 1);
	T("ip.src == 10.1.2.3/32", &d_tcp, 1);
	T("ip.src == 0.0.0.0/0", &d_tcp, 1);
	T("ip.src > 10.1.2.2 && ip.src < 10.1.2.4", &d_tcp, 1);
	T("ipv6.src == 2001:db8::/32", &d_udp, 1);
	T("ipv6.addr == fe80::/10", &d_udp, 1);
	T("ipv6.dst == fe80::2", &d_udp, 0);
	T("ipv6.dst == fe80::1", &d_udp, 1);
	T("ipv6.dst == \"fe80::1\"", &d_udp, 1);
	T("eth.addr == 02:00:00:00:00:02", &d_tcp, 1);
	T("eth.dst == 02-00-00-00-00-02", &d_tcp, 1);
	T("eth.src == 0024.b284.1922", &d_tcp, 1);
	T("eth.dst == ff:ff:ff:ff:ff:ff", &d_arp, 1);
	T("eth.src > 00:00:00:00:00:00", &d_tcp, 1);
}

static void test_strings(void)
{
	T("http.server contains \"ngi\"", &d_tcp, 1);
	T("http.server contains \"NGI\"", &d_tcp, 0); /* contains is case sensitive */
	T("http.server contains ngi", &d_tcp, 1);
	T("http.server == \"ngin\\x78\"", &d_tcp, 1);
	T("http.server == nginx", &d_tcp, 1);
	T("http.server > \"a\" && http.server < \"z\"", &d_tcp, 1);
	T("http.content_type == \"text/html\"", &d_tcp, 1);
	T("http.response.phrase == \"Not Found\"", &d_tcp, 1);
	T("eth.src contains 24:b2", &d_tcp, 1);
	T("eth.src contains b2:24", &d_tcp, 0);
	T("http.server matches \"^NG.*x$\"", &d_tcp, 1); /* matches ignores case */
	T("http.server ~ \"apache|nginx\"", &d_tcp, 1);
	T("http.server matches \"^x\"", &d_tcp, 0);
	T("dns.qry.name == \"www.Example.com\"", &d_udp, 1);
	T("dns.qry.name matches \"example\\\\.com$\"", &d_udp, 1);
	T("dns.qry.type == 1 && dns.flags.response == 0", &d_udp, 1);
	T("dns.flags.response", &d_udp, 1); /* present with the value 0, as Wireshark */
}

static void test_numbers(void)
{
	T("tcp.dstport == 0x50", &d_tcp, 1);
	T("tcp.dstport == 0120", &d_tcp, 1); /* octal */
	T("ip.id == 0x1234", &d_tcp, 1);
	T("ip.id == 4660", &d_tcp, 1);
	T("tcp.flags.push == 1 && tcp.flags.syn == 0", &d_tcp, 1);
	T("tcp.flags.syn", &d_tcp, 1); /* a flag field is present when 0 */
	T("tcp.flags.ack == true && tcp.flags.fin == False", &d_tcp, 1);
	T("tcp.dstport == \"80\"", &d_tcp, 1);
}

static void test_reserved(void)
{
	T("tcp.analysis.retransmission", &d_tcp, 0);
	T("!tcp.analysis.flags", &d_tcp, 1);
	/* the bare name is refused: tshark sets it wherever it has SEQ/ACK
	 * analysis, more than the flags can say */
	T("tcp.analysis", &d_tcp, -1);
	T("tcp.analysis.bogus", &d_tcp, -1);
	T("tcp.analysis.duplicate_ack_num > 1", &d_tcp, 0);
	struct wire_field_ext x = {ext_get, NULL};
	ext = &x;
	T("tcp.analysis.retransmission", &d_tcp, 1);
	T("tcp.analysis.retransmission == 1", &d_tcp, 1);
	T("tcp.analysis.retransmission", &d_udp, 0);
	T("tcp.analysis.lost_segment", &d_tcp, 0);
	ext = NULL;
}

/* The per-conversation fields come from the provider too. */
static unsigned conv_get(void *ctx, const struct wire_dissect *d, const char *name,
                         struct wire_fval *v, unsigned max)
{
	(void)ctx;
	if (d != &d_tcp || max < 1)
		return 0;
	memset(v, 0, sizeof(*v));
	if (!strcmp(name, "tcp.stream"))
		v->u = 3;
	else if (!strcmp(name, "tcp.seq") || !strcmp(name, "tcp.ack"))
		v->u = 1;
	else if (!strcmp(name, "tcp.window_size"))
		v->u = 65536;
	else
		return 0;
	return 1;
}

static void test_conversation_fields(void)
{
	T("tcp.stream", &d_tcp, 0); /* known, absent without a provider */
	T("tcp.seq == 1 || udp.stream == 0", &d_tcp, 0);
	struct wire_field_ext x = {conv_get, NULL};
	ext = &x;
	T("tcp.stream == 3 && tcp.seq == 1", &d_tcp, 1);
	T("tcp.seq == tcp.ack", &d_tcp, 1);
	T("tcp.window_size > tcp.window_size_value", &d_tcp, 1); /* 512 in the header */
	T("tcp.stream in {0..2}", &d_tcp, 0);
	T("udp.stream", &d_tcp, 0);
	T("tcp.stream", &d_udp, 0);
	ext = NULL;
}

static void test_field_to_field(void)
{
	T("tcp.srcport == tcp.dstport", &d_tcp, 0);
	T("tcp.srcport != tcp.dstport", &d_tcp, 1);
	T("tcp.srcport > tcp.dstport", &d_tcp, 1); /* 40000 > 80 */
	T("tcp.dstport <= tcp.srcport && tcp.dstport >= tcp.dstport", &d_tcp, 1);
	T("ip.src == ip.dst", &d_tcp, 0);
	T("ip.addr == ip.src", &d_tcp, 1);  /* any pair */
	T("ip.addr != ip.src", &d_tcp, 0);  /* all pairs differ: no */
	T("ip.addr ~= ip.src", &d_tcp, 1);  /* some pair differs */
	T("ip.addr === ip.src", &d_tcp, 0); /* all pairs equal: no */
	T("eth.src == arp.src.hw_mac", &d_arp, 1);
	T("eth.dst == arp.src.hw_mac", &d_arp, 0);
	T("http.server contains http.server", &d_tcp, 1);
	T("http.server == http.host", &d_tcp, 0); /* no Host: absent */
	T("tcp.srcport == udp.srcport", &d_tcp, 0);
	T("tcp.flags.push == tcp.flags.ack", &d_tcp, 1);
	T("ip.len == frame.len", &d_tcp, 0);
}

static void test_slices(void)
{
	T("eth.src[0:3] == 00:24:b2", &d_tcp, 1);
	T("eth.src[0:3] == 00:24:b3", &d_tcp, 0);
	T("eth.src[1-2] == 24:b2", &d_tcp, 1);
	T("eth.src[5] == 22", &d_tcp, 1);
	T("eth.src[-2:2] == 19:22", &d_tcp, 1);
	T("eth.src[-2:] == 19:22", &d_tcp, 1);
	T("eth.src[4:] == 19:22", &d_tcp, 1);
	T("eth.src[:2] == 00:24", &d_tcp, 1);
	T("eth.src[4:4] == 19:22", &d_tcp, 0); /* past the end: no value */
	T("eth.src[6]", &d_tcp, 0);
	T("eth.src[5]", &d_tcp, 1);
	T("eth.src[0:3] == eth.dst[0:3]", &d_tcp, 0);
	T("eth.src[0:3] == arp.src.hw_mac[0:3]", &d_arp, 1);
	T("ip.src[0] == 0a", &d_tcp, 1);
	T("ip.dst[0:2] == c0:a8", &d_tcp, 1);
	T("ipv6.src[0:2] == 20:01", &d_udp, 1);
	T("http.response.phrase[0:3] == \"Not\"", &d_tcp, 1);
	T("tcp.payload[0:4] == \"HTTP\"", &d_tcp, 1);
	T("tcp.payload contains \"nginx\"", &d_tcp, 1);
	T("tcp.payload[0:4] contains 54:50", &d_tcp, 1);
	T("tcp.payload", &d_udp, 0);
	T("eth.src[0:2] in {00:24, 00:25}", &d_tcp, 1);
}

static void test_functions(void)
{
	T("len(http.server) == 5", &d_tcp, 1);
	T("len(eth.src) == 6 && len(ip.src) == 4 && len(ipv6.src) == 16", &d_tcp, 0);
	T("len(ipv6.src) == 16", &d_udp, 1);
	T("len(tcp.payload) == 66", &d_tcp, 1);
	T("len(eth.src[0:3]) == 3", &d_tcp, 1);
	T("len(dns.qry.name) in {10..20}", &d_udp, 1);
	T("lower(http.server) == \"nginx\"", &d_tcp, 1);
	T("upper(http.server) == \"NGINX\"", &d_tcp, 1);
	T("upper(http.server) == http.server", &d_tcp, 0);
	T("lower(http.server) == http.server", &d_tcp, 1);
	T("LOWER(dns.qry.name) == \"www.example.com\"", &d_udp, 1);
	T("upper(dns.qry.name) contains \"EXAMPLE\"", &d_udp, 1);
	T("lower(dns.qry.name) matches \"^www\\\\.\"", &d_udp, 1);
	T("len(http.host) > 0", &d_tcp, 0); /* absent */
}

static void test_errors(void)
{
	CHECK_INT(bad(""), 0);
	CHECK_INT(bad("   "), 3);
	CHECK_INT(bad("tcp =="), 4); /* a protocol compared */
	CHECK_INT(bad("tcp.port =="), 11);
	CHECK_INT(bad("nosuch"), 0);
	CHECK_INT(bad("tcp && nosuch.field == 1"), 7);
	CHECK_INT(bad("tcp.analysis."), 0);
	CHECK_INT(bad("(tcp"), 0);
	CHECK_INT(bad("(tcp udp"), 5);
	CHECK_INT(bad("tcp)"), 3);
	CHECK_INT(bad("tcp && "), 7);
	CHECK_INT(bad("&& tcp"), 0);
	CHECK_INT(bad("tcp.port == abc"), 12);
	CHECK_INT(bad("tcp.port == -1"), 12);
	CHECK_INT(bad("tcp.port == 99999999999999999999999"), 12);
	CHECK_INT(bad("ip.addr == 1.2.3.4/33"), 11);
	CHECK_INT(bad("ip.addr == 1.2.3"), 11);
	CHECK_INT(bad("ipv6.addr == 10.0.0.1"), 13);
	CHECK_INT(bad("ipv6.addr == fe80::/129"), 13);
	CHECK_INT(bad("eth.src == zz:00"), 11);
	CHECK_INT(bad("tcp contains 1"), 4);
	CHECK_INT(bad("tcp == 1"), 4);
	CHECK_INT(bad("ip.ttl contains 1"), 7);
	CHECK_INT(bad("tcp.port matches \"8\""), 9);
	CHECK_INT(bad("http.host matches host"), 18);
	CHECK_INT(bad("http.host matches \"(\""), 18);
	CHECK_INT(bad("http.host matches \"a++\""), 18); /* glibc: exponential memory */
	CHECK_INT(bad("http.host matches \"a{256}\""), 18);
	CHECK_INT(bad("http.host matches \"a{200}{200}\""), 18);
	CHECK_INT(bad("http.host matches \"(a{250})(b{250})(c{250})(d{250})(e{9})\""), 18);
	CHECK_INT(bad("http.host matches \"[+*]+a{2,5}\\\\++\""), -1);
	CHECK_INT(bad("tcp.port = 80"), 9);
	CHECK_INT(bad("tcp.port in 80"), 12);
	CHECK_INT(bad("tcp.port in {80"), 15);
	CHECK_INT(bad("tcp.port in {}"), 13);
	CHECK_INT(bad("tcp.port in {1..x}"), 13);
	CHECK_INT(bad("http.host in {a..b}"), 14);
	CHECK_INT(bad("tcp.port in {1 .. }"), 18);
	CHECK_INT(bad("\"abc"), 0);
	CHECK_INT(bad("http.host == \"abc"), 13);
	CHECK_INT(bad("http.host == \"a\\qb\""), 15);
	CHECK_INT(bad("ip.addr == 10.0.0.1 10.0.0.2"), 20);
	CHECK_INT(bad("tcp # udp"), 4);
	CHECK_INT(bad("tcp.port == ("), 12);
	CHECK_INT(bad("tcp.port == 80 &&"), 17);
	CHECK_INT(bad("!"), 1);
	CHECK_INT(bad("()"), 1);
	/* comparisons of two fields, slices, functions */
	CHECK_INT(bad("ip.src == ipv6.src"), 10);
	CHECK_INT(bad("tcp.port == ip.src"), 12);
	CHECK_INT(bad("tcp.port in {tcp.port}"), 13);
	CHECK_INT(bad("http.host matches http.host"), 10);
	CHECK_INT(bad("tcp.port contains tcp.port"), 9);
	CHECK_INT(bad("tcp.port == tcp"), 12);
	CHECK_INT(bad("tcp.port[0] == 00"), 8);
	CHECK_INT(bad("eth.src[x] == 00"), 8);
	CHECK_INT(bad("eth.src[0:0] == 00"), 8);
	CHECK_INT(bad("eth.src[2-1] == 00"), 8);
	CHECK_INT(bad("eth.src[0:3 == 00"), 12);
	CHECK_INT(bad("eth.src[] == 00"), 8);
	CHECK_INT(bad("eth.src[0:3] == zz"), 16);
	CHECK_INT(bad("len(tcp.port) == 2"), 0);
	CHECK_INT(bad("lower(tcp.port) == 1"), 0);
	CHECK_INT(bad("lower(eth.src) == 1"), 0);
	CHECK_INT(bad("len(http.host"), 13);
	CHECK_INT(bad("len(nosuch) > 1"), 4);
	CHECK_INT(bad("len(http.host)"), 0);
	CHECK_INT(bad("len(http.host) == abc"), 18);
	CHECK_INT(bad("size(http.host) == 1"), 0);
}

static void test_caps(void)
{
	char b[WIRE_DFILTER_LEN_MAX + 16];
	size_t n = 0;
	/* depth: DEPTH_MAX parentheses compile, one more does not */
	for (unsigned i = 0; i < WIRE_DFILTER_DEPTH_MAX; i++)
		b[n++] = '(';
	memcpy(b + n, "tcp", 3);
	n += 3;
	for (unsigned i = 0; i < WIRE_DFILTER_DEPTH_MAX; i++)
		b[n++] = ')';
	b[n] = '\0';
	CHECK_INT(m(b, &d_tcp), 1);
	memmove(b + 1, b, n + 1);
	b[0] = '(';
	b[n + 1] = ')';
	b[n + 2] = '\0';
	CHECK_INT(bad(b), WIRE_DFILTER_DEPTH_MAX);
	/* the same with ! */
	memset(b, '!', WIRE_DFILTER_DEPTH_MAX);
	memcpy(b + WIRE_DFILTER_DEPTH_MAX, "tcp", 4);
	CHECK_INT(m(b, &d_tcp), 1); /* an even count */
	memset(b, '!', WIRE_DFILTER_DEPTH_MAX + 1);
	memcpy(b + WIRE_DFILTER_DEPTH_MAX + 1, "tcp", 4);
	CHECK_INT(bad(b), WIRE_DFILTER_DEPTH_MAX);
	/* length */
	memset(b, ' ', WIRE_DFILTER_LEN_MAX + 1);
	memcpy(b, "tcp", 3);
	b[WIRE_DFILTER_LEN_MAX + 1] = '\0';
	CHECK(bad(b) >= 0);
	b[WIRE_DFILTER_LEN_MAX] = '\0';
	CHECK_INT(m(b, &d_tcp), 1);
	/* nodes: 600 tests in 3000 bytes */
	n = 0;
	for (unsigned i = 0; i < 600; i++) {
		memcpy(b + n, i ? "||tcp" : "tcp", i ? 5 : 3);
		n += i ? 5 : 3;
	}
	b[n] = '\0';
	CHECK(bad(b) > 0);
	b[5 * 200 + 3] = '\0'; /* 201 tests: fine, and the evaluation recursion too */
	CHECK_INT(m(b, &d_udp), 0);
	/* literals: a set of 600 elements */
	n = (size_t)snprintf(b, sizeof(b), "tcp.port in {");
	for (unsigned i = 0; i < 600; i++)
		n += (size_t)snprintf(b + n, sizeof(b) - n, "%u,", i + 1000);
	snprintf(b + n, sizeof(b) - n, "}");
	CHECK(bad(b) > 0);
}

int main(void)
{
	setup();
	CHECK_INT(d_tcp.bad, -1);
	CHECK_INT(d_udp.bad, -1);
	test_presence_and_relations();
	test_multi();
	test_logic();
	test_sets();
	test_addresses();
	test_strings();
	test_numbers();
	test_reserved();
	test_conversation_fields();
	test_field_to_field();
	test_slices();
	test_functions();
	test_errors();
	test_caps();
	return T_END();
}
