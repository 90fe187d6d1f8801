import { test } from "node:test";
import assert from "node:assert/strict";
import { countsParams, downloads, heatParams, snapOut, histogramParams, panelArea, panelsLive, postsParams, timeSpan, topParams } from "../src/query.js";
import { parseSelection } from "../src/url.js";

const T0 = 1796565600;
const sel = (search) => parseSelection(search);
const view = [-10.123456, 35, 5, 45];

test("panelArea: the map's area unless whole world; undefined without a view", () => {
  assert.deepEqual(panelArea(sel(""), view), [-10.1235, 35, 5, 45]);
  assert.equal(panelArea(sel("?world=1"), view), null);
  assert.equal(panelArea(sel("?trends=world"), undefined), null);
  assert.equal(panelArea(sel(""), undefined), undefined);
});

test("timeSpan: the range, else the window back from the head", () => {
  assert.deepEqual(timeSpan(sel(`?from=${T0}&to=${T0 + 60}`), T0 + 999), { from: T0, to: T0 + 60 });
  assert.deepEqual(timeSpan(sel("?window=1h"), T0), { from: T0 - 3600, to: null });
  assert.deepEqual(timeSpan(sel("?window=1h"), undefined), { from: null, to: null });
  assert.deepEqual(timeSpan(sel("?window=all"), T0), { from: null, to: null });
  assert.deepEqual(timeSpan(sel("?n=50"), T0), { from: null, to: null });
});

test("histogramParams: the selection without its range, in the area", () => {
  const s = sel(`?lang=es&tag=x&q=rain&from=${T0}&inferred=1`);
  assert.equal(histogramParams(s, [1, 2, 3, 4]).toString(), "lang=es&tag=x&q=rain&bbox=1%2C2%2C3%2C4&geo=all&buckets=120");
  assert.equal(histogramParams(sel(""), null).toString(), "buckets=120");
});

test("topParams: area, search, range or window; never last", () => {
  assert.equal(topParams(sel("?window=1h"), [1, 2, 3, 4]).toString(), "n=3&bbox=1%2C2%2C3%2C4&window=1h");
  assert.equal(topParams(sel(`?lang=es&q=a&from=${T0}&to=${T0 + 60}`), null).toString(), `lang=es&n=10&q=a&from=${T0}&to=${T0 + 60}`);
  assert.equal(topParams(sel("?window=all&inferred=1"), [1, 2, 3, 4]).toString(), "n=3&bbox=1%2C2%2C3%2C4&geo=all");
  assert.equal(topParams(sel("?n=9"), null).toString(), "n=3");
});

test("countsParams: span and area only", () => {
  assert.equal(countsParams(sel("?lang=es&tag=x&window=1h"), [1, 2, 3, 4], T0).toString(), `from=${T0 - 3600}&bbox=1%2C2%2C3%2C4`);
  assert.equal(countsParams(sel("?window=all"), null, T0).toString(), "");
});

test("panelsLive: only the whole world, without range or search", () => {
  assert.equal(panelsLive(sel("?world=1")), true);
  assert.equal(panelsLive(sel("")), false);
  assert.equal(panelsLive(sel(`?world=1&from=${T0}`)), false);
  assert.equal(panelsLive(sel("?world=1&q=a")), false);
});

test("postsParams: the selection in the box", () => {
  const q = postsParams(sel(`?lang=en&tag=t&q=w&from=${T0}&to=${T0 + 60}`), [1, 2, 3, 4], T0);
  assert.equal(q.toString(), `lang=en&tag=t&q=w&bbox=1%2C2%2C3%2C4&from=${T0}&to=${T0 + 60}&n=20`);
});

test("heatParams: the selection, the mode, and one layer's provenances", () => {
  const d = heatParams(sel("?window=all&inferred=1"), view, 3.4);
  assert.equal(d.get("geo"), "trusted");
  assert.equal(d.get("mode"), null);
  assert.equal(d.get("zoom"), "5");
  // The view widened to the finest summary cells (22.5/128°) and 1e-7° beyond.
  assert.equal(d.get("bbox"), "-10.19531260,34.98046865,5.09765635,45.00000010");
  const l = heatParams(sel(`?mode=lang&inferred=1&from=${T0}&q=a`), view, 1);
  assert.equal(l.get("mode"), "lang");
  assert.equal(l.get("geo"), "all");
  assert.equal(l.get("from"), String(T0));
  assert.equal(l.get("window"), null);
  assert.equal(l.get("q"), "a");
  assert.equal(heatParams(sel("?mode=share"), view, 1).get("geo"), "trusted");
});

test("downloads: GeoJSON and CSV links of the current view", () => {
  const links = downloads(sel(`?mode=share&tag=x&from=${T0}`), { bbox: view, zoom: 2 }, T0);
  const hrefs = links.map((l) => l.href);
  assert.ok(hrefs.some((h) => h.startsWith("/api/heat?") && h.includes("mode=share") && h.endsWith("format=geojson")));
  assert.ok(hrefs.some((h) => h.startsWith("/api/heat?") && h.endsWith("format=csv")));
  for (const p of ["/api/posts", "/api/histogram", "/api/top", "/api/counts"]) {
    assert.ok(hrefs.some((h) => h.startsWith(p + "?") && h.includes("format=csv")), p);
  }
  assert.ok(hrefs.some((h) => h.startsWith("/api/posts?") && h.includes("format=geojson") && h.includes("bbox=")));
  for (const l of links) assert.ok(["geojson", "csv"].includes(l.format));
  // Without a map view: no heat link, and with whole world no area.
  const world = downloads(sel("?world=1"), null, T0);
  assert.ok(world.every((l) => !l.href.startsWith("/api/heat") && !l.href.includes("bbox=")));
});

test("snapOut: outwards, on the finest cells, clamped to the poles", () => {
  const fine = 22.5 / 128;
  const [w, s, e, n] = snapOut([-3.7, 40.3, -3.6, 40.5]);
  assert.ok(w < -3.7 && w > -3.7 - fine && s < 40.3 && e > -3.6 && n > 40.5 && n < 40.5 + fine);
  for (const [v, off] of [[w, 180], [s, 90], [e, 180], [n, 90]]) {
    const k = (v + off) / fine;
    assert.ok(Math.abs(k - Math.round(k)) < 1e-5, `${v} is not on a cell edge`);
  }
  assert.deepEqual(snapOut([-180, -90, 180, 90]).map((x) => Math.round(x)), [-180, -90, 180, 90]);
  assert.equal(snapOut([-180, -90, 180, 90])[1], -90);
  assert.equal(snapOut([-180, -90, 180, 90])[3], 90);
});
