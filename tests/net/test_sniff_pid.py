# SPDX-License-Identifier: BSD-2-Clause
"""`wirecat sniff --pid PID` and `--port PORT`: another program's traffic,
its sockets found through /proc. The program opens its sockets only after
the capture started; its packets must appear, unrelated traffic on lo at the
same time must not, and sniff --pid ends when the program does."""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Proc, case, free_port, main, need_root, wait_for  # noqa: E402

# The followed program: no sockets until told "go" on stdin; then a UDP
# socket (optionally bound to argv[3]) sends to the UDP receiver, and a TCP
# connection sends to the TCP receiver; each socket exists a while before it
# talks, so sniff's re-scan (every 200 ms) has picked it up. (A TCP socket
# shows in /proc/net/tcp only once it connects or listens, so the SYN of a
# connection opened after the last scan may be missed: that is the limit of
# following a process through /proc.)
TARGET = r"""
import socket, sys, time
uport, tport = int(sys.argv[1]), int(sys.argv[2])
bind = int(sys.argv[3]) if len(sys.argv) > 3 else 0
sys.stdin.readline()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", bind))
print("udp", u.getsockname()[1], flush=True)
time.sleep(0.8)
for i in range(5):
    u.sendto(b"from-target", ("127.0.0.1", uport))
    time.sleep(0.05)
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.connect(("127.0.0.1", tport))
print("tcp", t.getsockname()[1], flush=True)
time.sleep(0.8)
for i in range(3):
    t.send(b"tcp-from-target")
    time.sleep(0.05)
t.close()
u.close()
print("done", flush=True)
sys.stdin.readline()
"""


class Receivers:
    """A UDP receiver and a TCP server (accepting, reading) in this process,
    plus unrelated chatter to them from other sockets."""

    def __init__(self):
        self.u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.u.bind(("127.0.0.1", 0))
        self.u.settimeout(0.05)
        self.l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.l.bind(("127.0.0.1", 0))
        self.l.listen(8)
        self.l.settimeout(0.05)
        self.uport, self.tport = self.u.getsockname()[1], self.l.getsockname()[1]
        self.stop = threading.Event()
        self.chat = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.chat.bind(("127.0.0.1", 0))
        self.chat_port = self.chat.getsockname()[1]
        self.sent = 0
        self.th = [threading.Thread(target=self._serve, daemon=True),
                   threading.Thread(target=self._chatter, daemon=True)]

    def _serve(self):
        conns = []
        while not self.stop.is_set():
            try:
                self.u.recv(2000)
            except OSError:
                pass
            try:
                c, _ = self.l.accept()
                c.settimeout(0.05)
                conns.append(c)
            except OSError:
                pass
            for c in conns:
                try:
                    c.recv(2000)
                except OSError:
                    pass
        for c in conns:
            c.close()

    def _chatter(self):
        while not self.stop.is_set():
            try:
                self.chat.sendto(b"unrelated", ("127.0.0.1", self.uport))
                self.sent += 1
            except OSError:
                pass
            time.sleep(0.01)

    def __enter__(self):
        for t in self.th:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.th:
            t.join(5)
        for s in (self.u, self.l, self.chat):
            s.close()


def ports_in(out):
    """Ports of the packet lines: 'IP 127.0.0.1.40000 > 127.0.0.1.5005:'."""
    got = set()
    for m in re.finditer(r"127\.0\.0\.1\.(\d+) > 127\.0\.0\.1\.(\d+)", out):
        got.add(int(m.group(1)))
        got.add(int(m.group(2)))
    return got


def start_target(rx, *extra):
    return subprocess.Popen([sys.executable, "-c", TARGET, str(rx.uport), str(rx.tport)]
                            + [str(x) for x in extra], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def read_line(p, timeout=10):
    box = []
    t = threading.Thread(target=lambda: box.append(p.stdout.readline()), daemon=True)
    t.start()
    t.join(timeout * SLOW)
    assert box and box[0], "the target program said nothing"
    return box[0].split()


def run_target(target):
    """Lets the target talk; returns its UDP and TCP ports."""
    target.stdin.write("go\n")
    target.stdin.flush()
    kind, uport = read_line(target)
    assert kind == "udp"
    kind, tport = read_line(target)
    assert kind == "tcp"
    assert read_line(target) == ["done"]
    return int(uport), int(tport)


def finish(target):
    try:
        target.stdin.close()
    except OSError:
        pass
    try:
        target.wait(5)
    except subprocess.TimeoutExpired:
        target.kill()
        target.wait(5)


@case
def pid_follows_new_sockets():
    need_root()
    with Receivers() as rx:
        target = start_target(rx)
        try:
            with Proc(["sniff", "-i", "lo", "-l", "--pid", str(target.pid)]) as sn:
                sn.wait_err(r"listening on lo")
                time.sleep(0.3)
                uport, tport = run_target(target)
                wait_for(lambda: len(re.findall(rb"\.%d > " % tport, sn.stdout_bytes())) >= 3,
                         timeout=5, what="the target's TCP packets")
                finish(target)
                # the followed process is gone: sniff ends by itself
                sn.wait_err(r"process %d has exited" % target.pid, timeout=5)
                rc = sn.wait(10)
                out = sn.stdout_bytes().decode(errors="replace")
        finally:
            if target.poll() is None:
                target.kill()
                target.wait(5)
        assert rc == 0, (rc, sn.stderr_text())
        assert rx.sent > 10
        got = ports_in(out)
        assert uport in got and rx.uport in got, (uport, out)
        assert tport in got and rx.tport in got, (tport, out)
        assert len(re.findall(r"\.%d > 127\.0\.0\.1\.%d: UDP" % (uport, rx.uport), out)) >= 3, out
        assert rx.chat_port not in got, "unrelated traffic was captured:\n" + out
        assert re.search(r"\.%d > 127\.0\.0\.1\.%d: .*length 15" % (tport, rx.tport), out), out


@case
def port_follows_the_owner():
    """--port P: the program that owns port P (once it does), with its other
    sockets too."""
    need_root()
    bport = free_port(socket.SOCK_DGRAM)
    with Receivers() as rx:
        with Proc(["sniff", "-i", "lo", "-l", "--port", str(bport)]) as sn:
            sn.wait_err(r"listening on lo")
            target = start_target(rx, bport)
            try:
                uport, tport = run_target(target)
                assert uport == bport
                wait_for(lambda: len(re.findall(rb"\.%d > " % tport, sn.stdout_bytes())) >= 3,
                         timeout=5, what="the owner's TCP packets")
            finally:
                finish(target)
            sn.signal(signal.SIGINT)
            rc = sn.wait(10)
            out = sn.stdout_bytes().decode(errors="replace")
    assert rc == 0, (rc, sn.stderr_text())
    got = ports_in(out)
    assert bport in got and tport in got, out
    assert rx.chat_port not in got, "unrelated traffic was captured:\n" + out


@case
def pid_bad_usage():
    rc_out = subprocess.run([os.environ.get("WIRECAT", "wirecat"), "sniff", "--pid", "abc"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    assert rc_out.returncode == 2, rc_out
    assert b"Try 'wirecat sniff --help'." in rc_out.stderr, rc_out.stderr
    need_root()
    rc_out = subprocess.run([os.environ.get("WIRECAT", "wirecat"), "sniff", "-i", "lo", "--pid",
                             "2147483600"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=10 * SLOW)
    assert rc_out.returncode == 1, rc_out
    assert b"no such process" in rc_out.stderr, rc_out.stderr


main()
