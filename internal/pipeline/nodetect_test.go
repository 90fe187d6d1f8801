package pipeline

import (
	"context"
	"testing"
)

// Without a Detector (the Redis stream publisher) every parsed post reaches
// the Recorder as parsed, in stream order, with the parse counters and the
// hashtag cap of a detecting run and nothing counted as detected.
func TestWithoutDetectorPostsGoOnAsParsed(t *testing.T) {
	in := msgs(3000)
	rec := &sliceRecorder{}
	p, err := New(Config{Source: &sliceSource{msgs: in}, NewParser: func() Parser { return lineParser{} },
		Recorder: rec, Workers: 3, BatchSize: 17})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	posts, notices, malformed := classifyLines(in)
	var want []string
	for _, ps := range posts {
		want = append(want, ps[0]) // "none" too: nobody detected yet
	}
	if len(rec.posts) != len(want) {
		t.Fatalf("recorded %d posts, want %d", len(rec.posts), len(want))
	}
	for i, ps := range rec.posts {
		if ps.ID != want[i] || ps.Lang != "" {
			t.Fatalf("post %d: id %q lang %q, want id %q and no language", i, ps.ID, ps.Lang, want[i])
		}
	}
	s := p.Stats()
	if s.Messages != int64(len(in)) || s.Posts != int64(len(want)) || s.Written != int64(len(want)) ||
		s.NoticeCount() != notices || s.Malformed != malformed || s.Detected != 0 || s.Undetected != 0 || s.Handled != int64(len(in)) {
		t.Errorf("stats %+v: want %d messages, %d posts written, %d notices, %d malformed, none detected", s, len(in), len(want), notices, malformed)
	}
}

// A Locator needs the language, so it is refused without a Detector.
func TestLocatorNeedsDetector(t *testing.T) {
	_, err := New(Config{Source: &sliceSource{}, NewParser: func() Parser { return lineParser{} },
		Recorder: &sliceRecorder{}, Locator: &evenLocator{}})
	if err == nil {
		t.Fatal("New accepted a Locator without a Detector")
	}
}
