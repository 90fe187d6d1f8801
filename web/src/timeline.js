// The time histogram under the map: what it shows of an /api/histogram
// answer, the bars, the brush (pixels to a range of whole buckets) and the
// player's frames. Pure, so node --test drives it (web/test/); main.js
// draws and listens.
import { parseTime } from "./url.js";

// Widths the player steps (seconds); 0: about a twentieth of the span.
export const PLAY_STEPS = [
  [0, "auto"], [300, "5 min"], [900, "15 min"], [3600, "1 h"], [6 * 3600, "6 h"], [86400, "1 day"],
];
// Seconds of wall time per frame.
export const PLAY_SPEEDS = [[2, "slow"], [1, "normal"], [0.5, "fast"], [0.25, "faster"]];

// histView is what the histogram shows of an answer: its extent (Unix
// seconds, from inclusive, to exclusive), the step, and the buckets as
// {t, posts, points}; null when the answer holds no buckets (nothing held:
// the note says why).
export function histView(data) {
  const step = Number(data?.step_s);
  const rows = Array.isArray(data?.buckets) ? data.buckets : [];
  if (!(step > 0) || !rows.length) return null;
  const buckets = rows.filter(Array.isArray).map(([t, posts, points]) => ({
    t: Number(t) || 0, posts: Math.max(0, Number(posts) || 0), points: Math.max(0, Number(points) || 0),
  }));
  if (!buckets.length) return null;
  const from = buckets[0].t, to = buckets[buckets.length - 1].t + step;
  const head = parseTime(data?.to);
  return { from, to, step, buckets, head: head ?? to, max: Math.max(1, ...buckets.map((b) => b.posts)) };
}

// bars are the histogram's rectangles in a width × height box: one per
// bucket, posts (full height = the busiest bucket) and the mapped points
// within them; heights only ever hold numbers.
export function bars(view, width, height) {
  if (!view) return [];
  const bw = width / view.buckets.length;
  const h = (v) => Math.round((v / view.max) * (height - 1) * 100) / 100;
  return view.buckets.map((b, i) => ({
    t: b.t, x: Math.round(i * bw * 100) / 100, w: Math.max(0.5, Math.round((bw - (bw > 3 ? 1 : 0)) * 100) / 100),
    posts: h(b.posts), points: h(Math.min(b.points, b.posts)), count: b.posts,
  }));
}

// xOf is the x of time t (seconds) in a histogram width px wide.
export function xOf(view, t, width) {
  return ((t - view.from) / (view.to - view.from)) * width;
}

// brushRange turns a drag from x0 to x1 (px, either way round) into a
// range of whole buckets, at least one; null when the drag is too short to
// be one (a click).
export function brushRange(view, x0, x1, width) {
  if (!view || !(width > 0) || Math.abs(x1 - x0) < 3) return null;
  const t = (x) => view.from + (Math.min(width, Math.max(0, x)) / width) * (view.to - view.from);
  const a = Math.min(t(x0), t(x1)), b = Math.max(t(x0), t(x1));
  const from = view.from + Math.floor((a - view.from) / view.step) * view.step;
  let to = view.from + Math.ceil((b - view.from) / view.step) * view.step;
  if (to <= from) to = from + view.step;
  return { from, to: Math.min(to, view.to) };
}

// playWidth is the player's frame width (seconds) for the chosen step (0:
// auto, about a twentieth of the span), whole buckets, at least one.
export function playWidth(view, step) {
  const want = step > 0 ? step : (view.to - view.from) / 20;
  return Math.max(1, Math.round(want / view.step)) * view.step;
}

// nextFrame is the player's next range: the frame after range (frames of
// width abut), from the start when range is not a frame inside the
// extent; null when the last frame has been shown (it reached the end).
export function nextFrame(view, range, width) {
  if (!view) return null;
  const inside = range && range.from !== null && range.to !== null && range.from >= view.from && range.from < view.to &&
    range.to - range.from === width;
  const from = inside ? range.to : view.from;
  if (inside && from >= view.to) return null;
  return { from, to: from + width };
}
