// The dashboard's state, in one place: the selection (mirrored in the URL,
// see url.js), the open map, the live subscription and the heat requests.
// Every change goes through a named transition below; main.js performs the
// effects (DOM, network, timers) the transitions ask for. Nothing here
// touches the DOM, so node --test drives it directly (web/test/).
import { cleanTag, DEFAULT_N, heatKey, MAX_N } from "./url.js";
import { TrendsState } from "./trends.js";

// Live heat refetches at most this often (ms), however often the stream
// says the heat changed.
export const HEAT_MIN_INTERVAL = 2000;

export class DashboardState {
  constructor(selection) {
    this.selection = selection; // replaced, never mutated: safe to keep
    this.cfg = null; // /api/config, once loaded

    this.map = null; // the open map (maplibre-map.js or google-map.js)
    this.mapGen = 0; // bumped per openMap, so a slow open that lost the race is dropped
    this.tilesFailed = false; // OSM tiles unreachable on the open map

    this.unsubscribe = () => {}; // closes the live stream of the selection
    this.heatVersion = -1; // the stream's heat_version last seen; -1: none yet
    this.lastSnap = null; // the newest live snapshot
    this.knownLangs = null; // languages held (codes and names); null until the first snapshot

    this.heatAbort = null; // aborts the heat request in flight
    this.heatTimer = null; // a scheduled heat refetch, if any
    this.lastHeatAt = 0; // when the last heat request started (ms)
    this.lastHeat = null; // the drawn heat: its counts and the selection it was for

    this.trends = new TrendsState(); // the Trending panel's requests and answer
  }

  // configured records /api/config; a basemap the server does not offer
  // falls back to the server's default.
  configured(cfg) {
    this.cfg = cfg;
    if (!cfg.basemaps.includes(this.selection.basemap)) this.selection = { ...this.selection, basemap: cfg.basemap };
  }

  // select applies a change the user made (language, tag, window, N,
  // inferred, trends area, basemap) and returns the new selection.
  select(patch) {
    const s = { ...this.selection, ...patch };
    if ("tag" in patch) s.tag = cleanTag(s.tag);
    if ("n" in patch) s.n = Math.min(MAX_N, Math.max(1, Math.round(Number(s.n)) || DEFAULT_N));
    if (s.window === "n" && !s.n) s.n = DEFAULT_N;
    this.selection = s;
    return s;
  }

  // navigated adopts the selection of a URL the browser went back or
  // forward to; it keeps the current basemap when the URL names none (or
  // one not offered), and says whether the basemap changed.
  navigated(next) {
    const allowed = !this.cfg || this.cfg.basemaps.includes(next.basemap);
    const basemap = next.basemap && allowed ? next.basemap : this.selection.basemap;
    const changed = basemap !== this.selection.basemap;
    this.selection = { ...next, basemap };
    return changed;
  }

  // moved records the map's view, which the URL keeps (at=zoom/lat/lon).
  moved(view) {
    this.selection = { ...this.selection, at: { zoom: view.zoom, lat: view.center.lat, lon: view.center.lng } };
  }

  // mapOpening starts opening a map: it returns the map to destroy (if
  // any) and the generation the new map must present to mapOpened.
  mapOpening() {
    const old = this.map;
    this.map = null;
    this.tilesFailed = false;
    return { old, gen: ++this.mapGen };
  }

  // mapOpened adopts the map of generation gen, unless a later openMap
  // began meanwhile: then it returns false and the caller destroys m.
  mapOpened(gen, m) {
    if (gen !== this.mapGen) return false;
    this.map = m;
    return true;
  }

  tilesFailing() {
    this.tilesFailed = true;
  }

  // resubscribe closes the live stream and opens one for the selection
  // with open(), which returns its closer.
  resubscribe(open) {
    this.unsubscribe();
    this.heatVersion = -1;
    this.unsubscribe = open();
  }

  // snapshot records a live snapshot and returns true when the heat it
  // reports changed since the one before (the first one only sets the
  // baseline: the heat was fetched when the map opened).
  snapshot(snap) {
    this.lastSnap = snap;
    // The URL may name a language by code (es) or NLTK name (spanish).
    this.knownLangs = new Set((snap.counts || []).flatMap((c) => [c.lang, c.name]));
    if (snap.heat_version === this.heatVersion) return false;
    const first = this.heatVersion === -1;
    this.heatVersion = snap.heat_version;
    return !first;
  }

  // heatDelay is how long (ms) a live-triggered refetch must wait to keep
  // HEAT_MIN_INTERVAL, or null when one is already scheduled.
  heatDelay(now) {
    if (this.heatTimer) return null;
    return Math.max(0, HEAT_MIN_INTERVAL - (now - this.lastHeatAt));
  }

  heatScheduled(timer) {
    this.heatTimer = timer;
  }

  heatTimerFired() {
    this.heatTimer = null;
  }

  // heatStarting aborts the heat request in flight and returns the new
  // request's AbortController.
  heatStarting(now) {
    this.heatAbort?.abort();
    this.heatAbort = new AbortController();
    this.lastHeatAt = now;
    return this.heatAbort;
  }

  // heatDrawn records what the map now shows: trusted answers d and the
  // inferred layer's di (null when off), for the selection key.
  heatDrawn(d, di, key) {
    this.lastHeat = { points: d.points, cells: d.cells.length, truncated: !!(d.truncated || di?.truncated), key,
      inferred: di ? di.points : 0 };
  }

  // notices are the empty and error states to show over the map: unknown
  // language, no geo yet, source ended or failing, tiles unreachable. bad
  // marks the failing ones.
  notices() {
    const s = this.selection;
    const msgs = [];
    let bad = false;
    if (s.lang && this.knownLangs && !this.knownLangs.has(s.lang)) {
      msgs.push(`No posts in language “${s.lang}”: unknown, or not seen yet.`);
    } else if (this.lastHeat && this.lastHeat.points === 0 && !this.lastHeat.inferred && this.lastHeat.key === heatKey(s)) {
      msgs.push(s.tag ? `No geo-tagged posts with #${s.tag} here yet.` : "No geo-tagged posts for this selection here yet.");
    }
    const src = this.lastSnap?.source;
    if (src?.state === "error") {
      msgs.push(`Source failing: ${src.error || "unknown error"}`);
      bad = true;
    } else if (src?.state === "done") {
      msgs.push("The source has ended: showing what was recorded.");
    }
    if (this.tilesFailed && s.basemap === "osm") msgs.push("Map tiles unreachable: showing the offline country outlines.");
    return { msgs, bad };
  }
}
