#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Carves seeds for fuzz_dissect from the tcpdump corpus: up to 1 packet of
at most 1600 bytes from each capture of a supported link type, each seed
being [link selector, flags byte, packet bytes] (see fuzz_dissect.c), plus
the crafted golden packets; deduplicated, at most 400 seeds and 2 MiB in all. Files named
regress-* are inputs that once crashed the target and are kept.

    tests/fuzz/mkseeds_dissect.py [CORPUS_DIR]
"""
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "seeds", "dissect")
SRC = os.path.dirname(os.path.dirname(HERE))
# link type -> selector index in fuzz_dissect.c's links[]
SEL = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 101: 5, 12: 5, 14: 5, 228: 6, 229: 7}
LIMIT = 2 << 20


def records(path):
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
    lt = struct.unpack(e + "I", b[20:24])[0] & 0xFFFF
    out, off = [], 24
    while off + 16 <= len(b) and len(out) < 64:
        _, _, cl, _ = struct.unpack(e + "IIII", b[off:off + 16])
        if cl > 262144 or off + 16 + cl > len(b):
            break
        out.append(b[off + 16:off + 16 + cl])
        off += 16 + cl
    return lt, out


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "..", "shared", "corpus", "tcpdump")
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if not f.startswith("regress-"):  # fuzzer findings stay
            os.unlink(os.path.join(OUT, f))
    seen, total, n = set(), 0, 0
    dirs = [os.path.join(SRC, "tests", "golden", "pcaps"), corpus]
    for d in dirs:
        for name in sorted(os.listdir(d)):
            lt, pkts = records(os.path.join(d, name))
            if lt not in SEL:
                continue
            kept = 0
            for i, p in enumerate(pkts):
                if len(p) > 1600 or kept >= (8 if "golden" in d else 1) or n >= 400:
                    continue
                seed = bytes([SEL[lt], (i * 37) & 0x7F & ~0x08]) + p
                h = hashlib.sha1(seed).hexdigest()[:16]
                if h in seen or total + len(seed) > LIMIT:
                    continue
                seen.add(h)
                with open(os.path.join(OUT, h), "wb") as f:
                    f.write(seed)
                total += len(seed)
                kept += 1
                n += 1
    print("%d seeds, %d bytes" % (n, total))


if __name__ == "__main__":
    main()
