# SPDX-License-Identifier: BSD-2-Clause
"""--trace timelines, checked event by event against the expected sequence,
while unrelated TCP and UDP traffic (and ICMP errors that are not ours) runs
on lo at the same time and must not appear. Scenarios come from
tests/tools/tracedemo (real socket calls on the engine's API) and from the
wirecat commands once they have --trace. IP fragments are made on a veth pair
between two network namespaces that the test creates and removes."""
import os
import re
import shutil
import tempfile
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import (SLOW, Proc, Skip, case, free_port, have_ipv6, main, need,  # noqa: E402
                   need_root, recv_exact, run, tool, WIRECAT)

TD = tool("tracedemo")
TIMED = re.compile(r"^\s*(\d+\.\d{6})  (.*)$")
PRIV = "--trace needs root or CAP_NET_RAW and CAP_NET_ADMIN; continuing without the trace"
ACK = r"^[<>] ACK(\s|$)"
DATA = r"^[<>] \[[FP.]+\] seq \d+:\d+ len \d+(\s|$)"


class Chatter:
    """Unrelated traffic on lo for as long as it runs: UDP datagrams between
    two sockets, a TCP connection exchanging data, and UDP datagrams to a
    closed port (ICMP port unreachables that are not the trace's)."""

    def __init__(self, v6=False):
        self.fam = socket.AF_INET6 if v6 else socket.AF_INET
        self.host = "::1" if v6 else "127.0.0.1"
        self.stop = threading.Event()
        self.ports = set()
        self.count = 0
        self.u1 = socket.socket(self.fam, socket.SOCK_DGRAM)
        self.u1.bind((self.host, 0))
        self.u2 = socket.socket(self.fam, socket.SOCK_DGRAM)
        self.u2.bind((self.host, 0))
        self.u2.setblocking(False)
        self.ls = socket.socket(self.fam, socket.SOCK_STREAM)
        self.ls.bind((self.host, 0))
        self.ls.listen(4)
        self.closed_port = free_port(socket.SOCK_DGRAM)
        self.holds = []
        for s in (self.u1, self.u2, self.ls):
            self.ports.add(s.getsockname()[1])
            self._hold(s.getsockname()[1], s.type)
        self.ports.add(self.closed_port)
        self._hold(self.closed_port, socket.SOCK_DGRAM)
        self.t = threading.Thread(target=self._run, daemon=True)

    def _hold(self, port, used_by):
        """Binds the other protocol's socket to port, so that the test's own
        sockets never get the same number (TCP and UDP ports are apart, but
        the check below looks for the number)."""
        h = socket.socket(self.fam, socket.SOCK_STREAM if used_by == socket.SOCK_DGRAM
                          else socket.SOCK_DGRAM)
        try:
            h.bind((self.host, port))
            self.holds.append(h)
        except OSError:
            h.close()  # held by some other socket already

    def _run(self):
        c = socket.create_connection((self.host, self.ls.getsockname()[1]), timeout=5)
        a, _ = self.ls.accept()
        a.setblocking(False)
        self.ports.add(c.getsockname()[1])
        self._hold(c.getsockname()[1], socket.SOCK_STREAM)
        u3 = socket.socket(self.fam, socket.SOCK_DGRAM)
        u3.bind((self.host, 0))
        self.ports.add(u3.getsockname()[1])
        self._hold(u3.getsockname()[1], socket.SOCK_DGRAM)
        while not self.stop.is_set():
            try:
                self.u1.sendto(b"chatter", self.u2.getsockname()[:2])
                c.send(b"chatter-tcp")
                u3.sendto(b"nobody", (self.host, self.closed_port))
                self.count += 1
                try:
                    self.u2.recv(100)
                    a.recv(1000)
                except BlockingIOError:
                    pass
            except OSError:
                pass
            time.sleep(0.002)
        for s in (c, a, u3):
            s.close()

    def __enter__(self):
        self.t.start()
        wait_until(lambda: self.count > 5, "chatter to start")
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.t.join(5)
        for s in [self.u1, self.u2, self.ls] + self.holds:
            s.close()


def wait_until(pred, what, timeout=5):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.01)
    raise AssertionError("timed out waiting for " + what)


def timeline(err):
    """The trace's lines: [(time or None, text)], notes without a time."""
    out = []
    started = False
    for line in err.splitlines():
        m = TIMED.match(line)
        if m:
            started = True
            out.append((float(m.group(1)), m.group(2).rstrip()))
        elif started and line.startswith("             ") and line.strip():
            out.append((None, line.strip()))
        elif line.startswith("trace: "):
            out.append((None, line.strip()))
    return out


def check(err, expected, filler=(ACK,), forbidden_ports=()):
    """Checks the timeline against expected, a list of regexes (a leading '?'
    marks an optional one). Lines between them may only match filler.
    Returns the timeline."""
    tl = timeline(err)
    assert tl, "no timeline in stderr:\n" + err
    times = [t for t, _ in tl if t is not None]
    assert times == sorted(times), "times go backwards:\n" + err
    exp = [(e[1:], True) if e.startswith("?") else (e, False) for e in expected]
    i = 0
    for _, text in tl:
        j = i
        hit = None
        while j < len(exp):
            if re.search(exp[j][0], text):
                hit = j
                break
            if not exp[j][1]:
                break
            j += 1
        if hit is not None:
            i = hit + 1
            continue
        if any(re.search(f, text) for f in filler):
            continue
        raise AssertionError("unexpected line %r (expected %r) in the timeline:\n%s"
                             % (text, exp[i][0] if i < len(exp) else "the end", err))
    missing = [e for e, opt in exp[i:] if not opt]
    assert not missing, "missing %r in the timeline:\n%s" % (missing, err)
    for p in forbidden_ports:
        assert not re.search(r"[:\]]%d\b" % p, err), \
            "unrelated port %d in the timeline:\n%s" % (p, err)
    npk = len([1 for t, x in tl if t is not None and re.match(r"[<>] ", x)])
    m = re.search(r"trace: (\d+) packets of this command", err)
    assert m, err
    assert int(m.group(1)) >= npk, err
    return tl


def tracedemo(*args, timeout=20):
    p = subprocess.run([TD] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout * SLOW)
    out, err = p.stdout.decode(), p.stderr.decode()
    assert p.returncode == 0 and "tracedemo: done" in out, (p.returncode, out, err)
    return err


TCP = [r"^connect\(\)$",
       r"^> SYN +\S+:\d+ > \S+:\d+  \[state: SYN_SENT\]$",
       r"^< SYN-ACK$",
       r"^> ACK$",
       r"^connected \(handshake \d+\.\d\d ms\)   \[state: ESTABLISHED\]$",
       r"^write\(6\)$",
       r"^> \[P\.\] seq 1:7 len 6$",
       r"^< \[P\.\] seq 1:7 len 6$",
       r"^read\(\) = 6$",
       r"^shutdown\(SHUT_WR\)$",
       r"^> FIN +\[state: FIN_WAIT1\]$",
       r"?^< ACK +\[state: FIN_WAIT2\]$",
       r"^< FIN +\[state: TIME_WAIT\]$",
       r"^TIME_WAIT on this side \(it closed first\)",
       r"^peer closed: read\(\) = 0$",
       r"^close\(\)$",
       r"^trace: \d+ packets of this command, 6 calls, captured on lo$"]


def tcp_case(host):
    need_root()
    with Chatter(v6=":" in host) as ch:
        err = tracedemo("tcp", host)
    check(err, TCP, forbidden_ports=ch.ports)


@case
def tcp_v4():
    tcp_case("127.0.0.1")


@case
def tcp_v6():
    if not have_ipv6():
        raise Skip("no IPv6")
    tcp_case("::1")


@case
def refused_rst():
    need_root()
    port = free_port()
    with Chatter() as ch:
        err = tracedemo("refused", "127.0.0.1", str(port))
    check(err, [r"^connect\(\)$",
                r"^> SYN +127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d  \[state: SYN_SENT\]$" % port,
                r"^< RST +\[state: CLOSED\]$",
                r"^RST: nothing listens on 127\.0\.0\.1:%d, so connect\(\) fails with "
                r"ECONNREFUSED$" % port,
                r"^connect\(\) = -1 ECONNREFUSED$",
                r"^trace: 2 packets"], filler=(), forbidden_ports=ch.ports)


@case
def udp_icmp():
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with Chatter() as ch:
        err = tracedemo("udp", "127.0.0.1", str(port))
    check(err, [r"^sendto\(6\)$",
                r"^> UDP len 6 +127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d$" % port,
                r"^< ICMP port unreachable for the UDP packet 127\.0\.0\.1:\d+ > "
                r"127\.0\.0\.1:%d \(the datagram sent at \d+\.\d{6}\)$" % port,
                r"^nothing listens on 127\.0\.0\.1:%d \(UDP\).*ECONNREFUSED on the "
                r"socket's next call" % port,
                r"^recv\(\) = -1 ECONNREFUSED$",
                r"^trace: 2 packets"], filler=(), forbidden_ports=ch.ports)


@case
def udp_icmp_v6():
    need_root()
    if not have_ipv6():
        raise Skip("no IPv6")
    port = free_port(socket.SOCK_DGRAM, socket.AF_INET6)
    with Chatter(v6=True) as ch:
        err = tracedemo("udp", "::1", str(port))
    check(err, [r"^sendto\(6\)$",
                r"^> UDP len 6 +\[::1\]:\d+ > \[::1\]:%d$" % port,
                r"^< ICMPv6 port unreachable for the UDP packet \[::1\]:\d+ > "
                r"\[::1\]:%d \(the datagram sent at" % port,
                r"^nothing listens on \[::1\]:%d \(UDP\)" % port,
                r"^recv\(\) = -1 ECONNREFUSED$",
                r"^trace: 2 packets"], filler=(), forbidden_ports=ch.ports)


@case
def big_write_segments():
    need_root()
    with Chatter() as ch:
        err = tracedemo("bigwrite")
    check(err, [r"^connect\(\)$", r"^> SYN ", r"^< SYN-ACK$", r"^> ACK$", r"^connected ",
                r"^write\(70000\)$",
                r"^one 70000-byte write became \d+ segments",
                r"^close\(\)$",
                r"^> FIN +\[state: FIN_WAIT1\]$",
                r"?^< ACK +\[state: FIN_WAIT2\]$",
                r"^< FIN +\[state: TIME_WAIT\]$",
                r"^TIME_WAIT on this side",
                r"^trace: "], filler=(ACK, DATA), forbidden_ports=ch.ports)
    n = int(re.search(r"became (\d+) segments", err).group(1))
    # a retransmitted segment has its own line, labelled, and is not one of
    # the write's segments (nor counted twice in its bytes)
    seg = r"> \[[P.]+\] seq \d+:\d+ len (\d+)( \(retransmission\))?$"
    segs = re.findall(seg, err, flags=re.M)
    first = [int(ln) for ln, rexmit in segs if not rexmit]
    assert n >= 2 and len(first) == n, (n, segs, err)
    assert sum(first) == 70000, err


@case
def peer_closed_unread_rst():
    need_root()
    with Chatter() as ch:
        err = tracedemo("unread")
    check(err, [r"^connect\(\)$", r"^> SYN ", r"^< SYN-ACK$", r"^> ACK$", r"^connected ",
                r"^write\(6\)$",
                r"^> \[P\.\] seq 1:7 len 6$",
                r"^< RST +\[state: CLOSED\]$",
                r"^RST: the peer closed with unread data",
                r"^read\(\) = -1 ECONNRESET$",
                r"^close\(\)$",
                r"^trace: "], forbidden_ports=ch.ports)


@case
def without_privileges():
    """No capture rights: one line, and the job is still done."""
    need_root()  # to drop them
    setpriv = need("setpriv")
    port = free_port(socket.SOCK_DGRAM)
    p = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", "--bounding-set=-all", TD, "udp", "127.0.0.1",
                        str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=20 * SLOW)
    err = p.stderr.decode()
    assert p.returncode == 0 and b"tracedemo: done" in p.stdout, (p.returncode, p.stdout, err)
    assert err == "wirecat: " + PRIV + "\n", err


# ---- fragments, on a veth pair between two namespaces ------------------------


class Netns:
    """Two namespaces joined by a veth pair (MTU 1500): 10.201.N.1 and .2."""

    def __init__(self):
        tag = "%d-%d" % (os.getpid() % 100000, int(time.monotonic() * 1000) % 10000)
        self.a, self.b = "wtrA-" + tag, "wtrB-" + tag
        self.net = 10 + os.getpid() % 240
        self.ip_a, self.ip_b = "10.201.%d.1" % self.net, "10.201.%d.2" % self.net

    def sh(self, *args):
        subprocess.run(["ip"] + list(args), check=True, timeout=10,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def __enter__(self):
        try:
            self.sh("netns", "add", self.a)
            self.sh("netns", "add", self.b)
            self.sh("-n", self.a, "link", "add", "va", "mtu", "1500", "type", "veth", "peer",
                    "name", "vb", "mtu", "1500", "netns", self.b)
            self.sh("-n", self.a, "addr", "add", self.ip_a + "/24", "dev", "va")
            self.sh("-n", self.b, "addr", "add", self.ip_b + "/24", "dev", "vb")
            for ns, dev in ((self.a, "va"), (self.b, "vb")):
                self.sh("-n", ns, "link", "set", dev, "up")
                self.sh("-n", ns, "link", "set", "lo", "up")
        except Exception:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for ns in (self.a, self.b):
            subprocess.run(["ip", "netns", "del", ns], timeout=10,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@case
def udp_fragments():
    need_root()
    need("ip")
    with Netns() as ns:
        p = subprocess.run(["ip", "netns", "exec", ns.a, TD, "frag", ns.ip_b, "7777"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30 * SLOW)
        err = p.stderr.decode()
        assert p.returncode == 0, (p.returncode, p.stdout, err)
    a, b = re.escape(ns.ip_a), re.escape(ns.ip_b)
    check(err, [r"^sendto\(8000\)$",
                r"^> UDP len 8000 \(fragment 1\) +%s:\d+ > %s:7777$" % (a, b),
                r"^a 8000-byte datagram, larger than the MTU, left as 6 IP fragments",
                r"^< ICMP port unreachable for the UDP packet %s:\d+ > %s:7777 "
                r"\(the datagram sent at" % (a, b),
                r"^nothing listens on %s:7777" % b,
                r"^recv\(\) = -1 ECONNREFUSED$",
                r"^trace: 7 packets of this command, 2 calls, captured on va$"], filler=())


# The peer for the forced simultaneous close: in namespace B, accepts one
# connection, says "up"; on "fin" on stdin shuts its side (FIN) and says so;
# on stdin EOF closes.
CLOSER = r"""
import socket, sys
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], int(sys.argv[2]))); ls.listen(1)
print("listening", flush=True)
c, _ = ls.accept()
print("up", flush=True)
sys.stdin.readline()
c.shutdown(socket.SHUT_WR)
print("fin", flush=True)
sys.stdin.readline()
c.close()
"""


def ns_ss_state(ns, local, peer):
    p = subprocess.run(["ip", "netns", "exec", ns, "ss", "-Htan"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10, text=True)
    assert p.returncode == 0, p.stderr
    got = [f[0] for f in (l.split() for l in p.stdout.splitlines())
           if len(f) >= 5 and f[3] == local and f[4] == peer]
    assert len(got) <= 1, p.stdout
    return got[0] if got else None


def link_addr(ns, dev):
    p = subprocess.run(["ip", "-n", ns, "-o", "link", "show", dev], stdout=subprocess.PIPE,
                       timeout=10, text=True)
    m = re.search(r"link/ether ([0-9a-f:]{17})", p.stdout)
    assert m, p.stdout
    return m.group(1)


@case
def simultaneous_close_forced():
    """FINs that cross, for real, between two namespaces: a wrong neighbour
    entry makes wirecat's frames to the peer go to a MAC nobody has (the peer
    drops them), while the peer's frames still arrive. wirecat shuts its side
    (stdin EOF): its FIN is lost; the peer shuts its side 50 ms later: its
    FIN, which cannot acknowledge wirecat's, arrives. Then the neighbour entry
    is put right and wirecat's FIN is retransmitted and acknowledged. So:
    FIN_WAIT1 -> CLOSING -> TIME_WAIT, never CLOSE_WAIT, LAST_ACK or CLOSED;
    ss shows wirecat's socket, and the peer's, in TIME-WAIT."""
    need_root()
    need("ip")
    need("ss")
    with Netns() as ns:
        port = 7400 + os.getpid() % 500
        mac_b = link_addr(ns.b, "vb")
        peer = subprocess.Popen(["ip", "netns", "exec", ns.b, sys.executable, "-c", CLOSER,
                                 ns.ip_b, str(port)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        try:
            assert peer.stdout.readline().strip() == "listening"
            with Proc(["ip", "netns", "exec", ns.a, WIRECAT, "connect", "--trace", ns.ip_b,
                       str(port)], wirecat=False) as w:
                assert peer.stdout.readline().strip() == "up"
                w.wait_err(r"connected \(handshake", timeout=5)
                time.sleep(0.1)
                ns.sh("-n", ns.a, "neigh", "replace", ns.ip_b, "lladdr", "02:00:00:00:00:99",
                      "dev", "va", "nud", "permanent")
                w.close_stdin()
                time.sleep(0.05)
                peer.stdin.write("fin\n")
                peer.stdin.flush()
                assert peer.stdout.readline().strip() == "fin"
                ns.sh("-n", ns.a, "neigh", "replace", ns.ip_b, "lladdr", mac_b, "dev", "va",
                      "nud", "permanent")
                rc = w.wait(20)
                err = w.stderr_text()
            m = re.search(r"> SYN +%s:(\d+) > " % re.escape(ns.ip_a), err)
            assert m, err
            here, there = "%s:%s" % (ns.ip_a, m.group(1)), "%s:%d" % (ns.ip_b, port)
            deadline = time.monotonic() + 5 * SLOW
            while ns_ss_state(ns.b, there, here) != "TIME-WAIT" and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
            state_a, state_b = ns_ss_state(ns.a, here, there), ns_ss_state(ns.b, there, here)
            peer.stdin.close()
            peer.wait(10)
        finally:
            if peer.poll() is None:
                peer.kill()
                peer.wait(5)
    assert rc == 0, (rc, err)
    states = re.findall(r"\[state: ([A-Z_0-9]+)\]", err)
    assert states[-3:] == ["FIN_WAIT1", "CLOSING", "TIME_WAIT"], err
    assert not set(states) & {"CLOSE_WAIT", "LAST_ACK", "CLOSED"}, err
    assert "simultaneous close: the FINs crossed" in err, err
    assert (state_a, state_b) == ("TIME-WAIT", "TIME-WAIT"), (state_a, state_b, err)


# ---- the commands: wirecat connect / listen / echo / http --trace ----------


# the accept of a server's client, as listen -k and echo --trace write it
ACCEPT4 = re.compile(r"^ +[\d.]+  accept4\(\d+, SOCK_NONBLOCK\|SOCK_CLOEXEC\) = \d+ "
                     r"from 127\.0\.0\.1:\d+$", re.M)


class EchoServer:
    """A TCP server in a thread: echoes what it reads, closes after EOF."""

    def __init__(self):
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(4)
        self.ls.settimeout(10 * SLOW)
        self.port = self.ls.getsockname()[1]
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            c, _ = self.ls.accept()
        except OSError:
            return
        c.settimeout(10 * SLOW)
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        c.close()

    def close(self):
        self.ls.close()
        self.t.join(5)


@case
def connect_tcp_trace():
    need_root()
    srv = EchoServer()
    try:
        with Chatter() as ch:
            with Proc(["connect", "--trace", "127.0.0.1", str(srv.port)]) as p:
                p.send(b"hello\n")
                p.wait_out(b"hello\n", timeout=5)
                p.close_stdin()
                rc = p.wait(15)
                err = p.stderr_text()
    finally:
        srv.close()
    assert rc == 0, (rc, err)
    check(err, [r"^connect\(\d+, 127\.0\.0\.1:%d\) = 0$" % srv.port,
                r"^> SYN +127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d  \[state: SYN_SENT\]$" % srv.port,
                r"^< SYN-ACK$",
                r"^> ACK$",
                r"^connected \(handshake \d+\.\d\d ms\)   \[state: ESTABLISHED\]$",
                r"^send\(\d+, 6\) = 6$",
                r"^> \[P\.\] seq 1:7 len 6$",
                r"^< \[P\.\] seq 1:7 len 6$",
                r"^recv\(\d+, 262144\) = 6$",
                r"^stdin EOF$",
                r"^shutdown\(\d+, SHUT_WR\) = 0; stdin ended$",
                r"^> FIN +\[state: FIN_WAIT1\]$",
                r"?^< ACK +\[state: FIN_WAIT2\]$",
                r"^< FIN +\[state: TIME_WAIT\]$",
                r"^TIME_WAIT on this side \(it closed first\)",
                r"^recv\(\d+, 262144\) = 0; peer closed: the end of its data$",
                r"^close\(\d+\) = 0$",
                r"^trace: \d+ packets of this command, \d+ calls, captured on lo$"],
          forbidden_ports=ch.ports)


def last_state(err):
    """The last '[state: X]' of the timeline."""
    states = re.findall(r"\[state: ([A-Z_0-9]+)\]", err)
    assert states, "no state in the trace:\n" + err
    return states[-1]


def ss_state(local_port, peer_port):
    """The state `ss -tan` reports for 127.0.0.1:local_port <-> 127.0.0.1:peer_port
    ('TIME-WAIT', ...), or None when the kernel has no such socket."""
    need("ss")
    p = subprocess.run(["ss", "-Htan"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=10, text=True)
    assert p.returncode == 0, p.stderr
    found = None
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) >= 5 and f[3] == "127.0.0.1:%d" % local_port and \
                f[4] == "127.0.0.1:%d" % peer_port:
            assert found is None, "two sockets for one address pair:\n" + p.stdout
            found = f[0]
    return found


SS_NAME = {"TIME_WAIT": "TIME-WAIT", "CLOSED": None}


def no_send_after_closed(err):
    """No packet line says this side sent something once it was CLOSED."""
    closed = False
    for _, text in timeline(err):
        if "[state: CLOSED]" in text:
            closed = True
        elif closed and text.startswith("> "):
            raise AssertionError("sent after CLOSED: %r\n%s" % (text, err))


@case
def end_states_match_ss_active_close():
    """connect closes first (stdin EOF): the trace ends in TIME_WAIT, and ss
    shows its socket in TIME-WAIT and the server's socket gone."""
    need_root()
    srv = EchoServer()
    try:
        with Proc(["connect", "--trace", "127.0.0.1", str(srv.port)]) as p:
            p.send(b"hello\n")
            p.wait_out(b"hello\n", timeout=5)
            p.close_stdin()
            rc = p.wait(15)
            err = p.stderr_text()
    finally:
        srv.close()
    assert rc == 0, (rc, err)
    m = re.search(r"> SYN +127\.0\.0\.1:(\d+) > 127\.0\.0\.1:%d " % srv.port, err)
    assert m, err
    mine = int(m.group(1))
    assert last_state(err) == "TIME_WAIT", err
    assert ss_state(mine, srv.port) == SS_NAME[last_state(err)], \
        (ss_state(mine, srv.port), err)
    assert ss_state(srv.port, mine) is None


@case
def end_states_match_ss_passive_close():
    """The client closes first: listen's trace goes CLOSE_WAIT -> LAST_ACK ->
    CLOSED, its socket is gone in ss, and the client's is in TIME-WAIT."""
    need_root()
    with Proc(["listen", "-v", "--trace", "127.0.0.1", "0"]) as p:
        port = p.port()
        p.wait_err(r"listen\(\d+, 4096\) = 0; tcp")
        c = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
        mine = c.getsockname()[1]
        c.sendall(b"hi\n")
        p.wait_out(b"hi\n", timeout=5)
        c.close()
        # the client's FIN ends only its direction: listen closes at its
        # stdin's EOF (issue 8), after the FIN came in
        p.wait_err(r"peer closed \(FIN\)")
        p.close_stdin()
        rc = p.wait(15)
        err = p.stderr_text()
    assert rc == 0, (rc, err)
    states = re.findall(r"\[state: ([A-Z_0-9]+)\]", err)
    assert states[-3:] == ["CLOSE_WAIT", "LAST_ACK", "CLOSED"], err
    assert ss_state(port, mine) == SS_NAME[last_state(err)], (ss_state(port, mine), err)
    assert ss_state(mine, port) == "TIME-WAIT"


@case
def connect_refused_trace():
    need_root()
    port = free_port()
    with Chatter() as ch:
        rc, out, err = run(["connect", "--trace", "127.0.0.1", str(port)], timeout=15)
    err = err.decode()
    assert rc == 1 and "Connection refused" in err, (rc, err)
    # as `wirecat trace` shows a call (the failed socket's fd is not known)
    check(err, [r"^connect\(\?, 127\.0\.0\.1:%d\) = -1 ECONNREFUSED \(Connection refused\)$"
                % port,
                r"^> SYN +127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d  \[state: SYN_SENT\]$" % port,
                r"^< RST +\[state: CLOSED\]$",
                r"^RST: nothing listens on 127\.0\.0\.1:%d, so connect\(\) fails with "
                r"ECONNREFUSED$" % port,
                r"^trace: 2 packets"], filler=(), forbidden_ports=ch.ports)


@case
def connect_udp_icmp_trace():
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with Chatter() as ch:
        rc, out, err = run(["connect", "-u", "--trace", "127.0.0.1", str(port)],
                           input=b"hello\n", timeout=15)
    err = err.decode()
    assert rc == 1 and "port unreachable" in err, (rc, err)
    check(err, [r"^connect\(\d+, 127\.0\.0\.1:%d\) = 0$" % port,
                r"^send\(\d+, 6\) = 6$",
                r"^> UDP len 6 +127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d$" % port,
                r"^< ICMP port unreachable for the UDP packet 127\.0\.0\.1:\d+ > "
                r"127\.0\.0\.1:%d \(the datagram sent at \d+\.\d{6}\)$" % port,
                r"^nothing listens on 127\.0\.0\.1:%d \(UDP\)" % port,
                r"?^stdin EOF$",
                r"^recv\(\d+, 65536\) = -1 ECONNREFUSED \(Connection refused\); the ICMP "
                r"error above$",
                r"^close\(\d+\) = 0$",
                r"^trace: 2 packets"],
          filler=(r"^stdin EOF$",), forbidden_ports=ch.ports)


@case
def listen_tcp_trace():
    need_root()
    with Chatter() as ch:
        with Proc(["listen", "-v", "--trace", "127.0.0.1", "0"]) as p:
            port = p.port()
            p.wait_err(r"listen\(\d+, 4096\) = 0; tcp")
            c = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
            c.sendall(b"hi\n")
            p.wait_out(b"hi\n", timeout=5)
            c.close()
            p.wait_err(r"peer closed: the end")
            p.close_stdin()  # the peer's FIN ends only its direction
            rc = p.wait(15)
            err = p.stderr_text()
    assert rc == 0, (rc, err)
    tl = check(err, [r"^bind\(\d+, 127\.0\.0\.1:%d\) = 0$" % port,
                     r"^listen\(\d+, 4096\) = 0; tcp$",
                     r"^< SYN +127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d  \[state: SYN_RECV\]$" % port,
                     r"^> SYN-ACK$",
                     r"^< ACK$",
                     r"^accepted \(handshake \d+\.\d\d ms\)   \[state: ESTABLISHED\]$",
                     r"^accept\(\d+\) = \d+ from 127\.0\.0\.1:\d+$",
                     r"^close\(\d+\) = 0; one connection, like nc -l$",
                     r"^recv\(\d+, 262144\) = 3$",
                     r"^< FIN +\[state: CLOSE_WAIT\]$",
                     r"^the peer closed its side",
                     r"^recv\(\d+, 262144\) = 0; peer closed: the end of its data$",
                     r"^shutdown\(\d+, SHUT_WR\) = 0; stdin ended$",
                     r"^> FIN +\[state: LAST_ACK\]$",
                     r"?^close\(\d+\) = 0$",
                     r"^< ACK +\[state: CLOSED\]$",
                     r"?^close\(\d+\) = 0$",
                     r"^closed; the peer closed first, so the TIME_WAIT is on its side$",
                     r"?^close\(\d+\) = 0$",
                     r"^trace: "],
               filler=(ACK, r"^< \[P\.\] seq 1:4 len 3$", r"^stdin EOF$"),
               forbidden_ports=ch.ports)
    assert any(x == "< [P.] seq 1:4 len 3" for _, x in tl), err


@case
def listen_keep_open_trace():
    """listen -k: each client's recv(), the reply send() from stdin and the
    FIN sent when stdin ends are on the timeline with their packets."""
    need_root()
    with Chatter() as ch:
        with Proc(["listen", "-k", "-v", "--trace", "127.0.0.1", "0"]) as p:
            port = p.port()
            p.wait_err(r"listen\(\d+, 4096\) = 0; tcp")
            c = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
            p.wait_err(r"connection from 127\.0\.0\.1")
            c.sendall(b"hi\n")
            p.wait_out(b"hi\n", timeout=5)
            p.send(b"yo\n")
            assert recv_exact(c, 3) == b"yo\n"
            p.close_stdin()
            c.settimeout(5 * SLOW)
            assert c.recv(10) == b""  # the FIN sent because stdin ended
            c.close()
            p.wait_err(r"recv\(\d+, 65536\) = 0; peer closed")
            time.sleep(0.5 * SLOW)
            p.signal(signal.SIGINT)
            rc = p.wait(15)
            err = p.stderr_text()
    assert rc == 0, (rc, err)
    check(err, [r"^bind\(\d+, 127\.0\.0\.1:%d\) = 0$" % port,
                r"^listen\(\d+, 4096\) = 0; tcp$",
                r"^< SYN +127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d  \[state: SYN_RECV\]$" % port,
                # the data may come before accept() returns: its place is not fixed
                r"?^accept4\(\d+, SOCK_NONBLOCK\|SOCK_CLOEXEC\) = \d+ from 127\.0\.0\.1:\d+$",
                r"^< \[P\.\] seq 1:4 len 3$",
                r"^recv\(\d+, 65536\) = 3$",
                r"^send\(\d+, 3\) = 3$",
                r"^> \[P\.\] seq 1:4 len 3$",
                r"^shutdown\(\d+, SHUT_WR\) = 0; stdin ended$",
                r"^> FIN +\[state: FIN_WAIT[12]\]$",
                r"^recv\(\d+, 65536\) = 0; peer closed: the end of its data$",
                r"^close\(\d+\) = 0$",
                r"^trace: "],
          filler=(ACK, r"^stdin EOF", r"."), forbidden_ports=ch.ports)
    assert ACCEPT4.search(err), err


@case
def echo_trace():
    need_root()
    with Chatter() as ch:
        with Proc(["echo", "-v", "--trace", "127.0.0.1", "0"]) as p:
            port = p.port()
            p.wait_err(r"bind\(\d+, 127\.0\.0\.1:%d\) = 0; udp" % port)
            c = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
            c.sendall(b"hi\n")
            assert c.recv(10) == b"hi\n"
            c.close()
            p.wait_err(r"closed \(FIN\)")
            time.sleep(0.1)
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.settimeout(5 * SLOW)
            u.sendto(b"udp!", ("127.0.0.1", port))
            assert u.recv(10) == b"udp!"
            time.sleep(0.5)
            p.signal(signal.SIGINT)
            rc = p.wait(15)
            err = p.stderr_text()
            u.close()
    assert rc == 0, (rc, err)
    any_line = (r".",)
    check(err, [r"^bind\(\d+, 127\.0\.0\.1:%d\) = 0$" % port,
                r"^listen\(\d+, 4096\) = 0; tcp$",
                r"^bind\(\d+, 127\.0\.0\.1:%d\) = 0; udp$" % port,
                r"^< SYN +127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d  \[state: SYN_RECV\]$" % port,
                r"^> SYN-ACK$",
                r"^accepted \(handshake",
                # the data may come before accept() returns: its place is not fixed
                r"?^accept4\(\d+, SOCK_NONBLOCK\|SOCK_CLOEXEC\) = \d+ from 127\.0\.0\.1:\d+$",
                r"^< \[P\.\] seq 1:4 len 3$",
                r"^recv\(\d+, 65536\) = 3$",
                r"^send\(\d+, 3\) = 3$",
                r"^> \[P\.\] seq 1:4 len 3$",
                r"^< FIN +\[state: CLOSE_WAIT\]$",
                r"^recv\(\d+, 65536\) = 0; peer closed: the end of its data$",
                r"^close\(\d+\) = 0$",
                r"^> FIN +(127\.0\.0\.1:%d > 127\.0\.0\.1:\d+)?  \[state: LAST_ACK\]$" % port,
                r"^< ACK +\[state: CLOSED\]$",
                r"^< UDP len 4 +127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d$" % port,
                r"^recvmmsg\(\d+, \d+ messages\) = 1 from 127\.0\.0\.1:\d+; "
                r"a datagram of 4 bytes$",
                r"^sendmmsg\(\d+, 1 messages\) = 1 to 127\.0\.0\.1:\d+; a datagram of 4 bytes$",
                r"^> UDP len 4( +127\.0\.0\.1:%d > 127\.0\.0\.1:\d+)?$" % port,
                r"^trace: "], filler=any_line, forbidden_ports=ch.ports)
    assert ACCEPT4.search(err), err


@case
def http_trace():
    need_root()
    import http.server

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    port = srv.server_address[1]
    try:
        with Chatter() as ch:
            rc, out, err = run(["http", "--trace", "http://127.0.0.1:%d/" % port], timeout=20)
    finally:
        srv.shutdown()
        srv.server_close()
    err = err.decode()
    assert rc == 0, (rc, err)
    check(err, [r"^connect\(\d+, 127\.0\.0\.1:%d\) = 0$" % port,
                r"^> SYN +127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d  \[state: SYN_SENT\]$" % port,
                r"^< SYN-ACK$",
                r"^> ACK$",
                r"^connected \(handshake",
                r"^send\(\d+, \d+\) = \d+; the request: GET / HTTP/1\.1$",
                r"^> \[P\.\] seq 1:\d+ len \d+$",
                r"^recv\(\d+, \d+\) = \d+$",
                r"^the response: HTTP/1\.[01] 200 OK$",
                r"^close\(\d+\) = 0$",
                r"^trace: "], filler=(ACK, DATA, r"^recv\(\d+, \d+\) = \d+", r"^[<>] FIN", r"^TIME_WAIT on", r"^\* ",
                                      r"^closed; the peer", r"^the peer closed",
                                      r"^simultaneous close: the FINs crossed"),
          forbidden_ports=ch.ports)
    # the server (HTTP/1.0) closes as the client does: the FINs often cross,
    # and the capture on lo may see the server's first. Whatever the order,
    # nothing is sent after CLOSED and the end state is what ss reports.
    no_send_after_closed(err)
    m = re.search(r"> SYN +127\.0\.0\.1:(\d+) > ", err)
    assert m, err
    assert ss_state(int(m.group(1)), port) == SS_NAME[last_state(err)], \
        (ss_state(int(m.group(1)), port), err)


@case
def http_trace_ignores_other_clients_of_the_server():
    """http --trace follows its own socket: another client talking to the
    same server port during the transfer does not appear on the timeline."""
    need_root()
    import http.server

    other_port = []

    class Slow(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path == "/slow":
                # while wirecat waits, another client of this server talks
                o = socket.create_connection(("127.0.0.1", self.server.server_address[1]),
                                             timeout=5 * SLOW)
                other_port.append(o.getsockname()[1])
                o.sendall(b"GET /fast HTTP/1.0\r\n\r\n")
                while o.recv(4096):
                    pass
                o.close()
            body = b"ok\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    port = srv.server_address[1]
    try:
        rc, out, err = run(["http", "--trace", "http://127.0.0.1:%d/slow" % port], timeout=20)
    finally:
        srv.shutdown()
        srv.server_close()
    err = err.decode()
    assert rc == 0 and out == b"ok\n", (rc, out, err)
    assert other_port, "the other client never ran"
    assert ":%d " % other_port[0] not in err and ":%d\n" % other_port[0] not in err, err
    # exactly one handshake: the other client's SYN is not on the timeline
    tl = timeline(err)
    assert sum(1 for _, x in tl if x.startswith("> SYN ") or x.startswith("< SYN ")) == 1, err


@case
def connect_trace_without_privileges():
    need_root()  # to drop them
    setpriv = need("setpriv")
    srv = EchoServer()
    try:
        p = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                            "--inh-caps=-all", "--bounding-set=-all", WIRECAT, "connect",
                            "--trace", "127.0.0.1", str(srv.port)], input=b"hello\n",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20 * SLOW)
    finally:
        srv.close()
    err = p.stderr.decode()
    assert p.returncode == 0 and p.stdout == b"hello\n", (p.returncode, p.stdout, err)
    assert err == "wirecat: " + PRIV + "\n", err


@case
def help_mentions_trace():
    for cmd in ("connect", "listen", "echo", "http"):
        rc, out, err = run([cmd, "--help"])
        assert rc == 0 and b"--trace" in out, (cmd, out)


@case
def connect_and_listen_trace_pcap():
    """--trace-pcap FILE on connect and listen (-w is --wait there): the
    timeline as --trace, and the packets in FILE as pcapng, read back with
    tshark: the SYN's comment names the connect, the data segment's the
    send, the FIN's the shutdown; the listener's SYN names its socket."""
    need_root()
    need("tshark")
    d = tempfile.mkdtemp(prefix="wtpcap")
    lp, cp = os.path.join(d, "l.pcapng"), os.path.join(d, "c.pcapng")
    port = free_port()
    try:
        with Proc(["listen", "--trace-pcap", lp, "127.0.0.1", str(port)],
                  stdin=subprocess.DEVNULL) as srv:
            wait_until(lambda: "listen(" in srv.stderr_text(), "the listener")
            rc, out, err = run(["connect", "--trace-pcap", cp, "127.0.0.1", str(port)],
                               input=b"hello\n", timeout=15)
            assert rc == 0, (rc, err)
            assert srv.wait(15) == 0, srv.stderr_text()
            assert srv.stdout_bytes() == b"hello\n", srv.stdout_bytes()
        assert re.search(r"^\s*\d+\.\d{6}  connect\(", err.decode(), re.M), err
        for path, want in ((cp, [(r"S", r"connect\(\d+, 127\.0\.0\.1:%d\) = 0" % port),
                                 (r"P", r'send\(\d+, 6\) = 6'),
                                 (r"F", r"shutdown\(\d+, SHUT_WR\)")]),
                           (lp, [(r"S", r"to pid %d \(wirecat\) fd \d+" % srv.p.pid)])):
            rows = pcap_rows(path)
            assert len(rows) >= 6, rows
            for flag, rx in want:
                assert any(flag in r[0] and re.search(rx, r[-1]) for r in rows), \
                    (path, flag, rx, rows)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def pcap_rows(path):
    """(tcp flags, comment) of each packet of a pcapng file, read by tshark."""
    t = subprocess.run([need("tshark"), "-r", path, "-T", "fields", "-e", "tcp.flags.str",
                        "-e", "frame.comment"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30 * SLOW)
    assert t.returncode == 0, t.stderr
    return [ln.split("\t") for ln in t.stdout.decode().splitlines()]


@case
def echo_and_http_trace_pcap():
    """--trace-pcap FILE on echo and http (-w is --write-out there), read
    back with tshark: echo's reply segment names its send(), its FIN its
    close(); http's SYN names the connect() and the request its send()."""
    need_root()
    need("tshark")
    import http.server

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    d = tempfile.mkdtemp(prefix="wtpcap")
    ep, hp = os.path.join(d, "e.pcapng"), os.path.join(d, "h.pcapng")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        with Proc(["echo", "-v", "-t", "--trace-pcap", ep, "127.0.0.1", "0"]) as p:
            port = p.port()
            p.wait_err(r"listen\(\d+, \d+\) = 0")
            c = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
            c.sendall(b"hi\n")
            assert c.recv(10) == b"hi\n"
            c.close()
            p.wait_err(r"close\(\d+\) = 0")
            time.sleep(0.5)
            p.signal(signal.SIGINT)
            assert p.wait(15) == 0, p.stderr_text()
        hport = srv.server_address[1]
        rc, out, err = run(["http", "--trace-pcap", hp, "http://127.0.0.1:%d/" % hport],
                           timeout=20)
        assert rc == 0, (rc, err)
        erows, hrows = pcap_rows(ep), pcap_rows(hp)
    finally:
        srv.shutdown()
        srv.server_close()
        shutil.rmtree(d, ignore_errors=True)
    for rows, want in ((erows, [("P", r"send\(\d+, 3\) = 3"), ("F", r"close\(\d+\) = 0"),
                                ("S", r"to pid \d+ \(wirecat\) fd \d+")]),
                       (hrows, [("S", r"connect\(\d+, 127\.0\.0\.1:%d\) = 0" % hport),
                                ("P", r"send\(\d+, \d+\) = \d+")])):
        assert len(rows) >= 6, rows
        for flag, rx in want:
            assert any(flag in r[0] and re.search(rx, r[-1]) for r in rows), (flag, rx, rows)


@case
def https_trace_shows_the_tls_reads_and_writes():
    """http --trace over TLS against a local openssl s_server (a certificate
    made for the test): the reads and writes OpenSSL makes on the socket are
    calls on the timeline, with their sizes: the ClientHello's write before
    its segment, the ServerHello read after its segment, the encrypted
    request written, the response read, then the close."""
    need_root()
    openssl = need("openssl")
    d = tempfile.mkdtemp(prefix="wttls")
    key, cert = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
    try:
        g = subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
                            cert, "-subj", "/CN=localhost", "-days", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30 * SLOW)
        assert g.returncode == 0, g.stderr
        port = free_port()
        with Proc([openssl, "s_server", "-accept", "127.0.0.1:%d" % port, "-cert", cert,
                   "-key", key, "-www"], wirecat=False) as srv:
            wait_until(lambda: b"ACCEPT" in srv.stdout_bytes() + srv.stderr_text().encode(),
                       "s_server", timeout=10)
            rc, out, err = run(["http", "--trace", "-k", "https://127.0.0.1:%d/" % port],
                               timeout=20)
            srv.signal(signal.SIGTERM)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    err = err.decode()
    assert rc == 0 and b"200 ok" in out.lower() + err.encode().lower(), (rc, out, err)
    ev = [m.group(2) for m in (TIMED.match(ln) for ln in err.splitlines()) if m]
    calls = [e for e in ev if re.match(r"^(read|write)\(\d+, \d+\) = ", e)]
    at = {}
    for name, rx in (("connect", r"^connect\(\d+, 127\.0\.0\.1:%d\) = 0$" % port),
                     ("hello_w", r"^write\(\d+, \d+\) = \d+; TLS records made by OpenSSL$"),
                     ("hello_p", r"^> \[P\.\] seq 1:\d+ len \d+, TLS Handshake ClientHello"),
                     ("shello_p", r"^< \[P\.\] seq 1:\d+ len \d+, TLS Handshake ServerHello"),
                     ("shello_r", r"^read\(\d+, 5\) = 5; a TLS record's header"),
                     ("request", r"^write\(\d+, \d+\) = \d+; TLS records, the request "
                                 r"encrypted: GET / HTTP/1\.1$"),
                     ("close", r"^close\(\d+\) = 0$")):
        i = next((k for k, e in enumerate(ev) if re.search(rx, e) and k > max(at.values(),
                                                                              default=-1)), None)
        assert i is not None, (name, rx, "\n".join(ev))
        at[name] = i
    sizes = [re.match(r"^(read|write)\(\d+, \d+\) = (\d+)", e) for e in calls]
    w = [int(m.group(2)) for m in sizes if m and m.group(1) == "write"]
    r = [int(m.group(2)) for m in sizes if m and m.group(1) == "read"]
    # the ClientHello, the client's Finished, the request: at least 3 writes;
    # the bytes read are at least the server's flight and the response
    assert len(w) >= 3 and len(r) >= 3 and sum(r) > 1000, calls
    hello = re.search(r"len (\d+), TLS Handshake ClientHello", ev[at["hello_p"]])
    assert int(hello.group(1)) == int(re.search(r"= (\d+);", ev[at["hello_w"]]).group(1)), ev


main()
