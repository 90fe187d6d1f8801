// The time histogram's drawing and its brush: SVG nodes only (numbers in
// attributes, times through textContent), the bars and brush from
// timeline.js. A drag selects a range of whole buckets, a double-click
// clears it; main.js decides what follows.
import { el } from "./dom.js";
import { bars, brushRange, xOf } from "./timeline.js";
import { formatTime } from "./url.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const AXIS_H = 12; // px under the bars for the time labels

function svgEl(tag, attrs = {}) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

// label is a time for the axis: the date and minute, UTC.
function label(t) {
  return formatTime(t).slice(0, 16).replace("T", " ");
}

export function createHistogram(box, { onBrush, onClear }) {
  let view = null, range = null, note = "";
  let drag = null; // {x0, x1} while dragging
  const size = () => ({ w: Math.max(1, box.clientWidth), h: Math.max(AXIS_H + 8, box.clientHeight) });
  const xAt = (e) => e.clientX - box.getBoundingClientRect().left;

  function draw() {
    if (!view) {
      box.replaceChildren(el("p", { class: "hist-note", text: note || "No posts held yet." }));
      return;
    }
    const { w, h } = size();
    const bh = h - AXIS_H;
    const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: "img", "aria-label": "posts over time" });
    for (const b of bars(view, w, bh)) {
      const g = svgEl("g");
      g.append(svgEl("rect", { class: "bar-posts", x: b.x, y: bh - b.posts, width: b.w, height: b.posts }));
      if (b.points > 0) g.append(svgEl("rect", { class: "bar-points", x: b.x, y: bh - b.points, width: b.w, height: b.points }));
      const title = svgEl("title");
      title.textContent = `${label(b.t)} UTC: ${b.count} posts`;
      g.append(title);
      svg.append(g);
    }
    const shown = drag ? brushRange(view, drag.x0, drag.x1, w) : range;
    if (shown) {
      const x0 = Math.max(0, xOf(view, shown.from ?? view.from, w)), x1 = Math.min(w, xOf(view, shown.to ?? view.to, w));
      svg.append(svgEl("rect", { class: "brush", x: x0, y: 0.5, width: Math.max(1, x1 - x0), height: bh - 1 }));
    }
    const left = svgEl("text", { class: "axis", x: 2, y: h - 2 });
    left.textContent = label(view.from);
    const right = svgEl("text", { class: "axis", x: w - 2, y: h - 2, "text-anchor": "end" });
    right.textContent = label(view.to) + " UTC";
    svg.append(left, right);
    box.replaceChildren(svg);
  }

  // A double-click is two presses without a drag, close in time and
  // place: told apart here rather than by the dblclick event, which the
  // redraws between the presses can keep from firing.
  let lastClick = { at: -Infinity, x: NaN };
  box.addEventListener("pointerdown", (e) => {
    if (!view || e.button !== 0) return;
    drag = { x0: xAt(e), x1: xAt(e), moved: false };
    box.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  box.addEventListener("pointermove", (e) => {
    if (!drag) return;
    drag.x1 = xAt(e);
    drag.moved ||= Math.abs(drag.x1 - drag.x0) >= 3;
    if (drag.moved) draw();
  });
  const end = (e, cancel) => {
    if (!drag) return;
    const r = cancel ? null : brushRange(view, drag.x0, xAt(e), size().w);
    const moved = drag.moved;
    drag = null;
    if (moved) draw();
    if (r) {
      lastClick = { at: -Infinity, x: NaN };
      onBrush(r);
      return;
    }
    if (cancel) return;
    const now = e.timeStamp;
    if (now - lastClick.at < 500 && Math.abs(xAt(e) - lastClick.x) < 6) {
      lastClick = { at: -Infinity, x: NaN };
      onClear();
    } else {
      lastClick = { at: now, x: xAt(e) };
    }
  };
  box.addEventListener("pointerup", (e) => end(e, false));
  box.addEventListener("pointercancel", (e) => end(e, true));
  box.addEventListener("dblclick", () => onClear());
  new ResizeObserver(() => draw()).observe(box);

  return {
    // show draws an answer's view (null: nothing, note says why) and the
    // selection's range (null ends open; null: none).
    show(v, r, why) {
      view = v;
      range = r;
      note = why || "";
      draw();
    },
  };
}
