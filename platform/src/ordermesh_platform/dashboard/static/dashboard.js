// The ordermesh dashboard: polls the analytics API and the runtime's status, draws SVG charts.
// No library and nothing to build. ?refresh=<ms> sets the polling period (default 2000).
"use strict";

const REFRESH = Number(new URLSearchParams(location.search).get("refresh")) || 2000;
const SVG = "http://www.w3.org/2000/svg";
const W = 400, H = 160, PAD = { l: 36, r: 6, t: 8, b: 18 };
const COLORS = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457"];

async function json(path) {
  const response = await fetch(path, { cache: "no-store" });
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: ${body.detail || response.status}`);
  return body;
}

const kpis = (metric, extra = "") => json(`/analytics/kpis?metric=${metric}&granularity=1m${extra}`);

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function html(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// series: [{name, color, values: [number|null per point], kind: "line"|"bar", stack}]
// times: the points' window starts; markers: indexes of points to circle.
function draw(id, times, series, { markers = [], format = (v) => String(v) } = {}) {
  const box = document.getElementById(id);
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", role: "img" });
  const n = times.length;
  const stacked = times.map((_, i) =>
    series.filter((s) => s.kind === "bar").reduce((sum, s) => sum + (s.values[i] || 0), 0));
  const lines = series.filter((s) => s.kind !== "bar").flatMap((s) => s.values.filter((v) => v !== null));
  const top = Math.max(1e-9, ...stacked, ...lines) * 1.1;
  const x = (i) => PAD.l + ((W - PAD.l - PAD.r) * (i + 0.5)) / Math.max(n, 1);
  const y = (v) => H - PAD.b - ((H - PAD.t - PAD.b) * v) / top;
  svg.append(el("line", { class: "axis", x1: PAD.l, x2: W - PAD.r, y1: y(0), y2: y(0) }));
  svg.append(el("text", { x: 2, y: PAD.t + 8 }, format(top / 1.1)));
  svg.append(el("text", { x: 2, y: H - PAD.b }, "0"));
  if (n) {
    const clock = (t) => t.toISOString().slice(11, 16);
    svg.append(el("text", { x: PAD.l, y: H - 4 }, clock(times[0])));
    svg.append(el("text", { x: W - PAD.r - 28, y: H - 4 }, clock(times[n - 1])));
  }
  const barWidth = Math.max(1, ((W - PAD.l - PAD.r) / Math.max(n, 1)) * 0.8);
  const base = times.map(() => 0);
  for (const s of series.filter((s) => s.kind === "bar")) {
    s.values.forEach((v, i) => {
      if (!v) return;
      svg.append(el("rect", { x: x(i) - barWidth / 2, y: y(base[i] + v), width: barWidth,
        height: y(base[i]) - y(base[i] + v), fill: s.color, "data-series": s.name }));
      base[i] += v;
    });
  }
  for (const s of series.filter((s) => s.kind !== "bar")) {
    const d = s.values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean);
    if (d.length) svg.append(el("polyline", { points: d.join(" "), fill: "none", stroke: s.color,
      "stroke-width": 1.5, "data-series": s.name }));
    s.values.forEach((v, i) => {  // a dot per window, so a lone window shows too
      if (v !== null) svg.append(el("circle", { cx: x(i), cy: y(v), r: 2, fill: s.color }));
    });
  }
  const marked = series[0] ? series[0].values : [];
  for (const i of markers) {
    svg.append(el("circle", { class: "anomaly-marker", cx: x(i), cy: y(marked[i] || 0), r: 5,
      fill: "none", stroke: "#ef6c00", "stroke-width": 2 }));
  }
  box.replaceChildren(svg);
  box.dataset.ready = "true";
  box.dataset.points = String(n);
  box.dataset.total = String(series.reduce((sum, s) => sum + s.values.reduce((a, v) => a + (v || 0), 0), 0));
}

const times = (answer) => answer.points.map((p) => new Date(p.start));
const values = (answer) => answer.points.map((p) => p.value);
const split = (answer) => {
  const keys = [...new Set(answer.points.flatMap((p) => Object.keys(p.values)))].sort();
  return keys.map((k, i) => ({ name: k, color: COLORS[i % COLORS.length], kind: "line",
    values: answer.points.map((p) => (k in p.values ? Number(p.values[k]) : 0)) }));
};
const percent = (rate) => (rate === null || rate === undefined ? "–" : `${(rate * 100).toFixed(1)}%`);
const ms = (v) => (v === null || v === undefined ? "–" : `${Math.round(v)}`);

function set(id, text) { document.getElementById(id).textContent = text; }

function table(id, head, rows, rowClass = () => "") {
  const node = document.getElementById(id);
  const header = html("tr");
  head.forEach((h) => header.append(html("th", h)));
  node.replaceChildren(header);
  for (const row of rows) {
    const tr = html("tr", undefined, rowClass(row));
    row.forEach((cell) => tr.append(html("td", String(cell), typeof cell === "number" ? "n" : "")));
    node.append(tr);
  }
}

function today(now) {
  const day = now.windows["1d"].kpis;
  set("orders-placed", day.orders_placed);
  set("orders-confirmed", day.orders_confirmed);
  set("orders-cancelled", day.orders_cancelled);
  const revenue = Object.entries(day.revenue).map(([c, a]) => `${a} ${c}`).join(" · ");
  set("revenue", revenue || "0");
  set("decline-rate", percent(day.payment_decline_rate));
  const saga = day.saga_duration_ms;
  set("saga-latency", `${ms(saga.p50)} / ${ms(saga.p95)} / ${ms(saga.p99)}`);
  table("cancel-reasons", ["cancelled today by reason", "orders"],
    Object.entries(day.cancelled_by_reason).map(([reason, n]) => [reason, n]));
}

function anomalies(declines, found) {
  const starts = declines.points.map((p) => p.start);
  const marks = found.items.filter((a) => a.metric === "payment_decline_rate")
    .map((a) => starts.indexOf(a.window.start)).filter((i) => i >= 0);
  const list = document.getElementById("anomalies");
  list.replaceChildren(...found.items.slice(-8).reverse().map((a) => html("li",
    `${a.window.start.slice(11, 16)} ${a.severity} ${a.metric} ${JSON.stringify(a.dimensions)}: ` +
    `${a.observed.toFixed(3)} (expected ${a.expected.toFixed(3)})`, "anomaly")));
  list.dataset.count = String(found.items.length);
  return marks;
}

function operations(status) {
  const breakers = document.getElementById("breakers");
  // A breaker that never tripped has no stored state: it is closed.
  breakers.replaceChildren(...(status.breakers.length
    ? status.breakers.map((b) => html("li", `${b.name}: ${b.status} (${b.failures} failures)`, b.status))
    : [html("li", "none has tripped: all CLOSED", "CLOSED")]));
  table("consumers", ["consumer", "stream", "records behind", "ms behind"],
    status.consumers.map((c) => [c.name, c.stream, c.recordsBehind, c.millisBehindLatest]));
  table("dlqs", ["queue", "messages"], status.deadLetterQueues.map((q) => [q.name, q.messages]),
    (row) => (row[1] > 0 ? "nonempty" : ""));
}

async function refresh() {
  const since = new Date(Date.now() - 3600e3).toISOString();
  const [now, placed, confirmed, cancelled, revenue, declines, p50, p95, p99, found, status] =
    await Promise.all([
      json("/analytics/now"), kpis("orders_placed"), kpis("orders_confirmed"),
      kpis("orders_cancelled"), kpis("revenue", "&dimension=currency"), kpis("payment_decline_rate"),
      kpis("saga_duration_p50"), kpis("saga_duration_p95"), kpis("saga_duration_p99"),
      json(`/analytics/anomalies?since=${encodeURIComponent(since)}`), json("/platform/status"),
    ]);
  today(now);
  const t = times(placed);
  draw("chart-orders", t, [{ name: "placed", color: COLORS[0], kind: "bar", values: values(placed) }]);
  draw("chart-outcomes", t, [
    { name: "confirmed", color: "#2e7d32", kind: "bar", values: values(confirmed) },
    { name: "cancelled", color: "#c62828", kind: "bar", values: values(cancelled) },
  ]);
  draw("chart-revenue", t, split(revenue), { format: (v) => v.toFixed(0) });
  draw("chart-declines", t, [{ name: "decline rate", color: "#c62828", kind: "line", values: values(declines) }],
    { markers: anomalies(declines, found), format: percent });
  draw("chart-latency", t, [
    { name: "p50", color: "#1565c0", kind: "line", values: values(p50) },
    { name: "p95", color: "#6a1b9a", kind: "line", values: values(p95) },
    { name: "p99", color: "#ad1457", kind: "line", values: values(p99) },
  ], { format: ms });
  operations(status);
  set("updated", `updated ${new Date().toLocaleTimeString()} · every ${REFRESH / 1000} s`);
  document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
}

async function loop() {
  const problem = document.getElementById("problem");
  try {
    await refresh();
    problem.hidden = true;
  } catch (error) {
    problem.hidden = false;
    problem.textContent = String(error.message || error);
  }
  setTimeout(loop, REFRESH);
}

loop();
