#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Golden tests: every TESTLIST row through `wirecat read` must print exactly
its expected/NAME.out (regenerate with regen.py, never by hand), exit 0 or 3,
and put no control character but \\n on stdout."""
import difflib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden  # noqa: E402

# any control byte but \n; the tab that starts a hex dump line ("\t0x0000:  ",
# tcpdump's layout) is the printer's own and is allowed there only
CTL = re.compile(rb"(?!(?<=\n)\t0x[0-9a-f]{4}:  )(?!\A\t0x[0-9a-f]{4}:  )[\x00-\x09\x0b-\x1f\x7f]")


def main():
    wc = golden.wirecat()
    if not os.path.exists(wc):
        print("wirecat not built: " + wc)
        return 77
    passed = failed = 0
    for name, pcap, args in golden.testlist():
        rc, out = golden.run(wc, pcap, args)
        exp_path = os.path.join(golden.HERE, "expected", name + ".out")
        try:
            with open(exp_path, "rb") as f:
                exp = f.read()
        except OSError:
            exp = None
        why = None
        if rc not in (0, 3):
            why = "exit status %d" % rc
        elif CTL.search(out):
            why = "control character on stdout"
        elif exp is None:
            why = "no expected file (run tests/golden/regen.py)"
        elif out != exp:
            d = difflib.unified_diff(exp.decode("utf-8", "replace").splitlines(),
                                     out.decode("utf-8", "replace").splitlines(),
                                     "expected/" + name + ".out", "got", lineterm="", n=1)
            why = "output differs:\n" + "\n".join(list(d)[:40])
        if why:
            failed += 1
            print("FAIL %s (%s %s): %s" % (name, pcap, " ".join(args), why))
        else:
            passed += 1
    print("%d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
