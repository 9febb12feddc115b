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

import seedlib as sl

OUT = os.path.join(sl.HERE, "seeds", "reasm_pkt")
LIMIT, SEEDS, PER_SEED = 3 << 20, 300, 24 << 10


def is_tcp(sel, p):
    off = sl.IPOFF.get(sel)
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
    seeds = sl.Seeds(OUT, LIMIT, SEEDS)
    for d in sl.capture_dirs(sys.argv):
        for name in sorted(os.listdir(d)):
            lt, recs = sl.records(os.path.join(d, name))
            if lt not in sl.SEL:
                continue
            sel = sl.SEL[lt]
            frames = [(t, p) for t, p in recs if is_tcp(sel, p)][:64]
            if len(frames) >= 2:
                seeds.add(seed_of(sel, name, frames))
    seeds.done()


if __name__ == "__main__":
    main()
