package bench

import (
	"context"
	"errors"
	"runtime"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/file"
	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// StageInputs are the real components whose cost MeasureStages splits:
// the app's parser, its detector and a store to record into.
type StageInputs struct {
	Corpus    string
	NewParser func() pipeline.Parser
	Detector  langid.Detector
	Recorder  store.Recorder
}

// mallocs is the process's heap allocation count so far. ReadMemStats
// stops the world, so it is called only between timed loops.
func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// MeasureStages times each pipeline stage on its own, on one goroutine,
// over the whole corpus, doing the work the pipeline does in that stage:
// read (the file source's reader, into a channel drained by a counter),
// parse (every message, with the app's parser), detect (every post, as the
// pipeline's workers do, PostDetector included), record (the kept posts,
// in batches of 256). Costs are per corpus message, so the four add up to
// one core's budget per message; the end-to-end rows spread that over the
// pipeline's goroutines.
func MeasureStages(ctx context.Context, in StageInputs) ([]Stage, error) {
	var stages []Stage
	measure := func(name string, msgs int, fn func() error) error {
		runtime.GC()
		a0 := mallocs()
		t0 := time.Now()
		if err := fn(); err != nil {
			return err
		}
		took := time.Since(t0)
		a1 := mallocs()
		if msgs == 0 {
			return errors.New("bench: empty corpus")
		}
		stages = append(stages, Stage{Name: name, NsPerMsg: float64(took.Nanoseconds()) / float64(msgs), AllocsPerMsg: float64(a1-a0) / float64(msgs)})
		return nil
	}

	// read: the file source as the pipeline runs it, minus the pipeline.
	var read int
	err := measure("read", 1, func() error {
		src, err := file.New(in.Corpus)
		if err != nil {
			return err
		}
		ch := make(chan ingest.Message, 8192)
		done := make(chan struct{})
		go func() {
			for range ch {
				read++
			}
			close(done)
		}()
		err = src.Run(ctx, ch)
		close(ch)
		<-done
		return err
	})
	if err != nil {
		return nil, err
	}
	// The read closure ran with msgs=1 because the count is known only
	// afterwards; rescale it.
	stages[0].NsPerMsg /= float64(read)
	stages[0].AllocsPerMsg /= float64(read)

	lines, _, err := ReadLines(in.Corpus)
	if err != nil {
		return nil, err
	}
	posts := make([]post.Post, 0, len(lines))
	err = measure("parse", len(lines), func() error {
		p := in.NewParser()
		for _, l := range lines {
			posts = append(posts, post.Post{})
			if p.Parse(l, &posts[len(posts)-1]).Kind != pipeline.KindPost {
				posts = posts[:len(posts)-1]
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = measure("detect", len(lines), func() error {
		pipeline.DetectPosts(in.Detector, posts)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if in.Recorder == nil {
		return stages, nil
	}
	err = measure("record", len(lines), func() error {
		// Only detected posts, as the pipeline's writer records.
		kept := make([]post.Post, 0, len(posts))
		for _, ps := range posts {
			if ps.Lang != "" {
				kept = append(kept, ps)
			}
		}
		for i := 0; i < len(kept); i += 256 {
			if err := in.Recorder.Record(ctx, kept[i:min(i+256, len(kept))]); err != nil {
				return err
			}
		}
		return nil
	})
	return stages, err
}
