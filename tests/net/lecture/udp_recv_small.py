# SPDX-License-Identifier: BSD-2-Clause
"""The lecture's UDP receiver whose buffer is too small: recvfrom(1024)
returns 1024 bytes of a longer datagram and the kernel drops the rest.
Prints its port, then what it got. Usage: udp_recv_small.py"""
import socket

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
u.settimeout(30)
print("port", u.getsockname()[1], flush=True)
data, addr = u.recvfrom(1024)
print("got", len(data), "bytes", flush=True)
