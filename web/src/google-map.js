// The Google basemap, when the server has a key: the Maps JavaScript API
// with deck.gl's HeatmapLayer through GoogleMapsOverlay. (The seed used
// google.maps.visualization.HeatmapLayer, removed in Maps JS 3.65.) This
// module and deck.gl load only when this basemap is chosen.
import { GoogleMapsOverlay } from "@deck.gl/google-maps";
import { HeatmapLayer } from "@deck.gl/aggregation-layers";
import { INFERRED_RAMP, RAMP } from "./maplibre-map.js";

let loading;

function loadMapsAPI(key) {
  if (window.google?.maps?.Map) return Promise.resolve();
  loading ||= new Promise((resolve, reject) => {
    // The callback is a named global, called by Google's script: no inline
    // script, the key travels URL-encoded as a query parameter.
    window.__geoheatMapsReady = () => resolve();
    const q = new URLSearchParams({ key, v: "weekly", loading: "async", callback: "__geoheatMapsReady" });
    const s = document.createElement("script");
    s.src = "https://maps.googleapis.com/maps/api/js?" + q.toString();
    s.async = true;
    s.onerror = () => reject(new Error("could not load the Google Maps JavaScript API"));
    document.head.append(s);
  });
  return loading;
}

function rampColors(ramp) {
  return ramp.slice(1).map(([, c]) => {
    const m = c.match(/[\d.]+/g).map(Number);
    return [m[0], m[1], m[2], Math.round(m[3] * 255)];
  });
}

export async function createGoogle(container, cfg, at) {
  await loadMapsAPI(cfg.google_maps_key);
  const { Map } = await google.maps.importLibrary("maps");
  const map = new Map(container, {
    center: at ? { lat: at.lat, lng: at.lon } : { lat: 30, lng: 10 },
    zoom: at ? Math.round(at.zoom) + 1 : 2, // Google's tiles are 256 px, MapLibre's 512
    mapTypeId: "roadmap",
    streetViewControl: false,
  });
  const overlay = new GoogleMapsOverlay({ layers: [] });
  overlay.setMap(map);
  await new Promise((resolve) => google.maps.event.addListenerOnce(map, "idle", resolve));
  return {
    kind: "google",
    view() {
      const b = map.getBounds();
      const ne = b.getNorthEast(), sw = b.getSouthWest();
      let east = ne.lng();
      if (east < sw.lng()) east += 360;
      return { bbox: [sw.lng(), sw.lat(), east, ne.lat()], zoom: map.getZoom() - 1,
        center: { lat: map.getCenter().lat(), lng: map.getCenter().lng() } };
    },
    onMove(cb) {
      map.addListener("idle", cb);
    },
    setCells(cells, _maxWeight, inferred) {
      const layer = (id, data, ramp) => new HeatmapLayer({
        id,
        data,
        getPosition: (c) => [c[1], c[0]],
        getWeight: (c) => c[2],
        radiusPixels: 30,
        colorRange: rampColors(ramp),
        aggregation: "SUM",
      });
      // Inferred first, so the platform's heat draws over it.
      const layers = inferred ? [layer("heat-inferred", inferred.cells, INFERRED_RAMP)] : [];
      layers.push(layer("heat", cells, RAMP));
      overlay.setProps({ layers });
      return Promise.resolve();
    },
    destroy() {
      overlay.finalize();
      container.replaceChildren();
    },
  };
}
