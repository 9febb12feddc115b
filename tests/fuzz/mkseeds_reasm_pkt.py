#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Carves seeds for fuzz_reasm_pkt from the golden captures and the tcpdump
corpus: from each classic pcap of a supported link type holding at least two
TCP segments, its first 64 TCP frames (up to 1600 bytes each, 24 KiB in all),
as [selector byte, then per frame a 2-byte length, a 1-byte time step in
milliseconds and the frame] (see fuzz_reasm_pkt.c). Deduplicated, at most 300
seeds and 3 MiB in all; files named regress-* are fuzzer findings and stay.

    tests/fuzz/mkseeds_reasm_pkt.py [CORPUS_DIR]
"""
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "seeds", "reasm_pkt")
SRC = os.path.dirname(os.path.dirname(HERE))
# link type -> selector index in fuzz_reasm_pkt.c's links[]
SEL = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 101: 5, 12: 5, 14: 5, 228: 6, 229: 7}
# where the IP header starts for each selector (Ethernet: VLAN tags skipped)
IPOFF = {1: 16, 2: 20, 3: 4, 4: 4, 5: 0, 6: 0, 7: 0}
LIMIT, SEEDS, PER_SEED = 3 << 20, 300, 24 << 10


def records(path):
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
    while off + 16 <= len(b) and len(out) < 4096:
        sec, frac, cl, _ = struct.unpack(e + "IIII", b[off:off + 16])
        if cl > 262144 or off + 16 + cl > len(b):
            break
        out.append((sec + frac / (1e9 if nano else 1e6), b[off + 16:off + 16 + cl]))
        off += 16 + cl
    return lt, out


def is_tcp(sel, p):
    off = IPOFF.get(sel)
    if sel == 0:
        off, et = 14, p[12:14]
        while et in (b"\x81\x00", b"\x88\xa8") and len(p) >= off + 4:
            et, off = p[off + 2:off + 4], off + 4
        if et not in (b"\x08\x00", b"\x86\xdd"):
            return False
    if off is None or len(p) < off + 20:
        return False
    v = p[off] >> 4
    return (v == 4 and p[off + 9] == 6) or (v == 6 and p[off + 6] == 6)


def seed_of(sel, name, frames):
    mode = int(hashlib.sha1(name.encode()).hexdigest()[:2], 16)
    out = bytearray([sel | (mode & 0x68) | (0x10 if mode & 0x90 == 0x90 else 0)])
    last = frames[0][0]
    for t, p in frames:
        p = p[:1600]
        if len(out) + 3 + len(p) > PER_SEED:
            break
        step = min(255, max(0, int(round((t - last) * 1000))))
        last = t
        out += struct.pack(">HB", len(p), step) + p
    return bytes(out)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "..", "shared", "corpus", "tcpdump")
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if not f.startswith("regress-"):  # fuzzer findings stay
            os.unlink(os.path.join(OUT, f))
    seen, total, n = set(), 0, 0
    dirs = [os.path.join(SRC, "tests", "golden", "pcaps")]
    if os.path.isdir(corpus):
        dirs.append(corpus)
    for d in dirs:
        for name in sorted(os.listdir(d)):
            lt, recs = records(os.path.join(d, name))
            if lt not in SEL:
                continue
            sel = SEL[lt]
            frames = [(t, p) for t, p in recs if is_tcp(sel, p)][:64]
            if len(frames) < 2 or n >= SEEDS:
                continue
            seed = seed_of(sel, name, frames)
            h = hashlib.sha1(seed).hexdigest()[:16]
            if h in seen or total + len(seed) > LIMIT:
                continue
            seen.add(h)
            with open(os.path.join(OUT, h), "wb") as f:
                f.write(seed)
            total += len(seed)
            n += 1
    print("%d seeds, %d bytes" % (n, total))


if __name__ == "__main__":
    main()
