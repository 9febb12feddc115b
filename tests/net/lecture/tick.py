# SPDX-License-Identifier: BSD-2-Clause
"""Sends a datagram to PORT every 50 ms for SECS seconds, then says so
(a process to attach to). Usage: tick.py PORT SECS"""
import socket
import sys
import time

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + float(sys.argv[2])
n = 0
while time.monotonic() < end:
    u.sendto(b"tick %d" % n, ("127.0.0.1", int(sys.argv[1])))
    n += 1
    time.sleep(0.05)
print("ticked", flush=True)
