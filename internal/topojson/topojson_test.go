package topojson

import (
	"errors"
	"slices"
	"testing"
)

func TestDecodeQuantized(t *testing.T) {
	// Two squares sharing an edge, as world-atlas writes them: quantized,
	// delta-encoded arcs; the shared arc walked backwards (~0) by the
	// second; ids as a string and as a number.
	const data = `{"type":"Topology",
		"transform":{"scale":[0.5,0.25],"translate":[-10,-20]},
		"arcs":[[[2,0],[0,4]], [[2,4],[-2,0],[0,-4],[2,0]], [[2,0],[2,0],[0,4],[-2,0]]],
		"objects":{"countries":{"type":"GeometryCollection","geometries":[
			{"type":"Polygon","id":"724","properties":{"name":"West"},"arcs":[[0,1]]},
			{"type":"MultiPolygon","id":620,"arcs":[[[2,-1]]]},
			{"type":"Point","coordinates":[0,0]},
			{"type":null}]}}}`
	top, err := Decode([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := top.Features("countries")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Fatalf("%d features, want 2 (points and empty geometries skipped)", len(fs))
	}
	if fs[0].ID != "724" || fs[0].Name != "West" || fs[1].ID != "620" || fs[1].Name != "" {
		t.Errorf("ids and names: %+v, %+v", fs[0], fs[1])
	}
	west := Ring{{-9, -20}, {-9, -19}, {-10, -19}, {-10, -20}, {-9, -20}}
	if got := fs[0].Polygons[0][0]; !slices.Equal(got, west) {
		t.Errorf("west ring %v, want %v", got, west)
	}
	east := Ring{{-9, -20}, {-8, -20}, {-8, -19}, {-9, -19}, {-9, -20}}
	if got := fs[1].Polygons[0][0]; !slices.Equal(got, east) {
		t.Errorf("east ring %v, want %v (the shared arc reversed)", got, east)
	}
	if !top.Has("countries") || top.Has("land") {
		t.Error("Has")
	}
	if _, err := top.Features("land"); !errors.Is(err, ErrNoObject) {
		t.Errorf("missing object: %v", err)
	}
}

func TestDecodePlain(t *testing.T) {
	const data = `{"type":"Topology","arcs":[[[1.5,2],[3,2],[3,4]	,[1.5,2
]]],
		"objects":{"o":{"type":"Polygon","arcs":[[0]]}}}`
	top, err := Decode([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := top.Features("o")
	if err != nil {
		t.Fatal(err)
	}
	want := Ring{{1.5, 2}, {3, 2}, {3, 4}, {1.5, 2}}
	if len(fs) != 1 || !slices.Equal(fs[0].Polygons[0][0], want) {
		t.Errorf("features %+v, want one ring %v", fs, want)
	}
}

func TestDecodeRejects(t *testing.T) {
	for name, data := range map[string]string{
		"not json":          `{"type":`,
		"not a topology":    `{"type":"FeatureCollection"}`,
		"arcs not an array": `{"type":"Topology","arcs":{"a":1}}`,
		"short position":    `{"type":"Topology","arcs":[[[1]]]}`,
		"too deep":          `{"type":"Topology","arcs":[[[[1,2]]]]}`,
		"not a number":      `{"type":"Topology","arcs":[[["a","b"]]]}`,
	} {
		if _, err := Decode([]byte(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	top, err := Decode([]byte(`{"type":"Topology","arcs":[],"objects":{"o":{"type":"Polygon","arcs":[[5]]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := top.Features("o"); err == nil {
		t.Error("arc index out of range: no error")
	}
}

// FuzzDecode: the decoder reads files from the build, but its hand-written
// arc reader must still never panic or accept what json rejects.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"type":"Topology","transform":{"scale":[1,1],"translate":[0,0]},"arcs":[[[0,0],[1,0],[0,1],[-1,-1]]],"objects":{"o":{"type":"Polygon","arcs":[[0]]}}}`))
	f.Add([]byte(`{"type":"Topology","arcs":[[[1e3,-2.5E-1],[3,2]]],"objects":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		top, err := Decode(data)
		if err != nil {
			return
		}
		for name := range top.objects {
			_, _ = top.Features(name)
		}
	})
}
