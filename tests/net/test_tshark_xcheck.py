# SPDX-License-Identifier: BSD-2-Clause
"""Cross-check with tshark on real traffic the test makes.

Two network namespaces joined by a veth pair (unique names, removed in
`finally`; addresses 10.200.x.x and fd00:200:x:: exist only inside them)
carry ARP, ICMP echo (also over an 802.1Q VLAN on the veth, so the tag the
kernel strips must be put back), IPv6 neighbor discovery and ICMPv6 echo, UDP with IPv4
fragments (a large datagram, answered by ICMP port unreachable with the
quoted packet), TCP, DNS (a small responder in one namespace) and HTTP
(python's http.server). `wirecat sniff -w` captures it on one end; tshark
and tcpdump must read the file with the same packet count, and
`wirecat read --json` must agree field by field with `tshark -T fields` for
the Wireshark field names the issue lists. A second capture on loopback
with -i any (Linux cooked v2) is compared the same way. Needs root."""
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time

from wtest import case, main, need, need_root, Proc, run, Skip, SLOW, WIRECAT, free_port

FIELDS = [
    "frame.number", "frame.time_epoch", "frame.len", "frame.cap_len", "eth.src", "eth.dst", "eth.type",
    "vlan.id", "arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4",
    "ip.src", "ip.dst", "ip.proto", "ip.len", "ip.ttl", "ip.id", "ip.flags.mf", "ip.frag_offset", "ipv6.src",
    "ipv6.dst", "ipv6.nxt", "ipv6.plen", "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw",
    "tcp.ack_raw", "tcp.len", "tcp.window_size_value", "udp.srcport", "udp.dstport", "udp.length",
    "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code", "dns.id", "dns.qry.name", "dns.qry.type", "dns.a",
    "dns.aaaa", "http.request.method", "http.request.uri", "http.response.code",
]

TAG = "%d" % (os.getpid() % 100000)
NET = os.getpid() % 250 + 1  # 10.200.NET.0/24
A4, B4 = "10.200.%d.1" % NET, "10.200.%d.2" % NET          # on the veth, /25
A4V, B4V = "10.200.%d.129" % NET, "10.200.%d.130" % NET    # on VLAN 100 over it, /25
A6, B6 = "fd00:200:%x::1" % NET, "fd00:200:%x::2" % NET


def sh(*args, check=True, timeout=20):
    p = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout * SLOW)
    if check and p.returncode != 0:
        raise AssertionError("%s: %s" % (" ".join(args), p.stderr.decode(errors="replace")))
    return p


def tshark_rows(path, fields):
    # wirecat decodes packet by packet, like tcpdump: compare with tshark's
    # per-packet view, without IP defragmentation or TCP stream reassembly
    # (which move fields to the frame that completes the datagram or PDU).
    args = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
            "-E", "separator=/t", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
            "-o", "tcp.desegment_tcp_streams:FALSE"]
    for f in fields:
        args += ["-e", f]
    p = sh(*args, timeout=60)
    return [l.split("\t") for l in p.stdout.decode().split("\n") if l != ""]


def norm(field, v):
    """Our JSON value as tshark -T fields prints it."""
    if v is None:
        return ""
    if isinstance(v, list):
        return ",".join(norm(field, x) for x in v)
    if isinstance(v, bool):
        return "1" if v else "0"
    s = str(v)
    if field == "ip.flags.mf" and s.lower() in ("true", "false"):
        return "1" if s.lower() == "true" else "0"
    return s


def compare(path):
    """Returns a list of mismatch descriptions between wirecat --json and tshark."""
    # Per packet, as tshark_rows asks tshark (-V and --json reassemble by default).
    rc, out, err = run(["read", "--json", "--no-defrag", "--no-reassemble", path], timeout=60)
    assert rc == 0, (rc, err)
    ours = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
    theirs = tshark_rows(path, FIELDS)
    assert len(ours) == len(theirs), ("packet count", len(ours), len(theirs))
    bad = []
    for i, (o, t) in enumerate(zip(ours, theirs)):
        for f, tv in zip(FIELDS, t):
            if tv in ("True", "False"):
                tv = "1" if tv == "True" else "0"
            ov = norm(f, o.get(f))
            if ov != tv:
                bad.append("frame %d %s: wirecat %r, tshark %r" % (i + 1, f, ov, tv))
    return bad


def counts_agree(path, n):
    t = sh("tshark", "-n", "-r", path, timeout=60).stdout.decode().splitlines()
    assert len(t) == n, ("tshark count", len(t), n)
    p = sh("tcpdump", "-n", "-r", path, "-w", path + ".td", timeout=60)
    data = open(path + ".td", "rb").read()
    off, k = 24, 0
    while off + 16 <= len(data):
        off += 16 + struct.unpack("<I", data[off + 8:off + 12])[0]
        k += 1
    assert k == n, ("tcpdump count", k, n)


def fill(code, a=None):
    return code.replace("@A@", a or A4).replace("@NET@", str(NET))


class Netns:
    """Two namespaces and a veth pair, removed on exit."""

    def __init__(self):
        self.a, self.b = "wcxa" + TAG, "wcxb" + TAG
        self.va, self.vb = "wcva" + TAG, "wcvb" + TAG

    def __enter__(self):
        try:
            sh("ip", "netns", "add", self.a)
            sh("ip", "netns", "add", self.b)
            sh("ip", "link", "add", self.va, "type", "veth", "peer", "name", self.vb)
            sh("ip", "link", "set", self.va, "netns", self.a)
            sh("ip", "link", "set", self.vb, "netns", self.b)
            for ns, dev, a4, a6 in ((self.a, self.va, A4, A6), (self.b, self.vb, B4, B6)):
                sh("ip", "-n", ns, "link", "set", "lo", "up")
                sh("ip", "-n", ns, "addr", "add", a4 + "/25", "dev", dev)
                sh("ip", "-n", ns, "addr", "add", a6 + "/64", "dev", dev, "nodad")
                sh("ip", "-n", ns, "link", "set", dev, "up")
            # VLAN devices need the kernel's 8021q support; without it that part is left out
            self.vlan = sh("ip", "-n", self.a, "link", "add", "link", self.va, "name", self.va + ".v",
                           "type", "vlan", "id", "100", check=False).returncode == 0
            if self.vlan:
                sh("ip", "-n", self.b, "link", "add", "link", self.vb, "name", self.vb + ".v", "type", "vlan",
                   "id", "100")
                for ns, dev, a4 in ((self.a, self.va, A4V), (self.b, self.vb, B4V)):
                    sh("ip", "-n", ns, "addr", "add", a4 + "/25", "dev", dev + ".v")
                    sh("ip", "-n", ns, "link", "set", dev + ".v", "up")
            else:
                print("note: no 802.1Q support in this kernel; the VLAN part is not run", flush=True)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for ns in (self.a, self.b):
            subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for ns in (self.a, self.b):
            p = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            for pid in p.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", self.va], stderr=subprocess.DEVNULL)

    def py(self, ns, code, timeout=20):
        return sh("ip", "netns", "exec", ns, "python3", "-c", fill(code), timeout=timeout)

    def bg(self, ns, args):
        return subprocess.Popen(["ip", "netns", "exec", ns] + args, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)


PING4 = r'''
import socket, struct, time
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); s.settimeout(3)
for seq in (1, 2):
    body = struct.pack("!HH", 0x77, seq) + b"wirecat-ping"
    pkt = struct.pack("!BBH", 8, 0, 0) + body
    pkt = struct.pack("!BBH", 8, 0, csum(pkt)) + body
    s.sendto(pkt, ("@A@", 0))
    s.recv(2000)
'''

PING6 = r'''
import socket, struct
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6); s.settimeout(3)
for seq in (1, 2):
    s.sendto(struct.pack("!BBHHH", 128, 0, 0, 0x66, seq) + b"wirecat-ping6", ("@A@", 0))
    while True:
        d = s.recv(2000)
        if d[0] == 129: break
'''

DNS_SERVER = r'''
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("@A@", 53))
while True:
    q, a = s.recvfrom(2000)
    qid, = struct.unpack("!H", q[:2]); end = 12
    while q[end]: end += q[end] + 1
    qtype, = struct.unpack("!H", q[end + 1:end + 3]); question = q[12:end + 5]
    if qtype == 1: rr = struct.pack("!HHHIH", 0xc00c, 1, 1, 60, 4) + socket.inet_aton("10.200.@NET@.9")
    else: rr = struct.pack("!HHHIH", 0xc00c, 28, 1, 60, 16) + socket.inet_pton(socket.AF_INET6, "fd00::9")
    s.sendto(struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr, a)
'''

DNS_CLIENT = r'''
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
for i, qt in ((0x1234, 1), (0x1235, 28)):
    name = b"".join(bytes([len(x)]) + x for x in b"www.wirecat.test".split(b".")) + b"\0"
    q = struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", qt, 1)
    for attempt in range(20):
        s.sendto(q, ("@A@", 53))
        try:
            s.recv(2000); break
        except socket.timeout:
            pass
'''

UDP_FRAG = r'''
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"F" * 4000, ("@A@", 9999))
'''

# An 802.1Q-tagged ARP request sent raw: the receiving side's kernel moves the
# tag into metadata before packet sockets see the frame, so the capture must
# put it back. Works without the 8021q module.
RAW_VLAN = r'''
import socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("@DEV@", 0))
src = bytes.fromhex("02bbccddee02")
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + src + socket.inet_aton("10.200.@NET@.130") + \
    bytes(6) + socket.inet_aton("10.200.@NET@.129")
s.send(b"\xff" * 6 + src + struct.pack("!HHH", 0x8100, 100, 0x0806) + arp + bytes(14))
'''

HTTP_CLIENT = r'''
import socket, time
for i in range(100):
    try:
        c = socket.create_connection(("@A@", 8080), timeout=2); break
    except OSError:
        time.sleep(0.05)
c.sendall(b"GET /hello.txt HTTP/1.0\r\nHost: wirecat.test\r\n\r\n")
data = b""
while True:
    b = c.recv(65536)
    if not b: break
    data += b
assert b"200" in data.split(b"\r\n")[0], data[:100]
'''


@case
def namespaces_veth_all_protocols():
    need_root()
    need("ip")
    need("tshark")
    need("tcpdump")
    with tempfile.TemporaryDirectory() as d, Netns() as n:
        os.chmod(d, 0o755)
        open(os.path.join(d, "hello.txt"), "w").write("hello from wirecat's test\n")
        cap = os.path.join(d, "veth.pcap")
        anycap = os.path.join(d, "any.pcap")
        p = Proc(["ip", "netns", "exec", n.a, WIRECAT, "sniff", "-i", n.va, "-w", cap], wirecat=False)
        # and at the same time on every interface of the namespace (cooked, In/Out)
        q = Proc(["ip", "netns", "exec", n.a, WIRECAT, "sniff", "-i", "any", "-w", anycap],
                 wirecat=False)
        # and a VLAN filter (run in user space: the kernel sees the tag stripped)
        vcap = os.path.join(d, "vlan.pcap")
        v = Proc(["ip", "netns", "exec", n.a, WIRECAT, "sniff", "-i", n.va, "-c", "1", "-w", vcap, "vlan", "100",
                  "and", "arp"], wirecat=False)
        servers = []
        try:
            p.wait_err(r"listening on", timeout=10)
            q.wait_err(r"listening on", timeout=10)
            v.wait_err(r"listening on", timeout=10)
            start = time.time()  # both captures run from here (see the cutoff below)
            time.sleep(0.05)
            servers.append(n.bg(n.a, ["python3", "-c", fill(DNS_SERVER)]))
            servers.append(n.bg(n.a, ["python3", "-m", "http.server", "--bind", A4, "--directory", d, "8080"]))
            n.py(n.b, PING4)
            if n.vlan:
                n.py(n.b, fill(PING4, A4V))  # 802.1Q: the tag the kernel strips must be put back
            n.py(n.b, RAW_VLAN.replace("@DEV@", n.vb))
            n.py(n.b, fill(PING6, A6))
            n.py(n.b, UDP_FRAG)
            n.py(n.b, DNS_CLIENT)
            n.py(n.b, HTTP_CLIENT)
            time.sleep(1.0 * SLOW)  # the last FIN/ACKs reach both captures
            # The two captures start and stop at slightly different moments: a packet
            # the kernel sends on its own (an IPv6 MLD report, say) just then may reach
            # one and not the other. Both ran the whole time between `start` and this
            # cutoff, and all the test's traffic is in between, so there they must agree.
            cutoff = time.time()
            time.sleep(0.05)
            p.signal(signal.SIGINT)
            q.signal(signal.SIGINT)
            assert p.wait(10) == 0, p.stderr_text()
            assert q.wait(10) == 0, q.stderr_text()
            assert v.wait(10) == 0, v.stderr_text()
        finally:
            q.kill()
            v.kill()
            for s in servers:
                try:
                    os.killpg(s.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                s.wait(5)
            p.kill()
        rc, out, err = run(["read", cap])
        assert rc == 0
        total = len([l for l in out.splitlines() if l.strip()])
        counts_agree(cap, total)
        # the traffic is all there (checked with tshark, independent of our decoders)
        rows = tshark_rows(cap, ["arp.opcode", "icmp.type", "icmpv6.type", "ip.flags.mf", "tcp.flags",
                                 "dns.qry.name", "http.request.method", "http.response.code"])
        col = lambda i: [r[i] for r in rows if r[i]]
        assert "1" in col(0) and "2" in col(0), "ARP request and reply"
        assert any("8" in v for v in col(1)) and any("0" in v.split(",")[0] for v in col(1)), "ICMP echo"
        assert any(v.startswith("3") for v in col(1)), "ICMP port unreachable"
        assert "135" in col(2) and "136" in col(2) and "128" in col(2), "ND and ICMPv6 echo"
        assert any(v in ("1", "True") for v in col(3)), "IPv4 fragments"
        assert "www.wirecat.test" in col(5), "DNS"
        assert "GET" in col(6) and "200" in col(7), "HTTP"
        vl = tshark_rows(cap, ["vlan.id", "arp.src.proto_ipv4"])
        assert ["100", "10.200.%d.130" % NET] in vl, "VLAN-tagged ARP with its tag put back"
        assert tshark_rows(vcap, ["vlan.id", "arp.src.proto_ipv4"]) == [["100", "10.200.%d.130" % NET]]
        # -i any saw the same packets once each, naming the interface and the direction
        td = sh("tcpdump", "-n", "-r", anycap).stdout.decode().splitlines()
        before = lambda f: len([l for l in sh("tcpdump", "-n", "-tt", "-r", f).stdout.decode()
                                .splitlines() if l and start <= float(l.split()[0]) <= cutoff])
        nb = before(cap)
        assert nb >= max(total // 2, 20), ("the window kept too few packets", nb, total)
        assert before(anycap) == nb, (before(anycap), nb, len(td), total)
        # (tcpdump names the interface from the ifindex in its own namespace: "?" here)
        assert any(" In " in l for l in td) and any(" Out " in l for l in td), td[:6]
        bad = compare(cap) + ["any: " + b for b in compare(anycap)]
        assert not bad, "%d mismatches, first ones:\n%s" % (len(bad), "\n".join(bad[:25]))


@case
def loopback_any_cooked():
    need_root()
    need("tshark")
    need("tcpdump")
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        cap = os.path.join(d, "lo.pcap")
        with Proc(["sniff", "-i", "any", "-w", cap, "port", str(port)]) as p:
            p.wait_err(r"listening on", timeout=10)
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.sendto(b"ping", ("127.0.0.1", port))
            srv = socket.socket()
            srv.bind(("127.0.0.1", port))
            srv.listen(1)
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
            a, _ = srv.accept()
            c.sendall(b"GET /x HTTP/1.1\r\nHost: lo\r\n\r\n")
            a.recv(1000)
            a.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            c.recv(1000)
            c.close()
            a.close()
            srv.close()
            time.sleep(0.3 * SLOW)
            p.signal(signal.SIGINT)
            assert p.wait(10) == 0, p.stderr_text()
        rc, out, err = run(["read", cap])
        total = len([l for l in out.splitlines() if l.strip()])
        assert total >= 9, total
        counts_agree(cap, total)
        bad = compare(cap)
        assert not bad, "%d mismatches, first ones:\n%s" % (len(bad), "\n".join(bad[:25]))


main()
