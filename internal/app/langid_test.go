package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/langid/eval"
)

func TestDetectDefaultsToNgram(t *testing.T) {
	out, errs, err := run(t, context.Background(), "", "detect", "--json", "Ich habe heute keine Zeit, weil ich arbeiten muss")
	if err != nil {
		t.Fatalf("detect: %v\n%s", err, errs)
	}
	var d struct {
		Lang     string `json:"lang"`
		Detector string `json:"detector"`
		Kept     bool   `json:"kept"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if d.Lang != "de" || d.Detector != "ngram" || !d.Kept {
		t.Errorf("detect = %+v, want de from ngram, kept", d)
	}
}

func TestLangidEval(t *testing.T) {
	dir := t.TempDir()
	tsv := filepath.Join(dir, "set.tsv")
	rows := "iso639_1\ttext\tsource\n" +
		"en\tThe weather is lovely today and we are going to the beach\tmine\n" +
		"es\tHoy hace buen tiempo y vamos todos a la playa\tmine\n" +
		"nb\tJeg vet ikke hva jeg skal gjøre med dette i kveld\tpemistahl/lingua-rs:x\n" +
		"fr\t@user 123 😂\tmine\n"
	if err := os.WriteFile(tsv, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, err := run(t, context.Background(), "", "langid", "eval", "--json", "--detector", "ngram,stopwords",
		"--stopwords-dir", miniStopwords, tsv, "tweets:testdata/stream.jsonl")
	if err != nil {
		t.Fatalf("langid eval: %v\n%s", err, errs)
	}
	var reps []eval.Report
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(reps) != 2 || reps[0].Detector != "ngram" || reps[1].Detector != "stopwords" {
		t.Fatalf("reports = %+v, want ngram then stopwords", reps)
	}
	sets := map[string]eval.Stats{}
	for _, st := range reps[0].Sets {
		sets[st.Group] = st
	}
	other, lingua, tweets := sets["other sources"], sets["lingua test data"], sets["tweets"]
	// The noise-only French row has no letters: wrong and und.
	if other.Texts != 3 || other.Correct != 2 || other.Und != 1 {
		t.Errorf("other sources = %+v, want 3 texts, 2 correct, 1 und", other)
	}
	if lingua.Texts != 1 || lingua.Correct != 1 { // nb and no are the same language
		t.Errorf("lingua rows = %+v, want 1 text, correct", lingua)
	}
	if tweets.Texts != 6 || tweets.Correct < 3 { // tiny texts: several are und
		t.Errorf("tweets = %+v, want 6 labelled tweets, at least 3 agreeing", tweets)
	}
	if other.TextsPerSec <= 0 || len(other.Confusions) != 1 || other.Confusions[0].Gold != "fr" {
		t.Errorf("other sources = %+v, want a rate and the fr confusion", other)
	}

	out, _, err = run(t, context.Background(), "", "langid", "eval", "--detector", "ngram", tsv)
	if err != nil || !strings.Contains(out, "other sources") || !strings.Contains(out, "main confusions") {
		t.Errorf("table output: %v\n%s", err, out)
	}
	if _, _, err := run(t, context.Background(), "", "langid", "frob"); err == nil {
		t.Error("langid frob: want a usage error")
	}
	if _, _, err := run(t, context.Background(), "", "langid", "eval"); err == nil {
		t.Error("langid eval without a file: want a usage error")
	}
}

// The platform detector records posts under their own tag: the pipeline
// hands it the tag (langid.PostDetector).
func TestIngestWithPlatformDetector(t *testing.T) {
	dir := t.TempDir()
	out, errs, err := run(t, context.Background(), "", "ingest", "--source", "file:testdata/stream.jsonl", "--data-dir", dir,
		"--detector", "platform", "--json")
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, errs)
	}
	var sum Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if sum.Undetected != 0 || sum.Written != sum.Posts {
		t.Errorf("summary = %+v: every tagged post should be recorded", sum)
	}
}
