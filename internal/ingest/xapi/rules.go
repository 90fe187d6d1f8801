package xapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/geoheat/geoheat/internal/ingest/live"
)

// Rule is a filtered-stream rule.
type Rule struct {
	ID    string `json:"id,omitempty"`
	Value string `json:"value"`
	Tag   string `json:"tag,omitempty"`
}

// Rules manages the filtered stream's rules
// (/2/tweets/search/stream/rules). Safe for concurrent use.
type Rules struct {
	base, token string
	client      *http.Client
}

// NewRules returns a rules client; baseURL "" means DefaultBaseURL.
func NewRules(rawURL, token string, client *http.Client) (*Rules, error) {
	if token == "" {
		return nil, ErrNoToken
	}
	base, err := baseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &Rules{base: base + "/2/tweets/search/stream/rules", token: token, client: client}, nil
}

// rulesResponse is X's answer to every rules call; errors may come with
// data (a partial success).
type rulesResponse struct {
	Data   []Rule `json:"data"`
	Errors []struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Value  string `json:"value"`
	} `json:"errors"`
}

// List returns the current rules.
func (r *Rules) List(ctx context.Context) ([]Rule, error) {
	resp, err := r.do(ctx, http.MethodGet, nil)
	if err != nil {
		return nil, fmt.Errorf("xapi: list rules: %w", err)
	}
	return resp.Data, nil
}

// Add creates rules and returns them with their ids.
func (r *Rules) Add(ctx context.Context, rules ...Rule) ([]Rule, error) {
	for i := range rules {
		rules[i].ID = ""
	}
	resp, err := r.do(ctx, http.MethodPost, map[string]any{"add": rules})
	if err != nil {
		return nil, fmt.Errorf("xapi: add rules: %w", err)
	}
	return resp.Data, nil
}

// Delete removes rules by id.
func (r *Rules) Delete(ctx context.Context, ids ...string) error {
	if _, err := r.do(ctx, http.MethodPost, map[string]any{"delete": map[string]any{"ids": ids}}); err != nil {
		return fmt.Errorf("xapi: delete rules: %w", err)
	}
	return nil
}

func (r *Rules) do(ctx context.Context, method string, body any) (*rulesResponse, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, live.Redact(err, r.token)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, live.StatusError("xapi", resp)
	}
	var out rulesResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&out); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	if len(out.Errors) > 0 {
		var msgs []string
		for _, e := range out.Errors {
			msgs = append(msgs, strings.TrimSpace(e.Title+": "+e.Detail+" "+e.Value))
		}
		return &out, fmt.Errorf("X answered: %s", strings.Join(msgs, "; "))
	}
	return &out, nil
}
