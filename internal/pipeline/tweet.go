package pipeline

import (
	"errors"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/twitter"
)

// TweetParser is the pipeline's Parser for X messages (v1.1, v2 and the
// seed's static format, internal/twitter): what the demo source and X
// archives hold. The app's parser, which also reads Bluesky and Mastodon
// events, hands tweets to TweetOutcome the same way.
type TweetParser struct{ p twitter.Parser }

// Parse implements Parser.
func (t *TweetParser) Parse(data []byte, dst *post.Post) Outcome {
	res, err := t.p.Parse(data, dst)
	return TweetOutcome(res, err)
}

// TweetOutcome classifies what twitter.Parser.Parse returned.
func TweetOutcome(res twitter.Result, err error) Outcome {
	switch res.Kind {
	case twitter.KindPost:
		return Outcome{Kind: KindPost, GeoRejected: res.GeoRejected}
	case twitter.KindNotice:
		return Outcome{Kind: KindNotice, Notice: res.Notice}
	default:
		if err == nil {
			err = errors.New("malformed message")
		}
		return Outcome{Kind: KindMalformed, Err: err}
	}
}
