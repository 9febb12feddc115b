# SPDX-License-Identifier: BSD-2-Clause
"""wirecat trace -- PROGRAM and -p PID: the lecture's programs
(tests/net/lecture/) run under the tracer. Each case checks that the
program's output and exit status are unchanged, that the timeline holds its
socket calls, decoded, in order (and, as root, the packets they caused
between them), and the notes a learner needs. All traffic is on 127.0.0.1."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import (SLOW, Proc, Skip, case, free_port, main, need, need_root,  # noqa: E402
                   tool, wait_for, WIRECAT)

HERE = os.path.dirname(os.path.abspath(__file__))
LECTURE = os.path.join(HERE, "lecture")
# A real interpreter (not a shell shim), readable by nobody for the
# no-privilege case.
PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
ROOT = os.geteuid() == 0
NOPKT = ("wirecat: trace: packets are not shown: capturing them needs root or CAP_NET_RAW and "
         "CAP_NET_ADMIN (sudo setcap cap_net_raw,cap_net_admin+eip $(command -v wirecat)); "
         "the calls are traced")
TIMED = re.compile(r"^\s*\d+\.\d{6}  (.*)$")
DUR = r"( \(\d+\.\d ms\)| \(blocked \d+\.\d s\))?$"  # how long a call took, when > 1 ms


def lecture(name):
    return os.path.join(LECTURE, name)


def lines(timeline):
    """The timeline's event texts (the time stripped)."""
    out = []
    for ln in timeline.splitlines():
        m = TIMED.match(ln)
        if m:
            out.append(m.group(1))
    return out


def in_order(events, patterns):
    """Asserts that each regex matches an event after the previous one's;
    returns the matched events."""
    at, got = 0, []
    for pat in patterns:
        rx = re.compile(pat)
        for i in range(at, len(events)):
            if rx.search(events[i]):
                got.append(events[i])
                at = i + 1
                break
        else:
            raise AssertionError("no %r after event %d in:\n%s" % (pat, at, "\n".join(events)))
    return got


def trace(args, timeout=30, opts=(), pre=()):
    """Runs PY args under wirecat trace -o FILE; returns (CompletedProcess,
    timeline text)."""
    fd, path = tempfile.mkstemp(prefix="wtrace")
    os.close(fd)
    os.chmod(path, 0o666)  # the no-privilege case writes it as nobody
    try:
        p = subprocess.run(list(pre) + [WIRECAT, "trace", "-o", path] + list(opts) + ["--", PY]
                           + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout * SLOW)
        with open(path, errors="replace") as f:
            return p, f.read()
    finally:
        os.unlink(path)


def untraced(args, timeout=30):
    return subprocess.run([PY] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout * SLOW)


def stdout_re(p, rx, timeout=10):
    """Waits until p's stdout matches rx (bytes); returns the match."""
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        m = re.search(rx, p.stdout_bytes())
        if m:
            return m
        if p.p.poll() is not None:
            break
        time.sleep(0.02)
    raise AssertionError("stdout %r never matched %r; stderr %r"
                         % (p.stdout_bytes(), rx, p.stderr_text()[-800:]))


def pkt(rx):
    """A packet line pattern, only checked when packets can be captured."""
    return rx if ROOT else None


def order(events, patterns):
    return in_order(events, [p for p in patterns if p is not None])


@case
def echo_server_and_client():
    """The lecture's TCP echo server and its client, each traced: the calls
    in order with their data; as root the handshake between connect and
    accept, the data segments after the sends."""
    srv = Proc(["trace", "--", PY, lecture("tcp_echo_server.py")])
    with srv:
        port = int(stdout_re(srv, rb"listening on (\d+)\n").group(1))
        cp, tl = trace([lecture("tcp_echo_client.py"), str(port), "hello"])
        assert cp.returncode == 0, (cp.returncode, cp.stderr)
        assert cp.stdout == b"reply: hello\n", cp.stdout
        rc = srv.wait(20)
        assert rc == 0, (rc, srv.stderr_text())
        assert srv.stdout_bytes() == b"listening on %d\necho" % port + b"ed 6 bytes\n"
        client = lines(tl)
        order(client, [r"\] socket\(AF_INET, SOCK_STREAM\|SOCK_CLOEXEC, 0\) = (\d+)" + DUR,
                       r"\] connect\(\d+, 127\.0\.0\.1:%d\) = 0" % port,
                       pkt(r"^> SYN\s"), pkt(r"^< SYN-ACK"), pkt(r"^> ACK"),
                       r'\] send\(\d+, 6\) = 6 "hello\\n"' + DUR,
                       pkt(r"^> \[P\.\] seq 1:7 len 6"),
                       r'\] recv\(\d+, 20\) = 6 "hello\\n"',
                       r"\] close\(\d+\) = 0",
                       r"\] exited with status 0$"])
        server = lines(srv.stderr_text())
        order(server, [r"\] socket\(AF_INET, SOCK_STREAM", r"setsockopt\(\d+, SOL_SOCKET, "
                       r"SO_REUSEADDR, 1\) = 0", r"\] bind\(\d+, 127\.0\.0\.1:0\) = 0",
                       r"\] listen\(\d+, 5\) = 0",
                       pkt(r"^< SYN\s"),
                       r"\] poll\(\[\d+ IN\], 1, 30000 ms\) = 1 \(",  # settimeout: poll blocks
                       r"\] accept4?\(\d+(, SOCK_CLOEXEC)?\) = \d+ from 127\.0\.0\.1:\d+",
                       r'\] recv\(\d+, 20\) = 6 "hello\\n"',
                       r'\] send\(\d+, 6\) = 6 "hello\\n"', r"\] exited with status 0"])
        if ROOT:
            assert srv.stderr_text().count("trace: ") >= 1
        else:
            assert NOPKT in srv.stderr_text()


@case
def udp_to_nobody_icmp():
    """UDP to a port where nothing listens: the unconnected sendto hears
    nothing; the connected socket's next send fails with ECONNREFUSED, tied
    to the ICMP error; as root the ICMP port unreachable is on the line."""
    port = free_port(socket.SOCK_DGRAM)
    args = [lecture("udp_send_nobody.py"), str(port)]
    ref = untraced(args)
    cp, tl = trace(args)
    assert cp.returncode == ref.returncode == 0, (cp.returncode, cp.stderr)
    assert cp.stdout == ref.stdout == b"sendto: no error\nconnected send: ECONNREFUSED\n", \
        cp.stdout
    ev = lines(tl)
    order(ev, [r'\] sendto\(\d+, 13, 127\.0\.0\.1:%d\) = 13 "anyone there\?"' % port,
               pkt(r"^> UDP len 13"), pkt(r"^< ICMP port unreachable"),
               r"\] connect\(\d+, 127\.0\.0\.1:%d\) = 0" % port,
               r'\] send\(\d+, 13\) = 13', pkt(r"^< ICMP port unreachable"),
               r"\] send\(\d+, 5\) = -1 ECONNREFUSED \(Connection refused\); an earlier "
               r"datagram drew an ICMP port unreachable"])


@case
def udp_buffer_too_small():
    """A 2000-byte datagram into recvfrom(1024): the program still gets
    1024 (the tracer's MSG_TRUNC is invisible to it) and the line says how
    many bytes the kernel discarded."""
    rcv = Proc(["trace", "--", PY, lecture("udp_recv_small.py")])
    with rcv:
        m = stdout_re(rcv, rb"port (\d+)\n")
        time.sleep(0.3 * SLOW)  # let it block in recvfrom
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x" * 2000, ("127.0.0.1", int(m.group(1))))
        s.close()
        assert rcv.wait(20) == 0, rcv.stderr_text()
        assert rcv.stdout_bytes().endswith(b"\ngot 1024 bytes\n"), rcv.stdout_bytes()
        order(lines(rcv.stderr_text()),
              [r"\] bind\(\d+, 127\.0\.0\.1:0\) = 0", pkt(r"^< UDP len 2000"),
               r"\] poll\(\[\d+ IN\], 1, 30000 ms\) = 1 \(\d+\.\d ms\)",  # it blocked here
               r'\] recvfrom\(\d+, 1024\) = 1024 "x{32}"\.\.\. from 127\.0\.0\.1:\d+'
               r"(.*); MSG_TRUNC: datagram was 2000 bytes, 976 discarded$"])


def serve_clients(port, n):
    """n clients of an echo server: each sends 'client I' and reads it back."""
    for i in range(n):
        c = socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
        msg = b"client %d\n" % i
        c.sendall(msg)
        got = b""
        while len(got) < len(msg):
            b = c.recv(64)
            if not b:
                break
            got += b
        assert got == msg, (got, msg)
        c.close()


def server_case(prog, n, cmd=None):
    p = Proc(["trace", "--"] + (cmd or [PY, lecture(prog)]) + [str(n)])
    with p:
        m = stdout_re(p, rb"port (\d+)\n")
        serve_clients(int(m.group(1)), n)
        assert p.wait(30) == 0, p.stderr_text()
        return p.stdout_bytes(), lines(p.stderr_text())


@case
def forking_server():
    """A forking server: each child is labelled with its own pid, its
    recv/send on the accepted socket are traced; the status is the parent's."""
    out, ev = server_case("fork_server.py", 3)
    assert out.endswith(b"served 3 clients, children ok\n"), out
    forks = [e for e in ev if "new process (fork from" in e]
    assert len(forks) == 3, "\n".join(ev)
    kids = {re.match(r"\[(\d+) ", f).group(1) for f in forks}
    for k in kids:
        order(ev, [r"^\[%s python3\] new process" % k,
                   r'^\[%s python3\] recv\(\d+, 20\) = 9 "client \d\\n"' % k,
                   r'^\[%s python3\] send\(\d+, 9\) = 9' % k,
                   r"^\[%s python3\] exited with status 0" % k])
    assert sum(1 for e in ev if re.search(r"\] accept4?\(", e)) == 3


@case
def threaded_server():
    """A threaded server: the threads' calls are labelled pid/tid."""
    out, ev = server_case("thread_server.py", 3)
    assert out.endswith(b"served 3 clients\n"), out
    tids = set()
    for e in ev:
        m = re.match(r'^\[(\d+)/(\d+) python3\] recv\(\d+, 20\) = 9 "client \d\\n"', e)
        if m:
            tids.add(m.group(2))
    assert len(tids) == 3, "\n".join(ev)


@case
def c_forking_and_threaded_server():
    """The same servers in C (tests/tools/lecture_server.c): a child per
    client (its accept4, recv and send under its own pid), then a thread per
    client (labelled pid/tid)."""
    srv = tool("lecture_server")
    if not os.access(srv, os.X_OK):
        raise Skip("tests/tools/lecture_server is not built")
    # a sanitizer build's leak checker cannot run under ptrace: off in the program
    env = [need("env"), "ASAN_OPTIONS=detect_leaks=0"]
    out, ev = server_case(None, 2, env + [srv, "fork"])
    assert out.endswith(b"served 2\n"), out
    kids = {re.match(r"\[(\d+) ", e).group(1) for e in ev if "new process (fork from" in e}
    assert len(kids) == 2, "\n".join(ev)
    for k in kids:
        order(ev, [r'^\[%s lecture_server\] recv\(\d+, 20\) = 9 "client \d\\n"' % k,
                   r'^\[%s lecture_server\] send\(\d+, 9\) = 9 "client \d\\n"' % k,
                   r"^\[%s lecture_server\] exited with status 0" % k])
    assert sum(1 for e in ev if re.search(r"\] accept4\(\d+, SOCK_CLOEXEC\) = \d+", e)) == 2
    out, ev = server_case(None, 2, env + [srv, "thread"])
    assert out.endswith(b"served 2\n"), out
    tids = {m.group(1) for m in (re.match(r'^\[\d+/(\d+) lecture_server\] recv\(\d+, 20\) = 9', e)
                                 for e in ev) if m}
    assert len(tids) == 2, "\n".join(ev)


@case
def abs_time():
    """-T: wall-clock times on every line but the closing one (here without
    a capture)."""
    cp, tl = trace(["-c", "import socket; socket.socket()"], opts=["-T", "--no-packets"])
    assert cp.returncode == 0, cp.stderr
    stamped = [ln for ln in tl.splitlines() if re.match(r"^\d\d:\d\d:\d\d\.\d{6}  \[\d+ ", ln)]
    rest = [ln for ln in tl.splitlines() if ln not in stamped]
    assert len(stamped) >= 3 and rest == ["trace: 2 socket calls in 1 process"], tl


@case
def eaddrinuse_who_holds_the_port():
    """EADDRINUSE says what holds the port: the process's own listener (its
    pid and name), then, once no socket does, a connection in TIME_WAIT."""
    args = [lecture("bind_in_use.py")]
    ref = untraced(args)
    cp, tl = trace(args, opts=["--no-packets"])
    assert cp.returncode == ref.returncode == 0, (cp.returncode, cp.stderr)
    assert cp.stdout == ref.stdout == (b"listener: bind: Address already in use\n"
                                       b"time_wait: bind: Address already in use\n"), cp.stdout
    ev = lines(tl)
    m = re.match(r"\[(\d+) ", ev[-1])
    assert m, ev
    order(ev, [r"\] bind\(\d+, 127\.0\.0\.1:(\d+)\) = -1 EADDRINUSE \(Address already in use\); "
               r"port \d+ is held by a socket of pid %s \(python3\)$" % m.group(1),
               r"\] bind\(\d+, 127\.0\.0\.1:(\d+)\) = -1 EADDRINUSE .*; no process holds port "
               r"\d+: a TIME_WAIT connection does"])


@case
def killed_by_signal():
    """A program killed by SIGKILL: wirecat says so and exits 128+9."""
    cp, tl = trace(["-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"])
    assert cp.returncode == 137, (cp.returncode, cp.stderr)
    assert b"was killed by signal 9 (SIGKILL); exit status 137" in cp.stderr, cp.stderr
    assert "killed by signal 9 (SIGKILL)" in tl


@case
def exit_status_and_exec():
    """The program's own exit status passes through; a program that execs
    another is followed into it, labelled with the new name."""
    cp, tl = trace(["-c", "import os; os.execv(%r, [%r, '-c', 'import sys, socket; "
                    "socket.socket(); print(\"after exec\"); sys.exit(7)'])" % (PY, PY)])
    assert cp.returncode == 7, (cp.returncode, cp.stderr)
    assert cp.stdout == b"after exec\n", cp.stdout
    ev = lines(tl)
    order(ev, [r"^\[\d+ python3\] started: %s -c import os" % re.escape(PY),
               r"\] exec: now running python3",
               r"\] socket\(AF_INET, SOCK_STREAM\|SOCK_CLOEXEC, 0\) = \d+",
               r"\] exited with status 7"])


@case
def signals_reach_the_program():
    """SIGINT sent to wirecat reaches a program that ignores it (it goes on
    and ends normally), SIGUSR1 reaches its handler, SIGTERM ends it: 143."""
    code = ("import signal, time, sys\n"
            "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "signal.signal(signal.SIGUSR1, lambda *a: print('usr1', flush=True))\n"
            "print('ready', flush=True)\n"
            "time.sleep(float(sys.argv[1]))\n"
            "print('end', flush=True)\n")
    p = Proc(["trace", "--no-packets", "--", PY, "-c", code, str(1.5 * SLOW)])
    with p:
        p.wait_out(b"ready\n", 10)
        p.signal(signal.SIGINT)
        p.signal(signal.SIGUSR1)
        p.wait_out(b"ready\nusr1\n", 5)
        assert p.wait(20) == 0, p.stderr_text()
        assert p.stdout_bytes() == b"ready\nusr1\nend\n", p.stdout_bytes()
    p = Proc(["trace", "--no-packets", "--", PY, "-c", code, "30"])
    with p:
        p.wait_out(b"ready\n", 10)
        p.signal(signal.SIGTERM)
        assert p.wait(20) == 143, p.stderr_text()
        assert "was killed by signal 15 (SIGTERM); exit status 143" in p.stderr_text()


def need_attach():
    """Attaching to a process that is not our child needs root or
    kernel.yama.ptrace_scope 0."""
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            scope = int(f.read().strip() or "0")
    except (OSError, ValueError):
        scope = 0
    if not ROOT and scope > 0:
        raise Skip("attaching needs root (kernel.yama.ptrace_scope=%d)" % scope)


@case
def attach_and_detach():
    """-p PID: the calls of a running process appear; SIGINT detaches and
    the process goes on to its normal end."""
    need_attach()
    port = free_port(socket.SOCK_DGRAM)
    prog = subprocess.Popen([PY, lecture("tick.py"), str(port), str(3 * SLOW)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(0.3)
        w = Proc(["trace", "-p", str(prog.pid)])
        with w:
            w.wait_err(r"\[%d python3\] sendto\(\d+, \d+, 127\.0\.0\.1:%d\) = \d+ \"tick \d+\""
                       % (prog.pid, port), 10)
            w.signal(signal.SIGINT)
            assert w.wait(10) == 0, w.stderr_text()
            assert "wirecat: trace: detached from %d; it goes on running" % prog.pid \
                in w.stderr_text()
        assert prog.poll() is None, "the process ended with the tracer"
        out, err = prog.communicate(timeout=20 * SLOW)
        assert prog.returncode == 0 and out == b"ticked\n", (prog.returncode, out, err)
    finally:
        if prog.poll() is None:
            prog.kill()
            prog.wait()


@case
def detach_from_a_process_that_makes_no_call():
    """SIGINT detaches at once even when the attached process makes no
    system call (it waits in recv for up to a minute): the tracer waits in waitpid, so
    the signal's handler interrupts the tasks to wake it. The process goes
    on, and ends when told to."""
    need_attach()
    code = ("import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.bind(('127.0.0.1', 0))\n"
            "print(s.getsockname()[1], flush=True)\n"
            "s.settimeout(60)\n"
            "try:\n"
            "    data = s.recv(100)\n"
            "except OSError:\n"
            "    data = b'none'\n"
            "print('got', data.decode(), flush=True)\n")
    prog = subprocess.Popen([PY, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        port = int(prog.stdout.readline())
        time.sleep(0.2)  # in its recv
        w = Proc(["trace", "--no-packets", "-p", str(prog.pid)])
        with w:
            time.sleep(0.5 * SLOW)  # attached, every task stopped once and resumed
            t0 = time.monotonic()
            w.signal(signal.SIGINT)
            assert w.wait(10) == 0, w.stderr_text()
            took = time.monotonic() - t0
            assert took < 3 * SLOW, "detaching took %.1f s" % took
            assert "wirecat: trace: detached from %d; it goes on running" % prog.pid \
                in w.stderr_text(), w.stderr_text()
        assert prog.poll() is None, "the process ended with the tracer"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
            c.sendto(b"bye", ("127.0.0.1", port))
        out, err = prog.communicate(timeout=20 * SLOW)
        assert prog.returncode == 0 and out == b"got bye\n", (prog.returncode, out, err)
    finally:
        if prog.poll() is None:
            prog.kill()
            prog.wait()


@case
def attach_to_threads():
    """-p PID of a process whose threads were running before the attach:
    every thread is seized, their calls are labelled pid/tid, and after the
    detach the process ends normally."""
    need_attach()
    port = free_port(socket.SOCK_DGRAM)
    code = ("import socket, sys, threading, time\n"
            "def tick(n):\n"
            "    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "    end = time.monotonic() + float(sys.argv[2])\n"
            "    while time.monotonic() < end:\n"
            "        u.sendto(b'thread %d' % n, ('127.0.0.1', int(sys.argv[1])))\n"
            "        time.sleep(0.05)\n"
            "ts = [threading.Thread(target=tick, args=(i,)) for i in range(2)]\n"
            "[t.start() for t in ts]\n"
            "print('started', flush=True)\n"
            "[t.join() for t in ts]\n"
            "print('joined', flush=True)\n")
    prog = subprocess.Popen([PY, "-c", code, str(port), str(3 * SLOW)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert prog.stdout.readline() == b"started\n"
        w = Proc(["trace", "--no-packets", "-p", str(prog.pid)])
        with w:
            for n in (0, 1):
                w.wait_err(r"\[%d/\d+ python3\] sendto\(\d+, 8, 127\.0\.0\.1:%d\) = 8 "
                           r"\"thread %d\"" % (prog.pid, port, n), 10)
            w.signal(signal.SIGINT)
            assert w.wait(10) == 0, w.stderr_text()
        tids = set(re.findall(r"\[%d/(\d+) python3\] sendto" % prog.pid, w.stderr_text()))
        assert len(tids) == 2, w.stderr_text()
        out, err = prog.communicate(timeout=20 * SLOW)
        assert prog.returncode == 0 and out == b"joined\n", (prog.returncode, out, err)
    finally:
        if prog.poll() is None:
            prog.kill()
            prog.wait()


@case
def attach_follows_open_sockets():
    """-p PID on a server already listening: its listener is followed from
    the start (as root the client's SYN is on the line before accept); the
    server's calls after the attach are shown and its end is seen."""
    need_attach()
    port = free_port()
    srv = subprocess.Popen([PY, lecture("tcp_echo_server.py"), str(port)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert srv.stdout.readline() == b"listening on %d\n" % port
        w = Proc(["trace", "-p", str(srv.pid)])
        with w:
            time.sleep(0.5 * SLOW)  # attached (the process is in poll)
            cp = untraced([lecture("tcp_echo_client.py"), str(port), "attached"])
            assert cp.stdout == b"reply: attached\n", cp.stdout
            assert w.wait(20) == 0, w.stderr_text()
            ev = lines(w.stderr_text())
            order(ev, [pkt(r"^< SYN\s+127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d" % port),
                       r"^\[%d python3\] accept4?\(" % srv.pid,
                       r'^\[%d python3\] recv\(\d+, 20\) = 9 "attached\\n"' % srv.pid,
                       r"^\[%d python3\] exited with status 0" % srv.pid])
        out, _ = srv.communicate(timeout=10 * SLOW)
        assert srv.returncode == 0 and out == b"echoed 9 bytes\n", (srv.returncode, out)
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()


OPEN_BEFORE = r"""
import os, socket, sys, time
go, tport, uport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = socket.create_connection(("127.0.0.1", tport))
d = os.dup(t.fileno())
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(("127.0.0.1", uport))
print("ready", t.fileno(), d, u.fileno(), u.getsockname()[1], flush=True)
def wait(path):
    end = time.monotonic() + 60
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.02)
wait(go)  # the tracer attaches meanwhile
os.write(t.fileno(), b"hello tcp")  # read/write: the calls name no socket
print("read", os.read(t.fileno(), 100).decode(), flush=True)
t.close()  # its dup still holds the connection
os.write(u.fileno(), b"hello udp")
u.close()
print("closed", flush=True)
wait(go + ".2")
os.write(d, b"again")
os.close(d)
wait(go + ".end")
time.sleep(0.3)
"""


def traced_by(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"TracerPid:\s*(\d+)", f.read()).group(1))


@case
def sockets_open_before_the_attach():
    """-p PID of a process that opened a TCP connection (and a dup of it) and
    a connected UDP socket before the attach, then uses and closes them: its
    read and write calls on them are socket calls, their packets are tied to
    the calls, the connection closes with its last descriptor (the FIN is
    the dup's close, 3 s after the original's, its data still shown), and a
    closed socket's flow goes as any: a datagram to the UDP socket's old
    port 3 s after its close is not shown."""
    need_attach()
    need_root()
    lsn = socket.socket()
    lsn.bind(("127.0.0.1", 0))
    lsn.listen()
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    tmp = tempfile.mkdtemp(prefix="wattach")
    go, path = os.path.join(tmp, "go"), os.path.join(tmp, "timeline")
    prog = subprocess.Popen([PY, "-c", OPEN_BEFORE, go, str(lsn.getsockname()[1]),
                             str(r.getsockname()[1])], stdout=subprocess.PIPE)
    try:
        conn, _ = lsn.accept()
        conn.settimeout(10 * SLOW)
        r.settimeout(10 * SLOW)
        tfd, dfd, ufd, uport = (int(x) for x in prog.stdout.readline().split()[1:])
        w = Proc(["trace", "--json", "-o", path, "-p", str(prog.pid)])
        with w:
            wait_for(lambda: traced_by(prog.pid), 10, "the attach")
            time.sleep(0.3 * SLOW)  # its open sockets looked up
            open(go, "w").close()
            assert conn.recv(100) == b"hello tcp"
            conn.sendall(b"ok")
            assert prog.stdout.readline() == b"read ok\n"
            assert r.recv(100) == b"hello udp"
            assert prog.stdout.readline() == b"closed\n"
            time.sleep(3.0 * SLOW)  # past a closed flow's grace (1 s + the merge window)
            r.sendto(b"late", ("127.0.0.1", uport))  # nothing there any more
            open(go + ".2", "w").close()
            assert conn.recv(100) == b"again"
            assert conn.recv(100) == b""
            conn.close()
            time.sleep(0.2 * SLOW)
            open(go + ".end", "w").close()
            assert w.wait(20) == 0, w.stderr_text()
        assert prog.wait(10 * SLOW) == 0
        with open(path) as f:
            evs = [json.loads(x) for x in f]
    finally:
        if prog.poll() is None:
            prog.kill()
            prog.wait()
        lsn.close()
        r.close()
        shutil.rmtree(tmp)
    calls = [e for e in evs if e["event"] == "call" and e["pid"] == prog.pid]
    order([e["text"] for e in calls],
          [r'^write\(%d, 9\) = 9 "hello tcp"' % tfd, r'^read\(%d, 100\) = 2 "ok"' % tfd,
           r"^close\(%d\) = 0" % tfd, r'^write\(%d, 9\) = 9 "hello udp"' % ufd,
           r"^close\(%d\) = 0" % ufd, r'^write\(%d, 5\) = 5 "again"' % dfd,
           r"^close\(%d\) = 0" % dfd])
    pk = [e for e in evs if e["event"] == "packet"]
    late = [e for e in pk if e["fields"].get("udp.length") == "12"]
    assert not late, late
    # (a loaded machine may make the kernel send a segment again: the
    # retransmissions, which tshark flags too, are not counted)
    out = [e for e in pk if e["dir"] == "out" and
           "tcp.analysis.retransmission" not in e["fields"]]
    data = [e for e in out if e["fields"].get("tcp.len") == "9"]
    assert len(data) == 1 and data[0]["cause"].startswith("write(%d, 9)" % tfd), pk
    again = [e for e in out if e["fields"].get("tcp.len") == "5"]
    assert len(again) == 1 and again[0]["cause"].startswith("write(%d, 5)" % dfd), pk
    fins = [e for e in out if " FIN" in e["summary"]]
    assert len(fins) == 1 and fins[0]["pid"] == prog.pid and \
        fins[0]["cause"].startswith("close(%d)" % dfd), pk
    dg = [e for e in out if e["fields"].get("udp.length") == "17"]
    assert len(dg) == 1 and dg[0]["cause"].startswith("write(%d, 9)" % ufd), pk


@case
def hundred_children():
    """100 children, each sends a datagram: 100 'new process' lines, 100
    sendto lines each under its child's pid, every child's exit."""
    port = free_port(socket.SOCK_DGRAM)
    cp, tl = trace([lecture("many_children.py"), "100", str(port)], timeout=60, opts=["--no-packets"])
    assert cp.returncode == 0 and cp.stdout == b"children 100 failed 0\n", (cp.returncode,
                                                                               cp.stdout, cp.stderr)
    ev = lines(tl)
    kids = {re.match(r"\[(\d+) ", e).group(1) for e in ev if "new process (fork" in e}
    sends = {re.match(r"\[(\d+) ", e).group(1) for e in ev
             if re.search(r"\] sendto\(\d+, \d+, 127\.0\.0\.1:%d\) = \d+" % port, e)}
    assert len(kids) == 100 and sends == kids, (len(kids), len(sends))
    assert sum(1 for e in ev if e.endswith("exited with status 0")) == 101


@case
def without_privileges():
    """As nobody: the calls only, one line about the packets, the status."""
    if not ROOT:
        raise Skip("needs root to drop privileges")
    setpriv = need("setpriv")
    port = free_port(socket.SOCK_DGRAM)
    cp, tl = trace([lecture("udp_send_nobody.py"), str(port)],
                   pre=[setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", "--bounding-set=-all"])
    assert cp.returncode == 0, (cp.returncode, cp.stderr)
    assert cp.stdout == b"sendto: no error\nconnected send: ECONNREFUSED\n", cp.stdout
    assert cp.stderr == b"", cp.stderr
    assert tl.count(NOPKT) == 1, tl
    ev = lines(tl)
    order(ev, [r'\] sendto\(\d+, 13, 127\.0\.0\.1:%d\) = 13' % port,
               r"\] send\(\d+, 5\) = -1 ECONNREFUSED"])
    assert not any(e.startswith(("<", ">")) for e in ev), tl
    assert "packets of this command" not in tl


@case
def timeline_reader_goes_away():
    """The reader of the timeline (stderr) goes away: wirecat is not killed
    by SIGPIPE (which would kill the program with it); the program runs to
    its end and its status is wirecat's."""
    code = ("import socket, time, sys\n"
            "for i in range(20):\n"
            "    socket.socket().close(); time.sleep(0.02)\n"
            "print('done', flush=True)\n"
            "sys.exit(5)\n")
    p = subprocess.Popen([WIRECAT, "trace", "--no-packets", "--", PY, "-c", code],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        p.stderr.readline()  # the first line of the timeline, then close
        p.stderr.close()
        out = p.stdout.read()
        rc = p.wait(timeout=20 * SLOW)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert rc == 5 and out == b"done\n", (rc, out)


@case
def http_get_over_a_socket():
    """The lecture's GET request against a local HTTP server: the request
    as sent, the response received, the end of the stream by the server's
    FIN (recv() = 0 with its note), as root the segments in between."""
    import http.server
    import threading

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"hello from the test server\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), H)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        port = srv.server_address[1]
        cp, tl = trace([lecture("http_get.py"), str(port), "/x"])
    finally:
        srv.shutdown()
        srv.server_close()
    assert cp.returncode == 0 and cp.stdout == b"HTTP/1.0 200 OK 27\n", (cp.returncode, cp.stdout)
    order(lines(tl), [r"\] connect\(\d+, 127\.0\.0\.1:%d\) = 0" % port, pkt(r"^> SYN\s"),
                      r'\] send\(\d+, 36\) = 36 "GET /x HTTP/1\.0\\r\\nHost: 127\.0\.0\.1"\.\.\.',
                      pkt(r"^> \[P\.\] seq 1:37 len 36"),
                      r'\] recv\(\d+, 4096\) = \d+ "HTTP/1\.0 200 OK\\r\\n',
                      r"\] recv\(\d+, 4096\) = 0( \(.*\))?; the peer closed its side \(FIN\)",
                      r"\] close\(\d+\) = 0"])


@case
def dd_runs_at_full_speed():
    """A program of read/write calls on files and its standard streams only
    (dd bs=1): the seccomp filter lets them run without a stop, so traced it
    takes about as long as untraced (stopping at each call would take tens
    of times longer), and no read/write line is shown."""
    dd = need("dd")
    cmd = [dd, "if=/dev/zero", "of=/dev/null", "bs=1", "count=200000", "status=none"]

    def timed(args):
        t = time.monotonic()
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120 * SLOW)
        return time.monotonic() - t, p

    base = min(timed(cmd)[0] for _ in range(2))
    fd, path = tempfile.mkstemp(prefix="wtrace")
    os.close(fd)
    try:
        traced, p = min((timed([WIRECAT, "trace", "--no-packets", "-o", path, "--"] + cmd)
                         for _ in range(2)), key=lambda x: x[0])
        with open(path) as f:
            ev = lines(f.read())
    finally:
        os.unlink(path)
    assert p.returncode == 0, p.stderr
    assert traced <= 4 * base + 0.5 * SLOW, "traced %.2fs, untraced %.2fs" % (traced, base)
    assert not any(re.search(r"\] (read|write)\(", e) for e in ev), ev
    assert ev and ev[-1].endswith("exited with status 0"), ev


@case
def unix_and_packet_sockets():
    """A UNIX-domain socket's path is decoded; the lecture's sniffer socket
    (AF_PACKET) is shown as such, with a note, and nothing of what it could
    capture is traced."""
    d = tempfile.mkdtemp(prefix="wtrace")
    try:
        cp, tl = trace([lecture("unix_and_packet.py"), d], opts=["--no-packets"])
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.startswith(b"over unix\n"), cp.stdout
    sock = os.path.join(d, "sock")
    order(lines(tl), [r"\] socket\(AF_UNIX, SOCK_STREAM\|SOCK_CLOEXEC, 0\) = \d+",
                      r"\] bind\(\d+, unix:%s\) = 0" % re.escape(sock),
                      r"\] connect\(\d+, unix:%s\) = 0" % re.escape(sock),
                      r'\] send\(\d+, 10\) = 10 "over unix\\n"',
                      r'\] recv\(\d+, 20\) = 10 "over unix\\n"'])
    if ROOT:
        assert cp.stdout.endswith(b"packet socket: opened\n"), cp.stdout
        order(lines(tl), [r"\] socket\(AF_PACKET, SOCK_RAW\|SOCK_CLOEXEC, ETH_P_ALL\) = (\d+); "
                          r"a packet socket: it receives copies of frames; what it captures is "
                          r"not traced$"])


@case
def a_long_wait_says_what_ended_it():
    """accept() that waits over a second says so and what ended the wait."""
    code = ("import socket, sys, time, threading\n"
            "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
            "port = s.getsockname()[1]\n"
            "threading.Timer(float(sys.argv[1]), lambda: socket.create_connection"
            "(('127.0.0.1', port))).start()\n"
            "c, _ = s.accept(); print('accepted', flush=True)\n")
    cp, tl = trace(["-c", code, "1.2"], opts=["--no-packets"])
    assert cp.returncode == 0 and cp.stdout == b"accepted\n", (cp.returncode, cp.stderr)
    order(lines(tl), [r"\] accept4\(\d+, SOCK_CLOEXEC\) = \d+ from 127\.0\.0\.1:\d+ "
                      r"\(blocked \d+\.\d s\); waited until a client's handshake completed$"])


@case
def json_events():
    """--json: every line is one JSON object (even with quotes, backslashes,
    control and non-ASCII bytes in the data); start, calls with their
    result, errno and note, a child's fork and exit, the program's exit."""
    import json
    port = free_port(socket.SOCK_DGRAM)
    code = ("import os, socket, sys, time\n"
            "c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "c.connect(('127.0.0.1', int(sys.argv[1])))\n"
            "c.send(b'q\"b\\\\ \\x1b[31m \\xff\\x00 end')\n"
            "time.sleep(0.2)\n"
            "try:\n    c.send(b'again')\nexcept OSError as e:\n    print(e.errno)\n"
            "pid = os.fork()\n"
            "if pid == 0:\n    os._exit(4)\n"
            "os.waitpid(pid, 0)\n"
            "sys.exit(6)\n")
    cp, tl = trace(["-c", code, str(port)], opts=["--json"])
    assert cp.returncode == 6 and cp.stdout == b"111\n", (cp.returncode, cp.stdout, cp.stderr)
    evs = [json.loads(ln) for ln in tl.splitlines()]
    assert evs and all(isinstance(e.get("time"), float) for e in evs), tl
    kinds = [e["event"] for e in evs]
    assert kinds[0] == "start" and evs[0]["argv"].startswith(PY + " -c import os"), evs[0]
    root = evs[0]["pid"]
    calls = [e for e in evs if e["event"] == "call"]
    conn = [e for e in calls if e["call"] == "connect"]
    assert conn and conn[0]["ret"] == 0 and "127.0.0.1:%d" % port in conn[0]["text"], calls
    sent = [e for e in calls if e["call"] == "sendto" and e["ret"] > 0]
    assert sent and '"q\"b\\ \x1b[31m \xff. end"' in sent[0]["text"], sent
    bad = [e for e in calls if e.get("errno") == "ECONNREFUSED"]
    assert bad and bad[0]["ret"] == -1 and "ICMP port unreachable" in bad[0]["note"], calls
    forks = [e for e in evs if e["event"] == "fork"]
    assert len(forks) == 1 and forks[0]["parent"] == root, forks
    exits = {e["pid"]: e.get("status") for e in evs if e["event"] == "exit"}
    assert exits == {forks[0]["pid"]: 4, root: 6}, exits
    # the closing line's note names no process; the rest are the two's
    assert all(e.get("pid", root) in (root, forks[0]["pid"]) for e in evs), evs
    if ROOT:  # the datagrams and the ICMP error, in the JSON too (test_trace_out.py has more)
        pkts = [e for e in evs if e["event"] == "packet"]
        assert any(p["dir"] == "out" and p["fields"].get("udp.dstport") == str(port)
                   and p["cause"].startswith("send(3, 17) = 17") for p in pkts), pkts
        assert any(p["dir"] == "in" and "icmp.type" in p["fields"] for p in pkts), pkts


@case
def a_wait_interrupted_by_sigchld_is_one_call():
    """A child's exit interrupts the parent's poll (the tracer makes the
    kernel deliver the SIGCHLD the program ignores); the kernel resumes the
    poll. The timeline shows one poll, with its result and the whole wait,
    not an ERESTART_RESTARTBLOCK that the program never saw; with a handler
    the EINTR the program got."""
    code = ("import os, select, socket, sys, time\n"
            "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "u.bind(('127.0.0.1', 0))\n"
            "if os.fork() == 0:\n    time.sleep(0.3)\n    os._exit(0)\n"
            "if os.fork() == 0:\n"
            "    time.sleep(0.8)\n"
            "    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', u.getsockname())\n"
            "    os._exit(0)\n"
            "p = select.poll()\n"
            "p.register(u, select.POLLIN)\n"
            "print(p.poll(20000))\n"
            "os.wait(); os.wait()\n")
    cp, tl = trace(["-c", code], opts=["--no-packets"])
    assert cp.returncode == 0 and cp.stdout == b"[(3, 1)]\n", (cp.returncode, cp.stdout, cp.stderr)
    ev = lines(tl)
    polls = [e for e in ev if re.search(r"\] poll\(", e)]
    assert "ERESTART" not in tl, tl
    assert len(polls) == 1 and re.search(r"\] poll\(\[3 IN\], 1, 20000 ms\) = 1 \(\d+\.\d ms\); "
                                         r"a signal interrupted it and the kernel resumed it$",
                                         polls[0]), tl
    # with a handler the program gets EINTR (Python then polls again)
    code = ("import os, select, signal, socket, time\n"
            "signal.signal(signal.SIGCHLD, lambda *a: None)\n"
            "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "u.bind(('127.0.0.1', 0))\n"
            "if os.fork() == 0:\n    time.sleep(0.3)\n    os._exit(0)\n"
            "p = select.poll()\n"
            "p.register(u, select.POLLIN)\n"
            "print(p.poll(1500))\n")
    cp, tl = trace(["-c", code], opts=["--no-packets"])
    assert cp.returncode == 0 and cp.stdout == b"[]\n", (cp.returncode, cp.stdout, cp.stderr)
    assert "ERESTART" not in tl, tl
    order(lines(tl), [r"\] poll\(\[3 IN\], 1, 1500 ms\) = -1 EINTR \(Interrupted system call\) "
                      r"\(\d+\.\d ms\); a signal handler ran, so the kernel did not resume it$",
                      r"\] poll\(\[3 IN\], 1, \d+ ms\) = 0 "])


WRAPPED = ("import socket\n"
           "r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
           "r.bind(('127.0.0.1', 0))\n"
           "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
           "s.sendto(b'ping', r.getsockname())\n"
           "print(r.recvfrom(100)[0].decode())\n")


def trace_shell(script, args=(), opts=()):
    """Runs sh -c script args under wirecat trace -o FILE; returns
    (CompletedProcess, timeline text)."""
    fd, path = tempfile.mkstemp(prefix="wtrace")
    os.close(fd)
    try:
        p = subprocess.run([WIRECAT, "trace", "-o", path] + list(opts)
                           + ["--", need("sh"), "-c", script] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30 * SLOW)
        with open(path, errors="replace") as f:
            return p, f.read()
    finally:
        os.unlink(path)


def call_names(events):
    return [m.group(1) for m in (re.match(r"^\[\d+(?:/\d+)? [^]]*\] (\w+)\(", e) for e in events)
            if m]


@case
def processes_without_socket_calls_are_summed_up():
    """A program started through a shell that first runs two other programs
    (as a pyenv shim does): their fork, exec and exit lines are not shown,
    one closing line counts them; the start, the exec into python3 (it makes
    socket calls), its calls and the program's exit are shown, the calls the
    same as when python3 runs directly; -v shows every process."""
    script = "%s; %s >/dev/null; exec %s -c \"$0\"" % (need("true"), need("ls"), PY)
    ref, rtl = trace(["-c", WRAPPED], opts=["--no-packets"])
    assert ref.returncode == 0 and ref.stdout == b"ping\n", (ref.returncode, ref.stderr)
    want = call_names(lines(rtl))
    assert want[:2] == ["socket", "bind"] and "recvfrom" in want, rtl
    for opts in (["--no-packets"], []):
        cp, tl = trace_shell(script, [WRAPPED], opts=opts)  # "$0": the code
        assert cp.returncode == 0 and cp.stdout == b"ping\n", (cp.returncode, cp.stderr)
        ev = lines(tl)
        assert not [e for e in ev if re.match(r"^\[\d+ (true|ls)\]", e)], tl
        assert not [e for e in ev if "new process" in e or "running true" in e
                    or "running ls" in e], tl
        order(ev, [r"^\[(\d+) sh\] started: \S+/sh -c ",
                   r"^\[\d+ sh\] exec: now running python3$",
                   r"^\[\d+ python3\] socket\(AF_INET, SOCK_DGRAM"])
        assert call_names(ev) == want, (call_names(ev), want)
        assert sum(1 for e in ev if "exited with status" in e) == 1, tl
        assert ev[-1].endswith("python3] exited with status 0"), ev[-1]
        assert "\ntrace: %d socket calls in 1 process; 2 other processes ran without " \
               "socket calls (-v shows them)\n" % len(want) in tl, tl
        # the engine's closing line (with packets) counts no calls of its
        # own: they would include process lines and disagree with the above
        engine = [x for x in tl.splitlines() if "packets of this command" in x]
        assert all(" calls" not in x for x in engine), engine
    cp, tl = trace_shell(script, [WRAPPED], opts=["--no-packets", "-v"])
    assert cp.returncode == 0 and cp.stdout == b"ping\n", (cp.returncode, cp.stderr)
    ev = lines(tl)
    order(ev, [r"^\[(\d+) sh\] new process \((v?fork|clone) from \d+\)$",
               r"^\[\d+ sh\] exec: now running true$", r"^\[\d+ true\] exited with status 0",
               r"^\[(\d+) sh\] new process \((v?fork|clone) from \d+\)$",
               r"^\[\d+ sh\] exec: now running ls$", r"^\[\d+ ls\] exited with status 0",
               r"^\[\d+ sh\] exec: now running python3$"])
    assert call_names(ev) == want, (call_names(ev), want)
    assert sum(1 for e in ev if "exited with status" in e) == 3, tl


@case
def a_full_hold_table_says_so():
    """More processes without socket calls alive at once than the hold table
    keeps (256): one line says so, their lines are shown from then on, and
    the closing counts say "at least"."""
    script = ("for i in $(%s 300); do %s 2 & done; wait; exec %s -c 'import socket; "
              "socket.socket()'" % (need("seq"), need("sleep"), PY))
    cp, tl = trace_shell(script, opts=["--no-packets"])
    assert cp.returncode == 0, (cp.returncode, cp.stderr)
    ev = lines(tl)
    full = [i for i, e in enumerate(ev) if e.startswith("more than 256 processes")]
    assert len(full) == 1, tl[-3000:]
    assert [e for e in ev[full[0]:] if re.match(r"^\[\d+ sleep\] exited with status 0$", e)], \
        tl[-3000:]
    assert re.search(r"\ntrace: 2 socket calls in at least 1 process; at least \d+ other "
                     r"processes ran without socket calls \(-v shows them\)\n", tl), tl[-3000:]


@case
def usage_errors():
    """No program, -p with a program, a program that does not exist."""
    for args, rc, msg in ((["trace"], 2, b"no program"),
                          (["trace", "-p", "1", "--", "true"], 2, b"not both"),
                          (["trace", "-p", "x"], 2, b"bad pid"),
                          (["trace", "--", "/nonexistent/prog"], 127, b"not found")):
        p = subprocess.run([WIRECAT] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=10 * SLOW)
        assert p.returncode == rc and msg in p.stderr, (args, p.returncode, p.stderr)


@case
def a_program_talking_to_itself():
    """Packets between two sockets of the traced program are neither
    incoming nor outgoing: the line says both ends are the program's, and
    TCP's notes are told for each end's socket (the client closed first, so
    the TIME_WAIT is on the client's socket; the accepted one saw the FIN)."""
    if not ROOT:
        raise Skip("packets need root")
    cp, tl = trace([lecture("talk_to_self.py")])
    assert cp.returncode == 0, (cp.returncode, cp.stderr)
    assert cp.stdout == b"udp got 2000\ntcp got ping\n", cp.stdout
    ev = lines(tl)
    both = "(both ends are this program's sockets)"
    udp = [e for e in ev if re.match(r"^[<>] UDP len 2000", e)]
    assert len(udp) == 1 and udp[0].startswith("> ") and both in udp[0], udp
    tcp = [e for e in ev if re.match(r"^[<>] (SYN|ACK|FIN|\[)", e)]
    assert len(tcp) >= 6 and not [e for e in tcp if e.startswith("< ")], "\n".join(ev)
    assert both in tcp[0], tcp[0]
    m = re.search(r"> SYN\s+127\.0\.0\.1:(\d+) > 127\.0\.0\.1:(\d+)", tl)
    assert m, tl
    cli, srv = m.group(1), m.group(2)
    notes = [ln.strip() for ln in tl.splitlines() if not TIMED.match(ln)]
    def noted(rx):
        return any(re.search(rx, n) for n in notes)
    assert noted(r"^the socket at port %s: connected \(handshake" % cli), tl
    assert noted(r"^the socket at port %s: accepted \(handshake" % srv), tl
    assert noted(r"^the socket at port %s: the peer closed its side \(FIN\)" % srv), tl
    assert noted(r"^the socket at port %s: TIME_WAIT on this side \(it closed first" % cli), tl
    assert not noted(r"TIME_WAIT on this side.*" + srv), tl
    assert noted(r"TIME_WAIT is on its side") == noted(r"^the socket at port %s: closed; the "
                                                        r"peer closed first" % srv), tl


def stream_send(port, parts, gap=0.05):
    """Connects to port and sends each part in its own segment (TCP_NODELAY,
    a pause between); returns the socket."""
    c = socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for part in parts:
        c.sendall(part)
        time.sleep(gap)
    return c


@case
def a_read_is_tied_to_its_segments():
    """TCP is a stream: a recv returns what has arrived, whatever the sends
    were. Two 5-byte segments read by one recv(4096); a 10-byte segment read
    as 4 then the rest; three 3-byte segments read by one recv(9). The notes
    say which segments each read returned, and none on the read that took
    exactly what it asked from one segment."""
    srv = Proc(["trace", "--", PY, lecture("tcp_stream.py"), "10:4096", "10:4,4096",
                "9:9"])
    with srv:
        port = int(stdout_re(srv, rb"port (\d+)\n").group(1))
        c = stream_send(port, [b"hello", b"world"])
        stdout_re(srv, rb"read 'helloworld'\n")
        c.sendall(b"0123456789")
        stdout_re(srv, rb"read '456789'\n")
        for part in (b"abc", b"def", b"ghi"):
            c.sendall(part)
            time.sleep(0.05)
        assert srv.wait(20) == 0, srv.stderr_text()
        c.close()
        assert srv.stdout_bytes().endswith(b"read 'helloworld'\nread '0123'\nread '456789'\n"
                                           b"read 'abcdefghi'\n"), srv.stdout_bytes()
        tl = srv.stderr_text()
    ev = [ln.strip() for ln in tl.splitlines()]
    reads = [i for i, e in enumerate(ev) if re.search(r"\] recv\(\d+, (4096|4|9)\) = ", e)]
    assert len(reads) == 4, tl
    after = [ev[i + 1] if i + 1 < len(ev) else "" for i in reads]
    if not ROOT:
        assert not [a for a in after if "segment" in a], tl
        return
    assert after[0] == ("returned 10 of the 4096 asked: the bytes that had arrived "
                        "(2 segments: 5+5 bytes); TCP keeps no message boundaries"), tl
    assert "] " in after[1] and "segment" not in after[1], tl  # the next call, no note
    assert after[2] == ("returned 6 of the 4096 asked: the bytes that had arrived (the rest "
                        "of 1 segment of 10 bytes); TCP keeps no message boundaries"), tl
    assert after[3] == ("this call returned the data of 3 segments (3+3+3 bytes): TCP keeps "
                        "no message boundaries"), tl


def small_writes(n, nodelay):
    """Traces lecture/small_writes.py against a local reader; returns the
    timeline and how many bytes the reader got."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(20 * SLOW)
    got = []
    import threading

    def reader():
        s, _ = ls.accept()
        s.settimeout(20 * SLOW)
        if not nodelay:
            # not reading yet: its ACKs are delayed (a prompt read would send them at
            # once), so small writes wait for them
            time.sleep(0.3)
        n = 0
        while True:
            b = s.recv(65536)
            if not b:
                break
            n += len(b)
        s.close()
        got.append(n)

    t = threading.Thread(target=reader)
    t.start()
    args = [lecture("small_writes.py"), str(ls.getsockname()[1]), str(n)]
    cp, tl = trace(args + (["nodelay"] if nodelay else []), timeout=60)
    t.join(30 * SLOW)
    ls.close()
    assert cp.returncode == 0 and cp.stdout == b"sent\n", (cp.returncode, cp.stderr)
    assert got == [4 * n], got
    return tl


@case
def nagle_joins_small_writes():
    """500 small writes without TCP_NODELAY: some leave together, and the
    note names Nagle's algorithm and TCP_NODELAY (once); 10 writes with
    TCP_NODELAY and a pause between: each its own segment, no such note."""
    if not ROOT:
        raise Skip("packets need root")
    joined = "writes left in one segment: while data is unacknowledged"
    tl = small_writes(500, False)
    assert tl.count(joined) == 1 and "TCP_NODELAY sends each write at once" in tl, tl
    tl = small_writes(10, True)
    assert joined not in tl and "Nagle" not in tl, tl
    assert len(re.findall(r"> \[P\.\] seq \d+:\d+ len 4\b", tl)) == 10, tl


@case
def thirty_two_bit_calls_are_said():
    """A program making 32-bit system calls (int 0x80: how a 32-bit program
    calls the kernel) is not silently untraced: its socket call stops the
    program and one line says that 32-bit calls are not decoded."""
    t = tool("int80sock")
    ref = subprocess.run([t], stdout=subprocess.PIPE, timeout=10 * SLOW)
    if ref.returncode == 77:
        raise Skip("no 32-bit system calls on this kernel (IA32 emulation)")
    fd, path = tempfile.mkstemp(prefix="wtrace")
    os.close(fd)
    try:
        # a sanitizer build's leak checker cannot run under ptrace: off in the program
        p = subprocess.run([WIRECAT, "trace", "--no-packets", "-o", path, "--", need("env"),
                            "ASAN_OPTIONS=detect_leaks=0", t],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30 * SLOW)
        with open(path) as f:
            tl = f.read()
    finally:
        os.unlink(path)
    assert p.returncode == 0 and p.stdout.startswith(b"int80 socket = "), (p.returncode, p.stdout)
    ev = lines(tl)
    said = [e for e in ev if "32-bit" in e]
    assert len(said) == 1, tl
    assert "int80sock" in said[0], said


FD_HIGH = r"""
import os, resource, socket, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard != resource.RLIM_INFINITY and hard < 6000:
    print("rlimit", hard); sys.exit(77)
resource.setrlimit(resource.RLIMIT_NOFILE, (6000, hard))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", int(sys.argv[1])))
os.dup2(s.fileno(), 5000)
s.close()
n = os.write(5000, b"high fd")
print("wrote", n)
"""


@case
def socket_on_a_high_fd():
    """A socket dup2()ed to fd 5000 (above the old table of 4096 fds) is
    still a socket: its write is on the timeline, as root with its
    datagram."""
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    try:
        cp, tl = trace(["-c", FD_HIGH, str(r.getsockname()[1])])
    finally:
        r.close()
    if cp.returncode == 77:
        raise Skip("RLIMIT_NOFILE hard limit below 6000")
    assert cp.returncode == 0 and cp.stdout == b"wrote 7\n", (cp.returncode, cp.stdout)
    order(lines(tl), [r"\] connect\(\d+, 127", r'\] write\(5000, 7\) = 7 "high fd"',
                      pkt(r"^> UDP len 7")])


MANY_CONNS = r"""
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"conn %d" % i)
    if i == n - 1:
        print("last", c.getsockname()[1], flush=True)
    c.close()
"""


@case
def many_connections_in_turn():
    """A program that opens and closes 300 connections one after the other
    (more than the engine once followed at a time): the packets of the last
    ones are still shown, and nothing says sockets were not followed."""
    need_root()
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(64)
    stop = []

    def serve():
        lst.settimeout(0.2)
        while not stop:
            try:
                a, _ = lst.accept()
            except OSError:
                continue
            with a:
                a.settimeout(5)
                while a.recv(64):
                    pass
    import threading
    th = threading.Thread(target=serve)
    th.start()
    try:
        cp, tl = trace(["-c", MANY_CONNS, str(lst.getsockname()[1]), "300"], timeout=120)
    finally:
        stop.append(1)
        th.join(10)
        lst.close()
    assert cp.returncode == 0, (cp.returncode, cp.stderr)
    last = int(re.search(rb"last (\d+)", cp.stdout).group(1))
    # the last connection's handshake (its port on the SYN line), then its 8 bytes
    order(lines(tl), [r"^> SYN\s+127\.0\.0\.1:%d > " % last,
                      r'\] send\(\d+, 8\) = 8 "conn 299"', r"^> \[P\.\] seq 1:9 len 8",
                      r"^> FIN"])
    assert "not followed" not in tl, tl[-500:]


RW_LATER = r"""
import os, socket, threading
a, b = socket.socketpair()
os.write(a.fileno(), b"hello")
os.read(b.fileno(), 10)
def th():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", 9))
    os.write(s.fileno(), b"thread")
    s.close()
t = threading.Thread(target=th)
t.start()
t.join()
pid = os.fork()
if pid == 0:
    os.write(a.fileno(), b"child")
    os._exit(0)
os.waitpid(pid, 0)
print(os.read(b.fileno(), 10).decode())
"""


@case
def read_write_traced_from_the_first_socket():
    """The filter stops at read and write only once the program has a
    socket (so a program without any runs them at full speed): the first
    socketpair() adds them for the whole process, its threads (a write in a
    thread) and the children it forks afterwards (a write in a child). A
    guard of the two-stage filter (read/write were always stopped before)."""
    cp, tl = trace(["-c", RW_LATER], opts=["--no-packets"])
    assert cp.returncode == 0 and cp.stdout == b"child\n", (cp.returncode, cp.stdout)
    order(lines(tl), [r'\] write\((\d+), 5\) = 5 "hello"', r'\] read\(\d+, 10\) = 5 "hello"',
                      r'/\d+ python3\] write\(\d+, 6\) = 6 "thread"',
                      r'\] write\(\d+, 5\) = 5 "child"', r'\] read\(\d+, 10\) = 5 "child"'])


EXITING = r"""
import os, socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    pid = os.fork()
    if pid == 0:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.sendto(b"child %d" % i, ("127.0.0.1", port))
        if i == n - 1:
            print("last", s.getsockname()[1], flush=True)
        os._exit(0)  # its socket closes with it, without close()
    os.waitpid(pid, 0)
"""


@case
def sockets_closed_by_exit_are_let_go():
    """1100 children (more than the 1024 sockets followed at once), each
    sending one datagram from its own socket and exiting without close():
    the exit lets each socket go, so the last child's datagram is still
    shown and nothing says a socket was not followed."""
    need_root()
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    try:
        cp, tl = trace(["-c", EXITING, str(r.getsockname()[1]), "1100"], timeout=180)
    finally:
        r.close()
    assert cp.returncode == 0, (cp.returncode, cp.stderr)
    last = int(re.search(rb"last (\d+)", cp.stdout).group(1))
    order(lines(tl), [r'\] sendto\(\d+, 10, 127\.0\.0\.1:\d+\) = 10 "child 1099"',
                      r"^> UDP len 10\s+127\.0\.0\.1:%d > " % last])
    assert "not followed" not in tl, tl[-500:]


SPRAY = r"""
import socket, sys, time
base, n, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"to %04d" % i, ("127.0.0.1", base + i))  # nothing listens there
    s.close()
    if i % 300 == 299:
        time.sleep(1.5)  # longer than the idle time of a flow
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"last one", ("127.0.0.1", port))
print("last", s.getsockname()[1], flush=True)
s.close()
"""


@case
def peers_of_unconnected_sends_are_let_go():
    """1100 datagrams, each from a new unconnected socket to another port
    (more than the 1024 flows followed at once), in batches with pauses: the
    flow of each destination (followed from the sendto() on, before the
    socket has a port) goes once idle, so the last datagram is still shown
    and tied to its socket, and nothing says a socket was not followed."""
    need_root()
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    rport = r.getsockname()[1]
    base = 20000  # below the ephemeral ports: never a closed socket's own port
    try:
        cp, tl = trace(["-c", SPRAY, str(base), "1100", str(rport)], timeout=120)
        got = r.recv(100)
    finally:
        r.close()
    assert cp.returncode == 0 and got == b"last one", (cp.returncode, cp.stderr, got)
    last = int(re.search(rb"last (\d+)", cp.stdout).group(1))
    ev = lines(tl)
    order(ev, [r'\] sendto\(\d+, 7, 127\.0\.0\.1:%d\) = 7 "to 0000"' % base,
               r"^> UDP len 7\s+127\.0\.0\.1:\d+ > 127\.0\.0\.1:%d" % base,
               r'\] sendto\(\d+, 8, 127\.0\.0\.1:%d\) = 8 "last one"' % rport,
               r"^> UDP len 8\s+127\.0\.0\.1:%d > " % last])
    sent = sum(1 for e in ev if re.match(r"^> UDP len 7\s", e))
    assert sent == 1100, sent
    assert "not followed" not in tl, tl[-500:]


# The servers below: a listener on 127.0.0.1 whose port they print, one
# connection accepted (c).
ACCEPT_ONE = r"""
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen()
print("port", l.getsockname()[1], flush=True)
c, _ = l.accept()
"""

SHARED = r"""
import os, socket, time""" + ACCEPT_ONE + r"""pid = os.fork()
if pid == 0:
    l.close()
    time.sleep(2.0)  # longer than a closed socket's flow is kept
    for i in range(2):
        data = os.read(c.fileno(), 100)  # read/write: calls that do not name a peer
        os.write(c.fileno(), b"child got " + data)
    os.read(c.fileno(), 100)
    c.close()
    os._exit(0)
print("child", pid, flush=True)
l.close()
c.close()  # the parent's copy: the child's still holds the connection
os.waitpid(pid, 0)
"""


SCM = r"""
import array, os, socket, sys, time
a, b = socket.socketpair()
pid = os.fork()
if pid == 0:
    a.close()
    time.sleep(float(sys.argv[1]))  # > 0: the sender closes while the fd is in flight
    msg, anc, flags, addr = b.recvmsg(1, socket.CMSG_LEN(4))
    fd = array.array("i", anc[0][2][:4])[0]
    time.sleep(2.0)  # longer than a closed socket's flow is kept
    for i in range(2):
        data = os.read(fd, 100)  # read/write: calls that do not name a peer
        os.write(fd, b"child got " + data)
    os.read(fd, 100)
    os.close(fd)
    os._exit(0)
b.close()""" + ACCEPT_ONE + r"""print("child", pid, flush=True)
a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [c.fileno()]))])
l.close()
c.close()  # the sender's copy: the child's still holds the connection
os.waitpid(pid, 0)
"""


def shared_case(prog, args=(), cmd=None):
    """Runs prog (a server that hands its connection to a child and closes
    its copy; or the command cmd) under trace --json with a client saying
    hello and again; checks that the packets after the parent's close are
    shown, tied to the child, and that the connection closes with the
    child's close."""
    need_root()
    fd, path = tempfile.mkstemp(prefix="wtrace")
    os.close(fd)
    try:
        p = Proc(["trace", "--json", "-o", path, "--"] + (cmd or [PY, "-c", prog] + list(args)))
        with p:
            port = int(stdout_re(p, rb"port (\d+)\n").group(1))
            s = socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
            child = int(stdout_re(p, rb"child (\d+)\n").group(1))
            got = []
            for msg in (b"hello", b"again"):
                s.sendall(msg)
                got.append(s.recv(100))
            s.close()
            assert p.wait(30) == 0, p.stderr_text()
        with open(path) as f:
            evs = [json.loads(x) for x in f]
    finally:
        os.unlink(path)
    assert got == [b"child got hello", b"child got again"], got
    acc = [e for e in evs if e["event"] == "call" and e["text"].startswith("accept")]
    assert len(acc) == 1, evs
    conn = re.search(r"\) = (\d+) from", acc[0]["text"]).group(1)
    parent = [e for e in evs if e["event"] == "call" and e["pid"] != child
              and e["text"].startswith("close(%s)" % conn)]
    assert len(parent) == 1, evs
    after = evs[evs.index(parent[0]) + 1:]
    pk = [e for e in after if e["event"] == "packet"]
    data = [e for e in pk if "len 15" in e["summary"]]
    assert len(data) == 2 and all(e["pid"] == child for e in data), pk
    assert sum(1 for e in pk if "len 5" in e["summary"]) >= 1, pk  # "again" came after
    fins = [e for e in pk if " FIN" in e["summary"] and e["summary"].startswith(">")]
    assert len(fins) == 1 and fins[0]["pid"] == child and \
        re.match(r"close\(\d+\)", fins[0]["cause"]), pk
    before = evs[evs.index(parent[0]) + 1:evs.index(data[0])]
    assert not any("CLOSED" in (e.get("summary") or "") + (e.get("text") or "")
                   for e in before), before


@case
def closing_one_copy_of_a_shared_socket():
    """A one-shot forking server: after fork the parent closes its copies
    of the listener and the connection while the child keeps the
    connection and talks 2 s later. The connection closes only with the
    child's close: its packets after the parent's close are still shown
    and tied to the child, and the FIN is the child's close's."""
    shared_case(SHARED)


@case
def closing_a_socket_passed_with_scm_rights():
    """As closing_one_copy_of_a_shared_socket, the connection handed to an
    earlier child with SCM_RIGHTS over a socketpair: the sender's close is
    not the connection's."""
    shared_case(SCM, ["0"])


@case
def closing_a_socket_in_flight_with_scm_rights():
    """The same, the receiver 0.5 s late: the sender closes its copy while
    the descriptor is still in flight (held by no process), so that close
    lets the flow go; the receiver's copy, followed when recvmsg() returns,
    takes it back."""
    shared_case(SCM, ["0.5"])


@case
def closing_a_socket_passed_with_sendmmsg():
    """As closing_a_socket_passed_with_scm_rights, the connection passed in
    the second message of a sendmmsg() (tests/tools/scm_mmsg.c) and received
    with recvmmsg(): each message's control data is examined."""
    prog = tool("scm_mmsg")
    if not os.access(prog, os.X_OK):
        raise Skip("tests/tools/scm_mmsg is not built")
    # a sanitizer build's leak checker cannot run under ptrace: off in the program
    shared_case(None, cmd=[need("env"), "ASAN_OPTIONS=detect_leaks=0", prog])


DUPED = r"""
import os, socket, time""" + ACCEPT_ONE + r"""d = os.dup(c.fileno())
l.close()
c.close()  # the dup still holds the connection
time.sleep(2.0)  # longer than a closed socket's flow is kept
for i in range(2):
    data = os.read(d, 100)
    os.write(d, b"dup got " + data)
os.read(d, 100)
os.close(d)
"""


@case
def closing_the_original_of_a_dup():
    """A server that dup()s its connection and closes the original: the
    connection goes on through the copy 2 s later, its packets are shown,
    and it closes with the copy's close."""
    need_root()
    p = Proc(["trace", "--", PY, "-c", DUPED])
    with p:
        port = int(stdout_re(p, rb"port (\d+)\n").group(1))
        s = socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
        got = []
        for msg in (b"hello", b"again"):
            s.sendall(msg)
            got.append(s.recv(100))
        s.close()
        assert p.wait(30) == 0, p.stderr_text()
    assert got == [b"dup got hello", b"dup got again"], got
    ev = lines(p.stderr_text())
    conn = re.search(r"\] accept4?\(\d+, [^)]*\) = (\d+) from", "\n".join(ev)).group(1)
    order(ev, [r"\] close\(%s\) = 0" % conn,
               r'\] write\((\d+), 13\) = 13 "dup got hello"', r"^> \[P\.\] seq 1:14 len 13",
               r'\] write\((\d+), 13\) = 13 "dup got again"', r"^> \[P\.\] seq 14:27 len 13",
               r"\] close\(\d+\) = 0", r"^> FIN"])


if __name__ == "__main__":
    main()
