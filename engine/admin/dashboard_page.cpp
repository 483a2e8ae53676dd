#include "engine/admin/dashboard_page.h"

namespace irwell::admin {

namespace {

constexpr std::string_view kPage = R"irwell(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>irwell</title>
<style>
:root { --fg:#1d2330; --muted:#6b7385; --line:#dde1e8; --bg:#f6f7f9; --accent:#005eb8;
        --bad:#c0392b; --warn:#b9770e; --good:#1e8449; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; align-items:center; gap:1em; padding:.6em 1em; background:#fff;
         border-bottom:1px solid var(--line); }
header h1 { font-size:18px; margin:0; color:var(--accent); }
header .who { margin-left:auto; color:var(--muted); }
main { padding:1em; display:grid; gap:1em; }
section { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.8em 1em; }
section h2 { font-size:15px; margin:0 0 .6em; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:.3em .5em; border-bottom:1px solid var(--line);
         white-space:nowrap; }
th { color:var(--muted); font-weight:600; font-size:12px; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.clickable { cursor:pointer; } tr.clickable:hover { background:#eef4fb; }
.bad { color:var(--bad); } .warn { color:var(--warn); } .good { color:var(--good); }
.muted { color:var(--muted); }
input, select, button { font:inherit; padding:.25em .5em; }
button { cursor:pointer; border:1px solid var(--accent); background:var(--accent); color:#fff;
         border-radius:4px; }
button.secondary { background:#fff; color:var(--accent); }
form.search { display:flex; flex-wrap:wrap; gap:.5em; margin-bottom:.6em; }
form.search label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
pre { background:#f3f4f7; padding:.6em; overflow:auto; max-height:20em; margin:.3em 0; }
#signin-box { max-width:28em; margin:4em auto; }
#signin-box input { width:100%; margin:.5em 0; }
#error { color:var(--bad); }
canvas { width:100%; height:180px; }
.legend span { margin-right:1em; font-size:12px; }
.hidden { display:none !important; }
</style>
</head>
<body>
<header>
  <h1>irwell</h1><span class="muted" id="engine-info"></span>
  <span class="who" id="whoami"></span>
  <button class="secondary hidden" id="signout" type="button">Sign out</button>
</header>
<div id="error" role="alert"></div>

<section id="signin-box">
  <h2>Sign in</h2>
  <form id="signin-form">
    <label for="token">Admin API token</label>
    <input id="token" type="password" autocomplete="off" placeholder="bearer token">
    <button id="signin" type="submit">Sign in</button>
  </form>
  <p class="muted">The token stays in this browser tab only (sessionStorage).</p>
</section>

<main id="app" class="hidden">
  <section>
    <h2>Throughput and queue depth, last hour</h2>
    <canvas id="chart" width="1200" height="180"></canvas>
    <div class="legend"><span style="color:#005eb8">&#9632; received/s</span>
      <span style="color:#1e8449">&#9632; sent/s</span>
      <span style="color:#c0392b">&#9632; queue depth</span></div>
  </section>
  <section>
    <h2>Sources</h2>
    <table id="sources"><thead><tr><th>Source</th><th>Type</th><th>Address</th>
      <th class="num">Received</th><th class="num">Rate /s</th><th class="num">Accepted</th>
      <th class="num">Rejected</th><th class="num">Duplicate</th><th class="num">Unrouted</th>
      <th class="num">Filtered</th><th class="num">Connections</th></tr></thead>
      <tbody></tbody></table>
  </section>
  <section>
    <h2>Destinations</h2>
    <table id="destinations"><thead><tr><th>Destination</th><th>Type</th><th>State</th>
      <th class="num">Queued</th><th class="num">Oldest</th><th class="num">In flight</th>
      <th class="num">Retrying</th><th class="num">Dead</th><th class="num">Sent</th>
      <th class="num">Rate /s</th><th class="num">Errors</th><th>Last error</th><th></th>
      </tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Messages</h2>
    <form class="search" id="search-form">
      <label>Control ID<input id="search-control-id" size="16"></label>
      <label class="operator-only">Patient (NHS number, MRN)<input id="search-patient" size="14"></label>
      <label>Type<input id="search-type" size="9" placeholder="ADT^A01"></label>
      <label>Status<select id="search-status"><option value="">any</option>
        <option>accepted</option><option>rejected</option><option>duplicate</option>
        <option>unrouted</option><option>filtered</option></select></label>
      <label>Source<input id="search-source" size="10"></label>
      <label>Destination<input id="search-destination" size="10"></label>
      <label>Since<input id="search-since" size="20" placeholder="2026-11-25T10:00Z"></label>
      <label>Until<input id="search-until" size="20"></label>
      <label>&nbsp;<button id="search-btn" type="submit">Search</button></label>
    </form>
    <table id="results"><thead><tr><th>Id</th><th>Received</th><th>Source</th>
      <th>Control ID</th><th>Type</th><th>Status</th><th>ACK</th></tr></thead>
      <tbody></tbody></table>
    <p><button class="secondary hidden" id="more-btn" type="button">More</button>
      <span class="muted" id="results-note"></span></p>
  </section>
  <section id="detail" class="hidden">
    <h2>Message <span id="detail-id"></span>
      <button id="replay-btn" class="operator-only" type="button">Replay to all its destinations</button>
      <span id="replay-result" class="good"></span></h2>
    <table id="detail-meta"><tbody></tbody></table>
    <h3>As received</h3><pre id="detail-raw"></pre>
    <h3>ACK sent</h3><pre id="detail-ack"></pre>
    <div id="detail-deliveries"></div>
  </section>
</main>

<script>
"use strict";
const state = { token: sessionStorage.getItem("irwell_token") || "", role: "", prev: null,
                cursor: null, query: "", live: [] };
const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function showError(msg) { $("error").textContent = msg || ""; }

async function api(path, method) {
  const res = await fetch(path, { method: method || "GET",
    headers: { "Authorization": "Bearer " + state.token } });
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (res.status === 401) { signOut("Sign-in failed or expired: " + (body && body.error || "")); throw new Error("401"); }
  if (!res.ok) throw new Error((body && body.error) || ("HTTP " + res.status));
  return body;
}

function isOperator() { return state.role === "operator" || state.role === "admin"; }

function applyRole() {
  document.querySelectorAll(".operator-only").forEach((e) => e.classList.toggle("hidden", !isOperator()));
  $("results-note").textContent = isOperator() ? "" : "Opening a message needs the operator role.";
}

async function signIn(token) {
  state.token = token;
  try {
    const me = await api("/api/v1/whoami");
    state.role = me.role;
    sessionStorage.setItem("irwell_token", token);
    $("whoami").textContent = me.name + " (" + me.role + ")";
    $("signin-box").classList.add("hidden");
    $("app").classList.remove("hidden");
    $("signout").classList.remove("hidden");
    showError("");
    applyRole();
    await refresh();
    await loadHistory();
  } catch (e) {
    if (e.message !== "401") showError(e.message);
  }
}

function signOut(msg) {
  sessionStorage.removeItem("irwell_token");
  state.token = ""; state.role = ""; state.prev = null;
  $("app").classList.add("hidden");
  $("signin-box").classList.remove("hidden");
  $("signout").classList.add("hidden");
  $("whoami").textContent = "";
  showError(msg || "");
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return seconds.toFixed(0) + " s";
  if (seconds < 3600) return (seconds / 60).toFixed(1) + " min";
  return (seconds / 3600).toFixed(1) + " h";
}
function rate(now, before, dt) {
  if (before === undefined || dt <= 0) return "";
  return ((now - before) / dt).toFixed(1);
}

function renderChannels(data) {
  const t = Date.now() / 1000;
  const prev = state.prev;
  const dt = prev ? t - prev.t : 0;
  $("engine-info").textContent = "v" + data.engine.version + " · up " + age(data.engine.uptime_seconds);
  const sb = $("sources").tBodies[0];
  sb.replaceChildren();
  for (const s of data.sources) {
    const tr = el("tr");
    tr.dataset.source = s.name;
    tr.append(el("td", s.name), el("td", s.type), el("td", s.port ? s.bind + ":" + s.port : s.bind));
    const received = el("td", s.received, "num"); received.className = "num received"; tr.append(received);
    tr.append(el("td", rate(s.received, prev && prev.src[s.name], dt), "num"));
    tr.append(el("td", s.accepted, "num"), el("td", s.rejected, s.rejected ? "num bad" : "num"),
              el("td", s.duplicate, "num"), el("td", s.unrouted, s.unrouted ? "num warn" : "num"),
              el("td", s.filtered, "num"), el("td", s.connections, "num"));
    sb.append(tr);
  }
  const db = $("destinations").tBodies[0];
  db.replaceChildren();
  for (const d of data.destinations) {
    const tr = el("tr");
    tr.dataset.destination = d.name;
    tr.append(el("td", d.name), el("td", d.type),
              el("td", d.paused ? "paused" : "running", d.paused ? "warn" : "good"),
              el("td", d.queued, "num queued"),
              el("td", age(d.oldest_queued_age_seconds), d.oldest_queued_age_seconds > 300 ? "num bad" : "num"),
              el("td", d.in_flight, "num"), el("td", d.retrying, d.retrying ? "num warn" : "num"),
              el("td", d.dead, d.dead ? "num bad" : "num"), el("td", d.sent, "num"),
              el("td", rate(d.sent, prev && prev.dst[d.name], dt), "num"),
              el("td", d.failed_attempts, d.failed_attempts ? "num bad" : "num"),
              el("td", d.last_error, "bad"));
    const actions = el("td");
    if (isOperator()) {
      const b = el("button", d.paused ? "Resume" : "Pause", "secondary");
      b.type = "button";
      b.onclick = () => act("/api/v1/destinations/" + encodeURIComponent(d.name) + (d.paused ? "/resume" : "/pause"));
      actions.append(b);
      if (d.dead > 0) {
        const r = el("button", "Replay dead", "secondary");
        r.type = "button";
        r.onclick = () => act("/api/v1/destinations/" + encodeURIComponent(d.name) + "/replay-dead");
        actions.append(r);
      }
    }
    tr.append(actions);
    db.append(tr);
  }
  const snap = { t: t, src: {}, dst: {} };
  let received = 0, sent = 0, queued = 0;
  for (const s of data.sources) { snap.src[s.name] = s.received; received += s.received; }
  for (const d of data.destinations) { snap.dst[d.name] = d.sent; sent += d.sent; queued += d.queued; }
  state.prev = snap;
  state.live.push({ at: t, received: received, sent: sent, queued: queued });
  const cutoff = t - 3600;
  while (state.live.length && state.live[0].at < cutoff) state.live.shift();
  drawChart();
}

async function act(path) {
  try { await api(path, "POST"); await refresh(); } catch (e) { if (e.message !== "401") showError(e.message); }
}

async function refresh() {
  if (!state.token) return;
  try { renderChannels(await api("/api/v1/channels")); }
  catch (e) { if (e.message !== "401") showError(e.message); }
}

async function loadHistory() {
  try {
    const h = await api("/api/v1/history");
    const server = h.samples.map((s) => ({ at: Date.parse(s.at) / 1000, received: s.received,
                                            sent: s.sent, queued: s.queued }));
    const first = state.live.length ? state.live[0].at : Infinity;
    state.live = server.filter((s) => s.at < first).concat(state.live);
    drawChart();
  } catch (e) { /* the chart keeps what it has */ }
}

function drawChart() {
  const c = $("chart"), g = c.getContext("2d");
  const w = c.width, h = c.height, pad = 30;
  g.clearRect(0, 0, w, h);
  g.strokeStyle = "#dde1e8"; g.strokeRect(pad, 5, w - pad - 5, h - pad);
  const pts = state.live;
  if (pts.length < 2) return;
  const now = Date.now() / 1000, t0 = now - 3600;
  const rates = [];
  for (let i = 1; i < pts.length; i++) {
    const dt = pts[i].at - pts[i - 1].at;
    if (dt <= 0) continue;
    rates.push({ at: pts[i].at, rin: Math.max(0, (pts[i].received - pts[i - 1].received) / dt),
                 rout: Math.max(0, (pts[i].sent - pts[i - 1].sent) / dt), q: pts[i].queued });
  }
  const maxRate = Math.max(1, ...rates.map((r) => Math.max(r.rin, r.rout)));
  const maxQ = Math.max(1, ...rates.map((r) => r.q));
  const x = (at) => pad + (at - t0) / 3600 * (w - pad - 5);
  const line = (key, max, color) => {
    g.strokeStyle = color; g.beginPath();
    rates.forEach((r, i) => { const y = 5 + (h - pad) * (1 - r[key] / max);
      if (i) g.lineTo(x(r.at), y); else g.moveTo(x(r.at), y); });
    g.stroke();
  };
  line("rin", maxRate, "#005eb8"); line("rout", maxRate, "#1e8449"); line("q", maxQ, "#c0392b");
  g.fillStyle = "#6b7385"; g.font = "11px sans-serif";
  g.fillText(maxRate.toFixed(1) + "/s", 2, 14); g.fillText("q " + maxQ, 2, 28);
  g.fillText("-60 min", pad, h - 10); g.fillText("now", w - 30, h - 10);
}

function searchQuery() {
  const p = new URLSearchParams();
  const add = (k, id) => { const v = $(id).value.trim(); if (v) p.set(k, v); };
  add("control_id", "search-control-id"); add("type", "search-type"); add("status", "search-status");
  add("source", "search-source"); add("destination", "search-destination");
  add("since", "search-since"); add("until", "search-until");
  if (isOperator()) add("patient", "search-patient");
  p.set("limit", "50");
  return p;
}

async function search(more) {
  const p = more ? new URLSearchParams(state.query) : searchQuery();
  if (!more) { state.query = p.toString(); $("results").tBodies[0].replaceChildren(); }
  if (more && state.cursor) p.set("cursor", state.cursor);
  try {
    const r = await api("/api/v1/messages?" + p.toString());
    const tb = $("results").tBodies[0];
    for (const m of r.messages) {
      const tr = el("tr");
      tr.dataset.id = m.id;
      tr.append(el("td", m.id), el("td", m.received_at), el("td", m.source), el("td", m.control_id),
                el("td", m.type), el("td", m.status, m.status === "accepted" ? "good" : "bad"),
                el("td", m.ack_code));
      if (isOperator()) { tr.className = "clickable"; tr.onclick = () => showMessage(m.id); }
      tb.append(tr);
    }
    state.cursor = r.next_cursor;
    $("more-btn").classList.toggle("hidden", !r.next_cursor);
    if (!tb.rows.length) $("results-note").textContent = "No messages match.";
    else applyRole();
    showError("");
  } catch (e) { if (e.message !== "401") showError(e.message); }
}

function hl7Text(s) { return (s || "").replace(/\r\n?/g, "\n"); }

async function showMessage(id) {
  try {
    const m = await api("/api/v1/messages/" + id);
    $("detail").classList.remove("hidden");
    $("detail-id").textContent = m.id + " (" + m.control_id + ")";
    $("detail-id").dataset.id = m.id;
    $("replay-result").textContent = "";
    const meta = $("detail-meta").tBodies[0];
    meta.replaceChildren();
    const rows = [["Received", m.received_at], ["Source", m.source + " from " + m.peer],
      ["Type", m.type + " v" + m.version], ["Sender", m.sending_application + " / " + m.sending_facility],
      ["Status", m.status + " (" + m.ack_code + ")"], ["Error", m.error],
      ["Patients", m.patients.map((p) => p.id + " " + p.type + " " + p.authority).join(", ")]];
    for (const [k, v] of rows) { const tr = el("tr"); tr.append(el("th", k), el("td", v)); meta.append(tr); }
    $("detail-raw").textContent = hl7Text(m.raw);
    $("detail-ack").textContent = hl7Text(m.ack);
    const box = $("detail-deliveries");
    box.replaceChildren();
    for (const d of m.deliveries) {
      const h = el("h3", "Delivery " + d.id + " to " + d.destination + ": " + d.state +
                   " after " + d.attempts + " attempt(s)" + (d.replay_of ? ", replay of " + d.replay_of : ""));
      const b = el("button", "Replay to " + d.destination, "secondary");
      b.type = "button";
      b.onclick = () => replay(m.id, d.destination);
      h.append(" ", b);
      box.append(h);
      if (d.last_error) box.append(el("p", d.last_error, "bad"));
      box.append(el("div", d.transformed ? "Sent (transformed):" : "Sent (as received):", "muted"));
      box.append(el("pre", hl7Text(d.payload)));
      if (d.attempt_log.length) {
        const t = el("table");
        const hr = el("tr");
        for (const c of ["Started", "Finished", "Outcome", "Reply", "Error"]) hr.append(el("th", c));
        t.append(hr);
        for (const a of d.attempt_log) {
          const tr = el("tr");
          tr.append(el("td", a.started_at), el("td", a.finished_at),
                    el("td", a.outcome, a.outcome === "sent" ? "good" : "bad"),
                    el("td", hl7Text(a.reply)), el("td", a.error));
          t.append(tr);
        }
        box.append(t);
      }
    }
    $("detail").scrollIntoView();
  } catch (e) { if (e.message !== "401") showError(e.message); }
}

async function replay(id, destination) {
  let path = "/api/v1/messages/" + id + "/replay";
  if (destination) path += "?destination=" + encodeURIComponent(destination);
  try {
    const r = await api(path, "POST");
    $("replay-result").textContent = "Replayed: new deliveries " + r.deliveries.join(", ");
    await refresh();
  } catch (e) { if (e.message !== "401") showError("Replay failed: " + e.message); }
}

$("signin-form").addEventListener("submit", (ev) => { ev.preventDefault(); signIn($("token").value.trim()); });
$("signout").addEventListener("click", () => signOut(""));
$("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); search(false); });
$("more-btn").addEventListener("click", () => search(true));
$("replay-btn").addEventListener("click", () => replay($("detail-id").dataset.id, ""));
setInterval(refresh, 2000);
setInterval(loadHistory, 60000);
if (state.token) signIn(state.token);
</script>
</body>
</html>
)irwell";

}  // namespace

std::string_view dashboard_html() { return kPage; }

}  // namespace irwell::admin
