package app

import (
	"context"
	"maps"
	"strings"
	"sync/atomic"

	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/bskyprofile"
	"github.com/geoheat/geoheat/internal/ingest/jetstream"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
)

// blueskySource is the Jetstream source with its authors' profiles: the
// directory of places their profiles name, filled by profile records from
// the stream (the parse stage) and, unless --bluesky-profiles=false, by
// AppView lookups of authors not seen yet. The lookups run beside the
// stream and end with it; nothing in them blocks the stream (docs/geo.md).
type blueskySource struct {
	*jetstream.Source
	dir     *bskyprofile.Directory
	appview *bskyprofile.AppView // nil: lookups off
	// oversize counts profile records over the lexicon's limits, cut.
	oversize atomic.Int64
}

var (
	_ pipeline.SourceCounter  = (*blueskySource)(nil)
	_ pipeline.HandledTracker = (*blueskySource)(nil)
)

// Run runs the stream and, beside it, the AppView lookups.
func (b *blueskySource) Run(ctx context.Context, out chan<- ingest.Message) error {
	if b.appview == nil {
		return b.Source.Run(ctx, out)
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.appview.Run(lctx) // returns only when lctx ends
	}()
	err := b.Source.Run(ctx, out)
	cancel()
	<-done
	return err
}

// Counters implements pipeline.SourceCounter.
func (b *blueskySource) Counters() map[string]int64 {
	if b.dir == nil {
		return nil
	}
	c := b.dir.Counters()
	c["profile_records_oversize"] = b.oversize.Load()
	if b.appview != nil {
		maps.Copy(c, b.appview.Counters())
	}
	return c
}

// Gauges implements pipeline.SourceGauger.
func (b *blueskySource) Gauges() map[string]int64 {
	if b.dir == nil {
		return nil
	}
	g := map[string]int64{"profile_cache_entries": int64(b.dir.Len())}
	if b.appview != nil {
		g["profile_lookups_pending"] = int64(b.appview.Pending())
	}
	return g
}

// profileRecord stores a profile record the parse stage read.
func (b *blueskySource) profileRecord(p *jetstream.Profile, timeUS int64) {
	if b.dir == nil {
		return
	}
	if p.Oversize {
		b.oversize.Add(1)
	}
	// A deleted profile names no place: Put with empty text.
	b.dir.Put(p.DID, p.DisplayName, p.Description, timeUS)
}

// openBluesky builds --source bluesky. With profile inference on
// (--geo-infer profile) and a gazetteer, it also asks Jetstream for profile
// records and keeps the directory of the places they name.
func openBluesky(cfg *Config, opts jetstream.Options) (*blueskySource, error) {
	b := &blueskySource{}
	if resolve := profileResolver(cfg); resolve != nil {
		opts.Profiles = true
		b.dir = bskyprofile.NewDirectory(bskyprofile.DirectoryOptions{Resolve: resolve})
		if cfg.BlueskyProfiles {
			av, err := bskyprofile.NewAppView(b.dir, bskyprofile.AppViewOptions{BaseURL: cfg.BlueskyAppView, Rate: cfg.BlueskyRate, Logger: opts.Logger})
			if err != nil {
				return nil, err
			}
			b.appview = av
		}
	}
	src, err := jetstream.New(opts)
	if err != nil {
		return nil, err
	}
	b.Source = src
	return b, nil
}

// profileResolver is the resolver's test of a profile's place, or nil when
// profile inference is off or the binary has no gazetteer (openLocator
// says so once). The language prior is left out: one author writes in
// several, and the pipeline's resolver applies the post's language again.
func profileResolver(cfg *Config) func(string) bool {
	profile, _, err := geoInferMethods(cfg.GeoInfer)
	if err != nil || !profile {
		return nil
	}
	g, err := geo.Default()
	if err != nil {
		return nil
	}
	r := geo.NewResolver(g, geo.Options{})
	return func(loc string) bool {
		_, ok := r.ResolveProfile(loc, "")
		return ok
	}
}

// profileLocator gives Bluesky posts their author's profile place before
// the next Locator (the geo resolver) runs, so that a placed post has
// provenance profile like any other profile location.
//
// Policy for an author not known yet: the post is recorded without a
// profile point (the resolver may still place it from its text), and the
// author is queued for an AppView lookup, so their later posts are
// placed. Holding posts until the answer comes would make ingest wait on
// the AppView, and the store has no way to move a recorded post later;
// the pipeline holds a post for milliseconds, far less than a lookup
// takes, so "placed if the answer comes while it is still in the
// pipeline" would place almost nothing at the cost of a second path.
type profileLocator struct {
	src  *blueskySource
	next pipeline.Locator
}

func (l profileLocator) Locate(p *post.Post) {
	if p.UserLocation == "" && strings.HasPrefix(p.UserID, "did:") {
		if loc, known := l.src.dir.Get(p.UserID); known {
			p.UserLocation = loc
		} else if l.src.appview != nil {
			l.src.appview.Want(p.UserID) // never blocks: a full queue drops and counts
		}
	}
	l.next.Locate(p)
}
