#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Carves seeds for fuzz_dissect from the tcpdump corpus: up to 1 packet of
at most 1600 bytes from each capture of a supported link type, each seed
being [link selector, flags byte, packet bytes] (see fuzz_dissect.c), plus
the crafted golden packets; deduplicated, at most 400 seeds and 2 MiB in all. Files named
regress-* are inputs that once crashed the target and are kept.

    tests/fuzz/mkseeds_dissect.py [CORPUS_DIR]
"""
import os
import sys

import seedlib as sl

OUT = os.path.join(sl.HERE, "seeds", "dissect")
LIMIT = 2 << 20


def main():
    seeds = sl.Seeds(OUT, LIMIT, 400)
    for d in sl.capture_dirs(sys.argv):
        for name in sorted(os.listdir(d)):
            lt, recs = sl.records(os.path.join(d, name), 64)
            if lt not in sl.SEL:
                continue
            kept = 0
            for i, (_, p) in enumerate(recs):
                if len(p) > 1600 or kept >= (8 if d == sl.GOLDEN else 1):
                    continue
                if seeds.add(bytes([sl.SEL[lt], (i * 37) & 0x7F & ~0x08]) + p):
                    kept += 1
    seeds.done()


if __name__ == "__main__":
    main()
