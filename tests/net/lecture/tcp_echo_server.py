# SPDX-License-Identifier: BSD-2-Clause
"""The lecture's TCP echo server: one client, one recv(20), echoed back.
Usage: tcp_echo_server.py [PORT]   (0 or none: a free port, printed)"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(5)
srv.settimeout(30)  # a test that goes wrong ends anyway
print("listening on", srv.getsockname()[1], flush=True)
conn, addr = srv.accept()
conn.settimeout(None)
data = conn.recv(20)
conn.sendall(data)
conn.close()
srv.close()
print("echoed", len(data), "bytes", flush=True)
