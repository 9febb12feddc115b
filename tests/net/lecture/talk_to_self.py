# SPDX-License-Identifier: BSD-2-Clause
"""A program that talks to itself: a UDP datagram from one of its sockets to
another, then a TCP connection between its own client and server sockets
(the client closes first). Prints what it received."""
import socket

a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.sendto(b"y" * 2000, a.getsockname())
print("udp got %d" % len(a.recv(4096)), flush=True)
a.close()
b.close()

ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.bind(("127.0.0.1", 0))
ls.listen(1)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(ls.getsockname())
s, _ = ls.accept()
c.sendall(b"ping")
print("tcp got %s" % s.recv(100).decode(), flush=True)
c.close()
assert s.recv(100) == b""
s.close()
ls.close()
