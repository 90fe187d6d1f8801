// geoheat's dashboard (/) and embeddable view (/embed): a live heatmap of
// the selected language, hashtag and time window, with status, the
// hashtags trending in the map's area, top hashtags and counts. The
// selection lives in the URL; all other state is state.js's, changed only
// through its transitions. This file performs the effects: DOM, network,
// timers.
import { $, el, fmtInt } from "./dom.js";
import { get } from "./api.js";
import { describe, heatKey, parseSelection, selectionParams, writeURL } from "./url.js";
import { DashboardState } from "./state.js";
import { createMapLibre } from "./maplibre-map.js";
import { gradient, RAW } from "./ramp.js";
import { fillLanguages, renderCounts, renderStatus, renderTop, renderTrends, renderTrendsFailed } from "./panels.js";
import { subscribe } from "./live.js";
import { trendsParams } from "./trends.js";

const embed = document.body.dataset.mode === "embed";
const st = new DashboardState(parseSelection(location.search));

// Test hooks and debugging aids: what the page has drawn so far.
const mark = (k, v) => (document.body.dataset[k] = String(v));

async function start() {
  try {
    st.configured(await get("/api/config"));
  } catch (e) {
    notice([`Cannot reach geoheat: ${e.message}`], true);
    return;
  }
  if (!embed) setupControls();
  drawLegend();
  await openMap();
  resubscribe();
  window.addEventListener("popstate", () => {
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
    }, 250);
  });
  refreshTrends();
  await refreshHeat();
}

function setupControls() {
  const lang = $("lang"), tag = $("tag"), win = $("window"), n = $("n"), basemap = $("basemap"), inferred = $("inferred");
  const trendsWorld = $("trends-world");
  basemap.replaceChildren(...st.cfg.basemaps.map((b) => el("option", { value: b,
    text: { osm: "OpenStreetMap", outline: "outlines (offline)", google: "Google Maps" }[b] || b })));
  fillLanguages(lang, [], st.selection.lang);
  syncControls();
  const change = (patch) => { st.select(patch); selectionChanged(true); };
  lang.addEventListener("change", () => change({ lang: lang.value }));
  tag.addEventListener("change", () => change({ tag: tag.value }));
  win.addEventListener("change", () => change(win.value === "n" && !st.selection.n ? { window: "n", n: n.value } : { window: win.value }));
  n.addEventListener("change", () => change({ n: n.value }));
  inferred.addEventListener("change", () => change({ inferred: inferred.checked }));
  trendsWorld.addEventListener("change", () => {
    st.select({ trendsWorld: trendsWorld.checked });
    writeURL(st.selection, true);
    refreshTrends();
  });
  basemap.addEventListener("change", () => {
    st.select({ basemap: basemap.value });
    writeURL(st.selection, true);
    openMap();
  });
  $("controls").addEventListener("submit", (e) => e.preventDefault());
}

function syncControls() {
  if (embed) return;
  const s = st.selection;
  $("lang").value = s.lang;
  $("tag").value = s.tag;
  $("window").value = s.window;
  $("n").value = String(s.n || 400);
  $("n-label").hidden = s.window !== "n";
  $("inferred").checked = s.inferred;
  $("trends-world").checked = s.trendsWorld;
  $("basemap").value = s.basemap;
}

function selectionChanged(push) {
  if (!embed) {
    writeURL(st.selection, push);
    syncControls();
    if (st.lastSnap) renderPanels(st.lastSnap);
    if (st.trends.data) renderTrends(st.trends.data, st.selection, pickTrend);
  }
  drawLegend();
  resubscribe();
  refreshHeat();
  refreshTrends();
}

function resubscribe() {
  st.resubscribe(() => subscribe(selectionParams(st.selection), {
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
      }
      const live = $("live");
      if (live) live.textContent = "live · " + new Date(snap.time).toLocaleTimeString();
      if (heatChanged) scheduleHeat();
      updateNotice();
    },
  }));
}

function renderPanels(snap) {
  renderStatus(snap);
  renderTop(snap, st.selection, (lang, tag) => {
    st.select({ lang, tag });
    selectionChanged(true);
  });
  renderCounts(snap, st.selection);
  fillLanguages($("lang"), snap.counts || [], st.selection.lang);
}

// refreshTrends asks /api/trends for the selection's language in the map's
// area (or the whole world) when the query changed or its answer is
// TRENDS_REFRESH_MS old; it is called on every occasion (live tick,
// selection change, map move) and never holds up the map.
async function refreshTrends() {
  if (embed) return;
  let view = null;
  try {
    view = st.map?.view().bbox;
  } catch {
    // A map still settling has no bounds yet: its next move end asks again.
  }
  const q = trendsParams(st.selection, view);
  const key = q && q.toString();
  const now = Date.now();
  if (!st.trends.due(key, now)) return;
  const abort = st.trends.starting(key, now);
  try {
    const d = await get("/api/trends", q, abort.signal);
    if (!st.trends.answered(key, d)) return;
    renderTrends(d, st.selection, pickTrend);
    mark("trendsKey", key);
    mark("trendsSeq", Number(document.body.dataset.trendsSeq || 0) + 1);
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

// refreshHeat asks the server for the cells of the visible area at a grid
// fine enough for the zoom (cells ~8 px wide) and draws them.
async function refreshHeat() {
  const map = st.map;
  if (!map) return;
  const abort = st.heatStarting(Date.now());
  const s = st.selection;
  const v = map.view();
  const q = selectionParams(s);
  q.set("bbox", v.bbox.map((x) => x.toFixed(4)).join(","));
  q.set("zoom", String(Math.max(0, Math.min(22, Math.round(v.zoom) + 2))));
  q.set("limit", "5000");
  const key = heatKey(s);
  // The platform's points (exact coordinates, places) always; the inferred
  // ones (profile, text) only when asked for, as a layer of their own.
  q.set("geo", "trusted");
  let qi;
  if (s.inferred) {
    qi = new URLSearchParams(q);
    qi.set("geo", "inferred");
  }
  try {
    const [d, di] = await Promise.all([get("/api/heat", q, abort.signal), qi ? get("/api/heat", qi, abort.signal) : null]);
    await map.setCells(d.cells, d.max_weight, di && { cells: di.cells, maxWeight: di.max_weight });
    if (abort.signal.aborted) return;
    st.heatDrawn(d, di, key);
    $("heat-info").textContent = `${fmtInt(d.points)} points in ${fmtInt(d.cells.length)} cells` +
      (di ? ` + ${fmtInt(di.points)} inferred points in ${fmtInt(di.cells.length)} cells` : "") +
      (st.lastHeat.truncated ? " (the lightest cells are left out)" : "") + " · " + describe(s);
    mark("heatPoints", d.points);
    mark("heatInferred", di ? di.points : "off");
    mark("heatCells", d.cells.length);
    mark("heatKey", key);
    mark("heatSeq", Number(document.body.dataset.heatSeq || 0) + 1);
    updateNotice();
  } catch (e) {
    if (e.name === "AbortError") return;
    notice([`Heat: ${e.message}`], true);
  }
}

// drawLegend explains the two ramps while inferred points are drawn; with
// only the platform's points there is one ramp and nothing to tell apart.
function drawLegend() {
  const box = $("legend");
  if (!box) return;
  box.hidden = !st.selection.inferred;
  if (box.hidden || box.childElementCount) return;
  const row = (stops, label) => {
    const sw = el("span", { class: "swatch" });
    sw.style.background = gradient(stops);
    return el("div", { class: "legend-row" }, [sw, el("span", { text: label })]);
  };
  box.replaceChildren(
    row(RAW.heat, "platform location: exact coordinates, places"),
    row(RAW.inferred, "inferred: author's profile, place named in the text"),
  );
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
