// One order's waterfall: fetches /platform/trace/<orderId> and draws a row per span, in the
// causal order the server gives, with a bar on one time scale. Sets data-ready on <body>.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const DETAIL = {
  event: ["eventId", "causationId"], delivery: ["attempts", "retries", "consumer"],
  invocation: ["outcome", "error", "requestId"], "dead-letter": ["error"],
  execution: ["status", "failures"], provider: ["idempotencyKey", "replayed", "down", "lost"],
  request: ["requestId", "outcome"], state: ["type"],
};

function ms(value) {
  return value === null ? "" : `${value.toLocaleString(undefined, { maximumFractionDigits: 1 })} ms`;
}

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function bar(span, scale) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 1000 12");
  svg.setAttribute("preserveAspectRatio", "none");
  const x = Math.min(span.offsetMs / scale * 1000, 999);
  const shape = document.createElementNS(SVG, "rect");
  shape.setAttribute("x", x);
  shape.setAttribute("y", span.durationMs === null ? 2 : 1);
  shape.setAttribute("width", span.durationMs === null ? 3 : Math.max(span.durationMs / scale * 1000, 2));
  shape.setAttribute("height", span.durationMs === null ? 8 : 10);
  shape.setAttribute("class", `k-${span.kind}`);
  svg.appendChild(shape);
  return svg;
}

function detail(span) {
  if (span.gap) return `⚠ gap: ${span.gap}`;
  return (DETAIL[span.kind] || [])
    .filter((key) => span.detail[key] !== undefined && span.detail[key] !== null && span.detail[key] !== false)
    .map((key) => `${key}=${span.detail[key]}`).join("  ");
}

function list(id, items) {
  const ul = document.getElementById(id);
  ul.replaceChildren(...items.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
  ul.hidden = items.length === 0;
}

function draw(trace) {
  const spans = trace.spans;
  const end = Math.max(1, ...spans.map((s) => s.offsetMs + (s.durationMs || 0)));
  const body = document.querySelector("#waterfall tbody");
  body.replaceChildren();
  for (const span of spans) {
    const row = document.createElement("tr");
    row.className = `span k-row-${span.kind}` + (span.gap ? " gap" : "");
    row.dataset.kind = span.kind;
    row.dataset.id = span.id;
    cell(row, ms(span.offsetMs), "n");
    cell(row, ms(span.durationMs), "n");
    const name = cell(row, span.name, "name");
    name.style.paddingLeft = `${0.5 + span.depth * 1.1}rem`;
    cell(row, "", "bars").appendChild(bar(span, end));
    cell(row, detail(span), "detail");
    body.appendChild(row);
  }
  list("gaps", trace.gaps.map((g) => `gap at ${g.span}: ${g.reason}`));
  list("notes", trace.notes);
  document.getElementById("summary").textContent =
    `${spans.length} spans over ${ms(end)} · ${trace.gaps.length} gap(s) · started ${trace.start || "–"}`;
}

async function main() {
  const orderId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop());
  document.getElementById("order").textContent = orderId;
  const response = await fetch(`/platform/trace/${encodeURIComponent(orderId)}`, { cache: "no-store" });
  const trace = await response.json();
  if (response.status === 404) {
    document.getElementById("summary").textContent = "nothing is known of this order";
  } else {
    draw(trace);
  }
  document.body.dataset.ready = "true";
}

main().catch((error) => {
  document.getElementById("summary").textContent = `could not load the trace: ${error}`;
  document.body.dataset.ready = "error";
});
