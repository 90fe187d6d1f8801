// Package apiclient asks geoheat's JSON API, either a server over HTTP or
// the API's handler in this process, and unwraps the API's envelope
// (internal/httpapi): the query commands use it both ways, so the CLI reads
// exactly what the API answers.
package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"
)

// Timeout bounds one request to a server, body included.
const Timeout = 30 * time.Second

// maxBody bounds an answer read into memory; the largest legitimate answer
// (points or heat cells at their limits) is far below it.
const maxBody = 256 << 20

// Client is one API to ask. The zero value is not usable: use Remote or
// InProcess. Safe for concurrent use.
type Client struct {
	base    string       // server URL without a trailing slash; "" in process
	handler http.Handler // in process
	token   string       // bearer token sent to a server; never logged
}

// Remote asks the server at base (http://127.0.0.1:8080).
func Remote(base string) *Client { return &Client{base: strings.TrimRight(base, "/")} }

// WithToken returns a copy of c that presents token (a server's
// --auth-token) as a bearer token; "" sends none.
func (c *Client) WithToken(token string) *Client {
	d := *c
	d.token = token
	return &d
}

// InProcess asks h, the API's handler, without a network.
func InProcess(h http.Handler) *Client { return &Client{handler: h} }

// Error is an answer whose status is not "success": the API's error type
// and message.
type Error struct {
	Type    string
	Message string
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

type envelope struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

// Get asks GET path?q and returns the answer's data. It blocks for at most
// Timeout against a server; the returned bytes are the caller's.
func (c *Client) Get(ctx context.Context, path string, q url.Values) (json.RawMessage, error) {
	target := target(path, q)
	_, body, err := c.get(ctx, target)
	if err != nil {
		return nil, err
	}
	var e envelope
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("apiclient: unexpected answer from %s: %w", target, err)
	}
	if e.Status != "success" {
		return nil, &Error{Type: e.ErrorType, Message: e.Error}
	}
	return e.Data, nil
}

// GetRaw asks GET path?q and returns the answer as sent, for the answers
// that are not the JSON envelope (format=csv, format=geojson). An error
// status is read as the API's envelope and returned as *Error.
func (c *Client) GetRaw(ctx context.Context, path string, q url.Values) ([]byte, error) {
	target := target(path, q)
	code, body, err := c.get(ctx, target)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		var e envelope
		if err := json.Unmarshal(body, &e); err != nil || e.Status == "" {
			return nil, fmt.Errorf("apiclient: %s answered %d: %.200s", target, code, body)
		}
		return nil, &Error{Type: e.ErrorType, Message: e.Error}
	}
	return body, nil
}

func target(path string, q url.Values) string {
	if len(q) > 0 {
		return path + "?" + q.Encode()
	}
	return path
}

func (c *Client) get(ctx context.Context, target string) (int, []byte, error) {
	if c.handler != nil {
		rec := httptest.NewRecorder()
		c.handler.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil))
		return rec.Code, rec.Body.Bytes(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+target, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("apiclient: bad server URL: %w", err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("cannot reach geoheat: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, fmt.Errorf("apiclient: reading %s: %w", target, err)
	}
	return resp.StatusCode, b, nil
}
