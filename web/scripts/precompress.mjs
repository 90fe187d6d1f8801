// Writes a gzip (.gz) and a brotli (.br) copy next to every compressible
// file of a build, at the strongest settings (it runs once per build, the
// copies are served many times). A copy is kept only when it is smaller.
// geoheat serves it instead of the original to a browser that accepts that
// encoding (internal/web). Usage: node scripts/precompress.mjs DIR
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const COMPRESSIBLE = /\.(js|mjs|css|html|json|svg|txt|map)$/;
const MIN_SIZE = 256; // smaller files gain less than the request costs

export async function precompress(dir) {
  const sum = { files: 0, bytes: 0, gz: 0, br: 0 };
  for (const ent of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!ent.isFile() || !COMPRESSIBLE.test(ent.name)) continue;
    const file = join(ent.parentPath, ent.name);
    const data = await readFile(file);
    if (data.length < MIN_SIZE) continue;
    const gz = gzipSync(data, { level: 9 });
    const br = brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    });
    sum.files++;
    sum.bytes += data.length;
    sum.gz += await keep(file + ".gz", gz, data.length);
    sum.br += await keep(file + ".br", br, data.length);
  }
  return sum;
}

async function keep(file, data, original) {
  if (data.length >= original) {
    await rm(file, { force: true });
    return original;
  }
  await writeFile(file, data);
  return data.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: node scripts/precompress.mjs DIR");
    process.exit(2);
  }
  console.log(await precompress(dir));
}
