# SPDX-License-Identifier: BSD-2-Clause
"""One dissection per packet: -Y, the TCP analysis, IP defragmentation and the
printer work on the same decoded packet, and the per-packet state (analysis,
reassembly) sees every packet read, not only those -Y keeps. So the fields
of a frame -Y shows are the fields it has without -Y (tshark's one-pass
behaviour): compared with tshark -Y on the golden TCP capture (-Y over
defragmented datagrams: test_defrag.py)."""
import json
import os
import shutil
import subprocess

from wtest import case, main, run, Skip, SLOW, SRC

WC_TCP = os.path.join(SRC, "tests", "golden", "pcaps", "wc-tcp.pcap")
KINDS = ("tcp.analysis.duplicate_ack_num", "tcp.analysis.keep_alive", "tcp.analysis.reused_ports")


def rows(*args):
    rc, out, err = run(["read", "--json"] + list(args))
    assert rc == 0, err
    return [json.loads(l) for l in out.decode().splitlines() if l]


@case
def analysis_of_the_frames_y_keeps_as_tshark_y():
    if not shutil.which("tshark"):
        raise Skip("tshark is not installed")
    p = subprocess.run(["tshark", "-n", "-r", WC_TCP, "-Y", "tcp.analysis.flags", "-T", "fields",
                        "-E", "separator=/t", "-e", "frame.number"] + [a for k in KINDS for a in ("-e", k)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60 * SLOW)
    assert p.returncode == 0, p.stderr
    theirs = [l.split("\t") for l in p.stdout.decode().split("\n") if l]
    ours = rows("-Y", "tcp.analysis.flags", WC_TCP)
    assert len(theirs) >= 3 and len(ours) == len(theirs), (ours, theirs)
    compared = 0
    for o, t in zip(ours, theirs):
        assert o["frame.number"] == t[0], (o, t)
        for k, name in enumerate(KINDS, 1):
            if name.endswith("_num"):
                assert o.get(name, "") == t[k], ("frame", t[0], name, o.get(name), t[k])
            else:  # an expert flag: present (as "" in --json) or not
                assert (name in o) == (t[k] != ""), ("frame", t[0], name, o.get(name), t[k])
            compared += t[k] != ""
    assert compared == 3, compared
    # the same fields as without -Y
    every = {r["frame.number"]: r for r in rows(WC_TCP)}
    for o in ours:
        assert o == every[o["frame.number"]], o


@case
def stats_count_the_frames_y_keeps_with_their_full_analysis():
    rc, out, err = run(["read", "--stats", "-Y", "tcp.analysis.flags", WC_TCP])
    assert rc == 0, err
    text = out.decode()
    assert "tcp.analysis.duplicate_ack: 1" in text and "3 flags" in text, text


main()
