// The heat ramps, from their one definition (internal/render/ramp.json, which
// the Go renderer and the standalone page read too): esbuild bundles the
// JSON, node --test imports it the same way. Stops are [t, r, g, b, a],
// colour and alpha 0..255.
import ramps from "../../internal/render/ramp.json" with { type: "json" };

// cssColor turns a stop into a CSS colour (alpha 0..1).
export function cssColor([, r, g, b, a]) {
  return `rgba(${r},${g},${b},${+(a / 255).toFixed(4)})`;
}

// cssStops are [t, css colour] pairs, as MapLibre's interpolate and the
// legend's gradients want them.
export function cssStops(stops) {
  return stops.map((s) => [s[0], cssColor(s)]);
}

// RAMP colours the platform's points (exact coordinates, places).
export const RAMP = cssStops(ramps.heat);

// INFERRED_RAMP colours the points geoheat placed itself (profile, text):
// violet to pale pink, which no part of RAMP resembles, since they are less
// certain and must not pass for the platform's own locations.
export const INFERRED_RAMP = cssStops(ramps.inferred);

// RAW are the stops as defined, for deck.gl's colour ranges.
export const RAW = { heat: ramps.heat, inferred: ramps.inferred };

// heatmapColor is MapLibre's heatmap-color expression for a ramp.
export function heatmapColor(stops) {
  return ["interpolate", ["linear"], ["heatmap-density"], ...cssStops(stops).flat()];
}

// colorRange is deck.gl's HeatmapLayer colorRange for a ramp: the colours
// past t=0 (deck.gl spreads them evenly and draws nothing below the first),
// as [r, g, b, a] with alpha 0..255.
export function colorRange(stops) {
  return stops.slice(1).map(([, r, g, b, a]) => [r, g, b, a]);
}

// gradient is a CSS linear-gradient of a ramp, for the legend's swatches.
export function gradient(stops) {
  return `linear-gradient(to right, ${stops.slice(1).map(cssColor).join(", ")})`;
}
