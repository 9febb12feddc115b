# SPDX-License-Identifier: BSD-2-Clause
"""bind() on a port in use: first while a listener of this process holds
it, then after a connection this side closed first (TIME_WAIT), without
SO_REUSEADDR. Prints what each bind() said. Usage: bind_in_use.py"""
import socket

lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", 0))
lst.listen(1)
port = lst.getsockname()[1]


def try_bind(what):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(what, "bind ok", flush=True)
    except OSError as e:
        print(what, "bind:", e.strerror, flush=True)
    s.close()


try_bind("listener:")
c = socket.create_connection(("127.0.0.1", port))
conn, _ = lst.accept()
lst.close()
conn.close()  # the server side closes first: its end goes to TIME_WAIT
c.recv(1)
c.close()
try_bind("time_wait:")
