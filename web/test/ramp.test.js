import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import ramps from "../../internal/render/ramp.json" with { type: "json" };
import { colorRange, cssColor, gradient, heatmapColor, INFERRED_RAMP, RAMP, RAW } from "../src/ramp.js";

test("the ramps are ramp.json's", () => {
  assert.deepEqual(RAW, { heat: ramps.heat, inferred: ramps.inferred });
  assert.equal(RAMP.length, ramps.heat.length);
  assert.equal(INFERRED_RAMP.length, ramps.inferred.length);
  assert.deepEqual(RAMP[1], [0.1, "rgba(0,40,255,0.4706)"]);
  assert.equal(cssColor([0, 1, 2, 3, 255]), "rgba(1,2,3,1)");
  assert.equal(cssColor([0, 1, 2, 3, 0]), "rgba(1,2,3,0)");
});

test("MapLibre's heatmap-color runs through every stop", () => {
  const e = heatmapColor(ramps.heat);
  assert.deepEqual(e.slice(0, 3), ["interpolate", ["linear"], ["heatmap-density"]]);
  assert.deepEqual(e.slice(3), RAMP.flat());
});

test("deck.gl's colour range is the stops past 0, alpha 0..255", () => {
  assert.deepEqual(colorRange(ramps.heat), ramps.heat.slice(1).map((s) => s.slice(1)));
});

test("the legend's gradient", () => {
  assert.equal(gradient([[0, 0, 0, 0, 0], [0.5, 255, 0, 0, 255], [1, 0, 0, 255, 51]]),
    "linear-gradient(to right, rgba(255,0,0,1), rgba(0,0,255,0.2))");
});

// The dashboard's other sources must not carry ramp colours of their own
// (internal/render's TestRampOneSource checks the same, and page.js).
test("no source but ramp.js defines ramp colours", async () => {
  const dir = new URL("../src/", import.meta.url);
  for (const name of await readdir(dir)) {
    if (!name.endsWith(".js") || name === "ramp.js") continue;
    const text = await readFile(new URL(name, dir), "utf8");
    for (const [, r, g, b] of [...ramps.heat, ...ramps.inferred]) {
      assert.doesNotMatch(text, new RegExp(`\\b${r}\\s*,\\s*${g}\\s*,\\s*${b}\\b`), `${name} holds ramp colour ${r},${g},${b}`);
    }
  }
});
