// Natural Earth country outlines (world-atlas, copied into the build), as
// GeoJSON for the map. They are the offline basemap and sit under the OSM
// tiles, so the page still shows where the heat is when tiles cannot load.
import { feature } from "topojson-client";

let cached;

export function loadOutlines(url) {
  cached ||= fetch(url)
    .then((r) => {
      if (!r.ok) throw new Error(`outlines: HTTP ${r.status}`);
      return r.json();
    })
    .then((topo) => {
      const fc = feature(topo, topo.objects.countries);
      for (const f of fc.features) fixGeometry(f.geometry);
      return fc;
    });
  return cached;
}

// The TopoJSON is made for spherical projections: a ring crossing the
// antimeridian jumps from +180 to -180, which a flat map draws as a band
// across the world. Unwrap such rings (MapLibre draws longitudes past ±180
// on the neighbouring world copy) and close Antarctica through the pole.
function fixGeometry(g) {
  if (!g) return;
  const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
  for (const rings of polys) {
    for (let i = 0; i < rings.length; i++) rings[i] = fixRing(rings[i]);
  }
}

function fixRing(ring) {
  const out = [];
  let shift = 0, lo = Infinity, hi = -Infinity, south = Infinity;
  for (let i = 0; i < ring.length; i++) {
    const [lon, lat] = ring[i];
    if (i > 0) {
      const d = lon + shift - out[i - 1][0];
      if (d > 180) shift -= 360;
      else if (d < -180) shift += 360;
    }
    const x = lon + shift;
    out.push([x, lat]);
    lo = Math.min(lo, x); hi = Math.max(hi, x); south = Math.min(south, lat);
  }
  if (hi - lo >= 359 && south < -60) {
    out.push([out[out.length - 1][0], -90], [out[0][0], -90], out[0]);
  }
  return out;
}
