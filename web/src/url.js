// The selection lives in the URL so a view can be shared or bookmarked:
// ?lang=es&tag=futbol&window=1h (or n=400)&inferred=1&trends=world&basemap=outline&at=zoom/lat/lon
// inferred=1 adds the points geoheat placed itself (from the author's
// profile or a place named in the text), drawn apart from the platform's.
// trends=world has the Trending panel rank the whole world's posts (with a
// point or not) instead of those the map shows.
// Everything here is pure (strings in, strings out) but writeURL.

export const DEFAULT_N = 400;
export const MAX_N = 1000000;

// parseSelection reads a selection from a query string.
export function parseSelection(search) {
  const q = new URLSearchParams(search);
  const s = {
    lang: (q.get("lang") || "").trim(),
    tag: cleanTag(q.get("tag") || ""),
    window: q.get("window") || "1h",
    n: 0,
    inferred: q.get("inferred") === "1",
    trendsWorld: q.get("trends") === "world",
    basemap: q.get("basemap") || "",
    at: null,
  };
  if (s.lang === "all") s.lang = "";
  const n = parseInt(q.get("n") || "", 10);
  if (n > 0) { s.n = Math.min(n, MAX_N); s.window = "n"; }
  const at = (q.get("at") || "").split("/").map(Number);
  if (at.length === 3 && at.every(Number.isFinite)) s.at = { zoom: at[0], lat: at[1], lon: at[2] };
  return s;
}

// cleanTag is a hashtag as typed: trimmed, without its leading #.
export function cleanTag(tag) {
  return String(tag).trim().replace(/^#/, "");
}

// selectionSearch is the query string (without "?") of a selection, as
// parseSelection reads it back.
export function selectionSearch(s) {
  const q = selectionParams(s);
  if (s.window === "all") q.set("window", "all"); // the default is 1h
  if (s.inferred) q.set("inferred", "1");
  if (s.trendsWorld) q.set("trends", "world");
  if (s.basemap) q.set("basemap", s.basemap);
  if (s.at) q.set("at", [s.at.zoom.toFixed(2), s.at.lat.toFixed(3), s.at.lon.toFixed(3)].join("/"));
  return q.toString();
}

// selectionParams are the query parameters /api/heat and /api/live share.
export function selectionParams(s) {
  const q = new URLSearchParams();
  if (s.lang) q.set("lang", s.lang);
  if (s.tag) q.set("tag", s.tag);
  if (s.window === "n") q.set("n", String(s.n || DEFAULT_N));
  else if (s.window !== "all") q.set("window", s.window);
  return q;
}

// heatKey identifies what drawn heat selects: the live stream's selection
// plus the inferred layer.
export function heatKey(s) {
  const q = selectionParams(s);
  if (s.inferred) q.set("inferred", "1");
  return q.toString();
}

// describe is the selection in words, for the heat line under the map.
export function describe(s) {
  const parts = [s.lang || "all languages"];
  if (s.tag) parts.push("#" + s.tag);
  parts.push(s.window === "n" ? `${s.n || DEFAULT_N} most recent` : s.window === "all" ? "all held" : "last " + s.window);
  return parts.join(" · ");
}

// writeURL puts the selection in the address bar: a history entry when
// push (a choice the user may want to go back from), else in place (map
// moves). An unchanged URL is left alone.
export function writeURL(s, push) {
  const url = location.pathname + "?" + selectionSearch(s);
  if (url === location.pathname + location.search) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}
