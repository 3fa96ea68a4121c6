// The catalog's search box (over search-index.json) and, on an event page served by
// `ordermesh up`, the events per minute seen lately (rates.json). Plain JavaScript, no library.
"use strict";

const root = document.body.dataset.root || "";
let index = null;

async function loadIndex() {
  if (index === null) {
    const response = await fetch(root + "search-index.json");
    index = await response.json();
  }
  return index;
}

function matches(entry, words) {
  const haystack = (entry.title + " " + entry.context + " " + entry.text).toLowerCase();
  return words.every((word) => haystack.includes(word));
}

function rank(entry, query) {
  const title = entry.title.toLowerCase();
  if (title === query) return 0;
  if (title.endsWith("." + query) || title.startsWith(query)) return 1;
  return title.includes(query) ? 2 : 3;
}

async function search(query) {
  const list = document.getElementById("search-results");
  const text = query.trim().toLowerCase();
  list.replaceChildren();
  if (!text) {
    list.hidden = true;
    return;
  }
  const words = text.split(/\s+/);
  const found = (await loadIndex()).filter((entry) => matches(entry, words));
  found.sort((a, b) => rank(a, text) - rank(b, text));
  for (const entry of found.slice(0, 30)) {
    const item = document.createElement("li");
    item.className = "result result-" + entry.kind;
    const link = document.createElement("a");
    link.href = root + entry.href;
    link.textContent = entry.title;
    const note = document.createElement("small");
    note.textContent = " " + entry.kind + (entry.context ? " · " + entry.context : "");
    item.append(link, note);
    list.append(item);
  }
  if (!found.length) {
    const item = document.createElement("li");
    item.textContent = "nothing found";
    list.append(item);
  }
  list.hidden = false;
}

async function showRate() {
  const rate = document.getElementById("rate");
  if (!rate) return;
  try {
    const response = await fetch(root + "rates.json", { cache: "no-store" });
    if (!response.ok) return; // the published site: no running system
    const rates = await response.json();
    const perMinute = rates.events[rate.dataset.key] || 0;
    rate.textContent = perMinute + " / min (last " + rates.windowSeconds / 60 + " min)";
    rate.dataset.ready = "true";
  } catch (error) {
    // not served by `ordermesh up`: the page keeps saying so
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("search");
  input.addEventListener("input", () => search(input.value));
  showRate();
  setInterval(showRate, 10000);
});
