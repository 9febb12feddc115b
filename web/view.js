// SPDX-License-Identifier: BSD-2-Clause
// The script of `wirecat view`. The capture is the JSON in #wc-data, written
// by src/core/view.c (a trace's NDJSON by src/core/view_nd.c: its lines as
// strings, and its packet events dissected like a capture's packets, each
// with the "ev" line it came from). Each packet carries the byte range of
// each layer (lo) and of each field of the tree (fo, src/core/view_fields.c).
// Every string from a packet reaches the page through textContent or an SVG
// text node, never as markup.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("wc-data").textContent);
  const P = D.packets;
  const $ = (id) => document.getElementById(id);
  const SVGNS = "http://www.w3.org/2000/svg";
  const LADDER_MAX = 2000;
  // A trace's NDJSON (wirecat trace --json): each event as a row; a
  // "packet" event is the packet the C core dissected from its bytes (its
  // "ev" is the event's line), the others are calls, notes, processes.
  function evObj(line) {
    let o;
    try { o = JSON.parse(line); } catch (e) { o = { event: "not JSON", text: line }; }
    if (typeof o !== "object" || o === null || Array.isArray(o)) o = { event: "not an object", text: line };
    return o;
  }
  function evRow(o, k, t0) {
    const tree = ["*_TRACE_EVENT_*"];
    for (const key of Object.keys(o)) tree.push((key + ":").padEnd(18) + (typeof o[key] === "string" ? o[key] : JSON.stringify(o[key])));
    const who = o.comm !== undefined ? String(o.comm) + "[" + o.pid + "]" : "";
    return { n: k + 1, t: typeof o.time === "number" ? o.time - t0 : 0, len: typeof o.ret === "number" ? o.ret : "",
      cap: 0, p: String((o.event === "call" && o.call) || o.event || "?"), ls: "trace", src: who, dst: o.tid !== o.pid && o.tid !== undefined ? "tid " + o.tid : "",
      info: String(o.text || o.program || (o.status !== undefined ? "status " + o.status : "") || o.argv || ""), tree: tree.join("\n"), hex: "", ev: o };
  }
  const E = D.events ? D.events.map(evObj) : null; // the trace's events
  if (E) {
    const byEv = new Map();
    for (const p of P) if (typeof p.ev === "number") byEv.set(p.ev, p);
    const first = E.find((o) => typeof o.time === "number"), t0 = first ? first.time : 0;
    P.length = 0;
    E.forEach((o, k) => {
      const pk = o.event === "packet" ? byEv.get(k) : undefined;
      if (!pk) return P.push(evRow(o, k, t0));
      pk.n = k + 1;
      pk.t = typeof o.time === "number" ? o.time - t0 : 0;
      pk.evo = o;
      P.push(pk);
    });
    document.querySelector('#pkts th[data-k="len"]').textContent = "Length/result";
    document.querySelector('#pkts th[data-k="p"]').textContent = "Protocol/call";
  }
  let shown = P.map((p, i) => i); // indexes into P, in display order
  const hooks = { select: null, apply: null }; // server mode replaces what needs its data
  let sortKey = "n", sortDir = 1, sel = -1, curConv = null, laid = false;

  // Scrolls e into view within its panel (the boxes that scroll), never
  // the window: on a phone the panels are stacked and the page stays put.
  function reveal(e) {
    for (let box = e.parentElement; box && box !== document.body; box = box.parentElement) {
      const ov = getComputedStyle(box).overflowY;
      if (ov !== "auto" && ov !== "scroll") continue;
      const r = e.getBoundingClientRect(), b = box.getBoundingClientRect();
      const top = b.top + (box === $("list") ? rowH + 4 : 0);
      if (r.top < top) box.scrollTop -= top - r.top;
      else if (r.bottom > b.bottom) box.scrollTop += Math.min(r.bottom - b.bottom, r.top - top);
    }
  }
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
    [p.n, p.t.toFixed(6), p.src, p.dst, proto(p).toUpperCase(), p.len, infoText(p)].forEach((v) => tr.appendChild(el("td", v)));
    tr.lastChild.title = p.info;
    if (i === sel) tr.classList.add("sel");
    return tr;
  }
  // The Info column as Wireshark's: the line without the addresses the
  // Source and Destination columns show ("IP a.1 > b.2: " becomes "1 -> 2 ", the arrow U+2192).
  function infoText(p) {
    const m = /^(?:IP6?|IP6? \([^)]*\)) ([^ ]+) > ([^ ]+?): (.*)$/.exec(p.info);
    if (!m) return p.info;
    return (p.sp !== undefined ? p.sp + " \u2192 " + p.dp + " " : "") + m[3];
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
    $("count").textContent = shown.length + " of " + P.length + (E ? " events" : " packets");
  }
  let pending = false;
  $("list").addEventListener("scroll", () => {
    if (!virt || pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; renderWindow(); });
  });
  // An address as text that sorts in byte order, as the server sorts
  // (src/core/view_sort.c): none, then IPv4 (10.0.0.2 before 10.0.0.10),
  // IPv6, Ethernet; anything else (a trace's process) last, as text.
  function hx(n, w) { return n.toString(16).padStart(w, "0"); }
  function ip6Key(a) {
    const m = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
    if (m) {
      const q = m.slice(2).map(Number);
      if (q.some((x) => x > 255)) return null;
      a = m[1] + hx(q[0] * 256 + q[1], 1) + ":" + hx(q[2] * 256 + q[3], 1);
    }
    const parts = a.split("::");
    if (parts.length > 2) return null;
    const head = parts[0] ? parts[0].split(":") : [], tail = parts.length === 2 && parts[1] ? parts[1].split(":") : [];
    const fill = 8 - head.length - tail.length;
    if (parts.length === 2 ? fill < 1 : fill !== 0) return null;
    const g = head.concat(Array(parts.length === 2 ? fill : 0).fill("0"), tail);
    if (g.some((x) => !/^[0-9a-f]{1,4}$/i.test(x))) return null;
    return g.map((x) => x.toLowerCase().padStart(4, "0")).join("");
  }
  function addrKey(a) {
    if (a === undefined || a === "") return "0";
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
    if (m && m.slice(1).every((x) => Number(x) < 256)) return "1" + m.slice(1).map((x) => hx(Number(x), 2)).join("");
    if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(a)) return "3" + a.replace(/:/g, "").toLowerCase();
    const v6 = a.indexOf(":") >= 0 && /^[0-9a-f:.]+$/i.test(a) ? ip6Key(a) : null;
    return v6 ? "2" + v6 : "4" + a;
  }
  // Sorts by column k (again: reversed); ties by number, ascending.
  function sortBy(k) {
    sortDir = k === sortKey ? -sortDir : 1;
    sortKey = k;
    const get = k === "p" ? proto : k === "src" || k === "dst" ? (p) => addrKey(p[k]) : k === "info" ? infoText : (p) => p[k];
    const key = new Map(shown.map((i) => [i, get(P[i])]));
    shown.sort((x, y) => {
      const a = key.get(x), b = key.get(y);
      return (a < b ? -1 : a > b ? 1 : 0) * sortDir || P[x].n - P[y].n;
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
  // its bytes (p.lo holds each section's [offset, length]), a click on a
  // field line marks the field's (p.fo: per layer, [label, offset, length]
  // from the C core, paired with the tree's lines by label and order).
  let mark = null; // the marked [offset, length]
  // Layer k's fields: its kind's table (D.ft) moved to where it starts,
  // then the ones laid out as they come.
  function layerFields(p, k) {
    const l = p.fo && p.fo[k] ? p.fo[k] : [-1, 0], t = D.ft && D.ft[l[0]] ? D.ft[l[0]] : [];
    return t.map((f) => [f[0], l[1] + f[1], f[2]]).concat(l.slice(2));
  }
  function fieldsOf(p, k) {
    const fo = layerFields(p, k), used = {};
    return (label) => {
      const n = used[label] || 0;
      let seen = 0;
      for (const f of fo) {
        if (f[0] !== label) continue;
        if (seen++ === n) { used[label] = n + 1; return f; }
      }
      return null;
    };
  }
  function renderTree(p) {
    const box = $("tree");
    box.replaceChildren();
    let body = null, k = 0, find = null;
    for (const line of p.tree.split("\n")) {
      const m = /^\*+_(.+)_\*+$/.exec(line);
      if (m) {
        const d = el("details"), s = el("summary", m[1].replace(/_/g, " "));
        d.open = true;
        d.dataset.k = k;
        find = fieldsOf(p, k++);
        s.addEventListener("click", () => markLayer(p, Number(d.dataset.k)));
        d.appendChild(s);
        box.appendChild(d);
        body = d;
      } else if (/^\*+$/.test(line)) {
        body = null;
      } else if (line !== "") {
        const div = el("div", line, "f"), lm = /^([A-Za-z][A-Za-z #/-]*):/.exec(line);
        const f = body && find && lm ? find(lm[1]) : null;
        if (f && f[2] > 0) {
          div.dataset.o = f[1];
          div.dataset.n = f[2];
          div.classList.add("fld");
          div.addEventListener("click", () => markField(p, div));
        }
        (body || box).appendChild(div);
      }
    }
    box.dataset.sections = k;
    if (p.tree_cut) box.appendChild(el("div", "[tree cut at the page's limit]", "f"));
  }
  function clearMarks() {
    $("tree").querySelectorAll(".hl").forEach((e) => e.classList.remove("hl"));
  }
  function markLayer(p, k) {
    const secs = $("tree").querySelectorAll("details");
    const span = p.lo && p.lo.length === secs.length ? p.lo[k] : null;
    clearMarks();
    secs.forEach((d) => {
      d.classList.toggle("hl", Number(d.dataset.k) === k && span !== null);
      if (Number(d.dataset.k) === k) reveal(d);
    });
    renderBytes(p, span);
  }
  function markField(p, div) {
    clearMarks();
    div.classList.add("hl");
    div.parentElement.open = true;
    reveal(div);
    renderBytes(p, [Number(div.dataset.o), Number(div.dataset.n)]);
  }
  // A click on byte o: the smallest field that holds it (the innermost
  // layer's on a tie), else the innermost layer that holds it.
  function markByte(p, o) {
    let best = null;
    $("tree").querySelectorAll("div.fld").forEach((d) => {
      const a = Number(d.dataset.o), n = Number(d.dataset.n);
      if (o >= a && o < a + n && (!best || n <= Number(best.dataset.n))) best = d;
    });
    if (best) return markField(p, best);
    for (let k = (p.lo || []).length - 1; k >= 0; k--)
      if (o >= p.lo[k][0] && o < p.lo[k][0] + p.lo[k][1]) return markLayer(p, k);
    renderBytes(p, null);
  }
  // Hex and ASCII, 16 bytes a line, one element per byte (data-o, its
  // offset); the bytes of span ([offset, length]) marked.
  function renderBytes(p, span) {
    const h = p.hex, n = h.length / 2, box = $("bytes");
    mark = span;
    const lo = span ? span[0] : -1, hi = span ? span[0] + span[1] : -1;
    const frag = document.createDocumentFragment();
    for (let o = 0; o < n; o += 16) {
      const line = el("div", undefined, "bl"), asc = [];
      line.appendChild(document.createTextNode(o.toString(16).padStart(4, "0") + "  "));
      for (let j = 0; j < 16; j++) {
        const at = o + j, on = at >= lo && at < hi;
        if (at >= n) { line.appendChild(document.createTextNode(j === 7 ? "    " : "   ")); continue; }
        const b = parseInt(h.substr(at * 2, 2), 16);
        const x = el("span", h.substr(at * 2, 2), on ? "hx hl" : "hx");
        x.dataset.o = at;
        line.appendChild(x);
        line.appendChild(document.createTextNode(j === 7 ? "  " : " "));
        const a = el("span", b >= 32 && b < 127 ? String.fromCharCode(b) : ".", on ? "as hl" : "as");
        a.dataset.o = at;
        asc.push(a);
      }
      line.appendChild(document.createTextNode(" "));
      asc.forEach((a) => line.appendChild(a));
      frag.appendChild(line);
    }
    box.replaceChildren(frag);
    const first = box.querySelector("span.hl");
    if (first) reveal(first);
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
      if (scroll) reveal(tr);
    }
    const p = P[i];
    renderTree(p);
    renderBytes(p, null);
    const lm = /[#&]l=(\d+)/.exec(location.hash);
    if (lm && !laid) markLayer(p, Number(lm[1]) - 1);
    laid = true;
    if (p.conv && p.conv !== curConv) ladder(p.conv);
    document.querySelectorAll("#lad g[data-i]").forEach((g) => g.classList.toggle("sel", Number(g.dataset.i) === i));
    const g = document.querySelector("#lad g.pk.sel");
    if (g && scroll) reveal(g);
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
    note.textContent = (!list.length ? "No TCP or UDP conversation." :
      cv.left_out ? cv.kept + " kept, " + cv.left_out + " left out (the table is full: the largest are kept)." :
      list.length < cv.kept ? "The first " + list.length + " of " + cv.kept + " are listed." : "") +
      (list.some((c) => c.k === "tcp") ? " A row is a pair of endpoints: a TCP port pair used again is one row here, where read --stats and tshark -z conv,tcp count one per connection." : "");
  }
  function renderConvs() {
    if (D.convs && !E) {
      const byKey = new Map(convs.map((c) => [convKey(c.k, cep(P[c.pk[0]], false), cep(P[c.pk[0]], true)), c]));
      return renderConvTable(D.convs, (cc) => { const c = byKey.get(convKey(cc.k, cc.a, cc.b)); if (c) ladder(c); });
    }
    // a trace's page: the conversations found here, a socket's calls without
    // packets too (each opens its ladder)
    const list = convs.map((c) => {
      const r = { id: c.id, k: c.k, a: c.a, b: c.b, f_ab: 0, f_ba: 0, b_ab: 0, b_ba: 0 };
      for (const i of c.pk) {
        const ab = ep(P[i], false) === c.a, n = typeof P[i].len === "number" ? P[i].len : 0;
        if (ab) { r.f_ab++; r.b_ab += n; } else { r.f_ba++; r.b_ba += n; }
      }
      return r;
    });
    renderConvTable({ convs: list, kept: list.length }, (cc) => ladder(convs[cc.id - 1]));
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
  // filter's matches) as bars over them. The series of every packet is the
  // C core's (D.io, the code behind the server's /api/io); the filter runs
  // in the page, so its series is counted here, on the same intervals ----
  function ioSeries(list, iv, nb, t0) {
    const cnt = new Array(nb).fill(0), by = new Array(nb).fill(0);
    for (const p of list) {
      const k = Math.min(nb - 1, Math.max(0, Math.floor((p.t - t0) / iv)));
      cnt[k]++;
      by[k] += typeof p.len === "number" ? p.len : 0;
    }
    return { iv: iv, pk: cnt, by: by };
  }
  function renderIO() {
    const pkt = (p) => p.ls !== "trace", pk = P.filter(pkt); // a trace's calls are not packets
    if (!pk.length || !D.io) return $("io").replaceChildren(el("p", "No packets.", "hint"));
    const all = D.io, t0 = Math.min(...pk.map((p) => p.t)); // C's times start at the first packet
    const f = $("filter").value.trim() && shown.length !== P.length ? ioSeries(shown.map((i) => P[i]).filter(pkt), all.iv, Math.max(1, all.pk.length), t0) : null;
    drawIO(all, f, f ? $("filter").value.trim() : "", !!f);
  }
  // all, f: {iv, pk: [...], by: [...]} on the same interval (f may be null).
  function drawIO(all, f, fname, inPage) {
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
    $("iotitle").textContent = "I/O graph: packets per " + Number(iv.toPrecision(3)) + " s" + (f ? "; matching the filter: " + fname + (inPage ? " (counted in the page, where the filter runs)" : "") : "");
  }

  // ---- ladder: one lane per endpoint, an arrow per packet ----
  const FL = [[2, "SYN"], [16, "ACK"], [8, "PSH"], [1, "FIN"], [4, "RST"], [32, "URG"], [64, "ECE"], [128, "CWR"]];
  function flags(f) { return FL.filter((x) => f & x[0]).map((x) => x[1]).join(","); }
  // Every state the ladder draws is spelled as RFC 9293 names it (the
  // states inferred here, as the tracer's). The tracer writes the kernel's
  // names (netstat's, as its terminal timeline does): this is the one
  // mapping from those, for its "[state: X]" and its notes.
  const RFC_STATE = { SYN_SENT: "SYN-SENT", SYN_RECV: "SYN-RECEIVED", FIN_WAIT1: "FIN-WAIT-1", FIN_WAIT2: "FIN-WAIT-2",
    TIME_WAIT: "TIME-WAIT", CLOSE_WAIT: "CLOSE-WAIT", LAST_ACK: "LAST-ACK" };
  const KERNEL_STATE = new RegExp("\\b(?:" + Object.keys(RFC_STATE).join("|") + ")\\b", "g");
  function rfcStates(text) { return text.replace(KERNEL_STATE, (w) => RFC_STATE[w]); }
  // The TCP state of each lane, inferred from the segments in capture order
  // (RFC 9293 3.3.2): in one segment the ACK before the FIN; a FIN is
  // acknowledged by an ACK past it. A conversation whose first segment is
  // not a SYN began before the capture: its lanes start unknown ("" here),
  // data and ACKs do not tell their state, and the states a FIN leads to
  // are marked "?" (they assume ESTABLISHED when the capture began; the
  // lane may have been closing already). A SYN or a RST tells the state
  // whatever came before (but a SYN into a live connection changes
  // nothing). A state is the last the capture shows: the connection may go
  // on after the capture ends. FINs that crossed (the
  // second one does not acknowledge the first) take both sides through
  // CLOSING: the second sender had not yet received the first FIN, so that
  // FIN counts for it (pend) only from its next segment on.
  const SYNCED = ["ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK"];
  function tcpLane(known) { return { s: known ? "CLOSED" : "", sure: known, fin: -1, finIn: false, pend: -1 }; }
  function finIn(L) {
    L.finIn = true;
    L.pend = -1;
    L.s = { "FIN-WAIT-1": "CLOSING", "FIN-WAIT-2": "TIME-WAIT", "TIME-WAIT": "TIME-WAIT", CLOSING: "CLOSING",
      "LAST-ACK": "LAST-ACK", CLOSED: "CLOSED" }[L.s] || "CLOSE-WAIT";
  }
  function laneText(L) { return L.s ? L.s + (L.sure ? "" : "?") : "unknown"; }
  function sendSeg(L, t) {
    const f = t.fl;
    if (L.pend >= 0 && (f & 16) && ((t.ack - L.pend) | 0) > 0) finIn(L);
    if (f & 4) return Object.assign(L, { s: "CLOSED", sure: true });
    if (f & 2) return Object.assign(L, tcpLane(true), { s: f & 16 ? "SYN-RECEIVED" : "SYN-SENT" }); // a new connection
    if (!(f & 1) || L.fin >= 0) return L;
    L.fin = (t.seq + t.len) >>> 0; // the FIN's sequence number
    L.s = L.finIn ? "LAST-ACK" : "FIN-WAIT-1";
    return L;
  }
  function recvSeg(L, t, defer) {
    const f = t.fl;
    if (L.pend >= 0) finIn(L); // the peer's FIN came before this segment
    if (f & 4) return Object.assign(L, { s: "CLOSED", sure: true });
    if ((f & 2) && SYNCED.indexOf(L.s) >= 0) return L; // a SYN into a live connection changes nothing (RFC 5961)
    if (f & 2) return Object.assign(L, tcpLane((f & 16) !== 0 || L.sure), { s: f & 16 ? "ESTABLISHED" : "SYN-RECEIVED" }); // SYN-ACK: ours acknowledged
    if ((f & 16) && L.s === "SYN-RECEIVED") L.s = "ESTABLISHED";
    if ((f & 16) && L.fin >= 0 && ((t.ack - L.fin) | 0) > 0) // our FIN acknowledged
      L.s = { "FIN-WAIT-1": "FIN-WAIT-2", CLOSING: "TIME-WAIT", "LAST-ACK": "CLOSED" }[L.s] || L.s;
    if (!(f & 1) || L.finIn) return L;
    if (defer) L.pend = (t.seq + t.len) >>> 0;
    else finIn(L);
    return L;
  }
  // The FINs of c (indexes into P) that crossed the other side's: its next
  // segment carries a FIN that does not acknowledge this one.
  function crossedFins(c) {
    const out = new Set(), seg = c.pk.filter((i) => P[i].tcp && !P[i].tpbad);
    seg.forEach((i, k) => {
      const p = P[i];
      if (!(p.tcp.fl & 1)) return;
      const from = ep(p, false), next = seg.slice(k + 1).map((j) => P[j]).find((q) => ep(q, false) !== from);
      if (next && (next.tcp.fl & 1) && !((next.tcp.fl & 16) && ((next.tcp.ack - p.tcp.seq - p.tcp.len) | 0) > 0)) out.add(i);
    });
    return out;
  }
  // The arrow's label; cut to the room between the lanes (the whole of it
  // is the arrow's tooltip).
  function label(p, rel) {
    if (!p.tcp) return "UDP len=" + p.udp.len;
    const t = p.tcp;
    return "[" + flags(t.fl) + "] seq=" + ((t.seq - rel.seq) >>> 0) +
      (t.fl & 16 ? " ack=" + ((t.ack - rel.ack) >>> 0) : "") + " len=" + t.len + " win=" + t.win;
  }
  const ROOM = 46; // characters between the lanes
  function cut(s, n) { return s.length > n ? s.slice(0, n - 1) + "\u2026" : s; }
  function wrap(s, n) {
    const out = [];
    let line = "";
    for (const w of s.split(" ")) {
      if (line && (line + " " + w).length > n) { out.push(line); line = ""; }
      line = line ? line + " " + w : w;
      while (line.length > n) { out.push(line.slice(0, n)); line = line.slice(n); }
    }
    if (line) out.push(line);
    return out.slice(0, 6);
  }
  // The state the tracer gave for a packet: "[state: X]" in its summary or
  // in a note on its frame; "port A X, port B Y" for two of the program's
  // own sockets. Returns {port: state} or {prog: state}, or null.
  function engineState(p) {
    if (!p.evo) return null;
    const texts = [String(p.evo.summary || "")].concat((p.notes || []).map((o) => String(o.text || ""))).map(rfcStates);
    for (const t of texts) {
      const m = /\[state: ([^\]]+)\]/.exec(t);
      if (!m) continue;
      const two = /^port (\d+) (\S+), port (\d+) (\S+)$/.exec(m[1]);
      if (two) return { [two[1]]: two[2], [two[3]]: two[4] };
      return { prog: m[1] };
    }
    return null;
  }
  // The rows of conversation c's ladder: its packets, and for a trace the
  // program's calls on its socket and the trace's notes, in time order.
  function ladRows(c) {
    const pk = c.pk.slice(0, LADDER_MAX);
    if (!E) return pk;
    const last = pk.length ? P[pk[pk.length - 1]].n : 0;
    const more = (c.ev || []).filter((i) => c.pk.length <= LADDER_MAX || P[i].n < last);
    return pk.concat(more).sort((x, y) => P[x].n - P[y].n);
  }
  function ladder(c) {
    curConv = c;
    const box = $("lad"), W = 600, XA = 150, XB = 470, TOP = 34, MID = (XA + XB) / 2;
    const rows = ladRows(c), prog = progLane(c);
    $("ladtitle").textContent = c.pk.length ? "Ladder: " + c.k.toUpperCase() + " conversation " + c.id + " (" + c.pk.length + " packets" + leftOut(c) + ")"
      : "Ladder: the calls on " + c.a + " (the trace holds no packets)";
    const hOf = (i) => { const p = P[i]; return p.conv === c && (p.tcp || p.udp) ? (p.tpbad ? 42 : 30) : p.ev && p.ev.event === "note" ? 14 * wrap(noteText(p.ev), ROOM).length + 4 : 20; };
    const H = TOP + rows.reduce((h, i) => h + hOf(i), 0) + 20;
    const svg = sv("svg", { width: "100%", viewBox: "0 0 " + W + " " + H, role: "img", id: "ladsvg" });
    svg.style.maxWidth = W + 40 + "px";
    const defs = sv("defs", {});
    ["ab", "ba"].forEach((d) => {
      const m = sv("marker", { id: "h" + d, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
      m.appendChild(sv("path", { d: "M0,0 L10,5 L0,10 z", class: d, fill: d === "ab" ? "var(--a)" : "var(--b)" }));
      defs.appendChild(m);
    });
    svg.appendChild(defs);
    svg.appendChild(sv("text", { x: XA, y: 14, "text-anchor": "middle", class: "ep" }, c.a + (prog === "a" ? " (program)" : "")));
    svg.appendChild(sv("text", { x: XB, y: 14, "text-anchor": "middle", class: "ep" }, c.b + (prog === "b" ? " (program)" : "")));
    svg.appendChild(sv("line", { x1: XA, y1: 22, x2: XA, y2: H - 20, class: "lane" }));
    svg.appendChild(sv("line", { x1: XB, y1: 22, x2: XB, y2: H - 20, class: "lane" }));
    const first = c.pk.map((i) => P[i]).find((p) => p.tcp && !p.tpbad), known = !!first && (first.tcp.fl & 18) === 2;
    const isn = {}, st = { a: tcpLane(known), b: tcpLane(known) }, shown = { a: "", b: "" }, crossed = crossedFins(c);
    c.pk.forEach((i) => { const p = P[i], s = ep(p, false); if (p.tcp && !(s in isn)) isn[s] = p.tcp.seq - (p.tcp.fl & 2 ? 0 : 1); });
    let y = TOP;
    rows.forEach((i) => {
      const p = P[i], h = hOf(i), g = sv("g", { class: "pk", "data-i": i });
      g.appendChild(sv("rect", { x: 0, y: y - 2, width: W, height: h - 2 }));
      g.appendChild(sv("text", { x: 4, y: y + 12, class: "t" }, p.t.toFixed(6)));
      if (p.conv === c && (p.tcp || p.udp)) ladPacket(g, p, c, y + 14, { XA, XB, MID, isn, st, shown, prog, crossed, i });
      else if (p.ev && p.ev.event === "note") ladNote(g, p.ev, MID, y);
      else ladCall(g, p, prog === "b" ? XB : XA, prog === "b" ? -1 : 1, y + 12);
      g.addEventListener("click", () => select(i, true));
      svg.appendChild(g);
      y += h;
    });
    box.replaceChildren(svg);
    const legend = !first ? "" : (prog ? "TCP states: the program's from the tracer; the peer's (in italics) inferred from the segments" : "TCP states (in italics) inferred from the segments") +
      ", each the last the capture shows (the connection may go on after it ends)." + (known ? "" : " The capture began mid-connection (its first segment is not a SYN): the states are unknown until a segment shows them; one marked ? assumes the connection was ESTABLISHED when the capture began.");
    if (legend) box.appendChild(el("p", legend, "hint"));
    if (c.pk.length > LADDER_MAX) box.appendChild(el("p", "The first " + LADDER_MAX + " packets are drawn.", "hint"));
  }
  function ladPacket(g, p, c, y, L) {
    const fromA = ep(p, false) === c.a, x1 = fromA ? L.XA : L.XB, x2 = fromA ? L.XB : L.XA, d = fromA ? "ab" : "ba";
    const line = sv("line", { x1: x1, y1: y - 6, x2: x2, y2: y + 8, class: "arrow " + d, "marker-end": "url(#h" + d + ")" });
    const rel = p.tcp ? { seq: isn0(L.isn, ep(p, false)), ack: isn0(L.isn, ep(p, true)) } : null, text = label(p, rel);
    line.appendChild(sv("title", {}, text + (p.evo && p.evo.cause ? "\ncaused by " + p.evo.cause : "")));
    g.appendChild(line);
    g.appendChild(sv("text", { x: L.MID, y: y - 3, "text-anchor": "middle", transform: "rotate(" + (fromA ? 2.5 : -2.5) + " " + L.MID + " " + y + ")" }, cut(text, ROOM)));
    if (p.tpbad) g.appendChild(sv("text", { x: L.MID, y: y + 22, "text-anchor": "middle", class: "note" }, (p.tcp ? "TCP" : "UDP") + " header cut or invalid"));
    if (!p.tcp || p.tpbad) return; // a receiver drops a segment whose header is cut or invalid
    const es = engineState(p), prog = L.prog;
    ["a", "b"].forEach((lane) => {
      const out = (lane === "a") === fromA;
      if (out) sendSeg(L.st[lane], p.tcp);
      else recvSeg(L.st[lane], p.tcp, L.crossed.has(L.i));
      const port = String(lane === "a" ? portOf(c.a) : portOf(c.b));
      let text = laneText(L.st[lane]), inf = true;
      if (es && (es[port] || (lane === prog && es.prog))) { text = es[port] || es.prog; inf = false; }
      else if (lane === prog) return; // the tracer says when the program's socket changes state
      if (text === L.shown[lane]) return;
      L.shown[lane] = text;
      const x = lane === "a" ? L.XA - 6 : L.XB + 6;
      g.appendChild(sv("text", { x: x, y: y + 12, "text-anchor": lane === "a" ? "end" : "start", class: inf ? "st inf" : "st" }, text));
    });
  }
  function isn0(isn, e) { return isn[e] || 0; }
  // The packets of c that the conversation table (the --stats collector,
  // made in C) does not count: a TCP or UDP header cut or invalid, left out
  // as tshark -z conv leaves it out; the ladder draws them. A trace's table
  // is made here, from the same packets as its ladder.
  function leftOut(c) {
    const bad = E ? 0 : c.pk.filter((i) => P[i].tpbad).length;
    return !bad ? "" : "; " + bad + " with a cut or invalid " + c.k.toUpperCase() +
      " header, which the conversation table leaves out, as tshark -z conv," + c.k + " does";
  }
  function portOf(e) { const m = /:(\d+)$/.exec(e); return m ? m[1] : ""; }
  function noteText(o) { return rfcStates(String(o.text || o.note || "")); }
  function ladNote(g, o, mid, y) {
    wrap(noteText(o), ROOM).forEach((line, k) => g.appendChild(sv("text", { x: mid, y: y + 11 + 14 * k, "text-anchor": "middle", class: "note" }, line)));
  }
  // A call of the program: a dot on its lane, the call's text beside it.
  function ladCall(g, p, x, dir, y) {
    const o = p.ev || {}, text = String(o.text || o.call || o.event || "");
    g.setAttribute("class", "pk call");
    g.appendChild(sv("circle", { cx: x, cy: y - 4, r: 3.5, class: "call" }));
    const t = sv("text", { x: x + 8 * dir, y: y, "text-anchor": dir > 0 ? "start" : "end", class: "call" }, cut(text, ROOM));
    t.appendChild(sv("title", {}, text));
    g.appendChild(t);
  }
  // Which lane is the program's socket, for a trace: the sender of an "out"
  // packet, the receiver of an "in" one.
  function progLane(c) {
    for (const i of c.pk) {
      const p = P[i], dir = p.evo && p.evo.dir;
      if (dir !== "out" && dir !== "in") continue;
      const me = dir === "out" ? ep(p, false) : ep(p, true);
      return me === c.a ? "a" : "b";
    }
    return E && c.pk.length ? "a" : "";
  }
  // A trace's calls and notes go with the conversation of their socket: the
  // (pid, fd) of its packets; a note with its packet's frame or its call.
  function evFd(o) {
    if (o.event !== "call") return null;
    if (/^(socket|accept4?)$/.test(String(o.call))) return typeof o.ret === "number" && o.ret >= 0 ? o.ret : null;
    const m = /^[a-z0-9_]+\((\d+)/.exec(String(o.text || ""));
    return m ? Number(m[1]) : null;
  }
  function tieEvents() {
    const bySock = new Map(), byFrame = new Map(), byCall = new Map();
    for (const p of P) {
      if (!p.evo || !p.conv) continue;
      if (p.evo.fd !== undefined) bySock.set(p.evo.pid + "/" + p.evo.fd, p.conv);
      if (p.evo.frame !== undefined) byFrame.set(p.evo.frame, p);
    }
    P.forEach((p, i) => {
      const o = p.ev;
      if (!o) return;
      let c = null;
      if (o.event === "call") {
        c = sockConv(bySock, o);
        if (c) byCall.set(o.pid + " " + o.text, c);
      } else if (o.event === "note") {
        const f = byFrame.get(o.frame);
        if (f) (f.notes = f.notes || []).push(o);
        c = f ? f.conv : byCall.get(o.pid + " " + o.call) || null;
      }
      if (c) { p.conv = c; (c.ev = c.ev || []).push(i); }
    });
  }
  // A socket of the trace without packets (no capture privilege, or
  // --no-packets): its calls on a ladder of their own, the peer from the
  // address in its connect, accept or sendto.
  function sockConv(bySock, o) {
    const fd = evFd(o);
    if (fd === null) return null;
    const key = o.pid + "/" + fd;
    let c = bySock.get(key);
    if (!c) {
      c = { id: convs.length + 1, k: "socket", a: String(o.comm) + "[" + o.pid + "] fd " + fd, b: "peer", pk: [], bytes: 0, ev: [] };
      convs.push(c);
      bySock.set(key, c);
    }
    const m = /(\[[0-9a-f:.]+\]:\d+|\d+\.\d+\.\d+\.\d+:\d+)/.exec(String(o.text || ""));
    if (m && c.b === "peer" && /^(connect|accept4?|sendto|sendmsg|recvfrom)$/.test(String(o.call))) c.b = m[1];
    return c;
  }
  if (E) tieEvents();

  // ---- wiring ----
  $("file").textContent = D.file;
  if (D.server) {
    // served by `wirecat view FILE`: the data come from the server (view_srv.js)
    wcServerMode({ D: D, P: P, $: $, el: el, hooks: hooks, rowEl: rowEl, renderTree: renderTree,
      renderBytes: renderBytes, markLayer: markLayer, markByte: markByte, reveal: reveal, ladder: ladder, ep: ep, cep: cep,
      renderConvTable: renderConvTable, renderHier: renderHier, drawIO: drawIO });
    return;
  }
  document.querySelectorAll("#pkts th").forEach((th) => th.addEventListener("click", () => sortBy(th.dataset.k)));
  tbody.addEventListener("click", (e) => {
    const tr = e.target.closest("tr[data-i]");
    if (tr) select(Number(tr.dataset.i), false);
  });
  $("bytes").addEventListener("click", (e) => {
    const b = e.target.closest("[data-o]");
    if (b && sel >= 0) markByte(P[sel], Number(b.dataset.o));
  });
  $("filter").addEventListener("keydown", (e) => { if (e.key === "Enter") applyFilter(); });
  $("filter").addEventListener("search", applyFilter);
  // Keys: Up/Down a row, PageUp/PageDown a screenful, Home/End the first
  // and last row, Enter opens the selected row (its tree, and its
  // conversation's ladder with the row marked).
  function keyMove(key, at) {
    const page = Math.max(1, Math.floor($("list").clientHeight / rowH) - 1);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page,
      Home: 0, End: shown.length - 1 }[key];
    return Math.max(0, Math.min(shown.length - 1, to));
  }
  function openSel() {
    const p = P[sel];
    $("tree").querySelectorAll("details").forEach((d) => { d.open = true; });
    if (p.conv) ladder(p.conv);
    select(sel, true);
    const g = document.querySelector("#lad g.sel");
    (g || $("detail")).scrollIntoView({ block: "nearest" }); // the window too: Enter opens
    document.body.dataset.opened = String(p.n);
  }
  document.addEventListener("keydown", (e) => {
    if (e.target === $("filter") || e.altKey || e.ctrlKey || e.metaKey) return;
    const keys = ["ArrowDown", "ArrowUp", "PageDown", "PageUp", "Home", "End"];
    if (keys.indexOf(e.key) >= 0) {
      if (shown.length) select(shown[keyMove(e.key, shown.indexOf(sel))], true);
      e.preventDefault();
    } else if (e.key === "Enter" && sel >= 0) {
      openSel();
      e.preventDefault();
    }
  });
  renderList();
  renderIO();
  renderConvs();
  renderHier(D.hier);
  const m = /[#&]p=(\d+)/.exec(location.hash), firstPk = E ? Math.max(0, P.findIndex((p) => p.conv && (p.tcp || p.udp)), P.findIndex((p) => p.conv)) : 0;
  const want = m ? Number(m[1]) - 1 : firstPk;
  const fm = /[#&]f=([^&]*)/.exec(location.hash);
  if (fm) { $("filter").value = decodeURIComponent(fm[1]); applyFilter(); }
  if (P.length) select(want >= 0 && want < P.length ? want : 0, true);
  document.title = "wirecat view: " + D.file + " (" + P.length + " packets)";
  document.body.dataset.ready = String(P.length);
})();
