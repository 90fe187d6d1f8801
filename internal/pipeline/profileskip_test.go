package pipeline

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/post"
)

// skipParser reports ProfileSkipped for posts whose text starts "skip".
type skipParser struct{}

func (skipParser) Parse(data []byte, dst *post.Post) Outcome {
	id, text, _ := strings.Cut(string(data), " ")
	*dst = post.Post{ID: id, Text: text}
	return Outcome{Kind: KindPost, ProfileSkipped: strings.HasPrefix(text, "skip")}
}

// Posts whose profile was too long to read are counted and still recorded.
func TestPipelineCountsSkippedProfiles(t *testing.T) {
	var in [][]byte
	want := 0
	for i := 0; i < 100; i++ {
		text := "en"
		if i%7 == 0 {
			text, want = "skip", want+1
		}
		in = append(in, []byte(fmt.Sprintf("%d %s", i, text)))
	}
	rec := &sliceRecorder{}
	p, err := New(Config{Source: &sliceSource{msgs: in}, NewParser: func() Parser { return skipParser{} },
		Detector: textDetector{}, Recorder: rec, Workers: 3, BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.ProfileSkipped != int64(want) || s.Written != int64(len(in)) {
		t.Errorf("ProfileSkipped %d, written %d; want %d and %d", s.ProfileSkipped, s.Written, want, len(in))
	}
}
