# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures for the wirecat http tests: a real nginx started from a generated
configuration in a temporary directory (plain HTTP and HTTPS with a
self-signed certificate made by openssl, on 127.0.0.1 and ::1), and a small
scripted HTTP server whose replies the test writes byte for byte."""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from wtest import SLOW, Skip, free_port, have_ipv6, need, wait_for

NGINX_CONF = """
worker_processes 1;
{user}
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format wc '$connection $connection_requests "$request" $status';
    access_log {d}/access.log wc;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    default_type application/octet-stream;
    types {{ text/plain txt; }}
    keepalive_requests 100000;
    keepalive_timeout 60s;
    sendfile on;
    server {{
        listen 127.0.0.1:{port};
        {listen6}
        listen 127.0.0.1:{sport} ssl;
        {slisten6}
        listen 127.0.0.2:{sport} ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate {d}/cert.pem;
        ssl_certificate_key {d}/key.pem;
        root {d}/www;
        location = /r/1 {{ return 301 /r/2; }}
        location = /r/2 {{ return 302 http://127.0.0.1:{port}/r/3; }}
        location = /r/3 {{ return 301 ../r/4; }}
        location = /r/4 {{ return 307 /files/f1M; }}
        location = /loop {{ return 301 /loop; }}
        location /gz/ {{
            gzip on;
            gzip_types text/plain;
            gzip_min_length 0;
            gzip_http_version 1.0;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self):
        need("nginx")
        need("openssl")
        self.dir = tempfile.mkdtemp(prefix="wirecat-nginx-")
        d = self.dir
        for sub in ("tmp", "www", "www/files", "www/gz"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        self.files = {}
        for name, size in (("f0", 0), ("f1", 1), ("f1M", 1 << 20), ("f10M", 10 << 20)):
            data = os.urandom(size) if size < (2 << 20) else (os.urandom(1 << 20) * 10)
            self.files[name] = data
            with open(os.path.join(d, "www/files", name), "wb") as f:
                f.write(data)
        text = b"".join(b"line %d of a text that gzip squeezes\n" % i for i in range(20000))
        self.files["text"] = text
        with open(os.path.join(d, "www/gz/text.txt"), "wb") as f:
            f.write(text)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", d + "/key.pem",
                        "-out", d + "/cert.pem", "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.cacert = d + "/cert.pem"
        self.v6 = have_ipv6()
        self.port = free_port()
        self.sport = free_port()
        conf = NGINX_CONF.format(
            d=d, port=self.port, sport=self.sport,
            user="user root;" if os.geteuid() == 0 else "",
            listen6="listen [::1]:%d;" % self.port if self.v6 else "",
            slisten6="listen [::1]:%d ssl;" % self.sport if self.v6 else "")
        with open(d + "/nginx.conf", "w") as f:
            f.write(conf)
        self.p = subprocess.Popen(["nginx", "-c", d + "/nginx.conf", "-p", d, "-g", "daemon off;"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  start_new_session=True)
        atexit.register(self.stop)

        def up():
            if self.p.poll() is not None:
                raise AssertionError("nginx exited: " + self.p.stderr.read().decode(errors="replace")
                                     + open(d + "/error.log").read())
            try:
                socket.create_connection(("127.0.0.1", self.sport), 0.2).close()
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return True
            except OSError:
                return False
        wait_for(up, 10, "nginx to listen")

    def url(self, path, host="127.0.0.1", tls=False):
        if ":" in host:
            host = "[%s]" % host
        return "%s://%s:%d%s" % ("https" if tls else "http", host,
                                 self.sport if tls else self.port, path)

    def log_lines(self):
        with open(self.dir + "/access.log") as f:
            return f.read().splitlines()

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGQUIT)
                self.p.wait(5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.p.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)


_nginx = None


def nginx():
    """The one nginx of this test process (started on first use)."""
    global _nginx
    if _nginx is None:
        _nginx = Nginx()
    return _nginx


class Scripted:
    """A TCP server on 127.0.0.1 answering each connection from a script.

    script(conn_index, request_index, request_bytes) returns the reply: bytes
    (sent whole), a list of byte strings (sent in pieces with `gap` seconds
    between them), or None to close the connection. After a reply the server
    reads the next request on the same connection unless close_after is set.
    Requests are recorded in self.requests as (conn, index, bytes)."""

    def __init__(self, script, gap=0.0, close_after=False):
        self.script = script
        self.gap = gap
        self.close_after = close_after
        self.requests = []
        self.conns = 0
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(16)
        self.port = self.s.getsockname()[1]
        self.stopped = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def _read_request(self, c):
        buf = b""
        while b"\r\n\r\n" not in buf:
            b = c.recv(65536)
            if not b:
                return None
            buf += b
        head, _, rest = buf.partition(b"\r\n\r\n")
        n = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v.strip())
        while len(rest) < n:
            b = c.recv(65536)
            if not b:
                break
            rest += b
        return head + b"\r\n\r\n" + rest

    def _serve(self, c, ci):
        c.settimeout(10 * SLOW)
        ri = 0
        try:
            while True:
                req = self._read_request(c)
                if req is None:
                    return
                self.requests.append((ci, ri, req))
                reply = self.script(ci, ri, req)
                ri += 1
                if reply is None:
                    return
                if isinstance(reply, (bytes, bytearray)):
                    c.sendall(reply)
                else:
                    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    for piece in reply:
                        c.sendall(piece)
                        if self.gap:
                            time.sleep(self.gap)
                if self.close_after:
                    return
        except OSError:
            pass
        finally:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def _run(self):
        while not self.stopped:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            ci = self.conns
            self.conns += 1
            threading.Thread(target=self._serve, args=(c, ci), daemon=True).start()

    def close(self):
        self.stopped = True
        try:
            self.s.shutdown(socket.SHUT_RDWR)  # wakes the accept() of _run on Linux
        except OSError:
            pass
        self.t.join(5)
        self.s.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()
