// The Trending panel's pure parts: its /api/trends query (the language,
// and the map's area by viewport.js), the sparkline of a trend's series,
// what the panel shows of an answer, and its request state. Nothing here
// touches the DOM, so node --test drives it directly (web/test/);
// panels.js draws, main.js fetches.
import { areaOfView } from "./viewport.js";
import { hasRange } from "./url.js";

// The panel refetches on the live tick at most this often (ms): a trend is
// counted in 5-minute buckets, so once a second would only cost the server.
export const TRENDS_REFRESH_MS = 15000;
// How many trends the panel lists.
export const TRENDS_N = 10;

// trendsParams is the /api/trends query for a selection: its language,
// the brushed range as the trend window (the API rounds it out to 5-minute
// buckets; without one, the last hour), and the map's area unless the
// selection asks for the whole world. The
// area counts the points the map draws: the platform's, and the inferred
// ones too while they are drawn. null: the area is wanted but the map has
// no view yet.
export function trendsParams(s, viewBBox) {
  const q = new URLSearchParams();
  if (s.lang) q.set("lang", s.lang);
  if (hasRange(s)) {
    if (s.from !== null) q.set("from", String(s.from));
    if (s.to !== null) q.set("to", String(s.to));
  }
  if (!s.world) {
    const area = areaOfView(viewBBox);
    if (!area) return null;
    q.set("bbox", area.join(","));
    if (s.inferred) q.set("geo", "all");
  }
  q.set("n", String(TRENDS_N));
  return q;
}

// sparklinePath is an SVG path ("M x,y L x,y ...") drawing series (counts
// per bucket, oldest first) in a width × height box, the highest count at
// the top (pad from the edges) and zero at the bottom. A single bucket
// draws a flat line; no buckets, nothing. Values that are not finite,
// non-negative numbers count as zero: the path only ever holds numbers.
export function sparklinePath(series, width, height, pad = 1) {
  const ys = (Array.isArray(series) ? series : []).map((v) => {
    const x = Number(v);
    return Number.isFinite(x) && x > 0 ? x : 0;
  });
  if (!ys.length) return "";
  if (ys.length === 1) ys.push(ys[0]);
  const max = Math.max(1, ...ys);
  const r = (x) => String(Math.round(x * 100) / 100);
  return ys.map((v, i) => {
    const x = pad + (i / (ys.length - 1)) * (width - 2 * pad);
    const y = height - pad - (v / max) * (height - 2 * pad);
    return (i ? "L" : "M") + r(x) + "," + r(y);
  }).join(" ");
}

// trendsView is what the panel shows of an /api/trends answer: the rows,
// and a note instead of an empty box (the server's, which says the
// baseline is short or nothing is rising, or ours when it sent none).
export function trendsView(data) {
  const trends = Array.isArray(data?.trends) ? data.trends : [];
  const rows = trends.filter((t) => t && typeof t.tag === "string" && t.tag).map((t) => ({
    tag: t.tag,
    authors: Number(t.authors) || 0,
    posts: Number(t.posts) || 0,
    score: Number(t.score) || 0,
    expected: Number(t.expected) || 0,
    series: Array.isArray(t.series) ? t.series : [],
  }));
  let note = typeof data?.note === "string" ? data.note : "";
  if (!note && !rows.length) note = "Nothing is rising here right now.";
  return { rows, note };
}

// trendsCaption says what the panel ranks: the language (by the name the
// server gives it), the area and the window the server counted.
export function trendsCaption(data, s) {
  const parts = [s.lang ? (typeof data?.name === "string" && data.name) || s.lang : "all languages",
    s.world ? "whole world, every post" : "the map's area"];
  if (typeof data?.window === "string" && data.window) parts.push("last " + data.window);
  return parts.join(" · ");
}
