#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Crafts the small golden-test captures in tests/golden/pcaps/ (wc-*.pcap).

Each capture holds a few hand-built packets that exercise one decoder: the
lecture's ARP request, UDP/TCP/ICMP over IPv4 and IPv6, IPv6 extension
headers, ICMP errors with quoted packets, DNS (every record type, TCP, a
compression loop), HTTP, DHCP, TLS SNI, VLAN/QinQ, cooked v1/v2, loopback,
raw IP, fragments, bad checksums, GSO and offloaded checksums, invalid and
truncated headers. Checksums are computed unless a test wants them wrong.
Run by tests/golden/regen.sh; the output is deterministic.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "net"))
from pktbuild import csum  # noqa: E402

OUT = os.path.join(HERE, "pcaps")
T0 = 1700000000


def ip4a(s):
    return bytes(int(x) for x in s.split("."))


def ip6a(s):
    import socket
    return socket.inet_pton(socket.AF_INET6, s)


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def eth(dst, src, typ, payload):
    return mac(dst) + mac(src) + struct.pack("!H", typ) + payload


def ipv4(src, dst, proto, payload, ttl=64, ident=1, flags=0x4000, tot=None, opts=b"", bad=False, tos=0):
    ihl = 5 + len(opts) // 4
    tl = tot if tot is not None else 20 + len(opts) + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, tl, ident, flags, ttl, proto, 0,
                    ip4a(src), ip4a(dst)) + opts
    c = csum(h)
    if bad:
        c ^= 0x1111
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def pseudo4(src, dst, proto, n):
    return ip4a(src) + ip4a(dst) + struct.pack("!BBH", 0, proto, n)


def pseudo6(src, dst, proto, n):
    return ip6a(src) + ip6a(dst) + struct.pack("!IxxxB", n, proto)


def udp(src, dst, sp, dp, data, v6=False, bad=False, ulen=None, nocsum=False):
    n = 8 + len(data)
    ul = ulen if ulen is not None else n
    h = struct.pack("!HHHH", sp, dp, ul, 0)
    ph = (pseudo6 if v6 else pseudo4)(src, dst, 17, n)
    c = 0 if nocsum else (csum(ph + h + data) or 0xFFFF)
    if bad:
        c ^= 0x1111
    return struct.pack("!HHHH", sp, dp, ul, c) + data


def tcp(src, dst, sp, dp, seq, ack, flags, win, opts=b"", data=b"", v6=False, bad=False, doff=None):
    while len(opts) % 4:
        opts += b"\x01"
    do = doff if doff is not None else (20 + len(opts)) // 4
    h = struct.pack("!HHIIHHHH", sp, dp, seq, ack, (do << 12) | flags, win, 0, 0) + opts
    ph = (pseudo6 if v6 else pseudo4)(src, dst, 6, len(h) + len(data))
    c = csum(ph + h + data)
    if bad:
        c ^= 0x1111
    return h[:16] + struct.pack("!H", c) + h[18:] + data


def icmp(typ, code, rest, data):
    h = struct.pack("!BBH", typ, code, 0) + rest + data
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def ipv6(src, dst, nxt, payload, hlim=64, plen=None, tcflow=0):
    pl = plen if plen is not None else len(payload)
    return struct.pack("!IHBB", 0x60000000 | tcflow, pl, nxt, hlim) + ip6a(src) + ip6a(dst) + payload


def icmp6(src, dst, typ, code, body):
    h = struct.pack("!BBH", typ, code, 0) + body
    c = csum(pseudo6(src, dst, 58, len(h)) + h)
    return h[:2] + struct.pack("!H", c) + h[4:]


def dnsname(n):
    out = b""
    for lab in n.rstrip(".").split("."):
        if lab:
            out += bytes([len(lab)]) + lab.encode()
    return out + b"\0"


def write(name, linktype, pkts, snap=262144):
    """pkts: list of bytes or (bytes, wirelen)."""
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snap, linktype))
        for i, p in enumerate(pkts):
            wl = len(p)
            if isinstance(p, tuple):
                p, wl = p
            f.write(struct.pack("<IIII", T0 + i, 1 + i * 1000, len(p), wl))
            f.write(p)


M1, M2 = "00:24:b2:84:19:22", "02:00:00:00:00:02"
A, B = "192.168.1.1", "192.168.1.27"
L = "127.0.0.1"
V6A, V6B = "2001:db8::1", "2001:db8::2"


def e4(payload, src=M1, dst=M2):
    return eth(dst, src, 0x0800, payload)


def e6(payload, src=M1, dst=M2):
    return eth(dst, src, 0x86DD, payload)


def main():
    os.makedirs(OUT, exist_ok=True)
    # ARP: the lecture's request, a reply, and a padded frame.
    req = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac(M1) + ip4a(A) + mac("00:00:00:00:00:00") + ip4a(B)
    rep = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac("00:11:22:33:44:55") + ip4a(B) + mac(M1) + ip4a(A)
    write("wc-arp.pcap", 1, [eth("ff:ff:ff:ff:ff:ff", M1, 0x0806, req),
                             eth(M1, "00:11:22:33:44:55", 0x0806, rep + b"\0" * 18),
                             eth("ff:ff:ff:ff:ff:ff", M1, 0x0806, req[:20])])
    # UDP over IPv4 and IPv6, loopback ethernet like Linux lo.
    z = "00:00:00:00:00:00"
    write("wc-udp.pcap", 1, [
        eth(z, z, 0x0800, ipv4(L, L, 17, udp(L, L, 40000, 5005, b"hello\n"))),
        eth(z, z, 0x86DD, ipv6("::1", "::1", 17, udp("::1", "::1", 5005, 40000, b"hello\n", v6=True))),
        eth(z, z, 0x0800, ipv4(L, L, 17, udp(L, L, 40000, 5005, b"hello\n", bad=True))),
        eth(z, z, 0x0800, ipv4(L, L, 17, udp(L, L, 40000, 5005, b"hi", ulen=6))),
        eth(z, z, 0x0800, ipv4(L, L, 17, udp(L, L, 40000, 5005, b"hi", ulen=60))),
        eth(z, z, 0x0800, ipv4(L, L, 17, udp(L, L, 40000, 5005, b"nocsum", nocsum=True))),
        eth(z, z, 0x0800, ipv4(L, L, 17, udp(L, L, 40000, 5005, b"\x1b[2J\x07ctl"))),
    ])
    # TCP handshake with options, data, bad checksum, bad data offset, options loop.
    syn_opts = struct.pack("!BBH", 2, 4, 65495) + b"\x04\x02" + struct.pack("!BBII", 8, 10, 1, 0) + b"\x01" + b"\x03\x03\x07"
    sack = b"\x01\x01" + struct.pack("!BBIIII", 5, 18, 1000, 2000, 3000, 4000)
    write("wc-tcp.pcap", 1, [
        e4(ipv4(L, L, 6, tcp(L, L, 40000, 5005, 123, 0, 0x002, 65495, syn_opts))),
        e4(ipv4(L, L, 6, tcp(L, L, 5005, 40000, 900, 124, 0x012, 65483, syn_opts))),
        e4(ipv4(L, L, 6, tcp(L, L, 40000, 5005, 124, 901, 0x018, 512, b"", b"hello\n"))),
        e4(ipv4(L, L, 6, tcp(L, L, 40000, 5005, 130, 901, 0x010, 512, sack))),
        e4(ipv4(L, L, 6, tcp(L, L, 40000, 5005, 130, 901, 0x011, 512, b"", b"", bad=True))),
        e4(ipv4(L, L, 6, tcp(L, L, 40000, 5005, 130, 901, 0x004, 0, b"", b"", doff=3))),
        e4(ipv4(L, L, 6, tcp(L, L, 40000, 5005, 130, 901, 0x0C2, 512, b"\x02\x00\x01\x01"))),
        e4(ipv4(L, L, 6, tcp(L, L, 40000, 5005, 130, 901, 0x010, 512, b"\x01" * 40))),
        e6(ipv6(V6A, V6B, 6, tcp(V6A, V6B, 443, 50000, 7, 8, 0x010, 100, b"", b"", v6=True))),
    ])
    # ICMP: echo, port unreachable quoting UDP, time exceeded quoting TCP, bad checksum.
    echo = icmp(8, 0, struct.pack("!HH", 1, 1), bytes(range(56)))
    inner = ipv4(B, A, 17, udp(B, A, 33434, 53, b"x" * 12))
    inner_t = ipv4(B, "8.8.8.8", 6, tcp(B, "8.8.8.8", 40000, 80, 5, 0, 2, 100))
    bad = bytearray(icmp(0, 0, struct.pack("!HH", 1, 2), b"abcd"))
    bad[2] ^= 0xFF
    write("wc-icmp.pcap", 1, [
        e4(ipv4(B, A, 1, echo)),
        e4(ipv4(A, B, 1, icmp(0, 0, struct.pack("!HH", 1, 1), bytes(range(56))))),
        e4(ipv4(A, B, 1, icmp(3, 3, b"\0" * 4, inner[:28]))),
        e4(ipv4("10.0.0.1", B, 1, icmp(11, 0, b"\0" * 4, inner_t[:28]))),
        e4(ipv4(A, B, 1, icmp(3, 4, struct.pack("!HH", 0, 1400), inner[:28]))),
        e4(ipv4(A, B, 1, bytes(bad))),
        e4(ipv4(A, B, 1, icmp(3, 1, b"\0" * 4, inner[:10]))),
    ])
    # ICMPv6: echo, NS/NA with link-layer options, RS/RA, unreachable, too big.
    ll = b"\x01\x01" + mac(M1)
    write("wc-icmp6.pcap", 1, [
        e6(ipv6(V6A, V6B, 58, icmp6(V6A, V6B, 128, 0, struct.pack("!HH", 7, 1) + b"ping"))),
        e6(ipv6(V6B, V6A, 58, icmp6(V6B, V6A, 129, 0, struct.pack("!HH", 7, 1) + b"ping"))),
        e6(ipv6("fe80::1", "ff02::1:ff00:2", 58, icmp6("fe80::1", "ff02::1:ff00:2", 135, 0, b"\0" * 4 + ip6a("fe80::2") + ll), hlim=255)),
        e6(ipv6("fe80::2", "fe80::1", 58, icmp6("fe80::2", "fe80::1", 136, 0, b"\x60\0\0\0" + ip6a("fe80::2") + b"\x02\x01" + mac(M2)), hlim=255)),
        e6(ipv6("fe80::1", "ff02::2", 58, icmp6("fe80::1", "ff02::2", 133, 0, b"\0" * 4 + ll), hlim=255)),
        e6(ipv6("fe80::2", "ff02::1", 58, icmp6("fe80::2", "ff02::1", 134, 0, struct.pack("!BBHII", 64, 0, 1800, 0, 0) + b"\x01\x01" + mac(M2)), hlim=255)),
        e6(ipv6(V6B, V6A, 58, icmp6(V6B, V6A, 1, 4, b"\0" * 4 + ipv6(V6A, V6B, 17, udp(V6A, V6B, 40000, 5005, b"zz", v6=True))))),
        e6(ipv6(V6B, V6A, 58, icmp6(V6B, V6A, 2, 0, struct.pack("!I", 1280) + ipv6(V6A, V6B, 17, udp(V6A, V6B, 7, 9, b"q" * 1300, v6=True))[:1232]))),
        e6(ipv6("fe80::1", "ff02::1", 58, icmp6("fe80::1", "ff02::1", 135, 0, b"\0" * 4 + ip6a("fe80::2") + b"\x01\x00" + b"\0" * 6), hlim=255)),
    ])
    # IPv6 extension headers: HBH + dstopts + UDP, routing, first and later fragment.
    hbh = bytes([60, 0, 1, 4, 0, 0, 0, 0])  # next dstopts, PadN
    dst = bytes([17, 0, 1, 4, 0, 0, 0, 0])
    u = udp(V6A, V6B, 1000, 2000, b"ext", v6=True)
    rt = bytes([17, 2, 0, 1, 0, 0, 0, 0]) + ip6a("2001:db8::99")
    frag0 = bytes([17, 0, 0x00, 0x01, 0, 0, 0x12, 0x34])
    frag1 = bytes([17, 0, 0x00, 0xB8, 0, 0, 0x12, 0x34])
    write("wc-ipv6ext.pcap", 1, [
        e6(ipv6(V6A, V6B, 0, hbh + dst + u)),
        e6(ipv6(V6A, V6B, 43, rt + u)),
        e6(ipv6(V6A, V6B, 44, frag0 + udp(V6A, V6B, 1000, 2000, b"A" * 16, v6=True))),
        e6(ipv6(V6A, V6B, 44, frag1 + b"B" * 16)),
        e6(ipv6(V6A, V6B, 0, bytes([17, 0, 1, 9, 0, 0, 0, 0]) + u)),
        e6(ipv6(V6A, V6B, 60, bytes([59, 0, 1, 4, 0, 0, 0, 0]))),
    ])
    # IPv4: options, fragments, bad header checksum, bad ihl, GSO (length 0), offload.
    big = udp(A, B, 1000, 2000, b"F" * 40)
    write("wc-ipv4.pcap", 1, [
        e4(ipv4(A, B, 17, udp(A, B, 1000, 2000, b"opt"), opts=b"\x07\x07\x04" + b"\0" * 4 + b"\x00")),
        e4(ipv4(A, B, 17, big[:24], ident=0x4242, flags=0x2000, tot=44)),
        e4(ipv4(A, B, 17, big[24:], ident=0x4242, flags=0x0003)),
        e4(ipv4(A, B, 17, udp(A, B, 1000, 2000, b"x"), bad=True)),
        e4(b"\x44" + ipv4(A, B, 17, udp(A, B, 1000, 2000, b"x"))[1:]),
        e4(ipv4(A, B, 6, tcp(A, B, 1, 2, 3, 4, 0x18, 5, b"", b"G" * 100), tot=0)),
        e4(ipv4(A, B, 17, udp(A, B, 1000, 2000, b"x"), tot=10)),
        e4(ipv4(A, B, 47, b"\0\0\x08\0")),
        e4(ipv4(A, B, 17, udp(A, B, 1000, 2000, b"pad")) + b"\0" * 20),
    ])
    # DNS over UDP and TCP with every decoded record type; compression loops.
    q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + dnsname("www.example.com") + struct.pack("!HH", 1, 1)
    ans = [
        (b"\xc0\x0c", 5, dnsname("web.example.com")),
        (b"\xc0\x2d", 1, ip4a("93.184.216.34")),
        (b"\xc0\x2d", 1, ip4a("93.184.216.35")),
        (b"\xc0\x2d", 28, ip6a("2606:2800:220:1::1")),
        (b"\xc0\x10", 15, struct.pack("!H", 10) + dnsname("mail.example.com")),
        (b"\xc0\x10", 16, b"\x0bhello world\x05a\"b\\c"),
        (b"\xc0\x10", 2, dnsname("ns1.example.com")),
        (b"\xc0\x10", 6, dnsname("ns1.example.com") + dnsname("admin.example.com") + struct.pack("!IIIII", 2024, 7200, 3600, 1209600, 300)),
        (b"\xc0\x10", 12, dnsname("host.example.com")),
        (b"\xc0\x10", 99, b"\x01\x02"),
    ]
    r = struct.pack("!HHHHHH", 0x1234, 0x8180, 1, len(ans), 0, 0) + dnsname("www.example.com") + struct.pack("!HH", 1, 1)
    for nm, t, rd in ans:
        r += nm + struct.pack("!HHIH", t, 1, 300, len(rd)) + rd
    loop = struct.pack("!HHHHHH", 0xBEEF, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + struct.pack("!HH", 1, 1)
    fwd = struct.pack("!HHHHHH", 0xBEEF, 0x0100, 1, 0, 0, 0) + b"\x03abc\xc0\x20" + b"\0" * 16
    nx = struct.pack("!HHHHHH", 0x4321, 0x8183, 1, 0, 0, 0) + dnsname("nope.example") + struct.pack("!HH", 28, 1)
    C, S = "10.0.0.1", "10.0.0.53"
    write("wc-dns.pcap", 1, [
        e4(ipv4(C, S, 17, udp(C, S, 40000, 53, q))),
        e4(ipv4(S, C, 17, udp(S, C, 53, 40000, r))),
        e4(ipv4(C, S, 17, udp(C, S, 40001, 53, loop))),
        e4(ipv4(C, S, 17, udp(C, S, 40001, 53, fwd))),
        e4(ipv4(S, C, 17, udp(S, C, 53, 40002, nx))),
        e4(ipv4(S, C, 17, udp(S, C, 53, 40000, r[:60]))),
        e4(ipv4(C, S, 6, tcp(C, S, 40003, 53, 1, 1, 0x18, 100, b"", struct.pack("!H", len(q)) + q))),
        e6(ipv6(V6A, V6B, 17, udp(V6A, V6B, 5353, 5353, q, v6=True))),
    ])
    # DNS rdata decoded once (issue 10): a SOA whose numbers the message cuts
    # after two (tshark shows those two), one whose numbers run past its rdata
    # into the next record (tcpdump and tshark read them there), a whole one;
    # SRV, CAA (a known and an unknown tag) and an OPT record.
    def soa_msg(nums, extra=b"", count=1):
        rd = dnsname("ns1.example.com") + dnsname("admin.example.com") + b"".join(struct.pack("!I", v) for v in nums)
        return struct.pack("!HHHHHH", 0x5a5a, 0x8180, 1, count, 0, 0) + dnsname("example.com") + \
            struct.pack("!HH", 6, 1) + b"\xc0\x0c" + struct.pack("!HHIH", 6, 1, 300, len(rd)) + rd + extra

    def rr(t, rd, owner=b"\xc0\x0c", cls=1, ttl=300):
        return owner + struct.pack("!HHIH", t, cls, ttl, len(rd)) + rd
    arec = rr(1, bytes([192, 0, 2, 7]))
    srv = rr(33, struct.pack("!HHH", 10, 20, 5060) + dnsname("sip.example.com"))
    caa = rr(257, b"\x00\x05issueca.example.net") + rr(257, b"\x80\x03xyzsome value")
    opt = rr(41, b"", owner=b"\0", cls=1232, ttl=0x8000)
    rrs = struct.pack("!HHHHHH", 0x5b5b, 0x8180, 1, 3, 0, 1) + dnsname("_sip._tcp.example.com") + \
        struct.pack("!HH", 33, 1) + srv + caa + opt
    write("wc-dnsrr.pcap", 1, [e4(ipv4(S, C, 17, udp(S, C, 53, 40000, m))) for m in [
        soa_msg([2024, 7200]), soa_msg([2024, 7200], arec, 2), soa_msg([1, 2, 3, 4, 5]), rrs]])
    # HTTP request and response, TLS ClientHello with SNI, DHCP discover.
    hreq = b"GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: wirecat-test\r\nAccept: */*\r\n\r\n"
    hrsp = b"HTTP/1.1 404 Not Found\r\nServer: test\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nnope\n"
    hctl = b"GET /\x1b[31mred HTTP/1.1\r\nX-Evil: \x07\x1b]0;title\x07\r\n\r\n"
    sni = dnsname("x")  # placeholder
    name = b"www.example.org"
    sni_ext = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    ch = struct.pack("!H", 0x0303) + b"\x11" * 32 + b"\x00" + struct.pack("!H", 2) + b"\x13\x01" + b"\x01\x00" + struct.pack("!H", len(sni_ext)) + sni_ext
    hs = b"\x01" + struct.pack("!I", len(ch))[1:] + ch
    rec = b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs
    del sni
    dhcp = struct.pack("!BBBBIHH", 1, 1, 6, 0, 0xDEADBEEF, 0, 0x8000) + b"\0" * 16 + mac(M1) + b"\0" * 10 + b"\0" * 192 + b"\x63\x82\x53\x63" + b"\x35\x01\x01" + b"\x37\x03\x01\x03\x06" + b"\xff"
    write("wc-app.pcap", 1, [
        e4(ipv4(C, S, 6, tcp(C, S, 40004, 80, 1, 1, 0x18, 100, b"", hreq))),
        e4(ipv4(S, C, 6, tcp(S, C, 80, 40004, 1, 1, 0x18, 100, b"", hrsp))),
        e4(ipv4(C, S, 6, tcp(C, S, 40005, 8000, 1, 1, 0x18, 100, b"", hctl))),
        e4(ipv4(C, S, 6, tcp(C, S, 40006, 443, 1, 1, 0x18, 100, b"", rec))),
        e4(ipv4(C, S, 6, tcp(C, S, 40006, 443, 1, 1, 0x18, 100, b"", b"\x17\x03\x03\x00\x05hello"))),
        e4(ipv4("0.0.0.0", "255.255.255.255", 17, udp("0.0.0.0", "255.255.255.255", 68, 67, dhcp)), dst="ff:ff:ff:ff:ff:ff"),
    ])
    # Names: one TLS record per connection for each handshake type and a few
    # content types; one DNS query per record type (and one with an OPT).
    tlsp = []
    for k, (ct, hst, body) in enumerate([(22, 2, b""), (22, 11, b"\0\0\0"), (22, 12, b""), (22, 13, b""),
                                         (22, 14, b""), (22, 15, b""), (22, 16, b""), (22, 20, b"\0" * 12),
                                         (22, 4, b""), (22, 8, b"\0\0"), (22, 24, b"\0"), (22, 99, b""),
                                         (21, None, b"\x02\x28"), (20, None, b"\x01"), (24, None, b"\x01\x00")]):
        frag = body if hst is None else bytes([hst]) + struct.pack("!I", len(body))[1:] + body
        recb = bytes([ct]) + b"\x03\x03" + struct.pack("!H", len(frag)) + frag
        tlsp.append(e4(ipv4(S, C, 6, tcp(S, C, 443, 41000 + k, 1, 1, 0x18, 100, b"", recb))))
    dnsp = []
    for k, t in enumerate([44, 33, 65, 64, 257, 35, 43, 46, 47, 48, 52, 255, 252, 50, 59, 99, 4242]):
        qq = struct.pack("!HHHHHH", 0x100 + k, 0x0100, 1, 0, 0, 0) + dnsname("names.example") + struct.pack("!HH", t, 1)
        dnsp.append(e4(ipv4(C, S, 17, udp(C, S, 42000 + k, 53, qq))))
    opt = struct.pack("!HHHHHH", 0x200, 0x0100, 1, 0, 0, 1) + dnsname("names.example") + struct.pack("!HH", 1, 1) + b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
    dnsp.append(e4(ipv4(C, S, 17, udp(C, S, 42100, 53, opt))))
    write("wc-names.pcap", 1, tlsp + dnsp)
    # Link layers: VLAN, QinQ, 802.3 length frame, unknown ethertype.
    write("wc-vlan.pcap", 1, [
        eth(M2, M1, 0x8100, struct.pack("!HH", (3 << 13) | 100, 0x0800) + ipv4(A, B, 17, udp(A, B, 1, 2, b"v"))),
        eth(M2, M1, 0x88A8, struct.pack("!HH", 200, 0x8100) + struct.pack("!HH", 2001, 0x0806) + req),
        eth(M2, M1, 38, b"\x42\x42\x03" + b"\0" * 35),
        eth(M2, M1, 0x88CC, b"\x02\x07\x04" + b"\0" * 40),
    ])
    # Linux cooked v1 and v2 (what -i any gives), loopback/null, raw IP.
    sll1 = struct.pack("!HHH", 0, 772, 6) + b"\0" * 8 + struct.pack("!H", 0x0800)
    sll1o = struct.pack("!HHH", 4, 1, 6) + mac(M1) + b"\0\0" + struct.pack("!H", 0x86DD)
    write("wc-sll.pcap", 113, [
        sll1 + ipv4(L, L, 17, udp(L, L, 40000, 5005, b"hello\n")),
        sll1o + ipv6("::1", "::1", 17, udp("::1", "::1", 5005, 40000, b"hello\n", v6=True)),
        sll1[:10],
    ])
    sll2 = struct.pack("!HHIHBB", 0x0800, 0, 1, 772, 0, 6) + b"\0" * 8
    write("wc-sll2.pcap", 276, [
        sll2 + ipv4(L, L, 1, icmp(8, 0, struct.pack("!HH", 9, 9), b"p" * 8)),
        struct.pack("!HHIHBB", 0x0806, 0, 2, 1, 1, 6) + mac(M1) + b"\0\0" + req,
    ])
    write("wc-null.pcap", 0, [
        struct.pack("<I", 2) + ipv4(L, L, 17, udp(L, L, 1, 2, b"n")),
        struct.pack("<I", 30) + ipv6("::1", "::1", 17, udp("::1", "::1", 1, 2, b"n", v6=True)),
        struct.pack("<I", 99) + b"zz",
    ])
    write("wc-raw.pcap", 101, [
        ipv4(A, B, 17, udp(A, B, 1, 53, q)),
        ipv6(V6A, V6B, 17, udp(V6A, V6B, 1, 2, b"r", v6=True)),
        b"\x50\x00",
    ])
    # Text for -A (tab, escape, bell, bare CR, bytes >= 0x80), a TCP
    # handshake for -S, IP header fields for -v (tos, ECN, ttl 1, MF, class,
    # flow label).
    T1, T2 = "10.0.0.1", "10.0.0.2"
    treq = b"GET /a HTTP/1.1\r\nHost: x\r\nX: \x1b[31mred\x07\tb\r\n\r\n"
    trsp = b"HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\na\rb" + bytes(range(0x7e, 0x90)) + b"\n\r"
    mss = b"\x02\x04\x05\xb4"
    write("wc-text.pcap", 1, [
        e4(ipv4(T1, T2, 6, tcp(T1, T2, 40010, 80, 1000, 0, 0x002, 64240, mss), tos=0x10)),
        e4(ipv4(T2, T1, 6, tcp(T2, T1, 80, 40010, 5000, 1001, 0x012, 65160, mss))),
        e4(ipv4(T1, T2, 6, tcp(T1, T2, 40010, 80, 1001, 5001, 0x018, 502, b"", treq))),
        e4(ipv4(T2, T1, 6, tcp(T2, T1, 80, 40010, 5001, 1001 + len(treq), 0x018, 509, b"", trsp), bad=True)),
        e4(ipv4(T1, T2, 6, tcp(T1, T2, 40010, 80, 1001 + len(treq), 5001 + len(trsp), 0x011, 502, bad=True))),
        e4(ipv4(T1, T2, 17, udp(T1, T2, 40011, 9, b"ce"), ttl=1, ident=4660, flags=0x2000, tos=0x03)),
        e6(ipv6(V6A, V6B, 17, udp(V6A, V6B, 40012, 9, b"\0\0x\0", v6=True), tcflow=0x0b812345)),
    ])
    # Snapshot-length truncation: the whole TCP segment is on the wire, not captured.
    full = e4(ipv4(L, L, 6, tcp(L, L, 40000, 5005, 124, 901, 0x018, 512, b"", b"x" * 200)))
    write("wc-snap.pcap", 1, [(full[:60], len(full)), (full[:40], len(full)), (full[:14], len(full))], snap=60)
    # Headers cut short by the capture, field by field: every field that is
    # there must be shown (checked against tshark -T fields).
    opts40 = b"\x02\x04\x05\xb4" + b"\x01" * 36
    t60 = e4(ipv4(A, B, 6, tcp(A, B, 40000, 443, 1000, 2000, 0x018, 512, opts40, b"data")))
    u4 = e4(ipv4(A, B, 17, udp(A, B, 5353, 53, b"hello")))
    i4 = e4(ipv4(A, B, 1, icmp(8, 0, struct.pack("!HH", 7, 9), b"ping" * 4)))
    o4 = e4(ipv4(A, B, 17, udp(A, B, 1, 2, b"x"), opts=b"\x01\x01\x01\x00"))
    bad_ihl = bytearray(u4)
    bad_ihl[14] = 0x44
    u6 = e6(ipv6(V6A, V6B, 17, udp(V6A, V6B, 5353, 53, b"hello", v6=True)))
    t6 = e6(ipv6(V6A, V6B, 6, tcp(V6A, V6B, 40000, 443, 1, 2, 0x012, 100, b"", b"", v6=True)))
    e6p = e6(ipv6(V6A, V6B, 58, icmp6(V6A, V6B, 128, 0, struct.pack("!HH", 7, 9) + b"ping")))
    write("wc-trunc.pcap", 1, [
        (u4[:14 + 12], len(u4)),           # IPv4: 12 of 20 header bytes
        (u4[:14 + 1], len(u4)),            # IPv4: the version byte only
        (o4[:14 + 22], len(o4)),           # IPv4: addresses, options cut
        (t60[:14 + 20 + 20], len(t60)),    # TCP: 20 present, data offset 60
        (t60[:14 + 20 + 14], len(t60)),    # TCP: up to the flags
        (t60[:14 + 20 + 6], len(t60)),     # TCP: ports and half the sequence
        (u4[:14 + 20 + 4], len(u4)),       # UDP: ports
        (u4[:14 + 20 + 6], len(u4)),       # UDP: ports and length
        (i4[:14 + 20 + 2], len(i4)),       # ICMP: type and code
        (i4[:14 + 20 + 6], len(i4)),       # ICMP: and the checksum, half the id
        (u6[:14 + 8], len(u6)),            # IPv6: no addresses
        (u6[:14 + 24], len(u6)),           # IPv6: the source address
        (t6[:14 + 40 + 16], len(t6)),      # IPv6 + TCP: up to the window
        (bytes(bad_ihl[:14 + 12]), len(u4)),  # IHL 4 contradicts: invalid, as before
        (e6p[:14 + 40 + 6], len(e6p)),     # ICMPv6 echo: type, code, checksum, id
        (e6p[:14 + 40 + 1], len(e6p)),     # ICMPv6: the type only
    ])


if __name__ == "__main__":
    sys.exit(main())
