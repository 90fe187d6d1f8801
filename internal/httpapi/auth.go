package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// errUnauthorized is the one answer to a missing or wrong token. It never
// says which, nor echoes what was sent.
var errUnauthorized = errors.New("missing or wrong token: send Authorization: Bearer <token>")

// RequireToken wraps h so that every request except GET /healthz carries
// the token, either as "Authorization: Bearer <token>" (API clients, curl)
// or as the password of HTTP Basic auth with any user name (browsers: the
// dashboard's page loads and its EventSource send the credentials the user
// typed into the browser's prompt once). Tokens in query strings are not
// accepted: they end up in access logs and browser history.
//
// The comparison is constant-time over SHA-256 digests, so neither the
// token's bytes nor its length leak through timing. An empty token panics:
// wrapping with no token would lock everyone out, which is a wiring bug.
func RequireToken(token string, h http.Handler) http.Handler {
	if token == "" {
		panic("httpapi: RequireToken with an empty token")
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			h.ServeHTTP(w, r)
			return
		}
		if got, ok := presentedToken(r); ok {
			sum := sha256.Sum256([]byte(got))
			if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
				h.ServeHTTP(w, r)
				return
			}
		}
		// Basic lets a browser prompt for the token; Bearer is what API
		// clients send.
		w.Header().Add("WWW-Authenticate", `Bearer realm="geoheat"`)
		w.Header().Add("WWW-Authenticate", `Basic realm="geoheat", charset="UTF-8"`)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		writeJSON(w, http.StatusUnauthorized, envelope{Status: "error", ErrorType: "unauthorized", Error: errUnauthorized.Error()})
	})
}

// presentedToken returns the token a request carries, if any.
func presentedToken(r *http.Request) (string, bool) {
	if _, pass, ok := r.BasicAuth(); ok {
		return pass, true
	}
	auth := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(auth) > len(prefix) && strings.EqualFold(auth[:len(prefix)], prefix) {
		return strings.TrimSpace(auth[len(prefix):]), true
	}
	return "", false
}
