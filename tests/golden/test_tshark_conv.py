#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""--stats conversations against tshark -z conv,tcp and -z conv,udp on the
golden captures: the number of conversations and the frame count of each
(as a sorted list) must be equal. A TCP conversation is a tcp.stream, so a
4-tuple reused by a new SYN is a second conversation, as tshark counts it.
At least MIN_CONVS conversations must be compared. Skipped when tshark is
not installed."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden  # noqa: E402

MIN_CONVS = 40
# (capture, proto): why wirecat's UDP conversations differ from tshark's
KNOWN = {
    ("wc-text.pcap", "udp"): "an unfinished first fragment: tshark reassembles, --stats alone does not",
    ("wc-udp.pcap", "udp"): "a UDP length past the IP payload: tshark counts the frame, wirecat "
                            "marks the header invalid",
}
UNIT = r"[\d,.]+ (?:bytes|kB|MB|GB)"
TSHARK_ROW = re.compile(r"<->.*?(\d+) +%s +(\d+) +%s +(\d+) +%s" % (UNIT, UNIT, UNIT))


def tshark(path, proto):
    p = subprocess.run(["tshark", "-n", "-q", "-r", path, "-z", "conv," + proto],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    rows = [TSHARK_ROW.search(ln) for ln in p.stdout.decode(errors="replace").splitlines()]
    return p.returncode, sorted(int(m.group(3)) for m in rows if m)


def ours(wc, path):
    p = subprocess.run([wc, "read", "-q", "--stats", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=120)
    got, cur = {}, None
    for ln in p.stdout.decode(errors="replace").splitlines():
        m = re.match(r"(TCP|UDP) Conversations \((\d+) conversations?", ln)
        if m:
            cur = m.group(1).lower()
            got[cur] = (int(m.group(2)), [])
        elif ln.startswith("="):
            cur = None
        elif cur and "<->" in ln:
            got[cur][1].append(int(ln.split()[-2]))
    return p.returncode, {k: (n, sorted(v)) for k, (n, v) in got.items()}


def main():
    if not shutil.which("tshark"):
        print("tshark not installed: 0 passed, 0 failed, 1 skipped")
        return 77
    wc = golden.wirecat()
    fails = compared = 0
    caps = sorted(f for f in os.listdir(os.path.join(golden.HERE, "pcaps")) if f.endswith("pcap"))
    for cap in caps:
        path = os.path.join(golden.HERE, "pcaps", cap)
        rc, got = ours(wc, path)
        if rc != 0:
            continue  # files wirecat refuses are tested elsewhere
        for proto in ("tcp", "udp"):
            trc, want = tshark(path, proto)
            n, frames = got.get(proto, (0, []))
            if (cap, proto) in KNOWN:
                continue
            if trc != 0 or n != len(want) or frames != want:
                print("FAIL %s %s: tshark %s, wirecat %d %s" % (cap, proto, want, n, frames))
                fails += 1
            compared += len(want)
    print("%d conversations compared over %d captures" % (compared, len(caps)))
    if compared < MIN_CONVS:
        print("FAIL: fewer than %d conversations compared" % MIN_CONVS)
        fails += 1
    print("%d passed, %d failed, 0 skipped" % (1 if not fails else 0, 1 if fails else 0))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
