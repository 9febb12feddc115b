# SPDX-License-Identifier: BSD-2-Clause
"""wirecat sniff on loopback: the kernel filter, every packet once on lo, -c,
-w read back by tcpdump and tshark, rotation (-C/-G/-W), -Q, -i any, -d, bad
filters, and privileges (as nobody: exit 4; with only CAP_NET_RAW and
CAP_NET_ADMIN: works; -Z). Other tests may run on lo at the same time, so
every capture filters on ports this test owns. Needs root: skipped otherwise."""
import os
import pwd
import re
import signal
import socket
import stat
import struct
import subprocess
import tempfile
import threading
import time

from wtest import case, main, need, need_root, Proc, run, Skip, SLOW, WIRECAT, free_port, wait_for

STATS = re.compile(rb"(\d+) packets captured, (\d+) received by filter, (\d+) dropped by kernel")


def records(path):
    """Number of records in a classic pcap file (tolerates a cut last one)."""
    data = open(path, "rb").read()
    if len(data) < 24:
        return 0
    end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, n = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        if off + 16 + incl > len(data):
            break
        n += 1
        off += 16 + incl
    return n


def sniff(args, env=None, prefix=()):
    """Starts wirecat sniff ARGS and waits until it listens."""
    p = Proc(list(prefix) + [WIRECAT, "sniff"] + list(args), env=env, wirecat=False)
    p.wait_err(r"listening on", timeout=10)
    return p


def send_udp(port, n, size=5, host="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(n):
        s.sendto(b"x" * size, (host, port))
    s.close()


def stop(p, expect=None, timeout=10):
    """Waits until stdout shows `expect` packets (a line each) and a little
    more, so a duplicate would show too; then SIGINT, wait, and return
    (rc, captured, received, dropped)."""
    if expect is not None:
        try:
            wait_for(lambda: len(out_lines(p)) >= expect, timeout=10, what="%d packets" % expect)
        except AssertionError:
            pass  # the counts below tell what went wrong
    time.sleep(0.3 * SLOW)
    p.signal(signal.SIGINT)
    rc = p.wait(timeout)
    m = STATS.search(bytes(p.err))
    assert m, "no statistics line: %r" % bytes(p.err)
    return rc, int(m.group(1)), int(m.group(2)), int(m.group(3))


def out_lines(p):
    return [l for l in p.stdout_bytes().splitlines() if l.strip()]


@case
def udp_each_packet_once_on_lo():
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with sniff(["-i", "lo", "-l", "udp", "port", str(port)]) as p:
        send_udp(port, 6)
        rc, cap, recv, drop = stop(p, 6)
        assert rc == 0, (rc, p.stderr_text())
        assert cap == 6 and recv == 6 and drop == 0, (cap, recv, drop)
        assert len(out_lines(p)) == 6, p.stdout_bytes()


@case
def udp_gso_super_packet_is_labelled():
    """A UDP_SEGMENT send of two 4-byte datagrams crosses lo as one packet
    that looks like one 8-byte datagram; the capture labels it [GSO], and a
    plain datagram of the same size is not labelled."""
    need_root()
    UDP_SEGMENT = 103
    port = free_port(socket.SOCK_DGRAM)
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", port))
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        tx.setsockopt(socket.IPPROTO_UDP, UDP_SEGMENT, 4)
    except OSError:
        rx.close()
        tx.close()
        raise Skip("UDP_SEGMENT is not supported here")
    with sniff(["-i", "lo", "-l", "-t", "udp", "port", str(port)]) as p:
        tx.sendto(b"abcdefgh", ("127.0.0.1", port))  # one send, two datagrams
        rx.settimeout(5 * SLOW)
        got = [rx.recv(100), rx.recv(100)]
        assert got == [b"abcd", b"efgh"], got
        plain = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        plain.sendto(b"12345678", ("127.0.0.1", port))
        plain.close()
        rc, cap, recv, drop = stop(p, 2)
    rx.close()
    tx.close()
    lines = out_lines(p)
    assert rc == 0 and len(lines) == 2, (rc, lines)
    assert lines[0].endswith(b"UDP, length 8 [GSO]"), lines
    assert lines[1].endswith(b"UDP, length 8"), lines


@case
def tcp_exchange_same_count_as_tcpdump():
    need_root()
    need("tcpdump")
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        ours, theirs = os.path.join(d, "w.pcap"), os.path.join(d, "t.pcap")
        td = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "-U", "-w", theirs, "tcp port %d" % port],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            with sniff(["-i", "lo", "-w", ours, "--print", "tcp", "port", str(port)]) as p:
                # tcpdump says "listening on" on stderr once it is ready
                line = td.stderr.readline()
                assert b"listening" in line, line
                srv = socket.socket()
                srv.bind(("127.0.0.1", port))
                srv.listen(1)
                c = socket.create_connection(("127.0.0.1", port), timeout=5)
                a, _ = srv.accept()
                c.sendall(b"hello wirecat\n")
                assert a.recv(100) == b"hello wirecat\n"
                a.sendall(b"bye\n")
                assert c.recv(100) == b"bye\n"
                c.close()
                a.close()
                srv.close()
                rc, cap, recv, drop = stop(p, 10)
                assert rc == 0
        finally:
            time.sleep(1.2)  # tcpdump's ring block timeout is 1 s
            td.send_signal(signal.SIGINT)
            td.wait(10)
        n_ours, n_theirs = records(ours), records(theirs)
        assert n_ours == cap, (n_ours, cap)
        assert n_ours == n_theirs and n_ours >= 8, (n_ours, n_theirs)


@case
def kernel_filter_counts_only_matches():
    need_root()
    port, other = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
    with sniff(["-i", "lo", "udp", "dst", "port", str(port)]) as p:
        send_udp(other, 20)
        send_udp(port, 3)
        rc, cap, recv, drop = stop(p, 3)
        assert rc == 0
        assert (cap, recv, drop) == (3, 3, 0), (cap, recv, drop)


@case
def count_stops():
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with sniff(["-i", "lo", "-c", "2", "udp", "port", str(port)]) as p:
        send_udp(port, 5)
        rc = p.wait(10)
        assert rc == 0, p.stderr_text()
        m = STATS.search(bytes(p.err))
        assert m and m.group(1) == b"2", p.stderr_text()
        assert len(out_lines(p)) == 2


@case
def sigterm_stops_with_stats():
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with sniff(["-i", "lo", "udp", "port", str(port)]) as p:
        send_udp(port, 1)
        time.sleep(0.2 * SLOW)
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0
        assert STATS.search(bytes(p.err)), p.stderr_text()
        assert len(out_lines(p)) == 1


@case
def write_file_opens_in_tcpdump_and_tshark():
    need_root()
    need("tcpdump")
    need("tshark")
    port = free_port(socket.SOCK_DGRAM)
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "cap.pcap")
        with sniff(["-i", "lo", "-w", f, "udp", "port", str(port)]) as p:
            send_udp(port, 9, size=300)
            wait_for(lambda: os.path.getsize(f) >= 24 + 9 * (16 + 342), timeout=10, what="9 packets in the file")
            rc, cap, recv, drop = stop(p)
            assert rc == 0 and cap == 9
            assert p.stdout_bytes() == b""
        t1 = subprocess.run(["tcpdump", "-n", "-r", f], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert t1.returncode == 0, t1.stderr
        assert len(t1.stdout.splitlines()) == 9, t1.stdout
        t2 = subprocess.run(["tshark", "-r", f, "-T", "fields", "-e", "frame.len", "-e", "udp.dstport"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert t2.returncode == 0, t2.stderr
        rows = t2.stdout.decode().split("\n")[:-1]
        assert rows == ["342\t%d" % port] * 9, rows
        # and wirecat read agrees
        rc, out, err = run(["read", f])
        assert rc == 0 and len(out.splitlines()) == 9


@case
def write_to_stdout():
    need_root()
    need("tcpdump")
    port = free_port(socket.SOCK_DGRAM)
    with tempfile.TemporaryDirectory() as d:
        with sniff(["-i", "lo", "-c", "4", "-w", "-", "udp", "port", str(port)]) as p:
            send_udp(port, 4)
            assert p.wait(10) == 0
            f = os.path.join(d, "o.pcap")
            open(f, "wb").write(p.stdout_bytes())
        assert records(f) == 4


@case
def rotation_by_size():
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with tempfile.TemporaryDirectory() as d:
        base = os.path.join(d, "rot")
        with sniff(["-i", "lo", "-w", base, "--print", "-C", "4k", "udp", "port", str(port)]) as p:
            send_udp(port, 60, size=400)  # ~26 KB: about 7 files of 4 KiB
            rc, cap, recv, drop = stop(p, 60)
            assert rc == 0 and cap == 60, (cap, p.stderr_text())
        names = sorted(os.listdir(d))
        assert "rot" in names and "rot1" in names and "rot2" in names, names
        assert sum(records(os.path.join(d, n)) for n in names) == 60
        for n in names:
            assert os.path.getsize(os.path.join(d, n)) <= 4096 + 500, n
    with tempfile.TemporaryDirectory() as d:
        base = os.path.join(d, "ring")
        with sniff(["-i", "lo", "-w", base, "--print", "-C", "4k", "-W", "3", "udp", "port", str(port)]) as p:
            send_udp(port, 60, size=400)
            rc, cap, recv, drop = stop(p, 60)
            assert rc == 0 and cap == 60
        names = sorted(os.listdir(d))
        assert names == ["ring0", "ring1", "ring2"], names


@case
def rotation_by_time_with_limit():
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with tempfile.TemporaryDirectory() as d:
        base = os.path.join(d, "t-%s.pcap")
        with sniff(["-i", "lo", "-w", base, "-G", "1", "-W", "2", "udp", "port", str(port)]) as p:
            send_udp(port, 2)
            rc = p.wait(10)  # stops by itself after 2 files
            assert rc == 0, p.stderr_text()
            assert "maximum file limit" in p.stderr_text()
        names = sorted(os.listdir(d))
        assert len(names) == 2 and all(re.match(r"t-\d+\.pcap$", n) for n in names), names
        assert records(os.path.join(d, names[0])) == 2


@case
def direction_out_on_lo():
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    for q in ("in", "out", "inout"):
        with sniff(["-i", "lo", "-Q", q, "udp", "port", str(port)]) as p:
            send_udp(port, 3)
            rc, cap, recv, drop = stop(p, 3)
            assert rc == 0 and cap == 3, (q, cap)


@case
def any_interface_lo_once():
    need_root()
    need("tcpdump")
    port = free_port(socket.SOCK_DGRAM)
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "any.pcap")
        with sniff(["-i", "any", "-w", f, "--print", "udp", "port", str(port)]) as p:
            send_udp(port, 5)
            rc, cap, recv, drop = stop(p, 5)
            assert rc == 0 and cap == 5 and recv == 5, (cap, recv)
        t = subprocess.run(["tcpdump", "-n", "-r", f], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert b"LINUX_SLL2" in t.stderr, t.stderr
        rows = t.stdout.decode().splitlines()
        assert len(rows) == 5 and all(" lo " in r and " In " in r for r in rows), rows
        assert all(("> 127.0.0.1.%d: UDP, length 5" % port) in r for r in rows), rows


@case
def snaplen_truncates():
    need_root()
    port = free_port(socket.SOCK_DGRAM)
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "s.pcap")
        with sniff(["-i", "lo", "-s", "60", "-w", f, "--print", "udp", "port", str(port)]) as p:
            send_udp(port, 2, size=500)
            stop(p, 2)
        data = open(f, "rb").read()
        snap, _ = struct.unpack("<II", data[16:24])
        assert snap == 60
        incl, orig = struct.unpack("<II", data[24 + 8:24 + 16])
        assert incl == 60 and orig == 542, (incl, orig)


@case
def bad_filter_exit_2():
    need_root()
    rc, out, err = run(["sniff", "-i", "lo", "udp", "port"])
    assert rc == 2, (rc, err)
    assert b"syntax error" in err, err
    rc, out, err = run(["sniff", "-i", "lo", "tcp[tcpflags] & tcp-bogus != 0"])
    assert rc == 2 and len(err.splitlines()) == 1 and err.startswith(b"wirecat: sniff: "), err


@case
def dump_program():
    need_root()
    need("tcpdump")
    rc, out, err = run(["sniff", "-i", "lo", "-d", "udp", "port", "5005"])
    assert rc == 0, err
    t = subprocess.run(["tcpdump", "-i", "lo", "-d", "udp port 5005"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    assert out.split() == t.stdout.split(), (out, t.stdout)


@case
def usage_errors():
    bad = [["-Q", "sideways"], ["-B", "x"], ["-C", "1"], ["-W", "2", "-w", "/tmp/x"], ["--bogus"], ["-c", "0"]]
    if os.geteuid() == 0:
        bad.append(["-i", "no-such-if0"])  # without root the privilege check comes first
    for args in bad:
        rc, out, err = run(["sniff"] + args)
        assert rc == 2, (args, rc, err)


@case
def help_and_list():
    rc, out, err = run(["sniff", "--help"])
    assert rc == 0
    for opt in (b"-i IF", b"-D", b"-B", b"-s SNAPLEN", b"-c COUNT", b"-p", b"-Q", b"-l", b"-w FILE", b"-C",
                b"-G", b"-W", b"-Z USER", b"-d", b"-n", b"-N", b"-tt", b"--time", b"-V", b"-X", b"--payload",
                b"--json", b"--stats", b"setcap", b"-r FILE", b"-v, -vv", b"-e ", b"-A, -AA", b"-x, -xx",
                b"-X, -XX"):
        assert opt in out, opt
    rc, out, err = run(["sniff", "-D"])
    assert rc == 0 and b".lo " in out and b"any" in out, out


@case
def live_counter_on_a_terminal():
    """Writing a file with stderr on a terminal: a live packet counter."""
    need_root()
    import pty
    port = free_port(socket.SOCK_DGRAM)
    master, slave = pty.openpty()
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "c.pcap")
        p = subprocess.Popen([WIRECAT, "sniff", "-i", "lo", "-w", f, "udp", "port", str(port)],
                             stdout=subprocess.DEVNULL, stderr=slave, start_new_session=True)
        os.close(slave)
        got = b""
        try:
            deadline = time.monotonic() + 10 * SLOW
            while b"listening on" not in got and time.monotonic() < deadline:
                got += os.read(master, 4096)
            send_udp(port, 3)
            while b"Got 3" not in got and time.monotonic() < deadline:
                got += os.read(master, 4096)
            p.send_signal(signal.SIGINT)
            assert p.wait(10 * SLOW) == 0
            try:
                while True:
                    b = os.read(master, 4096)
                    if not b:
                        break
                    got += b
            except OSError:
                pass
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            os.close(master)
        assert b"\rGot 3" in got, got
        assert STATS.search(got), got
        assert records(f) == 3


def nobody():
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        raise Skip("no user nobody")
    need("setpriv")
    # the binary must be reachable by nobody
    p = WIRECAT
    while p != "/":
        if not os.stat(p).st_mode & stat.S_IXOTH:
            raise Skip("%s is not reachable by other users" % p)
        p = os.path.dirname(p)


GROUP = "nogroup"


def nobody_args(caps=False):
    try:
        import grp
        grp.getgrnam(GROUP)
        g = GROUP
    except KeyError:
        g = str(pwd.getpwnam("nobody").pw_gid)
    a = ["setpriv", "--reuid=nobody", "--regid=" + g, "--clear-groups"]
    if caps:
        a += ["--inh-caps=+net_raw,+net_admin", "--ambient-caps=+net_raw,+net_admin"]
    return a


@case
def no_privilege_exit_4():
    need_root()
    nobody()
    p = subprocess.run(nobody_args() + [WIRECAT, "sniff", "-i", "lo", "-c", "1"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10 * SLOW)
    assert p.returncode == 4, (p.returncode, p.stderr)
    err = p.stderr.decode().strip().splitlines()
    assert len(err) == 1, err
    assert "CAP_NET_RAW" in err[0] and "CAP_NET_ADMIN" in err[0] and "root" in err[0] and "setcap" in err[0]


@case
def only_two_capabilities_work():
    need_root()
    nobody()
    port = free_port(socket.SOCK_DGRAM)
    with sniff(["-i", "lo", "-c", "2", "udp", "port", str(port)], prefix=nobody_args(caps=True)) as p:
        send_udp(port, 2)
        rc = p.wait(10)
        assert rc == 0, p.stderr_text()
        assert len(out_lines(p)) == 2


@case
def setcap_copy_works():
    need_root()
    nobody()
    need("setcap")
    port = free_port(socket.SOCK_DGRAM)
    d = tempfile.mkdtemp()
    try:
        os.chmod(d, 0o755)
        b = os.path.join(d, "wirecat")
        with open(WIRECAT, "rb") as src, open(b, "wb") as dst:
            dst.write(src.read())
        os.chmod(b, 0o755)
        r = subprocess.run(["setcap", "cap_net_raw,cap_net_admin+eip", b], stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise Skip("setcap failed here: %r" % r.stderr)
        p = Proc(nobody_args() + [b, "sniff", "-i", "lo", "-c", "1", "udp", "port", str(port)], wirecat=False)
        with p:
            try:
                p.wait_err(r"listening on", timeout=10)
            except AssertionError:
                if b"nosuid" in subprocess.run(["findmnt", "-no", "OPTIONS", "-T", d],
                                               stdout=subprocess.PIPE).stdout:
                    raise Skip("file capabilities ignored on a nosuid mount")
                raise
            send_udp(port, 1)
            assert p.wait(10) == 0, p.stderr_text()
    finally:
        for n in os.listdir(d):
            os.unlink(os.path.join(d, n))
        os.rmdir(d)


@case
def drop_to_user():
    need_root()
    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        raise Skip("no user nobody")
    port = free_port(socket.SOCK_DGRAM)
    d = tempfile.mkdtemp()
    try:
        os.chmod(d, 0o777)
        f = os.path.join(d, "z.pcap")
        with sniff(["-i", "lo", "-Z", "nobody", "-c", "1", "-w", f, "udp", "port", str(port)]) as p:
            send_udp(port, 1)
            assert p.wait(10) == 0, p.stderr_text()
        assert os.stat(f).st_uid == pw.pw_uid
        assert records(f) == 1
        rc, out, err = run(["sniff", "-i", "lo", "-Z", "no-such-user-xyz"])
        assert rc == 2, (rc, err)
    finally:
        for n in os.listdir(d):
            os.unlink(os.path.join(d, n))
        os.rmdir(d)


main()
