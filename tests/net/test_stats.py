# SPDX-License-Identifier: BSD-2-Clause
"""read --stats when the conversation table overflows: the header says how
many conversations were left out, and a big conversation that arrives after
the table is full is still ranked (Space-Saving), with its counts exact or
within the error bound the output states. The pcap is made here."""
import os
import re
import struct
import tempfile

import pktbuild
from wtest import case, main, run

FLOWS = 9000  # one-packet conversations, more than the table holds
BIG = 2000    # packets of the late conversation
PAYLOAD = 18  # UDP payload: 14 + 20 + 8 + 18 = 60-byte frames


def frame(src, dst, sport, dport):
    udp = struct.pack(">HHHH", sport, dport, 8 + PAYLOAD, 0) + b"x" * PAYLOAD
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes(src),
                     bytes(dst)) + udp
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip


def write_pcap(path, frames):
    recs = ((1700000000 + i // 1000000, i % 1000000, b) for i, b in enumerate(frames))
    with open(path, "wb") as f:
        f.write(pktbuild.pcap(recs, snaplen=65535))


def small_then_big():
    for i in range(FLOWS):
        yield frame([10, 1, i >> 8, i & 255], [10, 2, 0, 1], 1000 + i % 50000, 53)
    for _ in range(BIG):
        yield frame([10, 9, 9, 9], [10, 2, 0, 1], 4242, 53)


def conv_rows(out, proto):
    """The header line and the rows of the PROTO conversation table."""
    m = re.search(r"^(%s Conversations .*)\n.*\n((?:.* <-> .*\n)*)" % proto, out, re.M)
    assert m, out[-3000:]
    return m.group(1), m.group(2).splitlines()


@case
def late_big_conversation_is_ranked():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "late.pcap")
        write_pcap(path, small_then_big())
        rc, out, err = run(["read", "--stats", path], timeout=60)
    out = out.decode()
    assert rc == 0, (rc, err)
    head, rows = conv_rows(out, "UDP")
    # the header says conversations were left out, and how many
    m = re.match(r"UDP Conversations \((\d+) kept, (\d+) left out \(table full\), top 20 by "
                 r"bytes\)$", head)
    assert m, head
    assert int(m.group(1)) + int(m.group(2)) == FLOWS + 1, head
    assert int(m.group(2)) > 0
    assert len(rows) == 20, rows
    # the late conversation is first, its frames and bytes exact; a bound
    # on what it may have had before it entered the table is stated
    first = rows[0].split()
    assert first[0] == "10.2.0.1:53" and first[2] == "10.9.9.9:4242", rows[0]
    nums = [int(x) for x in first[3:9]]
    assert nums == [0, 0, BIG, BIG * 60, BIG, BIG * 60], rows[0]
    b = re.search(r"\+<=(\d+)$", rows[0])
    assert b and 0 < int(b.group(1)) <= 60, rows[0]
    # the note under the tables: what was left out and the bound it obeys
    n = re.search(r"^\(conversation table full at (\d+) entries: (\d+) conversations left out "
                  r"\((\d+) packets, (\d+) bytes\); each had at most (\d+) bytes", out, re.M)
    assert n, out[-2000:]
    assert int(n.group(2)) == int(m.group(2))
    assert int(n.group(3)) == int(n.group(2)) and int(n.group(4)) == 60 * int(n.group(3))
    assert int(n.group(5)) <= 120, n.group(0)


@case
def heavy_hitters_among_many_small():
    """20 conversations of 300-500 packets mixed at random (fixed seed) among
    20,000 one-packet ones: the top 20 are exactly the 20 big ones, and each
    listed count brackets the truth: counted <= true <= counted + bound."""
    import random
    rnd = random.Random(8)
    heavy = {i: rnd.randrange(300, 500) for i in range(20)}
    events = [("h", i) for i, n in heavy.items() for _ in range(n)]
    events += [("s", i) for i in range(20000)]
    rnd.shuffle(events)
    frames = [frame([10, 9, 0, i], [10, 2, 0, 1], 5000 + i, 53) if k == "h" else
              frame([10, 1, i >> 8, i & 255], [10, 2, 0, 1], 1000 + i % 50000, 53)
              for k, i in events]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "mixed.pcap")
        write_pcap(path, frames)
        rc, out, err = run(["read", "--stats", path], timeout=60)
    out = out.decode()
    assert rc == 0, (rc, err)
    head, rows = conv_rows(out, "UDP")
    assert "left out (table full)" in head, head
    seen = set()
    for r in rows:
        f = r.split()
        m = re.match(r"10\.9\.0\.(\d+):(\d+)$", f[2])
        assert m, ("a small conversation in the top 20", r)
        i = int(m.group(1))
        true_bytes = heavy[i] * 60
        counted = int(f[8])
        bound = int(f[9][3:]) if len(f) > 9 else 0
        assert counted <= true_bytes <= counted + bound, (r, true_bytes)
        seen.add(i)
    assert seen == set(heavy), seen


@case
def no_overflow_no_note():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "small.pcap")
        write_pcap(path, [frame([10, 1, 0, i], [10, 2, 0, 1], 1000 + i, 53) for i in range(30)]
                   + [frame([10, 9, 9, 9], [10, 2, 0, 1], 4242, 53)] * 5)
        rc, out, err = run(["read", "--stats", path], timeout=30)
    out = out.decode()
    assert rc == 0, (rc, err)
    head, rows = conv_rows(out, "UDP")
    assert head == "UDP Conversations (31 conversations, top 20 by bytes)", head
    assert rows[0].split()[2:9] == ["10.9.9.9:4242", "0", "0", "5", "300", "5", "300"], rows[0]
    assert "left out" not in out and "+<=" not in out


main()
