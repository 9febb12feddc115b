# SPDX-License-Identifier: BSD-2-Clause
"""wirecat read: pcap and pcapng files, stdin, filters, -w, -c, and damaged
files (the packets before the damage, then one error line and exit 3).
Counts are checked against tcpdump reading the same file."""
import os
import shutil
import struct
import subprocess
import tempfile

from wtest import case, main, need, run, Skip, SRC

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
        # cut inside a record header
        open(t, "wb").write(open(f, "rb").read()[:off + 7])
        rc, out, err = run(["read", t], timeout=60)
        assert rc == 3 and len(lines(out)) == 20, (rc, err)


@case
def bad_records():
    """A record with caplen 0, or one over the limit: exit 3 after the good ones."""
    hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1)
    good = struct.pack("<IIII", 1, 0, 60, 60) + bytes(60)
    with tempfile.TemporaryDirectory() as d:
        t = os.path.join(d, "bad.pcap")
        for bad in (struct.pack("<IIII", 2, 0, 0, 60),
                    struct.pack("<IIII", 2, 0, 300000, 300000) + bytes(300000)):
            open(t, "wb").write(hdr + good + good + bad + good)
            rc, out, err = run(["read", t], timeout=30)
            assert rc == 3, (rc, err)
            assert len(lines(out)) == 2, out
            assert len(err.decode().strip().splitlines()) == 1, err
        # caplen > wirelen is accepted, as tcpdump does
        open(t, "wb").write(hdr + good + struct.pack("<IIII", 2, 0, 60, 40) + bytes(60))
        rc, out, err = run(["read", t])
        assert rc == 0 and len(lines(out)) == 2, (rc, out, err)


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


main()
