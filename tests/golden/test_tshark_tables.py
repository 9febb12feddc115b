#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The option and header tables the dissectors fill (IPv4 options, DHCP
options, HTTP headers) seen through -Y, against tshark -Y on the same
capture: for each field, the frames where it is present, then for each of
(up to) 4 values tshark prints for it, the frames of `FIELD == VALUE`, must be
equal. tshark runs with IP defragmentation and TCP reassembly off, wirecat
with --no-defrag --no-reassemble (each packet's own fields). At least
MIN_COMPARED frame lists must be compared and MIN_FRAMES frames matched, so
a field that matches nothing fails. Skipped when tshark is not installed."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden  # noqa: E402

CASES = [
    ("IGMP_V2.pcap", ["ip.opt.type", "ip.opt.len"]),
    ("dhcp-rfc4388.pcap", ["dhcp.option.subnet_mask", "dhcp.option.router",
                           "dhcp.option.domain_name_server", "dhcp.option.hostname",
                           "dhcp.option.requested_ip_address", "dhcp.option.ip_address_lease_time",
                           "dhcp.option.dhcp_server_id"]),
    ("dhcp-mud.pcap", ["dhcp.option.hostname", "dhcp.option.requested_ip_address",
                       "dhcp.option.dhcp_server_id", "dhcp.option.ip_address_lease_time"]),
    ("dhcp-rfc3004.pcap", ["dhcp.option.requested_ip_address", "dhcp.option.dhcp_server_id"]),
    ("ipv4_tcp_http_xml.pcap", ["http.host", "http.user_agent", "http.accept", "http.date",
                                "http.content_length_header", "http.server", "http.content_type",
                                "http.connection", "http.cache_control"]),
    ("wc-app.pcap", ["http.host", "http.request.method", "http.response.code", "http.user_agent",
                     "tls.handshake.type", "tls.handshake.extensions_server_name"]),
]
TSHARK_OPTS = ["-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
               "-o", "tcp.desegment_tcp_streams:FALSE"]
STRINGS = ("http.", "dhcp.option.hostname", "tls.handshake.extensions_server_name")
MIN_COMPARED = 60
MIN_FRAMES = 150


def tshark(path, expr, field=None):
    cmd = ["tshark", "-n", "-r", path] + TSHARK_OPTS + ["-Y", expr, "-T", "fields", "-E", "occurrence=a",
                                                        "-E", "separator=/t", "-e", "frame.number"]
    if field:
        cmd += ["-e", field]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    rows = [l.split("\t") for l in p.stdout.decode(errors="replace").split("\n") if l]
    return p.returncode, rows


def wirecat(wc, path, expr):
    p = subprocess.run([wc, "read", "-t", "--no-defrag", "--no-reassemble", "--json", "-Y", expr, path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    frames = [l.split('"frame.number": "', 1)[1].split('"', 1)[0]
              for l in p.stdout.decode(errors="replace").split("\n") if l]
    return p.returncode, frames, p.stderr.decode(errors="replace")


def literal(field, v):
    if field.startswith(STRINGS) and field != "http.response.code":
        return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')
    return v


def compare(wc, path, expr, want, fails):
    rc, got, err = wirecat(wc, path, expr)
    if rc != 0 or got != want:
        print("FAIL %s %r: tshark %s, wirecat %s (exit %d) %s" % (os.path.basename(path), expr, want, got, rc,
                                                                   err.strip()))
        fails.append(expr)
    return len(want)


def main():
    if not shutil.which("tshark"):
        print("tshark not installed: 0 passed, 0 failed, 1 skipped")
        return 77
    wc = golden.wirecat()
    fails, compared, frames = [], 0, 0
    for cap, fields in CASES:
        path = os.path.join(golden.HERE, "pcaps", cap)
        for f in fields:
            rc, rows = tshark(path, f, f)
            if rc != 0:
                print("FAIL tshark -Y %s on %s: exit %d" % (f, cap, rc))
                fails.append(f)
                continue
            frames += compare(wc, path, f, [r[0] for r in rows], fails)
            compared += 1
            values = []
            for r in rows:
                for v in r[1].split(","):
                    if v and v not in values and "\\" not in v:
                        values.append(v)
            for v in values[:4]:
                expr = "%s == %s" % (f, literal(f, v))
                rc, want = tshark(path, expr)
                if rc != 0:
                    print("FAIL tshark -Y %r on %s: exit %d" % (expr, cap, rc))
                    fails.append(expr)
                frames += compare(wc, path, expr, [r[0] for r in want], fails)
                compared += 1
    print("%d frame lists compared, %d frames" % (compared, frames))
    if compared < MIN_COMPARED or frames < MIN_FRAMES:
        print("FAIL: fewer than %d lists or %d frames" % (MIN_COMPARED, MIN_FRAMES))
        fails.append("minimum")
    print("%d passed, %d failed, 0 skipped" % (0 if fails else 1, 1 if fails else 0))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
