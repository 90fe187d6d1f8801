// The selection lives in the URL so a view can be shared or bookmarked:
// ?lang=es&tag=futbol&q=storm&window=1h (or n=400)&from=…&to=…&mode=lang
//  &inferred=1&world=1&basemap=outline&at=zoom/lat/lon
// inferred=1 adds the points geoheat placed itself (from the author's
// profile or a place named in the text), drawn apart from the platform's.
// from/to (RFC 3339 or Unix seconds) is a brushed time range: while set it
// replaces the window everywhere. world=1 has the panels count the whole
// world's posts instead of those the map shows (trends=world, its old
// name, is still read). mode picks what the map draws (MODES).
// Everything here is pure (strings in, strings out) but writeURL.

export const DEFAULT_N = 400;
export const MAX_N = 1000000;
// The map's modes: heat of the selection's points, each cell's dominant
// language, or the selection's share of all posts per cell.
export const MODES = ["density", "lang", "share"];
// A search is at most this many bytes (the API's limit, docs/explore.md).
export const MAX_Q = 256;

// The windows the API takes, in seconds ("n" and "all" are not durations).
export const WINDOW_S = { "5m": 300, "15m": 900, "1h": 3600, "24h": 86400, "7d": 604800 };

// parseSelection reads a selection from a query string.
export function parseSelection(search) {
  const q = new URLSearchParams(search);
  const s = {
    lang: (q.get("lang") || "").trim(),
    tag: cleanTag(q.get("tag") || ""),
    q: cleanQ(q.get("q") || ""),
    window: q.get("window") || "1h",
    n: 0,
    from: parseTime(q.get("from")),
    to: parseTime(q.get("to")),
    mode: MODES.includes(q.get("mode")) ? q.get("mode") : "density",
    inferred: q.get("inferred") === "1",
    world: q.get("world") === "1" || q.get("trends") === "world",
    basemap: q.get("basemap") || "",
    at: null,
  };
  if (s.lang === "all") s.lang = "";
  // A range that ends before it starts selects nothing: drop it whole
  // rather than ask the API for an error.
  if (s.from !== null && s.to !== null && s.from >= s.to) s.from = s.to = null;
  const n = parseInt(q.get("n") || "", 10);
  if (n > 0) { s.n = Math.min(n, MAX_N); s.window = "n"; }
  const at = (q.get("at") || "").split("/").map(Number);
  if (at.length === 3 && at.every(Number.isFinite)) s.at = { zoom: at[0], lat: at[1], lon: at[2] };
  return s;
}

// parseTime reads a time as the API takes it, Unix seconds or RFC 3339,
// into Unix seconds (whole: the API's resolution); null when absent or
// malformed.
export function parseTime(v) {
  if (v === null || v === undefined) return null;
  const str = String(v).trim();
  if (/^-?\d{1,12}$/.test(str)) return Number(str);
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(str)) return null;
  const ms = Date.parse(str.replace(" ", "T"));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

// formatTime writes Unix seconds as RFC 3339 in UTC, as the URL keeps them
// (readable, and what the API takes).
export function formatTime(sec) {
  return new Date(sec * 1000).toISOString().replace(".000Z", "Z");
}

// cleanTag is a hashtag as typed: trimmed, without its leading #.
export function cleanTag(tag) {
  return String(tag).trim().replace(/^#/, "");
}

// cleanQ is a search as typed: trimmed, spaces collapsed, cut to MAX_Q
// bytes at a character boundary (the API refuses longer ones).
export function cleanQ(q) {
  let s = String(q).trim().replace(/\s+/g, " ");
  const enc = new TextEncoder();
  while (enc.encode(s).length > MAX_Q) s = [...s].slice(0, -1).join("");
  return s;
}

// hasRange says whether a time range is brushed.
export function hasRange(s) {
  return s.from !== null || s.to !== null;
}

// selectionSearch is the query string (without "?") of a selection, as
// parseSelection reads it back.
export function selectionSearch(s) {
  const q = liveParams(s);
  if (s.q) q.set("q", s.q);
  if (s.window === "all") q.set("window", "all"); // the default is 1h
  if (s.from !== null) q.set("from", formatTime(s.from));
  if (s.to !== null) q.set("to", formatTime(s.to));
  if (s.mode && s.mode !== "density") q.set("mode", s.mode);
  if (s.inferred) q.set("inferred", "1");
  if (s.world) q.set("world", "1");
  if (s.basemap) q.set("basemap", s.basemap);
  if (s.at) q.set("at", [s.at.zoom.toFixed(2), s.at.lat.toFixed(3), s.at.lon.toFixed(3)].join("/"));
  return q.toString();
}

// liveParams are the query parameters of /api/live: language, tag and
// window (the stream takes no range or search; it only says when the heat
// changed and carries the whole world's counts and top hashtags).
export function liveParams(s) {
  const q = new URLSearchParams();
  if (s.lang) q.set("lang", s.lang);
  if (s.tag) q.set("tag", s.tag);
  if (s.window === "n") q.set("n", String(s.n || DEFAULT_N));
  else if (s.window !== "all") q.set("window", s.window);
  return q;
}

// selectionParams are the selection as /api/heat takes it: language, tag,
// search, and the brushed range instead of the window while there is one.
export function selectionParams(s) {
  const q = new URLSearchParams();
  if (s.lang) q.set("lang", s.lang);
  if (s.tag) q.set("tag", s.tag);
  if (s.q) q.set("q", s.q);
  if (hasRange(s)) {
    if (s.from !== null) q.set("from", String(s.from));
    if (s.to !== null) q.set("to", String(s.to));
  } else if (s.window === "n") q.set("n", String(s.n || DEFAULT_N));
  else if (s.window !== "all") q.set("window", s.window);
  return q;
}

// heatKey identifies what drawn heat selects: the selection plus the
// inferred layer and the map's mode.
export function heatKey(s) {
  const q = selectionParams(s);
  if (s.inferred) q.set("inferred", "1");
  if (s.mode && s.mode !== "density") q.set("mode", s.mode);
  return q.toString();
}

// describe is the selection in words, for the heat line under the map.
export function describe(s) {
  const parts = [s.lang || "all languages"];
  if (s.tag) parts.push("#" + s.tag);
  if (s.q) parts.push(`“${s.q}”`);
  if (hasRange(s)) parts.push(describeRange(s.from, s.to));
  else parts.push(s.window === "n" ? `${s.n || DEFAULT_N} most recent` : s.window === "all" ? "all held" : "last " + s.window);
  return parts.join(" · ");
}

// describeRange is a range in words, UTC, the second date shortened when
// it is the same day.
export function describeRange(from, to) {
  const f = from === null ? "the oldest" : formatTime(from).replace("T", " ").replace("Z", "");
  let t = to === null ? "the newest" : formatTime(to).replace("T", " ").replace("Z", "");
  if (from !== null && to !== null && f.slice(0, 10) === t.slice(0, 10)) t = t.slice(11);
  return `${f} – ${t} UTC`;
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
