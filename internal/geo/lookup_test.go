package geo

import "testing"

func TestNamed(t *testing.T) {
	g := gazetteer(t)
	for _, tc := range []struct {
		name, qualifier string
		country, admin  string // of the first place; "" for none
	}{
		{"Paris", "", "FR", ""},
		{"paris", "TX", "US", "TX"},
		{"Paris", "Texas", "US", "TX"},
		{"Paris", "us", "US", ""},
		{"Portland", "Maine", "US", "ME"},
		{"Valencia", "Venezuela", "VE", ""},
		{"Valencia", "España", "ES", ""},
		{"Bogotá", "", "CO", ""},
		{"Paris", "ZZ", "", ""},
		{"Paris", "Atlantis", "", ""},
		{"Nowhereville", "", "", ""},
	} {
		got := g.Named(tc.name, tc.qualifier)
		switch {
		case tc.country == "" && len(got) != 0:
			t.Errorf("Named(%q, %q) = %v, want none", tc.name, tc.qualifier, got[0])
		case tc.country == "":
		case len(got) == 0:
			t.Errorf("Named(%q, %q) = none, want one in %s", tc.name, tc.qualifier, tc.country)
		case got[0].Country != tc.country || (tc.admin != "" && got[0].Admin != tc.admin):
			t.Errorf("Named(%q, %q)[0] = %+v, want %s %s", tc.name, tc.qualifier, got[0], tc.country, tc.admin)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Population > got[i-1].Population {
				t.Errorf("Named(%q, %q): not largest first at %d", tc.name, tc.qualifier, i)
			}
		}
	}
}

func TestNamesAndCountryNames(t *testing.T) {
	g := gazetteer(t)
	n := 0
	for k, p := range g.Names() {
		if k != fold(k) || p.Name == "" {
			t.Fatalf("name %q -> %+v: not a folded key with a place", k, p)
		}
		n++
	}
	if n < 50000 {
		t.Errorf("%d names, want the gazetteer's ~100,000", n)
	}
	countries := map[string]string{}
	for k, cc := range g.CountryNames() {
		countries[k] = cc
	}
	for k, want := range map[string]string{"spain": "ES", "espana": "ES", "esp": "ES", "es": "ES", "deutschland": "DE"} {
		if countries[k] != want {
			t.Errorf("CountryNames[%q] = %q, want %q", k, countries[k], want)
		}
	}
}
