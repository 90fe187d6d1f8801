// Package post defines the normalized post that flows through geoheat:
// every source turns its payloads into a Post, the language detector fills
// in Lang, and the store records it. It has no dependencies on purpose.
package post

import (
	"net/url"
	"time"
)

// Point is a WGS84 position in degrees.
type Point struct {
	Lat float64
	Lon float64
}

// Valid reports whether p lies on the globe. NaN and ±Inf fail both
// comparisons and are therefore rejected too.
func (p Point) Valid() bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180
}

// Post is one social-media post reduced to what geoheat analyses.
//
// Hashtags keep their original text and order (as in entities.hashtags);
// analyses lower-case them. A Post owns its slices: a stage that hands a Post
// on must not modify them afterwards.
type Post struct {
	ID       string    // platform id (decimal string for tweets)
	Time     time.Time // created_at, UTC
	Text     string
	Hashtags []string

	// HasPoint is true exactly when GeoSource is not GeoNone.
	HasPoint bool
	Point    Point
	// GeoSource says how Point was obtained (exact coordinates, a place's
	// bounding-box centre, or inferred from the profile or the text), so
	// queries and the map can include or exclude the less trusted kinds.
	GeoSource GeoSource
	// GeoConfidence is the resolver's confidence in Point, in (0, 1];
	// 1 for exact coordinates and platform places.
	GeoConfidence float32

	UserID     string
	ScreenName string
	// URL is the original post's address when the payload gives one or it
	// cannot be derived (Mastodon's url, a bsky.app link); empty for X
	// posts, whose link Link derives from ScreenName and ID.
	URL string
	// UserLocation is the author's free-text profile location (X
	// user.location), input to place resolution; empty when absent.
	UserLocation string
	// UserCountry is a country prior for UserLocation (ISO 3166-1 alpha-2),
	// from context rather than from the author: a Mastodon instance's
	// country. It only settles ambiguous names, never makes a point by
	// itself; empty when unknown.
	UserCountry string

	// PlatformLang is the language tag the platform attached (X "lang",
	// Bluesky "langs"[0], Mastodon "language"); empty when absent.
	PlatformLang string

	// Lang is the detected language key (ISO 639-1 code, or the NLTK name
	// when the language has no code), set by the detection stage. A source
	// that already knows the language (the seed's static format) sets it and
	// detection is skipped.
	Lang string
}

// Link returns the address of the original post: url when set, else the
// x.com link of a numeric (X) id; "" when neither applies.
func Link(id, handle, given string) string {
	if given != "" {
		return given
	}
	if id == "" || len(id) > 20 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return ""
		}
	}
	if handle == "" {
		return "https://x.com/i/web/status/" + id
	}
	return "https://x.com/" + url.PathEscape(handle) + "/status/" + id
}
