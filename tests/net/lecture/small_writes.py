# SPDX-License-Identifier: BSD-2-Clause
"""Many small writes on a TCP connection: with Nagle's algorithm (the
default) TCP joins them into fewer segments; with TCP_NODELAY and a pause
between writes each leaves alone. Usage: small_writes.py PORT N [nodelay]"""
import socket
import sys
import time

c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
nodelay = len(sys.argv) > 3
if nodelay:
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(int(sys.argv[2])):
    c.send(b"%04d" % i)
    if nodelay:
        time.sleep(0.02)
c.shutdown(socket.SHUT_WR)
print("sent", flush=True)
c.recv(1)
c.close()
