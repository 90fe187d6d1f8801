import { test } from "node:test";
import assert from "node:assert/strict";
import { DashboardState, HEAT_MIN_INTERVAL } from "../src/state.js";
import { parseSelection } from "../src/url.js";

const cfg = { basemap: "osm", basemaps: ["osm", "outline"] };
const fresh = (search = "") => {
  const st = new DashboardState(parseSelection(search));
  st.configured(cfg);
  return st;
};

test("configured falls back to the server's basemap", () => {
  assert.equal(fresh("?basemap=google").selection.basemap, "osm");
  assert.equal(fresh("?basemap=outline").selection.basemap, "outline");
  assert.equal(fresh("").selection.basemap, "osm");
});

test("select normalises what the user typed and never mutates", () => {
  const st = fresh();
  const before = st.selection;
  assert.equal(st.select({ tag: "  #futbol " }).tag, "futbol");
  assert.equal(before.tag, "");
  assert.equal(st.select({ window: "n" }).n, 400);
  assert.equal(st.select({ n: "-5" }).n, 1);
  assert.equal(st.select({ n: "abc" }).n, 400);
  assert.equal(st.select({ n: "99999999" }).n, 1000000);
  assert.equal(st.select({ n: "12.6" }).n, 13);
});

test("navigated keeps the basemap unless the URL names an offered one", () => {
  const st = fresh("?basemap=outline");
  assert.equal(st.navigated(parseSelection("?lang=es")), false);
  assert.equal(st.selection.basemap, "outline");
  assert.equal(st.selection.lang, "es");
  assert.equal(st.navigated(parseSelection("?basemap=google")), false);
  assert.equal(st.selection.basemap, "outline");
  assert.equal(st.navigated(parseSelection("?basemap=osm")), true);
  assert.equal(st.selection.basemap, "osm");
});

test("moved keeps the view for the URL", () => {
  const st = fresh();
  st.moved({ zoom: 3, center: { lat: 40, lng: -3 } });
  assert.deepEqual(st.selection.at, { zoom: 3, lat: 40, lon: -3 });
});

test("a map that lost the race to a later open is not adopted", () => {
  const st = fresh();
  const a = st.mapOpening();
  assert.equal(a.old, null);
  const b = st.mapOpening();
  assert.equal(st.mapOpened(a.gen, "map A"), false);
  assert.equal(st.map, null);
  assert.equal(st.mapOpened(b.gen, "map B"), true);
  st.tilesFailing();
  const c = st.mapOpening();
  assert.equal(c.old, "map B");
  assert.equal(st.map, null);
  assert.equal(st.tilesFailed, false);
});

test("resubscribe closes the old stream and resets the heat baseline", () => {
  const st = fresh();
  let closed = 0;
  st.resubscribe(() => () => closed++);
  st.snapshot({ heat_version: 7 });
  st.resubscribe(() => () => closed++);
  assert.equal(closed, 1);
  assert.equal(st.heatVersion, -1);
});

test("snapshot asks for heat only when the heat changed after the first", () => {
  const st = fresh();
  assert.equal(st.snapshot({ heat_version: 3, counts: [{ lang: "es", name: "spanish" }] }), false);
  assert.deepEqual([...st.knownLangs], ["es", "spanish"]);
  assert.equal(st.snapshot({ heat_version: 3 }), false);
  assert.equal(st.snapshot({ heat_version: 4 }), true);
  assert.equal(st.knownLangs.size, 0);
});

test("heat refetches keep their minimum interval and one schedule", () => {
  const st = fresh();
  st.heatStarting(10_000);
  assert.equal(st.heatDelay(10_500), HEAT_MIN_INTERVAL - 500);
  assert.equal(st.heatDelay(20_000), 0);
  st.heatScheduled(1);
  assert.equal(st.heatDelay(20_000), null);
  st.heatTimerFired();
  assert.equal(st.heatDelay(20_000), 0);
});

test("heatStarting aborts the request in flight", () => {
  const st = fresh();
  const a = st.heatStarting(1);
  const b = st.heatStarting(2);
  assert.equal(a.signal.aborted, true);
  assert.equal(b.signal.aborted, false);
  assert.equal(st.lastHeatAt, 2);
});

test("notices", async (t) => {
  const heat = (points) => ({ points, cells: [] });
  for (const [name, setup, want] of [
    ["nothing yet", () => {}, { msgs: [], bad: false }],
    ["unknown language", (st) => { st.select({ lang: "xx" }); st.snapshot({ heat_version: 1, counts: [] }); },
      { msgs: ["No posts in language “xx”: unknown, or not seen yet."], bad: false }],
    ["language known by name", (st) => { st.select({ lang: "spanish" }); st.snapshot({ heat_version: 1, counts: [{ lang: "es", name: "spanish" }] }); },
      { msgs: [], bad: false }],
    ["no geo for the drawn selection", (st) => { st.select({ tag: "x" }); st.heatDrawn(heat(0), null, "tag=x&window=1h"); },
      { msgs: ["No geo-tagged posts with #x here yet."], bad: false }],
    ["no geo, but for an older selection", (st) => { st.heatDrawn(heat(0), null, "tag=y&window=1h"); },
      { msgs: [], bad: false }],
    ["no trusted geo, inferred some", (st) => { st.select({ inferred: true }); st.heatDrawn(heat(0), heat(5), "window=1h&inferred=1"); },
      { msgs: [], bad: false }],
    ["source failing", (st) => st.snapshot({ heat_version: 1, source: { state: "error", error: "HTTP 401" } }),
      { msgs: ["Source failing: HTTP 401"], bad: true }],
    ["source done", (st) => st.snapshot({ heat_version: 1, source: { state: "done" } }),
      { msgs: ["The source has ended: showing what was recorded."], bad: false }],
    ["tiles failed on osm", (st) => st.tilesFailing(), { msgs: ["Map tiles unreachable: showing the offline country outlines."], bad: false }],
    ["tiles failed, outline chosen since", (st) => { st.tilesFailing(); st.select({ basemap: "outline" }); }, { msgs: [], bad: false }],
  ]) {
    await t.test(name, () => {
      const st = fresh();
      setup(st);
      assert.deepEqual(st.notices(), want);
    });
  }
});

test("a brushed range replaces the window until a window is chosen", () => {
  const st = fresh("?window=24h");
  assert.deepEqual([st.brushed(100, 200).from, st.selection.to], [100, 200]);
  assert.equal(st.selection.window, "24h", "the window is kept for when the range clears");
  assert.equal(st.brushed(300, 200).from, null, "a backward range clears");
  st.brushed(100, 200);
  assert.equal(st.select({ window: "1h" }).from, null);
  st.brushed(100, 200);
  assert.equal(st.select({ n: 5 }).to, null);
  st.brushed(100, 200);
  assert.equal(st.select({ lang: "es" }).from, 100, "other choices keep it");
  assert.equal(st.clearRange().from, null);
});

test("select cleans the search and the mode", () => {
  const st = fresh();
  assert.equal(st.select({ q: "  a   b " }).q, "a b");
  assert.equal(st.select({ mode: "lang" }).mode, "lang");
  assert.equal(st.select({ mode: "bogus" }).mode, "density");
});

test("the player steps frames through the histogram, then stops", async () => {
  const { histView } = await import("../src/timeline.js");
  const st = fresh();
  assert.equal(st.playing(true), false, "no histogram, no play");
  assert.equal(st.playFrame(), null);
  st.histogram(histView({ step_s: 60, buckets: Array.from({ length: 10 }, (_, i) => [6000 + i * 60, 1, 1]) }));
  st.playSettings({ step: 300 });
  assert.equal(st.playing(true), true);
  const seen = [];
  for (let s; (s = st.playFrame());) seen.push([s.from, s.to]);
  assert.deepEqual(seen, [[6000, 6300], [6300, 6600]]);
  assert.equal(st.play.on, false);
  assert.deepEqual([st.selection.from, st.selection.to], [6300, 6600], "the last frame stays");
  assert.equal(st.head, 6600);
});

test("Requests: a new query at once, the same one after the refresh", async () => {
  const { Requests } = await import("../src/state.js");
  const r = new Requests(1000);
  assert.equal(r.due(null, 0), false);
  assert.equal(r.due("a", 0), true);
  const first = r.starting("a", 0);
  assert.equal(r.due("a", 999), false);
  assert.equal(r.due("a", 1000), true);
  assert.equal(r.due("b", 1), true);
  r.starting("b", 1);
  assert.equal(first.signal.aborted, true);
  assert.equal(r.answered("a", 1), false, "stale");
  assert.equal(r.answered("b", 2), true);
  assert.equal(r.data, 2);
  r.forget();
  assert.equal(r.due("b", 2), true);
});

test("a click opens the posts panel and asks anew", () => {
  const st = fresh();
  st.posts.starting("k", 0);
  st.mapClicked(40, -3, 5);
  assert.deepEqual(st.clicked, { lat: 40, lon: -3, zoom: 5 });
  assert.equal(st.posts.due("k", 1), true);
  st.postsClosed();
  assert.equal(st.clicked, null);
});
