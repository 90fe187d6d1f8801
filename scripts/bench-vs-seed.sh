#!/usr/bin/env bash
# Side by side: geoheat ingest and the seed's own pipeline
# (../shared/baseline/seed_pipeline.py, multiprocessing, its private Redis)
# on the same demo corpus. Usage: scripts/bench-vs-seed.sh [MESSAGES_GEOHEAT] [MESSAGES_SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
NSEED=${2:-20000}
SHARED=${SHARED:-../shared}
LISTS_NEWEST=$SHARED/data/nltk_stopwords
LISTS_2012=$SHARED/data/nltk_stopwords/notebook_era_2012
TMP=$(mktemp -d)
trap 'redis-cli -p 6399 shutdown nosave >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT

go build -o "$TMP/geoheat" ./cmd/geoheat
"$TMP/geoheat" demo --limit "$N" --seed 2 -o "$TMP/corpus.jsonl"
# The seed's loader dies on a malformed line (json.loads raises), so it
# gets the corpus without them; geoheat reads both.
/usr/bin/python3 - "$TMP/corpus.jsonl" "$TMP/seed.jsonl" "$NSEED" <<'PY'
import json, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src) as f, open(dst, "w") as o:
    k = 0
    for line in f:
        if k >= n: break
        try: json.loads(line)
        except ValueError: continue
        o.write(line); k += 1
PY
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus: $N demo messages, $(( $(stat -c %s "$TMP/corpus.jsonl") / N )) bytes each on average"

for set in newest 2012 ngram; do
  lists=$LISTS_NEWEST; [ $set = 2012 ] && lists=$LISTS_2012
  detector=stopwords; [ $set = ngram ] && detector=ngram
  for i in 1 2 3; do
    rm -rf "$TMP/data"
    "$TMP/geoheat" ingest --source "file:$TMP/corpus.jsonl" --data-dir "$TMP/data" --detector $detector --stopwords-dir "$lists" --json --log-level warn |
      /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print('geoheat  detector=$detector lists=$set run=$i messages=%d written=%d seconds=%.3f messages/s=%.0f' % (d['messages'], d['written'], d['seconds'], d['messages']/d['seconds']))"
  done
done

redis-server --port 6399 --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP" --daemonize yes >/dev/null
sleep 0.5
for set in newest 2012; do
  lists=$LISTS_NEWEST; [ $set = 2012 ] && lists=$LISTS_2012
  NLTK_DATA=$lists /usr/bin/python3 "$SHARED/baseline/seed_pipeline.py" "$TMP/seed.jsonl" 6399 0 --flush --seed 1 --no-appendonly |
    sed -n 's/^RESULT //p' |
    /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print('seed     lists=$set messages=%d written=%d seconds=%.3f messages/s=%.0f' % (d['messages_read'], d['tweets_written'], d['wall_s'], d['messages_per_s']))"
done
