// Builds the dashboard into internal/web/bundle, which the Go binary embeds:
// the page's own sources from src/, bundled with their npm dependencies by
// esbuild, plus the files the page loads at run time (MapLibre's worker,
// Natural Earth outlines from world-atlas). `node build.mjs --watch`
// rebuilds on change, for `geoheat serve --web-dir internal/web/bundle`.
import * as esbuild from "esbuild";
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "internal", "web", "bundle");
const watch = process.argv.includes("--watch");

// Clean everything but the committed README that keeps go:embed happy on a
// fresh clone.
await mkdir(out, { recursive: true });
for (const name of await readdir(out)) {
  if (name !== "README.md") await rm(join(out, name), { recursive: true, force: true });
}
await mkdir(join(out, "assets"), { recursive: true });

const copies = [
  ["src/index.html", "index.html"],
  ["src/embed.html", "embed.html"],
  ["node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs", "assets/maplibre-gl-worker.mjs"],
  ["node_modules/world-atlas/countries-50m.json", "countries-50m.json"],
];
async function copyAll() {
  for (const [from, to] of copies) await copyFile(join(here, from), join(out, to));
}

const options = {
  absWorkingDir: here,
  entryPoints: ["src/main.js", "src/style.css"],
  outdir: join(out, "assets"),
  bundle: true,
  format: "esm",
  splitting: true, // Google Maps + deck.gl load only when that basemap is chosen
  entryNames: "[name]",
  chunkNames: "chunk-[hash]",
  minify: true,
  sourcemap: false, // keeps the binary small; `npm run watch` builds are for debugging
  target: "es2022",
  legalComments: "linked",
  logLevel: "info",
  plugins: [{ name: "copy", setup: (b) => b.onEnd(copyAll) }],
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
