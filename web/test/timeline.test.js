import { test } from "node:test";
import assert from "node:assert/strict";
import { bars, brushRange, histView, nextFrame, playWidth, xOf } from "../src/timeline.js";

const T0 = 1796565600;
// An hour in 60 one-minute buckets, the head 30 s into the last one.
const answer = {
  from: "2026-12-06T14:00:00Z", to: "2026-12-06T14:59:30Z", step_s: 60,
  buckets: Array.from({ length: 60 }, (_, i) => [T0 + i * 60, i === 10 ? 50 : i % 3, i === 10 ? 20 : 0]),
};

test("histView reads an answer, and nothing from a malformed or empty one", () => {
  const v = histView(answer);
  assert.equal(v.from, T0);
  assert.equal(v.to, T0 + 3600);
  assert.equal(v.step, 60);
  assert.equal(v.head, T0 + 3570);
  assert.equal(v.max, 50);
  assert.equal(v.buckets.length, 60);
  for (const bad of [null, {}, { step_s: 60, buckets: [] }, { step_s: 0, buckets: [[T0, 1, 1]] }, { step_s: 60, buckets: "x" },
    { step_s: 60, buckets: [null, 3] }]) {
    assert.equal(histView(bad), null, JSON.stringify(bad));
  }
  const odd = histView({ step_s: 60, buckets: [[T0, "<b>", -3]] });
  assert.deepEqual(odd.buckets, [{ t: T0, posts: 0, points: 0 }]);
});

test("bars scale to the busiest bucket and hold only numbers", () => {
  const v = histView(answer);
  const b = bars(v, 600, 51);
  assert.equal(b.length, 60);
  assert.equal(b[10].posts, 50);
  assert.equal(b[10].points, 20);
  assert.equal(b[10].x, 100);
  assert.equal(b[1].posts, 1);
  for (const r of b) for (const k of ["x", "w", "posts", "points"]) assert.ok(Number.isFinite(r[k]));
  assert.deepEqual(bars(null, 600, 50), []);
});

test("brushRange snaps a drag to whole buckets, either way round", () => {
  const v = histView(answer);
  assert.deepEqual(brushRange(v, 105, 195, 600), { from: T0 + 600, to: T0 + 1200 });
  assert.deepEqual(brushRange(v, 195, 105, 600), { from: T0 + 600, to: T0 + 1200 });
  assert.deepEqual(brushRange(v, -50, 5, 600), { from: T0, to: T0 + 60 });
  assert.deepEqual(brushRange(v, 590, 900, 600), { from: T0 + 3540, to: T0 + 3600 });
  assert.equal(brushRange(v, 100, 101, 600), null, "a click is no range");
  assert.equal(brushRange(null, 0, 100, 600), null);
  assert.equal(xOf(v, T0 + 1800, 600), 300);
});

test("the player steps abutting frames through the span and stops at the end", () => {
  const v = histView(answer);
  assert.equal(playWidth(v, 0), 180); // a twentieth of an hour
  assert.equal(playWidth(v, 900), 900);
  assert.equal(playWidth(v, 10), 60); // at least a bucket
  const w = 900;
  let r = nextFrame(v, null, w);
  assert.deepEqual(r, { from: T0, to: T0 + 900 });
  const frames = [r];
  while ((r = nextFrame(v, r, w))) frames.push(r);
  assert.deepEqual(frames.map((f) => f.from - T0), [0, 900, 1800, 2700]);
  // A range that is not a frame (brushed by hand, another width, outside) restarts.
  assert.deepEqual(nextFrame(v, { from: T0 + 60, to: T0 + 120 }, w), { from: T0, to: T0 + 900 });
  assert.deepEqual(nextFrame(v, { from: T0 - 900, to: T0 }, w), { from: T0, to: T0 + 900 });
  assert.deepEqual(nextFrame(v, { from: null, to: T0 + 60 }, w), { from: T0, to: T0 + 900 });
});
