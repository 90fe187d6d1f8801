// The open basemaps: MapLibre GL JS with OpenStreetMap raster tiles over the
// bundled country outlines ("osm"), or the outlines alone ("outline",
// offline). Heat is MapLibre's own heatmap layer over server-aggregated
// cells, so a million stored points cost the browser a few thousand; the
// language and share modes draw the cells as circles coloured per cell
// (modes.js).
import * as maplibregl from "maplibre-gl";
import { loadOutlines } from "./outlines.js";
import { heatmapColor, RAW } from "./ramp.js";

const EMPTY = { type: "FeatureCollection", features: [] };

function features(cells, maxWeight) {
  const logMax = Math.log1p(Math.max(1, maxWeight));
  return {
    type: "FeatureCollection",
    features: cells.map(([lat, lon, w]) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [lon, lat] },
      // Log weights: cells range from 1 post to tens of thousands.
      properties: { w: 0.1 + 0.9 * (Math.log1p(w) / logMax) },
    })),
  };
}

export async function createMapLibre(container, cfg, basemap, at, onTilesFailed) {
  // MapLibre 6 runs its worker as a module from our own origin, so the CSP
  // needs no blob: workers.
  // The worker's (content-hashed) name is set at build time (build.mjs).
  maplibregl.setWorkerUrl(new URL(__MAPLIBRE_WORKER__, location.href).href);
  const countries = await loadOutlines(cfg.outlines);
  const sources = {
    countries: { type: "geojson", data: countries },
    heat: { type: "geojson", data: EMPTY },
    inferred: { type: "geojson", data: EMPTY },
    cells: { type: "geojson", data: EMPTY },
  };
  const layers = [
    { id: "sea", type: "background", paint: { "background-color": "#0f1c2b" } },
    { id: "land", type: "fill", source: "countries", paint: { "fill-color": "#2a3847" } },
    { id: "borders", type: "line", source: "countries", paint: { "line-color": "#5a6e84", "line-width": 0.6 } },
  ];
  if (basemap === "osm") {
    sources.osm = { type: "raster", tiles: [cfg.tile_url], tileSize: 256, maxzoom: 19, attribution: cfg.tile_attribution };
    layers.push({ id: "osm", type: "raster", source: "osm", paint: { "raster-opacity": 0.9 } });
  }
  const heatPaint = (ramp) => ({
    "heatmap-weight": ["get", "w"],
    "heatmap-intensity": ["interpolate", ["linear"], ["zoom"], 0, 1.6, 10, 3],
    "heatmap-radius": ["interpolate", ["linear"], ["zoom"], 0, 12, 6, 20, 12, 28],
    "heatmap-opacity": 0.9,
    "heatmap-color": heatmapColor(ramp),
  });
  // Inferred heat under the platform's: where both are, the certain one
  // shows; where only inferred points are, their own colours do.
  layers.push({ id: "heat-inferred", type: "heatmap", source: "inferred", paint: heatPaint(RAW.inferred) });
  layers.push({ id: "heat", type: "heatmap", source: "heat", paint: heatPaint(RAW.heat) });
  // Colour and radius per cell come with the data (modes.js).
  layers.push({ id: "cells", type: "circle", source: "cells", paint: {
    "circle-color": ["get", "c"],
    "circle-radius": ["get", "r"],
    "circle-opacity": 0.85,
    "circle-stroke-color": "#0b1520",
    "circle-stroke-width": 0.5,
  } });
  const map = new maplibregl.Map({
    container,
    style: { version: 8, sources, layers },
    center: at ? [at.lon, at.lat] : [10, 30],
    zoom: at ? at.zoom : 1,
    minZoom: 0,
    maxZoom: 18,
    attributionControl: { compact: true },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  let tileErrors = 0;
  map.on("error", (e) => {
    // Tiles that cannot load (offline) leave the outlines visible beneath.
    if (e && e.sourceId === "osm" && ++tileErrors === 1) onTilesFailed?.();
  });
  await new Promise((resolve) => map.once("load", resolve));
  const painted = () => new Promise((resolve) => map.once("idle", resolve));

  return {
    kind: "maplibre",
    view() {
      const b = map.getBounds();
      return { bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom: map.getZoom(),
        center: map.getCenter() };
    },
    onMove(cb) {
      map.on("moveend", cb);
    },
    // onClick calls cb with the clicked point's lat and lon.
    onClick(cb) {
      map.on("click", (e) => cb(e.lngLat.lat, e.lngLat.lng));
    },
    // setCells draws [lat, lon, weight] cells as heat, and the inferred
    // layer's (null: none); resolves once painted.
    setCells(cells, maxWeight, inferred) {
      map.getSource("heat").setData(features(cells, maxWeight));
      map.getSource("inferred").setData(inferred ? features(inferred.cells, inferred.maxWeight) : EMPTY);
      map.getSource("cells").setData(EMPTY);
      return painted();
    },
    // setCircles draws GeoJSON points with a colour c and radius r
    // (modes.js) in place of the heat; resolves once painted.
    setCircles(fc) {
      map.getSource("heat").setData(EMPTY);
      map.getSource("inferred").setData(EMPTY);
      map.getSource("cells").setData(fc);
      return painted();
    },
    destroy() {
      map.remove();
    },
  };
}
