// The Google basemap, when the server has a key: the Maps JavaScript API,
// loaded by Google's own loader (@googlemaps/js-api-loader), with deck.gl's
// HeatmapLayer through GoogleMapsOverlay. (The seed used
// google.maps.visualization.HeatmapLayer, removed in Maps JS 3.65.) This
// module, the loader and deck.gl load only when this basemap is chosen.
import { importLibrary, setOptions } from "@googlemaps/js-api-loader";
import { GoogleMapsOverlay } from "@deck.gl/google-maps";
import { HeatmapLayer } from "@deck.gl/aggregation-layers";
import { ScatterplotLayer } from "@deck.gl/layers";
import { colorRange, RAW } from "./ramp.js";
import { googleViewBBox } from "./viewport.js";

// The loader takes its options once per page: the first key wins, which is
// the only key a page ever has (it comes from /api/config).
let configured = false;

export async function createGoogle(container, cfg, at) {
  if (!configured) {
    setOptions({ key: cfg.google_maps_key, v: "weekly" });
    configured = true;
  }
  const { Map } = await importLibrary("maps");
  const map = new Map(container, {
    center: at ? { lat: at.lat, lng: at.lon } : { lat: 30, lng: 10 },
    zoom: at ? Math.round(at.zoom) + 1 : 2, // Google's tiles are 256 px, MapLibre's 512
    mapTypeId: "roadmap",
    streetViewControl: false,
  });
  const overlay = new GoogleMapsOverlay({ layers: [] });
  overlay.setMap(map);
  const { event } = await importLibrary("core");
  await new Promise((resolve) => event.addListenerOnce(map, "idle", resolve));
  return {
    kind: "google",
    view() {
      const b = map.getBounds();
      const ne = b.getNorthEast(), sw = b.getSouthWest();
      return { bbox: googleViewBBox(sw.lng(), sw.lat(), ne.lng(), ne.lat()), zoom: map.getZoom() - 1,
        center: { lat: map.getCenter().lat(), lng: map.getCenter().lng() } };
    },
    onMove(cb) {
      map.addListener("idle", cb);
    },
    onClick(cb) {
      map.addListener("click", (e) => e.latLng && cb(e.latLng.lat(), e.latLng.lng()));
    },
    // setCircles draws modes.js's coloured points (the lang and share
    // modes) in place of the heat.
    setCircles(fc) {
      const rgba = (c) => {
        const m = /^#([0-9a-f]{6})$/i.exec(c) || [];
        if (m[1]) return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16)).concat(217);
        const n = (/^rgb\((\d+),(\d+),(\d+)\)$/.exec(c) || []).slice(1).map(Number);
        return n.length === 3 ? [...n, 217] : [154, 165, 177, 217];
      };
      overlay.setProps({ layers: [new ScatterplotLayer({
        id: "cells",
        data: fc.features,
        getPosition: (f) => f.geometry.coordinates,
        getRadius: (f) => f.properties.r,
        radiusUnits: "pixels",
        getFillColor: (f) => rgba(f.properties.c),
      })] });
      return Promise.resolve();
    },
    setCells(cells, _maxWeight, inferred) {
      const layer = (id, data, ramp) => new HeatmapLayer({
        id,
        data,
        getPosition: (c) => [c[1], c[0]],
        getWeight: (c) => c[2],
        radiusPixels: 30,
        colorRange: colorRange(ramp),
        aggregation: "SUM",
      });
      // Inferred first, so the platform's heat draws over it.
      const layers = inferred ? [layer("heat-inferred", inferred.cells, RAW.inferred)] : [];
      layers.push(layer("heat", cells, RAW.heat));
      overlay.setProps({ layers });
      return Promise.resolve();
    },
    destroy() {
      overlay.finalize();
      container.replaceChildren();
    },
  };
}
