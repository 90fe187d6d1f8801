import { test } from "node:test";
import assert from "node:assert/strict";
import { sparklinePath, TRENDS_N, TRENDS_REFRESH_MS, trendsCaption, trendsParams, trendsView } from "../src/trends.js";
import { Requests } from "../src/state.js";
import { parseSelection } from "../src/url.js";

test("trendsParams follow the language and the map's area", () => {
  const spain = [-9.5, 35.8, 3.4, 43.9];
  assert.equal(trendsParams(parseSelection(""), spain).toString(), `bbox=-9.5%2C35.8%2C3.4%2C43.9&n=${TRENDS_N}`);
  assert.equal(trendsParams(parseSelection("?lang=es&tag=x&window=5m"), spain).toString(), `lang=es&bbox=-9.5%2C35.8%2C3.4%2C43.9&n=${TRENDS_N}`);
  // The area counts the points the map draws: inferred ones too when on.
  assert.equal(trendsParams(parseSelection("?inferred=1"), spain).get("geo"), "all");
  assert.equal(trendsParams(parseSelection(""), spain).get("geo"), null);
  // The whole world: no area, so every post counts and the map is not needed.
  assert.equal(trendsParams(parseSelection("?lang=es&trends=world&inferred=1"), null).toString(), `lang=es&n=${TRENDS_N}`);
  assert.equal(trendsParams(parseSelection("?world=1&from=1796565600&to=1796569200"), null).toString(), `from=1796565600&to=1796569200&n=${TRENDS_N}`);
  // A brushed range is the trend window, in the area too.
  assert.equal(trendsParams(parseSelection("?to=1796569200"), spain).toString(), `to=1796569200&bbox=-9.5%2C35.8%2C3.4%2C43.9&n=${TRENDS_N}`);
  assert.equal(trendsParams(parseSelection(""), null), null);
  assert.equal(trendsParams(parseSelection(""), undefined), null);
});

test("sparklinePath", async (t) => {
  for (const [name, series, want] of [
    ["rising", [0, 1, 2, 4], "M0,10 L2,7.5 L4,5 L6,0"],
    ["flat zero", [0, 0, 0], "M0,10 L3,10 L6,10"],
    ["one bucket", [3], "M0,0 L6,0"],
    ["none", [], ""],
    ["not an array", null, ""],
    ["junk counts as zero", [2, "<script>", -5, Infinity, "1"], "M0,0 L1.5,10 L3,10 L4.5,10 L6,5"],
  ]) {
    await t.test(name, () => assert.equal(sparklinePath(series, 6, 10, 0), want));
  }
  await t.test("padding keeps the line inside", () => {
    assert.equal(sparklinePath([0, 5], 10, 10, 1), "M1,9 L9,1");
  });
  await t.test("only numbers", () => {
    const d = sparklinePath(Array.from({ length: 12 }, (_, i) => (i * 37) % 11), 64, 18, 1.5);
    assert.match(d, /^M[0-9.]+,[0-9.]+( L[0-9.]+,[0-9.]+){11}$/);
  });
});

test("trendsView", async (t) => {
  const trend = { tag: "apagónmadrid", score: 310.2, authors: 42, posts: 57, observed: 60, expected: 1, series: [0, 0, 3, 9], first_seen: "2026-01-01T00:00:00Z" };
  await t.test("rows and the server's note", () => {
    const v = trendsView({ trends: [trend], note: "baseline short: 2h of 24h held" });
    assert.equal(v.note, "baseline short: 2h of 24h held");
    assert.deepEqual(v.rows, [{ tag: "apagónmadrid", authors: 42, posts: 57, score: 310.2, expected: 1, series: [0, 0, 3, 9] }]);
  });
  await t.test("an empty answer with a note shows the note", () => {
    assert.deepEqual(trendsView({ trends: [], note: "nothing is rising" }), { rows: [], note: "nothing is rising" });
  });
  await t.test("an empty answer without one never shows an empty box", () => {
    assert.deepEqual(trendsView({ trends: [] }), { rows: [], note: "Nothing is rising here right now." });
    assert.deepEqual(trendsView(null).note, "Nothing is rising here right now.");
  });
  await t.test("malformed rows are dropped, odd fields made safe", () => {
    const v = trendsView({ trends: [null, { tag: "" }, { tag: 7 }, { tag: "<b>x</b>", authors: "9", series: "nope" }], note: { html: 1 } });
    assert.deepEqual(v.rows, [{ tag: "<b>x</b>", authors: 9, posts: 0, score: 0, expected: 0, series: [] }]);
    assert.equal(v.note, "");
  });
});

test("trendsCaption", () => {
  assert.equal(trendsCaption({ name: "spanish", window: "1h" }, parseSelection("?lang=es")), "spanish · the map's area · last 1h");
  assert.equal(trendsCaption(null, parseSelection("?lang=es&trends=world")), "es · whole world, every post");
  assert.equal(trendsCaption({ name: "spanish" }, parseSelection("")), "all languages · the map's area");
});

test("the trends panel's Requests ask a new query at once and the same one at the refresh rate", () => {
  const tr = new Requests(TRENDS_REFRESH_MS);
  assert.equal(tr.due(null, 0), false); // no map area yet
  assert.equal(tr.due("bbox=a", 0), true);
  const first = tr.starting("bbox=a", 1000);
  // Live ticks come every second: the same query waits its interval.
  assert.equal(tr.due("bbox=a", 2000), false);
  assert.equal(tr.due("bbox=a", 1000 + TRENDS_REFRESH_MS - 1), false);
  assert.equal(tr.due("bbox=a", 1000 + TRENDS_REFRESH_MS), true);
  // A move or a language change asks at once, dropping the request in flight.
  assert.equal(tr.due("bbox=b", 2000), true);
  const second = tr.starting("bbox=b", 2000);
  assert.equal(first.signal.aborted, true);
  assert.equal(second.signal.aborted, false);
  // The first answer, late, is stale; the second is shown.
  assert.equal(tr.answered("bbox=a", { trends: ["old"] }), false);
  assert.equal(tr.data, null);
  assert.equal(tr.answered("bbox=b", { trends: [] }), true);
  assert.deepEqual(tr.data, { trends: [] });
});
