import { test } from "node:test";
import assert from "node:assert/strict";
import { langColour, langLegend, modeFeatures, OTHER, PALETTE, shareColour } from "../src/modes.js";

test("langColour: the palette by index, the rest grey", () => {
  assert.equal(langColour(0), PALETTE[0]);
  assert.equal(langColour(PALETTE.length - 1), PALETTE[PALETTE.length - 1]);
  for (const bad of [PALETTE.length, -1, 1.5, "0", null]) assert.equal(langColour(bad), OTHER);
  assert.equal(new Set(PALETTE).size, PALETTE.length);
});

test("shareColour runs blue, yellow, red and clamps", () => {
  assert.equal(shareColour(0), "rgb(59,111,216)");
  assert.equal(shareColour(0.5), "rgb(255,210,63)");
  assert.equal(shareColour(1), "rgb(255,59,59)");
  assert.equal(shareColour(7), "rgb(255,59,59)");
  assert.equal(shareColour("x"), "rgb(59,111,216)");
  assert.notEqual(shareColour(0.25), shareColour(0.75));
});

test("modeFeatures colours lang cells by language and share cells by share", () => {
  const lang = modeFeatures("lang", [[40, -3, 100, 0, 0.8], [51, 0, 1, 1, 0.6], [1, 2, 3], "x"]);
  assert.equal(lang.features.length, 2);
  assert.deepEqual(lang.features[0].geometry.coordinates, [-3, 40]);
  assert.equal(lang.features[0].properties.c, PALETTE[0]);
  assert.equal(lang.features[1].properties.c, PALETTE[1]);
  assert.ok(lang.features[0].properties.r > lang.features[1].properties.r);
  const share = modeFeatures("share", [[40, -3, 10, 100, 0.1], [51, 0, 9, 10, 0.9]]);
  assert.equal(share.features[0].properties.c, shareColour(0.1));
  assert.equal(share.features[1].properties.c, shareColour(0.9));
  assert.ok(share.features[0].properties.r > share.features[1].properties.r, "radius by the cell's total");
  assert.deepEqual(modeFeatures("lang", null).features, []);
});

test("langLegend names the coloured languages and counts the rest", () => {
  const langs = Array.from({ length: 12 }, (_, i) => ({ lang: "l" + i, name: "<i>" + i, weight: 12 - i }));
  const rows = langLegend(langs);
  assert.equal(rows.length, PALETTE.length + 1);
  assert.deepEqual(rows[0], { colour: PALETTE[0], label: "<i>0", lang: "l0" });
  assert.deepEqual(rows[PALETTE.length], { colour: OTHER, label: "2 more", lang: "" });
  assert.deepEqual(langLegend(undefined), []);
});
