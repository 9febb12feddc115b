# SPDX-License-Identifier: BSD-2-Clause
"""A threaded TCP echo server: a thread per client (recv(20), echo).
Prints its port; serves N clients. Usage: thread_server.py N"""
import socket
import sys
import threading

n = int(sys.argv[1])
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(16)
srv.settimeout(30)
print("port", srv.getsockname()[1], flush=True)


def serve(conn):
    conn.settimeout(30)
    conn.sendall(conn.recv(20))
    conn.close()


threads = []
for _ in range(n):
    conn, _ = srv.accept()
    t = threading.Thread(target=serve, args=(conn,))
    t.start()
    threads.append(t)
for t in threads:
    t.join()
print("served", n, "clients", flush=True)
