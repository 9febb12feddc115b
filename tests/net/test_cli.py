# SPDX-License-Identifier: BSD-2-Clause
"""Top-level command line: --help, --version, help CMD, unknown commands."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import case, main, run  # noqa: E402

COMMANDS = ["connect", "listen", "echo", "sniff", "read", "http"]


@case
def version():
    rc, out, err = run(["--version"])
    assert rc == 0 and out.startswith(b"wirecat "), (rc, out)


@case
def help_lists_commands():
    rc, out, err = run(["--help"])
    assert rc == 0
    for c in COMMANDS:
        assert c.encode() in out, c


@case
def help_every_command():
    for c in COMMANDS:
        rc, out, err = run([c, "--help"])
        assert rc == 0 and b"Usage: wirecat " + c.encode() in out, (c, rc, out[:200])
        rc2, out2, _ = run(["help", c])
        assert rc2 == 0 and out2 == out, c


@case
def unknown_command():
    rc, out, err = run(["frobnicate"])
    assert rc == 2, rc
    assert err.startswith(b"wirecat: unknown command 'frobnicate'\n"), err
    assert b"Try 'wirecat --help'." in err


@case
def no_command():
    rc, out, err = run([])
    assert rc == 2


main()
