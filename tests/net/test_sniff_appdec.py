#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The application decoders on reassembled streams in live `sniff`: an HTTP
GET on lo against python3's http.server whose response (headers, then a
300 KB body) spans several segments, captured by one `sniff -i lo --json -w
FILE --print`. The frames that carry http.request.method and the reassembled
http.response.code in sniff's JSON equal tshark's on FILE (the same packets),
and the response's code is on the segment that completes it, not the first
one. With --no-reassemble (sniff's behaviour before) the code is on the
first segment of the response. Needs root (skipped otherwise)."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from wtest import case, main, need, need_root, Proc, SLOW, WIRECAT, free_port, wait_for

BODY = 300 * 1024


def server(root, port):
    return subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                             "127.0.0.1", "--directory", root],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_listening(port):
    import socket

    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    wait_for(up, timeout=10 * SLOW, what="http.server listening")


def capture(extra, port, root, path):
    p = Proc([WIRECAT, "sniff", "-i", "lo", "--json", "-w", path, "--print"] + extra
             + ["tcp", "port", str(port)], wirecat=False)
    p.wait_err(r"listening on", timeout=10)
    with p:
        body = urllib.request.urlopen("http://127.0.0.1:%d/big.bin" % port, timeout=10).read()
        assert len(body) == BODY
        time.sleep(0.5 * SLOW)
        p.signal(signal.SIGINT)
        rc = p.wait(10)
    assert rc == 0, p.stderr_text()
    return [json.loads(x) for x in p.stdout_bytes().decode().split("\n") if x.strip()]


def frames(objs, field):
    return [(o["frame.number"], o[field]) for o in objs if field in o]


def tshark_frames(path, field):
    t = subprocess.run(["tshark", "-r", path, "-Y", field, "-T", "fields", "-e", "frame.number",
                        "-e", field], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert t.returncode == 0, t.stderr
    return [tuple(x.split("\t")) for x in t.stdout.decode().split("\n") if x]


@case
def live_http_response_code_on_the_completing_frame():
    need_root()
    need("tshark")
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "big.bin"), "wb") as f:
            f.write(b"x" * BODY)
        srv = server(d, port)
        try:
            wait_listening(port)
            path = os.path.join(d, "o.pcap")
            objs = capture([], port, d, path)
            got_code = frames(objs, "http.response.code")
            got_req = frames(objs, "http.request.method")
            want_code = tshark_frames(path, "http.response.code")
            want_req = tshark_frames(path, "http.request.method")
            assert got_code == want_code and len(got_code) == 1, (got_code, want_code)
            assert got_req == want_req and len(got_req) == 1, (got_req, want_req)
            assert got_code[0][1] == "200", got_code
            # the response spans several segments: the code is on a later one
            data = [o["frame.number"] for o in objs
                    if int(o.get("tcp.len", "0")) > 0 and o.get("tcp.srcport") == str(port)]
            assert len(data) >= 2 and got_code[0][0] != data[0], (data, got_code)
            assert got_code[0][0] in data, (data, got_code)
            # each segment alone (as sniff did before): the code is on the segment
            # with the status line, the first of the response
            objs = capture(["--no-reassemble"], port, d, os.path.join(d, "n.pcap"))
            data = [o["frame.number"] for o in objs
                    if int(o.get("tcp.len", "0")) > 0 and o.get("tcp.srcport") == str(port)]
            got = frames(objs, "http.response.code")
            assert got == [(data[0], "200")] and len(data) >= 2, (got, data)
        finally:
            srv.terminate()
            srv.wait(10)


if __name__ == "__main__":
    main()
