#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Regenerates the golden files: crafts pcaps/wc-*.pcap (mkpcaps.py), then
runs every TESTLIST row through `wirecat read` with TZ=UTC and writes
expected/NAME.out. Review the diff (git diff tests/golden) before committing.

    tests/golden/regen.py [path/to/wirecat]   (default: $WIRECAT or build/wirecat)
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import golden  # noqa: E402


def main():
    wirecat = sys.argv[1] if len(sys.argv) > 1 else golden.wirecat()
    subprocess.run([sys.executable, os.path.join(HERE, "mkpcaps.py")], check=True)
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    for name, pcap, args in golden.testlist():
        rc, out = golden.run(wirecat, pcap, args)
        if rc not in (0, 3):
            print("%s: exit %d" % (name, rc), file=sys.stderr)
            return 1
        with open(os.path.join(HERE, "expected", name + ".out"), "wb") as f:
            f.write(out)
    print("regenerated %d golden files" % len(golden.testlist()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
