# SPDX-License-Identifier: BSD-2-Clause
"""What the mkseeds_*.py scripts share: reading classic pcap records, the
link-type selectors of the fuzz targets, the corpus folders, and writing a
deduplicated, bounded set of seeds (files named regress-* are fuzzer findings
and stay)."""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
GOLDEN = os.path.join(SRC, "tests", "golden", "pcaps")
CORPUS = os.path.join(SRC, "..", "shared", "corpus", "tcpdump")
# link type -> selector index in the fuzz targets' links[] tables
SEL = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 101: 5, 12: 5, 14: 5, 228: 6, 229: 7}
# where the IP header starts for each selector (Ethernet: VLAN tags skipped)
IPOFF = {1: 16, 2: 20, 3: 4, 4: 4, 5: 0, 6: 0, 7: 0}


def records(path, most=4096):
    """Returns (link type, [(seconds, frame)]) of a classic pcap, or (None, [])."""
    b = open(path, "rb").read()
    if len(b) < 24:
        return None, []
    magic = struct.unpack("<I", b[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        return None, []  # pcapng and others: skipped
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    lt = struct.unpack(e + "I", b[20:24])[0] & 0xFFFF
    out, off = [], 24
    while off + 16 <= len(b) and len(out) < most:
        sec, frac, cl, _ = struct.unpack(e + "IIII", b[off:off + 16])
        if cl > 262144 or off + 16 + cl > len(b):
            break
        out.append((sec + frac / (1e9 if nano else 1e6), b[off + 16:off + 16 + cl]))
        off += 16 + cl
    return lt, out


def capture_dirs(argv, golden_first=True):
    """The golden captures, then the corpus (argv[1] or ../shared) if present."""
    corpus = argv[1] if len(argv) > 1 else CORPUS
    dirs = [GOLDEN] if golden_first else []
    if os.path.isdir(corpus):
        dirs.append(corpus)
    return dirs


class Seeds:
    """Writes seeds into OUT (emptied first but for regress-*): deduplicated
    by content, at most `count` files and `limit` bytes in all."""

    def __init__(self, out, limit, count):
        self.out, self.limit, self.count = out, limit, count
        self.seen, self.total, self.n = set(), 0, 0
        os.makedirs(out, exist_ok=True)
        for f in os.listdir(out):
            if not f.startswith("regress-"):
                os.unlink(os.path.join(out, f))

    def full(self):
        return self.n >= self.count

    def add(self, seed):
        """Writes one seed; False when it was a duplicate or over a limit."""
        h = hashlib.sha1(seed).hexdigest()[:16]
        if h in self.seen or self.total + len(seed) > self.limit or self.full():
            return False
        self.seen.add(h)
        with open(os.path.join(self.out, h), "wb") as f:
            f.write(seed)
        self.total += len(seed)
        self.n += 1
        return True

    def done(self):
        print("%d seeds, %d bytes" % (self.n, self.total))
