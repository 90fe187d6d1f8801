package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// goodLine is a valid English v1.1 tweet the stopword detector keeps, with
// a hashtag unique to the case so the store proves it was recorded.
func goodLine(tag string) string {
	return fmt.Sprintf(`{"created_at":"Wed Jun 11 12:00:09 +0000 2014","id":99,"id_str":"99","text":"the end of the world and the #%s","user":{"id":1,"id_str":"1","screen_name":"z"},"entities":{"hashtags":[{"text":"%s","indices":[29,%d]}]},"lang":"en"}`,
		tag, tag, 30+len(tag))
}

// tweetWith returns a tweet whose fields are overridden by extra JSON
// members (later keys win in the parser or make it malformed; both are
// acceptable as long as they are counted).
func tweetWith(text, extra string) string {
	return `{"created_at":"Wed Jun 11 12:00:08 +0000 2014","id":7,"id_str":"7","text":` + text +
		`,"user":{"id":2,"id_str":"2","screen_name":"y"},"lang":"en"` + extra + `}`
}

// TestHostileFiles feeds hostile archives through the real `geoheat ingest`
// (file source, parser, detector, writer, persisted store) in-process.
// Every hostile message must be counted (malformed, skipped as oversize, or
// kept with its damage bounded), nothing may crash, the good line after it
// must be recorded, and the heap must stay bounded while it runs.
func TestHostileFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("writes files of tens of megabytes")
	}
	lists := stopwordDir(t)
	manyTags := make([]string, 10_000)
	for i := range manyTags {
		manyTags[i] = fmt.Sprintf(`{"text":"t%d","indices":[0,1]}`, i)
	}
	cases := []struct {
		name    string
		hostile func() string // one message, no newline
		// skipped: the source drops it before parsing (over the maximum
		// message size), so it is not a message at all.
		skipped bool
	}{
		{"10 MB line", func() string {
			return tweetWith(`"the `+strings.Repeat("word ", 2<<20)+`"`, "")
		}, false},
		{"20 MB line over the limit", func() string {
			return tweetWith(`"`+strings.Repeat("x", 20<<20)+`"`, "")
		}, true},
		{"deep nesting", func() string {
			return strings.Repeat(`{"a":[`, 200_000) + strings.Repeat(`]}`, 200_000)
		}, false},
		{"deep nesting inside a tweet", func() string {
			return tweetWith(`"the end"`, `,"entities":`+strings.Repeat(`[`, 100_000)+strings.Repeat(`]`, 100_000))
		}, false},
		{"invalid UTF-8", func() string { return tweetWith("\"the end \xff\xfe\xc3\x28 of #caf\xe9\"", "") }, false},
		{"NUL bytes raw", func() string { return "{\"created_at\x00\":\x00\"x\"}" }, false},
		{"NUL bytes escaped", func() string { return tweetWith(`"the end\u0000 of\u0000 the world"`, "") }, false},
		{"wrong types", func() string {
			return `{"created_at":5,"id":"x","id_str":7,"text":["the"],"user":"me","entities":{"hashtags":"no"},"coordinates":{"type":"Point","coordinates":"here"}}`
		}, false},
		{"NaN coordinates", func() string {
			return tweetWith(`"the end of the world"`, `,"coordinates":{"type":"Point","coordinates":[NaN,1]}`)
		}, false},
		{"Inf coordinates", func() string {
			return tweetWith(`"the end of the world"`, `,"coordinates":{"type":"Point","coordinates":[1e999,-1e999]}`)
		}, false},
		{"out-of-range coordinates", func() string {
			return tweetWith(`"the end of the world"`, `,"coordinates":{"type":"Point","coordinates":[500,-100]},"geo":{"type":"Point","coordinates":[-91,720]}`)
		}, false},
		{"10,000 hashtags", func() string {
			return tweetWith(`"the end of the world and the `+strings.Repeat("#t ", 10)+`"`, `,"entities":{"hashtags":[`+strings.Join(manyTags, ",")+`]}`)
		}, false},
	}
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tag := fmt.Sprintf("goodline%d", i)
			path := filepath.Join(dir, "hostile.jsonl")
			var buf bytes.Buffer
			buf.WriteString(tc.hostile())
			buf.WriteString("\n")
			buf.WriteString(goodLine(tag))
			buf.WriteString("\n")
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			sum, logs := ingestFile(t, path, filepath.Join(dir, "data"), lists)
			wantMessages := int64(2)
			if tc.skipped {
				// The file source counts it (Source.Skipped) and logs it;
				// it never reaches the pipeline as a message.
				wantMessages = 1
			}
			if sum.Messages != wantMessages {
				t.Fatalf("messages %d, want %d: %+v\n%.2000s", sum.Messages, wantMessages, sum, logs)
			}
			if got := sum.Posts + sum.Notices + sum.Malformed; got != sum.Messages {
				t.Errorf("posts %d + notices %d + malformed %d != messages %d", sum.Posts, sum.Notices, sum.Malformed, sum.Messages)
			}
			if sum.Written < 1 || sum.Written+sum.Undetected != sum.Posts {
				t.Errorf("written %d, undetected %d, posts %d: the good line must be written and every post accounted for", sum.Written, sum.Undetected, sum.Posts)
			}
			assertTagRecorded(t, filepath.Join(dir, "data"), tag)
			t.Logf("%+v", sum)
		})
	}
	t.Run("huge line without newline", func(t *testing.T) {
		// The good line comes first (nothing can follow a line that ends
		// the file); the 48 MB remainder must be skipped without being
		// held whole.
		dir := t.TempDir()
		path := filepath.Join(dir, "hostile.jsonl")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(f, goodLine("goodlinefirst"))
		chunk := bytes.Repeat([]byte(`{"a":"bbbbbbbb`), 1<<16)
		for range 48 << 20 / len(chunk) {
			f.Write(chunk)
		}
		f.Close()
		sum, logs := ingestFile(t, path, filepath.Join(dir, "data"), lists)
		if sum.Messages != 1 || sum.Written != 1 || sum.Error != "" {
			t.Fatalf("%+v\n%.2000s", sum, logs)
		}
		assertTagRecorded(t, filepath.Join(dir, "data"), "goodlinefirst")
	})
	// The largest input is 48 MB and the source bounds a message at 16 MB;
	// a few copies of the 10 MB line in flight (file window, parse, GC
	// slack) fit in this, buffering a whole oversize line would not.
	const heapBound = 512 << 20
	if p := peak.Load(); p > heapBound {
		t.Errorf("peak heap in use %d MB, want under %d MB", p>>20, heapBound>>20)
	} else {
		t.Logf("peak heap in use %d MB", p>>20)
	}
}

// ingestFile runs `geoheat ingest --json` on path and returns its summary
// and logs.
func ingestFile(t *testing.T, path, dataDir, lists string) (Summary, string) {
	t.Helper()
	out, logs, err := run(t, context.Background(), "", "ingest", "--source", "file:"+path, "--json",
		"--data-dir", dataDir, "--detector", "stopwords", "--stopwords-dir", lists, "--workers", "2", "--log-level", "debug")
	if err != nil {
		t.Fatalf("ingest: %v\n%.2000s", err, logs)
	}
	var sum Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("summary: %v in %.500q", err, out)
	}
	return sum, logs
}

// assertTagRecorded checks that the store in dataDir holds the hashtag.
func assertTagRecorded(t *testing.T, dataDir, tag string) {
	t.Helper()
	out, _, err := run(t, context.Background(), "", "top", "--data-dir", dataDir, "--lang", "en", "--n", "20000", "--json")
	if err != nil {
		t.Fatalf("top: %v", err)
	}
	if !strings.Contains(out, `"`+tag+`"`) {
		t.Errorf("the good line's #%s is not in the store: %.500s", tag, out)
	}
}
