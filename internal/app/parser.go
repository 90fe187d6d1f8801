package app

import (
	"github.com/geoheat/geoheat/internal/ingest/jetstream"
	"github.com/geoheat/geoheat/internal/ingest/mastodon"
	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/twitter"
)

// tweetParser adapts the parsers of raw payloads to the pipeline's Parser:
// X (v1.1, v2, the seed's static format; internal/twitter) and Bluesky
// Jetstream events (internal/ingest/jetstream) and Mastodon events
// (internal/ingest/mastodon). The pipeline hands over the bytes only, so the
// format is told from the content: Jetstream writes "did" first, the
// Mastodon source wraps events in an envelope starting "mastodon_event";
// neither prefix starts a tweet, and the test costs one comparison each.
type tweetParser struct {
	p twitter.Parser
	// profile, when set, is given the Bluesky profile records parsed
	// (blueskySource.profileRecord).
	profile func(p *jetstream.Profile, timeUS int64)
}

func (t *tweetParser) Parse(data []byte, dst *post.Post) pipeline.Outcome {
	if jetstream.Looks(data) {
		if res, err := jetstream.Parse(data, dst); err == nil {
			switch res.Kind {
			case jetstream.KindPost:
				return pipeline.Outcome{Kind: pipeline.KindPost}
			default:
				if res.Profile != nil && t.profile != nil {
					t.profile(res.Profile, res.TimeUS)
				}
				return pipeline.Outcome{Kind: pipeline.KindNotice, Notice: blueskyNotice[res.Notice]}
			}
		}
	}
	if mastodon.Looks(data) {
		res, err := mastodon.ParseEvent(data, dst)
		switch res.Kind {
		case mastodon.KindPost:
			return pipeline.Outcome{Kind: pipeline.KindPost, ProfileSkipped: res.ProfileSkipped}
		case mastodon.KindNotice:
			return pipeline.Outcome{Kind: pipeline.KindNotice, Notice: res.Notice}
		default:
			return pipeline.Outcome{Kind: pipeline.KindMalformed, Err: err}
		}
	}
	return pipeline.TweetOutcome(t.p.Parse(data, dst))
}

// blueskyNotice names Jetstream notices apart from X's ("delete" exists in
// both).
var blueskyNotice = map[string]string{
	jetstream.NoticeDelete: "bluesky_delete", jetstream.NoticeUpdate: "bluesky_update",
	jetstream.NoticeIdentity: "bluesky_identity", jetstream.NoticeAccount: "bluesky_account",
	jetstream.NoticeOther: "bluesky_other", jetstream.NoticeProfile: "bluesky_profile",
}

func newTweetParser() pipeline.Parser { return &tweetParser{} }
