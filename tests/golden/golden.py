# SPDX-License-Identifier: BSD-2-Clause
"""Shared by test_golden.py and regen.py: reads TESTLIST and runs one row."""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("WIRE_SRC", os.path.dirname(os.path.dirname(HERE)))


def wirecat():
    return os.environ.get("WIRECAT", os.path.join(SRC, "build", "wirecat"))


def testlist():
    rows = []
    with open(os.path.join(HERE, "TESTLIST")) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if line:
                rows.append((line[0], line[1], line[2:]))
    return rows


def run(wirecat, pcap, args, timeout=60):
    env = dict(os.environ, TZ="UTC")
    p = subprocess.run([wirecat, "read"] + args + [os.path.join(HERE, "pcaps", pcap)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=timeout)
    return p.returncode, p.stdout
