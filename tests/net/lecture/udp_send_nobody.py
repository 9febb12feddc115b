# SPDX-License-Identifier: BSD-2-Clause
"""The lecture's UDP sender to a port where nothing listens: the unconnected
socket never hears of the ICMP error; a connected one gets ECONNREFUSED.
Usage: udp_send_nobody.py PORT"""
import socket
import sys
import time

dst = ("127.0.0.1", int(sys.argv[1]))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"anyone there?", dst)
time.sleep(0.2)
print("sendto: no error", flush=True)
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.connect(dst)
c.send(b"anyone there?")
time.sleep(0.2)
try:
    c.send(b"again")
    print("connected send: no error", flush=True)
except ConnectionRefusedError:
    print("connected send: ECONNREFUSED", flush=True)
