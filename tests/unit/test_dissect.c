/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the dissectors and printers on byte vectors (taken from the
 * crafted golden captures, tests/golden/mkpcaps.py): decoded fields, the exact
 * lines the issue asks for, the lecture's -V Ethernet/ARP blocks, invalid
 * values, DNS compression loops and forward pointers, IPv6 extension chains,
 * TCP option loops, VLAN depth, checksum offload labels; and every truncation
 * point of every vector, with the bytes placed right before a PROT_NONE page
 * so any over-read faults, printed in every mode with no control character
 * but \n in the output.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "print/pr.h"
#include "t.h"
#include "wire/dissect.h"
#include "wire/print.h"
#include "wire/sink.h"

static const char v_arp[] = "ffffffffffff0024b2841922080600010800060400010024b2841922c0a80101"
                            "000000000000c0a8011b";
static const char v_udp4[] = "0000000000000000000000000800450000220001400040113cc87f0000017f00"
                             "00019c40138d000e0e2668656c6c6f0a";
static const char v_udp6[] = "00000000000000000000000086dd60000000000e114000000000000000000000"
                             "00000000000100000000000000000000000000000001138d9c40000e0c276865"
                             "6c6c6f0a";
static const char v_udp_short[] = "00000000000000000000000008004500001e0001400040113ccc7f0000017f00"
                                  "00019c40138d0006e9a46869";
static const char v_tcp_syn[] = "0200000000020024b284192208004500003c0001400040063cb97f0000017f00"
                                "00019c40138d0000007b00000000a002ffd79fb800000204ffd70402080a0000"
                                "00010000000001030307";
static const char v_tcp_sack[] = "0200000000020024b284192208004500003c0001400040063cb97f0000017f00"
                                 "00019c40138d0000008200000385a01002007ec6000001010512000003e80000"
                                 "07d000000bb800000fa0";
static const char v_icmp_echo[] = "0200000000020024b2841922080045000054000140004001b73bc0a8011bc0a8"
                                  "0101080000eb00010001000102030405060708090a0b0c0d0e0f101112131415"
                                  "161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
                                  "3637";
static const char v_icmp_unreach[] =
    "0200000000020024b2841922080045000038000140004001b757c0a80101c0a8"
    "011b030353620000000045000028000140004011b757c0a8011bc0a80101829a"
    "0035001426b7";
static const char v_icmp6_ns[] = "0200000000020024b284192286dd6000000000203afffe800000000000000000"
                                 "000000000001ff0200000000000000000001ff0000028700b0cd00000000fe80"
                                 "000000000000000000000000000201010024b2841922";
static const char v_icmp6_unreach[] =
    "0200000000020024b284192286dd60000000003a3a4020010db8000000000000"
    "00000000000220010db8000000000000000000000001010431e3000000006000"
    "0000000a114020010db800000000000000000000000120010db8000000000000"
    "0000000000029c40138d000a7a1d7a7a";
static const char v_ip6ext[] = "0200000000020024b284192286dd60000000001b004020010db8000000000000"
                               "00000000000120010db80000000000000000000000023c000104000000001100"
                               "01040000000003e807d0000bbf32657874";
static const char v_ip6frag[] = "0200000000020024b284192286dd6000000000202c4020010db8000000000000"
                                "00000000000120010db8000000000000000000000002110000010000123403e8"
                                "07d000188e8741414141414141414141414141414141";
static const char v_ip4frag[] = "0200000000020024b284192208004500002c4242200040119512c0a80101c0a8"
                                "011b03e807d00030f2eb46464646464646464646464646464646";
static const char v_ip4opts[] = "0200000000020024b2841922080047000027000140004011aa51c0a80101c0a8"
                                "011b070704000000000003e807d0000b8d426f7074";
static const char v_dns_resp[] = "0200000000020024b284192208004500016100014000401125560a0000350a00"
                                 "000100359c40014d8ebf123481800001000a0000000003777777076578616d70"
                                 "6c6503636f6d0000010001c00c000500010000012c001103776562076578616d"
                                 "706c6503636f6d00c02d000100010000012c00045db8d822c02d000100010000"
                                 "012c00045db8d823c02d001c00010000012c0010260628000220000100000000"
                                 "00000001c010000f00010000012c0014000a046d61696c076578616d706c6503"
                                 "636f6d00c010001000010000012c00120b68656c6c6f20776f726c6405612262"
                                 "5c63c010000200010000012c0011036e7331076578616d706c6503636f6d00c0"
                                 "10000600010000012c0038036e7331076578616d706c6503636f6d000561646d"
                                 "696e076578616d706c6503636f6d00000007e800001c2000000e100012750000"
                                 "00012cc010000c00010000012c001204686f7374076578616d706c6503636f6d"
                                 "00c010006300010000012c00020102";
static const char v_dns_tcp[] = "0200000000020024b284192208004500004b00014000400626770a0000010a00"
                                "00359c430035000000010000000150180064a1e4000000211234010000010000"
                                "0000000003777777076578616d706c6503636f6d0000010001";
static const char v_http_req[] = "0200000000020024b284192208004500008200014000400626400a0000010a00"
                                 "00359c44005000000001000000015018006430ac0000474554202f696e646578"
                                 "2e68746d6c3f713d3120485454502f312e310d0a486f73743a206578616d706c"
                                 "652e636f6d0d0a557365722d4167656e743a20776972656361742d746573740d"
                                 "0a4163636570743a202a2f2a0d0a0d0a";
static const char v_http_resp[] = "0200000000020024b284192208004500008100014000400626410a0000350a00"
                                  "000100509c4400000001000000015018006455470000485454502f312e312034"
                                  "3034204e6f7420466f756e640d0a5365727665723a20746573740d0a436f6e74"
                                  "656e742d547970653a20746578742f68746d6c0d0a436f6e74656e742d4c656e"
                                  "6774683a20350d0a0d0a6e6f70650a";
static const char v_tls[] = "0200000000020024b2841922080045000074000140004006264e0a0000010a00"
                            "00359c4601bb0000000100000001501800648b28000016030100470100004303"
                            "0311111111111111111111111111111111111111111111111111111111111111"
                            "1100000213010100001800000014001200000f7777772e6578616d706c652e6f"
                            "7267";
static const char v_dhcp[] = "ffffffffffff0024b284192208004500011500014000401139d800000000ffff"
                             "ffff0044004301011ad601010600deadbeef0000800000000000000000000000"
                             "0000000000000024b28419220000000000000000000000000000000000000000"
                             "0000000000000000000000000000000000000000000000000000000000000000"
                             "0000000000000000000000000000000000000000000000000000000000000000"
                             "0000000000000000000000000000000000000000000000000000000000000000"
                             "0000000000000000000000000000000000000000000000000000000000000000"
                             "0000000000000000000000000000000000000000000000000000000000000000"
                             "0000000000000000000000000000000000000000000063825363350101370301"
                             "0306ff";
/* VXLAN (UDP 4789) over an ICMP echo, Geneve (UDP 6081) over TCP, over ICMP
 * with an 8-byte critical option, and over IPv4 (0x0800) with three options
 * (tcpdump's corpus: vxlan.pcap 1, geneve.pcap 3 and 1, geneve-gcp.pcap). */
static const char v_vxlan[] =
    "00163e0871cf36dc851eb340080045000086d2c0400040115152c0a8cb01c0a8ca01b05d12b500720000"
    "080000000000640000308801000200163e37f604080045000054000040004001234fc0a8cb03c0a8cb05"
    "0800f6f2050c0001fce2975100000000a6f8020000000000101112131415161718191a1b1c1d1e1f2021"
    "22232425262728292a2b2c2d2e2f3031323334353637";
static const char v_geneve_tcp[] =
    "001b213cab64001b213cac3008004500006e8806400040118a761400000214000001a9b317c1005a0000"
    "0000655800000b00b69ed2495148fe71d883724f08004500003c5a1140004006a4a81e0000021e000001"
    "c819001617b30caf00000000a0023908e4370000020405b40402080aab6d56be0000000001030307";
static const char v_geneve_opt[] =
    "001b213cac30001b213cab6408004500008edfad4000401132af1400000114000002314a17c1007a0000"
    "0240655800000a00000080010000000cfe71d883724fb69ed2495148080045000054bda24000400141041e"
    "0000011e00000208002c5429520017f1a2ce540000000017780c0000000000101112131415161718191a"
    "1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637";
static const char v_geneve_ip[] =
    "4201c0a864034201c0a864fe0800450000740000400002112e27c0a864fec0a86403f5fe17c100600000"
    "0a0008000000000001320101800000d1013202040800000dc0a86402000000000000000001320302000000"
    "000000123445000028d944000040065837c0a86402c0a864010b591f902d5ade4078e9bfda50000200f547"
    "0000";
static const char v_qinq[] = "0200000000020024b284192288a800c8810007d1080600010800060400010024"
                             "b2841922c0a80101000000000000c0a8011b";

static uint8_t bytes_buf[4096];

/* Returns the bytes of hex text h in a static buffer; *n gets the length. */
static const uint8_t *unhex(const char *h, size_t *n)
{
	size_t k = 0;
	for (size_t i = 0; h[i] && h[i + 1] && k < sizeof(bytes_buf); i += 2) {
		unsigned v;
		sscanf(h + i, "%2x", &v);
		bytes_buf[k++] = (uint8_t)v;
	}
	*n = k;
	return bytes_buf;
}

/* Guard page: inputs end right before a PROT_NONE page. */
static uint8_t *guard_base;
static size_t guard_size;

static const uint8_t *guarded(const uint8_t *b, size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	if (!guard_base) {
		guard_size = 4 * pg;
		guard_base = mmap(NULL, guard_size + pg, PROT_READ | PROT_WRITE,
		                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (guard_base == MAP_FAILED)
			abort();
		mprotect(guard_base + guard_size, pg, PROT_NONE);
	}
	if (n > guard_size)
		abort();
	uint8_t *p = guard_base + guard_size - n;
	memcpy(p, b, n);
	return p;
}

static struct wire_pkt mkpkt(const uint8_t *b, size_t n, int linktype)
{
	struct wire_pkt p;
	memset(&p, 0, sizeof(p));
	p.data = guarded(b, n);
	p.caplen = (uint32_t)n;
	p.wirelen = (uint32_t)n;
	p.linktype = linktype;
	p.ts.tv_sec = 43200; /* 12:00:00 UTC */
	p.ts.tv_nsec = 1000;
	p.num = 1;
	return p;
}

static struct wire_buf mem;
static struct wire_sink sink;

/* Prints pkt with opts into memory; returns the NUL-terminated text. */
static const char *print_with(const struct wire_pkt *pkt, enum wire_print_mode mode, int hex,
                              int payload, int iface, enum wire_time_fmt tf, int stats)
{
	static char text[1 << 17];
	struct wire_print_opts o;
	struct wire_printer *pr;
	memset(&o, 0, sizeof(o));
	o.mode = mode;
	o.hex = hex;
	o.payload_hex = payload;
	o.show_iface = iface;
	o.tfmt = tf;
	o.stats = stats;
	wire_buf_reset(&mem);
	wire_sink_init_mem(&sink, &mem);
	if (wire_printer_new(&pr, &o, &sink) < 0)
		abort();
	wire_printer_packet(pr, pkt);
	wire_printer_finish(pr);
	wire_printer_free(pr);
	size_t n = wire_buf_used(&mem);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	memcpy(text, wire_buf_head(&mem), n);
	text[n] = '\0';
	return text;
}

static const char *line_of(const char *hex, int linktype)
{
	size_t n;
	const uint8_t *b = unhex(hex, &n);
	struct wire_pkt p = mkpkt(b, n, linktype);
	return print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0);
}

static struct wire_dns_msg dns_scratch; /* the DNS records of dis() */

static unsigned dis(const char *hex, struct wire_dissect *d, struct wire_pkt *p)
{
	size_t n;
	const uint8_t *b = unhex(hex, &n);
	*p = mkpkt(b, n, WIRE_LINK_ETHERNET);
	return wire_dissect_ex(d, p, &dns_scratch);
}

/* Returns 1 when s holds a control byte other than '\n' and the tab that
 * starts a hex dump line ("\t0x0000:", tcpdump's layout). */
static int has_ctl(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '\t' && (p == s || p[-1] == '\n') && !strncmp(p + 1, "0x", 2))
			continue;
		if (((unsigned char)*p < 0x20 && *p != '\n') || *p == 0x7f)
			return 1;
	}
	return 0;
}

static void test_lecture_blocks(void)
{
	size_t n;
	const uint8_t *b = unhex(v_arp, &n);
	struct wire_pkt p = mkpkt(b, n, WIRE_LINK_ETHERNET);
	const char *out = print_with(&p, WIRE_PRINT_TREE, 0, 0, 0, WIRE_TIME_NONE, 0);
	const char *want = "ARP, Request who-has 192.168.1.27 tell 192.168.1.1, length 28\n"
	                   "****************_ETHERNET_FRAME_****************\n"
	                   "Dest MAC:         ffffffffffff\n"
	                   "Source MAC:       0024b2841922\n"
	                   "Type:             0806\n"
	                   "************************************************\n"
	                   "******************_ARP_HEADER_******************\n"
	                   "Hardware type:    0001\n"
	                   "Protocol type:    0800\n"
	                   "Hardware size:    06\n"
	                   "Protocol size:    04\n"
	                   "Opcode:           0001\n"
	                   "Source MAC:       0024b2841922\n"
	                   "Source IP:        192.168.1.1\n"
	                   "Dest MAC:         000000000000\n"
	                   "Dest IP:          192.168.1.27\n"
	                   "*************************************************\n"
	                   "\n";
	CHECK_STR(out, want);
}

static void test_lines(void)
{
	CHECK_STR(line_of(v_arp, 1),
	          "ARP, Request who-has 192.168.1.27 tell 192.168.1.1, length 28\n");
	CHECK_STR(line_of(v_udp4, 1), "IP 127.0.0.1.40000 > 127.0.0.1.5005: UDP, length 6\n");
	CHECK_STR(line_of(v_udp6, 1), "IP6 ::1.5005 > ::1.40000: UDP, length 6\n");
	CHECK_STR(line_of(v_udp_short, 1),
	          "IP 127.0.0.1.40000 > 127.0.0.1.5005: UDP (invalid: ulen 6 < 8)\n");
	CHECK_STR(
	    line_of(v_tcp_syn, 1),
	    "IP 127.0.0.1.40000 > 127.0.0.1.5005: Flags [S], seq 123, win 65495, options [mss "
	    "65495,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0\n");
	CHECK_STR(line_of(v_tcp_sack, 1),
	          "IP 127.0.0.1.40000 > 127.0.0.1.5005: Flags [.], ack 901, win 512, options "
	          "[nop,nop,sack 2 {1000:2000} {3000:4000}], length 0\n");
	CHECK_STR(line_of(v_icmp_echo, 1),
	          "IP 192.168.1.27 > 192.168.1.1: ICMP echo request, id 1, seq 1, length 64\n");
	CHECK_STR(line_of(v_icmp_unreach, 1),
	          "IP 192.168.1.1 > 192.168.1.27: ICMP 192.168.1.1 udp port 53 unreachable, length "
	          "36 for IP "
	          "192.168.1.27.33434 > 192.168.1.1.53: UDP, length 12\n");
	CHECK_STR(line_of(v_icmp6_ns, 1), "IP6 fe80::1 > ff02::1:ff00:2: ICMP6, neighbor "
	                                  "solicitation, who has fe80::2, length 32\n");
	CHECK_STR(line_of(v_ip6ext, 1),
	          "IP6 2001:db8::1.1000 > 2001:db8::2.2000: HBH DSTOPT UDP, length 3\n");
	CHECK_STR(line_of(v_ip4frag, 1), "IP 192.168.1.1.1000 > 192.168.1.27.2000: UDP, length 40 "
	                                 "(frag id 16962, offset 0, flags [+])\n");
	CHECK_STR(line_of(v_http_req, 1), "IP 10.0.0.1.40004 > 10.0.0.53.80: Flags [P.], seq 1:91, "
	                                  "ack 1, win 100, length 90: HTTP: GET "
	                                  "/index.html?q=1 HTTP/1.1\n");
	CHECK_STR(line_of(v_http_resp, 1), "IP 10.0.0.53.80 > 10.0.0.1.40004: Flags [P.], seq "
	                                   "1:90, ack 1, win 100, length 89: HTTP: "
	                                   "HTTP/1.1 404 Not Found\n");
	CHECK_STR(line_of(v_tls, 1), "IP 10.0.0.1.40006 > 10.0.0.53.443: Flags [P.], seq 1:77, ack "
	                             "1, win 100, length 76: TLS "
	                             "Handshake ClientHello, SNI www.example.org\n");
	CHECK_STR(line_of(v_qinq, 1), "vlan 200, p 0, vlan 2001, p 0, ARP, Request who-has "
	                              "192.168.1.27 tell 192.168.1.1, length 28\n");
	CHECK_STR(line_of(v_dns_tcp, 1), "IP 10.0.0.1.40003 > 10.0.0.53.53: Flags [P.], seq 1:36, "
	                                 "ack 1, win 100, length 35: 4660+ A? "
	                                 "www.example.com. (33)\n");
}

static void test_time_iface(void)
{
	size_t n;
	const uint8_t *b = unhex(v_udp4, &n);
	struct wire_pkt p = mkpkt(b, n, WIRE_LINK_ETHERNET);
	p.ifname = "lo";
	p.dir = WIRE_DIR_IN;
	setenv("TZ", "UTC", 1);
	tzset();
	CHECK_STR(print_with(&p, WIRE_PRINT_LINE, 0, 0, 1, WIRE_TIME_ABS, 0),
	          "12:00:00.000001 lo In IP 127.0.0.1.40000 > 127.0.0.1.5005: UDP, length 6\n");
	CHECK_STR(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_EPOCH, 0),
	          "43200.000001 IP 127.0.0.1.40000 > 127.0.0.1.5005: UDP, length 6\n");
	CHECK_STR(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_REL, 0),
	          "0.000000 IP 127.0.0.1.40000 > 127.0.0.1.5005: UDP, length 6\n");
	p.dir = WIRE_DIR_OUT;
	p.ifname = "eth\x1b[0";
	const char *o = print_with(&p, WIRE_PRINT_LINE, 0, 0, 1, WIRE_TIME_NONE, 0);
	CHECK(strncmp(o, "eth\\x1b[0 Out IP ", 17) == 0);
}

static void test_fields(void)
{
	struct wire_dissect d;
	struct wire_pkt p;
	CHECK_INT(dis(v_tcp_syn, &d, &p), 3);
	CHECK_INT(d.bad, -1);
	CHECK_INT(d.l[1].kind, WIRE_L_IPV4);
	CHECK_INT(d.l[1].u.ip4.csum_st, WIRE_CSUM_OK);
	CHECK_INT(d.l[2].kind, WIRE_L_TCP);
	CHECK_INT(d.l[2].u.tcp.seq, 123);
	CHECK_INT(d.l[2].u.tcp.flags, WIRE_TH_SYN);
	CHECK_INT(d.l[2].u.tcp.csum_st, WIRE_CSUM_OK);
	CHECK_INT(d.l[2].u.tcp.win, 65495);

	CHECK_INT(dis(v_ip6ext, &d, &p), 5);
	CHECK_INT(d.l[2].kind, WIRE_L_IP6EXT);
	CHECK_INT(d.l[2].u.ext.type, 0);
	CHECK_INT(d.l[3].u.ext.type, 60);
	CHECK_INT(d.l[4].kind, WIRE_L_UDP);
	CHECK_INT(d.l[4].u.udp.csum_st, WIRE_CSUM_OK);

	CHECK_INT(dis(v_ip6frag, &d, &p), 4);
	CHECK_INT(d.l[2].u.ext.frag_id, 0x1234);
	CHECK_INT(d.l[2].u.ext.frag_m, 1);
	CHECK_INT(d.l[3].u.udp.csum_st, WIRE_CSUM_UNCHECKED);

	CHECK_INT(dis(v_icmp6_unreach, &d, &p), 5);
	CHECK_INT(d.l[2].u.icmp6.csum_st, WIRE_CSUM_OK);
	CHECK_INT(d.l[3].quoted, 1);
	CHECK_INT(d.l[4].kind, WIRE_L_UDP);
	CHECK_INT(d.l[4].quoted, 1);

	CHECK_INT(dis(v_dhcp, &d, &p), 4);
	CHECK_INT(d.l[3].u.dhcp.msgtype, 1);
	CHECK_INT(d.l[3].u.dhcp.xid, 0xdeadbeef);

	CHECK_INT(dis(v_ip4opts, &d, &p), 3);
	CHECK_INT(d.l[1].u.ip4.optlen, 8);

	CHECK_INT(dis(v_dns_resp, &d, &p), 4);
	CHECK_INT(d.l[3].u.dns.an, 10);
	CHECK_INT(d.l[3].status, WIRE_LS_OK);
	struct wire_dns_it it;
	struct wire_dns_rr rr;
	unsigned count = 0;
	wire_dns_begin(&it, &d.l[3].u.dns);
	while (wire_dns_next(&it, &rr))
		count++;
	CHECK_INT(count, 11);
	CHECK_INT(it.err, 0);
}

/* Offload labels: CSUM_PARTIAL and GSO are said as such, never as bad. */
static void test_offload(void)
{
	size_t n;
	const uint8_t *b = unhex(v_tcp_syn, &n);
	uint8_t m[256];
	memcpy(m, b, n);
	m[14 + 20 + 16] ^= 0x55; /* break the TCP checksum */
	struct wire_pkt p = mkpkt(m, n, WIRE_LINK_ETHERNET);
	CHECK(strstr(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	             "[bad tcp cksum") != NULL);
	p.flags = WIRE_PKT_CSUM_PARTIAL;
	const char *o = print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(o, "bad") == NULL);
	CHECK(strstr(print_with(&p, WIRE_PRINT_TREE, 0, 0, 0, WIRE_TIME_NONE, 0),
	             " (offloaded, not yet computed)") != NULL);
	p.flags = WIRE_PKT_GSO;
	o = print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(o, "bad") == NULL);
	CHECK(strstr(o, "[GSO]") != NULL);
	/* IP total length 0: a GSO super-packet. */
	memcpy(m, b, n);
	m[14 + 2] = 0;
	m[14 + 3] = 0;
	p = mkpkt(m, n, WIRE_LINK_ETHERNET);
	o = print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(o, "[GSO]") != NULL);
	CHECK(strstr(o, "bad") == NULL);
	/* IP length past the frame on loopback (zero MACs): GSO too. */
	memcpy(m, b, n);
	memset(m, 0, 12);
	m[14 + 2] = 0x40;
	p = mkpkt(m, n, WIRE_LINK_ETHERNET);
	o = print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(o, "[GSO]") != NULL);
	/* ...and elsewhere invalid. */
	m[0] = 2;
	p = mkpkt(m, n, WIRE_LINK_ETHERNET);
	o = print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0);
	if (!strstr(o, "(invalid: ip len 16444 > 60 bytes on the wire)"))
		fprintf(stderr, "got %s", o);
	CHECK(strstr(o, "(invalid: ip len 16444 > 60 bytes on the wire)") != NULL);
}

static void test_json(void)
{
	size_t n;
	const uint8_t *b = unhex(v_icmp_unreach, &n);
	struct wire_pkt p = mkpkt(b, n, WIRE_LINK_ETHERNET);
	const char *o = print_with(&p, WIRE_PRINT_JSON, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(o, "\"ip.src\": [\"192.168.1.1\", \"192.168.1.27\"]") != NULL);
	CHECK(strstr(o, "\"icmp.type\": \"3\"") != NULL);
	CHECK(strstr(o, "\"udp.dstport\": \"53\"") != NULL);
	CHECK(strstr(o, "\"frame.time_epoch\": \"43200.000001000\"") != NULL);
	CHECK(strstr(o, "_ws.malformed") == NULL);
	b = unhex(v_udp_short, &n);
	p = mkpkt(b, n, WIRE_LINK_ETHERNET);
	o = print_with(&p, WIRE_PRINT_JSON, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(o, "\"_ws.malformed\": \"udp: ulen 6 < 8\"") != NULL);
	b = unhex(v_dns_resp, &n);
	p = mkpkt(b, n, WIRE_LINK_ETHERNET);
	o = print_with(&p, WIRE_PRINT_JSON, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(o, "\"dns.a\": [\"93.184.216.34\", \"93.184.216.35\"]") != NULL);
	CHECK(strstr(o, "\"dns.txt\": [\"hello world\", \"a\\\"b\\\\c\"]") != NULL);
	CHECK(strstr(o, "\"dns.qry.name\": \"www.example.com\"") != NULL);
	p.caplen = 60;
	o = print_with(&p, WIRE_PRINT_JSON, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(o, "\"_ws.malformed\": \"") != NULL);
}

/* DNS names: escapes, compression loops, forward pointers, pointer chains. */
static void test_dns_names(void)
{
	char out[WIRE_DNS_NAME_TEXT];
	uint8_t m[600];
	memset(m, 0, sizeof(m));
	/* 12-byte header then "a.b\x01" label, then root */
	const uint8_t nm[] = {3, 'a', '.', 'b', 2, 0x01, '\\', 0};
	memcpy(m + 12, nm, sizeof(nm));
	CHECK_INT(wire_dns_name(m, 12 + sizeof(nm), 12, out, sizeof(out)), 12 + (long)sizeof(nm));
	CHECK_STR(out, "a\\.b.\\001\\\\.");
	/* pointer to itself: a loop */
	m[30] = 0xc0;
	m[31] = 30;
	CHECK_INT(wire_dns_name(m, 40, 30, out, sizeof(out)), -2);
	/* forward pointer */
	m[30] = 0xc0;
	m[31] = 35;
	m[35] = 0;
	CHECK_INT(wire_dns_name(m, 40, 30, out, sizeof(out)), -2);
	/* backward pointer into the first name: fine */
	m[31] = 12;
	CHECK_INT(wire_dns_name(m, 40, 30, out, sizeof(out)), 32);
	CHECK_STR(out, "a\\.b.\\001\\\\.");
	/* a chain of pointers, each backwards: more than WIRE_DNS_PTR_MAX is invalid */
	memset(m, 0, sizeof(m));
	m[12] = 0;
	unsigned pos = 13;
	for (unsigned i = 0; i < WIRE_DNS_PTR_MAX + 4; i++, pos += 2) {
		m[pos] = 0xc0;
		m[pos + 1] = (uint8_t)(i == 0 ? 12 : pos - 2);
	}
	CHECK_INT(wire_dns_name(m, pos, 13 + 2 * (WIRE_DNS_PTR_MAX - 1), out, sizeof(out)) > 0, 1);
	CHECK_INT(wire_dns_name(m, pos, pos - 2, out, sizeof(out)), -2);
	/* a name longer than 255 bytes */
	memset(m, 0, sizeof(m));
	for (unsigned i = 0; i < 5; i++) {
		m[12 + i * 64] = 63;
		memset(m + 13 + i * 64, 'x', 63);
	}
	CHECK_INT(wire_dns_name(m, sizeof(m), 12, out, sizeof(out)), -2);
	/* truncated label */
	CHECK_INT(wire_dns_name(m, 40, 12, out, sizeof(out)), -1);
	/* extended label type */
	m[12] = 0x41;
	CHECK_INT(wire_dns_name(m, 40, 12, out, sizeof(out)), -2);
}

/* A DNS message whose question is a compression loop: invalid, no hang. */
static void test_dns_loop_packet(void)
{
	size_t n;
	const uint8_t *b = unhex(v_dns_resp, &n);
	uint8_t m[512];
	memcpy(m, b, n);
	size_t q = 14 + 20 + 8 + 12;
	m[q] = 0xc0;
	m[q + 1] = 12; /* points at itself (offset 12 of the message) */
	struct wire_pkt p = mkpkt(m, n, WIRE_LINK_ETHERNET);
	struct wire_dissect d;
	wire_dissect(&d, &p);
	CHECK_INT(d.l[3].status, WIRE_LS_INVALID);
	CHECK(strstr(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	             "(invalid: bad dns name") != NULL);
}

/* TCP/IP option walker: caps, zero and overlong lengths. */
static void test_opts(void)
{
	uint8_t b[300];
	struct wire_opt_it it;
	struct wire_opt o;
	unsigned k = 0;
	memset(b, 1, sizeof(b));
	wire_opt_begin(&it, b, sizeof(b));
	while (wire_opt_next(&it, &o))
		k++;
	CHECK_INT(k, WIRE_OPT_LOOP_MAX);
	CHECK_INT(it.err, 2);
	const uint8_t zero_len[] = {2, 0, 1, 1};
	wire_opt_begin(&it, zero_len, sizeof(zero_len));
	CHECK_INT(wire_opt_next(&it, &o), 0);
	CHECK_INT(it.err, 2);
	const uint8_t one_len[] = {8, 1};
	wire_opt_begin(&it, one_len, sizeof(one_len));
	CHECK_INT(wire_opt_next(&it, &o), 0);
	CHECK_INT(it.err, 2);
	const uint8_t overlong[] = {1, 8, 10, 0, 0};
	wire_opt_begin(&it, overlong, sizeof(overlong));
	CHECK_INT(wire_opt_next(&it, &o), 1);
	CHECK_INT(wire_opt_next(&it, &o), 0);
	CHECK_INT(it.err, 1);
	const uint8_t eol[] = {1, 0, 2, 4, 5, 0};
	k = 0;
	wire_opt_begin(&it, eol, sizeof(eol));
	while (wire_opt_next(&it, &o))
		k++;
	CHECK_INT(k, 2);
	CHECK_INT(it.err, 0);
}

/* IPv6: a chain of many extension headers stops at the depth cap. */
static void test_ip6_chain(void)
{
	uint8_t b[14 + 40 + 8 * 30 + 8];
	memset(b, 0, sizeof(b));
	b[12] = 0x86;
	b[13] = 0xdd;
	b[14] = 0x60;
	b[14 + 4] = 0;
	b[14 + 5] = 8 * 30 + 8;
	b[14 + 6] = 60;
	for (unsigned i = 0; i < 30; i++) {
		b[54 + 8 * i] = i == 29 ? 17 : 60;
		b[54 + 8 * i + 2] = 1;
		b[54 + 8 * i + 3] = 4;
	}
	struct wire_pkt p = mkpkt(b, sizeof(b), WIRE_LINK_ETHERNET);
	struct wire_dissect d;
	CHECK_INT(wire_dissect(&d, &p), WIRE_DISSECT_DEPTH_MAX);
	CHECK(!has_ctl(print_with(&p, WIRE_PRINT_TREE, 1, 1, 0, WIRE_TIME_NONE, 1)));
	/* routing then fragment then UDP */
	CHECK_INT(d.l[2].u.ext.type, 60);
}

/* VLAN tags beyond WIRE_VLAN_DEPTH_MAX are invalid. */
/* The packet inside a VXLAN or Geneve tunnel is decoded, and its TCP layer is
 * the packet's transport (tcp.stream, --flow, --follow go by it, as tshark). */
static void test_tunnels(void)
{
	CHECK_STR(
	    line_of(v_vxlan, 1),
	    "IP 192.168.203.1.45149 > 192.168.202.1.4789: VXLAN, flags [I] (0x08), vni 100: "
	    "IP 192.168.203.3 > 192.168.203.5: ICMP echo request, id 1292, seq 1, length 64\n");
	CHECK_STR(
	    line_of(v_geneve_opt, 1),
	    "IP 20.0.0.1.12618 > 20.0.0.2.6081: Geneve, Flags [C], vni 0xa, options [8 bytes]: "
	    "IP 30.0.0.1 > 30.0.0.2: ICMP echo request, id 10578, seq 23, length 64\n");
	CHECK_STR(line_of(v_geneve_ip, 1),
	          "IP 192.168.100.254.62974 > 192.168.100.3.6081: Geneve, Flags [none], vni 0x0, "
	          "options [40 bytes]: IP 192.168.100.2.2905 > 192.168.100.1.8080: Flags [none], "
	          "win 512, length 0\n");
	struct wire_dissect d;
	struct wire_pkt p;
	CHECK_INT(dis(v_geneve_tcp, &d, &p), 7);
	CHECK_INT(d.bad, -1);
	CHECK_INT(d.tp, 6);
	CHECK_INT(d.ip, 5);
	CHECK_INT(d.l[6].kind, WIRE_L_TCP);
	CHECK_INT(d.l[6].u.tcp.sport, 51225);
	CHECK_INT(d.l[4].kind, WIRE_L_ETH);
	CHECK_INT(dis(v_geneve_ip, &d, &p), 6);
	CHECK_INT(d.tp, 5);
	CHECK_INT(d.l[5].u.tcp.dport, 8080);
	CHECK_INT(dis(v_vxlan, &d, &p), 7);
	CHECK_INT(d.l[6].kind, WIRE_L_ICMP);
	CHECK_INT(d.bad, -1);
}

/* Geneve's limits: version 1 is invalid; an option longer than the options
 * is invalid; options past WIRE_GENEVE_OPT_MAX are walked and counted, and
 * the packet inside is still decoded. */
static void test_geneve_limits(void)
{
	size_t n;
	uint8_t b[256];
	struct wire_dissect d;
	const uint8_t *geneve_tcp_b = unhex(v_geneve_tcp, &n);
	memcpy(b, geneve_tcp_b, n);
	b[42] = 0x40; /* version 1 */
	struct wire_pkt p = mkpkt(b, n, WIRE_LINK_ETHERNET);
	wire_dissect(&d, &p);
	CHECK_INT(d.n, 4);
	CHECK_INT(d.l[3].status, WIRE_LS_INVALID);
	CHECK_STR(d.l[3].why, "version 1");
	const uint8_t *geneve_opt_b = unhex(v_geneve_opt, &n);
	memcpy(b, geneve_opt_b, n);
	b[53] = 0x02; /* the 8-byte option says 12 */
	p = mkpkt(b, n, WIRE_LINK_ETHERNET);
	wire_dissect(&d, &p);
	CHECK_INT(d.n, 4);
	CHECK_INT(d.l[3].status, WIRE_LS_INVALID);
	const uint8_t *geneve_ip_b = unhex(v_geneve_ip, &n);
	memcpy(b, geneve_ip_b, n);
	for (unsigned k = 0; k < 10; k++) /* 40 option bytes: 10 empty options */
		memcpy(b + 50 + 4 * k, "\x00\x01\x05\x00", 4);
	p = mkpkt(b, n, WIRE_LINK_ETHERNET);
	wire_dissect(&d, &p);
	CHECK_INT(d.n, 6);
	CHECK_INT(d.l[3].u.geneve.opt_n, WIRE_GENEVE_OPT_MAX);
	CHECK_INT(d.l[3].u.geneve.opt_more, 10 - WIRE_GENEVE_OPT_MAX);
	CHECK_INT(d.l[3].u.geneve.opt[7].cls, 1);
	CHECK_INT(d.tp, 5);
}

static void test_vlan_depth(void)
{
	uint8_t b[14 + 4 * 8 + 20];
	memset(b, 0, sizeof(b));
	b[12] = 0x81;
	for (unsigned i = 0; i < 8; i++) {
		b[14 + 4 * i + 2] = 0x81;
		b[14 + 4 * i + 1] = (uint8_t)i;
	}
	struct wire_pkt p = mkpkt(b, sizeof(b), WIRE_LINK_ETHERNET);
	struct wire_dissect d;
	wire_dissect(&d, &p);
	CHECK_INT(d.n, WIRE_VLAN_DEPTH_MAX + 2);
	CHECK_INT(d.l[d.n - 1].status, WIRE_LS_INVALID);
}

/* Every truncation point of every vector: no over-read (guard page), a mark
 * when the cut falls inside the headers, no control characters printed. */
static void every_prefix(const char *name, const char *hex, int linktype)
{
	size_t n;
	uint8_t full[4096];
	const uint8_t *b = unhex(hex, &n);
	memcpy(full, b, n);
	struct wire_pkt p = mkpkt(full, n, linktype);
	struct wire_dissect d;
	wire_dissect(&d, &p);
	uint32_t hdr_end = 0;
	for (unsigned i = 0; i < d.n; i++)
		if (d.l[i].off + d.l[i].len > hdr_end)
			hdr_end = d.l[i].off + d.l[i].len;
	unsigned bad = 0, ctl = 0;
	for (size_t k = 0; k < n; k++) {
		p = mkpkt(full, k, linktype);
		p.wirelen = (uint32_t)n;
		wire_dissect(&d, &p);
		/* HTTP and TLS are recognised by their bytes: a cut before or
		 * inside them is a short segment, as tcpdump sees it too. */
		int app_cut =
		    d.n && (d.l[d.n - 1].kind == WIRE_L_HTTP || d.l[d.n - 1].kind == WIRE_L_TLS ||
		            (d.l[d.n - 1].kind == WIRE_L_TCP && k >= d.tp_off));
		if (k < hdr_end && d.bad < 0 && !app_cut) {
			if (!bad)
				fprintf(stderr, "%s: cut at %zu of %u header bytes has no mark\n",
				        name, k, hdr_end);
			bad++;
		}
		for (int mode = 0; mode < 4; mode++)
			ctl +=
			    (unsigned)has_ctl(print_with(&p, (enum wire_print_mode)mode, mode == 1,
			                                 mode == 0, 1, WIRE_TIME_ABS, mode == 3));
	}
	CHECK_INT(bad, 0);
	CHECK_INT(ctl, 0);
}

static void test_every_prefix(void)
{
	every_prefix("arp", v_arp, 1);
	every_prefix("udp4", v_udp4, 1);
	every_prefix("udp6", v_udp6, 1);
	every_prefix("tcp_syn", v_tcp_syn, 1);
	every_prefix("tcp_sack", v_tcp_sack, 1);
	every_prefix("icmp_echo", v_icmp_echo, 1);
	every_prefix("icmp_unreach", v_icmp_unreach, 1);
	every_prefix("icmp6_ns", v_icmp6_ns, 1);
	every_prefix("icmp6_unreach", v_icmp6_unreach, 1);
	every_prefix("ip6ext", v_ip6ext, 1);
	every_prefix("ip6frag", v_ip6frag, 1);
	every_prefix("ip4frag", v_ip4frag, 1);
	every_prefix("ip4opts", v_ip4opts, 1);
	every_prefix("dns_resp", v_dns_resp, 1);
	every_prefix("dns_tcp", v_dns_tcp, 1);
	every_prefix("http_req", v_http_req, 1);
	every_prefix("http_resp", v_http_resp, 1);
	every_prefix("tls", v_tls, 1);
	every_prefix("dhcp", v_dhcp, 1);
	every_prefix("qinq", v_qinq, 1);
	every_prefix("vxlan", v_vxlan, 1);
	every_prefix("geneve_tcp", v_geneve_tcp, 1);
	every_prefix("geneve_opt", v_geneve_opt, 1);
	every_prefix("geneve_ip", v_geneve_ip, 1);
	/* raw IP, cooked and null link types over the same bytes */
	every_prefix("raw", v_udp4 + 28, WIRE_LINK_RAW);
	every_prefix("sll", v_udp4, WIRE_LINK_LINUX_SLL);
	every_prefix("sll2", v_udp4, WIRE_LINK_LINUX_SLL2);
	every_prefix("null", v_udp4, WIRE_LINK_NULL);
}

/* Invalid values: each vector with one field broken. */
static void test_invalid(void)
{
	struct {
		const char *hex;
		size_t off;
		uint8_t val;
		const char *want;
	} cases[] = {
	    {v_udp4, 14, 0x45 + 0x10, "(invalid: ip version 5)"},
	    {v_udp4, 14, 0x43, "(invalid: ihl 3 < 5)"},
	    {v_udp4, 14 + 3, 0x05, "(invalid: ip len 5 < ihl 20)"},
	    {v_tcp_syn, 14 + 20 + 12, 0x30, "TCP (invalid: doff 3 < 5)"},
	    {v_udp4, 14 + 20 + 5, 60, "(invalid: ulen 60 > ip payload 14)"},
	    {v_udp6, 14, 0x40, "(invalid: ip6 version 4)"},
	    {v_ip6ext, 14 + 5, 0xff, "(invalid: payload length 255 > 27 bytes on the wire)"},
	    {v_icmp6_ns, 14 + 40 + 24 + 1, 0, "(invalid: nd option 1 length 0)"},
	    {v_http_resp, 14 + 20 + 20 + 9, 'x', "HTTP (invalid: bad http status code)"},
	    {v_dhcp, 14 + 20 + 8 + 236, 0x99, "(invalid: dhcp magic cookie 0x99825363)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n;
		uint8_t m[4096];
		memcpy(m, unhex(cases[i].hex, &n), sizeof(m));
		m[cases[i].off] = cases[i].val;
		struct wire_pkt p = mkpkt(m, n, WIRE_LINK_ETHERNET);
		const char *o = print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0);
		if (!strstr(o, cases[i].want))
			fprintf(stderr, "case %zu: got %s", i, o);
		CHECK(strstr(o, cases[i].want) != NULL);
		/* -V and JSON name the reason too */
		CHECK(strstr(print_with(&p, WIRE_PRINT_JSON, 0, 0, 0, WIRE_TIME_NONE, 0),
		             "_ws.malformed") != NULL);
	}
}

static void test_hex(void)
{
	size_t n;
	const uint8_t *b = unhex(v_udp4, &n);
	struct wire_pkt p = mkpkt(b, n, WIRE_LINK_ETHERNET);
	const char *o = print_with(&p, WIRE_PRINT_LINE, 0, 1, 0, WIRE_TIME_NONE, 0);
	CHECK_STR(o, "IP 127.0.0.1.40000 > 127.0.0.1.5005: UDP, length 6\n"
	             "\t0x0000:  6865 6c6c 6f0a                           hello.\n");
	/* -X: from the network layer, as tcpdump; -XX: from the link layer */
	o = print_with(&p, WIRE_PRINT_LINE, 1, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(o, "\n\t0x0000:  4500 0022 ") != NULL);
	CHECK(strstr(o, "\t0x0010:  7f00 0001 9c40 138d 000e") != NULL);
	o = print_with(&p, WIRE_PRINT_LINE, 2, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(o, "\t0x0020:  0001 9c40 138d 000e") != NULL);
}

static void test_stats(void)
{
	size_t n;
	const uint8_t *b = unhex(v_dns_resp, &n);
	struct wire_pkt p = mkpkt(b, n, WIRE_LINK_ETHERNET);
	const char *o = print_with(&p, WIRE_PRINT_NONE, 0, 0, 0, WIRE_TIME_NONE, 1);
	CHECK(strstr(o, "      dns                                frames:1 bytes:") != NULL);
	CHECK(strstr(o, "10.0.0.1:40000") != NULL);
	CHECK(strstr(o, "UDP Conversations (1 conversation)") != NULL);
}

/* Empty and missing packets, and a NOP-only option list (the fuzzer's first
 * finding: a reader over a NULL pointer). */
/* A file's TCP/UDP checksum that holds the folded pseudo-header sum is one
 * left to the NIC (CHECKSUM_PARTIAL): offloaded, not bad, without any flag
 * from a live capture; any other wrong value stays bad. */
static void test_partial_in_files(void)
{
	size_t n;
	const uint8_t *b = unhex(v_udp4, &n);
	uint8_t m[64];
	memcpy(m, b, n);
	/* 127.0.0.1 > 127.0.0.1, UDP (17), length 14: 7f00+0001+7f00+0001+0011+000e */
	m[14 + 20 + 6] = 0xfe;
	m[14 + 20 + 7] = 0x21;
	struct wire_pkt p = mkpkt(m, n, WIRE_LINK_ETHERNET);
	CHECK(strstr(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0), "bad") == NULL);
	CHECK(strstr(print_with(&p, WIRE_PRINT_TREE, 0, 0, 0, WIRE_TIME_NONE, 0),
	             "fe21 (offloaded, not yet computed)") != NULL);
	m[14 + 20 + 7] = 0x22;
	p = mkpkt(m, n, WIRE_LINK_ETHERNET);
	CHECK(strstr(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	             "[bad udp cksum 0xfe22]") != NULL);
}

/* Returns v cut to caplen bytes of its n, as a capture with a short
 * snapshot length would hold it. */
static struct wire_pkt cut(const char *v, size_t caplen)
{
	size_t n;
	const uint8_t *b = unhex(v, &n);
	struct wire_pkt p = mkpkt(b, caplen < n ? caplen : n, WIRE_LINK_ETHERNET);
	p.wirelen = (uint32_t)n;
	return p;
}

/* A header cut by the capture shows every field that is there, in the
 * line, -V and JSON, then the truncation mark; IHL < 5 stays invalid. */
static void test_cut_headers(void)
{
	struct wire_pkt p = cut(v_udp4, 14 + 12);
	CHECK_STR(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	          "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 34) "
	          "[|ip]\n");
	const char *j = print_with(&p, WIRE_PRINT_JSON, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(j, "\"ip.len\": \"34\", ") && strstr(j, "\"ip.ttl\": \"64\"") &&
	      strstr(j, "\"ip.proto\": \"17\"") && strstr(j, "\"ip.checksum\"") &&
	      !strstr(j, "ip.src") && strstr(j, "\"_ws.malformed\": \"ip: truncated\""));
	const char *t = print_with(&p, WIRE_PRINT_TREE, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(t, "TTL:              64\n") && strstr(t, "Truncated:        [|ip]\n") &&
	      !strstr(t, "Source IP"));

	/* a SYN with 20 option bytes, 20 of its 40 header bytes captured */
	p = cut(v_tcp_syn, 14 + 20 + 20);
	CHECK_STR(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	          "IP 127.0.0.1.40000 > 127.0.0.1.5005: Flags [S], seq 123, win 65495 [|tcp]\n");
	j = print_with(&p, WIRE_PRINT_JSON, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(j, "\"tcp.seq_raw\": \"123\"") && strstr(j, "\"tcp.hdr_len\": \"40\"") &&
	      strstr(j, "\"tcp.flags\": \"0x0002\"") &&
	      strstr(j, "\"tcp.window_size_value\": \"65495\""));
	t = print_with(&p, WIRE_PRINT_TREE, 0, 0, 0, WIRE_TIME_NONE, 0);
	CHECK(strstr(t, "Sequence number:  123\n") && strstr(t, "Flags:            002 [SYN]\n") &&
	      strstr(t, "Truncated:        [|tcp]\n"));
	/* 6 bytes of options: those present are shown */
	p = cut(v_tcp_syn, 14 + 20 + 26);
	CHECK(strstr(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	             "win 65495, options [mss 65495,sackOK] [|tcp]\n") != NULL);

	p = cut(v_udp4, 14 + 20 + 6); /* ports and length */
	CHECK_STR(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	          "IP 127.0.0.1.40000 > 127.0.0.1.5005: UDP, length 6 [|udp]\n");
	p = cut(v_icmp_echo, 14 + 20 + 6); /* type, code, checksum, id */
	CHECK_STR(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	          "IP 192.168.1.27 > 192.168.1.1: ICMP echo request [|icmp]\n");
	CHECK(strstr(print_with(&p, WIRE_PRINT_JSON, 0, 0, 0, WIRE_TIME_NONE, 0),
	             "\"icmp.ident\": \"1\"") != NULL);
	p = cut(v_udp6, 14 + 8);
	CHECK_STR(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	          "IP6 (flowlabel 0x00000, hlim 64, next-header UDP (17), payload length 14) "
	          "[|ip6]\n");

	/* IHL 4 contradicts the header: invalid, with no made-up addresses */
	size_t n;
	const uint8_t *b = unhex(v_udp4, &n);
	uint8_t m[64];
	memcpy(m, b, n);
	m[14] = 0x44;
	p = mkpkt(m, 14 + 12, WIRE_LINK_ETHERNET);
	p.wirelen = (uint32_t)n;
	CHECK_STR(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	          "IP (invalid: ihl 4 < 5)\n");
}

/* Names as tshark gives them (TLS: without the spaces, as RFC 8446 writes
 * them): the line says what a record or a query is, never "type 16". */
static void test_names(void)
{
	static const struct {
		uint8_t t;
		const char *n;
	} hs[] = {{0, "HelloRequest"},        {1, "ClientHello"},
	          {2, "ServerHello"},         {4, "NewSessionTicket"},
	          {5, "EndOfEarlyData"},      {8, "EncryptedExtensions"},
	          {11, "Certificate"},        {12, "ServerKeyExchange"},
	          {13, "CertificateRequest"}, {14, "ServerHelloDone"},
	          {15, "CertificateVerify"},  {16, "ClientKeyExchange"},
	          {20, "Finished"},           {22, "CertificateStatus"},
	          {24, "KeyUpdate"},          {25, "CompressedCertificate"}};
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
		CHECK_STR(wire_tls_hs_name(hs[i].t), hs[i].n);
	CHECK(wire_tls_hs_name(99) == NULL);
	CHECK_STR(wire_tls_ctype_name(20), "ChangeCipherSpec");
	CHECK_STR(wire_tls_ctype_name(21), "Alert");
	CHECK_STR(wire_tls_ctype_name(22), "Handshake");
	CHECK_STR(wire_tls_ctype_name(23), "Application Data");
	static const struct {
		uint16_t t;
		const char *n;
	} dt[] = {{44, "SSHFP"},      {33, "SRV"},    {65, "HTTPS"},   {64, "SVCB"},
	          {257, "CAA"},       {41, "OPT"},    {35, "NAPTR"},   {43, "DS"},
	          {46, "RRSIG"},      {47, "NSEC"},   {48, "DNSKEY"},  {52, "TLSA"},
	          {255, "ANY"},       {252, "AXFR"},  {251, "IXFR"},   {50, "NSEC3"},
	          {51, "NSEC3PARAM"}, {59, "CDS"},    {60, "CDNSKEY"}, {39, "DNAME"},
	          {29, "LOC"},        {250, "TSIG"},  {249, "TKEY"},   {13, "HINFO"},
	          {61, "OPENPGPKEY"}, {63, "ZONEMD"}, {256, "URI"}};
	for (size_t i = 0; i < sizeof(dt) / sizeof(dt[0]); i++)
		CHECK_STR(wire_dns_type_name(dt[i].t), dt[i].n);
	/* a TLS Certificate record: the handshake type byte of v_tls set to 11 */
	size_t n;
	const uint8_t *b = unhex(v_tls, &n);
	uint8_t m[512];
	CHECK(n <= sizeof(m) && n > 59 && b[59] == 1);
	memcpy(m, b, n);
	m[59] = 11;
	struct wire_pkt p = mkpkt(m, n, WIRE_LINK_ETHERNET);
	CHECK(strstr(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	             ": TLS Handshake Certificate [bad tcp cksum") != NULL);
	CHECK(strstr(print_with(&p, WIRE_PRINT_TREE, 0, 0, 0, WIRE_TIME_NONE, 0),
	             "11 (Certificate)") != NULL);
	m[59] = 99;
	p = mkpkt(m, n, WIRE_LINK_ETHERNET);
	CHECK(strstr(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	             ": TLS Handshake type 99 [bad tcp cksum") != NULL);
}

static void test_empty(void)
{
	struct wire_pkt p;
	struct wire_dissect d;
	memset(&p, 0, sizeof(p));
	p.linktype = WIRE_LINK_ETHERNET;
	CHECK_INT(wire_dissect(&d, &p), 0);
	for (int m = 0; m < 4; m++)
		CHECK(
		    !has_ctl(print_with(&p, (enum wire_print_mode)m, 1, 1, 1, WIRE_TIME_NONE, 1)));
	p.linktype = 9999;
	p.data = (const uint8_t *)"x";
	p.caplen = 1;
	CHECK_STR(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	          "unsupported link type 9999, length 1\n");
	size_t n;
	const uint8_t *b = unhex(v_tcp_syn, &n);
	uint8_t m[256];
	memcpy(m, b, n);
	memset(m + 14 + 20 + 20, 1, 20); /* options: 20 NOPs */
	p = mkpkt(m, n, WIRE_LINK_ETHERNET);
	CHECK(strstr(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	             "options "
	             "[nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,"
	             "nop]") != NULL);
}

/* TCP options are decoded once, into d.topt: the printers read only that. */
static void test_tcpopt_table(void)
{
	struct wire_dissect d;
	struct wire_pkt p;
	CHECK_INT(dis(v_tcp_syn, &d, &p), 3);
	const struct wire_tcp *t = &d.l[2].u.tcp;
	CHECK_INT(t->opt_n, 5);
	CHECK_INT(t->opt_err, 0);
	const struct wire_tcpopt *o = &d.topt[t->opt_first];
	CHECK_INT(o[0].kind, WIRE_TCPOPT_MSS);
	CHECK_INT(o[0].ok, 1);
	CHECK_INT(o[0].v.mss, 65495);
	CHECK_INT(o[1].kind, WIRE_TCPOPT_SACKOK);
	CHECK_INT(o[2].v.ts.val, 1);
	CHECK_INT(o[2].v.ts.ecr, 0);
	CHECK_INT(o[3].kind, WIRE_TCPOPT_NOP);
	CHECK_INT(o[4].v.ws, 7);

	CHECK_INT(dis(v_tcp_sack, &d, &p), 3);
	t = &d.l[2].u.tcp;
	o = &d.topt[t->opt_first];
	CHECK_INT(t->opt_n, 3);
	CHECK_INT(o[2].kind, WIRE_TCPOPT_SACK);
	CHECK_INT(o[2].n, 2);
	CHECK_INT(o[2].v.sack[0], 1000);
	CHECK_INT(o[2].v.sack[3], 4000);

	/* mss of length 5, MPTCP, TFO, an unknown kind: 20 option bytes */
	size_t n;
	const uint8_t *b = unhex(v_tcp_syn, &n);
	uint8_t m[128];
	memcpy(m, b, n);
	static const uint8_t opts[20] = {2,    5,  0xaa, 0xbb, 0xcc, 30,   6, 0x10, 0x11, 0x22,
	                                 0x33, 34, 4,    0xde, 0xad, 0xfe, 5, 1,    2,    3};
	memcpy(m + 54, opts, sizeof(opts));
	p = mkpkt(m, n, WIRE_LINK_ETHERNET);
	wire_dissect(&d, &p);
	t = &d.l[2].u.tcp;
	o = &d.topt[t->opt_first];
	CHECK_INT(t->opt_n, 4);
	CHECK_INT(o[0].ok, 0);
	CHECK_INT(o[1].kind, WIRE_TCPOPT_MPTCP);
	CHECK_INT(o[1].v.raw[0] >> 4, 1);
	CHECK_INT(o[2].n, 2);
	CHECK_INT(o[3].kind, 0xfe);
	CHECK_INT(o[3].n, 3);
	CHECK_INT(o[3].v.raw[2], 3);
	CHECK(strstr(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0),
	             "options [[bad opt],mptcp,tfo,unknown-254 0x010203]") != NULL);

	/* options cut by the capture: those present, then the cut */
	p = mkpkt(m, 54 + 7, WIRE_LINK_ETHERNET);
	p.wirelen = (uint32_t)n;
	CHECK_INT(wire_dissect(&d, &p), 3);
	CHECK_INT(d.l[2].status, WIRE_LS_TRUNC);
	t = &d.l[2].u.tcp;
	CHECK_INT(t->opt_n, 1);
	CHECK_INT(t->opt_err, 1);
}

/* DNS records are decoded once into the caller's scratch, names as text in
 * its arena; without one (wire_dissect) none are kept. */
static void test_dns_table(void)
{
	struct wire_dissect d;
	struct wire_pkt p;
	CHECK_INT(dis(v_dns_resp, &d, &p), 4);
	CHECK(wire_dissect(&d, &p) == 4 && d.l[3].u.dns.f == NULL);
	CHECK(sizeof(d) < 8192); /* small enough for any stack */
	CHECK_INT(dis(v_dns_resp, &d, &p), 4);
	const struct wire_dns_msg *f = d.l[3].u.dns.f;
	CHECK(f == &dns_scratch);
	CHECK_INT(f->n, 11);
	CHECK_INT(f->full, 0);
	CHECK_STR(wire_dns_text(f, f->rec[0].name), "www.example.com.");
	CHECK_INT(f->rec[0].section, WIRE_DNS_QD);
	unsigned seen = 0;
	for (unsigned k = 0; k < f->n; k++) {
		const struct wire_dns_rec *c = &f->rec[k];
		if (c->type == 6) {
			CHECK_INT(c->rd.soa.nnum, 5);
			CHECK_INT(c->rd.soa.num[0], 2024);
			CHECK_INT(c->rd.soa.num[4], 300);
			CHECK_STR(wire_dns_text(f, c->rd.soa.rname), "admin.example.com.");
			seen++;
		} else if (c->type == 15) {
			CHECK_INT(c->rd.mx.pref, 10);
			CHECK_STR(wire_dns_text(f, c->rd.mx.name), "mail.example.com.");
			seen++;
		} else if (c->type == 16) {
			CHECK_INT(c->rd.txt.n, 2);
			CHECK_INT(f->txt[c->rd.txt.first].n, 11);
			CHECK(memcmp(f->txt[c->rd.txt.first].p, "hello world", 11) == 0);
			seen++;
		} else if (c->type == 5) {
			CHECK_STR(wire_dns_text(f, c->rd.target), "web.example.com.");
			seen++;
		}
	}
	CHECK_INT(seen, 4);
}

/* The name arena is bounded: 64 questions whose name is 255 bytes of \001
 * (about 1000 characters of text each) overflow it; the names that fit are
 * kept, the others are NONE, and every view still prints. */
static void test_dns_arena_full(void)
{
	static uint8_t m[1200];
	size_t o = 0;
	static const uint8_t hdr[] = {0x02, 0,    0,    0,    0,    0x02, 0, 0x24, 0xb2, 0x84, 0x19,
	                              0x22, 8,    0,    0x45, 0,    0,    0, 0,    1,    0x40, 0,
	                              0x40, 0x11, 0,    0,    127,  0,    0, 1,    127,  0,    0,
	                              1,    0x9c, 0x40, 0,    0x35, 0,    0, 0,    0};
	memcpy(m, hdr, sizeof(hdr));
	o = sizeof(hdr);
	static const uint8_t dnsh[] = {0x12, 0x34, 0x01, 0x00, 0, 64, 0, 0, 0, 0, 0, 0};
	memcpy(m + o, dnsh, sizeof(dnsh));
	o += sizeof(dnsh);
	for (unsigned k = 0; k < 4; k++) { /* 4 labels of 63 bytes: 256 bytes with the root */
		m[o++] = k < 3 ? 63 : 62;
		memset(m + o, 1, k < 3 ? 63 : 62);
		o += k < 3 ? 63 : 62;
	}
	m[o++] = 0;
	m[o++] = 0;
	m[o++] = 1;
	m[o++] = 0;
	m[o++] = 1;
	for (unsigned k = 1; k < 64; k++) {
		static const uint8_t q[] = {0xc0, 0x0c, 0, 1, 0, 1};
		memcpy(m + o, q, sizeof(q));
		o += sizeof(q);
	}
	size_t ipl = o - 14, udpl = o - 34;
	m[16] = (uint8_t)(ipl >> 8);
	m[17] = (uint8_t)ipl;
	m[38] = (uint8_t)(udpl >> 8);
	m[39] = (uint8_t)udpl;
	struct wire_pkt p = mkpkt(m, o, WIRE_LINK_ETHERNET);
	struct wire_dissect d;
	CHECK_INT(wire_dissect_ex(&d, &p, &dns_scratch), 4);
	CHECK_INT(d.l[3].status, WIRE_LS_OK);
	const struct wire_dns_msg *f = d.l[3].u.dns.f;
	CHECK_INT(f->n, 64);
	CHECK_INT(f->full, 1);
	CHECK(f->used <= WIRE_DNS_ARENA_MAX);
	CHECK(wire_dns_text(f, f->rec[0].name) != NULL);
	CHECK(wire_dns_text(f, f->rec[63].name) == NULL);
	CHECK(strncmp(wire_dns_text(f, f->rec[0].name), "\\001\\001", 8) == 0);
	CHECK(strstr(print_with(&p, WIRE_PRINT_LINE, 0, 0, 0, WIRE_TIME_NONE, 0), "A? \\001") !=
	      NULL);
	CHECK(strstr(print_with(&p, WIRE_PRINT_TREE, 0, 0, 0, WIRE_TIME_NONE, 0), "Query:") !=
	      NULL);
	CHECK(strstr(print_with(&p, WIRE_PRINT_JSON, 0, 0, 0, WIRE_TIME_NONE, 0), "dns.qry.name") !=
	      NULL);
}

/* The tables the dissectors fill for the printers and -Y: HTTP header lines
 * (known names found once, value after the colon and blanks), IPv4 options
 * (an RR option, then EOL), DHCP options (53 then 55; pad and end left
 * out), and the HTTP table's bound. */
static void test_option_tables(void)
{
	struct wire_dissect d;
	struct wire_pkt p;
	CHECK_INT(dis(v_http_req, &d, &p), 4);
	const struct wire_http *h = &d.l[3].u.http;
	CHECK_INT(h->hh_n, 3);
	CHECK_INT(h->hh_cut, 0);
	const struct wire_http_hdr *e = &d.hh[h->hh_first];
	CHECK_INT(e[0].hk, WIRE_HH_HOST);
	CHECK(e[0].len == 17 && memcmp(e[0].line + e[0].val, "example.com", 11) == 0);
	CHECK_INT(e[1].hk, WIRE_HH_USER_AGENT);
	CHECK_INT(e[2].hk, WIRE_HH_ACCEPT);
	CHECK(e[2].len - e[2].val == 3);

	CHECK(dis(v_ip4opts, &d, &p) >= 2);
	const struct wire_ipv4 *ip = &d.l[1].u.ip4;
	CHECK_INT(ip->optlen, 8);
	CHECK(ip->opt_n >= 2);
	CHECK_INT(ip->opt_err, 0);
	CHECK_INT(d.ipopt[ip->opt_first].kind, 7);
	CHECK_INT(d.ipopt[ip->opt_first].len, 7);
	CHECK_INT(d.ipopt[ip->opt_first + 1].kind, 0);

	CHECK_INT(dis(v_dhcp, &d, &p), 4);
	const struct wire_dhcp *m = &d.l[3].u.dhcp;
	CHECK_INT(m->opt_n, 2);
	CHECK(d.dhcpopt[0].code == 53 && d.dhcpopt[0].len == 1 && d.dhcpopt[0].val[0] == 1);
	CHECK(d.dhcpopt[1].code == 55 && d.dhcpopt[1].len == 3 && d.dhcpopt[1].val[2] == 6);

	/* 200 header lines: the table keeps its bound, says the rest was cut */
	static uint8_t big[54 + 16 + 200 * 6 + 2];
	size_t n = 0;
	size_t hn;
	const uint8_t *hp = unhex(v_http_req, &hn);
	memcpy(big, hp, 54);
	n = 54;
	memcpy(big + n, "GET / HTTP/1.1\r\n", 16);
	n += 16;
	for (unsigned k = 0; k < 200; k++, n += 6)
		memcpy(big + n, "A: b\r\n", 6);
	memcpy(big + n, "\r\n", 2);
	n += 2;
	big[16] = (uint8_t)((n - 14) >> 8);
	big[17] = (uint8_t)(n - 14);
	p = mkpkt(big, n, WIRE_LINK_ETHERNET);
	CHECK(wire_dissect(&d, &p) >= 4 && d.l[3].kind == WIRE_L_HTTP);
	CHECK_INT(d.l[3].u.http.hh_n, WIRE_HTTP_HEADER_LINES_MAX);
	CHECK(d.nhh <= WIRE_HTTP_HDR_TAB_MAX);
}

/* The registry's port shortcut knows exactly the table's ports: DNS on 53,
 * 5353, 5355 (UDP) and 53 (TCP), DHCP on 67 and 68, VXLAN on 4789 and Geneve
 * on 6081 (UDP), on either side. */
static void test_registry_ports(void)
{
	unsigned udp = 0, tcp = 0;
	for (uint32_t port = 0; port <= 0xffff; port++) {
		const struct wire_proto *u =
		    wire_registry_lookup(WIRE_NEXT_UDP, 40000u << 16 | port);
		const struct wire_proto *u2 =
		    wire_registry_lookup(WIRE_NEXT_UDP, port << 16 | 40000u);
		const struct wire_proto *t = wire_registry_lookup(WIRE_NEXT_TCP, port);
		CHECK(u == u2);
		udp += u != NULL;
		tcp += t != NULL;
		if (port == 53 || port == 5353 || port == 5355)
			CHECK(u == &wire_proto_dns);
		if (port == 67 || port == 68)
			CHECK(u == &wire_proto_dhcp);
		if (port == 53)
			CHECK(t == &wire_proto_dns);
		if (port == 4789)
			CHECK(u == &wire_proto_vxlan);
		if (port == 6081)
			CHECK(u == &wire_proto_geneve);
	}
	CHECK_INT(udp, 7);
	CHECK_INT(tcp, 1);
}

static void csum_add_pattern(unsigned pat)
{
	uint8_t b[80];
	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = pat == 0 ? (uint8_t)(i * 37u + 11u) : pat == 1 ? 0xff : (uint8_t)(0xf0u | i);
	for (unsigned off = 0; off < 8; off++)
		for (unsigned n = 0; n + off <= sizeof(b); n++) {
			uint64_t s = 0x1234;
			for (unsigned i = 0; i + 1 < n; i += 2)
				s += (uint32_t)b[off + i] << 8 | b[off + i + 1];
			if (n & 1)
				s += (uint32_t)b[off + n - 1] << 8;
			uint16_t want =
			    wire_csum_fold((uint32_t)(s & 0xffffffffu) + (uint32_t)(s >> 32));
			CHECK_INT(wire_csum_fold(wire_csum_add(0x1234, b + off, n)), want);
		}
}

/* Numbers as the printers write them: each digit count, both sides of the
 * 8-digit step (10^8 - 1, 10^8), the 32-bit maximum and 64-bit values; and
 * wire_fmt_u32 stores nothing past its 10 bytes. */
static void test_numbers(void)
{
	static const uint64_t v[] = {0,          9,          10,          99,          100,
	                             999,        1000,       9999,        10000,       65535,
	                             99999,      100000,     999999,      1000000,     9999999,
	                             10000000,   99999999,   100000000,   100000001,   999999999,
	                             1000000000, 2044906138, 4294967295u, 4294967296u, UINT64_MAX};
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		char want[24], b[16];
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v[k]);
		wire_buf_reset(&mem);
		wire_sink_init_mem(&sink, &mem);
		wire_pr_u(&sink, v[k]);
		wire_sink_flush(&sink);
		CHECK_INT(wire_buf_used(&mem), strlen(want));
		CHECK(memcmp(wire_buf_head(&mem), want, strlen(want)) == 0);
		if (v[k] > UINT32_MAX)
			continue;
		memset(b, 'x', sizeof(b));
		CHECK_INT(wire_fmt_u32(b, (uint32_t)v[k]), strlen(want));
		CHECK(memcmp(b, want, strlen(want)) == 0);
		CHECK(memcmp(b + 10, "xxxxxx", 6) == 0);
	}
}

/* The IPv4 header checksum (summed inline for 20-byte headers) agrees with
 * the generic sum, also where every add carries. */
static void test_ip_hdr_csum(void)
{
	static const uint8_t addrs[][8] = {{10, 0, 0, 1, 10, 0, 0, 2},
	                                   {255, 255, 255, 255, 255, 255, 255, 255},
	                                   {0xfe, 0xff, 0xff, 0xff, 0, 0, 0, 1}};
	for (unsigned k = 0; k < 3; k++)
		for (unsigned ttl = 0; ttl < 256; ttl += 51) {
			uint8_t h[20] = {0x45, 0, 0, 20, 0xff, 0xff, 0x40, 0, (uint8_t)ttl, 17};
			memcpy(h + 12, addrs[k], 8);
			uint16_t c = wire_csum_fold(wire_csum_add(0, h, 20));
			h[10] = (uint8_t)(c >> 8);
			h[11] = (uint8_t)c;
			struct wire_dissect d;
			struct wire_pkt p = mkpkt(h, sizeof(h), WIRE_LINK_RAW);
			CHECK(wire_dissect(&d, &p) >= 1);
			CHECK_INT(d.l[0].u.ip4.csum_st, WIRE_CSUM_OK);
			h[11] ^= 1;
			p = mkpkt(h, sizeof(h), WIRE_LINK_RAW);
			CHECK(wire_dissect(&d, &p) >= 1);
			CHECK_INT(d.l[0].u.ip4.csum_st, WIRE_CSUM_BAD);
		}
}

/* The checksum sum equals the plain big-endian 16-bit sum at every length
 * and alignment (the fast sum adds 8 bytes at a time in host order, with an
 * end-around carry: the all-0xff and high-byte patterns carry at each add). */
static void test_csum_add(void)
{
	for (unsigned pat = 0; pat < 3; pat++)
		csum_add_pattern(pat);
}

int main(void)
{
	wire_buf_init(&mem, 1 << 20);
	test_lecture_blocks();
	test_lines();
	test_time_iface();
	test_fields();
	test_ip_hdr_csum();
	test_numbers();
	test_offload();
	test_json();
	test_dns_names();
	test_dns_loop_packet();
	test_opts();
	test_tcpopt_table();
	test_dns_table();
	test_dns_arena_full();
	test_registry_ports();
	test_option_tables();
	test_csum_add();
	test_ip6_chain();
	test_vlan_depth();
	test_tunnels();
	test_geneve_limits();
	test_invalid();
	test_hex();
	test_stats();
	test_names();
	test_cut_headers();
	test_partial_in_files();
	test_empty();
	test_every_prefix();
	wire_buf_free(&mem);
	return T_END();
}
