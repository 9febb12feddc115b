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
from wtest import SLOW, WIRECAT, Proc, Skip, case, free_port, have_ipv6, main, need_root, wait_for  # noqa: E402

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
    rc_out = subprocess.run([WIRECAT, "sniff", "--pid", "abc"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    assert rc_out.returncode == 2, rc_out
    assert b"Try 'wirecat sniff --help'." in rc_out.stderr, rc_out.stderr
    need_root()
    rc_out = subprocess.run([WIRECAT, "sniff", "-i", "lo", "--pid",
                             "2147483600"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=10 * SLOW)
    assert rc_out.returncode == 1, rc_out
    assert b"no such process" in rc_out.stderr, rc_out.stderr


# A program talking over 127.0.0.1 and ::1 with sockets it opened before the
# capture: prints its four local ports, then on "go" sends U4 UDP datagrams
# over IPv4, U6 over IPv6 and T TCP segments (TCP_NODELAY, one send each)
# on each family, then says "done" and waits for stdin to close.
TALKER = r"""
import socket, sys, time
u4p, u6p, t4p, t6p = (int(x) for x in sys.argv[1:5])
U4, U6, T = 7, 5, 3
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u4.bind(("127.0.0.1", 0))
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("::1", 0))
t4 = socket.create_connection(("127.0.0.1", t4p))
t6 = socket.create_connection(("::1", t6p))
for t in (t4, t6):
    t.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
print(u4.getsockname()[1], u6.getsockname()[1], t4.getsockname()[1], t6.getsockname()[1],
      flush=True)
sys.stdin.readline()
for i in range(max(U4, U6, T)):
    if i < U4: u4.sendto(b"talker-v4", ("127.0.0.1", u4p))
    if i < U6: u6.sendto(b"talker-v6", ("::1", u6p))
    if i < T:
        t4.send(b"tcp-talker-v4!!")
        t6.send(b"tcp-talker-v6!!")
    time.sleep(0.05)
print("done", flush=True)
sys.stdin.readline()
"""
TALK_U4, TALK_U6, TALK_T = 7, 5, 3


class DualReceivers:
    """UDP receivers and TCP servers on 127.0.0.1 and ::1 in this process."""

    def __init__(self):
        self.socks = []
        self.ports = []
        for fam, addr, kind in ((socket.AF_INET, "127.0.0.1", socket.SOCK_DGRAM),
                                (socket.AF_INET6, "::1", socket.SOCK_DGRAM),
                                (socket.AF_INET, "127.0.0.1", socket.SOCK_STREAM),
                                (socket.AF_INET6, "::1", socket.SOCK_STREAM)):
            s = socket.socket(fam, kind)
            s.bind((addr, 0))
            if kind == socket.SOCK_STREAM:
                s.listen(4)
            s.settimeout(0.05)
            self.socks.append(s)
            self.ports.append(s.getsockname()[1])
        self.stop = threading.Event()
        self.th = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        conns = []
        while not self.stop.is_set():
            for s in self.socks[:2] + conns:
                try:
                    s.recv(2000)
                except OSError:
                    pass
            for s in self.socks[2:]:
                try:
                    c, _ = s.accept()
                    c.settimeout(0.05)
                    conns.append(c)
                except OSError:
                    pass
        for c in conns:
            c.close()

    def __enter__(self):
        self.th.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.th.join(5)
        for s in self.socks:
            s.close()


def talk_without_i(option_for):
    """Runs the talker under `sniff OPTION` without -i; returns (rc, stdout,
    stderr, the talker's ports, the receivers' ports)."""
    need_root()
    if not have_ipv6():
        raise Skip("no IPv6 on lo")
    with DualReceivers() as rx:
        talker = subprocess.Popen([sys.executable, "-c", TALKER] + [str(p) for p in rx.ports],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            mine = [int(x) for x in read_line(talker)]
            with Proc(["sniff", "-l"] + option_for(talker.pid, mine)) as sn:
                sn.wait_err(r"listening on ", timeout=5 * SLOW)
                time.sleep(0.5)
                talker.stdin.write("go\n")
                talker.stdin.flush()
                assert read_line(talker) == ["done"]
                want = 2 * TALK_T + TALK_U4 + TALK_U6
                deadline = time.monotonic() + 5 * SLOW
                while time.monotonic() < deadline and \
                        len(re.findall(rb"length (?:9|15)", sn.stdout_bytes())) < want:
                    time.sleep(0.05)
                time.sleep(0.5)  # anything counted twice would arrive now
                finish(talker)
                sn.signal(signal.SIGINT)
                rc = sn.wait(10)
                return rc, sn.stdout_bytes().decode(errors="replace"), sn.stderr_text(), \
                    mine, rx.ports
        finally:
            if talker.poll() is None:
                talker.kill()
                talker.wait(5)


def check_talker_counts(rc, out, err, mine, theirs):
    assert rc == 0, (rc, err)
    assert "listening on any" in err, err
    u4 = re.findall(r"127\.0\.0\.1\.%d > 127\.0\.0\.1\.%d: UDP, length 9" % (mine[0], theirs[0]),
                    out)
    u6 = re.findall(r"::1\.%d > ::1\.%d: UDP, length 9" % (mine[1], theirs[1]), out)
    t4 = re.findall(r"127\.0\.0\.1\.%d > 127\.0\.0\.1\.%d: .*length 15" % (mine[2], theirs[2]),
                    out)
    t6 = re.findall(r"::1\.%d > ::1\.%d: .*length 15" % (mine[3], theirs[3]), out)
    # exactly what the program sent: nothing missed, nothing on lo twice
    assert (len(u4), len(u6), len(t4), len(t6)) == (TALK_U4, TALK_U6, TALK_T, TALK_T), \
        ((len(u4), len(u6), len(t4), len(t6)), err, out)


@case
def pid_without_i_sees_loopback():
    """--pid without -i captures on every interface, lo included: the
    program's packets over 127.0.0.1 and ::1 all appear, each once."""
    res = talk_without_i(lambda pid, mine: ["--pid", str(pid)])
    check_talker_counts(*res)


@case
def port_without_i_sees_loopback():
    """--port without -i: the same, following the owner of one of its ports."""
    res = talk_without_i(lambda pid, mine: ["--port", str(mine[0])])
    check_talker_counts(*res)


main()
