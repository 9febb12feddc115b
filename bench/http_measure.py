# SPDX-License-Identifier: BSD-2-Clause
"""The measuring half of bench/http.sh: runs curl and wirecat alternately
(so changes in machine load hit both alike), takes medians of wall clock and
CPU time (user+sys of the client processes), prints a Markdown table with
ratios, and replaces the "## HTTP" section of bench/RESULTS.md with it,
leaving every other section as it was.

Usage: http_measure.py RESULTS.md INFO WIRECAT BIG_URL SMALL_URL N RUNS BIG_RUNS"""
import resource
import statistics
import subprocess
import sys
import time

from results import put_section


def measure(cmd):
    """Returns wall and CPU seconds of one run of cmd."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    t1 = time.monotonic()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t1 - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main():
    path, info, wirecat, big, small, n, runs, big_runs = sys.argv[1:9]
    n, runs, big_runs = int(n), int(runs), int(big_runs)

    def loop(prog):
        return ["bash", "-c", 'for ((i = 0; i < %d; i++)); do %s "$1" || exit 1; done' % (n, prog),
                "loop", small]

    tests = [
        ("1 GiB to /dev/null", big_runs, ["curl", "-s", big], [wirecat, "http", "-s", big]),
        ("%d requests, one process each" % n, runs, loop("curl -s -o /dev/null"),
         loop(wirecat + " http -s -o /dev/null")),
        ("%d requests over one keep-alive connection" % n, runs, ["curl", "-s"] + [small] * n,
         [wirecat, "http", "-s"] + [small] * n),
    ]
    rows = []
    for name, k, ccmd, wcmd in tests:
        cw, cc, ww, wc = [], [], [], []
        for _ in range(k):
            a, b = measure(ccmd)
            cw.append(a)
            cc.append(b)
            a, b = measure(wcmd)
            ww.append(a)
            wc.append(b)
        rows.append((name, k, statistics.median(cw), statistics.median(cc),
                     statistics.median(ww), statistics.median(wc)))

    def cell(name, wall, cpu):
        extra = ""
        if name.startswith("1 GiB"):
            extra = " (%.0f MiB/s)" % (1024 / wall)
        elif "process" in name:
            extra = " (%.2f ms each)" % (wall * 1000 / n)
        return "%.3f s%s, CPU %.3f s" % (wall, extra, cpu)

    lines = ["| test (median of runs) | curl | wirecat | curl/wirecat wall | curl/wirecat CPU |",
             "| --- | --- | --- | --- | --- |"]
    for name, k, cw, cc, ww, wc in rows:
        lines.append("| %s (%d runs) | %s | %s | %.2f | %.2f |" % (
            name, k, cell(name, cw, cc), cell(name, ww, wc), cw / ww, cc / wc if wc else 0.0))
    table = "\n".join(lines)
    print(table)
    section = ("## HTTP\n\n`bench/http.sh`: " + info + ". A local nginx serves a sparse 1 GiB file "
               "and a 100-byte file on 127.0.0.1; curl and wirecat run alternately; wall clock "
               "and CPU time (user+sys of the client processes) are medians. A ratio above 1 "
               "means wirecat is faster. The machine is shared with other work, so wall times "
               "are noisy; CPU time is steadier.\n\n" + table + "\n")
    put_section(path, "HTTP", section)


main()
