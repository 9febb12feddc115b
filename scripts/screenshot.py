#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Makes docs/ladder.png, the README's picture: the lecture's TCP echo server
(tests/net/lecture/tcp_echo_server.py) run under `wirecat trace --json`, its
client talking to it, the NDJSON made into a page by `wirecat view --html`,
and the page's ladder panel photographed by headless chromium (Debian's
chromium, chromium-driver and python3-selenium).

Usage: scripts/screenshot.py [WIRECAT [OUT.png]]   (default build/wirecat,
docs/ladder.png). Packets in the trace need root or CAP_NET_RAW and
CAP_NET_ADMIN; without them the script stops and says so."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
LECTURE = os.path.join(SRC, "tests", "net", "lecture")
PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


def trace_echo(wirecat, ndjson):
    """Runs the traced server and one client; returns when the server ended."""
    srv = subprocess.Popen([wirecat, "trace", "--json", "-o", ndjson, "--", PY,
                            os.path.join(LECTURE, "tcp_echo_server.py")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = b""
        deadline = time.monotonic() + 30
        while b"\n" not in line and time.monotonic() < deadline:
            b = srv.stdout.read(1)
            if not b:
                break
            line += b
        m = re.match(rb"listening on (\d+)", line)
        if not m:
            sys.exit("screenshot: the echo server did not start: %r %r" % (line, srv.stderr.read()))
        subprocess.run([PY, os.path.join(LECTURE, "tcp_echo_client.py"), m.group(1).decode(),
                        "Hello, lecture"], check=True, timeout=30)
        srv.wait(timeout=30)
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()


def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        if sys.executable != "/usr/bin/python3" and os.access("/usr/bin/python3", os.X_OK):
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        sys.exit("screenshot: python3-selenium is missing (apt-get install python3-selenium)")
    drv = shutil.which("chromedriver")
    exe = shutil.which("chromium")
    if not drv or not exe:
        sys.exit("screenshot: chromium and chromium-driver are needed (apt-get install ...)")
    o = webdriver.ChromeOptions()
    o.binary_location = exe
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800"):
        o.add_argument(a)
    d = webdriver.Chrome(service=Service(drv), options=o)
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
    d.execute_cdp_cmd("Emulation.setEmulatedMedia",
                      {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
    return d


def main():
    wirecat = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "wirecat"))
    out = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(SRC, "docs", "ladder.png"))
    d = browser()  # first: it may run this script again under Debian's python3
    try:
        with tempfile.TemporaryDirectory() as tmp:
            nd = os.path.join(tmp, "echo-server.ndjson")
            trace_echo(wirecat, nd)
            events = [json.loads(x) for x in open(nd) if x.startswith("{")]
            if not any(e.get("event") == "packet" for e in events):
                sys.exit("screenshot: the trace holds no packets (run as root, or give wirecat "
                         "CAP_NET_RAW and CAP_NET_ADMIN)")
            html = os.path.join(tmp, "echo-server.html")
            subprocess.run([wirecat, "view", "--html", html, nd], check=True)
            d.get("file://" + html)
            deadline = time.monotonic() + 30
            while d.execute_script("return document.body.dataset.ready") is None:
                if time.monotonic() > deadline:
                    sys.exit("screenshot: the page did not load")
                time.sleep(0.1)
            # The ladder panel as tall as its drawing, alone on the page.
            d.execute_script("""
              const l = document.getElementById('ladder');
              document.body.replaceChildren(l);
              document.body.style.display = 'block';
              document.body.style.height = 'auto';
              l.style.maxWidth = '680px';
              l.style.overflow = 'visible';""")
            d.find_element("id", "ladder").screenshot(out)
    finally:
        d.quit()
    print("screenshot: wrote", out)


if __name__ == "__main__":
    main()
