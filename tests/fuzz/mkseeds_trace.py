#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seeds of fuzz_trace (see the input format in fuzz_trace.c):
timelines of calls and frames that follow the base flow 127.0.0.1:40000 <->
127.0.0.2:5005 (TCP handshake, data, close; UDP with an ICMP error; IPv4 and
IPv6 fragments; QinQ, SLL2, a TLS record, a RST), in tests/fuzz/seeds/trace/.

    tests/fuzz/mkseeds_trace.py
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "trace")
L = b"\x7f\x00\x00\x01"
R = b"\x7f\x00\x00\x02"
L6 = bytes(15) + b"\x01"
R6 = bytes(15) + b"\x02"
# link selectors: index into links[] of fuzz_trace.c
ETH, SLL, SLL2, RAW = 0, 1, 2, 3


def ip4(proto, payload, src=L, dst=R, ident=1, frag=0x4000, tot=None):
    tot = 20 + len(payload) if tot is None else tot
    return (struct.pack(">BBHHHBBH", 0x45, 0, tot, ident, frag, 64, proto, 0) + src + dst
            + payload)


def ip6(nxt, payload, src=L6, dst=R6):
    return struct.pack(">IHBB", 0x60000000, len(payload), nxt, 64) + src + dst + payload


def tcp(flags, seq, ack, data=b"", sport=40000, dport=5005):
    return struct.pack(">HHIIHHHH", sport, dport, seq, ack, 5 << 12 | flags, 65535, 0, 0) + data


def udp(data, sport=40000, dport=5005, ulen=None):
    return struct.pack(">HHHH", sport, dport, 8 + len(data) if ulen is None else ulen, 0) + data


def eth(payload, etype=0x0800, tags=()):
    h = bytes(12)
    for tpid in tags:
        h += struct.pack(">HH", tpid, 7)
    return h + struct.pack(">H", etype) + payload


def sll2(payload, proto=0x0800):
    return struct.pack(">HHIHBB", proto, 0, 1, 1, 4, 6) + bytes(8) + payload


def frame(link, us, data, pflags=0):
    return bytes([link << 2 | 0]) + struct.pack(">HHB", us, len(data), pflags) + data


def call(name, us, text=b""):
    return bytes([name << 2 | 1]) + struct.pack(">HB", us, len(text)) + text


FLUSH = b"\x02"
# call name selectors: index into names[] of fuzz_trace.c
WRITE, SEND, SENDTO, READ, CONNECT, CLOSE = 0, 1, 2, 3, 4, 5
SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04


def tcp_session():
    s = b"\x00" + call(CONNECT, 0)
    s += frame(ETH, 10, eth(ip4(6, tcp(SYN, 100, 0))))
    s += frame(ETH, 20, eth(ip4(6, tcp(SYN | ACK, 900, 101, sport=5005, dport=40000), R, L)))
    s += frame(ETH, 30, eth(ip4(6, tcp(ACK, 101, 901))))
    s += call(WRITE, 40, b"6)") + frame(ETH, 50, eth(ip4(6, tcp(PSH | ACK, 101, 901, b"hello\n"))))
    s += FLUSH + call(CLOSE, 60)
    s += frame(ETH, 70, eth(ip4(6, tcp(FIN | ACK, 107, 901))))
    s += frame(ETH, 80, eth(ip4(6, tcp(FIN | ACK, 901, 108, sport=5005, dport=40000), R, L)))
    s += frame(ETH, 90, eth(ip4(6, tcp(ACK, 108, 902))))
    return s


def udp_icmp():
    d = ip4(17, udp(b"ping"), ident=4242)
    s = b"\x01" + call(SENDTO, 0, b"4)") + frame(SLL2, 10, sll2(d))
    s += frame(SLL2, 20, sll2(ip4(1, b"\x03\x03\x00\x00\x00\x00\x00\x00" + d[:28], R, L)))
    return s + call(READ, 30, b"-1 ECONNREFUSED")


def fragments():
    first = ip4(17, udp(b"x" * 16, ulen=3008), ident=77, frag=0x2000)
    last = ip4(17, b"y" * 24, ident=77, frag=185)
    f6 = struct.pack(">BBHI", 17, 0, 1, 99) + udp(b"z" * 8, ulen=3008)
    s = b"\x00" + call(SENDTO, 0, b"3000)") + frame(RAW, 10, first) + frame(RAW, 20, last)
    s += frame(RAW, 30, ip6(44, f6), pflags=0x02 | 0x04 | 0x08)
    return s


def qinq_tls_rst():
    hello = b"\x16\x03\x01\x00\x04\x01\x00\x00\x00"
    s = b"\x00" + call(WRITE, 0, b"9)")
    s += frame(ETH, 10, eth(ip4(6, tcp(PSH | ACK, 1, 1, hello)), tags=(0x88a8, 0x8100)))
    s += frame(ETH, 20, eth(ip4(6, tcp(RST, 1, 0, sport=5005, dport=40000), R, L),
                            tags=(0x9100, 0x8100, 0x8100)))
    s += frame(SLL2, 30, sll2(ip6(6, tcp(SYN, 5, 0)), 0x86dd), pflags=0x02 | 0x04 | 0x08)
    return s + FLUSH


def rx(name, us, asked, got, text=b""):
    """A read (asked 0: a write) tied to TCP 127.0.0.1:40000 > 127.0.0.2:5005."""
    return (bytes([0x80 | name << 2 | 1]) + struct.pack(">HB", us, len(text)) + text
            + struct.pack(">HH", asked, got))


def reads_and_self():
    # the peer is the program's own listener: packets between its sockets
    s = b"\x00" + b"\x03" + struct.pack(">BHH", 6, 5005, 0)
    s += frame(ETH, 10, eth(ip4(6, tcp(SYN, 100, 0))))
    s += frame(ETH, 20, eth(ip4(6, tcp(SYN | ACK, 900, 101, sport=5005, dport=40000), R, L)))
    s += frame(ETH, 30, eth(ip4(6, tcp(ACK, 101, 901))))
    s += rx(WRITE, 40, 0, 2, b"2)") + rx(WRITE, 41, 0, 2, b"2)")
    s += frame(ETH, 50, eth(ip4(6, tcp(PSH | ACK, 101, 901, b"abcd"))))
    s += frame(ETH, 55, eth(ip4(6, tcp(PSH | ACK, 901, 105, b"hello", 5005, 40000), R, L)))
    s += frame(ETH, 56, eth(ip4(6, tcp(PSH | ACK, 906, 105, b"world", 5005, 40000), R, L)))
    s += rx(READ, 60, 4096, 10) + FLUSH + rx(READ, 61, 4, 4)
    return s


def owned(name, us, text=b""):
    """A call of pid 100 fd 3 on TCP 127.0.0.1:40000 > 127.0.0.2:5005 (its JSON too)."""
    return bytes([name << 2 | 1 | 0x40]) + struct.pack(">HB", us, len(text)) + text


def json_session():
    """--json and -w (byte 0: bits 1 and 2): owned calls, the packets they cause."""
    s = b"\x06" + owned(CONNECT, 0)
    s += frame(ETH, 10, eth(ip4(6, tcp(SYN, 100, 0))))
    s += frame(ETH, 20, eth(ip4(6, tcp(SYN | ACK, 900, 101, sport=5005, dport=40000), R, L)))
    s += frame(ETH, 30, eth(ip4(6, tcp(ACK, 101, 901))))
    s += owned(SEND, 40, b"3, 6) = 6 \"hi\x1b\\n\"")
    s += frame(ETH, 50, eth(ip4(6, tcp(PSH | ACK, 101, 901, b"hi\x1b\n\x00\xff"))))
    s += rx(READ, 60, 4096, 10) + FLUSH + owned(CLOSE, 70, b"3) = 0")
    s += frame(ETH, 80, eth(ip4(6, tcp(FIN | ACK, 107, 901))))
    return s


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = [("tcp-session", tcp_session()), ("udp-icmp", udp_icmp()),
             ("fragments", fragments()), ("qinq-tls-rst", qinq_tls_rst()),
             ("reads-and-self", reads_and_self()), ("json-session", json_session())]
    # the same inputs in JSON mode with the bytes kept (-w)
    seeds += [(n + "-json", b"\x06" + d[1:]) for n, d in seeds[:5]]
    for name, data in seeds:
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
