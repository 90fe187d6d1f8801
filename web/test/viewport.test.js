import { test } from "node:test";
import assert from "node:assert/strict";
import { areaOfView, clickArea, googleViewBBox } from "../src/viewport.js";

test("googleViewBBox", () => {
  assert.deepEqual(googleViewBBox(-9.5, 35.8, 3.4, 43.9), [-9.5, 35.8, 3.4, 43.9]);
  // Across the antimeridian Google's north-east corner is wrapped, west of
  // its south-west one.
  assert.deepEqual(googleViewBBox(160, -45, -160, -10), [160, -45, 200, -10]);
  assert.deepEqual(googleViewBBox(-180, -85, 180, 85), [-180, -85, 180, 85]);
  // Both basemaps' views become the same API area.
  assert.deepEqual(areaOfView(googleViewBBox(160, -45, -160, -10)), areaOfView([160, -45, 200, -10]));
  assert.deepEqual(areaOfView(googleViewBBox(160, -45, -160, -10)), areaOfView([-200, -45, -160, -10]));
});

test("areaOfView", async (t) => {
  for (const [name, view, want] of [
    ["Spain", [-9.5, 35.8, 3.4, 43.9], [-9.5, 35.8, 3.4, 43.9]],
    ["edges round outwards", [-3.70001, 40.41999, -3.69999, 40.42001], [-3.7001, 40.4199, -3.6999, 40.4201]],
    // MapLibre's bounds are unwrapped: east of 180 across the antimeridian.
    ["across the antimeridian (east > 180)", [170, -50, 190, -30], [170, -50, -170, -30]],
    ["across the antimeridian (west < -180)", [-190, -20, -170, 0], [170, -20, -170, 0]],
    ["panned a world over", [530, 10, 550, 20], [170, 10, -170, 20]],
    ["east exactly 180 stays", [170, 0, 180, 10], [170, 0, 180, 10]],
    ["west exactly 180 wraps to -180", [180, 0, 190, 10], [-180, 0, -170, 10]],
    // google-map.js adds 360 to an east less than west: the same box.
    ["Google across the antimeridian", [160, -45, 200, -10], [160, -45, -160, -10]],
    ["wider than the world", [-300, -85.0511, 300, 85.0511], [-180, -85.0511, 180, 85.0511]],
    ["exactly the world", [-180, -80, 180, 80], [-180, -80, 180, 80]],
    ["latitudes clamped", [0, -95, 10, 95], [0, -90, 10, 90]],
    ["no width", [10, 0, 10, 10], null],
    ["no height", [0, 10, 10, 10], null],
    ["not a view", undefined, null],
    ["NaN", [0, NaN, 1, 1], null],
    ["short", [0, 1, 2], null],
  ]) {
    await t.test(name, () => assert.deepEqual(areaOfView(view), want));
  }
});

test("areaOfView always gives a box the server's bbox parser takes", () => {
  // store.ParseBBox: -90 <= south <= north <= 90, longitudes within ±180
  // (west > east across the antimeridian).
  for (let w = -720; w <= 720; w += 7.3) {
    for (const width of [0.001, 1, 45, 179.99, 180, 359.9, 360, 500]) {
      const a = areaOfView([w, -10, w + width, 10]);
      assert.ok(a, `${w}+${width}`);
      const [west, south, east, north] = a;
      assert.ok(west >= -180 && west <= 180 && east >= -180 && east <= 180, `${w}+${width}: ${a}`);
      assert.ok(south <= north);
      const span = east >= west ? east - west : east - west + 360;
      assert.ok(span >= Math.min(width, 360) - 1e-9 && span <= Math.min(360, width + 2e-4), `${w}+${width}: span ${span}`);
    }
  }
});


test("clickArea is a few pixels around a click, wrapped across the antimeridian", () => {
  const [w, s, e, n] = clickArea(0, 0, 0, 12);
  assert.ok(Math.abs(e - 360 / 512 * 12) < 1e-3 && Math.abs(w + 360 / 512 * 12) < 1e-3, `${w},${e}`);
  assert.ok(Math.abs(n - 360 / 512 * 12) < 1e-3 && Math.abs(s + 360 / 512 * 12) < 1e-3);
  const z10 = clickArea(40, -3.7, 10, 12);
  assert.ok(z10[2] - z10[0] < 0.02 && z10[0] < -3.7 && z10[2] > -3.7);
  assert.ok(z10[3] - z10[1] < z10[2] - z10[0], "latitude shrinks with cos(lat)");
  const am = clickArea(-17, 179.9, 5, 12);
  assert.ok(am[0] > am[2], `across the antimeridian west > east: ${am}`);
  assert.equal(clickArea(NaN, 0, 1), null);
});
