package store

import (
	"errors"
	"testing"
	"time"
)

func TestNormalize(t *testing.T) {
	top, err := TopQuery{}.Normalize()
	if err != nil || top.N != DefaultTopN || top.Last != DefaultLast {
		t.Fatalf("TopQuery{} = %+v, %v", top, err)
	}
	top, err = TopQuery{Window: time.Minute}.Normalize()
	if err != nil || top.Last != 0 {
		t.Fatalf("a window must not get a default Last: %+v, %v", top, err)
	}
	pts, err := PointsQuery{Lang: "en"}.Normalize()
	if err != nil || pts.N != DefaultPoints {
		t.Fatalf("PointsQuery = %+v, %v", pts, err)
	}
	for name, err := range map[string]error{
		"top n":       func() error { _, err := TopQuery{N: -1}.Normalize(); return err }(),
		"top last":    func() error { _, err := TopQuery{Last: -1}.Normalize(); return err }(),
		"top window":  func() error { _, err := TopQuery{Window: -time.Second}.Normalize(); return err }(),
		"points lang": func() error { _, err := PointsQuery{}.Normalize(); return err }(),
		"points n":    func() error { _, err := PointsQuery{Lang: "en", N: -3}.Normalize(); return err }(),
		"heat last":   HeatQuery{Last: -1}.Check(),
		"heat limit":  HeatQuery{Limit: -1}.Check(),
		"heat window": HeatQuery{Window: -1}.Check(),
	} {
		if !errors.Is(err, ErrBadQuery) {
			t.Errorf("%s: err = %v, want ErrBadQuery", name, err)
		}
	}
	if err := (HeatQuery{Zoom: 3, Limit: 10}).Check(); err != nil {
		t.Fatal(err)
	}
}
