// The map's viewport as the API takes an area: both basemaps give their
// view as [west, south, east, north] with east > west, east beyond 180
// across the antimeridian; the API wants longitudes within ±180 and a box
// across the antimeridian as GeoJSON writes it, west > east. Pure, so
// node --test drives it (web/test/).

// googleViewBBox is a Google map's bounds (its south-west and north-east
// corners) as the view bbox: Google gives the corners wrapped, so across
// the antimeridian the east is less than the west; a view of the whole
// world comes as -180..180.
export function googleViewBBox(swLng, swLat, neLng, neLat) {
  return [swLng, swLat, neLng < swLng ? neLng + 360 : neLng, neLat];
}

// wrapLon maps a longitude to [-180, 180).
function wrapLon(x) {
  return ((((x + 180) % 360) + 360) % 360) - 180;
}

const clampLat = (y) => Math.min(90, Math.max(-90, y));

// areaOfView turns a map's view bbox [west, south, east, north] into the
// bbox the API takes: longitudes within ±180, and a box across the
// antimeridian as GeoJSON writes it, west > east. Both map modules give
// an east beyond 180 there (MapLibre's bounds are unwrapped, google-map.js
// adds 360), and a view wider than the world spans all longitudes. Edges
// are rounded outwards to 1e-4° (about 10 m), so that what is visible
// stays in and a map that did not move asks the same query. null: no
// usable view.
export function areaOfView(bbox) {
  if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(Number.isFinite)) return null;
  const [w, s, e, n] = bbox;
  const south = clampLat(Math.floor(s * 1e4) / 1e4), north = clampLat(Math.ceil(n * 1e4) / 1e4);
  const width = e - w;
  if (!(width > 0) || !(north > south)) return null;
  const w0 = wrapLon(w);
  const west = Math.floor(w0 * 1e4) / 1e4;
  let east = Math.ceil((w0 + width) * 1e4) / 1e4;
  if (east - west >= 360) return [-180, south, 180, north];
  if (east > 180) east = Math.round((east - 360) * 1e4) / 1e4;
  return [west, south, east, north];
}

// clickArea is the bbox the API takes around a click at lat, lon on a map
// at zoom (MapLibre's 512 px tiles): r pixels each way, so "near" means
// the same on screen at every zoom. Longitudes wrap, and a box across the
// antimeridian comes west > east; latitudes stop at the poles.
export function clickArea(lat, lon, zoom, r = 12) {
  if (![lat, lon, zoom, r].every(Number.isFinite)) return null;
  const degPerPx = 360 / (512 * Math.pow(2, zoom));
  const dLon = Math.min(180, r * degPerPx);
  // Mercator shrinks a degree of latitude by cos(lat) on screen.
  const dLat = Math.min(90, dLon * Math.max(0.01, Math.cos((lat * Math.PI) / 180)));
  return areaOfView([lon - dLon, lat - dLat, lon + dLon, lat + dLat]);
}
