#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Makes seeds for fuzz_streamdec: the TCP payloads of the first two
connections with data of each classic pcap in the golden captures and the
tcpdump corpus (in frame order, each direction to its stream slot), plus a few
hand-made exchanges (pipelined HTTP with chunked and Content-Length bodies, a
HEAD, a 204, DNS over TCP cut inside its length, TLS handshake messages across
records), as ops of fuzz_streamdec.c. Deduplicated, at most 200 seeds and
2 MiB in all; files named regress-* are fuzzer findings and stay.

    tests/fuzz/mkseeds_streamdec.py [CORPUS_DIR]
"""
import os
import struct
import sys

import mkseeds_reasm_pkt as rp
import seedlib as sl

OUT = os.path.join(sl.HERE, "seeds", "streamdec")
LIMIT, SEEDS = 2 << 20, 200


def data_ops(slot, d, payload, cut=255):
    out = bytearray()
    for i in range(0, len(payload), cut):
        piece = payload[i:i + cut]
        out += bytes([d | slot << 1, len(piece)]) + piece
    return out


def tcp_payload(sel, p):
    """Returns (src, dst, sport, dport, payload) of a TCP frame, or None."""
    off = sl.IPOFF.get(sel)
    if sel == 0:
        off, et = 14, p[12:14]
        while et in (b"\x81\x00", b"\x88\xa8") and len(p) >= off + 4:
            et, off = p[off + 2:off + 4], off + 4
    v = p[off] >> 4
    if v == 4:
        ihl, tot = (p[off] & 15) * 4, struct.unpack(">H", p[off + 2:off + 4])[0]
        src, dst, t, end = p[off + 12:off + 16], p[off + 16:off + 20], off + ihl, off + tot
    else:
        src, dst, t = p[off + 8:off + 24], p[off + 24:off + 40], off + 40
        end = t + struct.unpack(">H", p[off + 4:off + 6])[0]
    if len(p) < t + 20:
        return None
    sport, dport = struct.unpack(">HH", p[t:t + 4])
    doff = (p[t + 12] >> 4) * 4
    return src, dst, sport, dport, p[t + doff:min(end, len(p))]


def from_capture(sel, recs):
    conns, ops, dns = {}, bytearray(), 0
    for _, p in recs:
        if not rp.is_tcp(sel, p):
            continue
        seg = tcp_payload(sel, p)
        if not seg or not seg[4]:
            continue
        src, dst, sport, dport, pay = seg
        key = tuple(sorted([(src, sport), (dst, dport)]))
        if key not in conns:
            if len(conns) == 2:
                continue
            conns[key] = (len(conns), (src, sport))
            if 53 in (sport, dport):
                dns |= 1 << conns[key][0]
        slot, first = conns[key]
        ops += data_ops(slot, 0 if (src, sport) == first else 1, pay)
        if len(ops) > 32 << 10:
            break
    return bytes([dns]) + bytes(ops) if ops else None


def handmade():
    req = (b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b HTTP/1.1\r\nHost: x\r\n\r\n"
           b"POST /c HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
    resp = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX: y\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
            b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\nuntil close")
    yield b"\x00" + data_ops(0, 0, req, 7) + data_ops(0, 1, resp, 13) + b"\x0c\x00\x0e\x00"
    q = b"\x00\x1d\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01"
    yield b"\x01" + data_ops(0, 0, q, 1) + data_ops(0, 1, q * 2, 17) + b"\x09\x05" + data_ops(0, 1, q, 9)
    hello = b"\x01\x00\x00\x30" + bytes(range(48))
    cert = b"\x0b\x00\x01\x00" + bytes(256)
    recs = (b"\x16\x03\x01\x00\x20" + hello[:32] + b"\x16\x03\x01\x00\x14" + hello[32:])
    srv = (b"\x16\x03\x03\x01\x04" + cert + b"\x14\x03\x03\x00\x01\x01"
           b"\x16\x03\x03\x00\x08" + bytes(8) + b"\x17\x03\x03\x00\x03abc")
    yield b"\x00" + data_ops(0, 0, recs, 11) + data_ops(0, 1, srv, 64) + data_ops(1, 0, req, 255)


def main():
    seeds = list(handmade())
    for d in sl.capture_dirs(sys.argv):
        for name in sorted(os.listdir(d)):
            lt, recs = sl.records(os.path.join(d, name))
            if lt in sl.SEL:
                try:
                    s = from_capture(sl.SEL[lt], recs)
                except (IndexError, struct.error):
                    s = None
                if s:
                    seeds.append(s)
    out = sl.Seeds(OUT, LIMIT, SEEDS)
    for seed in seeds:
        out.add(seed)
    out.done()


if __name__ == "__main__":
    main()
