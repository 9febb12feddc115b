# SPDX-License-Identifier: BSD-2-Clause
"""Source rules that a compiler does not check (DESIGN.md section 5):
banned functions, SPDX lines, and SOCK_CLOEXEC on every socket()."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "net"))
from wtest import SRC, case, main  # noqa: E402

BANNED = ["gets", "strcpy", "strcat", "sprintf", "vsprintf", "atoi", "atol", "strtok",
          "inet_addr", "inet_ntoa", "gethostbyname", "alloca"]


def sources():
    out = subprocess.run(["git", "-C", SRC, "ls-files", "*.c", "*.h"], stdout=subprocess.PIPE,
                         check=False).stdout.decode().split()
    if not out:  # not a git checkout: walk the tree
        for d in ("src", "include", "tests", "bench"):
            for root, _, files in os.walk(os.path.join(SRC, d)):
                out += [os.path.relpath(os.path.join(root, f), SRC) for f in files
                        if f.endswith((".c", ".h"))]
    return [f for f in out if os.path.exists(os.path.join(SRC, f))]


def strip_comments_and_strings(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    return text


@case
def no_banned_functions():
    rx = re.compile(r"(?<![\w.>])(" + "|".join(BANNED) + r")\s*\(")
    bad = []
    for f in sources():
        text = strip_comments_and_strings(open(os.path.join(SRC, f), errors="replace").read())
        for i, line in enumerate(text.split("\n"), 1):
            m = rx.search(line)
            if m:
                bad.append("%s:%d: %s" % (f, i, m.group(1)))
    assert not bad, "banned functions:\n" + "\n".join(bad)


@case
def spdx_on_every_source():
    bad = [f for f in sources()
           if "SPDX-License-Identifier" not in open(os.path.join(SRC, f), errors="replace").read(400)]
    assert not bad, "missing SPDX line: " + ", ".join(bad)


@case
def sockets_are_cloexec():
    rx = re.compile(r"\bsocket\s*\(([^;]*)\)")
    bad = []
    for f in sources():
        if not f.startswith("src/"):
            continue
        text = strip_comments_and_strings(open(os.path.join(SRC, f), errors="replace").read())
        for m in rx.finditer(text):
            if "SOCK_CLOEXEC" not in m.group(1):
                bad.append("%s: socket(%s)" % (f, m.group(1)[:60]))
    assert not bad, "socket() without SOCK_CLOEXEC:\n" + "\n".join(bad)



@case
def clang_format_clean():
    """Every C file is formatted by the checked-in .clang-format (clang-format 14)."""
    import shutil
    from wtest import Skip
    cf = shutil.which("clang-format")
    if not cf:
        raise Skip("clang-format is not installed")
    bad = []
    for f in sources():
        r = subprocess.run([cf, "--dry-run", "-Werror", f], cwd=SRC, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if r.returncode != 0:
            bad.append(f)
    assert not bad, "not clang-formatted (run 'make format'): " + ", ".join(bad)


main()
