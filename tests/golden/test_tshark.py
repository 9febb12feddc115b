#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Cross-check with tshark: for the golden captures, every field the issue
names (and a few more) in `wirecat read --json` must equal what
`tshark -T fields -E occurrence=a` prints for the same packet (an array is
compared as tshark's comma-joined list). Packets wirecat marks malformed are
skipped, and so are the few places where tshark knows more than a
one-packet decoder can (listed in KNOWN with the reason). Skipped when
tshark is not installed."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden  # noqa: E402

FIELDS = """frame.number frame.time_epoch frame.len frame.cap_len eth.src eth.dst eth.type vlan.id
arp.opcode arp.src.hw_mac arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4 ip.src ip.dst ip.proto
ip.len ip.ttl ip.id ip.flags.mf ip.frag_offset ipv6.src ipv6.dst ipv6.nxt ipv6.plen tcp.srcport
tcp.dstport tcp.flags tcp.seq_raw tcp.ack_raw tcp.len tcp.window_size_value udp.srcport udp.dstport
udp.length icmp.type icmp.code icmpv6.type icmpv6.code dns.id dns.qry.name dns.qry.type dns.a dns.aaaa
http.request.method http.request.uri http.response.code
ip.flags ip.dsfield ip.hdr_len ip.checksum ipv6.tclass ipv6.flow ipv6.hlim tcp.hdr_len tcp.checksum
udp.checksum icmp.checksum icmp.ident icmp.seq icmpv6.checksum icmpv6.echo.identifier
icmpv6.echo.sequence_number icmpv6.nd.ns.target_address icmpv6.nd.na.target_address dns.flags
dns.flags.response dns.qry.class dns.resp.ttl dns.resp.name dns.resp.type dns.cname dns.ns
dns.mx.mail_exchange dns.mx.preference dns.txt dns.soa.mname dns.soa.rname dns.ptr.domain_name
dns.count.queries dns.count.answers ieee8021ad.id arp.hw.type arp.proto.type dhcp.type dhcp.id
dhcp.option.dhcp dhcp.ip.your tls.handshake.type tls.handshake.extensions_server_name
http.request.version http.response.phrase http.host http.user_agent http.server tcp.options.mss_val
tcp.options.wscale.shift tcp.options.timestamp.tsval ipv6.fraghdr.offset ipv6.fraghdr.more
ipv6.fraghdr.ident""".split()

# (capture, frame number or None for all, field or None for all): why
KNOWN = {
    # tshark reassembles IP fragments and shows UDP only in the last one
    ("wc-ipv4.pcap", "2", None): "reassembly",
    ("wc-ipv4.pcap", "3", None): "reassembly",
    ("wc-ipv6ext.pcap", "3", None): "reassembly",
    ("wc-ipv6ext.pcap", "4", None): "reassembly",
    ("wc-text.pcap", "6", None): "reassembly",
    # tshark decodes TLS application data only after seeing a handshake
    ("wc-app.pcap", "5", None): "stream state",
}

CAPTURES = [f for f in sorted(os.listdir(os.path.join(golden.HERE, "pcaps"))) if f.startswith("wc-")] + [
    "dns_udp.pcap", "dns_tcp.pcap", "ipv4_tcp_http_xml.pcap", "802.1ad_QinQ.pcap", "mptcp-v1.pcap",
    "tcp-handshake-nano.pcap", "LINKTYPE_RAW_ipv6.pcap", "dhcp-rfc3004.pcap"]


def main():
    if not shutil.which("tshark"):
        print("tshark not installed: 0 passed, 0 failed, 1 skipped")
        return 77
    wc = golden.wirecat()
    compared = mismatches = 0
    for cap in CAPTURES:
        path = os.path.join(golden.HERE, "pcaps", cap)
        args = ["tshark", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
                "-E", "aggregator=\x01"]
        for f in FIELDS:
            args += ["-e", f]
        t = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
        w = subprocess.run([wc, "read", "--json", path], stdout=subprocess.PIPE, timeout=60)
        tl = t.stdout.decode("utf-8", "replace").split("\n")
        wl = [x for x in w.stdout.decode("utf-8", "replace").split("\n") if x]
        for tline, wline in zip(tl, wl):
            o = json.loads(wline)
            num = o["frame.number"]
            if "_ws.malformed" in o or (cap, num, None) in KNOWN:
                continue
            for k, tv in zip(FIELDS, tline.split("\t")):
                ours = o.get(k)
                if isinstance(ours, list):
                    ours = "\x01".join(ours)
                if ours is None and tv == "":
                    continue
                compared += 1
                if (ours or "") != tv and (cap, num, k) not in KNOWN:
                    mismatches += 1
                    if mismatches <= 20:
                        print("FAIL %s frame %s %s: wirecat %r, tshark %r" % (cap, num, k, ours, tv))
    print("%d field values compared" % compared)
    print("%d passed, %d failed, 0 skipped" % (1 if not mismatches else 0, 1 if mismatches else 0))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
