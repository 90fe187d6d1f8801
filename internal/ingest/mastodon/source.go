package mastodon

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/live"
)

// DefaultInstance is used when no --mastodon-url is given.
const DefaultInstance = "https://mastodon.social"

// maxEvent bounds one SSE event; a status is a few KB.
const maxEvent = 4 << 20

// ErrStream: the stream name is not public, local or hashtag:TAG.
var ErrStream = errors.New("mastodon: unknown stream")

// Options configures the source.
type Options struct {
	Instance string // base URL; default DefaultInstance
	// Stream is "public" (default), "local", or "hashtag:TAG".
	Stream string
	// Token is an access token (read:statuses); many instances require
	// one for the public streams since Mastodon 4.2. Never logged.
	Token  string
	Client *http.Client

	Backoff   *live.Backoff
	Stall     time.Duration
	Clock     live.Clock
	Logger    *slog.Logger
	OnBackoff func(time.Duration, error)
}

// New returns the source.
func New(opts Options) (*live.Loop, error) {
	if opts.Instance == "" {
		opts.Instance = DefaultInstance
	}
	u, err := url.Parse(strings.TrimRight(opts.Instance, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mastodon: bad instance URL %q: want https://host", opts.Instance)
	}
	path, q := "", url.Values{}
	switch stream := opts.Stream; {
	case stream == "" || stream == "public":
		path = "/api/v1/streaming/public"
	case stream == "local":
		path = "/api/v1/streaming/public/local"
	case strings.HasPrefix(stream, "hashtag:") && len(stream) > len("hashtag:"):
		path = "/api/v1/streaming/hashtag"
		q.Set("tag", strings.TrimPrefix(stream, "hashtag:"))
	default:
		return nil, fmt.Errorf("%w %q: want public, local or hashtag:TAG", ErrStream, stream)
	}
	u.Path += path
	u.RawQuery = q.Encode()
	if opts.Client == nil {
		opts.Client = &http.Client{} // no timeout: the stall watchdog covers dead streams
	}
	s := &sse{live.HTTPStream{Source: "mastodon", URL: u.String(), Token: opts.Token, Accept: "text/event-stream", Client: opts.Client}}
	name := "mastodon"
	if opts.Stream != "" && opts.Stream != "public" {
		name += ":" + opts.Stream
	}
	return live.New(live.Config{
		Name:      name,
		Connect:   s.connect,
		Endpoint:  func() string { return u.Scheme + "://" + u.Host + u.Path },
		Backoff:   opts.Backoff,
		Stall:     opts.Stall,
		Clock:     opts.Clock,
		Logger:    opts.Logger,
		OnBackoff: opts.OnBackoff,
	}), nil
}

type sse struct{ live.HTTPStream }

// connect runs one SSE connection. Mastodon sends a ":thump" comment
// every few seconds; it counts as a keep-alive.
func (s *sse) connect(ctx context.Context, l *live.Link) error {
	body, err := s.Open(ctx, l)
	if err != nil {
		return err
	}
	defer body.Close()

	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), maxEvent)
	var event string
	var data []byte
	for sc.Scan() {
		line := sc.Bytes()
		l.Alive()
		switch {
		case len(line) == 0: // end of an event
			if len(data) > 0 {
				name := event
				if name == "" {
					name = "message"
				}
				if err := l.Emit(ctx, ingest.Message{Data: Envelope(name, data)}); err != nil {
					return err
				}
			}
			event, data = "", data[:0]
		case line[0] == ':': // comment: keep-alive
		default:
			field, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			switch string(field) {
			case "event":
				event = string(value)
			case "data":
				if len(data) > 0 {
					data = append(data, '\n')
				}
				data = append(data, value...)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("mastodon: read: %w", err)
	}
	return nil // the server closed the stream
}
