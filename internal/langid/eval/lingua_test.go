//go:build lingua

package eval

import "testing"

func TestLinguaBaseline(t *testing.T) {
	open, ok, err := Baseline("lingua-low")
	if !ok || err != nil {
		t.Fatalf("Baseline(lingua-low) = ok %v, err %v", ok, err)
	}
	d, err := open()
	if err != nil {
		t.Fatal(err)
	}
	if r := d.Detect("Ich habe heute keine Zeit, weil ich arbeiten muss"); r.Lang != "de" {
		t.Errorf("lingua-low: %+v, want de", r)
	}
}
