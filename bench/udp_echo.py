# SPDX-License-Identifier: BSD-2-Clause
"""The simplest UDP echo server in Python, the baseline of bench/echo.sh:
one recvfrom/sendto loop. Usage: python3 bench/udp_echo.py HOST PORT
(PORT 0 picks one); prints "listening on HOST:PORT" on stderr."""
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, port))
print("listening on %s:%d" % (host, s.getsockname()[1]), file=sys.stderr, flush=True)
try:
    while True:
        data, addr = s.recvfrom(65535)
        s.sendto(data, addr)
except KeyboardInterrupt:
    pass
