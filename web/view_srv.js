// SPDX-License-Identifier: BSD-2-Clause
// The data layer of `wirecat view FILE` (server mode): the page's rows,
// packet details, filter, conversations, hierarchy and I/O graph come from
// the server's /api (src/core/view_srv.c), a page of rows at a time; the
// browser holds only the rows near the view (at most CACHE_MAX). view.js
// calls wcServerMode with its rendering functions when D.server is set. A
// click on a heading asks the server to sort (sort=COLUMN&desc=1): the list
// waits for the sort, showing its progress, and says so when the server
// refuses a set too large.
// Every string from a packet reaches the page through textContent.
"use strict";
// eslint-disable-next-line no-unused-vars
function wcServerMode(W) {
  const { $, el } = W;
  const BLOCK = 100, CACHE_MAX = 2000, MARGIN = 30, POLL_MS = 250;
  const tbody = document.querySelector("#pkts tbody");
  const list = $("list");
  let total = 0, indexing = true, filter = "", fdone = true, lang = "", gen = 0;
  let rowH = 18, sel = 0, selK = -1, wantK = -1, selRow = null, convs = null;
  let sortKey = "n", sortDesc = false, sortState = null, watching = false; // the sort asked for
  const cache = new Map(); // place in the list -> row object
  const asked = new Set(); // blocks requested for the current list

  function api(path) {
    return fetch(path, { cache: "no-store" }).then((r) => {
      if (!r.ok) throw new Error(path.split("?")[0] + ": HTTP " + r.status);
      return r.json();
    });
  }
  function q(params) {
    return Object.keys(params).filter((k) => params[k] !== "" && params[k] !== undefined)
      .map((k) => k + "=" + encodeURIComponent(params[k])).join("&");
  }
  function say(e) { $("ferr").textContent = String(e && e.message ? e.message : e); }

  // ---- the virtual list: only the rows in view (and a margin) are in the DOM ----
  function spacer(h) {
    const tr = el("tr", undefined, "sp"), td = el("td");
    td.colSpan = 7;
    td.style.height = h + "px";
    td.style.padding = "0";
    tr.appendChild(td);
    return tr;
  }
  function placeholder(k) {
    const tr = el("tr", undefined, "ld"), td = el("td", "loading row " + (k + 1) + "\u2026");
    td.colSpan = 7;
    tr.appendChild(td);
    return tr;
  }
  function render() {
    const first = Math.max(0, Math.floor(list.scrollTop / rowH) - MARGIN);
    const last = Math.min(total, first + Math.ceil(list.clientHeight / rowH) + 2 * MARGIN);
    const frag = document.createDocumentFragment();
    frag.appendChild(spacer(first * rowH));
    for (let k = first; k < last; k++) {
      const p = cache.get(k);
      const tr = p ? W.rowEl(p, p.n - 1) : placeholder(k);
      if (p) tr.dataset.k = k;
      if (p && p.n === sel) tr.classList.add("sel");
      frag.appendChild(tr);
    }
    frag.appendChild(spacer(Math.max(0, total - last) * rowH));
    tbody.replaceChildren(frag);
    const r = tbody.querySelector("tr[data-i]");
    if (r && r.offsetHeight) rowH = r.offsetHeight;
    for (let b = Math.floor(first / BLOCK); b * BLOCK < last; b++) fetchBlock(b);
    count();
  }
  function count() {
    let t = filter ? total + (fdone ? "" : "+") + " matching (" + (lang || "filter") + ")" : total + " packets";
    if (indexing) t += ", reading the file\u2026";
    t += sortText();
    $("count").textContent = t;
  }
  // Drops the cached rows farthest from the view when there are too many.
  function trim() {
    if (cache.size <= CACHE_MAX) return;
    const mid = Math.floor(list.scrollTop / rowH);
    const keys = [...cache.keys()].sort((a, b) => Math.abs(b - mid) - Math.abs(a - mid));
    for (const k of keys.slice(0, cache.size - CACHE_MAX)) { cache.delete(k); asked.delete(Math.floor(k / BLOCK)); }
  }
  function fetchBlock(b) {
    if (asked.has(b) || b * BLOCK >= total || sorting()) return;
    asked.add(b);
    const g = gen;
    api("/api/rows?" + q(Object.assign({ start: b * BLOCK, count: BLOCK, filter: filter }, sortParams())))
      .then((r) => {
        if (g !== gen) return;
        if (r.error) return showFilterError(r);
        if (r.sort && r.sort.state !== "done") { // another tab's sort took the server's place
          asked.delete(b);
          sortState = r.sort;
          return sortWatch();
        }
        r.rows.forEach((p, j) => cache.set(r.start + j, p));
        if (r.rows.length < BLOCK && r.done === false) asked.delete(b); // a block still filling: asked again later
        total = Math.max(total, r.total);
        trim();
        render();
        if (wantK >= 0 && cache.has(wantK)) selectAt(wantK);
      })
      .catch((e) => { asked.delete(b); say(e); });
  }
  let pending = false;
  list.addEventListener("scroll", () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); });
  });

  // ---- progress: the first pass and the filter's scan ----
  function poll() {
    const g = gen;
    const p = filter ? api("/api/rows?" + q({ start: 0, count: 0, filter: filter })) : api("/api/summary");
    p.then((r) => {
      if (g !== gen) return;
      if (r.error && filter) return showFilterError(r);
      if (filter) { total = r.total; fdone = r.done; lang = r.lang || ""; } else { total = r.packets; indexing = r.indexing; }
      if (filter && !indexing) indexing = false;
      render();
      if ((filter ? !fdone : indexing)) setTimeout(poll, POLL_MS);
      else { loadStats(); loadIO(); }
    }).catch(say);
  }
  function reset() {
    gen++;
    watching = false;
    cache.clear();
    asked.clear();
    list.scrollTop = 0;
  }

  // ---- the filter box: display filters (as -Y), else capture filters (as read 'EXPR') ----
  function showFilterError(r) {
    $("ferr").textContent = r.error;
    $("filter").classList.add("bad");
    if (r.column && $("filter").setSelectionRange) {
      const c = Math.min(r.column - 1, $("filter").value.length);
      $("filter").setSelectionRange(c, c + 1);
    }
    total = 0;
    fdone = true;
    render();
  }
  function applyFilter() {
    $("ferr").textContent = "";
    $("filter").classList.remove("bad");
    filter = $("filter").value.trim();
    fdone = !filter;
    lang = "";
    reset();
    total = 0;
    const g = gen;
    if (sortParams().sort) sortState = { state: "waiting", got: 0, of: 0 };
    api("/api/rows?" + q(Object.assign({ start: 0, count: BLOCK, filter: filter }, sortParams()))).then((r) => {
      if (g !== gen) return;
      if (r.error) return showFilterError(r);
      const sorting = r.sort && r.sort.state !== "done"; // rows come when it is done
      if (!sorting) {
        sortState = r.sort || null;
        r.rows.forEach((p, j) => cache.set(r.start + j, p));
      }
      total = r.total;
      fdone = r.done;
      lang = r.lang || "";
      render();
      poll();
      loadIO();
      if (sorting) return sortWatch();
      if (r.rows.length) select(r.rows[0].n, false);
    }).catch(say);
  }
  $("filter").placeholder = "display filter (tcp.port == 80) or capture filter (tcp port 80)";
  $("filter").addEventListener("keydown", (e) => { if (e.key === "Enter") applyFilter(); });
  $("filter").addEventListener("search", applyFilter);
  W.hooks.apply = applyFilter;

  // ---- selection: the detail of one packet from /api/packet ----
  // Selects packet n (at place k of the list when known).
  function select(n, scroll, k) {
    sel = n;
    selK = k !== undefined ? k : [...cache.keys()].find((j) => cache.get(j).n === n);
    if (selK === undefined) selK = -1;
    tbody.querySelectorAll("tr.sel").forEach((r) => r.classList.remove("sel"));
    let tr = tbody.querySelector('tr[data-i="' + (n - 1) + '"]');
    if (!tr && scroll && selK >= 0) { // far from the view: scroll there
      list.scrollTop = Math.max(0, selK * rowH - list.clientHeight / 2);
      render();
      tr = tbody.querySelector('tr[data-i="' + (n - 1) + '"]');
    }
    if (tr) {
      tr.classList.add("sel");
      if (scroll) W.reveal(tr);
    }
    api("/api/packet?n=" + n).then((p) => {
      if (sel !== n) return;
      selRow = p;
      W.renderTree(p);
      W.renderBytes(p, null);
      const lm = /[#&]l=(\d+)/.exec(location.hash);
      if (lm) W.markLayer(p, Number(lm[1]) - 1);
      convOfSel();
      document.body.dataset.sel = String(n);
    }).catch(say);
  }
  W.hooks.select = (p, scroll) => select(p.n, scroll);
  tbody.addEventListener("click", (e) => {
    const tr = e.target.closest("tr[data-i]");
    if (tr) select(Number(tr.dataset.i) + 1, false, Number(tr.dataset.k));
  });
  // A click on a byte selects its field (view.js's markByte on the detail).
  $("bytes").addEventListener("click", (e) => {
    const b = e.target.closest("[data-o]");
    if (b && selRow) W.markByte(selRow, Number(b.dataset.o));
  });
  // Selects place k of the list; a row not fetched yet is scrolled to and
  // selected when its block comes.
  function selectAt(k) {
    const p = cache.get(k);
    wantK = p ? -1 : k;
    if (p) return select(p.n, true, k);
    list.scrollTop = Math.max(0, k * rowH - list.clientHeight / 2);
    render();
  }
  // Keys as in view.js: Up/Down a row, PageUp/PageDown a screenful,
  // Home/End the first and last row, Enter opens the selected row.
  document.addEventListener("keydown", (e) => {
    if (e.target === $("filter") || e.altKey || e.ctrlKey || e.metaKey) return;
    const at = wantK >= 0 ? wantK : selK, page = Math.max(1, Math.floor(list.clientHeight / rowH) - 1);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page, Home: 0, End: total - 1 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      if (total) selectAt(Math.max(0, Math.min(total - 1, to)));
    } else if (e.key === "Enter" && selRow) {
      e.preventDefault();
      $("tree").querySelectorAll("details").forEach((d) => { d.open = true; });
      convOfSel();
      const g = document.querySelector("#lad g.sel");
      (g || $("detail")).scrollIntoView({ block: "nearest" });
      document.body.dataset.opened = String(selRow.n);
    }
  });

  // ---- conversations (ladder from /api/conv), hierarchy, I/O graph ----
  let curConv = 0;
  // Draws the ladder of the selected packet's conversation.
  function convOfSel() {
    const p = selRow;
    if (!p || !(p.tcp || p.udp) || !convs) return;
    const a = W.cep(p, false), b = W.cep(p, true), k = p.tcp ? "tcp" : "udp";
    const c = convs.convs.find((x) => x.k === k && ((x.a === a && x.b === b) || (x.a === b && x.b === a)));
    if (c && c.id !== curConv) openConv(c);
  }
  function openConv(c) {
    curConv = c.id;
    const want = c.id;
    const step = () => api("/api/conv?id=" + c.id).then((r) => {
      if (curConv !== want) return;
      if (r.error) return setTimeout(step, POLL_MS);
      if (!r.done) return setTimeout(step, POLL_MS);
      W.P.length = 0;
      r.rows.forEach((p) => W.P.push(p));
      if (!W.P.length) return;
      const cc = { id: c.id, k: c.k, a: W.ep(W.P[0], false), b: W.ep(W.P[0], true), pk: W.P.map((p, i) => i) };
      W.P.forEach((p) => { p.conv = cc; });
      W.ladder(cc);
      if (r.matched > r.rows.length) $("lad").appendChild(el("p", "The first " + r.rows.length + " of " + r.matched + "+ packets are drawn (the server gives at most " + r.max + ").", "hint"));
      document.querySelectorAll("#lad g.pk").forEach((g) => g.classList.toggle("sel", W.P[Number(g.dataset.i)].n === sel));
    }).catch(say);
    step();
  }
  function loadStats() {
    api("/api/convs").then((r) => { convs = r.data; W.renderConvTable(r.data, openConv); convOfSel(); }).catch(say);
    api("/api/hier").then((r) => W.renderHier(r.data)).catch(say);
  }
  function loadIO() {
    const f = filter;
    api("/api/io?" + q({ filter: f })).then((r) => {
      if (f !== filter || r.error) return;
      W.drawIO(r.all, r.filter ? r.filter.io : null, f);
      if (r.filter && !r.filter.done) setTimeout(loadIO, 4 * POLL_MS);
    }).catch(say);
  }

  // ---- sorting: a click on a heading sorts by its column, again reverses ----
  // The server sorts the whole file or the filter's matches (at most
  // sort_max packets: a larger set is refused, and the list stays in file
  // order with the reason under the filter box).
  const heads = document.querySelectorAll("#pkts th");
  function sortParams() { return sortKey !== "n" || sortDesc ? { sort: sortKey, desc: sortDesc ? 1 : 0 } : {}; }
  function sorting() { return !!sortParams().sort && !(sortState && sortState.state === "done"); }
  function sortText() {
    if (!sortParams().sort) return " (file order)";
    const th = [...heads].find((h) => h.dataset.k === sortKey), name = th ? th.textContent : sortKey;
    const how = name + (sortDesc ? ", descending" : "");
    const st = sortState || { state: "waiting" };
    if (st.state === "done") return " (sorted by " + how + ")";
    if (st.state === "keys") return " (sorting by " + how + ": " + Math.floor((100 * st.got) / Math.max(1, st.of)) + "% read\u2026)";
    if (st.state === "sorting") return " (sorting by " + how + "\u2026)";
    return " (sorting by " + how + ": waiting for the " + (filter ? "filter" : "file") + "\u2026)";
  }
  function markHeads() {
    const on = !!sortParams().sort;
    heads.forEach((th) => {
      th.classList.toggle("up", on && th.dataset.k === sortKey && !sortDesc);
      th.classList.toggle("down", on && th.dataset.k === sortKey && sortDesc);
    });
    document.body.dataset.sort = on ? sortKey + (sortDesc ? " desc" : "") : "";
  }
  // Asks until the sort is done, then shows its first rows.
  function sortWatch() {
    if (watching) return;
    watching = true;
    const g = gen;
    const step = () => api("/api/rows?" + q(Object.assign({ start: 0, count: BLOCK, filter: filter }, sortParams()))).then((r) => {
      if (g !== gen) return;
      if (r.error) { watching = false; return showFilterError(r); }
      sortState = r.sort || null;
      if (sortState && (sortState.state === "refused" || sortState.state === "error")) { watching = false; return sortRefused(sortState.error); }
      if (sortState && sortState.state !== "done") { count(); return setTimeout(step, POLL_MS); }
      watching = false;
      total = r.total;
      r.rows.forEach((p, j) => cache.set(r.start + j, p));
      asked.clear();
      asked.add(0); // the rows just given
      render();
      const k = [...cache.keys()].find((j) => cache.get(j).n === sel);
      selK = k === undefined ? -1 : k;
      document.body.dataset.sorted = document.body.dataset.sort;
    }).catch((e) => { watching = false; say(e); });
    step();
  }
  function sortRefused(why) {
    $("ferr").textContent = "Not sorted: " + why + ".";
    sortKey = "n";
    sortDesc = false;
    sortState = null;
    markHeads();
    reset();
    render();
    if (filter ? !fdone : indexing) poll();
    document.body.dataset.sorted = "refused";
  }
  function sortBy(k) {
    if (k === sortKey) sortDesc = !sortDesc;
    else { sortKey = k; sortDesc = false; }
    if (/^Not sorted/.test($("ferr").textContent)) $("ferr").textContent = "";
    sortState = null;
    delete document.body.dataset.sorted;
    markHeads();
    reset();
    render();
    if (filter ? !fdone : indexing) poll();
    if (sortParams().sort) sortWatch();
    else document.body.dataset.sorted = "";
  }
  heads.forEach((th) => {
    th.title = "Sort by this column (click again to reverse)";
    th.addEventListener("click", () => sortBy(th.dataset.k));
  });

  // ---- start ----
  api("/api/summary").then((s) => {
    total = s.packets;
    indexing = s.indexing;
    document.title = "wirecat view: " + s.file;
    if (s.error) say("the file is damaged after packet " + s.packets + ": " + s.error);
    const fm = /[#&]f=([^&]*)/.exec(location.hash);
    const m = /[#&]p=(\d+)/.exec(location.hash);
    if (fm) {
      $("filter").value = decodeURIComponent(fm[1]);
      applyFilter();
    } else {
      render();
      if (total) select(m ? Number(m[1]) : 1, true);
      poll();
    }
    if (!indexing) { loadStats(); loadIO(); }
    document.body.dataset.ready = String(total);
    document.body.dataset.server = "1";
  }).catch(say);
}
