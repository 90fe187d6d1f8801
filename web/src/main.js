// geoheat's dashboard (/) and embeddable view (/embed): a live heatmap of
// the selected language, hashtag and time window, with status, top
// hashtags and counts. The selection lives in the URL.
import { $, el, fmtInt } from "./dom.js";
import { get } from "./api.js";
import { readState, selectionParams, writeState } from "./state.js";
import { createMapLibre, INFERRED_RAMP, RAMP } from "./maplibre-map.js";
import { fillLanguages, renderCounts, renderStatus, renderTop } from "./panels.js";
import { subscribe } from "./live.js";

const embed = document.body.dataset.mode === "embed";
const HEAT_MIN_INTERVAL = 2000; // live heat refetches at most every 2 s

let cfg;
let state = readState();
let map;
let unsubscribe = () => {};
let heatAbort;
let heatTimer;
let lastHeatAt = 0;
let heatVersion = -1;
let lastSnap;
let lastHeat;
let knownLangs = null; // null until the first snapshot
let tilesFailed = false;
let mapGen = 0;

// Test hooks and debugging aids: what the page has drawn so far.
const mark = (k, v) => (document.body.dataset[k] = String(v));

async function start() {
  try {
    cfg = await get("/api/config");
  } catch (e) {
    notice([`Cannot reach geoheat: ${e.message}`], true);
    return;
  }
  if (!cfg.basemaps.includes(state.basemap)) state.basemap = cfg.basemap;
  if (!embed) setupControls();
  drawLegend();
  await openMap();
  resubscribe();
  window.addEventListener("popstate", () => {
    const next = readState();
    const basemapChanged = next.basemap && next.basemap !== state.basemap;
    state = { ...next, basemap: next.basemap || state.basemap };
    syncControls();
    if (basemapChanged) openMap();
    selectionChanged(false);
  });
}

async function openMap() {
  const gen = ++mapGen;
  map?.destroy();
  map = null;
  const container = $("map");
  container.replaceChildren();
  tilesFailed = false;
  let m;
  try {
    if (state.basemap === "google") {
      const { createGoogle } = await import("./google-map.js");
      m = await createGoogle(container, cfg, state.at);
    } else {
      m = await createMapLibre(container, cfg, state.basemap, state.at, () => {
        tilesFailed = true;
        updateNotice();
      });
    }
  } catch (e) {
    notice([`The ${state.basemap} map failed: ${e.message}. Try the outline basemap.`], true);
    return;
  }
  if (gen !== mapGen) return m.destroy();
  map = m;
  mark("basemap", map.kind + ":" + state.basemap);
  let moveTimer;
  map.onMove(() => {
    const v = map.view();
    state.at = { zoom: v.zoom, lat: v.center.lat, lon: v.center.lng };
    if (!embed) writeState(state, false);
    clearTimeout(moveTimer);
    moveTimer = setTimeout(refreshHeat, 250);
  });
  await refreshHeat();
}

function setupControls() {
  const lang = $("lang"), tag = $("tag"), win = $("window"), n = $("n"), basemap = $("basemap"), inferred = $("inferred");
  basemap.replaceChildren(...cfg.basemaps.map((b) => {
    const o = document.createElement("option");
    o.value = b;
    o.textContent = { osm: "OpenStreetMap", outline: "outlines (offline)", google: "Google Maps" }[b] || b;
    return o;
  }));
  fillLanguages(lang, [], state.lang);
  syncControls();
  lang.addEventListener("change", () => { state.lang = lang.value; selectionChanged(true); });
  tag.addEventListener("change", () => { state.tag = tag.value.trim().replace(/^#/, ""); selectionChanged(true); });
  win.addEventListener("change", () => {
    state.window = win.value;
    if (state.window === "n" && !state.n) state.n = Number(n.value) || 400;
    selectionChanged(true);
  });
  n.addEventListener("change", () => { state.n = Math.max(1, Number(n.value) || 400); selectionChanged(true); });
  inferred.addEventListener("change", () => { state.inferred = inferred.checked; selectionChanged(true); });
  basemap.addEventListener("change", () => { state.basemap = basemap.value; writeState(state, true); openMap(); });
  $("controls").addEventListener("submit", (e) => e.preventDefault());
}

function syncControls() {
  if (embed) return;
  $("lang").value = state.lang;
  $("tag").value = state.tag;
  $("window").value = state.window;
  $("n").value = String(state.n || 400);
  $("n-label").hidden = state.window !== "n";
  $("inferred").checked = state.inferred;
  $("basemap").value = state.basemap;
}

function selectionChanged(push) {
  if (!embed) {
    writeState(state, push);
    syncControls();
    if (lastSnap) renderPanels(lastSnap);
  }
  drawLegend();
  resubscribe();
  refreshHeat();
}

function resubscribe() {
  unsubscribe();
  heatVersion = -1;
  unsubscribe = subscribe(selectionParams(state), {
    onState(ok) {
      const live = $("live");
      if (live) {
        live.className = "live " + (ok ? "ok" : "bad");
        live.textContent = ok ? "live" : "reconnecting…";
      }
    },
    onSnapshot(snap) {
      lastSnap = snap;
      mark("liveSeq", snap.seq);
      // The URL may name a language by code (es) or NLTK name (spanish).
      knownLangs = new Set((snap.counts || []).flatMap((c) => [c.lang, c.name]));
      if (!embed) renderPanels(snap);
      const live = $("live");
      if (live) live.textContent = "live · " + new Date(snap.time).toLocaleTimeString();
      if (snap.heat_version !== heatVersion) {
        const first = heatVersion === -1;
        heatVersion = snap.heat_version;
        if (!first) scheduleHeat();
      }
      updateNotice();
    },
  });
}

function renderPanels(snap) {
  renderStatus(snap);
  renderTop(snap, state, (lang, tag) => {
    state.lang = lang;
    state.tag = tag;
    selectionChanged(true);
  });
  renderCounts(snap, state);
  fillLanguages($("lang"), snap.counts || [], state.lang);
}

function scheduleHeat() {
  if (heatTimer) return;
  const wait = Math.max(0, HEAT_MIN_INTERVAL - (Date.now() - lastHeatAt));
  heatTimer = setTimeout(() => {
    heatTimer = null;
    refreshHeat();
  }, wait);
}

// refreshHeat asks the server for the cells of the visible area at a grid
// fine enough for the zoom (cells ~8 px wide) and draws them.
async function refreshHeat() {
  if (!map) return;
  heatAbort?.abort();
  const abort = (heatAbort = new AbortController());
  lastHeatAt = Date.now();
  const v = map.view();
  const q = selectionParams(state);
  q.set("bbox", v.bbox.map((x) => x.toFixed(4)).join(","));
  q.set("zoom", String(Math.max(0, Math.min(22, Math.round(v.zoom) + 2))));
  q.set("limit", "5000");
  const key = heatKey();
  // The platform's points (exact coordinates, places) always; the inferred
  // ones (profile, text) only when asked for, as a layer of their own.
  q.set("geo", "trusted");
  let qi;
  if (state.inferred) {
    qi = new URLSearchParams(q);
    qi.set("geo", "inferred");
  }
  try {
    const [d, di] = await Promise.all([get("/api/heat", q, abort.signal), qi ? get("/api/heat", qi, abort.signal) : null]);
    await map.setCells(d.cells, d.max_weight, di && { cells: di.cells, maxWeight: di.max_weight });
    if (abort.signal.aborted) return;
    lastHeat = { ...d, key, inferred: di ? di.points : 0 };
    const info = $("heat-info");
    info.textContent = `${fmtInt(d.points)} points in ${fmtInt(d.cells.length)} cells` +
      (di ? ` + ${fmtInt(di.points)} inferred points in ${fmtInt(di.cells.length)} cells` : "") +
      (d.truncated || di?.truncated ? " (the lightest cells are left out)" : "") + " · " + describe();
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

// heatKey identifies what the drawn heat selects (the live stream's
// selection plus the inferred layer).
function heatKey() {
  const q = selectionParams(state);
  if (state.inferred) q.set("inferred", "1");
  return q.toString();
}

// drawLegend explains the two ramps while inferred points are drawn; with
// only the platform's points there is one ramp and nothing to tell apart.
function drawLegend() {
  const box = $("legend");
  if (!box) return;
  box.hidden = !state.inferred;
  if (box.hidden || box.childElementCount) return;
  const row = (ramp, label) => {
    const sw = el("span", { class: "swatch" });
    sw.style.background = `linear-gradient(to right, ${ramp.slice(1).map(([, c]) => c).join(", ")})`;
    return el("div", { class: "legend-row" }, [sw, el("span", { text: label })]);
  };
  box.replaceChildren(
    row(RAMP, "platform location: exact coordinates, places"),
    row(INFERRED_RAMP, "inferred: author's profile, place named in the text"),
  );
}

function describe() {
  const parts = [state.lang || "all languages"];
  if (state.tag) parts.push("#" + state.tag);
  parts.push(state.window === "n" ? `${state.n || 400} most recent` : state.window === "all" ? "all held" : "last " + state.window);
  return parts.join(" · ");
}

// updateNotice shows the empty and error states: unknown language, no geo
// yet, source ended or failing, tiles unreachable.
function updateNotice() {
  const msgs = [];
  let bad = false;
  if (state.lang && knownLangs && !knownLangs.has(state.lang)) {
    msgs.push(`No posts in language “${state.lang}”: unknown, or not seen yet.`);
  } else if (lastHeat && lastHeat.points === 0 && !lastHeat.inferred && lastHeat.key === heatKey()) {
    msgs.push(state.tag ? `No geo-tagged posts with #${state.tag} here yet.` : "No geo-tagged posts for this selection here yet.");
  }
  const src = lastSnap?.source;
  if (src?.state === "error") {
    msgs.push(`Source failing: ${src.error || "unknown error"}`);
    bad = true;
  } else if (src?.state === "done") {
    msgs.push("The source has ended: showing what was recorded.");
  }
  if (tilesFailed && state.basemap === "osm") msgs.push("Map tiles unreachable: showing the offline country outlines.");
  notice(msgs, bad);
}

function notice(msgs, bad) {
  const n = $("notice");
  n.hidden = msgs.length === 0;
  n.className = "notice" + (bad ? " bad" : "");
  n.textContent = msgs.join(" ");
}

start();
