package httpapi

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Exports (docs/explore.md): besides the JSON envelope, an endpoint may
// answer format=csv (RFC 4180 through encoding/csv, a header row, tags
// joined by spaces) or format=geojson (RFC 7946: a FeatureCollection of
// Points at [lon, lat]). The answer types say how they are written by
// implementing csvExporter and geoJSONExporter; encodeAnswer picks one.

// csvExporter is an answer that can be written as CSV rows.
type csvExporter interface {
	// csvHeader names the columns; csvRows writes every row through emit.
	csvHeader() []string
	csvRows(emit func(row ...string) error) error
}

// geoJSONExporter is an answer that can be written as GeoJSON.
type geoJSONExporter interface {
	geoJSON() FeatureCollection
}

// FeatureCollection is a GeoJSON FeatureCollection (RFC 7946 §3.3).
type FeatureCollection struct {
	Type     string    `json:"type"` // always "FeatureCollection"
	Features []Feature `json:"features"`
}

// Feature is a GeoJSON Feature (RFC 7946 §3.2). Geometry is nil (null)
// for what has no position, such as a post without a point.
type Feature struct {
	Type       string         `json:"type"` // always "Feature"
	Geometry   *Geometry      `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// Geometry is a GeoJSON Point. Coordinates are [longitude, latitude], the
// order RFC 7946 prescribes (the reverse of the API's [lat, lon] pairs).
type Geometry struct {
	Type        string     `json:"type"` // always "Point"
	Coordinates [2]float64 `json:"coordinates"`
}

// pointFeature is a Feature at lat, lon.
func pointFeature(lat, lon float64, props map[string]any) Feature {
	return Feature{Type: "Feature", Geometry: &Geometry{Type: "Point", Coordinates: [2]float64{lon, lat}}, Properties: props}
}

func featureCollection(n int) FeatureCollection {
	return FeatureCollection{Type: "FeatureCollection", Features: make([]Feature, 0, n)}
}

// Content types of the exports.
const (
	contentJSON    = "application/json; charset=utf-8"
	contentCSV     = "text/csv; charset=utf-8; header=present"
	contentGeoJSON = "application/geo+json"
)

// encodeAnswer encodes data as format (FormatJSON: the success envelope).
// name is the endpoint's short name, used for the download's file name.
func encodeAnswer(data any, format, name string) (Answer, error) {
	switch format {
	case FormatCSV:
		e, ok := data.(csvExporter)
		if !ok {
			return Answer{}, fmt.Errorf("httpapi: %s has no csv form", name)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write(e.csvHeader()); err != nil {
			return Answer{}, err
		}
		if err := e.csvRows(func(row ...string) error { return w.Write(row) }); err != nil {
			return Answer{}, err
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return Answer{}, err
		}
		return Answer{Body: buf.Bytes(), Header: exportHeader(contentCSV, name, "csv")}, nil
	case FormatGeoJSON:
		e, ok := data.(geoJSONExporter)
		if !ok {
			return Answer{}, fmt.Errorf("httpapi: %s has no geojson form", name)
		}
		var buf bytes.Buffer
		if err := newEncoder(&buf).Encode(e.geoJSON()); err != nil {
			return Answer{}, err
		}
		return Answer{Body: buf.Bytes(), Header: exportHeader(contentGeoJSON, name, "geojson")}, nil
	}
	b, err := encodeSuccess(data)
	return Answer{Body: b}, err
}

// exportHeader is the Content-Type of an export and a Content-Disposition
// naming its file, so that a browser following a download link saves
// geoheat-points.geojson rather than "points".
func exportHeader(contentType, name, ext string) http.Header {
	return http.Header{
		"Content-Type":        {contentType},
		"Content-Disposition": {fmt.Sprintf("attachment; filename=\"geoheat-%s.%s\"", name, ext)},
	}
}

// exportKey is the cache key of an answer in a format other than JSON, so
// that the formats of one query are cached apart.
type exportKey struct {
	key    any
	format string
}

// Cell formatters: numbers as Go prints them shortest (they parse back to
// the same float64), times in RFC 3339, tags joined by spaces (a hashtag
// holds no space).

func fmtFloat(f float64) string   { return strconv.FormatFloat(f, 'g', -1, 64) }
func fmtFloat32(f float32) string { return strconv.FormatFloat(float64(f), 'g', -1, 32) }
func fmtInt(n int64) string       { return strconv.FormatInt(n, 10) }
func fmtTags(tags []string) string {
	return strings.Join(tags, " ")
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// orEmpty returns tags, or an empty list for nil, so JSON has [] not null.
func orEmpty(tags []string) []string {
	if tags == nil {
		return []string{}
	}
	return tags
}
