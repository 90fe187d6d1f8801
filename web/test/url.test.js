import { test } from "node:test";
import assert from "node:assert/strict";
import { cleanQ, cleanTag, describe, formatTime, hasRange, heatKey, liveParams, MAX_Q, parseSelection, parseTime,
  selectionParams, selectionSearch } from "../src/url.js";

const base = { lang: "", tag: "", q: "", window: "1h", n: 0, from: null, to: null, mode: "density", inferred: false,
  world: false, basemap: "", at: null };
const T0 = 1796565600; // 2026-12-06T14:00:00Z

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
    ["?trends=world", { ...base, world: true }], // the old name of world=1
    ["?world=1", { ...base, world: true }],
    ["?world=true", base],
    ["?trends=1", base],
    ["?from=2026-12-06T14:00:00Z&to=1796569200", { ...base, from: T0, to: T0 + 3600 }],
    ["?from=2026-12-06T15:00:00%2B01:00", { ...base, from: T0 }],
    ["?to=2026-12-06T14:00:00.750Z", { ...base, to: T0 }],
    ["?from=yesterday&to=2026-12-06", base], // malformed: ignored
    ["?from=1796569200&to=1796565600", base], // backwards: dropped whole
    ["?from=1796565600&to=1796565600", base], // empty
    ["?q=%20storm%20%20warning%20", { ...base, q: "storm warning" }],
    ["?mode=lang", { ...base, mode: "lang" }],
    ["?mode=share", { ...base, mode: "share" }],
    ["?mode=%3Cscript%3E", base],
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
    { ...base, world: true },
    { ...base, from: T0, to: T0 + 60, q: "storm <b>", mode: "lang" },
    { ...base, from: T0, mode: "share", window: "all" },
    { ...base, to: T0 },
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

test("selectionSearch writes the range as RFC 3339, world=1 and the mode", () => {
  const q = new URLSearchParams(selectionSearch({ ...base, from: T0, to: T0 + 90, world: true, mode: "share", q: "a b" }));
  assert.equal(q.get("from"), "2026-12-06T14:00:00Z");
  assert.equal(q.get("to"), "2026-12-06T14:01:30Z");
  assert.equal(q.get("world"), "1");
  assert.equal(q.get("trends"), null);
  assert.equal(q.get("mode"), "share");
  assert.equal(q.get("q"), "a b");
  assert.equal(new URLSearchParams(selectionSearch(base)).get("mode"), null);
});

test("selectionParams are what /api/heat takes: the range replaces the window", () => {
  assert.equal(selectionParams({ ...base, lang: "es", tag: "x", inferred: true, basemap: "osm" }).toString(), "lang=es&tag=x&window=1h");
  assert.equal(selectionParams({ ...base, window: "n", n: 0 }).toString(), "n=400");
  assert.equal(selectionParams({ ...base, window: "all" }).toString(), "");
  assert.equal(selectionParams({ ...base, q: "rain", from: T0, to: T0 + 60 }).toString(), `q=rain&from=${T0}&to=${T0 + 60}`);
  assert.equal(selectionParams({ ...base, window: "n", to: T0 }).toString(), `to=${T0}`);
});

test("liveParams leave out what the stream does not take", () => {
  assert.equal(liveParams({ ...base, lang: "es", q: "rain", from: T0, to: T0 + 60, mode: "lang" }).toString(), "lang=es&window=1h");
});

test("parseTime and formatTime", () => {
  assert.equal(parseTime("1796565600"), T0);
  assert.equal(parseTime(" 0 "), 0);
  assert.equal(parseTime("2026-12-06T14:00:00Z"), T0);
  assert.equal(parseTime("2026-12-06 14:00:00z"), T0);
  assert.equal(parseTime("2026-12-06T09:00:00-05:00"), T0);
  for (const bad of [null, undefined, "", "1e9", "12345678901234", "2026-12-06", "2026-13-06T14:00:00Z", "now", "1796565600.5"]) {
    assert.equal(parseTime(bad), null, String(bad));
  }
  assert.equal(formatTime(T0), "2026-12-06T14:00:00Z");
  assert.equal(parseTime(formatTime(T0 + 7)), T0 + 7);
});

test("cleanQ trims and keeps within the API's limit", () => {
  assert.equal(cleanQ("  a \t b  "), "a b");
  const long = cleanQ("é".repeat(200));
  assert.ok(new TextEncoder().encode(long).length <= MAX_Q);
  assert.equal(long, "é".repeat(128));
});

test("hasRange", () => {
  assert.equal(hasRange(base), false);
  assert.equal(hasRange({ ...base, from: 0 }), true);
  assert.equal(hasRange({ ...base, to: T0 }), true);
});

test("heatKey tells the inferred layer, the mode and the range apart", () => {
  assert.notEqual(heatKey(base), heatKey({ ...base, inferred: true }));
  assert.notEqual(heatKey(base), heatKey({ ...base, mode: "lang" }));
  assert.notEqual(heatKey(base), heatKey({ ...base, from: T0 }));
  assert.notEqual(heatKey(base), heatKey({ ...base, q: "x" }));
  assert.equal(heatKey(base), heatKey({ ...base, world: true }));
  assert.equal(heatKey(base), heatKey({ ...base, basemap: "google", at: { zoom: 1, lat: 0, lon: 0 } }));
});

test("describe", () => {
  assert.equal(describe(base), "all languages · last 1h");
  assert.equal(describe({ ...base, lang: "spanish", tag: "x", window: "n", n: 9 }), "spanish · #x · 9 most recent");
  assert.equal(describe({ ...base, window: "all" }), "all languages · all held");
  assert.equal(describe({ ...base, q: "rain", from: T0, to: T0 + 3600 }), "all languages · “rain” · 2026-12-06 14:00:00 – 15:00:00 UTC");
  assert.equal(describe({ ...base, from: T0 }), "all languages · 2026-12-06 14:00:00 – the newest UTC");
});

test("cleanTag", () => {
  assert.equal(cleanTag("  #futbol "), "futbol");
  assert.equal(cleanTag("##a"), "#a");
});
