// The API queries behind the panels, the posts list, the histogram and the
// downloads, built from the selection and the map's view. Pure, so node
// --test drives it (web/test/); main.js fetches.
import { hasRange, selectionParams, WINDOW_S } from "./url.js";
import { areaOfView } from "./viewport.js";

// How many buckets the histogram asks for (the API rounds the step).
export const HIST_BUCKETS = 120;
// How many posts the posts panel lists.
export const POSTS_N = 20;

// geoParam is the provenances counted: the platform's (the API's
// default), or every one while inferred points are drawn.
function setGeo(q, s) {
  if (s.inferred) q.set("geo", "all");
}

// panelArea is the bbox the panels count in: the map's visible area, or
// none with "whole world". undefined: the area is wanted but the map has
// no view yet.
export function panelArea(s, viewBBox) {
  if (s.world) return null;
  return areaOfView(viewBBox) || undefined;
}

// timeSpan is the selection's time as from/to in Unix seconds for the
// endpoints that take no window (counts, posts): the brushed range, or the
// window back from head (the newest post's time, from the histogram) when
// known; null ends are open.
export function timeSpan(s, head) {
  if (hasRange(s)) return { from: s.from, to: s.to };
  const w = WINDOW_S[s.window];
  if (w && Number.isFinite(head)) return { from: head - w, to: null };
  return { from: null, to: null };
}

function setSpan(q, span) {
  if (span.from !== null) q.set("from", String(span.from));
  if (span.to !== null) q.set("to", String(span.to));
}

function setBBox(q, area) {
  if (area) q.set("bbox", area.join(","));
}

// histogramParams is /api/histogram for the selection in the area (null:
// the whole world): every time held, so a brush can pick any of it.
export function histogramParams(s, area) {
  const q = new URLSearchParams();
  if (s.lang) q.set("lang", s.lang);
  if (s.tag) q.set("tag", s.tag);
  if (s.q) q.set("q", s.q);
  setBBox(q, area);
  setGeo(q, s);
  q.set("buckets", String(HIST_BUCKETS));
  return q;
}

// topParams is /api/top: the language's top ten, or every language's top
// three, in the area, the range or window, matching the search.
export function topParams(s, area) {
  const q = new URLSearchParams();
  if (s.lang) q.set("lang", s.lang);
  q.set("n", s.lang ? "10" : "3");
  if (s.q) q.set("q", s.q);
  setBBox(q, area);
  if (area) setGeo(q, s);
  if (hasRange(s)) setSpan(q, { from: s.from, to: s.to });
  else if (WINDOW_S[s.window]) q.set("window", s.window);
  return q;
}

// countsParams is /api/counts: per language, in the area and the span.
export function countsParams(s, area, head) {
  const q = new URLSearchParams();
  setSpan(q, timeSpan(s, head));
  setBBox(q, area);
  if (area) setGeo(q, s);
  return q;
}

// panelsLive says whether the live stream's whole-world counts and top
// hashtags are what the panels show: nothing narrows them (no area,
// range or search), so they need no queries of their own.
export function panelsLive(s) {
  return s.world && !hasRange(s) && !s.q;
}

// postsParams is /api/posts near a click (box, from clickArea).
export function postsParams(s, box, head) {
  const q = new URLSearchParams();
  if (s.lang) q.set("lang", s.lang);
  if (s.tag) q.set("tag", s.tag);
  if (s.q) q.set("q", s.q);
  setBBox(q, box);
  setGeo(q, s);
  setSpan(q, timeSpan(s, head));
  q.set("n", String(POSTS_N));
  return q;
}

// FINE_DEG is the edge of the embedded store's finest summary cells
// (22.5/128°): a heat box whose edges follow them is answered from the
// summaries alone, with no point read one by one (docs/scale.md).
const FINE_DEG = 22.5 / 128;

// snapOut widens a view box [west, south, east, north] to the finest
// summary cells, and 1e-7° beyond (the store's margin for rounding). The
// cells it adds lie outside the view, so the map looks the same.
export function snapOut([w, s, e, n]) {
  const eps = 1e-7;
  const down = (v, off) => Math.floor((v + off) / FINE_DEG) * FINE_DEG - off - eps;
  const up = (v, off) => Math.ceil((v + off) / FINE_DEG) * FINE_DEG - off + eps;
  return [down(w, 180), Math.max(-90, down(s, 90)), up(e, 180), Math.min(90, up(n, 90))];
}

// heatParams is /api/heat for the map's view: the selection, the mode,
// the area and a grid fine enough for the zoom (cells ~8 px wide).
// Density draws the platform's points (the inferred ones are a layer of
// their own, inferredParams); the other modes draw one layer.
export function heatParams(s, viewBBox, zoom) {
  const q = selectionParams(s);
  q.set("bbox", snapOut(viewBBox).map((x) => x.toFixed(8)).join(","));
  q.set("zoom", String(Math.max(0, Math.min(22, Math.round(zoom) + 2))));
  q.set("limit", "5000");
  if (s.mode && s.mode !== "density") q.set("mode", s.mode);
  q.set("geo", s.inferred && s.mode !== "density" && s.mode ? "all" : "trusted");
  return q;
}

// downloads are the links of the Download section: the current view as
// GeoJSON and CSV. view is the map's view ({bbox, zoom}) or null.
export function downloads(s, view, head) {
  const links = [];
  const add = (label, path, q, format) => {
    const p = new URLSearchParams(q);
    p.set("format", format);
    links.push({ label, format, href: path + "?" + p.toString() });
  };
  const area = view ? areaOfView(view.bbox) : null;
  if (view) {
    const h = heatParams(s, view.bbox, view.zoom);
    add("map cells", "/api/heat", h, "geojson");
    add("map cells", "/api/heat", h, "csv");
  }
  const box = s.world ? null : area;
  const posts = postsParams(s, box, head);
  posts.set("n", "1000");
  add("posts", "/api/posts", posts, "geojson");
  add("posts", "/api/posts", posts, "csv");
  add("histogram", "/api/histogram", histogramParams(s, box), "csv");
  add("top hashtags", "/api/top", topParams(s, box), "csv");
  add("counts", "/api/counts", countsParams(s, box, head), "csv");
  return links;
}
