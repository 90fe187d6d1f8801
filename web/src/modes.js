// The map's non-density modes as circles: each cell of /api/heat?mode=lang
// coloured by its dominant language (a categorical palette with a legend),
// or of mode=share coloured by the selection's share of the cell's posts.
// Pure, so node --test drives it (web/test/); maplibre-map.js draws.

// PALETTE colours the heaviest languages, in the order /api/heat lists
// them (heaviest first); distinct on the dark basemaps. Languages past it
// share OTHER.
export const PALETTE = ["#ff4d4d", "#3ddc84", "#ffd23f", "#4d8bff", "#ff9f1c", "#c77dff", "#2ee6e6", "#ff5ccd",
  "#b5e550", "#ffb3c6"];
export const OTHER = "#9aa5b1";

// SHARE_STOPS colour a share from 0 (blue) through half (yellow) to 1 (red).
export const SHARE_STOPS = [[0, [59, 111, 216]], [0.5, [255, 210, 63]], [1, [255, 59, 59]]];

export function langColour(index) {
  return Number.isInteger(index) && index >= 0 && index < PALETTE.length ? PALETTE[index] : OTHER;
}

// shareColour is the colour of a share (clamped to 0..1) on SHARE_STOPS.
export function shareColour(share) {
  const s = Math.min(1, Math.max(0, Number(share) || 0));
  let i = 1;
  while (i < SHARE_STOPS.length - 1 && s > SHARE_STOPS[i][0]) i++;
  const [t0, c0] = SHARE_STOPS[i - 1], [t1, c1] = SHARE_STOPS[i];
  const f = (s - t0) / (t1 - t0);
  const c = c0.map((v, k) => Math.round(v + (c1[k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// radius is a cell's circle radius (px) by its weight against the
// heaviest's, on a log scale: cells range from 1 post to thousands.
function radius(w, logMax) {
  return Math.round((3 + 8 * (Math.log1p(Math.max(0, w)) / logMax)) * 10) / 10;
}

// modeFeatures turns the cells of a lang or share answer into GeoJSON
// points with a colour c and a radius r. lang cells are [lat, lon, weight,
// lang_index, share] (radius by weight, colour by language); share cells
// [lat, lon, weight, total, share] (radius by total, colour by share).
export function modeFeatures(mode, cells) {
  const rows = (Array.isArray(cells) ? cells : []).filter((c) => Array.isArray(c) && c.length >= 5 &&
    Number.isFinite(c[0]) && Number.isFinite(c[1]));
  const size = (c) => (mode === "share" ? Number(c[3]) || 0 : Number(c[2]) || 0);
  const logMax = Math.log1p(Math.max(1, ...rows.map(size)));
  return {
    type: "FeatureCollection",
    features: rows.map((c) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [c[1], c[0]] },
      properties: { c: mode === "share" ? shareColour(c[4]) : langColour(c[3]), r: radius(size(c), logMax) },
    })),
  };
}

// langLegend is the lang mode's legend: a row per coloured language (by
// its name), and one for the rest when there are more.
export function langLegend(langs) {
  const list = (Array.isArray(langs) ? langs : []).filter((l) => l && typeof l === "object");
  const rows = list.slice(0, PALETTE.length).map((l, i) => ({
    colour: PALETTE[i], label: String(l.name || l.lang || "?"), lang: String(l.lang || ""),
  }));
  if (list.length > PALETTE.length) rows.push({ colour: OTHER, label: `${list.length - PALETTE.length} more`, lang: "" });
  return rows;
}
