package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/geoheat/geoheat/internal/post"
)

// geoParser understands "post <id> <lang> <tags> <exact>": lang "none" is
// undetected by textDetector, tags is how many hashtags the post carries,
// exact 1 gives the post its own coordinates.
type geoParser struct{}

func (geoParser) Parse(data []byte, dst *post.Post) Outcome {
	f := bytes.Fields(data)
	n, _ := strconv.Atoi(string(f[3]))
	*dst = post.Post{ID: string(f[1]), Text: string(f[2])}
	for i := range n {
		dst.Hashtags = append(dst.Hashtags, fmt.Sprint("t", i))
	}
	if string(f[4]) == "1" {
		dst.HasPoint, dst.Point, dst.GeoSource, dst.GeoConfidence = true, post.Point{Lat: 1, Lon: 1}, post.GeoExact, 1
	}
	return Outcome{Kind: KindPost}
}

// evenLocator places posts with an even id in the text, and remembers
// every post it was asked about.
type evenLocator struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (l *evenLocator) Locate(p *post.Post) {
	l.mu.Lock()
	l.seen[p.ID] = true
	l.mu.Unlock()
	if id, _ := strconv.Atoi(p.ID); id%2 == 0 {
		p.HasPoint, p.Point, p.GeoSource, p.GeoConfidence = true, post.Point{Lat: 2, Lon: 2}, post.GeoText, 0.7
	}
}

func TestPipelineLocatesDetectedPostsWithoutPointAndCapsHashtags(t *testing.T) {
	var lines [][]byte
	for i := range 1000 {
		lang := "en"
		if i%5 == 0 {
			lang = "none"
		}
		lines = append(lines, fmt.Appendf(nil, "post %d %s %d %d", i, lang, i%100, min(1, i%3)))
	}
	rec := &sliceRecorder{}
	loc := &evenLocator{seen: map[string]bool{}}
	p, err := New(Config{Source: &sliceSource{msgs: lines}, NewParser: func() Parser { return geoParser{} },
		Detector: textDetector{}, Recorder: rec, Locator: loc, MaxHashtags: 50, Workers: 3, BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wantLocated, wantCut int64
	for i := range 1000 {
		undetected, exact := i%5 == 0, i%3 != 0
		asked := loc.seen[strconv.Itoa(i)]
		if want := !undetected && !exact; asked != want {
			t.Errorf("post %d (undetected %v, exact %v): locator asked %v, want %v", i, undetected, exact, asked, want)
		}
		if !undetected && !exact && i%2 == 0 {
			wantLocated++
		}
		if i%100 > 50 {
			wantCut += int64(i%100 - 50)
		}
	}
	var gotLocated int64
	for _, ps := range rec.posts {
		id, _ := strconv.Atoi(ps.ID)
		if ps.GeoSource == post.GeoText {
			gotLocated++
			if !ps.HasPoint || ps.GeoConfidence != 0.7 {
				t.Errorf("post %d: located point not kept: %+v", id, ps)
			}
		}
		if want := min(id%100, 50); len(ps.Hashtags) != want {
			t.Errorf("post %d: %d hashtags, want %d", id, len(ps.Hashtags), want)
		}
	}
	s := p.Stats()
	if gotLocated != wantLocated || s.Located["text"] != wantLocated {
		t.Errorf("located: recorded %d, stats %v, want %d", gotLocated, s.Located, wantLocated)
	}
	// The cap applies at parse time, so undetected posts count too.
	if s.HashtagsCut != wantCut {
		t.Errorf("hashtags cut %d, want %d", s.HashtagsCut, wantCut)
	}
}
