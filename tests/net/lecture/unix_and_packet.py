# SPDX-License-Identifier: BSD-2-Clause
"""A UNIX-domain stream socket (server and client on a path) and, when
allowed, the lecture's sniffer socket (AF_PACKET, SOCK_RAW, ETH_P_ALL) opened
and closed without reading. Usage: unix_and_packet.py DIR"""
import os
import socket
import sys

path = os.path.join(sys.argv[1], "sock")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(path)
conn, _ = srv.accept()
c.sendall(b"over unix\n")
print(conn.recv(20).decode().strip(), flush=True)
for s in (c, conn, srv):
    s.close()
try:
    p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    p.close()
    print("packet socket: opened", flush=True)
except PermissionError:
    print("packet socket: not allowed", flush=True)
