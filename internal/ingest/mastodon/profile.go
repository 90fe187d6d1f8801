package mastodon

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/geo"
)

// The author's place, from the account of a status (issue 18). Mastodon
// has no location attribute; people write one in two places:
//
//   - a profile field (name/value pairs shown under the bio) named
//     Location, Standort, Ubicación, 場所... Its value is short and meant
//     as a place, so it is passed on alone when present.
//   - the bio (note). A bio is prose: its words are names of towns as often
//     as not ("Reading", "Nice", "Bath"), so only a cue that introduces a
//     place is taken ("📍 Lisboa", "based in Leeds", "Berlin-based",
//     "vivo en Quito"), never the bio as a whole.
//
// The instance's country (its ccTLD, or a small table of large national
// instances) goes to the resolver as a prior for ambiguous names only.

// Bounds on what is read. A field value is at most 255 characters on
// stock Mastodon and a note 500, but instances raise both and the payload
// is untrusted: anything longer is skipped and counted, not truncated,
// since a cut string can name the wrong place.
const (
	maxFieldValue = 1024     // raw HTML of one field value
	maxNote       = 16 << 10 // raw HTML of the note
	maxFields     = 32       // fields looked at
	maxLocation   = 200      // the text handed to the resolver (geo's own bound)
)

// locationFieldNames are folded (lower case, accents dropped) names of
// profile fields that hold a place, in the languages of the fediverse's
// larger communities.
var locationFieldNames = map[string]bool{}

func init() {
	for _, n := range []string{
		// en
		"location", "place", "city", "town", "where", "located", "based in", "lives in", "living in",
		"hometown", "home town", "home base", "region", "area", "whereabouts", "loc",
		// de
		"standort", "ort", "wohnort", "stadt", "heimat", "wohnhaft", "lebt in", "aus",
		// es
		"ubicacion", "ciudad", "lugar", "localidad", "residencia", "vivo en", "desde",
		// fr
		"localisation", "lieu", "ville", "emplacement", "situation", "region",
		// pt
		"localizacao", "cidade", "local", "moro em", "vivo em",
		// it
		"posizione", "luogo", "citta", "localita", "dove", "sede",
		// nl
		"locatie", "plaats", "woonplaats", "stad",
		// pl, cs, sv, da, no, fi
		"lokalizacja", "miasto", "miejsce", "misto", "mesto", "plats", "stad", "ort", "by", "sted",
		"bosted", "sijainti", "paikkakunta", "kotipaikka",
		// ru, uk
		"местоположение", "город", "место", "локация", "місто", "місцезнаходження", "розташування",
		// ja, zh, ko
		"場所", "所在地", "居住地", "住んでいるところ", "地域", "在住", "位置", "城市", "所在", "위치", "지역", "사는 곳",
		// tr, el, ar, he
		"konum", "sehir", "yer", "τοποθεσια", "πολη", "الموقع", "المدينة", "מיקום",
	} {
		locationFieldNames[foldName(n)] = true
	}
}

// foldName folds a field name for lookup as place names are folded
// (geo.Fold: accents dropped, lower case, punctuation and emoji — people
// write "📍 Location:" — collapsed).
func foldName(s string) string { return geo.Fold(s) }

// field is one profile field of an account.
type field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ProfileLocation returns what the resolver should read as the author's
// place: the value of the first location field, reduced to text, else a
// place the bio introduces with a cue, else "". skipped reports that a
// field or the note was too long to read (hostile or broken input, to be
// counted); what could be read is still returned.
func ProfileLocation(fields []field, note string) (loc string, skipped bool) {
	for i, f := range fields {
		if i == maxFields {
			skipped = true
			break
		}
		if len(f.Name) > maxFieldValue || !locationFieldNames[foldName(f.Name)] {
			continue
		}
		if len(f.Value) > maxFieldValue {
			skipped = true
			continue
		}
		if v := fieldText(f.Value); v != "" {
			if len(v) > maxLocation {
				skipped = true
				continue
			}
			return v, skipped
		}
	}
	if len(note) > maxNote {
		return "", true
	}
	if note == "" {
		return "", skipped
	}
	return bioCue(noteText(note)), skipped
}

// fieldText reduces a field value to the text a person reads: HTML tags
// dropped, a link's visible text kept unless it is a URL (a map link
// shows "openstreetmap.org/…", which names no place), emoji shortcodes
// dropped except flags (":flag_de:" becomes 🇩🇪, a country hint), plus
// codes ("9F7JMHJM+28") dropped.
func fieldText(v string) string {
	t := HTMLText(v)
	var out []string
	for _, w := range strings.Fields(t) {
		w = shortcodes(w)
		if w == "" || looksLikeURL(w) || isPlusCode(w) {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// noteText reduces the bio's HTML to text without links, mentions and
// hashtags, which name accounts and topics, not where the author is
// ("#Berlin" in a bio is as often a subject as a home).
func noteText(note string) string {
	t := HTMLText(note)
	var lines []string
	for _, line := range strings.Split(t, "\n") {
		var out []string
		for _, w := range strings.Fields(line) {
			w = shortcodes(w)
			if w == "" || looksLikeURL(w) || strings.HasPrefix(w, "@") || strings.HasPrefix(w, "#") {
				continue
			}
			out = append(out, w)
		}
		if len(out) > 0 {
			lines = append(lines, strings.Join(out, " "))
		}
	}
	return strings.Join(lines, "\n")
}

// shortcodes replaces custom-emoji shortcodes in a word: ":flag_de:" and
// ":de:" style flags become the flag emoji, any other ":name:" is dropped.
func shortcodes(w string) string {
	for {
		i := strings.IndexByte(w, ':')
		if i < 0 {
			return w
		}
		j := strings.IndexByte(w[i+1:], ':')
		if j < 0 {
			return w
		}
		name := w[i+1 : i+1+j]
		if name == "" || strings.ContainsFunc(name, func(r rune) bool {
			return !(r == '_' || r == '-' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)))
		}) {
			// "Berlin:" or "12:30" — not a shortcode; look no further.
			return w
		}
		w = w[:i] + flagEmoji(name) + w[i+1+j+1:]
	}
}

// flagEmoji turns "flag_de", "flag-de" or "de_flag" into 🇩🇪; anything else
// into "".
func flagEmoji(name string) string {
	n := strings.ToLower(name)
	cc, ok := strings.CutPrefix(n, "flag_")
	if !ok {
		cc, ok = strings.CutPrefix(n, "flag-")
	}
	if !ok {
		cc, ok = strings.CutSuffix(n, "_flag")
	}
	if !ok || len(cc) != 2 || cc[0] < 'a' || cc[0] > 'z' || cc[1] < 'a' || cc[1] > 'z' {
		return ""
	}
	return string([]rune{0x1F1E6 + rune(cc[0]-'a'), 0x1F1E6 + rune(cc[1]-'a')})
}

func looksLikeURL(w string) bool {
	l := strings.ToLower(w)
	if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "www.") {
		return true
	}
	// "openstreetmap.org/…", "example.com": a dot inside, a slash or a
	// known top-level ending, no spaces.
	dot := strings.LastIndexByte(l, '.')
	return dot > 0 && dot < len(l)-1 && strings.Contains(l, "/") && !strings.ContainsRune(l, ' ')
}

// isPlusCode reports an Open Location Code ("9F7JMHJM+28", "JMHJ+28"):
// precise, but decoding one is out of scope, and a place name usually
// stands beside it.
func isPlusCode(w string) bool {
	w = strings.Trim(w, "()[]")
	i := strings.IndexByte(w, '+')
	if i < 4 || len(w)-i-1 > 3 {
		return false
	}
	for _, r := range strings.ToUpper(w[:i] + w[i+1:]) {
		if !strings.ContainsRune("23456789CFGHJMPQRVWX", r) {
			return false
		}
	}
	return true
}

// Bio cues. Each introduces a place: the words after a lead cue (up to the
// end of the line or sentence, at most maxCueWords), or before a
// "-based" suffix.
const maxCueWords = 5

// leadCues are lower-case phrases, matched at word starts, after which a
// place follows.
var leadCues = []string{
	"📍", "🏠", "🏡", "📌",
	"based in", "living in", "lives in", "live in", "located in", "residing in", "i'm in", "currently in",
	"wohnhaft in", "wohne in", "lebe in", "lebt in", "zuhause in", "daheim in",
	"vivo en", "vive en", "radicado en", "radicada en", "desde", "basado en", "basada en",
	"j'habite à", "j'habite a", "habite à", "basé à", "basée à", "basé a", "installé à", "installée à",
	"vivo em", "moro em", "mora em", "baseado em", "baseada em",
	"vivo a", "abito a", "vive a", "di base a",
	"woon in", "woont in", "wonend in",
	"mieszkam w", "mieszka w", "bor i", "живу в", "живу во", "живу у",
}

// cueStop ends a cue's place: a sentence or a clause.
func cueStop(r rune) bool {
	switch r {
	case '.', '!', '?', ';', '|', '·', '•', '\n', '(', ')', '—', '–':
		return true
	}
	return false
}

// bioCue finds the first place a cue introduces in a bio's text; "" if
// none.
func bioCue(text string) string {
	lower := strings.ToLower(text)
	best, bestAt := "", len(text)+1
	for _, cue := range leadCues {
		for from := 0; from < len(lower); {
			i := strings.Index(lower[from:], cue)
			if i < 0 {
				break
			}
			i += from
			from = i + len(cue)
			// A word cue starts a word ("desde" not inside "ladesde").
			if i > 0 && cue[0] < utf8.RuneSelf {
				if r, _ := utf8.DecodeLastRuneInString(lower[:i]); unicode.IsLetter(r) {
					continue
				}
			}
			if i >= bestAt {
				break
			}
			// lower and text have the same byte offsets only when lowering
			// kept every rune's width; fall back to lower's own words
			// otherwise (Turkish İ, a few others).
			src := text
			if len(lower) != len(text) {
				src = lower
			}
			if p := cuePlace(src[i+len(cue):]); p != "" {
				best, bestAt = p, i
			}
			break
		}
	}
	if b, at := basedSuffix(text); b != "" && at < bestAt {
		best = b
	}
	return best
}

// cuePlace takes the place after a lead cue: up to the end of the clause,
// at most maxCueWords words.
func cuePlace(s string) string {
	if i := strings.IndexFunc(s, cueStop); i >= 0 {
		s = s[:i]
	}
	words := strings.Fields(strings.TrimLeft(s, " :,"))
	if len(words) > maxCueWords {
		words = words[:maxCueWords]
	}
	// A place ends where prose starts: the first word after the first
	// that is lower-case Latin and not a particle of place names ("de",
	// "am", "upon") ends it ("Berlin and online" -> "Berlin").
	for i := 1; i < len(words); i++ {
		w := words[i]
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLower(r) && unicode.Is(unicode.Latin, r) && !nameParticles[w] {
			words = words[:i]
			break
		}
	}
	out := strings.TrimRight(strings.Join(words, " "), ",:")
	if len(out) > maxLocation {
		return ""
	}
	return out
}

// nameParticles are lower-case words inside place names.
var nameParticles = map[string]bool{
	"de": true, "del": true, "do": true, "da": true, "dos": true, "das": true, "am": true, "an": true,
	"der": true, "im": true, "upon": true, "on": true, "sur": true, "la": true, "le": true, "el": true,
	"los": true, "las": true, "di": true, "en": true, "aan": true, "den": true, "of": true,
}

// sentenceStarts are capitalised words that start a sentence, not a name
// ("A New York-based writer").
var sentenceStarts = map[string]bool{"A": true, "An": true, "The": true, "I": true, "I'm": true, "My": true, "Our": true, "We": true}

// basedSuffix finds "X-based" ("NYC-based", "Berlin-based", "New
// York-based"): the word before the suffix and up to two capitalised
// words before it.
func basedSuffix(text string) (string, int) {
	lower := strings.ToLower(text)
	i := strings.Index(lower, "-based")
	if i <= 0 || len(lower) != len(text) {
		return "", 0
	}
	before := strings.Fields(text[:i])
	if len(before) == 0 || strings.HasSuffix(text[:i], " ") {
		return "", 0
	}
	n := len(before) - 1
	for k := 0; k < 2 && n > 0; k++ {
		r, _ := utf8.DecodeRuneInString(before[n-1])
		if !unicode.IsUpper(r) || sentenceStarts[before[n-1]] || strings.ContainsFunc(before[n-1], cueStop) || strings.HasSuffix(before[n-1], ",") {
			break
		}
		n--
	}
	out := strings.Join(before[n:], " ")
	return out, strings.Index(text, before[n])
}

// Instance priors. The instance's country says where many of its users
// live, not where this one does: it goes to the resolver as a prior for
// names several places share ("Frankfurt", "Valencia", "Córdoba"), never
// as a point.

// instanceCountries are large instances whose domain does not name their
// country but whose community is national; "" marks large international
// ones explicitly (they have no ccTLD either, so it documents more than it
// decides).
var instanceCountries = map[string]string{
	"mstdn.jp": "JP", "pawoo.net": "JP", "fedibird.com": "JP", "mastodon-japan.net": "JP",
	"troet.cafe": "DE", "chaos.social": "DE", "norden.social": "DE", "social.tchncs.de": "DE",
	"piaille.fr": "FR", "mamot.fr": "FR", "framapiaf.org": "FR",
	"mastodon.uno": "IT", "mastodon.bida.im": "IT",
	"mastodon.nl": "NL", "mastodon.world": "", "toot.community": "",
	"aus.social": "AU", "mastodon.au": "AU", "theblower.au": "AU",
	"mastodon.scot": "GB", "mastodonapp.uk": "GB", "mstdn.ca": "CA", "mastodon.nz": "NZ",
	"masto.es": "ES", "mastodon.cat": "ES", "tkz.one": "ES",
	"mastodon.com.br": "BR", "bolha.us": "BR",
	"qoto.org": "", "mastodon.social": "", "mastodon.online": "",
}

var vanityTLDs = map[string]bool{
	// Country codes sold worldwide as generic endings: they say nothing
	// about where an instance's users live.
	"io": true, "co": true, "me": true, "tv": true, "fm": true, "ai": true, "gg": true, "ly": true,
	"cc": true, "ws": true, "to": true, "im": true, "sh": true, "ac": true, "is": true, "la": true,
	"am": true, "so": true, "xyz": true, "su": true, "eu": true, "pw": true, "nu": true, "tk": true,
	"ml": true, "ga": true, "cf": true, "gq": true, "one": true, "st": true, "vc": true, "lol": true,
}

// InstanceCountry returns the country an instance's host suggests: the
// table of national instances, else its ccTLD (mastodon.de -> DE, .uk ->
// GB), else "" (generic and vanity endings: .social, .online, .io).
func InstanceCountry(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	if cc, ok := instanceCountries[host]; ok {
		return cc
	}
	dot := strings.LastIndexByte(host, '.')
	if dot < 0 {
		return ""
	}
	tld := host[dot+1:]
	if len(tld) != 2 || vanityTLDs[tld] || tld[0] < 'a' || tld[0] > 'z' || tld[1] < 'a' || tld[1] > 'z' {
		return ""
	}
	if tld == "uk" {
		return "GB"
	}
	return strings.ToUpper(tld)
}

// accountHost is the host of the author's home instance: the domain of a
// remote acct ("ana@mastodon.de"), else the host of the account's URL,
// else of the status URI.
func accountHost(acct, accountURL, statusURI string) string {
	if _, dom, ok := strings.Cut(acct, "@"); ok && dom != "" {
		return dom
	}
	for _, s := range []string{accountURL, statusURI} {
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			return u.Host
		}
	}
	return ""
}
