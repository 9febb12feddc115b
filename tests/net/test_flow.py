#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""--flow live: `sniff -i lo --flow -w FILE 'tcp port P'` during a TCP
exchange (a request, a response in several writes, a close) prints at the
end the same ladder as `tshark -q -z flow,tcp,standard -r FILE` on the
packets it wrote, and -Y selects the arrows (only the data segments). Needs
root (skipped otherwise); the comparisons over many captures are
tests/golden/test_flow_tshark.py."""
import os
import re
import signal
import socket
import tempfile
import threading
import time

from wtest import case, main, need, need_root, Proc, SLOW, WIRECAT, free_port, wait_for

STATS = re.compile(rb"(\d+) packets captured")


def serve(srv, parts):
    c, _ = srv.accept()
    with c:
        c.recv(4096)
        for p in parts:
            c.sendall(p)
            time.sleep(0.02)


def exchange(port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(1)
    parts = [b"a" * 100, b"b" * 2000, b"c" * 30]
    t = threading.Thread(target=serve, args=(srv, parts))
    t.start()
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
    got = b""
    c.settimeout(10)
    while len(got) < 2130:
        b = c.recv(65536)
        if not b:
            break
        got += b
    c.close()
    t.join(10)
    srv.close()
    assert len(got) == 2130, len(got)


def sniff_flow(extra, port, path):
    p = Proc([WIRECAT, "sniff", "-i", "lo", "--flow", "-w", path] + extra
             + ["tcp", "port", str(port)], wirecat=False)
    p.wait_err(r"listening on", timeout=10)
    with p:
        exchange(port)
        # SYN, SYN/ACK, ACK, request and its ACK, 3 data, FINs and ACKs: at least 10
        wait_for(lambda: os.path.getsize(path) >= 24 + 10 * (16 + 54), timeout=10 * SLOW,
                 what="the exchange in the file")
        time.sleep(0.3 * SLOW)
        p.signal(signal.SIGINT)
        rc = p.wait(10)
    return rc, p.stdout_bytes().decode(), p.stderr_text()


def tshark_flow(path, expr=None):
    import subprocess
    argv = ["tshark", "-q", "-z", "flow,tcp,standard", "-r", path]
    t = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return t.returncode, t.stdout.decode()


@case
def live_ladder_as_tshark():
    need_root()
    need("tshark")
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "o.pcap")
        rc, out, err = sniff_flow([], port, f)
        assert rc == 0, err
        trc, tout = tshark_flow(f)
        assert trc == 0
        arrows = out.count("--->") + out.count("<---")
        assert arrows >= 10, out
        assert out == tout, "wirecat:\n%s\ntshark:\n%s" % (out, tout)
        assert "SYN" in out and "FIN" in out and "Len: 18" in out, out


@case
def live_display_filter_selects_arrows():
    need_root()
    need("tshark")
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "o.pcap")
        rc, out, err = sniff_flow(["-Y", "tcp.len > 0"], port, f)
        assert rc == 0, err
        # -w writes the selected packets only: tshark's ladder of that file has the
        # same arrows (its relative numbers start again, so only flags and lengths)
        labels = re.findall(r"\b(PSH, ACK - Len: \d+|ACK - Len: \d+)", out)
        trc, tout = tshark_flow(f)
        want = re.findall(r"\b(PSH, ACK - Len: \d+|ACK - Len: \d+)", tout)
        total = sum(int(x.rsplit(" ", 1)[1]) for x in labels)
        assert labels == want and total == 18 + 2130, (labels, want, out)
        assert "SYN" not in out and "FIN" not in out, out
        assert re.search(r"Seq = 1 Ack = 19", out), out  # relative: counted on every packet


if __name__ == "__main__":
    main()
