# SPDX-License-Identifier: BSD-2-Clause
"""Bytes the tests build by hand: the Internet checksum (RFC 1071) and
classic pcap files (microsecond timestamps, little-endian)."""
import struct


def csum(b):
    """The ones' complement sum of b as IPv4, TCP, UDP and ICMP carry it."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pcap(recs, linktype=1, snaplen=262144):
    """A classic pcap file of recs: (seconds, microseconds, frame) or
    (seconds, microseconds, frame, length on the wire)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)]
    for r in recs:
        sec, usec, data = r[0], r[1], r[2]
        wire = r[3] if len(r) > 3 and r[3] is not None else len(data)
        out.append(struct.pack("<IIII", sec, usec, len(data), wire))
        out.append(data)
    return b"".join(out)
