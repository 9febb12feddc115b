# SPDX-License-Identifier: BSD-2-Clause
"""Writes one section of bench/RESULTS.md for the bench scripts (their
Python parts insert this folder into sys.path and import put_section)."""
import re


def put_section(path, heading, text):
    """Replaces the section "## HEADING" of the Markdown file PATH (up to the
    next "## " line) with TEXT, which begins with that heading line, or adds
    TEXT at the end; every other section stays as it was. A missing file is
    started with "# Benchmark results"."""
    assert text.startswith("## %s\n" % heading), heading
    try:
        with open(path) as f:
            old = f.read()
    except FileNotFoundError:
        old = "# Benchmark results\n"
    m = re.search(r"^## " + re.escape(heading) + r"\n.*?(?=^## |\Z)", old, flags=re.S | re.M)
    if m:
        rest = old[m.end():]
        new = old[:m.start()] + text + ("\n" if rest else "") + rest
    else:
        new = old.rstrip("\n") + "\n\n" + text
    with open(path, "w") as f:
        f.write(new)
