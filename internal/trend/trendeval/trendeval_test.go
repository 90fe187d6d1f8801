package trendeval

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/langid/ngram"
	"github.com/geoheat/geoheat/internal/langid/platform"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/place"
	"github.com/geoheat/geoheat/internal/testenv"
	"github.com/geoheat/geoheat/internal/web"
)

// replayOptions are the real components a replay needs: the countries'
// outlines and the n-gram model (build outputs), the platform's language
// tag trusted over the model so that a short test spends its time on
// trends rather than on detection.
func replayOptions(t *testing.T) Options {
	t.Helper()
	if _, err := place.DefaultCountries(); errors.Is(err, web.ErrNotBuilt) {
		testenv.Missing(t, "country outlines not built (run `make build`): %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	text, err := ngram.New(ngram.Options{})
	if errors.Is(err, ngram.ErrNoModel) {
		testenv.Missing(t, "n-gram model not built (run `make build`): %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	return Options{
		NewParser: func() pipeline.Parser { return &pipeline.TweetParser{} },
		Detector:  platform.New(platform.Trust, text),
	}
}

// TestRunFindsBurstsNotSpam replays a few hours of demo traffic at a low
// rate with bursts and a spammer posting its tag a thousand times,
// and checks that the evaluation finds most bursts in their language's
// top 5, within minutes, and never lists the spam tag.
func TestRunFindsBurstsNotSpam(t *testing.T) {
	if testing.Short() {
		t.Skip("replays three hours of stream twice")
	}
	o := replayOptions(t)
	// Three hours of stream at a quarter of the sample rate, twice (about
	// a minute under -race): 90 minutes of warm-up for a 30-minute window
	// and an hour's baseline, an hour evaluated, and 45 minutes for its
	// bursts to end.
	o.Seed = 12
	o.Rate = 15
	o.Window = 30 * time.Minute
	o.Baseline = time.Hour
	o.Span = time.Hour
	o.Tail = 45 * time.Minute
	o.BurstsPerHour = 8
	o.SpamShare = 0.03
	var progress bytes.Buffer
	o.Progress = &progress
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text, true); err != nil {
		t.Fatal(err)
	}
	t.Logf("progress:\n%s\nreport:\n%s", progress.String(), text.String())

	lang := rep.Views[ViewLang]
	if lang.Total < 3 {
		t.Fatalf("only %d bursts evaluated; the test needs a few", lang.Total)
	}
	if lang.Detected*4 < lang.Total*3 {
		t.Errorf("%d of %d bursts in their language's top 5, want at least 3/4", lang.Detected, lang.Total)
	}
	if lang.DelayMedianMin > 20 {
		t.Errorf("median delay %.0f min, want minutes", lang.DelayMedianMin)
	}
	if country := rep.Views[ViewCountry]; country.Detected == 0 {
		t.Errorf("no burst found in its country's trends: %+v", country)
	}
	if len(rep.Sweep) == 0 || rep.Sweep[0].LangPct != lang.Percent || rep.Sweep[0].FalseMean != rep.FalseQuiet.MeanPerHour {
		t.Errorf("the sweep's first row (the run's own rule) disagrees with the report: %+v", rep.Sweep[:min(1, len(rep.Sweep))])
	}
	if rep.Spam == nil {
		t.Fatal("no spammer in the report")
	}
	spamPosts := rep.Runs[1].SpamPosts
	if spamPosts < 1000 {
		t.Fatalf("the spammer posted %d times, the test wants over 1,000", spamPosts)
	}
	if len(rep.SpamListed) > 0 {
		t.Errorf("the spam tag trended: %+v", rep.SpamListed[0])
	}
	for _, run := range rep.Runs {
		if run.Written == 0 || run.Queries == 0 {
			t.Errorf("run %+v recorded or asked nothing", run)
		}
	}
	if len(rep.AlwaysBig["en"]) != AlwaysBigN {
		t.Errorf("always-big tags of en: %v", rep.AlwaysBig["en"])
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"views"`) {
		t.Errorf("JSON report without views: %.200s", js.String())
	}
}

// TestBadOptions: options that cannot be evaluated are refused as
// ErrOptions before anything is generated.
func TestBadOptions(t *testing.T) {
	if _, err := Run(context.Background(), Options{}); !errors.Is(err, ErrOptions) {
		t.Errorf("no parser nor detector: %v", err)
	}
	base := replayOptions(t)
	for name, mod := range map[string]func(*Options){
		"baseline shorter than window": func(o *Options) { o.Window, o.Baseline = 2*time.Hour, time.Hour },
		"negative rate":                func(o *Options) { o.Rate = -1 },
		"tick not whole buckets":       func(o *Options) { o.Tick = 7 * time.Minute },
		"top beyond the maximum":       func(o *Options) { o.Top = 1000 },
		"span shorter than a tick":     func(o *Options) { o.Span = time.Minute },
		"no bursts":                    func(o *Options) { o.BurstsPerHour = -1 },
		"min authors below 1":          func(o *Options) { o.MinAuthors = -3 },
	} {
		o := base
		mod(&o)
		if _, err := Run(context.Background(), o); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: %v, want ErrOptions", name, err)
		}
	}
}
