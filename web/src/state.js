// The selection lives in the URL so a view can be shared or bookmarked:
// ?lang=es&tag=futbol&window=1h (or n=400)&inferred=1&basemap=outline&at=zoom/lat/lon
// inferred=1 adds the points geoheat placed itself (from the author's
// profile or a place named in the text), drawn apart from the platform's.

export function readState(search = location.search) {
  const q = new URLSearchParams(search);
  const s = {
    lang: (q.get("lang") || "").trim(),
    tag: (q.get("tag") || "").trim().replace(/^#/, ""),
    window: q.get("window") || "1h",
    n: 0,
    inferred: q.get("inferred") === "1",
    basemap: q.get("basemap") || "",
    at: null,
  };
  if (s.lang === "all") s.lang = "";
  const n = parseInt(q.get("n") || "", 10);
  if (n > 0) { s.n = Math.min(n, 1000000); s.window = "n"; }
  const at = (q.get("at") || "").split("/").map(Number);
  if (at.length === 3 && at.every(Number.isFinite)) s.at = { zoom: at[0], lat: at[1], lon: at[2] };
  return s;
}

export function writeState(s, push) {
  const q = selectionParams(s);
  if (s.window === "all") q.set("window", "all"); // the default is 1h
  if (s.inferred) q.set("inferred", "1");
  if (s.basemap) q.set("basemap", s.basemap);
  if (s.at) q.set("at", [s.at.zoom.toFixed(2), s.at.lat.toFixed(3), s.at.lon.toFixed(3)].join("/"));
  const url = location.pathname + "?" + q.toString();
  if (url === location.pathname + location.search) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

// selectionParams are the query parameters /api/heat and /api/live share.
export function selectionParams(s) {
  const q = new URLSearchParams();
  if (s.lang) q.set("lang", s.lang);
  if (s.tag) q.set("tag", s.tag);
  if (s.window === "n") q.set("n", String(s.n || 400));
  else if (s.window !== "all") q.set("window", s.window);
  return q;
}
