// Side panels: status, sparklines, trending and top hashtags, counts.
// Built with createElement/textContent only (see dom.js).
import { $, el, fmtBytes, fmtInt } from "./dom.js";
import { sparklinePath, trendsCaption, trendsView } from "./trends.js";

export function renderStatus(snap) {
  const dl = $("status");
  if (!dl) return;
  const s = snap.status || {};
  const src = snap.source;
  const rows = [];
  if (src) {
    const state = src.state + (src.error ? ": " + src.error : "");
    rows.push(["source", `${src.name || "?"} (${state})`, src.state === "error"]);
  } else {
    rows.push(["source", "none: this process does not ingest"]);
  }
  rows.push(["posts/s", (s.posts_per_s || 0).toFixed(1)]);
  rows.push(["messages", fmtInt(s.messages)]);
  rows.push(["written", fmtInt(s.written)]);
  if (s.queues) rows.push(["queues", s.queues.map((q) => `${q.name} ${q.len}/${q.cap}`).join(", ")]);
  if (s.workers) rows.push(["workers", `${s.workers.alive} of ${s.workers.total} alive`, s.workers.total && s.workers.alive < s.workers.total && src?.state === "running"]);
  // Points as the default map draws them (exact, place); inferred apart.
  const inferred = snap.store?.inferred_points || 0;
  rows.push(["store", `${fmtBytes(snap.store?.memory_bytes)}, ${fmtInt(snap.store?.posts)} posts, ${fmtInt((snap.store?.points || 0) - inferred)} points` +
    (inferred ? ` + ${fmtInt(inferred)} inferred` : "")]);
  dl.replaceChildren(...rows.flatMap(([k, v, bad]) => [el("dt", { text: k }), el("dd", { text: v, class: bad ? "bad" : "" })]));
  spark($("spark-s"), snap.per_second || []);
  spark($("spark-m"), snap.per_minute || []);
}

function spark(canvas, series) {
  if (!canvas) return;
  const dpr = window.devicePixelRatio || 1;
  const w = (canvas.width = Math.round(canvas.clientWidth * dpr) || 300);
  const h = (canvas.height = Math.round(40 * dpr));
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, w, h);
  if (!series.length) return;
  const max = Math.max(1, ...series);
  g.beginPath();
  series.forEach((v, i) => {
    const x = (i / Math.max(1, series.length - 1)) * (w - 2) + 1;
    const y = h - 2 - (v / max) * (h - 4);
    i ? g.lineTo(x, y) : g.moveTo(x, y);
  });
  g.strokeStyle = "#ffb000";
  g.lineWidth = 1.5 * dpr;
  g.stroke();
}

// renderTop lists each language's top hashtags as buttons; a click maps
// that tag in that language.
export function renderTop(snap, state, onPick) {
  const box = $("top");
  if (!box) return;
  const rows = (snap.top || []).filter((r) => r.tags.length);
  if (!rows.length) {
    box.replaceChildren(el("p", { text: "No hashtags yet for this selection." }));
    return;
  }
  box.replaceChildren(...rows.map((r) => el("div", { class: "toplang" }, [
    el("span", { class: "name", text: r.name }),
    ...r.tags.map((t) => {
      const b = el("button", { type: "button", class: "tag" + (t.tag === state.tag.toLowerCase() ? " selected" : ""),
        title: `map #${t.tag} in ${r.name}` }, [
        document.createTextNode("#" + t.tag),
        el("span", { class: "count", text: fmtInt(t.count) }),
      ]);
      b.dataset.tag = t.tag;
      b.dataset.lang = r.lang;
      b.addEventListener("click", () => onPick(r.lang, t.tag));
      return b;
    }),
  ])));
}

// renderTrends lists the rising hashtags of an /api/trends answer, each
// with its authors in the window and a sparkline of its activity per
// bucket; a click maps the tag. Without rows it shows the note saying why.
export function renderTrends(data, state, onPick) {
  const box = $("trends");
  if (!box) return;
  const { rows, note } = trendsView(data);
  const selected = state.tag.toLowerCase();
  const items = rows.map((t) => {
    const b = el("button", { type: "button", class: "trend" + (t.tag === selected ? " selected" : ""),
      title: `map #${t.tag}: ${fmtInt(t.authors)} authors and ${fmtInt(t.posts)} posts in the window, ` +
        `${t.expected.toFixed(1)} expected from the baseline (score ${Math.round(t.score)})` }, [
      el("span", { class: "trend-tag", text: "#" + t.tag }),
      el("span", { class: "count", text: fmtInt(t.authors) }),
      trendSpark(t.series),
    ]);
    b.dataset.tag = t.tag;
    b.addEventListener("click", () => onPick(t.tag));
    return el("li", {}, [b]);
  });
  box.replaceChildren(...[
    el("p", { class: "trends-where", text: trendsCaption(data, state) }),
    note && el("p", { class: "trends-note", text: note }),
    items.length && el("ol", { class: "trends" }, items),
  ].filter(Boolean));
}

// renderTrendsFailed keeps the last list and says why it is not fresh.
export function renderTrendsFailed(message) {
  const box = $("trends");
  if (!box) return;
  box.querySelector(".trends-error, .trends-loading")?.remove();
  box.prepend(el("p", { class: "trends-note trends-error", text: `Trends unavailable: ${message}` }));
}

const SVG_NS = "http://www.w3.org/2000/svg";
const SPARK_W = 64, SPARK_H = 18;

// trendSpark is a trend's series as an inline SVG line, built from nodes
// (its path holds only numbers, see sparklinePath).
function trendSpark(series) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "trend-spark");
  svg.setAttribute("viewBox", `0 0 ${SPARK_W} ${SPARK_H}`);
  svg.setAttribute("width", String(SPARK_W));
  svg.setAttribute("height", String(SPARK_H));
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", sparklinePath(series, SPARK_W, SPARK_H, 1.5));
  svg.append(path);
  return svg;
}

export function renderCounts(snap, state) {
  const tbody = document.querySelector("#counts tbody");
  if (!tbody) return;
  tbody.replaceChildren(...(snap.counts || []).map((c) => el("tr", { class: c.lang === state.lang ? "selected" : "" }, [
    el("td", { text: c.name }), el("td", { text: fmtInt(c.posts) }), geoCell(c), el("td", { text: fmtInt(c.hashtags) }),
  ])));
}

// geoCell shows the trusted points (exact, place); its tooltip breaks the
// points down by provenance, inferred ones included, when the server
// sends the breakdown.
function geoCell(c) {
  const td = el("td", { text: fmtInt(c.geo) });
  const by = c.geo_by_source;
  if (by && typeof by === "object") {
    const parts = ["exact", "place", "profile", "text"].filter((k) => by[k] > 0).map((k) => `${k} ${fmtInt(by[k])}`);
    if (parts.length) td.title = "points by provenance: " + parts.join(" · ");
  }
  return td;
}

// fillLanguages keeps the language select in step with the languages held;
// a language from the URL that holds nothing stays selectable, marked.
export function fillLanguages(select, counts, current) {
  const opts = [["", "all languages"]];
  const known = new Set();
  for (const c of [...counts].sort((a, b) => b.posts - a.posts)) {
    opts.push([c.lang, `${c.name} (${fmtInt(c.posts)})`]);
    known.add(c.lang);
  }
  if (current && !known.has(current)) opts.push([current, `${current} (no posts)`]);
  const sig = opts.map((o) => o[0]).join(",");
  if (select.dataset.sig !== sig) {
    select.replaceChildren(...opts.map(([v, t]) => el("option", { value: v, text: t })));
    select.dataset.sig = sig;
  } else {
    [...select.options].forEach((o, i) => (o.textContent = opts[i][1]));
  }
  select.value = current;
  return known;
}

// renderPosts lists the posts near a click: handle, time, text, tags and
// a link to the original, all as text (postsView keeps only http(s)
// links). Without rows it shows the note saying why.
export function renderPosts(view, where) {
  const box = $("posts");
  if (!box) return;
  $("posts-where").textContent = where;
  const items = view.rows.map((p) => {
    const head = [
      el("span", { class: "post-handle", text: p.handle ? "@" + p.handle : "(no handle)" }),
      el("time", { datetime: p.time, text: fmtTime(p.time) }),
      p.lang && el("span", { text: p.lang }),
    ];
    if (p.link) head.push(el("a", { href: p.link, target: "_blank", rel: "noopener noreferrer", text: "original ↗" }));
    const li = el("li", { class: "post" }, [
      el("div", { class: "post-head" }, head),
      el("p", { class: "post-text", text: p.text }),
      p.tags.length && el("div", { class: "post-tags", text: p.tags.map((t) => "#" + t).join(" ") }),
    ]);
    li.dataset.id = p.id;
    return li;
  });
  box.replaceChildren(...[
    view.note && el("p", { class: "trends-note", text: view.note }),
    items.length && el("ol", { class: "posts" }, items),
  ].filter(Boolean));
}

// fmtTime is an RFC 3339 time as the reader's local time; the raw string
// when it does not parse.
function fmtTime(s) {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toLocaleString();
}

// renderDownloads lists the download links (query.js downloads), one row
// per kind with a link per format.
export function renderDownloads(links) {
  const ul = $("downloads");
  if (!ul) return;
  const byLabel = new Map();
  for (const l of links) {
    if (!byLabel.has(l.label)) byLabel.set(l.label, []);
    byLabel.get(l.label).push(l);
  }
  ul.replaceChildren(...[...byLabel].map(([label, ls]) => el("li", {}, [
    el("span", { text: label }),
    ...["geojson", "csv"].map((f) => {
      const l = ls.find((x) => x.format === f);
      return l ? el("a", { href: l.href, download: "", class: "dl-" + f, text: f === "geojson" ? "GeoJSON" : "CSV" }) : el("span");
    }),
  ])));
}
