# SPDX-License-Identifier: BSD-2-Clause
"""The lecture's HTTP GET over a plain socket: connect, send the request,
recv until the server closes, print the status line and the body's size.
Usage: http_get.py PORT PATH"""
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" % sys.argv[2].encode())
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
s.close()
head, _, body = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode(), len(body), flush=True)
