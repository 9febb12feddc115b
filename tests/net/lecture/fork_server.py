# SPDX-License-Identifier: BSD-2-Clause
"""A forking TCP echo server: a child per client (recv(20), echo, exit).
Prints its port; serves N clients, then waits for its children.
Usage: fork_server.py N"""
import os
import socket
import sys

n = int(sys.argv[1])
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(16)
srv.settimeout(30)
print("port", srv.getsockname()[1], flush=True)
kids = []
for _ in range(n):
    conn, _ = srv.accept()
    pid = os.fork()
    if pid == 0:
        srv.close()
        conn.settimeout(30)
        conn.sendall(conn.recv(20))
        conn.close()
        os._exit(0)
    kids.append(pid)
    conn.close()
codes = [os.waitpid(k, 0)[1] for k in kids]
print("served", n, "clients, children", "ok" if not any(codes) else codes, flush=True)
