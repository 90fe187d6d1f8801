// Package xapi reads the X API v2 streams: the filtered stream
// (/2/tweets/search/stream, rules managed with Rules) and the sampled
// stream (/2/tweets/sample/stream, enterprise access).
//
// The stream is newline-delimited JSON; a blank line ("\r\n") is a
// keep-alive. Each non-blank line is emitted as is: internal/twitter
// recognises v2 envelopes, in-band "errors" objects included, so this
// package knows nothing of tweet fields. Reconnection, backoff and stall
// detection are internal/ingest/live's.
//
// The bearer token is sent in the Authorization header only; it appears in
// no URL, error or log line.
package xapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/live"
)

// DefaultBaseURL is X's API host.
const DefaultBaseURL = "https://api.x.com"

// maxLine bounds one stream line; a tweet with its includes is a few KB, so
// a longer line means a broken server, not a tweet, and is dropped.
const maxLine = 8 << 20

// Stream kinds.
const (
	Filtered = "filtered"
	Sample   = "sample"
)

// Sentinel errors.
var (
	// ErrNoToken: no bearer token was given (X_BEARER_TOKEN).
	ErrNoToken = errors.New("xapi: no bearer token (set X_BEARER_TOKEN)")
	// ErrKind: the stream kind is neither filtered nor sample.
	ErrKind = errors.New("xapi: unknown stream")
)

// Options configures a stream.
type Options struct {
	Stream  string // Filtered or Sample
	BaseURL string // default DefaultBaseURL; tests point it at httptest
	Token   string // bearer token; required
	Client  *http.Client

	// Loop settings (see live.Config); zero values take live's defaults.
	Backoff   *live.Backoff
	Stall     time.Duration
	Clock     live.Clock
	Logger    *slog.Logger
	OnBackoff func(time.Duration, error)
}

// streamQuery asks for what geoheat analyses: time, language, hashtags,
// geo, the place's bounding box (for approximate points) and the author's
// username and free-text profile location (resolved offline into a point
// when the post has none; see internal/geo).
var streamQuery = url.Values{
	"tweet.fields": {"created_at,lang,entities,geo,author_id,note_tweet"},
	"expansions":   {"author_id,geo.place_id"},
	"place.fields": {"geo,full_name,country_code"},
	"user.fields":  {"username,location"},
}.Encode()

// New returns the stream as an ingest.Source.
func New(opts Options) (*live.Loop, error) {
	path := ""
	switch opts.Stream {
	case Filtered:
		path = "/2/tweets/search/stream"
	case Sample:
		path = "/2/tweets/sample/stream"
	default:
		return nil, fmt.Errorf("%w %q: want %s or %s", ErrKind, opts.Stream, Filtered, Sample)
	}
	if opts.Token == "" {
		return nil, ErrNoToken
	}
	base, err := baseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	if opts.Client == nil {
		// No overall timeout: a stream lasts for days. The stall watchdog
		// catches dead connections.
		opts.Client = &http.Client{}
	}
	s := &stream{live.HTTPStream{Source: "xapi", URL: base + path + "?" + streamQuery, Token: opts.Token, Client: opts.Client}}
	return live.New(live.Config{
		Name:      "x:" + opts.Stream,
		Connect:   s.connect,
		Endpoint:  func() string { return base + path },
		Backoff:   opts.Backoff,
		Stall:     opts.Stall,
		Clock:     opts.Clock,
		Logger:    opts.Logger,
		OnBackoff: opts.OnBackoff,
	}), nil
}

// baseURL validates and normalises a base URL (no trailing slash).
func baseURL(raw string) (string, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("xapi: bad base URL %q: want http(s)://host", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

type stream struct{ live.HTTPStream }

// connect runs one streaming connection.
func (s *stream) connect(ctx context.Context, l *live.Link) error {
	body, err := s.Open(ctx, l)
	if err != nil {
		return err
	}
	defer body.Close()

	r := bufio.NewReaderSize(body, 64<<10)
	for {
		line, err := readLine(r)
		if len(bytes.TrimSpace(line)) == 0 {
			if err == nil {
				l.Alive() // X's keep-alive: a bare \r\n every few seconds
				continue
			}
		} else if len(line) > maxLine {
			l.Alive() // counted as life, not as a message
		} else if err := l.Emit(ctx, ingest.Message{Data: line}); err != nil {
			return err
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil // the server ended the stream
			}
			return fmt.Errorf("xapi: read: %w", live.Redact(err, s.Token))
		}
	}
}

// readLine returns the next line without its terminator, in a new slice
// the caller owns. Lines longer than maxLine are consumed and returned
// truncated to maxLine+1 bytes, so the caller can tell and drop them
// without holding them whole.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line) <= maxLine {
			line = append(line, chunk[:min(len(chunk), maxLine+1-len(line))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), err
	}
}
