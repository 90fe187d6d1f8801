package place_test

import (
	"testing"

	"github.com/geoheat/geoheat/internal/httpapi"
	"github.com/geoheat/geoheat/internal/place"
)

// FuzzParseBBoxMatchesAPI holds place.ParseBBox to the API's bbox rules
// (httpapi.ParseBBox), which it repeats because place must not import the
// API that will import it.
func FuzzParseBBoxMatchesAPI(f *testing.F) {
	for _, s := range []string{"-10,35,5,44", "170,-20,-170,0", "170,-20,190,0", "-200,0,-170,1", "0,0,400,1",
		"1,2,3", "0,10,1,5", "a,b,c,d", " 1 , 2 , 3 , 4 ", "190,0,200,1", "-540,0,-530,1", "NaN,0,1,1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := place.ParseBBox(s)
		want, apiErr := httpapi.ParseBBox(s)
		if (err == nil) != (apiErr == nil) {
			t.Fatalf("ParseBBox(%q): place err %v, API err %v", s, err, apiErr)
		}
		if err == nil && (got.West != want.West || got.South != want.South || got.East != want.East || got.North != want.North) {
			t.Fatalf("ParseBBox(%q) = %+v, API %+v", s, got, want)
		}
	})
}
