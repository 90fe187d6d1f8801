// Builds the dashboard: the page's own sources from src/, bundled with
// their npm dependencies by esbuild, plus the files the page loads at run
// time (MapLibre's worker, Natural Earth outlines from world-atlas).
//
//   node build.mjs          production, into internal/web/bundle, which the
//                           Go binary embeds: minified, no source maps,
//                           content-hashed asset names, every compressible
//                           file also precompressed (.gz, .br)
//   node build.mjs --dev    development, into web/dist: readable code with
//                           linked source maps, fixed entry names, nothing
//                           precompressed; serve it with
//                           `geoheat serve --web-dir web/dist`
//   node build.mjs --watch  the dev build, rebuilt on every change
//
// Source maps stay out of the embedded production build: they would double
// the binary's share of the dashboard and only help someone debugging, who
// runs the dev build.
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { precompress } from "./scripts/precompress.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const watch = process.argv.includes("--watch");
const dev = watch || process.argv.includes("--dev");
const out = dev ? join(here, "dist") : join(here, "..", "internal", "web", "bundle");
const assets = join(out, "assets");

// Clean everything but the committed README that keeps go:embed happy on a
// fresh clone.
await mkdir(out, { recursive: true });
for (const name of await readdir(out)) {
  if (name !== "README.md") await rm(join(out, name), { recursive: true, force: true });
}
await mkdir(assets, { recursive: true });

// MapLibre's worker is loaded by URL, not imported, so esbuild does not
// hash it: the production build names it by its content itself (8 hex
// digits, like esbuild's hashes) and tells the page the name at build time.
const workerSrc = join(here, "node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs");
const workerName = dev ? "maplibre-gl-worker.mjs"
  : `maplibre-gl-worker-${createHash("sha256").update(await readFile(workerSrc)).digest("hex").slice(0, 8).toUpperCase()}.mjs`;

const copies = [
  [workerSrc, join(assets, workerName)],
  [join(here, "node_modules/world-atlas/countries-50m.json"), join(out, "countries-50m.json")],
];
const pages = ["index.html", "embed.html"];

// finish runs after every (re)build: it copies the run-time files and the
// HTML pages, pointing their <script> and <link> at the hashed entry names.
async function finish(result) {
  if (result.errors.length) return;
  for (const [from, to] of copies) await copyFile(from, to);
  const names = new Map(); // "/assets/main.js" -> "/assets/main-ABCD1234.js"
  for (const [file, o] of Object.entries(result.metafile.outputs)) {
    if (!o.entryPoint) continue;
    const ext = file.slice(file.lastIndexOf("."));
    const entry = basename(o.entryPoint).replace(/\.[^.]+$/, "") + ext;
    names.set("/assets/" + entry, "/" + relative(out, join(here, file)).split("\\").join("/"));
  }
  for (const page of pages) {
    let html = await readFile(join(here, "src", page), "utf8");
    for (const [from, to] of names) {
      if (!html.includes(`"${from}"`)) continue;
      html = html.replaceAll(`"${from}"`, `"${to}"`);
    }
    await writeFile(join(out, page), html);
  }
  // What the bundle is built from, for `geoheat version` and /api/status
  // (internal/web.Bundle reads it): the libraries the page ships, as pinned.
  const shipped = ["maplibre-gl", "@deck.gl/core", "@deck.gl/aggregation-layers", "@deck.gl/layers", "@deck.gl/google-maps",
    "@googlemaps/js-api-loader", "topojson-client", "world-atlas"];
  const versions = [];
  for (const name of shipped) {
    const pkg = JSON.parse(await readFile(join(here, "node_modules", name, "package.json"), "utf8"));
    versions.push(`${name} ${pkg.version}`);
  }
  await writeFile(join(out, "SOURCES"), versions.join(", ") + "\n");
  if (!dev) {
    const { files, bytes, gz, br } = await precompress(out);
    console.log(`precompressed ${files} files: ${kb(bytes)} -> gzip ${kb(gz)}, brotli ${kb(br)}`);
  }
}

const kb = (n) => (n / 1024).toFixed(0) + " KiB";

const options = {
  absWorkingDir: here,
  entryPoints: ["src/main.js", "src/style.css"],
  outdir: assets,
  bundle: true,
  format: "esm",
  splitting: true, // Google Maps + deck.gl load only when that basemap is chosen
  entryNames: dev ? "[name]" : "[name]-[hash]",
  chunkNames: "chunk-[hash]",
  minify: !dev,
  sourcemap: dev ? "linked" : false,
  define: { __MAPLIBRE_WORKER__: JSON.stringify("/assets/" + workerName) },
  metafile: true,
  target: "es2022",
  legalComments: "linked",
  logLevel: "info",
  plugins: [{ name: "finish", setup: (b) => b.onEnd(finish) }],
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
