import { test } from "node:test";
import assert from "node:assert/strict";
import { cleanTag, describe, heatKey, parseSelection, selectionParams, selectionSearch } from "../src/url.js";

const base = { lang: "", tag: "", window: "1h", n: 0, inferred: false, trendsWorld: false, basemap: "", at: null };

test("parseSelection", async (t) => {
  for (const [search, want] of [
    ["", base],
    ["?lang=es&tag=%23futbol&window=5m", { ...base, lang: "es", tag: "futbol", window: "5m" }],
    ["?lang=all", base],
    ["?lang=%20es%20&tag=%20%23a%20", { ...base, lang: "es", tag: "a" }],
    ["?n=400", { ...base, window: "n", n: 400 }],
    ["?n=5000000", { ...base, window: "n", n: 1000000 }],
    ["?n=0&window=all", { ...base, window: "all" }],
    ["?n=-3", base],
    ["?inferred=1&basemap=outline", { ...base, inferred: true, basemap: "outline" }],
    ["?inferred=true", base],
    ["?trends=world", { ...base, trendsWorld: true }],
    ["?trends=1", base],
    ["?at=3.5/40.1/-3.7", { ...base, at: { zoom: 3.5, lat: 40.1, lon: -3.7 } }],
    ["?at=3/40", base],
    ["?at=a/b/c", base],
    ["?tag=%3Cimg%20src%3Dx%3E", { ...base, tag: "<img src=x>" }], // kept as text; the DOM gets it via textContent
  ]) {
    await t.test(search || "(empty)", () => assert.deepEqual(parseSelection(search), want));
  }
});

test("selectionSearch round-trips through parseSelection", () => {
  for (const s of [
    base,
    { ...base, lang: "es", tag: "fútbol & más", window: "24h" },
    { ...base, window: "n", n: 250, inferred: true, basemap: "google" },
    { ...base, trendsWorld: true },
    { ...base, window: "all", at: { zoom: 4.25, lat: -33.869, lon: 151.209 } },
  ]) {
    assert.deepEqual(parseSelection("?" + selectionSearch(s)), s);
  }
});

test("selectionSearch leaves defaults out", () => {
  assert.equal(selectionSearch(base), "window=1h");
  assert.equal(selectionSearch({ ...base, window: "all" }), "window=all");
  assert.equal(selectionSearch({ ...base, at: { zoom: 1, lat: 2.00049, lon: -3 } }), "window=1h&at=1.00%2F2.000%2F-3.000");
});

test("selectionParams are what /api/heat and /api/live share", () => {
  assert.equal(selectionParams({ ...base, lang: "es", tag: "x", inferred: true, basemap: "osm" }).toString(), "lang=es&tag=x&window=1h");
  assert.equal(selectionParams({ ...base, window: "n", n: 0 }).toString(), "n=400");
  assert.equal(selectionParams({ ...base, window: "all" }).toString(), "");
});

test("heatKey tells the inferred layer apart", () => {
  assert.notEqual(heatKey(base), heatKey({ ...base, inferred: true }));
  assert.equal(heatKey(base), heatKey({ ...base, trendsWorld: true }));
  assert.equal(heatKey(base), heatKey({ ...base, basemap: "google", at: { zoom: 1, lat: 0, lon: 0 } }));
});

test("describe", () => {
  assert.equal(describe(base), "all languages · last 1h");
  assert.equal(describe({ ...base, lang: "spanish", tag: "x", window: "n", n: 9 }), "spanish · #x · 9 most recent");
  assert.equal(describe({ ...base, window: "all" }), "all languages · all held");
});

test("cleanTag", () => {
  assert.equal(cleanTag("  #futbol "), "futbol");
  assert.equal(cleanTag("##a"), "#a");
});
