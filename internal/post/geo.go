package post

import (
	"fmt"
	"strings"
)

// GeoSource says how a post's point was obtained, from most to least
// trusted. The zero value means the post has no point.
type GeoSource uint8

const (
	GeoNone    GeoSource = iota
	GeoExact             // the post's own coordinates
	GeoPlace             // centre of the place the platform attached
	GeoProfile           // resolved from the author's profile location
	GeoText              // resolved from a place named in hashtags or text
	numGeoSources
)

var geoSourceNames = [numGeoSources]string{"", "exact", "place", "profile", "text"}

// String returns the provenance's name as used in flags, the API and
// exports ("exact", "place", "profile", "text"; "" for GeoNone).
func (g GeoSource) String() string {
	if g < numGeoSources {
		return geoSourceNames[g]
	}
	return fmt.Sprintf("geosource(%d)", uint8(g))
}

// Inferred reports whether the point was resolved by geoheat rather than
// given by the platform.
func (g GeoSource) Inferred() bool { return g == GeoProfile || g == GeoText }

// ParseGeoSource parses a provenance name.
func ParseGeoSource(s string) (GeoSource, error) {
	for i := GeoExact; i < numGeoSources; i++ {
		if strings.EqualFold(s, geoSourceNames[i]) {
			return i, nil
		}
	}
	return GeoNone, fmt.Errorf("unknown geo provenance %q (want exact, place, profile or text)", s)
}

// GeoSet is a set of provenances, one bit per GeoSource.
type GeoSet uint8

const (
	// GeoSetTrusted is what queries use by default: points the platform
	// gave (exact coordinates and places).
	GeoSetTrusted GeoSet = 1<<GeoExact | 1<<GeoPlace
	// GeoSetInferred holds the points geoheat resolved itself.
	GeoSetInferred GeoSet = 1<<GeoProfile | 1<<GeoText
	// GeoSetAll holds every provenance.
	GeoSetAll = GeoSetTrusted | GeoSetInferred
)

// Has reports whether g is in the set.
func (s GeoSet) Has(g GeoSource) bool { return g != GeoNone && s&(1<<g) != 0 }

// String lists the set's members comma-separated, most trusted first.
func (s GeoSet) String() string {
	var parts []string
	for i := GeoExact; i < numGeoSources; i++ {
		if s.Has(i) {
			parts = append(parts, geoSourceNames[i])
		}
	}
	return strings.Join(parts, ",")
}

// ParseGeoSet parses a comma-separated list of provenances; "all",
// "trusted" (exact,place) and "inferred" (profile,text) name groups.
// An empty string is the default, GeoSetTrusted.
func ParseGeoSet(s string) (GeoSet, error) {
	if strings.TrimSpace(s) == "" {
		return GeoSetTrusted, nil
	}
	var set GeoSet
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		switch strings.ToLower(part) {
		case "all":
			set |= GeoSetAll
		case "trusted":
			set |= GeoSetTrusted
		case "inferred":
			set |= GeoSetInferred
		default:
			g, err := ParseGeoSource(part)
			if err != nil {
				return 0, err
			}
			set |= 1 << g
		}
	}
	return set, nil
}
