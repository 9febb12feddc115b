# SPDX-License-Identifier: BSD-2-Clause
"""N children, each opens a UDP socket, sends one datagram to PORT, exits.
Usage: many_children.py N PORT"""
import os
import socket
import sys

n, port = int(sys.argv[1]), int(sys.argv[2])
kids = []
for i in range(n):
    pid = os.fork()
    if pid == 0:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"child %d" % i, ("127.0.0.1", port))
        os._exit(0)
    kids.append(pid)
bad = sum(1 for k in kids if os.waitpid(k, 0)[1] != 0)
print("children", n, "failed", bad, flush=True)
