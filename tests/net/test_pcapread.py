# SPDX-License-Identifier: BSD-2-Clause
"""Files as tshark reads them: pcapng files with a second section of the
other byte order, several interfaces of different link types, EPB captured
lengths above the interface's snaplen, if_tsresol (powers of 10 and of 2)
and if_tsoffset, simple and obsolete packet blocks, name resolution,
statistics and unknown blocks; classic pcap files in both byte
orders whose records are longer than the header's snaplen. Each file is
built here and read by `wirecat read --json` and `tshark -r`: the same
number of packets, and per packet the same time stamp, captured and wire
length."""
import json
import os
import struct
import subprocess
import tempfile

from wtest import case, main, need, run, WIRECAT

# Ethernet + IPv4 + UDP 1000 -> 2000, 8 payload bytes; the IPv4 part alone
# is a raw IP packet
IP_UDP = (bytes([0x45, 0, 0, 36, 0, 1, 0, 0, 64, 17, 0x7c, 0xc2, 127, 0, 0, 1, 127, 0, 0, 1])
          + struct.pack(">HHHH", 1000, 2000, 16, 0) + b"wirecat!")
ETH_UDP = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00" + IP_UDP


def pad4(b):
    return b + bytes(-len(b) % 4)


class Ng:
    """pcapng blocks in one byte order ("<" or ">")."""

    def __init__(self, order):
        self.o = order

    def block(self, btype, body):
        body = pad4(body)
        n = 12 + len(body)
        return struct.pack(self.o + "II", btype, n) + body + struct.pack(self.o + "I", n)

    def opt(self, code, val):
        return struct.pack(self.o + "HH", code, len(val)) + pad4(val)

    def shb(self):
        return self.block(0x0A0D0D0A, struct.pack(self.o + "IHHq", 0x1A2B3C4D, 1, 0, -1))

    def idb(self, lt, snaplen=0, tsresol=None, tsoffset=None):
        opts = self.opt(2, b"if%d" % lt)
        if tsresol is not None:
            opts += self.opt(9, bytes([tsresol]))
        if tsoffset is not None:
            opts += self.opt(14, struct.pack(self.o + "q", tsoffset))
        return self.block(1, struct.pack(self.o + "HHI", lt, 0, snaplen) + opts + bytes(4))

    def epb(self, ifid, ts, data, wirelen=None):
        hdr = struct.pack(self.o + "IIIII", ifid, ts >> 32, ts & 0xffffffff, len(data),
                          len(data) if wirelen is None else wirelen)
        return self.block(6, hdr + pad4(data) + self.opt(1, b"a comment") + bytes(4))

    def opb(self, ifid, ts, data, wirelen=None):
        hdr = struct.pack(self.o + "HHIIII", ifid, 0, ts >> 32, ts & 0xffffffff, len(data),
                          len(data) if wirelen is None else wirelen)
        return self.block(2, hdr + data)

    def spb(self, data, wirelen=None):
        return self.block(3, struct.pack(self.o + "I", len(data) if wirelen is None else wirelen) + data)

    def others(self):
        """A name resolution, a statistics and an unknown block (a custom
        block tshark shows as a record of its own: the unit tests skip it)."""
        nrb = self.block(4, self.opt(1, bytes([127, 0, 0, 1]) + b"lo\0") + bytes(4))
        isb = self.block(5, struct.pack(self.o + "III", 0, 0, 1) + self.opt(4, struct.pack(self.o + "Q", 7)) + bytes(4))
        unknown = self.block(0x0000FEED, b"something new")
        return nrb + isb + unknown


T0 = 1700000000


def mixed_endian():
    """Two sections, the second big-endian with nanosecond time stamps."""
    le, be = Ng("<"), Ng(">")
    f = le.shb() + le.idb(1)
    f += b"".join(le.epb(0, T0 * 10**6 + 123456 + i, ETH_UDP) for i in range(3))
    f += be.shb() + be.idb(101, tsresol=9)
    f += b"".join(be.epb(0, (T0 + 1) * 10**9 + 987654321 + i, IP_UDP) for i in range(3))
    return f


def multi_iface():
    """Interfaces of three link types in one section, if_tsresol in powers
    of 10 and 2, if_tsoffset, an EPB longer than its interface's snaplen,
    other blocks in between, then a second section of the same order."""
    le = Ng("<")
    f = le.shb() + le.idb(1, snaplen=40) + le.idb(228, tsresol=3, tsoffset=100)
    f += le.idb(101, tsresol=0x80 | 20) + le.idb(1, tsresol=0x80 | 30, tsoffset=-5)
    f += le.epb(0, T0 * 10**6 + 1, ETH_UDP)  # 50 bytes > snaplen 40
    f += le.others()
    f += le.epb(1, T0 * 1000 + 999, IP_UDP)
    f += le.epb(2, (T0 << 20) + 12345, IP_UDP, wirelen=100)
    f += le.epb(3, (T0 << 30) + (1 << 29) + 3, ETH_UDP)
    f += le.shb() + le.idb(228, tsresol=6)
    f += le.epb(0, T0 * 10**6 + 5, IP_UDP)
    return f


def spb_opb():
    """Simple packet blocks (interface 0's snaplen cuts them) and obsolete
    packet blocks, big-endian."""
    be = Ng(">")
    f = be.shb() + be.idb(1, snaplen=48) + be.idb(101)
    f += be.spb(ETH_UDP[:44])
    f += be.spb(ETH_UDP[:48], wirelen=len(ETH_UDP))
    f += be.opb(1, T0 * 10**6 + 7, IP_UDP)
    f += be.opb(0, T0 * 10**6 + 8, ETH_UDP[:30], wirelen=len(ETH_UDP))
    f += be.others()
    f += be.spb(ETH_UDP[:40])
    return f


def classic(order, nsec, snaplen):
    """A classic pcap file whose records exceed the header's snaplen."""
    magic = 0xa1b23c4d if nsec else 0xa1b2c3d4
    f = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, 1)
    for i, n in enumerate((len(ETH_UDP), 20, len(ETH_UDP))):
        f += struct.pack(order + "IIII", T0 + i, 999 + i, n, len(ETH_UDP)) + ETH_UDP[:n]
    return f


FILES = {
    "mixed_endian.pcapng": (mixed_endian, 6),
    "multi_iface.pcapng": (multi_iface, 5),
    "spb_opb.pcapng": (spb_opb, 5),
    "classic_le_snap.pcap": (lambda: classic("<", False, 32), 3),
    "classic_be_ns_snap.pcap": (lambda: classic(">", True, 16), 3),
}


def tshark(path):
    need("tshark")
    p = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.time_epoch",
                        "-e", "frame.cap_len", "-e", "frame.len"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    # a simple packet block has no time stamp: tshark leaves the field
    # empty, wirecat shows the epoch
    return [tuple(f or "0.000000000" for f in l.split("\t")) for l in p.stdout.decode().splitlines()]


def ours(path):
    rc, out, err = run(["read", "--json", path], timeout=60)
    assert rc == 0 and err == b"", (path, rc, err)
    js = [json.loads(l) for l in out.splitlines() if l.strip()]
    return [(j["frame.time_epoch"], j["frame.cap_len"], j["frame.len"]) for j in js]


@case
def files_read_as_tshark_reads_them():
    compared = 0
    with tempfile.TemporaryDirectory() as d:
        for name, (make, want) in sorted(FILES.items()):
            path = os.path.join(d, name)
            open(path, "wb").write(make())
            theirs, mine = tshark(path), ours(path)
            assert len(theirs) == want, (name, theirs)
            assert mine == theirs, (name, mine, theirs)
            compared += len(mine)
    assert compared == sum(w for _, w in FILES.values()), compared


@case
def classic_records_longer_than_snaplen_are_whole():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "snap.pcap")
        open(path, "wb").write(classic("<", False, 32))
        rc, out, err = run(["read", "-xx", path])
        assert rc == 0, err
        # both 50-byte frames are dumped whole (4 lines of 16 bytes), not cut at 32
        dumps = [l for l in out.decode().splitlines() if l.startswith("\t0x0030:")]
        assert len(dumps) == 2, out


@case
def per_interface_link_types_in_filters_and_views():
    """A filter is compiled for each link type; every view decodes each
    packet with its own interface's link type."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "multi.pcapng")
        open(path, "wb").write(multi_iface())
        rc, out, err = run(["read", "-n", path, "udp port 2000"])
        assert rc == 0, err
        lines = [l for l in out.decode().splitlines() if l.strip()]
        assert len(lines) == 5 and all("1000 > 127.0.0.1.2000" in l for l in lines), lines
        rc, out, err = run(["read", "-n", path, "udp port 53"])
        assert rc == 0 and out == b"", (out, err)
        for args in (["-V"], ["-X"], ["--stats"], ["-e"]):
            rc, out, err = run(["read"] + args + [path])
            assert rc == 0 and err == b"", (args, rc, err)


@case
def write_keeps_the_first_link_type():
    """-w writes a classic pcap file of the first interface's link type: the
    packets of other link types are left out and counted on stderr."""
    with tempfile.TemporaryDirectory() as d:
        path, out = os.path.join(d, "multi.pcapng"), os.path.join(d, "out.pcap")
        open(path, "wb").write(multi_iface())
        rc, o, err = run(["read", "-w", out, path])
        assert rc == 0, (rc, err)
        el = err.decode().strip().splitlines()
        assert len(el) == 1 and "3 packets" in el[0] and "not written" in el[0], err
        assert [x[1:] for x in tshark(out)] == [("50", "50"), ("50", "50")], tshark(out)


@case
def stdin_reads_the_same():
    for name, (make, want) in sorted(FILES.items()):
        rc, out, err = run(["read", "-"], input=make(), timeout=60)
        n = len([l for l in out.splitlines() if l.strip()])
        assert rc == 0 and n == want, (name, rc, n, err)
    # stdin a regular file already read from: from its offset on, not mapped from 0
    with tempfile.TemporaryFile() as f:
        f.write(b"junk before" + mixed_endian())
        f.seek(len(b"junk before"))
        p = subprocess.run([WIRECAT, "read", "-"], stdin=f, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        n = len([l for l in p.stdout.splitlines() if l.strip()])
        assert p.returncode == 0 and n == 6, (p.returncode, n, p.stderr)


main()
