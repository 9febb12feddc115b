# SPDX-License-Identifier: BSD-2-Clause
"""sniff -w with rotation (-C/-G/-W): when a file cannot be created, at the
start or at a rotation, wirecat says so in one line that names that file
(the real name, with its number or its strftime date) and exits 1. Needs
root: skipped otherwise. Every capture filters on a port this test owns."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

from wtest import SLOW, WIRECAT, Proc, case, free_port, main, need_root, run

ERR = re.compile(r"^wirecat: sniff: (.*)$", re.M)


def send_udp(port, n, size=400):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(n):
        s.sendto(b"x" * size, ("127.0.0.1", port))
    s.close()


def sniff(args):
    p = Proc(["sniff", "-i", "lo"] + args)
    p.wait_err(r"listening on", timeout=10)
    return p


def one_error(err):
    """The single 'wirecat: sniff: ...' line of stderr."""
    lines = ERR.findall(err)
    assert len(lines) == 1, "want exactly one error line:\n" + err
    return lines[0]


def feed_until_exit(p, port, timeout=10):
    """Sends datagrams until sniff exits (bounded); returns its status."""
    deadline = time.monotonic() + timeout * SLOW
    while p.p.poll() is None and time.monotonic() < deadline:
        send_udp(port, 5)
        time.sleep(0.05)
    return p.wait(5)


@case
def size_rotation_into_removed_directory():
    """-C: the directory is removed after the first file: the next file
    (base + 1) cannot be created, and the message names it."""
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with tempfile.TemporaryDirectory() as d:
        sub = os.path.join(d, "sub")
        os.mkdir(sub)
        base = os.path.join(sub, "rot")
        with sniff(["-w", base, "-C", "2k", "udp", "port", str(port)]) as p:
            send_udp(port, 2)
            deadline = time.monotonic() + 5 * SLOW
            while not os.path.exists(base) and time.monotonic() < deadline:
                time.sleep(0.02)
            shutil.rmtree(sub)
            rc = feed_until_exit(p, port)
            err = p.stderr_text()
    assert rc == 1, (rc, err)
    line = one_error(err)
    assert line == "%s1: No such file or directory" % base, err


@case
def size_rotation_onto_a_directory():
    """-C -W: the next slot of the ring is a directory: named in the error."""
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with tempfile.TemporaryDirectory() as d:
        base = os.path.join(d, "ring")
        os.mkdir(base + "1")
        with sniff(["-w", base, "-C", "2k", "-W", "3", "udp", "port", str(port)]) as p:
            rc = feed_until_exit(p, port)
            err = p.stderr_text()
        assert os.path.exists(base + "0")
    assert rc == 1, (rc, err)
    assert one_error(err) == "%s1: Is a directory" % base, err


@case
def time_rotation_into_removed_directory():
    """-G: the file of the next second cannot be created: its dated name is
    in the error."""
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with tempfile.TemporaryDirectory() as d:
        sub = os.path.join(d, "sub")
        os.mkdir(sub)
        with sniff(["-w", os.path.join(sub, "t-%s.pcap"), "-G", "1", "udp", "port",
                    str(port)]) as p:
            first = os.listdir(sub)
            shutil.rmtree(sub)
            rc = feed_until_exit(p, port)
            err = p.stderr_text()
    assert first and re.match(r"t-\d+\.pcap$", first[0]), first
    assert rc == 1, (rc, err)
    m = re.match(r"^%s/t-(\d+)\.pcap: No such file or directory$" % re.escape(sub),
                 one_error(err))
    assert m, err
    assert int(m.group(1)) > int(first[0][2:-5]), (first, err)


@case
def first_file_in_missing_directory():
    """The first file of a ring in a directory that does not exist: the
    message names that file (with its number), exit 1."""
    need_root()
    with tempfile.TemporaryDirectory() as d:
        base = os.path.join(d, "missing", "x.pcap")
        rc, out, err = run(["sniff", "-i", "lo", "-w", base, "-C", "1", "-W", "3", "udp",
                            "port", "9"])
        err = err.decode()
        assert rc == 1, (rc, err)
        assert one_error(err) == "%s0: No such file or directory" % base, err
        rc, out, err = run(["sniff", "-i", "lo", "-w", base, "-C", "1", "udp", "port", "9"])
        err = err.decode()
        assert rc == 1, (rc, err)
        assert one_error(err) == "%s: No such file or directory" % base, err


main()
