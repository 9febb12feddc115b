#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Corpus replay: every capture in ../shared/corpus/tcpdump (830 files from
tcpdump's test suite, many of them crafted to crash dissectors) through
`wirecat read -V -X` (the tree, its summary line, which is the default
view's line, and the hex dump in one run), `wirecat read --json` (and with a -Y display filter), tcpdump's
flags (`-vv -e -XX`, `-q -S -A -tttt`), the stream features (`--follow all
--follow-dir DIR`, `-Y` over TCP analysis and the reassembled HTTP/TLS/DNS
fields, the line with --analysis --reassemble --defrag; -V already
reassembles) with each run's peak
RSS under RSS_MAX_MB (the ASan build: ASAN_RSS_MAX_MB), and
through pktdump (the same printer, 200 files per process) by default, with
--payload and --stats, and with -i (interface names). Each run
must exit 0 or 3, print no control character but \\n on stdout (and with
--json one valid JSON object a line), and (under
the ASan/UBSan build) produce no sanitizer report. Runs two at a time."""
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

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

# The stream runs: what read --follow/-Y/--analysis add to the modes above.
STREAM_MODES = [
    ["--json", "-Y", 'http.request.method == "GET" || http.response.code >= 200 || '
     'tls.handshake.type == 1 || dns.flags.response == 1 || tcp.analysis.retransmission'],
    # every packet printed (the -V tree with reassembly is in MODES already)
    ["--analysis", "--reassemble", "--defrag", "-Y",
     "tcp.analysis.duplicate_ack_num >= 1 || tcp.analysis.zero_window || !tcp.analysis.flags"],
]
# Peak RSS of one run on a corpus file (all under 600 KB): the fixed tables
# (TCP analysis ~11 MB, the stream decoders' hash, the reader's buffers) and
# what a small file adds. The sanitizer build's shadow memory and quarantine
# get their own bound. Measured on 2026-11-26 over the 830 files: a peak of
# 18.3 MB (the plain build) and 24.6 MB (ASan+UBSan, Debug).
RSS_MAX_MB = 48
ASAN_RSS_MAX_MB = 400


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


def run_rss(cmd, out_path):
    """Runs cmd with stdout to out_path; returns (status, stderr, peak RSS in KiB)."""
    env = dict(os.environ, TZ="UTC")
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
    with open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        timer = threading.Timer(120 * wtest.SLOW, p.kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return p.returncode, err.read(), ru.ru_maxrss


def check_stream(f, top):
    """The stream runs on one file; returns (failures, peak RSS KiB, bytes followed)."""
    name = os.path.basename(f)
    d = tempfile.mkdtemp(dir=top)
    fails, peak = [], 0
    bound = (ASAN_RSS_MAX_MB if wtest.SANITIZE else RSS_MAX_MB) * 1024
    runs = [(["--follow", "all", "--follow-dir", os.path.join(d, "f")], "--follow all")]
    runs += [(m, " ".join(m)) for m in STREAM_MODES]
    followed = 0
    for args, what in runs:
        what = "read %s %s" % (what, name)
        rc, err, rss = run_rss([wtest.WIRECAT, "read"] + args + [f], os.path.join(d, "out"))
        peak = max(peak, rss)
        if SAN.search(err):
            fails.append("%s: sanitizer report:\n%s" % (what, err.decode("utf-8", "replace")[-3000:]))
        elif rc not in (0, 3):
            fails.append("%s: exit status %d: %s" % (what, rc, err[-300:]))
        elif rss > bound:
            fails.append("%s: peak RSS %d KiB over %d KiB" % (what, rss, bound))
        with open(os.path.join(d, "out"), "rb") as o:
            out = o.read()
        m = CTL.search(out)
        if m and "--follow" not in args:
            fails.append("%s: control character 0x%02x on stdout" % (what, out[m.start()]))
        if "--json" in args:
            try:
                [json.loads(x) for x in out.split(b"\n") if x]
            except ValueError as e:
                fails.append("%s: not JSON (%s)" % (what, e))
    fdir = os.path.join(d, "f")
    if os.path.isdir(fdir):
        followed = sum(os.path.getsize(os.path.join(fdir, x)) for x in os.listdir(fdir))
    # every byte followed was captured once: never more than the file holds
    if followed > os.path.getsize(f):
        fails.append("read --follow all %s: %d bytes written from a %d-byte file"
                     % (name, followed, os.path.getsize(f)))
    shutil.rmtree(d)
    return fails, peak, followed


@wtest.case
def corpus_streams_follow_filters_bounded_memory():
    fs = files()
    if len(fs) < 100:
        raise wtest.Skip("corpus not found at " + CORPUS)
    fails, peak, followed = [], 0, 0
    with tempfile.TemporaryDirectory() as top:
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            for fl, pk, fb in ex.map(lambda f: check_stream(f, top), fs):
                fails += fl
                peak = max(peak, pk)
                followed += fb
    print("corpus streams: %d files x %d runs, peak RSS %d KiB, %d bytes followed"
          % (len(fs), 1 + len(STREAM_MODES), peak, followed))
    assert followed > 100000, "--follow all wrote only %d bytes from the corpus" % followed
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
