# SPDX-License-Identifier: BSD-2-Clause
"""TCP is a stream, not messages: a server that reads what a client sent in
several send()s. It waits (peeking) until N bytes are there, then reads with
the sizes given. Usage: tcp_stream.py N:SIZE[,SIZE...] [N:SIZE...]; prints the
port, then each read's bytes."""
import socket
import sys
import time

ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.bind(("127.0.0.1", 0))
ls.listen(1)
print("port %d" % ls.getsockname()[1], flush=True)
ls.settimeout(30)
s, _ = ls.accept()
s.settimeout(30)
for step in sys.argv[1:]:
    want, sizes = step.split(":")
    deadline = time.monotonic() + 30
    while len(s.recv(65536, socket.MSG_PEEK)) < int(want) and time.monotonic() < deadline:
        time.sleep(0.01)
    for size in sizes.split(","):
        print("read %r" % s.recv(int(size)).decode(), flush=True)
s.close()
ls.close()
