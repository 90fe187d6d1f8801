package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// HTTPStream is a streaming endpoint that a source reads over one long GET
// (X's filtered stream, Mastodon's SSE): each connection opens it the same
// way, and only the reading of the body differs.
type HTTPStream struct {
	// Source prefixes errors ("xapi: connect: …").
	Source string
	URL    string
	// Token, when set, is sent as a Bearer token and redacted from the
	// transport's errors.
	Token string
	// Accept, when set, is the Accept header.
	Accept string
	// Client sends the request; it needs no timeout, since a stream lasts
	// for days and the stall watchdog catches dead connections.
	Client *http.Client
}

// Open sends the GET and, once the server answers 200 OK, tells l the
// connection is up and returns the body for the caller to read and close.
// A request that cannot be built is Permanent; a refusal is StatusError's
// error; a transport error is retried.
func (h *HTTPStream) Open(ctx context.Context, l *Link) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL, nil)
	if err != nil {
		return nil, Permanent(fmt.Errorf("%s: request: %w", h.Source, err))
	}
	if h.Accept != "" {
		req.Header.Set("Accept", h.Accept)
	}
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: connect: %w", h.Source, Redact(err, h.Token))
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, StatusError(h.Source, resp)
	}
	l.Connected()
	return resp.Body, nil
}

// Redact removes token from an error's text, should a transport ever quote
// a header.
func Redact(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "[redacted]"))
}
