# SPDX-License-Identifier: BSD-2-Clause
"""The lecture's TCP echo client. Usage: tcp_echo_client.py PORT MESSAGE"""
import socket
import sys

c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("127.0.0.1", int(sys.argv[1])))
c.sendall(sys.argv[2].encode() + b"\n")
reply = c.recv(20)
c.close()
print("reply:", reply.decode().strip(), flush=True)
