package mastodon

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/post"
)

// A status whose author has a location field: the field (link text that is
// a URL and custom emoji dropped, the flag shortcode kept as a flag) is
// the location, not the bio's cue; the instance's table entry is the prior.
func TestParseProfileFieldFixture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "status_profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p post.Post
	res, err := ParseEvent(Envelope("update", b), &p)
	if err != nil || res.Kind != KindPost || res.ProfileSkipped {
		t.Fatalf("ParseEvent = %+v, %v", res, err)
	}
	if want := "Frankfurt am Main 🇩🇪"; p.UserLocation != want {
		t.Errorf("UserLocation %q, want %q", p.UserLocation, want)
	}
	if p.UserCountry != "DE" {
		t.Errorf("UserCountry %q, want DE (troet.cafe)", p.UserCountry)
	}
}

func TestProfileLocation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields []field
		note   string
		want   string
	}{
		{"english field", []field{{"Location", "Berlin, Germany"}}, "", "Berlin, Germany"},
		{"field name case and accents", []field{{"UBICACIÓN", "Quito"}}, "", "Quito"},
		{"field name with emoji and colon", []field{{"📍 Localização:", "Porto"}}, "", "Porto"},
		{"japanese field", []field{{"場所", "東京都"}}, "", "東京都"},
		{"russian field", []field{{"Местоположение", "Москва"}}, "", "Москва"},
		{"korean field", []field{{"위치", "서울"}}, "", "서울"},
		{"plus code dropped", []field{{"Location", "København, Danmark (9F7JMHJM+28)"}}, "", "København, Danmark"},
		{"flag shortcode", []field{{"Ort", ":flag_at: Wien"}}, "", "🇦🇹 Wien"},
		{"other shortcodes dropped", []field{{"Lieu", ":blobcat: Lyon :verified:"}}, "", "Lyon"},
		{"link only", []field{{"Location", `<a href="https://osm.org/x">https://osm.org/x</a>`}}, "", ""},
		{"link text kept when it is a name", []field{{"Location", `<a href="https://en.wikipedia.org/wiki/Leeds">Leeds</a>`}}, "", "Leeds"},
		{"entities", []field{{"Lugar", "Ciudad de M&eacute;xico"}}, "", "Ciudad de México"},
		{"non-location fields ignored", []field{{"Pronouns", "she/her"}, {"Web", "example.org"}}, "", ""},
		{"field beats bio", []field{{"Standort", "Köln"}}, "<p>Wohne in Bonn.</p>", "Köln"},
		{"empty field falls back to bio", []field{{"Location", ""}}, "<p>📍 Lisboa</p>", "Lisboa"},
		{"bio pin", nil, "<p>Photographer 📷<br>📍 Lisboa 🇵🇹</p>", "Lisboa 🇵🇹"},
		{"bio based in, prose cut", nil, "<p>Data nerd based in Leeds and online most days.</p>", "Leeds"},
		{"bio X-based", nil, "<p>NYC-based illustrator. she/her</p>", "NYC"},
		{"bio two-word X-based", nil, "<p>A New York-based writer.</p>", "New York"},
		{"bio german cue", nil, "<p>Softwareentwicklerin. Wohne in Frankfurt am Main.</p>", "Frankfurt am Main"},
		{"bio spanish cue", nil, "<p>Vivo en Buenos Aires, Argentina. Mate y código.</p>", "Buenos Aires, Argentina"},
		{"bio french cue", nil, "<p>Dev web, j'habite à Nantes depuis 2019</p>", "Nantes"},
		{"bio hashtag and mention dropped", nil, `<p>Fan of <a href="https://x/tags/Paris" class="mention hashtag">#<span>Paris</span></a>, friend of <span class="h-card"><a href="https://x/@bob" class="u-url mention">@<span>bob</span></a></span></p>`, ""},
		{"bio without cue", nil, "<p>Reading, writing, bath time.</p>", ""},
		{"cue inside a word", nil, "<p>Ladesde nada</p>", ""},
		{"earliest cue wins", nil, "<p>based in Porto, born in Lyon, 📍 Braga</p>", "Porto"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, skipped := ProfileLocation(tc.fields, tc.note)
			if got != tc.want || skipped {
				t.Errorf("ProfileLocation = %q (skipped %v), want %q", got, skipped, tc.want)
			}
		})
	}
}

// Hostile or huge profiles are skipped and reported, never truncated into
// a different place, and never stop the parse.
func TestProfileLocationHostile(t *testing.T) {
	huge := strings.Repeat("Paris ", maxFieldValue)
	many := make([]field, maxFields+1)
	for i := range many {
		many[i] = field{"x", "y"}
	}
	many[maxFields] = field{"Location", "Oslo"} // beyond the cap: not read
	for _, tc := range []struct {
		name   string
		fields []field
		note   string
		want   string
	}{
		{"huge field value", []field{{"Location", huge}}, "", ""},
		{"huge field, bio still read", []field{{"Location", huge}}, "<p>📍 Lima</p>", "Lima"},
		{"huge note", nil, "<p>📍 Lima " + strings.Repeat("x", maxNote) + "</p>", ""},
		{"too many fields", many, "", ""},
		{"reduced text over the resolver's bound", []field{{"Location", strings.Repeat("ab ", 100)}}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, skipped := ProfileLocation(tc.fields, tc.note)
			if got != tc.want || !skipped {
				t.Errorf("ProfileLocation = %q (skipped %v), want %q, skipped", got, skipped, tc.want)
			}
		})
	}
	// Through the parser: the post survives, the skip is reported.
	acct, _ := json.Marshal(map[string]any{"id": "1", "acct": "a", "note": "<p>" + huge + huge + huge + huge + "</p>"})
	msg := `{"id":"9","created_at":"2026-08-01T00:00:00Z","content":"<p>hi</p>","account":` + string(acct) + `}`
	var p post.Post
	res, err := ParseEvent(Envelope("update", []byte(msg)), &p)
	if err != nil || res.Kind != KindPost || !res.ProfileSkipped || p.UserLocation != "" || p.Text != "hi" {
		t.Errorf("huge note: %+v, %v, post %+v", res, err, p)
	}
}

func TestInstanceCountry(t *testing.T) {
	for host, want := range map[string]string{
		"mastodon.de": "DE", "social.tchncs.de": "DE", "MSTDN.JP": "JP", "mstdn.jp:443": "JP",
		"troet.cafe": "DE", "piaille.fr": "FR", "mastodon.uno": "IT", "mastodon.social": "",
		"mastodon.online": "", "fosstodon.org": "", "hachyderm.io": "", "mastodon.me.uk": "GB",
		"toot.co": "", "localhost": "", "": "", "x.123": "", "mastodon.scot": "GB",
	} {
		if got := InstanceCountry(host); got != want {
			t.Errorf("InstanceCountry(%q) = %q, want %q", host, got, want)
		}
	}
	for _, tc := range []struct{ acct, url, uri, want string }{
		{"ana@mastodon.de", "https://mastodon.social/@x", "", "mastodon.de"},
		{"ana", "https://piaille.fr/@ana", "", "piaille.fr"},
		{"ana", "", "https://mstdn.jp/users/ana/statuses/1", "mstdn.jp"},
		{"ana", "::", "", ""},
	} {
		if got := accountHost(tc.acct, tc.url, tc.uri); got != tc.want {
			t.Errorf("accountHost(%q, %q, %q) = %q, want %q", tc.acct, tc.url, tc.uri, got, tc.want)
		}
	}
}

// The shared real payloads (API-client fixtures): every status parses, and
// the two authors with a location field get it.
func TestProfileLocationSharedPayloads(t *testing.T) {
	path := filepath.Join("..", "..", "..", "..", "shared", "data", "mastodon", "mastodon_py_statuses_unique.jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("shared Mastodon payloads absent (%v); fixtures above cover the shapes", err)
	}
	defer f.Close()
	got := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	n := 0
	for sc.Scan() {
		var p post.Post
		kind, _, err := ParseStatus(sc.Bytes(), &p)
		if kind == KindMalformed {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		if p.UserLocation != "" {
			got[p.ScreenName] = p.UserLocation
		}
	}
	if n == 0 {
		t.Fatal("no statuses read")
	}
	for acct, want := range map[string]string{"jamey@toot.cat": "Portland, Oregon"} {
		if !strings.Contains(got[acct], want) {
			t.Errorf("%s: location %q, want %q (all: %q)", acct, got[acct], want, got)
		}
	}
	for acct, loc := range got {
		if strings.Contains(loc, "+28") || strings.Contains(loc, "http") {
			t.Errorf("%s: location %q keeps a plus code or link", acct, loc)
		}
	}
}

// FuzzProfileLocation: any field or note yields valid UTF-8 within the
// resolver's bound, without panicking.
func FuzzProfileLocation(f *testing.F) {
	f.Add("Location", "København, Danmark (9F7JMHJM+28)", "<p>I walk funny</p>")
	f.Add("📍 Standort", `<a href="https://osm.org/r/1"><span class="invisible">https://</span>osm.org/r/1</a> Köln :flag_de:`, "")
	f.Add("Pronouns", "she/her", "<p>NYC-based. 📍 Lisboa 🇵🇹</p><p>vivo en Quito</p>")
	f.Add("場所", "東京都", "<p>based in ::::: :flag_:: -based</p>")
	f.Add("x", "", "<p>İstanbul'da yaşıyorum, based in İZMİR</p>")
	f.Add("", ":flag_de", "\xff<a href=")
	f.Fuzz(func(t *testing.T, name, value, note string) {
		loc, _ := ProfileLocation([]field{{name, value}}, note)
		if !utf8.ValidString(loc) && utf8.ValidString(value) && utf8.ValidString(note) {
			t.Fatalf("invalid UTF-8 %q", loc)
		}
		if len(loc) > maxLocation {
			t.Fatalf("location of %d bytes over the bound", len(loc))
		}
	})
}
