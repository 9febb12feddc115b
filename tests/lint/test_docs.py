# SPDX-License-Identifier: BSD-2-Clause
"""The man page and the README stay true: every option that a command's
--help lists is documented in docs/wirecat.1 under that command, and the man
page has the EXIT STATUS table."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "net"))
from wtest import SRC, case, main, run  # noqa: E402

COMMANDS = ["connect", "listen", "echo", "sniff", "read", "http", "trace"]
MAN = os.path.join(SRC, "docs", "wirecat.1")


def man_text():
    return open(MAN, errors="replace").read()


def man_section(cmd):
    """The part of the man page for one command: from its .SS heading to the next."""
    text = man_text()
    m = re.search(r"^\.SS\s+\"?wirecat " + cmd + r"\b.*?$(.*?)(?=^\.SS|^\.SH|\Z)", text, re.M | re.S)
    assert m, "docs/wirecat.1 has no '.SS wirecat %s' section" % cmd
    return m.group(1).replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")


def help_options(cmd):
    """Options named in the first column of a command's --help."""
    rc, out, err = run([cmd, "--help"])
    assert rc == 0, (cmd, rc)
    opts = set()
    for line in out.decode().splitlines():
        if not re.match(r"^ {1,8}-", line):
            continue
        spec = re.split(r"\s{2,}", line.strip())[0]
        opts.update(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z0-9])(?![\w])", spec))
    return opts


@case
def every_option_is_in_the_man_page():
    missing = []
    for cmd in COMMANDS:
        sec = man_section(cmd)
        for o in sorted(help_options(cmd)):
            if o in ("-h", "--help"):
                continue
            if not re.search(r"(?<![\w-])" + re.escape(o) + r"(?![\w-])", sec):
                missing.append("%s %s" % (cmd, o))
    assert not missing, "options in --help but not in docs/wirecat.1: " + ", ".join(missing)


@case
def exit_status_table():
    text = man_text()
    assert re.search(r"^\.SH\s+\"?EXIT STATUS", text, re.M)
    for code in ("0", "1", "2", "3", "4"):
        assert re.search(r"^\.TP\n(\.B\s+)?%s\b" % code, text, re.M) or ("\n%s\t" % code) in text, code


@case
def readme_has_the_two_commands():
    text = open(os.path.join(SRC, "README.md")).read()
    assert "make demo" in text and "make check" in text
    for cmd in COMMANDS:
        assert "wirecat " + cmd in text, cmd


main()
