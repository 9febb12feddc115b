# SPDX-License-Identifier: BSD-2-Clause
"""wirecat trace's outputs besides the text timeline: --json (calls, packets
with the fields `read --json` shows, notes, one NDJSON object per line, in
time order) and -w FILE.pcapng (the packets with a comment naming the
process and the call that caused each), on the lecture's TCP echo server
and client (tests/net/lecture/). All traffic is on 127.0.0.1."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wtest import SLOW, Skip, case, main, need, need_root, WIRECAT  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LECTURE = os.path.join(HERE, "lecture")
PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


def lecture(name):
    return os.path.join(LECTURE, name)


def tmp(suffix):
    fd, path = tempfile.mkstemp(prefix="wtout", suffix=suffix)
    os.close(fd)
    return path


def echo_pair(srv_opts, cli_opts, message):
    """Runs the echo server and the client, each under wirecat trace with its
    options (the files they name are the caller's). Returns (server pid,
    client pid) as the programs saw them (from the trace's start events or
    lines), after checking both programs' output and status."""
    srv = subprocess.Popen([WIRECAT, "trace"] + srv_opts + ["--", PY, lecture("tcp_echo_server.py")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = srv.stdout.readline()
        m = re.match(rb"listening on (\d+)\n", line)
        assert m, (line, srv.stderr.read() if srv.poll() is not None else b"")
        cli = subprocess.run([WIRECAT, "trace"] + cli_opts + ["--", PY, lecture("tcp_echo_client.py"),
                              m.group(1).decode(), message],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30 * SLOW)
        assert cli.returncode == 0, (cli.returncode, cli.stderr)
        assert cli.stdout == b"reply: " + message.strip().encode() + b"\n", cli.stdout
        out, err = srv.communicate(timeout=30 * SLOW)
        assert srv.returncode == 0, (srv.returncode, err)
        assert out == b"echoed %d bytes\n" % (len(message.encode()) + 1), out
        return cli
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()


def read_json(path):
    """`wirecat read --json FILE`: one object per frame."""
    cp = subprocess.run([WIRECAT, "read", "--json", path], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=30 * SLOW)
    assert cp.returncode == 0, cp.stderr
    return [json.loads(ln) for ln in cp.stdout.decode().splitlines()]


def tshark_fields(path, fields):
    tshark = need("tshark")
    cp = subprocess.run([tshark, "-r", path, "-T", "fields"] + sum([["-e", f] for f in fields], []),
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60 * SLOW)
    assert cp.returncode == 0, cp.stderr
    return [ln.split("\t") for ln in cp.stdout.decode().splitlines()]


def first(evs, pred, what):
    for i, e in enumerate(evs):
        if pred(e):
            return i
    raise AssertionError("no %s in:\n%s" % (what, "\n".join(json.dumps(e) for e in evs)))


@case
def json_has_packets_fields_and_notes():
    """trace --json -w on the echo server: every line is one JSON object;
    the packets are there, numbered, in time order with the calls (the
    client's SYN before accept returns, the data in before the recv that
    returns it, the data out after send, the FIN after close); each packet's fields equal
    `wirecat read --json` of the same frame of the -w file, and tcp.flags,
    tcp.len and ip.src equal tshark's; the notes are events tied to a frame
    or a call; a message with control bytes stays one escaped line."""
    need_root()
    out, pcap = tmp(".json"), tmp(".pcapng")
    try:
        echo_pair(["-o", out, "--json", "-w", pcap], [], "hi\x1b[31m\tyou")
        with open(out, "rb") as f:
            raw = f.read()
        assert all(b >= 0x20 for ln in raw.split(b"\n") for b in ln), "a raw control byte"
        evs = [json.loads(ln) for ln in raw.decode().splitlines()]
        times = [e["time"] for e in evs]
        assert times == sorted(times), "events out of time order"
        pkts = [e for e in evs if e["event"] == "packet"]
        assert len(pkts) >= 9 and [p["frame"] for p in pkts] == list(range(1, len(pkts) + 1)), pkts
        pid = evs[0]["pid"]
        assert all(p["pid"] == pid and p["comm"] == "python3" for p in pkts), pkts
        call = lambda name: lambda e: e["event"] == "call" and e["call"] == name  # noqa: E731
        syn = first(evs, lambda e: e["event"] == "packet" and e["summary"].startswith("< SYN "),
                    "SYN")
        acc = first(evs, lambda e: e["event"] == "call" and e["call"].startswith("accept"), "accept")
        din = first(evs, lambda e: e["event"] == "packet" and e["dir"] == "in"
                    and e["fields"].get("tcp.len") not in (None, "0"), "data in")
        rcv = first(evs, call("recvfrom"), "recv")
        snd = first(evs, call("sendto"), "send")
        dout = first(evs, lambda e: e["event"] == "packet" and e["dir"] == "out"
                     and e["fields"].get("tcp.len") not in (None, "0"), "data out")
        cls = first(evs, lambda e: e["event"] == "call" and e["text"].startswith("close(4)"), "close")
        fin = first(evs, lambda e: e["event"] == "packet" and e["dir"] == "out"
                    and e["summary"].startswith("> FIN"), "FIN out")
        # the data may arrive before accept returns (the client sends at once)
        assert syn < acc < rcv and din < rcv < snd < dout and cls < fin, \
            (syn, acc, din, rcv, snd, dout, cls, fin)
        assert evs[dout]["cause"] == evs[snd]["text"] and evs[dout]["fd"] == 4, evs[dout]
        # a call that took more than 1 ms says so
        assert re.fullmatch(r"close\(4\) = 0( \(\d+\.\d ms\))?", evs[fin]["cause"]), evs[fin]
        assert evs[syn]["fd"] == 3 and "cause" not in evs[syn], evs[syn]
        assert "\x1b[31m\tyou" in evs[snd]["text"], evs[snd]
        notes = [e for e in evs if e["event"] == "note"]
        assert any(n.get("frame") and "handshake" in n["text"] for n in notes), notes
        assert any(n.get("call", "").startswith("recv(4, 20)") and "returned" in n["text"]
                   for n in notes), notes
        assert notes[-1]["text"].startswith("trace: %d packets" % len(pkts)), notes[-1]
        # the same packets, read back: fields equal read --json's, and tshark's
        ref = read_json(pcap)
        assert len(ref) == len(pkts), (len(ref), len(pkts))
        for p, r in zip(pkts, ref):
            assert p["fields"] == r, (p["fields"], r)
            assert p["hex"] and len(p["hex"]) == 2 * int(r["frame.cap_len"]), p
        ts = tshark_fields(pcap, ["frame.number", "tcp.flags", "tcp.len", "ip.src"])
        assert len(ts) == len(pkts), ts
        compared = 0
        for p, t in zip(pkts, ts):
            f = p["fields"]
            assert [str(p["frame"]), f["tcp.flags"], f["tcp.len"], f["ip.src"]] == t, (f, t)
            compared += 1
        assert compared >= 9
    finally:
        os.unlink(out)
        os.unlink(pcap)


@case
def pcapng_comments_name_process_and_call():
    """trace -w with the text timeline, on the client and the server: tshark
    and `wirecat read` read the file; as many packets as the timeline's
    closing line counts; each comment names the right pid and call: the SYN
    the connect, the data the send, the FIN the close; incoming packets the
    socket that got them; the kernel's ACKs are "not tied to a call"."""
    need_root()
    cpcap, spcap, stl = tmp(".pcapng"), tmp(".pcapng"), tmp(".txt")
    try:
        cli = echo_pair(["-o", stl, "-w", spcap], ["-w", cpcap], "hello")
        ctl = cli.stderr.decode()
        cpid = int(re.search(r"\[(\d+) python3\] socket\(", ctl).group(1))
        with open(stl) as f:
            stl_text = f.read()
        spid = int(re.search(r"\[(\d+) python3\] socket\(", stl_text).group(1))
        for pcap, tl in ((cpcap, ctl), (spcap, stl_text)):
            n = int(re.search(r"^trace: (\d+) packets of this command", tl, re.M).group(1))
            rows = tshark_fields(pcap, ["frame.number", "tcp.flags", "tcp.len", "frame.comment"])
            assert len(rows) == n and n >= 9, (len(rows), n, tl)
            cp = subprocess.run([WIRECAT, "read", pcap], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=30 * SLOW)
            assert cp.returncode == 0 and len(cp.stdout.splitlines()) == n, cp
        rows = tshark_fields(cpcap, ["tcp.flags", "tcp.len", "frame.comment"])
        syn = [r for r in rows if r[0] == "0x0002"]
        took = r"( \(\d+\.\d ms\))?"  # a call that took more than 1 ms says so
        assert syn and re.fullmatch(r"pid %d \(python3\) connect\(3, 127\.0\.0\.1:\d+\) = 0"
                                    % cpid + took, syn[0][2]), rows
        data = [r for r in rows if r[1] == "6"]
        assert len(data) == 2, rows
        assert re.fullmatch(r'pid %d \(python3\) send\(3, 6\) = 6 "hello\\n"' % cpid + took,
                            data[0][2]), data
        assert data[1][2] == "to pid %d (python3) fd 3" % cpid, data
        fins = [r for r in rows if r[0] == "0x0011"]
        assert len(fins) == 2, fins
        assert sorted(re.sub(took + "$", "", f[2]) for f in fins) == sorted([
            "pid %d (python3) close(3) = 0" % cpid, "to pid %d (python3) fd 3" % cpid]), fins
        acks = [r for r in rows if r[0] == "0x0010"]
        assert acks and any(r[2] == "pid %d (python3) fd 3, sent by the kernel, not tied to a "
                            "call" % cpid for r in acks), acks
        rows = tshark_fields(spcap, ["tcp.flags", "tcp.len", "frame.comment"])
        assert rows[0][:1] == ["0x0002"] and rows[0][2] == "to pid %d (python3) fd 3" % spid, rows
        data = [r for r in rows if r[1] == "6"]
        # the data may come before accept() returns: then the listener holds it
        assert data[0][2] in ("to pid %d (python3) fd 4" % spid,
                              "to pid %d (python3), queued on listening fd 3 until accept()"
                              % spid), data
        assert re.fullmatch(r'pid %d \(python3\) send\(4, 6\) = 6 "hello\\n"' % spid + took,
                            data[1][2]), data
    finally:
        for p in (cpcap, spcap, stl):
            os.unlink(p)


@case
def command_trace_json_is_trace_json():
    """connect --trace --json: the NDJSON of trace --json: call events in
    its call-line format (connect(FD, ADDR) = 0, send(FD, 6) = 6) with the
    call's name and result, the packets with read --json's fields, the
    notes; listen too; --json without --trace is a usage error."""
    need_root()
    srv = subprocess.Popen([WIRECAT, "listen", "--trace", "--json", "127.0.0.1", "0"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = b""
        for _ in range(200):  # the listen call comes first
            line += srv.stderr.readline()
            if b'"call":"listen"' in line:
                break
        ev = [json.loads(ln) for ln in line.decode().splitlines()]
        port = int(re.search(r":(\d+)\)", ev[0]["text"]).group(1))
        assert ev[0]["call"] == "bind" and re.fullmatch(r"listen\(\d+, 4096\) = 0",
                                                        ev[1]["text"]), ev
        cli = subprocess.Popen([WIRECAT, "connect", "--trace", "--json", "127.0.0.1", str(port)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
        cli.stdin.write(b"Hello\n")
        cli.stdin.close()
        cli.stdin = None
        time.sleep(1.0 * SLOW)  # connected, sent and shut its side: the server ends now
        out, err = srv.communicate(input=b"", timeout=30 * SLOW)
        cout, cerr = cli.communicate(timeout=30 * SLOW)
        cp = subprocess.CompletedProcess(cli.args, cli.returncode, cout, cerr)
        assert srv.returncode == 0 and out == b"Hello\n", (srv.returncode, out, err)
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()
    assert cp.returncode == 0, cp.stderr
    evs = [json.loads(ln) for ln in cp.stderr.decode().splitlines()]
    calls = [e for e in evs if e["event"] == "call" and "call" in e]
    assert calls[0]["call"] == "connect" and calls[0]["ret"] == 0 and re.fullmatch(
        r"connect\(\d+, 127\.0\.0\.1:%d\) = 0" % port, calls[0]["text"]), calls
    assert any(re.fullmatch(r"send\(\d+, 6\) = 6", c["text"]) and c["ret"] == 6
               for c in calls), calls
    assert all(c["comm"] == "wirecat" and c["pid"] == calls[0]["pid"] for c in calls), calls
    pkts = [e for e in evs if e["event"] == "packet"]
    assert len(pkts) >= 8 and pkts[0]["fields"]["tcp.flags"] == "0x0002", pkts
    assert [p["frame"] for p in pkts] == list(range(1, len(pkts) + 1))
    assert any(e["event"] == "note" and "handshake" in e["text"] for e in evs), evs
    srv_evs = [json.loads(ln) for ln in err.decode().splitlines()]
    assert any(e["event"] == "call" and e.get("call") == "accept" for e in srv_evs), srv_evs
    cp = subprocess.run([WIRECAT, "connect", "--json", "127.0.0.1", "9"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10 * SLOW)
    assert cp.returncode == 2 and b"--trace" in cp.stderr, cp


def _json_lines(data):
    return [json.loads(ln) for ln in data.decode().splitlines() if ln.startswith("{")]


def _calls(evs):
    return [e for e in evs if e["event"] == "call" and "call" in e]


def _port_of_bind(proc, last):
    """Reads the server's NDJSON up to the line holding last (bytes); returns
    (its port, the events read). The server writes its bind calls at once."""
    line = b""
    for _ in range(200):
        got = proc.stderr.readline()
        line += got
        if not got or last in got:
            break
    ev = [json.loads(ln) for ln in line.decode().splitlines() if ln.startswith("{")]
    return int(re.search(r":(\d+)\)", ev[0]["text"]).group(1)), ev


def _caused(evs, call):
    """The first packet whose cause starts with call."""
    pk = [e for e in evs if e["event"] == "packet" and e.get("cause", "").startswith(call)]
    assert pk, "no packet caused by %r: %r" % (call, evs)
    return pk[0]


def _same_process(calls):
    assert calls and all(c["comm"] == "wirecat" and c["pid"] == calls[0]["pid"]
                         for c in calls), calls


@case
def server_commands_trace_json():
    """echo --trace --json, listen -k --trace --json and http --trace-json
    write trace --json's NDJSON: each client's calls (accept4 with the new
    fd, recv, send, close; recvmmsg/sendmmsg) in the call-line format, with
    the call's name and result, and the packets; --json without --trace is a
    usage error. Their packets name the process, the socket and the call
    that caused them (pid, comm, fd, cause) as trace --json's do."""
    need_root()
    import http.server
    import socket
    import signal
    import threading
    # echo
    p = subprocess.Popen([WIRECAT, "echo", "--trace", "--json", "127.0.0.1", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        port, first_evs = _port_of_bind(p, b'"note":"udp"')
    except Exception:
        p.kill()
        raise
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
        c.sendall(b"hi\n")
        assert c.recv(10) == b"hi\n"
        c.close()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(5 * SLOW)
        u.sendto(b"udp!", ("127.0.0.1", port))
        assert u.recv(10) == b"udp!"
        u.close()
        time.sleep(0.5 * SLOW)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30 * SLOW)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err
    evs = first_evs + _json_lines(err)
    calls = _calls(evs)
    _same_process(calls)
    acc = [c for c in calls if c["call"] == "accept4"]
    assert len(acc) == 1 and acc[0]["ret"] > 2, calls
    fd = acc[0]["ret"]
    assert [c["ret"] for c in calls if c["text"].startswith("recv(%d," % fd)] == [3, 0], calls
    assert any(c["text"] == "send(%d, 3) = 3" % fd for c in calls), calls
    assert any(c["text"] == "close(%d) = 0" % fd for c in calls), calls
    assert any(c["call"] == "recvmmsg" and c["ret"] == 1 and "4 bytes" in c["note"]
               for c in calls), calls
    assert any(e["event"] == "packet" and e["fields"].get("udp.length") == "12" for e in evs), \
        evs
    # the packets name the process, the socket and the call that caused them
    pid = calls[0]["pid"]
    pk = _caused(evs, "send(%d, 3) = 3" % fd)
    assert pk["pid"] == pid and pk["fd"] == fd and pk["comm"] == "wirecat", pk
    assert pk["summary"].startswith("> [P.] seq 1:4 len 3"), pk
    pk = _caused(evs, "sendmmsg(")
    assert pk["pid"] == pid and pk["fields"]["udp.length"] == "12", pk
    # listen -k
    p = subprocess.Popen([WIRECAT, "listen", "-k", "--trace", "--json", "127.0.0.1", "0"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        port, first_evs = _port_of_bind(p, b'"call":"listen"')
        c = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
        c.sendall(b"hi\n")
        c.close()
        time.sleep(0.5 * SLOW)
        p.stdin.close()
        p.stdin = None
        time.sleep(0.3 * SLOW)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30 * SLOW)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0 and out == b"hi\n", (p.returncode, out, err)
    calls = _calls(first_evs + _json_lines(err))
    _same_process(calls)
    acc = [c for c in calls if c["call"] == "accept4"]
    assert len(acc) == 1 and acc[0]["ret"] > 2, calls
    fd = acc[0]["ret"]
    assert [c["ret"] for c in calls if c["text"].startswith("recv(%d," % fd)] == [3, 0], calls
    assert any(c["text"] == "close(%d) = 0" % fd for c in calls), calls
    fin = [e for e in _json_lines(err) if e["event"] == "packet" and e["dir"] == "out"
           and e["fields"].get("tcp.flags.fin") == "1"]
    assert fin and fin[0]["fd"] == fd and fin[0]["pid"] == calls[0]["pid"] and \
        re.fullmatch(r"(shutdown|close)\(%d.*" % fd, fin[0].get("cause", "")), fin
    # http

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        cp = subprocess.run([WIRECAT, "http", "--trace-json", "-o", os.devnull,
                             "http://127.0.0.1:%d/" % srv.server_address[1]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30 * SLOW)
    finally:
        srv.shutdown()
        srv.server_close()
    assert cp.returncode == 0, cp.stderr
    evs = _json_lines(cp.stderr)
    calls = _calls(evs)
    _same_process(calls)
    assert calls[0]["call"] == "connect" and calls[0]["ret"] == 0, calls
    fd = int(re.match(r"connect\((\d+),", calls[0]["text"]).group(1))
    snd = [c for c in calls if c["call"] == "send"]
    assert snd and snd[0]["note"] == "the request: GET / HTTP/1.1" and snd[0]["text"] == \
        "send(%d, %d) = %d" % (fd, snd[0]["ret"], snd[0]["ret"]), calls
    assert any(c["call"] == "recv" and c["ret"] > 0 for c in calls), calls
    assert calls[-1]["text"] == "close(%d) = 0" % fd, calls
    pkts = [e for e in evs if e["event"] == "packet"]
    assert len(pkts) >= 6 and pkts[0]["fields"]["tcp.flags"] == "0x0002", pkts
    assert pkts[0].get("cause") == calls[0]["text"] and pkts[0]["fd"] == fd and \
        pkts[0]["pid"] == calls[0]["pid"], pkts[0]
    pk = _caused(evs, snd[0]["text"])
    assert pk["fd"] == fd and int(pk["fields"]["tcp.len"]) == snd[0]["ret"], pk
    cp = subprocess.run([WIRECAT, "echo", "--json", "127.0.0.1", "0"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10 * SLOW)
    assert cp.returncode == 2 and b"--trace" in cp.stderr, cp


@case
def write_needs_packets():
    """-w with --no-packets is a usage error (2) and writes nothing."""
    path = tmp(".pcapng")
    os.unlink(path)
    cp = subprocess.run([WIRECAT, "trace", "--no-packets", "-w", path, "--", "true"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10 * SLOW)
    assert cp.returncode == 2 and b"-w" in cp.stderr, (cp.returncode, cp.stderr)
    assert not os.path.exists(path)


@case
def json_without_privilege_says_so_in_json():
    """--json without capture privilege: the calls, and one note event saying
    why there are no packets; every line JSON."""
    setpriv = need("setpriv")
    if os.geteuid() != 0:
        raise Skip("needs root to drop privileges with setpriv")
    out = tmp(".json")
    os.chmod(out, 0o666)
    try:
        cp = subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                             "--inh-caps=-all", WIRECAT, "trace", "-o", out, "--json", "--",
                             PY, "-c", "import socket; socket.socket().close()"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30 * SLOW)
        assert cp.returncode == 0, (cp.returncode, cp.stderr)
        with open(out) as f:
            evs = [json.loads(ln) for ln in f.read().splitlines()]
        notes = [e for e in evs if e["event"] == "note"]
        assert len(notes) == 1 and "packets are not shown" in notes[0]["text"], evs
        assert any(e["event"] == "call" and e["call"] == "socket" for e in evs), evs
        assert not any(e["event"] == "packet" for e in evs)
    finally:
        os.unlink(out)


if __name__ == "__main__":
    main()
