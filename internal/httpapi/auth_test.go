package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequireToken(t *testing.T) {
	const token = "tok-123"
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := RequireToken(token, ok)
	for _, tc := range []struct {
		name   string
		method string
		path   string
		auth   string
		want   int
	}{
		{"healthz open", "GET", "/healthz", "", http.StatusTeapot},
		{"healthz HEAD open", "HEAD", "/healthz", "", http.StatusTeapot},
		{"healthz POST closed", "POST", "/healthz", "", 401},
		{"readyz closed", "GET", "/readyz", "", 401},
		{"no header", "GET", "/api/top", "", 401},
		{"bearer", "GET", "/api/top", "Bearer " + token, http.StatusTeapot},
		{"bearer any case", "GET", "/api/top", "bEaReR " + token, http.StatusTeapot},
		{"bearer wrong", "GET", "/api/top", "Bearer tok-124", 401},
		{"bearer longer", "GET", "/api/top", "Bearer " + token + "x", 401},
		{"bearer empty", "GET", "/api/top", "Bearer ", 401},
		{"basic", "GET", "/", "Basic " + basic("u", token), http.StatusTeapot},
		{"basic wrong", "GET", "/", "Basic " + basic(token, "nope"), 401},
		{"other scheme", "GET", "/api/top", "Token " + token, 401},
		{"path trick", "GET", "/healthz/../api/top", "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://x"+tc.path, nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tc.want {
				t.Fatalf("%s %s (%q) = %d, want %d", tc.method, tc.path, tc.auth, rec.Code, tc.want)
			}
			if rec.Code == 401 {
				if strings.Contains(rec.Body.String(), "tok-") {
					t.Errorf("401 body echoes a token: %s", rec.Body.String())
				}
				if !strings.Contains(rec.Body.String(), `"errorType":"unauthorized"`) {
					t.Errorf("401 body is not the API envelope: %s", rec.Body.String())
				}
			}
		})
	}
}

func basic(user, pass string) string {
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

func TestRequireTokenRefusesEmpty(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("RequireToken with an empty token did not panic")
		}
	}()
	RequireToken("", http.NotFoundHandler())
}
