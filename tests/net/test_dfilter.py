#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""-Y (display filters) wired into read and sniff: sniff applies it after
the kernel's capture filter (every packet is still counted as captured),
-w writes only the matching packets (live and from a file), a bad
expression is one line with its column and exit 2 before any capture, --stats
counts only the matching packets, and --follow still sees every packet.
The live cases need root (skipped otherwise); the frame-by-frame comparison
with tshark -Y is tests/golden/test_dfilter_tshark.py."""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

from wtest import case, main, need, need_root, Proc, run, SLOW, WIRECAT, free_port, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = os.path.join(HERE, "..", "golden", "pcaps")
STATS = re.compile(rb"(\d+) packets captured, (\d+) received by filter, (\d+) dropped by kernel")


def sniff(args):
    p = Proc([WIRECAT, "sniff"] + list(args), wirecat=False)
    p.wait_err(r"listening on", timeout=10)
    return p


def send_udp(port, sizes):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for n in sizes:
        s.sendto(b"x" * n, ("127.0.0.1", port))
    s.close()


def stop(p, want_lines):
    try:
        wait_for(lambda: len(lines(p)) >= want_lines, timeout=10, what="%d lines" % want_lines)
    except AssertionError:
        pass  # the assertions below say what is wrong
    time.sleep(0.3 * SLOW)
    p.signal(signal.SIGINT)
    rc = p.wait(10)
    m = STATS.search(bytes(p.err))
    assert m, p.stderr_text()
    return rc, int(m.group(1))


def lines(p):
    return [x for x in p.stdout_bytes().splitlines() if x.strip()]


def records(path):
    rc, out, err = run(["read", "-t", path])
    assert rc == 0, err
    return out.decode().splitlines()


@case
def sniff_filters_after_the_kernel_filter():
    need_root()
    port, other = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
    with sniff(["-i", "lo", "-l", "-Y", "udp.length > 20", "udp", "port", str(port)]) as p:
        send_udp(other, [40] * 3)          # the kernel filter drops these
        send_udp(port, [5, 30, 5, 30, 30, 5, 30])
        rc, captured = stop(p, 4)
        assert rc == 0, p.stderr_text()
        out = lines(p)
        assert len(out) == 4 and all(b"length 30" in x for x in out), out
        assert captured == 7, captured   # counted as captured, not shown


@case
def sniff_writes_only_matching_packets():
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "o.pcap")
        with sniff(["-i", "lo", "--display-filter", "udp.length <= 20", "-w", f,
                    "udp", "port", str(port)]) as p:
            send_udp(port, [5, 30, 6, 31, 7])
            wait_for(lambda: os.path.getsize(f) >= 24 + 3 * (16 + 42), timeout=10,
                     what="3 packets in the file")
            rc, captured = stop(p, 0)
            assert rc == 0 and captured == 5, (rc, captured, p.stderr_text())
        got = records(f)
        assert len(got) == 3 and all("length 3" not in x for x in got), got


@case
def bad_expression_is_one_line_and_status_2():
    for cmd in (["sniff", "-i", "lo"], ["read", os.path.join(PCAPS, "wc-app.pcap")]):
        rc, out, err = run(cmd[:1] + ["-Y", "tcp.port == 80 &&"] + cmd[1:])
        text = err.decode().strip().split("\n")
        assert rc == 2 and out == b"" and len(text) == 1, (cmd, rc, out, err)
        assert "-Y: column 18:" in text[0], text


@case
def read_writes_only_matching_packets():
    need("tshark")
    src = os.path.join(PCAPS, "wc-app.pcap")
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "o.pcap")
        rc, out, err = run(["read", "-Y", "tcp.port == 80", "-w", f, src])
        assert rc == 0 and out == b"", (rc, out, err)
        t = subprocess.run(["tshark", "-r", src, "-Y", "tcp.port == 80", "-T", "fields",
                            "-e", "frame.len"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        w = subprocess.run(["tshark", "-r", f, "-T", "fields", "-e", "frame.len"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert t.stdout.split() == w.stdout.split() and len(t.stdout.split()) == 2, (t.stdout, w.stdout)
        rc, out, err = run(["read", "-Y", "!(tcp.port == 80)", f])
        assert rc == 0 and out == b"", out


@case
def stats_count_only_matching_packets():
    rc, out, err = run(["read", "--stats", "-Y", "http", os.path.join(PCAPS, "wc-app.pcap")])
    assert rc == 0, err
    m = re.search(rb"frames:(\d+)", out)
    assert m and m.group(1) == b"3", out


@case
def count_counts_packets_read():
    """-c counts the packets read, matching or not, as tshark's -c."""
    src = os.path.join(PCAPS, "wc-app.pcap")
    rc, out, err = run(["read", "-c", "1", "-Y", "frame.number > 2", src])
    assert rc == 0 and out == b"", (rc, out, err)
    rc, out, err = run(["read", "-t", "-c", "3", "-Y", "frame.number > 2", src])
    assert rc == 0 and len(out.splitlines()) == 1, (rc, out, err)


def frames_of(argv):
    rc, out, err = run(argv, timeout=60)
    assert rc == 0, (argv, rc, err)
    return [int(x) for x in re.findall(rb'"frame.number": ?"?(\d+)', out)]


@case
def tcp_analysis_fields_as_tshark():
    """-Y tcp.analysis.* is fed by an analysis of every packet (not only the
    matching ones) and equals tshark -Y frame for frame; a name it does not
    give (the bare tcp.analysis, a typo) is refused, never silently absent."""
    need("tshark")
    here = os.path.dirname(os.path.abspath(__file__))
    pcaps = os.path.join(os.path.dirname(here), "golden", "pcaps")
    compared = flagged = 0
    for f in ("wc-tcp.pcap", "wc-app.pcap"):
        path = os.path.join(pcaps, f)
        for e in ("tcp.analysis.flags", "tcp.analysis.retransmission", "!tcp.analysis.flags && tcp",
                  "tcp.analysis.duplicate_ack", "tcp.analysis.window_update || tcp.analysis.flags"):
            ours = frames_of(["read", "--json", "-Y", e, path])
            p = subprocess.run(["tshark", "-n", "-r", path, "-Y", e, "-T", "fields", "-e",
                                "frame.number"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, timeout=60 * SLOW)
            theirs = [int(x) for x in p.stdout.split()]
            assert p.returncode == 0 and ours == theirs, (f, e, ours, theirs)
            compared += 1
            flagged += len(ours) if "!" not in e else 0
    assert compared == 10 and flagged >= 4, (compared, flagged)
    for bad in ("tcp.analysis", "tcp.analysis.bogus"):
        rc, out, err = run(["read", "-Y", bad, os.path.join(pcaps, "wc-tcp.pcap")])
        assert rc == 2 and b"unknown field" in err and err.count(b"\n") == 1, (bad, rc, err)


@case
def follow_sees_every_packet():
    src = os.path.join(PCAPS, "wc-app.pcap")
    rc, whole, err = run(["read", "--follow", "0", src])
    assert rc == 0 and len(whole) > 100, (rc, err)
    rc, out, err = run(["read", "--follow", "0", "-Y", "arp", src])
    assert rc == 0 and out == whole, (out, whole)


if __name__ == "__main__":
    main()
