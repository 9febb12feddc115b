# SPDX-License-Identifier: BSD-2-Clause
"""wirecat read: pcap and pcapng files, stdin, filters, -w, -c, and damaged
files (the packets before the damage, then one error line and exit 3).
Counts are checked against tcpdump reading the same file."""
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pktbuild
from wtest import case, main, need, need_root, have_ipv6, free_port, run, Skip, SRC, WIRECAT

CORPUS = os.environ.get("WIRE_CORPUS", os.path.join(os.path.dirname(SRC), "shared", "corpus", "tcpdump"))
if not os.path.isdir(CORPUS):
    CORPUS = "/work/shared/corpus/tcpdump"


def corpus(name):
    p = os.path.join(CORPUS, name)
    if not os.path.exists(p):
        raise Skip("corpus file %s is missing" % name)
    return p


def tcpdump_count(path, flt=None):
    """Packets tcpdump finds in path (through its -w, so multi-line decodes
    do not matter)."""
    need("tcpdump")
    with tempfile.TemporaryDirectory() as d:
        o = os.path.join(d, "t.pcap")
        args = ["tcpdump", "-n", "-r", path, "-w", o] + ([flt] if flt else [])
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        return len(records(o))


def lines(out):
    return [l for l in out.splitlines() if l.strip()]


def records(path):
    """(offset, caplen) of every record of a classic pcap file."""
    data = open(path, "rb").read()
    magic = data[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        if off + 16 + incl > len(data):
            break
        out.append((off, incl))
        off += 16 + incl
    return out


@case
def reads_pcap_like_tcpdump():
    f = corpus("afs.pcap")
    rc, out, err = run(["read", f], timeout=60)
    assert rc == 0, (rc, err)
    assert len(lines(out)) == tcpdump_count(f), (len(lines(out)), tcpdump_count(f))


@case
def reads_pcapng():
    f = corpus("of13_ericsson.pcapng")
    rc, out, err = run(["read", f], timeout=60)
    assert rc == 0, (rc, err)
    assert len(lines(out)) == tcpdump_count(f)


@case
def reads_stdin():
    f = corpus("afs.pcap")
    rc, out, err = run(["read", "-"], input=open(f, "rb").read(), timeout=60)
    assert rc == 0, (rc, err)
    assert len(lines(out)) == tcpdump_count(f)


@case
def filter_matches_tcpdump():
    f = corpus("afs.pcap")
    for flt in ("udp", "udp port 7001", "ip and not udp", "arp"):
        rc, out, err = run(["read", f] + flt.split(), timeout=60)
        assert rc == 0, (flt, rc, err)
        assert len(lines(out)) == tcpdump_count(f, flt), (flt, len(lines(out)), tcpdump_count(f, flt))


@case
def write_passing_packets():
    f = corpus("afs.pcap")
    with tempfile.TemporaryDirectory() as d:
        o = os.path.join(d, "out.pcap")
        rc, out, err = run(["read", "-w", o, f, "udp"], timeout=60)
        assert rc == 0, (rc, err)
        assert out == b"", "-w prints nothing on stdout"
        assert tcpdump_count(o) == tcpdump_count(f, "udp")
        # and through stdout
        rc, out, err = run(["read", "-w", "-", f, "udp"], timeout=60)
        assert rc == 0 and out[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4"), out[:8]
        open(o, "wb").write(out)
        assert tcpdump_count(o) == tcpdump_count(f, "udp")


@case
def count_stops():
    f = corpus("afs.pcap")
    rc, out, err = run(["read", "-c", "7", f], timeout=60)
    assert rc == 0, (rc, err)
    assert len(lines(out)) == 7
    rc, out, err = run(["read", "-c", "0", f])
    assert rc == 2, (rc, err)


@case
def truncated_file():
    f = corpus("afs.pcap")
    recs = records(f)
    assert len(recs) > 20
    off, incl = recs[20]
    with tempfile.TemporaryDirectory() as d:
        t = os.path.join(d, "trunc.pcap")
        # cut in the middle of record 21's data
        open(t, "wb").write(open(f, "rb").read()[:off + 16 + incl // 2])
        rc, out, err = run(["read", t], timeout=60)
        assert rc == 3, (rc, err)
        assert len(lines(out)) == 20, len(lines(out))
        el = err.decode().strip().splitlines()
        assert len(el) == 1 and "truncated" in el[0] and t in el[0], err
        assert "packet 21 at byte %d" % off in el[0] and "20 packets read" in el[0], el
        # cut inside a record header
        open(t, "wb").write(open(f, "rb").read()[:off + 7])
        rc, out, err = run(["read", t], timeout=60)
        assert rc == 3 and len(lines(out)) == 20, (rc, err)


ETH_UDP = (bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00"
           + bytes([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0x7c, 0xce, 127, 0, 0, 1, 127, 0, 0, 1])
           + struct.pack(">HHHH", 1000, 2000, 8, 0))


def pcap(recs, linktype=1, snaplen=262144):
    """A classic pcap file: recs are (ts_sec, data, wirelen or None)."""
    return pktbuild.pcap(((ts, 0, data, wl) for ts, data, wl in recs), linktype, snaplen)


def tshark_fields(path, *fields):
    """tshark -T fields of path; "-o", "pref:value" pairs may come first."""
    need("tshark")
    args = ["tshark", "-r", path, "-T", "fields"]
    fields = list(fields)
    while fields and fields[0] == "-o":
        args += fields[:2]
        fields = fields[2:]
    for f in fields:
        args += ["-e", f]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    return [l.split("\t") for l in p.stdout.decode().splitlines()]


@case
def caplen_zero_record_is_shown_and_reading_goes_on():
    """caplen 0 is legal: tcpdump and tshark show the record and go on."""
    with tempfile.TemporaryDirectory() as d:
        t = os.path.join(d, "zero.pcap")
        open(t, "wb").write(pcap([(1, ETH_UDP, None), (2, b"", 60), (3, ETH_UDP, None)]))
        rc, out, err = run(["read", "-n", t], env=dict(os.environ, TZ="UTC"))
        assert rc == 0 and err == b"", (rc, err)
        ls = lines(out.decode())
        assert len(ls) == 3 and len(tshark_fields(t, "frame.number")) == 3, ls
        assert "[|ether]" in ls[1] and "UDP" in ls[2], ls
        rc, out, err = run(["read", "--json", t])
        js = [json.loads(l) for l in lines(out)]
        assert rc == 0 and len(js) == 3, (rc, err)
        assert js[1]["frame.cap_len"] == "0" and js[1]["frame.len"] == "60", js[1]
        assert js[1].get("_ws.malformed"), js[1]
        for args in (["-V"], ["-X"], ["--payload"], ["--stats"]):
            rc, out, err = run(["read"] + args + [t])
            assert rc == 0 and err == b"", (args, rc, err)


@case
def bad_records():
    """A record longer than its link type allows ends the file: exit 3 after
    the good ones, one line naming the record's byte offset and the count."""
    good = (1, bytes(60), None)
    with tempfile.TemporaryDirectory() as d:
        t = os.path.join(d, "bad.pcap")
        open(t, "wb").write(pcap([good, good, (2, bytes(300000), None), good]))
        rc, out, err = run(["read", t], timeout=30)
        assert rc == 3, (rc, err)
        assert len(lines(out)) == 2, out
        el = err.decode().strip().splitlines()
        assert len(el) == 1, err
        assert "at byte %d" % (24 + 2 * 76) in el[0] and "2 packets read" in el[0], el
        # caplen > wirelen is accepted, as tcpdump does
        open(t, "wb").write(pcap([good, (2, bytes(60), 40)]))
        rc, out, err = run(["read", t])
        assert rc == 0 and len(lines(out)) == 2, (rc, out, err)


@case
def large_records_of_link_types_that_allow_them():
    """D-Bus records may hold 128 MiB, USBPcap ones 1 MiB: read whole."""
    with tempfile.TemporaryDirectory() as d:
        for lt, size in ((231, 300000), (249, 1 << 20)):
            t = os.path.join(d, "big%d.pcap" % lt)
            open(t, "wb").write(pcap([(1, bytes(size), None), (2, bytes(16), None)],
                                     linktype=lt, snaplen=0x8000000))
            rc, out, err = run(["read", "--json", t], timeout=30)
            assert rc == 0 and err == b"", (lt, rc, err)
            js = [json.loads(l) for l in lines(out)]
            assert [j["frame.cap_len"] for j in js] == [str(size), "16"], js
            ts = tshark_fields(t, "frame.cap_len")
            assert [x[0] for x in ts] == [str(size), "16"], ts


@case
def timestamps_after_2038():
    """ts_sec is unsigned: 2^31 is 2038-01-19 03:14:08 UTC, not 1901."""
    with tempfile.TemporaryDirectory() as d:
        t = os.path.join(d, "y2038.pcap")
        open(t, "wb").write(pcap([(0x80000000, ETH_UDP, None), (0xfffffff0, ETH_UDP, None)]))
        env = dict(os.environ, TZ="UTC")
        rc, out, err = run(["read", "--json", t], env=env)
        assert rc == 0, err
        ours = [json.loads(l)["frame.time_epoch"] for l in lines(out)]
        assert ours == ["2147483648.000000000", "4294967280.000000000"], ours
        theirs = tshark_fields(t, "frame.time_epoch")
        assert [x[0] for x in theirs] == ours, theirs
        rc, out, err = run(["read", "--time=epoch", t], env=env)
        assert [l.split()[0] for l in lines(out.decode())] == ["2147483648.000000", "4294967280.000000"], out
        rc, out, err = run(["read", t], env=env)
        assert [l.split()[0] for l in lines(out.decode())] == ["03:14:08.000000", "06:28:00.000000"], out


@case
def odd_files_one_line_each():
    """A directory and /proc/self/mem are I/O errors (1); /dev/null, an
    empty file and an empty FIFO hold no capture (3). One line each."""
    with tempfile.TemporaryDirectory() as d:
        empty = os.path.join(d, "empty.pcap")
        open(empty, "wb").close()
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        cases = [(d, 1), ("/proc/self/mem", 1), ("/dev/null", 3), (empty, 3)]
        for path, want in cases:
            rc, out, err = run(["read", path])
            el = err.decode().strip().splitlines()
            assert rc == want and out == b"" and len(el) == 1 and path in el[0], (path, rc, err)
        p = subprocess.Popen([WIRECAT,
                              "read", fifo], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        with open(fifo, "wb"):
            pass
        out, err = p.communicate(timeout=10)
        assert p.returncode == 3 and len(err.decode().strip().splitlines()) == 1, (p.returncode, err)


@case
def not_pcap_and_missing():
    with tempfile.TemporaryDirectory() as d:
        t = os.path.join(d, "x.txt")
        open(t, "wb").write(b"this is not a capture file at all\n" * 4)
        rc, out, err = run(["read", t])
        assert rc == 3 and out == b"", (rc, err)
        assert len(err.decode().strip().splitlines()) == 1, err
        rc, out, err = run(["read", os.path.join(d, "missing.pcap")])
        assert rc == 1, (rc, err)
        open(t, "wb").write(b"")
        rc, out, err = run(["read", t])
        assert rc == 3, (rc, err)


@case
def bad_filter_and_usage():
    f = corpus("afs.pcap")
    rc, out, err = run(["read", f, "udp", "port"])
    assert rc == 2 and b"syntax error" in err, (rc, err)
    rc, out, err = run(["read"])
    assert rc == 2 and b"--help" in err
    rc, out, err = run(["read", "--bogus", f])
    assert rc == 2


@case
def dump_filter_program():
    f = corpus("afs.pcap")
    rc, out, err = run(["read", "-d", f, "udp", "port", "53"])
    assert rc == 0, err
    need("tcpdump")
    p = subprocess.run(["tcpdump", "-d", "-r", f, "udp port 53"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    assert out.split() == p.stdout.split(), (out, p.stdout)


@case
def help_lists_options():
    rc, out, err = run(["read", "--help"])
    assert rc == 0
    for opt in (b"-w FILE", b"-c COUNT", b"-V", b"-X", b"--json", b"--payload", b"--stats", b"--time",
                b"-tt", b"-N", b"-v, -vv", b"-e ", b"-q ", b"-S ", b"-A, -AA", b"-x, -xx", b"-X, -XX",
                b"-tttt date"):
        assert opt in out, opt


@case
def time_options_accepted():
    f = corpus("afs.pcap")
    for args in (["-t"], ["-tt"], ["-ttt"], ["-tttt"], ["-ttttt"], ["--time=rel"], ["--time=epoch"],
                 ["--time=date"], ["-V"], ["-X"], ["-XX"], ["-x"], ["-xx"], ["-A"], ["-vv", "-e"], ["-q", "-S"],
                 ["--json"], ["--payload"], ["--stats"], ["-N"], ["-l"]):
        rc, out, err = run(["read", "-c", "3"] + args + [f], timeout=30)
        assert rc == 0, (args, rc, err)
    rc, out, err = run(["read", "--time=bogus", f])
    assert rc == 2


def lo_capture(path, tport, uport):
    """Captures on lo with tcpdump while TCP (v4) and UDP (v4 and v6) are
    sent over loopback: every locally sent packet holds a partial checksum."""
    td = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "-U", "-w", path,
                           "tcp port %d or udp port %d" % (tport, uport)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        line = td.stderr.readline()  # "listening on lo ..." once it is ready
        assert b"listening" in line, line
        fams = [(socket.AF_INET, "127.0.0.1")] + ([(socket.AF_INET6, "::1")] if have_ipv6() else [])
        for fam, host in fams:
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.bind((host, uport))
            socket.socket(fam, socket.SOCK_DGRAM).sendto(b"hello udp", (host, uport))
            u.settimeout(5)
            assert u.recv(100) == b"hello udp"
            u.close()
        srv = socket.socket()
        srv.bind(("127.0.0.1", tport))
        srv.listen(1)
        c = socket.create_connection(("127.0.0.1", tport), timeout=5)
        a, _ = srv.accept()
        c.sendall(b"hello tcp")
        a.settimeout(5)
        assert a.recv(100) == b"hello tcp"
        c.close()
        a.close()
        srv.close()
    finally:
        time.sleep(1.2)  # tcpdump's ring block timeout is 1 s
        td.send_signal(signal.SIGINT)
        td.wait(10)


@case
def lo_capture_partial_checksums_are_not_bad():
    """A tcpdump capture on lo holds CHECKSUM_PARTIAL values (the folded
    pseudo-header sum): tshark and tcpdump call them wrong; wirecat labels
    them offloaded, in the line (no [bad ...]) and in -V."""
    need_root()
    need("tcpdump")
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "lo.pcap")
        lo_capture(f, free_port(), free_port(socket.SOCK_DGRAM))
        st = tshark_fields(f, "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                           "frame.number", "udp.checksum.status", "tcp.checksum.status")
        n = len(st)
        assert n >= 8, st
        # the capture really holds partial checksums: tshark calls them bad (0)
        assert all("0" in x[1:] for x in st), st
        rc, out, err = run(["read", "-n", f])
        ls = lines(out.decode())
        assert rc == 0 and len(ls) == n, (rc, err, ls)
        # "[bad " is the line's mark; a bare "bad" could be hex (7bad)
        assert not [l for l in ls if "[bad " in l], ls
        rc, out, err = run(["read", "-V", f])
        txt = out.decode()
        assert rc == 0 and "incorrect" not in txt and "[bad " not in txt, txt
        assert txt.count("offloaded") == n, (txt.count("offloaded"), n)


@case
def srh_udp_checksum_uses_final_destination():
    """The pseudo-header of a datagram behind a segment routing header
    holds the final destination (segment list [0]): tcpdump and tshark call
    this checksum good."""
    f = corpus("ipv6-srh-insert-cksum.pcap")
    st = tshark_fields(f, "-o", "udp.check_checksum:TRUE", "udp.checksum.status")
    assert st and st[0][0] == "1", st
    rc, out, err = run(["read", "-n", f])
    assert rc == 0 and b"bad" not in out and b"srcrt (type 4" in out, (rc, out)
    rc, out, err = run(["read", "-V", f])
    assert rc == 0 and b"incorrect" not in out, out
    assert re.search(rb"Checksum: +cb39 \(correct\)", out), out


@case
def names_match_tshark():
    """TLS handshake and content types and DNS query types are named in the
    one-line view as tshark names them (TLS names without their spaces)."""
    f = os.path.join(SRC, "tests", "golden", "pcaps", "wc-names.pcap")
    need("tshark")
    p = subprocess.run(["tshark", "-r", f, "-V"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       timeout=60)
    theirs, frame = {}, 0
    for l in p.stdout.decode().splitlines():
        m = re.match(r"Frame (\d+):", l)
        if m:
            frame = int(m.group(1))
            continue
        m = (re.match(r"\s+Handshake Type: (.+) \(\d+\)$", l)
             or re.match(r"\s+Content Type: (Alert|Change Cipher Spec|Heartbeat) \(\d+\)$", l)
             or re.match(r"\s{12}Type: ([A-Z][A-Z0-9-]*)(?: \(.*\))? \(\d+\)$", l))
        # tshark calls 255 "*" (tcpdump: ANY) and 4242 "Unknown" (wirecat: Type4242)
        if m and frame not in theirs and m.group(1) != "Unknown":
            theirs[frame] = m.group(1).replace(" ", "")
    rc, out, err = run(["read", "-n", f])
    assert rc == 0, err
    ours = {}
    for k, l in enumerate(lines(out.decode()), 1):
        m = re.search(r": TLS (?:Handshake )?(\S+)$", l) or re.search(r"\+ (?:\[\S+\] )?(\S+)\? names", l)
        if m:
            ours[k] = m.group(1)
    compared = [k for k in theirs if k in ours]
    assert len(compared) >= 28, (theirs, ours)
    assert {k: ours[k] for k in compared} == {k: theirs[k] for k in compared}, (theirs, ours)


main()
