package geo

import (
	"math"

	"github.com/geoheat/geoheat/internal/post"
)

// DistanceKm is the great-circle distance between two points in km
// (haversine, mean Earth radius).
func DistanceKm(a, b post.Point) float64 {
	const r = 6371.0088
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}
