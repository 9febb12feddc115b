#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Corpus replay: every capture in ../shared/corpus/tcpdump (830 files from
tcpdump's test suite, many of them crafted to crash dissectors) through
`wirecat read -V -X` (the tree, its summary line, which is the default
view's line, and the hex dump in one run), `wirecat read --json` (and with a -Y display filter), tcpdump's
flags (`-vv -e -XX`, `-q -S -A -tttt`), and
through pktdump (the same printer, 200 files per process) by default, with
--payload and --stats, and with -i (interface names). Each run
must exit 0 or 3, print no control character but \\n on stdout (and with
--json one valid JSON object a line), and (under
the ASan/UBSan build) produce no sanitizer report. Runs two at a time."""
import concurrent.futures
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "net"))
import wtest  # noqa: E402

CORPUS = os.environ.get("WIRE_CORPUS",
                        os.path.join(wtest.SRC, "..", "shared", "corpus", "tcpdump"))
# any control byte but \n; the tab that starts a hex dump line ("\t0x0000:  ",
# tcpdump's layout) is the printer's own and is allowed there only
CTL = re.compile(rb"(?!(?<=\n)\t0x[0-9a-f]{4}:  )(?!\A\t0x[0-9a-f]{4}:  )[\x00-\x09\x0b-\x1f\x7f]")
SAN = re.compile(rb"ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|SUMMARY: UndefinedBehavior")
MODES = [["-V", "-X"], ["--json"], ["-vv", "-e", "-XX"], ["-q", "-S", "-A", "-tttt"],
         ["--json", "-Y", 'ip.addr == 10.0.0.0/8 || dns.qry.name matches "a.*b" || '
          'http.host contains "x" || !tcp.flags.syn || ipv6.addr == fe80::/10 && '
          'udp.port in {53, 67..68}']]


def files():
    if not os.path.isdir(CORPUS):
        return []
    return sorted(os.path.join(CORPUS, f) for f in os.listdir(CORPUS)
                  if f.endswith((".pcap", ".pcapng", ".cap")) or ".pcap" in f)


def check(cmd, what):
    env = dict(os.environ, TZ="UTC")
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                           timeout=120 * wtest.SLOW)
    except subprocess.TimeoutExpired:
        return "%s: timed out" % what
    if SAN.search(p.stderr):
        return "%s: sanitizer report:\n%s" % (what, p.stderr.decode("utf-8", "replace")[-3000:])
    if p.returncode not in (0, 3):
        return "%s: exit status %d: %s" % (what, p.returncode, p.stderr[-300:])
    m = CTL.search(p.stdout)
    if m:
        return "%s: control character 0x%02x on stdout" % (what, p.stdout[m.start()])
    if "--json" in cmd:
        for line in p.stdout.split(b"\n"):
            try:
                if line:
                    json.loads(line)
            except ValueError as e:
                return "%s: not JSON (%s): %r" % (what, e, line[:200])
    return None


@wtest.case
def corpus_read_every_mode():
    fs = files()
    if len(fs) < 100:
        raise wtest.Skip("corpus not found at " + CORPUS)
    jobs = [([wtest.WIRECAT, "read"] + m + [f], "read %s %s" % (" ".join(m), os.path.basename(f)))
            for f in fs for m in MODES]
    fails = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for r in ex.map(lambda j: check(*j), jobs):
            if r:
                fails.append(r)
    assert not fails, "%d failures, first: %s" % (len(fails), "\n".join(fails[:5]))


@wtest.case
def corpus_payload_stats_many_per_process():
    fs = files()
    if len(fs) < 100:
        raise wtest.Skip("corpus not found at " + CORPUS)
    tool = wtest.tool("pktdump")
    if not os.path.exists(tool):
        raise wtest.Skip("pktdump not built")
    fails = []
    chunks = [fs[i:i + 200] for i in range(0, len(fs), 200)]
    jobs = [([tool] + m + c, "pktdump %s (%d files)" % (" ".join(m), len(c)))
            for c in chunks for m in ([], ["--payload", "--stats"], ["-V", "-X", "-i"], ["--json", "-i"])]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for r in ex.map(lambda j: check(*j), jobs):
            if r:
                fails.append(r)
    assert not fails, "\n".join(fails[:3])


if __name__ == "__main__":
    wtest.main()
