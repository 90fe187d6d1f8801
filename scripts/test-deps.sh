#!/usr/bin/env bash
# Installs what the test suite drives for real, when it is missing: Redis,
# the seed's Python pipeline (for the side-by-side parity test) and
# Debian's Chromium (for the dashboard's browser test), bzip2 (to write the
# archive test's .bz2 members), pandas and geopandas (the example notebook
# reads the exports with them).
# Without root or apt-get it only says what is missing; those tests then
# skip with a message saying the same (or fail, with CI set: .ci/run).
set -euo pipefail

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
command -v chromium >/dev/null || need+=(chromium)
command -v bzip2 >/dev/null || need+=(bzip2)
if ! /usr/bin/python3 -c 'import nltk, redis, numpy, dateutil' 2>/dev/null; then
  need+=(python3-nltk python3-redis python3-numpy python3-dateutil)
fi
if ! /usr/bin/python3 -c 'import pandas, geopandas' 2>/dev/null; then
  need+=(python3-pandas python3-geopandas)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "test-deps: missing ${need[*]} (install them with apt-get to run every test; the tests that need them will skip, or fail with CI set)" >&2
fi
