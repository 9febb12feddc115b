// SPDX-License-Identifier: BSD-2-Clause
// The script of `wirecat view`. The capture is the JSON in #wc-data, written
// by src/core/view.c. Every string from a packet reaches the page through
// textContent or an SVG text node, never as markup.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("wc-data").textContent);
  const P = D.packets;
  const $ = (id) => document.getElementById(id);
  const SVGNS = "http://www.w3.org/2000/svg";
  const LADDER_MAX = 2000;
  // A trace's NDJSON (wirecat trace --json): each event as a row.
  function evRow(line, k, t0) {
    let o;
    try { o = JSON.parse(line); } catch (e) { o = { event: "not JSON", text: line }; }
    if (typeof o !== "object" || o === null) o = { event: "not an object", text: line };
    const tree = ["*_TRACE_EVENT_*"];
    for (const key of Object.keys(o)) tree.push((key + ":").padEnd(18) + (typeof o[key] === "string" ? o[key] : JSON.stringify(o[key])));
    const who = o.comm !== undefined ? String(o.comm) + "[" + o.pid + "]" : "";
    return { n: k + 1, t: typeof o.time === "number" ? o.time - t0 : 0, len: typeof o.ret === "number" ? o.ret : "",
      cap: 0, p: String(o.call || o.event || "?"), ls: "trace", src: who, dst: o.tid !== o.pid && o.tid !== undefined ? "tid " + o.tid : "",
      info: String(o.text || o.program || (o.status !== undefined ? "status " + o.status : "") || o.argv || ""), tree: tree.join("\n"), hex: "" };
  }
  if (D.events) {
    let t0 = 0;
    for (const line of D.events) { const m = /"time"\s*:\s*([0-9.]+)/.exec(line); if (m) { t0 = Number(m[1]); break; } }
    D.events.forEach((line, k) => P.push(evRow(line, k, t0)));
    document.querySelector('#pkts th[data-k="len"]').textContent = "Result";
    document.querySelector('#pkts th[data-k="p"]').textContent = "Call";
    document.querySelector('#pkts th[data-k="src"]').textContent = "Process";
    document.querySelector('#pkts th[data-k="dst"]').textContent = "Thread";
    $("lad").replaceChildren(el("p", "The JSON of a trace holds the calls only: no packets to draw.", "hint"));
  }
  let shown = P.map((p, i) => i); // indexes into P, in display order
  const hooks = { select: null, apply: null }; // server mode replaces what needs its data
  let sortKey = "n", sortDir = 1, sel = -1, curConv = null, laid = false;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function sv(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function has(p, l) { return ("," + p.ls + ",").indexOf("," + l + ",") >= 0; }
  function proto(p) { return p.p === "ip" ? "ipv4" : p.p; }
  function ep(p, dst) {
    const a = dst ? p.dst : p.src, port = dst ? p.dp : p.sp;
    if (port === undefined) return a;
    return a.indexOf(":") >= 0 ? "[" + a + "]:" + port : a + ":" + port;
  }
  function kind(p) { return p.tcp ? "tcp" : p.udp ? "udp" : ""; }

  // ---- conversations (TCP and UDP by their two endpoints) ----
  const convs = [], convOf = new Map();
  P.forEach((p, i) => {
    const k = kind(p);
    if (!k) return;
    const a = ep(p, false), b = ep(p, true);
    const key = k + " " + (a < b ? a + " " + b : b + " " + a);
    let c = convOf.get(key);
    if (!c) {
      c = { id: convs.length + 1, k: k, a: a, b: b, pk: [], bytes: 0 };
      convs.push(c);
      convOf.set(key, c);
    }
    c.pk.push(i);
    c.bytes += p.len;
    p.conv = c;
  });

  // ---- filter: terms joined by && (or space), alternatives by || ----
  const FIELDS = {
    "frame.number": (p) => [p.n], "frame.len": (p) => [p.len], len: (p) => [p.len],
    "ip.addr": (p) => [p.src, p.dst], "ip.src": (p) => [p.src], "ip.dst": (p) => [p.dst],
    "eth.addr": (p) => [p.src, p.dst], port: (p) => [p.sp, p.dp],
    "tcp.port": (p) => (p.tcp ? [p.sp, p.dp] : []), "udp.port": (p) => (p.udp ? [p.sp, p.dp] : []),
    "tcp.srcport": (p) => (p.tcp ? [p.sp] : []), "tcp.dstport": (p) => (p.tcp ? [p.dp] : []),
    "udp.srcport": (p) => (p.udp ? [p.sp] : []), "udp.dstport": (p) => (p.udp ? [p.dp] : []),
    "tcp.len": (p) => (p.tcp ? [p.tcp.len] : []), "tcp.flags": (p) => (p.tcp ? [p.tcp.fl] : []),
    "tcp.seq": (p) => (p.tcp ? [p.tcp.seq] : []), "tcp.ack": (p) => (p.tcp ? [p.tcp.ack] : []),
    "tcp.stream": (p) => (p.conv && p.tcp ? [p.conv.id] : []), proto: (p) => [proto(p)],
    info: (p) => [p.info], tree: (p) => [p.tree],
  };
  const LAYERS = ["eth", "vlan", "sll", "null", "arp", "ip", "ipv4", "ipv6", "icmp", "icmpv6",
    "tcp", "udp", "dns", "http", "dhcp", "tls"];
  const OPS = ["==", "!=", ">=", "<=", ">", "<", " contains "];

  function unquote(s) {
    s = s.trim();
    return s.length > 1 && s[0] === '"' && s[s.length - 1] === '"' ? s.slice(1, -1) : s;
  }
  function cmp(v, op, want) {
    if (v === undefined || v === null) return false;
    if (op === " contains ") return String(v).toLowerCase().indexOf(want.toLowerCase()) >= 0;
    const n = Number(want), isNum = typeof v === "number" && want !== "" && !isNaN(n);
    const x = isNum ? v : String(v).toLowerCase(), y = isNum ? n : want.toLowerCase();
    switch (op) {
      case "==": return x === y;
      case "!=": return x !== y;
      case ">": return x > y;
      case "<": return x < y;
      case ">=": return x >= y;
      default: return x <= y;
    }
  }
  function term(t) {
    let neg = false;
    t = t.trim();
    while (t.startsWith("!") && !t.startsWith("!=")) { neg = !neg; t = t.slice(1).trim(); }
    if (t.startsWith("not ")) { neg = !neg; t = t.slice(4).trim(); }
    let f = null;
    for (const op of OPS) {
      const i = t.indexOf(op);
      if (i <= 0) continue;
      const name = t.slice(0, i).trim(), want = unquote(t.slice(i + op.length));
      const get = FIELDS[name];
      if (!get) throw new Error("unknown field '" + name + "' (known: " + Object.keys(FIELDS).join(", ") + ")");
      if (want === "") throw new Error("'" + name + op.trim() + "' needs a value");
      f = (p) => get(p).some((v) => cmp(v, op, want));
      break;
    }
    if (!f) {
      if (t === "") throw new Error("empty term");
      if (/^[a-z0-9.]+$/.test(t) && LAYERS.indexOf(t) >= 0) {
        const l = t === "ipv4" ? "ip" : t;
        f = (p) => has(p, l);
      } else if (/^[a-z][a-z0-9]*\.[a-z0-9.]+$/.test(t) && !FIELDS[t]) {
        throw new Error("unknown field '" + t + "'");
      } else if (/[=<>]/.test(t)) {
        throw new Error("cannot read '" + t + "': use field == value");
      } else {
        const s = unquote(t).toLowerCase();
        f = (p) => p.info.toLowerCase().indexOf(s) >= 0;
      }
    }
    return neg ? (p) => !f(p) : f;
  }
  function compile(src) {
    const alts = src.split(/\|\||\s+or\s+/).map((a) =>
      a.split(/&&|\s+and\s+/).flatMap((x) => (/["=<>!]|contains/.test(x) ? [x] : x.trim().split(/\s+/))).map(term));
    return (p) => alts.some((all) => all.every((f) => f(p)));
  }

  // ---- packet list ----
  const tbody = document.querySelector("#pkts tbody");
  function rowClass(p) {
    if (p.info.indexOf("[|") >= 0 || p.info.indexOf("invalid") >= 0) return "bad";
    return p.tcp ? "tcp" : p.udp ? "udp" : has(p, "arp") ? "arp" : has(p, "icmp") || has(p, "icmpv6") ? "icmp" : "";
  }
  // Up to LIST_ALL rows are all in the table; past that only the rows in
  // view (and a margin) are, between two spacer rows of the right height.
  const LIST_ALL = 5000, MARGIN = 40;
  let rowH = 18, virt = false;
  function row(i) { return rowEl(P[i], i); }
  // A packet's row; key is what data-i holds (an index into P, or in server
  // mode the packet's number - 1).
  function rowEl(p, i) {
    const tr = el("tr", undefined, rowClass(p));
    tr.dataset.i = i;
    [p.n, p.t.toFixed(6), p.src, p.dst, proto(p).toUpperCase(), p.len, p.info].forEach((v) => tr.appendChild(el("td", v)));
    if (i === sel) tr.classList.add("sel");
    return tr;
  }
  function spacer(h) {
    const tr = el("tr", undefined, "sp"), td = el("td");
    td.colSpan = 7;
    td.style.height = h + "px";
    td.style.padding = "0";
    tr.appendChild(td);
    return tr;
  }
  function renderWindow() {
    const list = $("list");
    const first = Math.max(0, Math.floor(list.scrollTop / rowH) - MARGIN);
    const last = Math.min(shown.length, first + Math.ceil(list.clientHeight / rowH) + 2 * MARGIN);
    const frag = document.createDocumentFragment();
    frag.appendChild(spacer(first * rowH));
    for (let k = first; k < last; k++) frag.appendChild(row(shown[k]));
    frag.appendChild(spacer((shown.length - last) * rowH));
    tbody.replaceChildren(frag);
  }
  function renderList() {
    virt = shown.length > LIST_ALL;
    if (virt) {
      renderWindow();
    } else {
      const frag = document.createDocumentFragment();
      for (const i of shown) frag.appendChild(row(i));
      tbody.replaceChildren(frag);
    }
    const r = tbody.querySelector("tr[data-i]");
    if (r && r.offsetHeight) rowH = r.offsetHeight;
    $("count").textContent = shown.length + " of " + P.length + (D.events ? " events" : " packets");
  }
  let pending = false;
  $("list").addEventListener("scroll", () => {
    if (!virt || pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; renderWindow(); });
  });
  function sortBy(k) {
    sortDir = k === sortKey ? -sortDir : 1;
    sortKey = k;
    const get = k === "p" ? proto : (p) => p[k];
    shown.sort((x, y) => {
      const a = get(P[x]), b = get(P[y]);
      return (a < b ? -1 : a > b ? 1 : P[x].n - P[y].n) * sortDir;
    });
    document.querySelectorAll("#pkts th").forEach((th) => {
      th.classList.toggle("up", th.dataset.k === k && sortDir > 0);
      th.classList.toggle("down", th.dataset.k === k && sortDir < 0);
    });
    renderList();
  }
  function applyFilter() {
    const src = $("filter").value.trim();
    $("ferr").textContent = "";
    $("filter").classList.remove("bad");
    let f = null;
    try { f = src ? compile(src) : null; } catch (e) {
      $("ferr").textContent = e.message + ". This page filters in the page; capture filters (tcp port 80) and Wireshark display filters need the server: wirecat view FILE";
      $("filter").classList.add("bad");
      return;
    }
    shown = P.map((p, i) => i).filter((i) => !f || f(P[i]));
    sortDir = -sortDir;
    sortBy(sortKey);
    renderIO();
  }

  // ---- detail: the -V tree and the bytes ----
  // The -V tree: one <details> per layer; a click on a layer's title marks
  // its bytes (p.lo holds each section's [offset, length]).
  function renderTree(p) {
    const box = $("tree");
    box.replaceChildren();
    let body = null, k = 0;
    for (const line of p.tree.split("\n")) {
      const m = /^\*+_(.+)_\*+$/.exec(line);
      if (m) {
        const d = el("details"), s = el("summary", m[1].replace(/_/g, " "));
        d.open = true;
        d.dataset.k = k++;
        s.addEventListener("click", () => markLayer(p, Number(d.dataset.k)));
        d.appendChild(s);
        box.appendChild(d);
        body = d;
      } else if (/^\*+$/.test(line)) {
        body = null;
      } else if (line !== "") {
        (body || box).appendChild(el("div", line, "f"));
      }
    }
    box.dataset.sections = k;
    if (p.tree_cut) box.appendChild(el("div", "[tree cut at the page's limit]", "f"));
  }
  function markLayer(p, k) {
    const secs = $("tree").querySelectorAll("details");
    const span = p.lo && p.lo.length === secs.length ? p.lo[k] : null;
    secs.forEach((d) => {
      d.classList.toggle("hl", Number(d.dataset.k) === k && span !== null);
      if (Number(d.dataset.k) === k) d.scrollIntoView({ block: "nearest" });
    });
    renderBytes(p, span);
  }
  // Hex and ASCII, 16 bytes a line; the bytes of span ([offset, length]) marked.
  function renderBytes(p, span) {
    const h = p.hex, n = h.length / 2, box = $("bytes");
    const lo = span ? span[0] : -1, hi = span ? span[0] + span[1] : -1;
    const frag = document.createDocumentFragment();
    for (let o = 0; o < n; o += 16) {
      const hx = ["", "", ""], asc = ["", "", ""];
      for (let j = 0; j < 16; j++) {
        const at = o + j, part = at < lo ? 0 : at < hi ? 1 : 2;
        if (at < n) {
          const b = parseInt(h.substr(at * 2, 2), 16);
          hx[part] += h.substr(at * 2, 2) + (j === 7 ? "  " : " ");
          asc[part] += b >= 32 && b < 127 ? String.fromCharCode(b) : ".";
        } else hx[2] += j === 7 ? "    " : "   ";
      }
      const line = el("div", undefined, "bl");
      line.appendChild(document.createTextNode(o.toString(16).padStart(4, "0") + "  " + hx[0]));
      if (hx[1]) line.appendChild(el("span", hx[1], "hl"));
      line.appendChild(document.createTextNode(hx[2] + " " + asc[0]));
      if (asc[1]) line.appendChild(el("span", asc[1], "hl"));
      line.appendChild(document.createTextNode(asc[2]));
      frag.appendChild(line);
    }
    box.replaceChildren(frag);
  }
  function select(i, scroll) {
    if (hooks.select) return hooks.select(P[i], scroll);
    sel = i;
    document.querySelectorAll("#pkts tr.sel").forEach((r) => r.classList.remove("sel"));
    let tr = tbody.querySelector('tr[data-i="' + i + '"]');
    if (!tr && virt && scroll) {
      const list = $("list"), k = shown.indexOf(i);
      if (k >= 0) list.scrollTop = Math.max(0, k * rowH - list.clientHeight / 2);
      renderWindow();
      tr = tbody.querySelector('tr[data-i="' + i + '"]');
    }
    if (tr) {
      tr.classList.add("sel");
      if (scroll) tr.scrollIntoView({ block: "nearest" });
    }
    const p = P[i];
    renderTree(p);
    renderBytes(p, null);
    const lm = /[#&]l=(\d+)/.exec(location.hash);
    if (lm && !laid) markLayer(p, Number(lm[1]) - 1);
    laid = true;
    if (p.conv && p.conv !== curConv) ladder(p.conv);
    document.querySelectorAll("#lad g.pk").forEach((g) => g.classList.toggle("sel", Number(g.dataset.i) === i));
    const g = document.querySelector("#lad g.pk.sel");
    if (g && scroll) g.scrollIntoView({ block: "nearest" });
  }

  // ---- conversations table (the --stats data, made in C: D.convs or /api/convs) ----
  // A conversation's key from its two endpoints as C writes them ("addr:port").
  function convKey(k, a, b) { return k + " " + (a < b ? a + " " + b : b + " " + a); }
  function cep(p, dst) { return (dst ? p.dst : p.src) + ":" + (dst ? p.dp : p.sp); }
  function renderConvTable(cv, open) {
    const tb = document.querySelector("#conv tbody");
    tb.replaceChildren();
    const list = cv && cv.convs ? cv.convs : [];
    list.forEach((c) => {
      const tr = el("tr", undefined, c.k);
      [c.id, c.k.toUpperCase(), c.a, c.b, c.f_ab + c.f_ba, c.b_ab + c.b_ba, c.f_ab + "/" + c.b_ab, c.f_ba + "/" + c.b_ba]
        .forEach((v) => tr.appendChild(el("td", v)));
      tr.addEventListener("click", () => open(c));
      tb.appendChild(tr);
    });
    const note = $("convnote");
    note.textContent = !list.length ? "No TCP or UDP conversation." :
      cv.left_out ? cv.kept + " kept, " + cv.left_out + " left out (the table is full: the largest are kept)" :
      list.length < cv.kept ? "The first " + list.length + " of " + cv.kept + " are listed." : "";
  }
  function renderConvs() {
    const byKey = new Map(convs.map((c) => [convKey(c.k, cep(P[c.pk[0]], false), cep(P[c.pk[0]], true)), c]));
    renderConvTable(D.convs, (cc) => { const c = byKey.get(convKey(cc.k, cc.a, cc.b)); if (c) ladder(c); });
  }
  // ---- protocol hierarchy (the --stats data: D.hier or /api/hier) ----
  function renderHier(h) {
    const tb = document.querySelector("#hier tbody");
    tb.replaceChildren();
    if (!h || !h.paths) return;
    for (const [path, depth, frames, bytes] of h.paths) {
      const tr = el("tr"), name = el("td", path.split(":").pop());
      name.style.paddingLeft = 4 + 14 * depth + "px";
      tr.title = path + " (click: filter by it, and graph it)";
      tr.addEventListener("click", () => { $("filter").value = path.split(":").pop(); (hooks.apply || applyFilter)(); });
      tr.appendChild(name);
      [frames, h.frames ? (100 * frames / h.frames).toFixed(1) + "%" : "", bytes].forEach((v) => tr.appendChild(el("td", v)));
      tb.appendChild(tr);
    }
    if (h.other) tb.appendChild(el("tr")).appendChild(el("td", h.other + " packets in other paths (table full)"));
  }

  // ---- I/O graph: packets per interval as SVG bars; a second series (the
  // filter's matches) as bars over them ----
  const IO_STEPS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 60, 600, 3600, 86400];
  function ioSeries(list, iv, nb) {
    const cnt = new Array(nb).fill(0), by = new Array(nb).fill(0);
    for (const p of list) {
      const k = Math.min(nb - 1, Math.max(0, Math.floor(p.t / iv)));
      cnt[k]++;
      by[k] += typeof p.len === "number" ? p.len : 0;
    }
    return { iv: iv, pk: cnt, by: by };
  }
  function renderIO() {
    if (!P.length) return;
    const t1 = Math.max(...P.map((p) => p.t), 0);
    const iv = IO_STEPS.find((s) => t1 / s <= 60) || 86400;
    const nb = Math.max(1, Math.floor(t1 / iv) + 1);
    const all = ioSeries(P, iv, nb);
    const f = $("filter").value.trim() && shown.length !== P.length ? ioSeries(shown.map((i) => P[i]), iv, nb) : null;
    drawIO(all, f, f ? $("filter").value.trim() : "");
  }
  // all, f: {iv, pk: [...], by: [...]} on the same interval (f may be null).
  function drawIO(all, f, fname) {
    const box = $("io"), iv = all.iv, nb = Math.max(1, all.pk.length), cnt = all.pk;
    const W = 520, H = 70, L = 34, max = Math.max(1, ...cnt), bw = (W - L) / nb;
    const svg = sv("svg", { width: "100%", viewBox: "0 0 " + W + " " + (H + 14), id: "iosvg" });
    svg.style.maxWidth = W + 60 + "px";
    svg.appendChild(sv("line", { x1: L, y1: H, x2: W, y2: H }));
    svg.appendChild(sv("text", { x: L - 4, y: 9, "text-anchor": "end" }, max));
    svg.appendChild(sv("text", { x: L - 4, y: H, "text-anchor": "end" }, 0));
    svg.appendChild(sv("text", { x: W, y: H + 12, "text-anchor": "end" }, (nb * iv).toPrecision(3) + " s"));
    const bars = (ser, cls) => ser.pk.forEach((c, k) => {
      const h = (c / max) * (H - 4);
      const r = sv("rect", { x: L + k * bw, y: H - h, width: Math.max(1, bw - 1), height: h, class: cls, "data-n": c });
      r.appendChild(sv("title", {}, (k * iv).toPrecision(3) + " s: " + c + " packets, " + ser.by[k] + " bytes" + (cls === "iof" ? " (" + fname + ")" : "")));
      svg.appendChild(r);
    });
    bars(all, "io");
    if (f) bars(f, "iof");
    box.replaceChildren(svg);
    $("iotitle").textContent = "I/O graph: packets per " + Number(iv.toPrecision(3)) + " s" + (f ? "; matching the filter: " + fname : "");
  }

  // ---- ladder: one lane per endpoint, an arrow per packet ----
  const FL = [[2, "SYN"], [16, "ACK"], [8, "PSH"], [1, "FIN"], [4, "RST"], [32, "URG"], [64, "ECE"], [128, "CWR"]];
  function flags(f) { return FL.filter((x) => f & x[0]).map((x) => x[1]).join(","); }
  // A TCP endpoint's state after it sends (out) or receives a segment.
  function step(s, f, out) {
    if (f & 4) return "CLOSED";
    if (out) {
      if ((f & 2) && !(f & 16)) return "SYN-SENT";
      if ((f & 2) && (f & 16)) return "SYN-RCVD";
      if (f & 1) return s === "CLOSE-WAIT" ? "LAST-ACK" : "FIN-WAIT-1";
      if (s === "SYN-SENT" && (f & 16)) return "ESTABLISHED";
      if (s === "FIN-WAIT-2+") return "TIME-WAIT";
      return s;
    }
    if ((f & 2) && !(f & 16)) return s === "CLOSED" || s === "LISTEN" ? "LISTEN" : s;
    if (s === "SYN-RCVD" && (f & 16)) return "ESTABLISHED";
    if (s === "FIN-WAIT-1" && (f & 1)) return "FIN-WAIT-2+";
    if (s === "FIN-WAIT-1" && (f & 16)) return "FIN-WAIT-2";
    if (s === "FIN-WAIT-2" && (f & 1)) return "FIN-WAIT-2+";
    if (s === "LAST-ACK" && (f & 16)) return "CLOSED";
    if (f & 1) return "CLOSE-WAIT";
    return s;
  }
  function label(p, rel) {
    const bad = p.tpbad ? " (" + (p.tcp ? "TCP" : "UDP") + " header cut or invalid)" : "";
    if (!p.tcp) return "UDP len=" + p.udp.len + bad;
    const t = p.tcp;
    return "[" + flags(t.fl) + "] seq=" + ((t.seq - rel.seq) >>> 0) +
      (t.fl & 16 ? " ack=" + ((t.ack - rel.ack) >>> 0) : "") + " len=" + t.len + " win=" + t.win + bad;
  }
  function ladder(c) {
    curConv = c;
    const box = $("lad"), W = 540, XA = 140, XB = 450, TOP = 40, DY = 30;
    const pk = c.pk.slice(0, LADDER_MAX);
    $("ladtitle").textContent = "Ladder: " + c.k.toUpperCase() + " conversation " + c.id + " (" + c.pk.length + " packets)";
    const H = TOP + DY * pk.length + 20;
    const svg = sv("svg", { width: "100%", viewBox: "0 0 " + W + " " + H, role: "img", id: "ladsvg" });
    svg.style.maxWidth = W + 40 + "px";
    const defs = sv("defs", {});
    ["ab", "ba"].forEach((d) => {
      const m = sv("marker", { id: "h" + d, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
      m.appendChild(sv("path", { d: "M0,0 L10,5 L0,10 z", class: d, fill: d === "ab" ? "var(--a)" : "var(--b)" }));
      defs.appendChild(m);
    });
    svg.appendChild(defs);
    svg.appendChild(sv("text", { x: XA, y: 14, "text-anchor": "middle", class: "ep" }, c.a));
    svg.appendChild(sv("text", { x: XB, y: 14, "text-anchor": "middle", class: "ep" }, c.b));
    const bottom = TOP + DY * pk.length;
    svg.appendChild(sv("line", { x1: XA, y1: 22, x2: XA, y2: bottom, class: "lane" }));
    svg.appendChild(sv("line", { x1: XB, y1: 22, x2: XB, y2: bottom, class: "lane" }));
    const isn = {}, st = { a: "CLOSED", b: "CLOSED" };
    pk.forEach((i) => { const p = P[i], s = ep(p, false); if (p.tcp && !(s in isn)) isn[s] = p.tcp.seq - (p.tcp.fl & 2 ? 0 : 1); });
    pk.forEach((i, k) => {
      const p = P[i], fromA = ep(p, false) === c.a, y = TOP + DY * k;
      const x1 = fromA ? XA : XB, x2 = fromA ? XB : XA, d = fromA ? "ab" : "ba";
      const g = sv("g", { class: "pk", "data-i": i });
      g.appendChild(sv("rect", { x: 0, y: y - 18, width: W, height: DY - 2 }));
      g.appendChild(sv("text", { x: 4, y: y + 4, class: "t" }, p.t.toFixed(6)));
      g.appendChild(sv("line", { x1: x1, y1: y - 6, x2: x2, y2: y + 8, class: "arrow " + d, "marker-end": "url(#h" + d + ")" }));
      const rel = p.tcp ? { seq: isn[ep(p, false)] || 0, ack: isn[ep(p, true)] || 0 } : null;
      g.appendChild(sv("text", { x: (XA + XB) / 2, y: y - 3, "text-anchor": "middle", transform: "rotate(2.5 " + (XA + XB) / 2 + " " + y + ")" }, label(p, rel)));
      if (p.tcp) {
        const sa = st.a, sb = st.b;
        st.a = step(st.a, p.tcp.fl, fromA);
        st.b = step(st.b, p.tcp.fl, !fromA);
        if (st.a !== sa) g.appendChild(sv("text", { x: XA - 6, y: y + 12, "text-anchor": "end", class: "st" }, st.a.replace("+", "")));
        if (st.b !== sb) g.appendChild(sv("text", { x: XB + 6, y: y + 12, class: "st" }, st.b.replace("+", "")));
      }
      g.addEventListener("click", () => select(i, true));
      svg.appendChild(g);
    });
    box.replaceChildren(svg);
    if (c.pk.length > LADDER_MAX) box.appendChild(el("p", "The first " + LADDER_MAX + " packets are drawn.", "hint"));
  }

  // ---- wiring ----
  $("file").textContent = D.file;
  if (D.server) {
    // served by `wirecat view FILE`: the data come from the server (view_srv.js)
    wcServerMode({ D: D, P: P, $: $, el: el, hooks: hooks, rowEl: rowEl, renderTree: renderTree,
      renderBytes: renderBytes, markLayer: markLayer, ladder: ladder, ep: ep, cep: cep,
      renderConvTable: renderConvTable, renderHier: renderHier, drawIO: drawIO });
    return;
  }
  document.querySelectorAll("#pkts th").forEach((th) => th.addEventListener("click", () => sortBy(th.dataset.k)));
  tbody.addEventListener("click", (e) => {
    const tr = e.target.closest("tr[data-i]");
    if (tr) select(Number(tr.dataset.i), false);
  });
  $("filter").addEventListener("keydown", (e) => { if (e.key === "Enter") applyFilter(); });
  $("filter").addEventListener("search", applyFilter);
  document.addEventListener("keydown", (e) => {
    if (e.target === $("filter")) return;
    const at = shown.indexOf(sel);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      const k = Math.max(0, Math.min(shown.length - 1, at + (e.key === "ArrowDown" ? 1 : -1)));
      if (shown.length) select(shown[k], true);
      e.preventDefault();
    } else if (e.key === "Enter" && sel >= 0) {
      const d = $("tree").querySelector("details");
      if (d) d.scrollIntoView({ block: "nearest" });
      if (P[sel].conv) ladder(P[sel].conv);
    }
  });
  renderList();
  renderIO();
  renderConvs();
  renderHier(D.hier);
  const m = /[#&]p=(\d+)/.exec(location.hash), want = m ? Number(m[1]) - 1 : 0;
  const fm = /[#&]f=([^&]*)/.exec(location.hash);
  if (fm) { $("filter").value = decodeURIComponent(fm[1]); applyFilter(); }
  if (P.length) select(want >= 0 && want < P.length ? want : 0, true);
  document.title = "wirecat view: " + D.file + " (" + P.length + " packets)";
  document.body.dataset.ready = String(P.length);
})();
