// The Trending panel's pure parts: the area the panel asks for (the map's
// view as a bbox, across the antimeridian too), its /api/trends query, the
// sparkline of a trend's series, and the panel's request state. Nothing
// here touches the DOM, so node --test drives it directly (web/test/);
// panels.js draws, main.js fetches.

// The panel refetches on the live tick at most this often (ms): a trend is
// counted in 5-minute buckets, so once a second would only cost the server.
export const TRENDS_REFRESH_MS = 15000;
// How many trends the panel lists.
export const TRENDS_N = 10;

// wrapLon maps a longitude to [-180, 180).
function wrapLon(x) {
  return ((((x + 180) % 360) + 360) % 360) - 180;
}

const clampLat = (y) => Math.min(90, Math.max(-90, y));

// areaOfView turns a map's view bbox [west, south, east, north] into the
// bbox the API takes: longitudes within ±180, and a box across the
// antimeridian as GeoJSON writes it, west > east. Both map modules give
// an east beyond 180 there (MapLibre's bounds are unwrapped, google-map.js
// adds 360), and a view wider than the world spans all longitudes. Edges
// are rounded outwards to 1e-4° (about 10 m), so that what is visible
// stays in and a map that did not move asks the same query. null: no
// usable view.
export function areaOfView(bbox) {
  if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(Number.isFinite)) return null;
  const [w, s, e, n] = bbox;
  const south = clampLat(Math.floor(s * 1e4) / 1e4), north = clampLat(Math.ceil(n * 1e4) / 1e4);
  const width = e - w;
  if (!(width > 0) || !(north > south)) return null;
  const w0 = wrapLon(w);
  const west = Math.floor(w0 * 1e4) / 1e4;
  let east = Math.ceil((w0 + width) * 1e4) / 1e4;
  if (east - west >= 360) return [-180, south, 180, north];
  if (east > 180) east = Math.round((east - 360) * 1e4) / 1e4;
  return [west, south, east, north];
}

// trendsParams is the /api/trends query for a selection: its language,
// and the map's area unless the selection asks for the whole world. The
// area counts the points the map draws: the platform's, and the inferred
// ones too while they are drawn. null: the area is wanted but the map has
// no view yet.
export function trendsParams(s, viewBBox) {
  const q = new URLSearchParams();
  if (s.lang) q.set("lang", s.lang);
  if (!s.trendsWorld) {
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
    s.trendsWorld ? "whole world, every post" : "the map's area"];
  if (typeof data?.window === "string" && data.window) parts.push("last " + data.window);
  return parts.join(" · ");
}

// TrendsState is the panel's request state: what it last asked for and
// when, and the request in flight. main.js asks due() on every occasion
// (live tick, selection change, map move) and fetches when it says so.
export class TrendsState {
  constructor() {
    this.key = null; // the query last asked for
    this.askedAt = -Infinity; // when (ms)
    this.abort = null; // aborts the request in flight
    this.data = null; // the answer the panel shows
  }

  // due says whether the query key needs asking at now: a different query
  // at once, the same one again after TRENDS_REFRESH_MS.
  due(key, now) {
    if (key === null) return false;
    return key !== this.key || now - this.askedAt >= TRENDS_REFRESH_MS;
  }

  // starting aborts the request in flight and returns the new one's
  // AbortController.
  starting(key, now) {
    this.abort?.abort();
    this.abort = new AbortController();
    this.key = key;
    this.askedAt = now;
    return this.abort;
  }

  // answered records data, the answer to key, as the one the panel
  // shows; false when a later query was asked meanwhile (it is stale).
  answered(key, data) {
    if (key !== this.key) return false;
    this.data = data;
    return true;
  }
}
