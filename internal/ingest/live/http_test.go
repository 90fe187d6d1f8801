package live

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Open sends the token and Accept header, hands over the body of a 200 and
// reports the connection; a 401 is permanent and not connected.
func TestHTTPStreamOpen(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Accept") != "text/event-stream" {
			http.Error(w, "who?", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "stream body")
	}))
	defer srv.Close()
	for _, tc := range []struct {
		token     string
		wantBody  string
		permanent bool
	}{
		{"tok", "stream body", false},
		{"wrong", "", true},
	} {
		loop := New(Config{Name: "test"})
		h := &HTTPStream{Source: "test", URL: srv.URL, Token: tc.token, Accept: "text/event-stream", Client: srv.Client()}
		body, err := h.Open(context.Background(), &Link{loop: loop})
		if tc.permanent {
			if err == nil || !IsPermanent(err) || loop.State() == "connected" {
				t.Errorf("token %q: err %v (permanent %v), state %s", tc.token, err, IsPermanent(err), loop.State())
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(body)
		body.Close()
		if string(b) != tc.wantBody || loop.State() != "connected" {
			t.Errorf("token %q: body %q, state %s", tc.token, b, loop.State())
		}
	}
}

// A transport error quoting the token loses it.
func TestRedact(t *testing.T) {
	err := Redact(errors.New(`bad header "Bearer s3cret"`), "s3cret")
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("Redact = %v", err)
	}
	plain := errors.New("refused")
	if Redact(plain, "s3cret") != plain || Redact(plain, "") != plain {
		t.Error("Redact changed an error without the token")
	}
}
