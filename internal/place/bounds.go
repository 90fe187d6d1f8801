package place

import (
	"math"

	"github.com/geoheat/geoheat/internal/store"
)

// Bounds is a box holding every point the area contains, for stores that
// skip what lies outside it before asking Contains; the zero box (World,
// Country: a country's extent is the index's business) says nothing.
func (a Area) Bounds() store.BBox {
	switch a.Kind {
	case Box:
		return a.Box
	case Near:
		// A degree of latitude is at least 110.5 km; a degree of longitude
		// shrinks with the cosine of the latitude, and near a pole the
		// circle may take in every longitude.
		dLat := a.RadiusKm / 110.5
		south, north := max(a.Lat-dLat, -90), min(a.Lat+dLat, 90)
		edge := max(math.Abs(south), math.Abs(north))
		if edge >= 89.9 {
			return store.BBox{West: -180, South: south, East: 180, North: north}
		}
		dLon := a.RadiusKm / (111.32 * math.Cos(edge*math.Pi/180))
		if dLon >= 180 {
			return store.BBox{West: -180, South: south, East: 180, North: north}
		}
		west, east := store.WrapLon(a.Lon-dLon), store.WrapLon(a.Lon+dLon)
		return store.BBox{West: west, South: south, East: east, North: north}
	}
	return store.BBox{}
}
