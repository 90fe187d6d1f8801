#!/usr/bin/python3
"""Regenerate the stopwords detector's golden files with the real NLTK.

Usage (from the repository root; needs Debian's python3-nltk, and numpy,
redis and dateutil for the cross-check against the seed's own function):

    /usr/bin/python3 internal/langid/stopwords/testdata/gen_golden.py \
        [--shared /work/shared/data] [--seed-check-every 1]

This is the `-update` step for the stopwords tests: the Go tests only read the
files written here. Rerun it after editing texts.txt or the lists in
minilists/, and commit all outputs together.

For each list set (the 29 newest NLTK lists, the 14 lists of 2012, and the
self-made minilists/) a child interpreter is started with NLTK_DATA pointing
at the set, so that `from nltk.corpus import stopwords` loads it exactly as the
seed did. The child scores every text with the seed's get_likely_language
logic made deterministic: instead of a random pick among the languages tied at
the top it records all of them, sorted. Unless --seed-check-every is 0, every
Nth text is also run through the seed's real get_likely_language (imported
from shared/baseline/seed_pipeline.py), and its (language, matches, total)
must agree: same numbers, language among the tied ones.

Outputs (next to this script):

  lists.json             per list set and list: NLTK's stopwords.words(name)
                         summarised as count and sha256 of the words joined by
                         "\\0"; for minilists the words themselves.
  fixture.json           the texts of texts.txt (after unescaping) and, per
                         list set, [matches, total, tied] for each text.
  tweets_newest.jsonl.gz one line per tweet of
  tweets_2012.jsonl.gz   shared/data/tweets/combined/v1_tweets_unique.jsonl.gz
                         that has an id and a text: {"id", "f" (field used),
                         "m", "t", "tied"}; ids and results only, no tweet
                         text. The field is "text", or "full_text" for the
                         messages that only carry that one. The first line is
                         a header.

texts.txt: one text per line; blank lines and lines starting with "# " are
skipped; escapes are decoded with Python's "unicode_escape" (non-ASCII text is
kept as is), so "\\t" or "\\u0130" spell hard-to-see characters.
"""

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def list_sets(shared):
    return {
        "newest": os.path.join(shared, "nltk_stopwords"),
        "2012": os.path.join(shared, "nltk_stopwords", "notebook_era_2012"),
        "minilists": os.path.join(HERE, "minilists"),
    }


def unescape(line):
    return line.encode("ascii", "backslashreplace").decode("unicode_escape")


def fixture_texts():
    texts = []
    with open(os.path.join(HERE, "texts.txt"), encoding="utf-8") as f:
        for raw in f.read().split("\n"):
            if not raw or raw.startswith("# "):
                continue
            texts.append(unescape(raw))
    return texts


def tweet_texts(path):
    """(id, field, text) for every message with an id and a text; see the
    docstring."""
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            msg = json.loads(line)
            for field in ("text", "full_text"):
                if isinstance(msg.get(field), str):
                    break
            else:
                continue
            tid = msg.get("id_str") or msg.get("id")
            if tid is None:
                continue  # a message without an id cannot be keyed (one has "id": null)
            tid = str(tid)
            out.append((tid, field, msg[field]))
    ids = [t[0] for t in out]
    assert len(ids) == len(set(ids)), "tweet ids are not unique"
    return out


# --- child: runs with NLTK_DATA set to one list set -------------------------


def child(seed_check_every, baseline):
    from nltk.corpus import stopwords
    from nltk.tokenize import wordpunct_tokenize

    fileids = stopwords.fileids()
    sets = {lang: set(stopwords.words(lang)) for lang in fileids}

    def score(text):
        # get_likely_language, deterministic: all tied languages, sorted.
        words = set(wordpunct_tokenize(text.lower()))
        scores = {lang: len(words & sets[lang]) for lang in fileids}
        total = sum(scores.values())
        best = max(scores.values())
        tied = sorted(l for l in fileids if scores[l] == best) if best > 0 else []
        return [best, total, tied]

    seed_fn = None
    if seed_check_every:
        sys.path.insert(0, baseline)
        import numpy as np
        from seed_pipeline import get_likely_language as seed_fn

        np.random.seed(1)

    texts = json.load(sys.stdin)
    results = []
    checked = 0
    for i, text in enumerate(texts):
        r = score(text)
        if seed_fn and i % seed_check_every == 0:
            lang, m, t = seed_fn(text)
            ok = m == r[0] and t == r[1] and (lang in r[2] if r[0] else lang == "unknown")
            if not ok:
                sys.exit("seed disagrees on text %d: %r vs %r" % (i, (lang, m, t), r))
            checked += 1
        results.append(r)

    lists = []
    for lang in fileids:
        words = stopwords.words(lang)
        lists.append(
            {
                "name": lang,
                "n": len(words),
                "sha256": hashlib.sha256("\0".join(words).encode("utf-8")).hexdigest(),
                "words": words,
            }
        )
    json.dump({"results": results, "lists": lists, "seed_checked": checked}, sys.stdout, ensure_ascii=False)


# --- parent -----------------------------------------------------------------


def run_child(root, texts, seed_check_every, baseline):
    env = dict(os.environ, NLTK_DATA=root)
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", "--seed-check-every", str(seed_check_every),
         "--baseline", baseline],
        input=json.dumps(texts, ensure_ascii=False).encode("utf-8"),
        stdout=subprocess.PIPE,
        env=env,
        check=True,
    )
    return json.loads(proc.stdout.decode("utf-8"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="/work/shared/data")
    ap.add_argument("--baseline", default="/work/shared/baseline")
    ap.add_argument("--seed-check-every", type=int, default=1)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.seed_check_every, args.baseline)
        return

    import nltk

    versions = {"python": sys.version.split()[0], "nltk": nltk.__version__}
    fixture = fixture_texts()
    tweets = tweet_texts(os.path.join(args.shared, "tweets", "combined", "v1_tweets_unique.jsonl.gz"))

    lists_doc = dict(versions, sets={})
    fixture_doc = dict(versions, texts=fixture, results={})
    for name, root in list_sets(args.shared).items():
        with_tweets = name != "minilists"
        texts = fixture + ([t[2] for t in tweets] if with_tweets else [])
        out = run_child(root, texts, args.seed_check_every, args.baseline)
        print("%s: %d lists, %d texts, %d checked against the seed's function"
              % (name, len(out["lists"]), len(texts), out["seed_checked"]))
        if name != "minilists":
            for l in out["lists"]:
                del l["words"]
        lists_doc["sets"][name] = out["lists"]
        results = out["results"]
        fixture_doc["results"][name] = results[: len(fixture)]
        if with_tweets:
            path = os.path.join(HERE, "tweets_%s.jsonl.gz" % name)
            # mtime=0 keeps the file identical across runs with the same data.
            with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                header = dict(versions, lists=name, source="tweets/combined/v1_tweets_unique.jsonl.gz",
                              rows=len(tweets))
                gz.write((json.dumps(header) + "\n").encode("utf-8"))
                for (tid, field, _), (m, t, tied) in zip(tweets, results[len(fixture):]):
                    row = {"id": tid, "f": field, "m": m, "t": t, "tied": tied}
                    gz.write((json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))

    with open(os.path.join(HERE, "lists.json"), "w", encoding="utf-8") as f:
        json.dump(lists_doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(HERE, "fixture.json"), "w", encoding="utf-8") as f:
        # One line per text and result keeps diffs readable.
        f.write("{\n")
        for k, v in versions.items():
            f.write(' "%s": %s,\n' % (k, json.dumps(v)))
        f.write(' "texts": [\n')
        f.write(",\n".join("  " + json.dumps(t, ensure_ascii=False) for t in fixture))
        f.write("\n ],\n \"results\": {\n")
        sets = []
        for name, rows in fixture_doc["results"].items():
            body = ",\n".join("   " + json.dumps(r, ensure_ascii=False) for r in rows)
            sets.append('  "%s": [\n%s\n  ]' % (name, body))
        f.write(",\n".join(sets))
        f.write("\n }\n}\n")


if __name__ == "__main__":
    main()
