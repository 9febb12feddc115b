#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Cross-check with tshark: for the golden captures, every field the issue
names (and a few more) in `wirecat read --json` must equal what
`tshark -T fields -E occurrence=a` prints for the same packet (an array is
compared as tshark's comma-joined list). Both tools must exit 0 and print
as many packets; each capture must compare at least MIN_PER_PACKET values
per packet and the run MIN_TOTAL in all, so a wirecat that prints fewer
lines or fields fails instead of comparing less. Packets wirecat marks malformed are
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

FIELDS = """frame.number frame.time_epoch udp.stream tcp.stream tcp.seq tcp.ack tcp.nxtseq tcp.window_size frame.len frame.cap_len eth.src eth.dst eth.type vlan.id
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
dns.soa.serial_number dns.soa.refresh_interval dns.soa.retry_interval dns.soa.expire_limit
dns.soa.minimum_ttl dns.srv.service dns.srv.proto dns.srv.name dns.srv.priority dns.srv.weight dns.srv.port dns.srv.target dns.caa.flags
dns.caa.issue dns.caa.tag dns.caa.value dns.rr.udp_payload_size dns.resp.ext_rcode
dns.resp.edns0_version dns.resp.z
dns.count.queries dns.count.answers ieee8021ad.id arp.hw.type arp.proto.type dhcp.type dhcp.id
dhcp.option.dhcp dhcp.ip.your tls.handshake.type tls.handshake.extensions_server_name
http.request.version http.response.phrase http.host http.user_agent http.server tcp.options.mss_val
tcp.options.wscale.shift tcp.options.timestamp.tsval ipv6.fraghdr.offset ipv6.fraghdr.more
ipv6.fraghdr.ident vxlan.flags vxlan.flag_g vxlan.flag_i vxlan.flag_d vxlan.flag_a
vxlan.flags_reserved vxlan.gbp vxlan.vni vxlan.reserved8 geneve.version geneve.option.length
geneve.flags geneve.flags.oam geneve.flags.critical geneve.proto_type geneve.vni geneve.reserved
geneve.option.class geneve.option.type geneve.option.type.critical geneve.option.flags""".split()

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
    # Headers cut by the capture: wirecat shows every whole field; tshark stops
    # earlier in these places (its own order of adding fields)
    ("wc-arp.pcap", "3", "arp.src.hw_mac"): "tshark: no addresses in a cut ARP",
    ("wc-arp.pcap", "3", "arp.src.proto_ipv4"): "tshark: no addresses in a cut ARP",
    ("wc-trunc.pcap", "3", "ip.dst"): "tshark: no destination when options are cut",
    ("wc-trunc.pcap", "5", "tcp.flags"): "tshark: ports only under 16 bytes",
    ("wc-trunc.pcap", "5", "tcp.seq_raw"): "tshark: ports only under 16 bytes",
    ("wc-trunc.pcap", "5", "tcp.ack_raw"): "tshark: ports only under 16 bytes",
    ("wc-trunc.pcap", "5", "tcp.len"): "tshark: ports only under 16 bytes",
    ("wc-trunc.pcap", "5", "tcp.hdr_len"): "tshark: ports only under 16 bytes",
    ("wc-trunc.pcap", "9", "icmp.type"): "tshark: nothing under 4 bytes",
    ("wc-trunc.pcap", "9", "icmp.code"): "tshark: nothing under 4 bytes",
    # tshark takes a handshake message of unknown type (99) for an encrypted one
    ("wc-names.pcap", "12", "tls.handshake.type"): "unknown type",
}

CAPTURES = [f for f in sorted(os.listdir(os.path.join(golden.HERE, "pcaps"))) if f.startswith("wc-")] + [
    "dns_udp.pcap", "dns_tcp.pcap", "ipv4_tcp_http_xml.pcap", "802.1ad_QinQ.pcap", "mptcp-v1.pcap",
    "tcp-handshake-nano.pcap", "LINKTYPE_RAW_ipv6.pcap", "dhcp-rfc3004.pcap",
    "vxlan.pcap", "geneve.pcap", "geneve-gcp.pcap"]


# A run that compares fewer field values than this has lost packets or fields.
MIN_TOTAL = 3400
MIN_PER_PACKET = 5  # fields compared per packet that is not skipped


def compare(cap, tl, wl):
    """Compares one capture's lines. Returns (compared, mismatches, packets)."""
    compared = mismatches = packets = 0
    for tline, wline in zip(tl, wl):
        o = json.loads(wline)
        num = o["frame.number"]
        bad = o.get("_ws.malformed", "")
        # a header cut by the capture is compared too: its fields up to the cut
        if (bad and not bad.endswith(": truncated")) or (cap, num, None) in KNOWN:
            continue
        packets += 1
        tv_all = tline.split("\t")
        if len(tv_all) != len(FIELDS):
            print("FAIL %s frame %s: tshark printed %d fields, asked %d" % (cap, num, len(tv_all), len(FIELDS)))
            mismatches += 1
            continue
        for k, tv in zip(FIELDS, tv_all):
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
    return compared, mismatches, packets


def check_capture(wc, cap, path):
    """Runs both tools on one capture. Returns (compared, failures)."""
    args = ["tshark", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
            "-E", "aggregator=\x01"]
    for f in FIELDS:
        args += ["-e", f]
    t = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    w = subprocess.run([wc, "read", "--json", path], stdout=subprocess.PIPE, timeout=60)
    tl = [x for x in t.stdout.decode("utf-8", "replace").split("\n") if x]
    wl = [x for x in w.stdout.decode("utf-8", "replace").split("\n") if x]
    fails = 0
    if t.returncode != 0 or w.returncode != 0:
        print("FAIL %s: exit status tshark %d, wirecat %d" % (cap, t.returncode, w.returncode))
        fails += 1
    if len(tl) != len(wl) or not tl:
        print("FAIL %s: tshark printed %d packets, wirecat %d" % (cap, len(tl), len(wl)))
        fails += 1
    compared, mismatches, packets = compare(cap, tl, wl)
    if compared < MIN_PER_PACKET * packets or packets == 0:
        print("FAIL %s: only %d field values compared over %d packets" % (cap, compared, packets))
        fails += 1
    return compared, fails + mismatches


def main():
    if not shutil.which("tshark"):
        print("tshark not installed: 0 passed, 0 failed, 1 skipped")
        return 77
    wc = golden.wirecat()
    compared = fails = 0
    for cap in CAPTURES:
        c, f = check_capture(wc, cap, os.path.join(golden.HERE, "pcaps", cap))
        compared += c
        fails += f
    print("%d field values compared" % compared)
    if compared < MIN_TOTAL:
        print("FAIL: fewer than %d field values compared" % MIN_TOTAL)
        fails += 1
    print("%d passed, %d failed, 0 skipped" % (1 if not fails else 0, 1 if fails else 0))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
