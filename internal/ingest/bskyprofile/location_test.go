package bskyprofile

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/geo"
)

// resolver is the real geo resolver, or a skip when the gazetteer is not
// built (make models).
func resolver(t testing.TB) func(string) bool {
	t.Helper()
	g, err := geo.Default()
	if errors.Is(err, geo.ErrNotBuilt) {
		t.Skip("gazetteer not built: run make models")
	}
	if err != nil {
		t.Fatal(err)
	}
	r := geo.NewResolver(g, geo.Options{})
	return func(loc string) bool { _, ok := r.ResolveProfile(loc, ""); return ok }
}

// TestDirectoryPlaces: what people write in Bluesky profiles, through the
// real resolver, to the piece of it that names the place.
func TestDirectoryPlaces(t *testing.T) {
	resolve := resolver(t)
	for _, tc := range []struct {
		name, displayName, description, want string
	}{
		{"pin", "Anna", "📍 Berlin", "Berlin"},
		{"pin with variation selector", "Anna", "writer\n📍\uFE0F Lisboa, Portugal", "Lisboa, Portugal"},
		{"flag", "", "Lisboa 🇵🇹", "Lisboa 🇵🇹"},
		{"based", "", "NYC-based designer", "NYC"},
		{"two-word based", "", "New York-based writer", "New York"},
		{"pronouns then place", "Sam", "she/her · Toronto", "Toronto"},
		{"display name segment", "Jo | Paris", "cats", "Paris"},
		{"based in", "", "Software engineer based in Austin, TX. Opinions mine.", "Austin, TX"},
		{"name alone is not a place", "Florence", "I like reading and coffee", ""},
		{"prose", "Multiversal Lokis Unit🔞", "Damian Lokison, 32, Loki stan, Universal Orlando devotee, HHN and Horror Enthusiast. NSFW Artist 🔞", ""},
		{"empty", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDirectory(DirectoryOptions{Resolve: resolve})
			d.Put("did:plc:a", tc.displayName, tc.description, 1)
			got, known := d.Get("did:plc:a")
			if !known || got != tc.want {
				t.Errorf("Get = %q, %v; want %q (candidates %q)", got, known, tc.want, Candidates(tc.displayName, tc.description))
			}
		})
	}
}

// TestCandidatesBounded: a hostile profile costs bounded work.
func TestCandidatesBounded(t *testing.T) {
	huge := strings.Repeat("📍 a | b · c based in d. e-based ", 10_000) + "\xff\xfe"
	cs := Candidates(huge, huge)
	if len(cs) > maxCandidates {
		t.Errorf("%d candidates", len(cs))
	}
	for _, c := range cs {
		if len(c) > maxCandidate || !utf8.ValidString(c) {
			t.Errorf("candidate %q", c)
		}
	}
}

func FuzzCandidates(f *testing.F) {
	f.Add("Anna", "📍 Berlin")
	f.Add("Sam", "she/her · Toronto")
	f.Add("", "NYC-based, living in Austin, TX and Berlin")
	f.Add("\xff📍", "-based-based based in ")
	f.Fuzz(func(t *testing.T, name, desc string) {
		cs := Candidates(name, desc)
		if len(cs) > maxCandidates {
			t.Fatalf("%d candidates", len(cs))
		}
		for _, c := range cs {
			if c == "" || len(c) > maxCandidate || !utf8.ValidString(c) {
				t.Fatalf("candidate %q", c)
			}
		}
	})
}
