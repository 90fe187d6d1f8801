// geoheat's dashboard (/) and embeddable view (/embed): a live heatmap of
// the selected language, hashtag, search and time (a window, or a range
// brushed on the histogram under the map), in one of three modes, with
// status, the hashtags trending in the map's area, top hashtags and counts
// (of the map's area unless "whole world"), the posts near a click and
// downloads. The selection lives in the URL; all other state is state.js's,
// changed only through its transitions. This file performs the effects:
// DOM, network, timers.
import { $, el, fmtInt } from "./dom.js";
import { get } from "./api.js";
import { describe, describeRange, hasRange, heatKey, liveParams, parseSelection, writeURL } from "./url.js";
import { DashboardState } from "./state.js";
import { createMapLibre } from "./maplibre-map.js";
import { gradient, RAW } from "./ramp.js";
import { fillLanguages, renderCounts, renderDownloads, renderPosts, renderStatus, renderTop, renderTrends,
  renderTrendsFailed } from "./panels.js";
import { subscribe } from "./live.js";
import { trendsParams } from "./trends.js";
import { countsParams, downloads, heatParams, histogramParams, panelArea, panelsLive, postsParams, topParams } from "./query.js";
import { clickArea } from "./viewport.js";
import { histView, PLAY_SPEEDS, PLAY_STEPS } from "./timeline.js";
import { createHistogram } from "./histogram.js";
import { postsView } from "./posts.js";
import { langLegend, modeFeatures, SHARE_STOPS } from "./modes.js";

const embed = document.body.dataset.mode === "embed";
const st = new DashboardState(parseSelection(location.search));
let hist = null; // the histogram under the map (histogram.js)
let liveKey = null; // the live stream's query, to resubscribe only when it changes
let playTimer = null;
let langs = []; // the languages of the last lang-mode answer, for the legend

// Test hooks and debugging aids: what the page has drawn so far.
const mark = (k, v) => (document.body.dataset[k] = String(v));
const bump = (k) => mark(k, Number(document.body.dataset[k] || 0) + 1);

async function start() {
  try {
    st.configured(await get("/api/config"));
  } catch (e) {
    notice([`Cannot reach geoheat: ${e.message}`], true);
    return;
  }
  if (!embed) {
    setupControls();
    setupTimeline();
  }
  drawLegend();
  await openMap();
  resubscribe();
  window.addEventListener("popstate", () => {
    stopPlay();
    const basemapChanged = st.navigated(parseSelection(location.search));
    syncControls();
    if (basemapChanged) openMap();
    selectionChanged(false);
  });
}

async function openMap() {
  const { old, gen } = st.mapOpening();
  old?.destroy();
  const container = $("map");
  container.replaceChildren();
  const { cfg } = st;
  const basemap = st.selection.basemap, at = st.selection.at;
  let m;
  try {
    if (basemap === "google") {
      const { createGoogle } = await import("./google-map.js");
      m = await createGoogle(container, cfg, at);
    } else {
      m = await createMapLibre(container, cfg, basemap, at, () => {
        st.tilesFailing();
        updateNotice();
      });
    }
  } catch (e) {
    notice([`The ${basemap} map failed: ${e.message}. Try the outline basemap.`], true);
    return;
  }
  if (!st.mapOpened(gen, m)) return m.destroy();
  mark("basemap", m.kind + ":" + basemap);
  let moveTimer;
  m.onMove(() => {
    st.moved(m.view());
    if (!embed) writeURL(st.selection, false);
    clearTimeout(moveTimer);
    moveTimer = setTimeout(() => {
      refreshHeat();
      refreshTrends();
      refreshHist();
      refreshPanels();
      updateDownloads();
    }, 250);
  });
  if (!embed) {
    m.onClick((lat, lon) => {
      st.mapClicked(lat, lon, m.view().zoom);
      $("posts-panel").hidden = false;
      refreshPosts();
    });
  }
  refreshTrends();
  refreshHist();
  refreshPanels();
  updateDownloads();
  await refreshHeat();
}

// view is the open map's view, or null while it has none (a map still
// settling has no bounds yet: its next move end asks again).
function view() {
  try {
    return st.map?.view() || null;
  } catch {
    return null;
  }
}

function setupControls() {
  const lang = $("lang"), tag = $("tag"), q = $("q"), win = $("window"), n = $("n"), basemap = $("basemap");
  const inferred = $("inferred"), mode = $("mode"), world = $("world");
  basemap.replaceChildren(...st.cfg.basemaps.map((b) => el("option", { value: b,
    text: { osm: "OpenStreetMap", outline: "outlines (offline)", google: "Google Maps" }[b] || b })));
  fillLanguages(lang, [], st.selection.lang);
  syncControls();
  const change = (patch) => {
    st.select(patch);
    selectionChanged(true);
  };
  lang.addEventListener("change", () => change({ lang: lang.value }));
  tag.addEventListener("change", () => change({ tag: tag.value }));
  q.addEventListener("change", () => change({ q: q.value }));
  win.addEventListener("change", () => {
    if (win.value === "range") return;
    stopPlay();
    change(win.value === "n" && !st.selection.n ? { window: "n", n: n.value } : { window: win.value });
  });
  n.addEventListener("change", () => change({ n: n.value }));
  inferred.addEventListener("change", () => change({ inferred: inferred.checked }));
  mode.addEventListener("change", () => change({ mode: mode.value }));
  world.addEventListener("change", () => change({ world: world.checked }));
  basemap.addEventListener("change", () => {
    st.select({ basemap: basemap.value });
    writeURL(st.selection, true);
    openMap();
  });
  $("controls").addEventListener("submit", (e) => e.preventDefault());
  $("posts-close").addEventListener("click", () => {
    st.postsClosed();
    $("posts-panel").hidden = true;
  });
}

function setupTimeline() {
  hist = createHistogram($("hist"), {
    onBrush(r) {
      stopPlay();
      st.brushed(r.from, r.to);
      selectionChanged(true);
    },
    onClear() {
      stopPlay();
      if (!hasRange(st.selection)) return;
      st.clearRange();
      selectionChanged(true);
    },
  });
  const step = $("play-step"), speed = $("play-speed");
  step.replaceChildren(...PLAY_STEPS.map(([v, t]) => el("option", { value: String(v), text: t })));
  speed.replaceChildren(...PLAY_SPEEDS.map(([v, t]) => el("option", { value: String(v), text: t })));
  step.value = String(st.play.step);
  speed.value = String(st.play.speed);
  step.addEventListener("change", () => st.playSettings({ step: Number(step.value) }));
  speed.addEventListener("change", () => st.playSettings({ speed: Number(speed.value) }));
  $("play").addEventListener("click", () => (st.play.on ? stopPlay() : startPlay()));
  $("range-clear").addEventListener("click", () => {
    stopPlay();
    st.clearRange();
    selectionChanged(true);
  });
}

// startPlay steps the range frame by frame through the histogram's span;
// the URL follows in place (one history entry for the whole run).
function startPlay() {
  if (!st.playing(true)) return;
  writeURL(st.selection, true);
  playButton();
  const tick = () => {
    playTimer = null;
    if (!st.playFrame()) {
      stopPlay();
      return;
    }
    bump("playFrames");
    selectionChanged(false);
    playTimer = setTimeout(tick, st.play.speed * 1000);
  };
  tick();
}

function stopPlay() {
  clearTimeout(playTimer);
  playTimer = null;
  st.playing(false);
  playButton();
}

function playButton() {
  const b = $("play");
  if (!b) return;
  b.textContent = st.play.on ? "❚❚" : "▶";
  b.setAttribute("aria-label", st.play.on ? "pause" : "play");
  mark("playing", st.play.on ? 1 : 0);
}

function syncControls() {
  if (embed) return;
  const s = st.selection;
  $("lang").value = s.lang;
  $("tag").value = s.tag;
  $("q").value = s.q;
  const ranged = hasRange(s);
  const win = $("window");
  win.querySelector('option[value="range"]').hidden = !ranged;
  win.value = ranged ? "range" : s.window;
  $("n").value = String(s.n || 400);
  $("n-label").hidden = ranged || s.window !== "n";
  $("inferred").checked = s.inferred;
  $("mode").value = s.mode;
  $("world").checked = s.world;
  $("basemap").value = s.basemap;
  $("range-info").textContent = ranged ? describeRange(s.from, s.to) : "drag over the histogram to pick a time range";
  $("range-clear").hidden = !ranged;
}

function selectionChanged(push) {
  if (!embed) {
    writeURL(st.selection, push);
    syncControls();
    if (st.lastSnap) renderPanels(st.lastSnap);
    if (st.trends.data) renderTrends(st.trends.data, st.selection, pickTrend);
    showHist();
  }
  drawLegend();
  if (liveParams(st.selection).toString() !== liveKey) resubscribe();
  refreshHeat();
  refreshTrends();
  refreshHist();
  refreshPanels();
  refreshPosts();
  updateDownloads();
}

function resubscribe() {
  liveKey = liveParams(st.selection).toString();
  st.resubscribe(() => subscribe(liveParams(st.selection), {
    onState(ok) {
      const live = $("live");
      if (live) {
        live.className = "live " + (ok ? "ok" : "bad");
        live.textContent = ok ? "live" : "reconnecting…";
      }
    },
    onSnapshot(snap) {
      const heatChanged = st.snapshot(snap);
      mark("liveSeq", snap.seq);
      if (!embed) {
        renderPanels(snap);
        refreshTrends();
        refreshHist();
        refreshPanels();
      }
      const live = $("live");
      if (live) live.textContent = "live · " + new Date(snap.time).toLocaleTimeString();
      if (heatChanged) scheduleHeat();
      updateNotice();
    },
  }));
}

// renderPanels shows a live snapshot: the status always, the top hashtags
// and counts when nothing narrows them (panelsLive; else refreshPanels
// asks the API), and the languages held in the language select.
function renderPanels(snap) {
  renderStatus(snap);
  if (panelsLive(st.selection)) {
    showTop(snap.top);
    renderCounts(snap, st.selection);
    $("panels-where").textContent = "whole world · " + describe({ ...st.selection, tag: "" });
  }
  fillLanguages($("lang"), snap.counts || [], st.selection.lang);
}

function showTop(top) {
  renderTop({ top }, st.selection, (lang, tag) => {
    st.select({ lang, tag });
    selectionChanged(true);
  });
}

// refreshPanels asks /api/top and /api/counts for the map's area (unless
// "whole world"), the range or window, and the search, when the query
// changed or its answer is PANELS_REFRESH_MS old.
async function refreshPanels() {
  if (embed) return;
  const s = st.selection;
  if (panelsLive(s)) {
    st.panels.forget();
    if (st.lastSnap) renderPanels(st.lastSnap);
    return;
  }
  const area = panelArea(s, view()?.bbox);
  if (area === undefined) return;
  const tq = topParams(s, area), cq = countsParams(s, area, st.head);
  const key = tq.toString() + "|" + cq.toString();
  const now = Date.now();
  if (!st.panels.due(key, now)) return;
  const abort = st.panels.starting(key, now);
  try {
    const [top, counts] = await Promise.all([get("/api/top", tq, abort.signal), get("/api/counts", cq, abort.signal)]);
    if (!st.panels.answered(key, { top, counts })) return;
    showTop(top);
    renderCounts({ counts }, st.selection);
    $("panels-where").textContent = (area ? "the map's area" : "whole world") + " · " + describe({ ...s, tag: "" });
    mark("panelsKey", key);
    bump("panelsSeq");
  } catch (e) {
    if (e.name === "AbortError") return;
    $("panels-where").textContent = `Unavailable: ${e.message}`;
  }
}

// refreshHist asks /api/histogram for the selection (without its range:
// the histogram is where a range is picked) in the map's area.
async function refreshHist() {
  if (embed || !hist) return;
  const s = st.selection;
  const area = panelArea(s, view()?.bbox);
  if (area === undefined) return;
  const q = histogramParams(s, area);
  const key = q.toString();
  const now = Date.now();
  if (!st.hist.due(key, now)) return;
  const abort = st.hist.starting(key, now);
  try {
    const d = await get("/api/histogram", q, abort.signal);
    if (!st.hist.answered(key, d)) return;
    st.histogram(histView(d));
    showHist();
    mark("histKey", key);
    bump("histSeq");
  } catch (e) {
    if (e.name === "AbortError") return;
    hist.show(null, null, `Histogram unavailable: ${e.message}`);
  }
}

function showHist() {
  if (!hist) return;
  const s = st.selection;
  hist.show(st.histView, hasRange(s) ? { from: s.from, to: s.to } : null, st.hist.data?.note);
}

// refreshPosts lists the kept posts near the last click, for the current
// selection; a click asks once, a selection change asks again.
async function refreshPosts() {
  if (embed || !st.clicked) return;
  const { lat, lon, zoom } = st.clicked;
  const box = clickArea(lat, lon, zoom);
  if (!box) return;
  const s = st.selection;
  const q = postsParams(s, box, st.head);
  const key = q.toString();
  if (!st.posts.due(key, Date.now())) return;
  const abort = st.posts.starting(key, Date.now());
  const where = `near ${lat.toFixed(3)}, ${lon.toFixed(3)} · ` + describe(s);
  renderPosts({ rows: [], note: "Loading…" }, where);
  try {
    const d = await get("/api/posts", q, abort.signal);
    if (!st.posts.answered(key, d)) return;
    renderPosts(postsView(d), where);
    mark("postsKey", key);
    bump("postsSeq");
  } catch (e) {
    if (e.name === "AbortError") return;
    renderPosts({ rows: [], note: `Posts unavailable: ${e.message}` }, where);
  }
}

function updateDownloads() {
  if (embed) return;
  renderDownloads(downloads(st.selection, view(), st.head));
}

// refreshTrends asks /api/trends for the selection's language in the map's
// area (or the whole world) when the query changed or its answer is
// TRENDS_REFRESH_MS old; it is called on every occasion (live tick,
// selection change, map move) and never holds up the map.
async function refreshTrends() {
  if (embed) return;
  const q = trendsParams(st.selection, view()?.bbox);
  const key = q && q.toString();
  const now = Date.now();
  if (!st.trends.due(key, now)) return;
  const abort = st.trends.starting(key, now);
  try {
    const d = await get("/api/trends", q, abort.signal);
    if (!st.trends.answered(key, d)) return;
    renderTrends(d, st.selection, pickTrend);
    mark("trendsKey", key);
    bump("trendsSeq");
  } catch (e) {
    if (e.name === "AbortError") return;
    renderTrendsFailed(e.message);
  }
}

// pickTrend maps a trending tag, as a click on a top hashtag does.
function pickTrend(tag) {
  st.select({ tag });
  selectionChanged(true);
}

function scheduleHeat() {
  const wait = st.heatDelay(Date.now());
  if (wait === null) return;
  st.heatScheduled(setTimeout(() => {
    st.heatTimerFired();
    refreshHeat();
  }, wait));
}

// refreshHeat asks the server for the cells of the visible area and draws
// them: as heat (density), or as circles coloured by language or share.
async function refreshHeat() {
  const map = st.map;
  if (!map) return;
  const abort = st.heatStarting(Date.now());
  const s = st.selection;
  const v = map.view();
  const q = heatParams(s, v.bbox, v.zoom);
  const key = heatKey(s);
  const density = s.mode === "density";
  // In density mode the inferred points (profile, text) are a layer of
  // their own, only when asked for.
  let qi;
  if (density && s.inferred) {
    qi = new URLSearchParams(q);
    qi.set("geo", "inferred");
  }
  try {
    const [d, di] = await Promise.all([get("/api/heat", q, abort.signal), qi ? get("/api/heat", qi, abort.signal) : null]);
    if (abort.signal.aborted) return;
    if (density) {
      await map.setCells(d.cells, d.max_weight, di && { cells: di.cells, maxWeight: di.max_weight });
    } else {
      langs = s.mode === "lang" && Array.isArray(d.langs) ? d.langs : [];
      drawLegend();
      await map.setCircles(modeFeatures(s.mode, d.cells));
    }
    if (abort.signal.aborted) return;
    st.heatDrawn(d, di, key);
    $("heat-info").textContent = `${fmtInt(d.points)} points in ${fmtInt(d.cells.length)} cells` +
      (di ? ` + ${fmtInt(di.points)} inferred points in ${fmtInt(di.cells.length)} cells` : "") +
      (st.lastHeat.truncated ? " (the lightest cells are left out)" : "") + " · " + describe(s);
    mark("heatPoints", d.points);
    mark("heatInferred", di ? di.points : "off");
    mark("heatCells", d.cells.length);
    mark("heatKey", key);
    bump("heatSeq");
    updateNotice();
  } catch (e) {
    if (e.name === "AbortError") return;
    notice([`Heat: ${e.message}`], true);
  }
}

// drawLegend explains what the map's colours mean: the two ramps while
// inferred points are drawn as heat, each colour's language in lang mode,
// the share ramp in share mode. Density of the platform's points alone
// has one ramp and nothing to tell apart.
function drawLegend() {
  const box = $("legend");
  if (!box) return;
  const s = st.selection;
  const ramp = (css, label) => {
    const sw = el("span", { class: "swatch" });
    sw.style.background = css;
    return el("div", { class: "legend-row" }, [sw, el("span", { text: label })]);
  };
  let rows = [];
  if (s.mode === "lang") {
    rows = langLegend(langs).map((l) => {
      const dot = el("span", { class: "dot" });
      dot.style.background = l.colour;
      const row = el("div", { class: "legend-row" }, [dot, el("span", { text: l.label })]);
      row.dataset.lang = l.lang;
      row.dataset.colour = l.colour;
      return row;
    });
    if (!rows.length) rows = [el("div", { text: "no languages in view" })];
  } else if (s.mode === "share") {
    const css = `linear-gradient(to right, ${SHARE_STOPS.map(([, c]) => `rgb(${c.join(",")})`).join(", ")})`;
    rows = [el("div", { text: "share of all posts in the cell" }), ramp(css, "0 % → 100 %")];
  } else if (s.inferred) {
    rows = [ramp(gradient(RAW.heat), "platform location: exact coordinates, places"),
      ramp(gradient(RAW.inferred), "inferred: author's profile, place named in the text")];
  }
  box.hidden = rows.length === 0;
  box.replaceChildren(...rows);
  mark("legendMode", s.mode + (s.inferred ? "+inferred" : ""));
}

function updateNotice() {
  const { msgs, bad } = st.notices();
  notice(msgs, bad);
}

function notice(msgs, bad) {
  const n = $("notice");
  n.hidden = msgs.length === 0;
  n.className = "notice" + (bad ? " bad" : "");
  n.textContent = msgs.join(" ");
}

start();
