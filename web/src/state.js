// The dashboard's state, in one place: the selection (mirrored in the URL,
// see url.js), the open map, the live subscription and the heat requests.
// Every change goes through a named transition below; main.js performs the
// effects (DOM, network, timers) the transitions ask for. Nothing here
// touches the DOM, so node --test drives it directly (web/test/).
import { cleanQ, cleanTag, DEFAULT_N, hasRange, heatKey, MAX_N, MODES } from "./url.js";
import { TRENDS_REFRESH_MS } from "./trends.js";
import { nextFrame, playWidth } from "./timeline.js";

// Live heat refetches at most this often (ms), however often the stream
// says the heat changed.
export const HEAT_MIN_INTERVAL = 2000;
// The histogram and the panels that follow the map refetch on the live
// tick at most this often (ms).
export const PANELS_REFRESH_MS = 5000;

// Requests is one query's request state (the histogram's, the panels'):
// what it last asked for and when, the request in flight, the answer
// shown. main.js asks due() on every occasion (live tick, selection
// change, map move) and fetches when it says so.
export class Requests {
  constructor(refreshMs) {
    this.refreshMs = refreshMs;
    this.key = null; // the query last asked for
    this.askedAt = -Infinity; // when (ms)
    this.abort = null; // aborts the request in flight
    this.data = null; // the answer shown
  }

  // due says whether the query key needs asking at now: a different query
  // at once, the same one again after refreshMs.
  due(key, now) {
    if (key === null) return false;
    return key !== this.key || now - this.askedAt >= this.refreshMs;
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

  // answered records data, the answer to key; false when a later query
  // was asked meanwhile (it is stale).
  answered(key, data) {
    if (key !== this.key) return false;
    this.data = data;
    return true;
  }

  // forget drops the last query, so the next due() asks again.
  forget() {
    this.abort?.abort();
    this.key = null;
  }
}

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

    this.trends = new Requests(TRENDS_REFRESH_MS); // the Trending panel's requests and answer
    this.hist = new Requests(PANELS_REFRESH_MS); // the histogram's
    this.histView = null; // what the histogram shows (timeline.js histView)
    this.panels = new Requests(PANELS_REFRESH_MS); // the top hashtags' and counts' in the map's area
    this.posts = new Requests(Infinity); // the posts near a click: asked once per click
    this.clicked = null; // where the map was clicked ({lat, lon, zoom}), the posts panel open

    // The player: on, its frame width (seconds, 0: auto) and wall seconds
    // per frame.
    this.play = { on: false, step: 0, speed: 1 };
  }

  // head is the newest post's time (Unix seconds) as the histogram last
  // said, or undefined.
  get head() {
    return this.histView?.head;
  }

  // histogram records an /api/histogram answer's view (null: nothing held).
  histogram(view) {
    this.histView = view;
  }

  // brushed sets the time range (Unix seconds; null ends open) and
  // returns the new selection; a range that does not run forwards clears.
  brushed(from, to) {
    const ok = from === null || to === null || from < to;
    return this.select({ from: ok ? from : null, to: ok ? to : null });
  }

  // clearRange drops the range: the window applies again.
  clearRange() {
    return this.select({ from: null, to: null });
  }

  // playing starts (or stops) the player; it returns whether it is on. It
  // cannot start without a histogram to step through.
  playing(on) {
    this.play = { ...this.play, on: !!on && !!this.histView };
    return this.play.on;
  }

  // playSettings changes the frame width and speed.
  playSettings(patch) {
    this.play = { ...this.play, ...patch };
  }

  // playFrame moves the range one frame on and returns the new selection,
  // or null when the player reached the end (it stops) or is off.
  playFrame() {
    if (!this.play.on || !this.histView) return null;
    const s = this.selection;
    const range = hasRange(s) ? { from: s.from, to: s.to } : null;
    const next = nextFrame(this.histView, range, playWidth(this.histView, this.play.step));
    if (!next) {
      this.play = { ...this.play, on: false };
      return null;
    }
    return this.brushed(next.from, next.to);
  }

  // mapClicked opens the posts panel for a click.
  mapClicked(lat, lon, zoom) {
    this.clicked = { lat, lon, zoom };
    this.posts.forget();
  }

  postsClosed() {
    this.clicked = null;
    this.posts.forget();
  }

  // configured records /api/config; a basemap the server does not offer
  // falls back to the server's default.
  configured(cfg) {
    this.cfg = cfg;
    if (!cfg.basemaps.includes(this.selection.basemap)) this.selection = { ...this.selection, basemap: cfg.basemap };
  }

  // select applies a change the user made (language, tag, search, window,
  // N, range, mode, inferred, whole world, basemap) and returns the new
  // selection. Choosing a window drops a brushed range.
  select(patch) {
    const s = { ...this.selection, ...patch };
    if ("tag" in patch) s.tag = cleanTag(s.tag);
    if ("q" in patch) s.q = cleanQ(s.q);
    if ("mode" in patch && !MODES.includes(s.mode)) s.mode = "density";
    if (("window" in patch || "n" in patch) && !("from" in patch)) s.from = s.to = null;
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
