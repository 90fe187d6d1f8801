package apiclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/store/memstore"
)

// In process and over HTTP, the same API answers the same data, and an API
// error comes back as *Error with the API's type.
func TestRemoteAndInProcessAgree(t *testing.T) {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	api := httpapi.New(httpapi.Options{Querier: st})
	srv := httptest.NewServer(api)
	defer srv.Close()
	ctx := context.Background()
	for name, c := range map[string]*Client{"in process": InProcess(api), "remote": Remote(srv.URL + "/")} {
		t.Run(name, func(t *testing.T) {
			data, err := c.Get(ctx, "/api/counts", nil)
			if err != nil || string(data) != "[]" {
				t.Errorf("counts of an empty store: %s, %v; want []", data, err)
			}
			_, err = c.Get(ctx, "/api/top", url.Values{"n": {"-1"}})
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.Type == "" {
				t.Errorf("top with n=-1: %v; want an API error", err)
			}
			// An export comes back as sent; a refused one as the API's error.
			raw, err := c.GetRaw(ctx, "/api/counts", url.Values{"format": {"csv"}})
			if err != nil || string(raw) != "lang,name,posts,geo,hashtags,exact,place,profile,text\n" {
				t.Errorf("counts csv of an empty store: %q, %v; want the header alone", raw, err)
			}
			_, err = c.GetRaw(ctx, "/api/counts", url.Values{"format": {"xml"}})
			if !errors.As(err, &apiErr) || apiErr.Type != "bad_data" {
				t.Errorf("counts format=xml: %v; want a bad_data API error", err)
			}
		})
	}
	// Something that is not the API: a clear error, not a panic.
	notAPI := httptest.NewServer(http.NotFoundHandler())
	defer notAPI.Close()
	if _, err := Remote(notAPI.URL).Get(ctx, "/api/counts", nil); err == nil {
		t.Error("a non-API answer gave no error")
	}
}
