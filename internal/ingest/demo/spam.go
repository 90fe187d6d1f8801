package demo

import (
	"math/rand/v2"
	"strings"
)

// Spam describes the spam scenario (Options.SpamShare): one account posts
// one tag over and over from one place. A trend detector must not report
// it, since issue 14 asks that "one account posting a tag 1,000 times
// never trends"; Spam is its ground truth.
type Spam struct {
	Tag        string  `json:"tag"` // without '#'
	Lang       string  `json:"lang"`
	ScreenName string  `json:"screen_name"`
	UserID     uint64  `json:"user_id"`
	City       string  `json:"city"`
	Country    string  `json:"country"` // ISO 3166-1 alpha-2
	Lat        float64 `json:"lat"`
	Lon        float64 `json:"lon"`
	// Share is the fraction of Lang's posts the account makes, for the
	// whole stream.
	Share float64 `json:"share"`
}

// spamLang is the spammer's language: the largest, where a single account
// is most easily mistaken for a crowd by counting posts alone.
const spamLang = "en"

// spamTags are promotion tags of the kind spam accounts push.
var spamTags = []string{"FreeFollowersNow", "WinAPhoneToday", "CryptoGiveaway", "ClickToWinBig", "PromoCode50Off", "FollowTrainGo"}

// spamStream seeds the spammer's choices, apart from every other stream.
const spamStream = 0x7370616d6d657221 // "spammer!"

type spammer struct {
	Spam
	lang    *language
	city    *city
	tag     hashtag
	account *user
}

// newSpammer picks the account (an ordinary, not popular, one), its tag and
// its place from the seed; nil when share is not positive.
func newSpammer(seed uint64, share float64, users [][]user) *spammer {
	if !(share > 0) {
		return nil
	}
	share = min(share, 1)
	r := rand.New(rand.NewPCG(seed, spamStream))
	l := loadCatalog().byCode[spamLang]
	pool := users[l.index]
	popular := max(3, int(float64(len(pool))*popularShare))
	account := &pool[popular+r.IntN(len(pool)-popular)]
	c := account.home
	if c == nil {
		c = l.cities[pick(l.cityCDF, r.Float64())]
	}
	tag := spamTags[r.IntN(len(spamTags))]
	if steadyTags()[strings.ToLower(tag)] {
		panic("demo: spam tag " + tag + " is also a steady tag")
	}
	return &spammer{
		Spam: Spam{
			Tag: tag, Lang: l.code, ScreenName: account.screenName, UserID: account.id,
			City: c.name, Country: c.countryCode, Lat: c.lat, Lon: c.lon, Share: share,
		},
		lang: l, city: c, tag: compileTags([]string{tag})[0], account: account,
	}
}

func (s *spammer) form(r *rand.Rand) *tagForm { return pickForm(&s.tag, r) }

// Spammer returns the spam scenario s runs, if Options.SpamShare set one.
func (s *Source) Spammer() (Spam, bool) {
	if s.gen.inject == nil || s.gen.inject.spam == nil {
		return Spam{}, false
	}
	return s.gen.inject.spam.Spam, true
}
