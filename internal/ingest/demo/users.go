package demo

import (
	"math"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// user is one account of the pool. Its JSON is rendered once, when the
// pool is built: the user object is the largest part of a post (about
// 1.5 KB) and does not change between that user's posts, so emitting it is a
// single copy.
type user struct {
	index      int // in its language's pool
	id         uint64
	screenName string
	lang       *language
	// home is the city the profile's location names, nil when it names
	// none: bursts prefer authors who live where the burst happens.
	home *city
	json string // the complete "user" object
	// mention is the start of a user_mentions entry, up to and including
	// the comma before "indices".
	mention string
}

// usersPerPermille sizes a language's pool: en gets ~1,400 accounts, the
// smallest languages minUsersPerLanguage. Popular accounts (the first
// popularShare of a pool) are the ones that get retweeted.
const (
	usersPerPermille     = 4
	minUsersPerLanguage  = 24
	popularShare         = 0.1
	defaultProfileShare  = 0.25
	profileBannerShare   = 0.7
	userDescriptionShare = 0.8
	userLocationShare    = 0.6
	userURLShare         = 0.2
	userTimeZoneShare    = 0.55
)

// firstAccountTime bounds user.created_at from below (Twitter's launch
// year); snowflakeUserTime is when user ids became snowflakes.
var (
	firstAccountTime  = time.Date(2007, 1, 1, 0, 0, 0, 0, time.UTC)
	snowflakeUserTime = time.Date(2016, 5, 1, 0, 0, 0, 0, time.UTC)
)

// buildUsers makes every posting language's pool; index = language index.
func buildUsers(cat *catalog, r *rand.Rand, epoch time.Time) [][]user {
	pools := make([][]user, len(cat.langs))
	for i, l := range cat.langs {
		if len(l.cities) == 0 {
			continue // und borrows its authors
		}
		n := max(minUsersPerLanguage, l.spec.permille*usersPerPermille)
		pool := make([]user, n)
		popular := max(3, int(float64(n)*popularShare))
		for j := range pool {
			pool[j].index = j
			makeUser(&pool[j], l, r, epoch, j < popular)
		}
		pools[i] = pool
	}
	return pools
}

var profileColors = []string{"C0DEED", "1DA1F2", "0084B4", "000000", "FFFFFF", "F5F8FA", "131516", "EDECE9", "642D8B", "FF6699", "B40B43", "89C9FA", "ABB8C2", "FAB81E", "E81C4F", "3B94D9", "94D487", "9266CC", "DD2E44", "333333"}

var handleWords = []string{"official", "xo", "lol", "tv", "daily", "music", "fan", "real", "hq", "jr"}

var nameDecorations = []string{" 🌸", " ✨", "♡", " 🦋", "☆", " 💫", " ⚽", " 🌙"}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func makeUser(u *user, l *language, r *rand.Rand, epoch time.Time, popular bool) {
	spec := l.spec
	created := randomTimeBetween(r, firstAccountTime, epoch.Add(-24*time.Hour))
	u.id = userID(r, created)
	u.lang = l
	// Most handles are made from the account's own name, some not.
	first, last := r.IntN(len(spec.firstNames)), -1
	if len(spec.surnames) > 0 {
		last = r.IntN(len(spec.surnames))
	}
	name := displayName(r, spec, first, last)
	if r.Float64() < 0.3 {
		first = r.IntN(len(spec.firstNames))
	}
	u.screenName = screenName(r, spec, first, last)

	followers := logNormal(r, 5.5, 1.6)
	if popular {
		followers = logNormal(r, 11, 1.5)
	}
	friends := logNormal(r, 5.6, 1.1)
	listed := int(float64(followers) / 150 * r.Float64())
	favourites := logNormal(r, 7, 2)
	statuses := logNormal(r, 8.5, 1.5) + 1
	verified := popular && r.Float64() < 0.2

	b := make([]byte, 0, 2048)
	b = append(b, '{')
	b = appendIDPair(b, "", u.id)
	b = append(b, `,"name":`...)
	b = appendQuoted(b, name)
	b = append(b, `,"screen_name":"`...)
	b = append(b, u.screenName...)
	b = append(b, `","location":`...)
	if r.Float64() < userLocationShare {
		var location string
		location, u.home = profileLocation(r, l)
		b = appendQuoted(b, location)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"url":`...)
	if r.Float64() < userURLShare {
		b = appendQuoted(b, profileURL(r, u.screenName))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"description":`...)
	if bio := spec.bios[r.IntN(len(spec.bios))]; bio != "" && r.Float64() < userDescriptionShare {
		b = appendQuoted(b, bio)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"protected":false,"verified":`...)
	b = appendBool(b, verified)
	b = append(b, `,"followers_count":`...)
	b = appendInt(b, followers)
	b = append(b, `,"friends_count":`...)
	b = appendInt(b, friends)
	b = append(b, `,"listed_count":`...)
	b = appendInt(b, listed)
	b = append(b, `,"favourites_count":`...)
	b = appendInt(b, favourites)
	b = append(b, `,"statuses_count":`...)
	b = appendInt(b, statuses)
	b = append(b, `,"created_at":"`...)
	b = created.UTC().AppendFormat(b, twitterTimeLayout)
	if r.Float64() < userTimeZoneShare {
		z := spec.zones[r.IntN(len(spec.zones))]
		b = append(b, `","utc_offset":`...)
		b = appendInt(b, z.offset)
		b = append(b, `,"time_zone":`...)
		b = appendQuoted(b, z.name)
	} else {
		b = append(b, `","utc_offset":null,"time_zone":null`...)
	}
	b = append(b, `,"geo_enabled":`...)
	b = appendBool(b, r.Float64() < 0.5)
	b = append(b, `,"lang":`...)
	b = appendQuoted(b, spec.userLang)
	b = append(b, `,"contributors_enabled":false,"is_translator":false`...)

	defaultProfile := r.Float64() < defaultProfileShare
	background, link, border, fill, text := "C0DEED", "1DA1F2", "C0DEED", "DDEEF6", "333333"
	bgImage := "abs.twimg.com/images/themes/theme1/bg.png"
	tile := false
	if !defaultProfile {
		pc := func() string { return profileColors[r.IntN(len(profileColors))] }
		background, link, border, fill, text = pc(), pc(), pc(), pc(), pc()
		if r.Float64() < 0.5 {
			bgImage = "abs.twimg.com/images/themes/theme" + itoa(2+r.IntN(18)) + "/bg.gif"
		} else {
			bgImage = "pbs.twimg.com/profile_background_images/" + itoa(100000000+r.IntN(800000000)) + "/" + randomString(r, 8, "0123456789abcdef") + ".jpeg"
		}
		tile = r.Float64() < 0.3
	}
	b = append(b, `,"profile_background_color":"`...)
	b = append(b, background...)
	b = append(b, `","profile_background_image_url":`...)
	b = appendQuoted(b, "http://"+bgImage)
	b = append(b, `,"profile_background_image_url_https":`...)
	b = appendQuoted(b, "https://"+bgImage)
	b = append(b, `,"profile_background_tile":`...)
	b = appendBool(b, tile)
	b = append(b, `,"profile_link_color":"`...)
	b = append(b, link...)
	b = append(b, `","profile_sidebar_border_color":"`...)
	b = append(b, border...)
	b = append(b, `","profile_sidebar_fill_color":"`...)
	b = append(b, fill...)
	b = append(b, `","profile_text_color":"`...)
	b = append(b, text...)
	b = append(b, `","profile_use_background_image":true`...)

	defaultImage := r.Float64() < 0.05
	image := "pbs.twimg.com/profile_images/" + itoa(int(r.Int64N(9e17)+1e17)) + "/" + randomString(r, 8, base62) + "_normal.jpg"
	if defaultImage {
		image = "abs.twimg.com/sticky/default_profile_images/default_profile_" + itoa(r.IntN(7)) + "_normal.png"
	}
	b = append(b, `,"profile_image_url":`...)
	b = appendQuoted(b, "http://"+image)
	b = append(b, `,"profile_image_url_https":`...)
	b = appendQuoted(b, "https://"+image)
	if !defaultImage && r.Float64() < profileBannerShare {
		bannerAt := randomTimeBetween(r, created, epoch)
		b = append(b, `,"profile_banner_url":`...)
		b = appendQuoted(b, "https://pbs.twimg.com/profile_banners/"+utoa(u.id)+"/"+itoa(int(bannerAt.Unix())))
	}
	b = append(b, `,"default_profile":`...)
	b = appendBool(b, defaultProfile)
	b = append(b, `,"default_profile_image":`...)
	b = appendBool(b, defaultImage)
	b = append(b, `,"following":null,"follow_request_sent":null,"notifications":null}`...)
	u.json = string(b)

	m := append(make([]byte, 0, 128), `{"screen_name":"`...)
	m = append(m, u.screenName...)
	m = append(m, `","name":`...)
	m = appendQuoted(m, name)
	m = append(m, ',')
	m = appendIDPair(m, "", u.id)
	m = append(m, ',')
	u.mention = string(m)
}

// userID mimics how Twitter's user ids grew: sequential until 2016 (from
// seven digits to about 4.3 billion), snowflakes of the creation time since.
func userID(r *rand.Rand, created time.Time) uint64 {
	if !created.Before(snowflakeUserTime) {
		return snowflakeAt(created.UnixMilli(), r.Uint64()&0x3fffff)
	}
	span := snowflakeUserTime.Sub(firstAccountTime).Seconds()
	f := max(0, created.Sub(firstAccountTime).Seconds()/span)
	return uint64(1e6+f*4.2e9) + r.Uint64N(1000)
}

// displayName composes a name from firstNames[fi] and surnames[si] (si <
// 0: none) in the language's order, sometimes decorated or re-cased.
func displayName(r *rand.Rand, spec *languageSpec, fi, si int) string {
	first, last := spec.firstNames[fi], ""
	if si >= 0 {
		last = spec.surnames[si]
	}
	var name string
	switch {
	case last == "" || spec.nameOrder == givenOnly:
		name = first
	case spec.nameOrder == familyJoin:
		name = last + first
	case r.Float64() < 0.4:
		name = first // many people show only their first name
	case spec.nameOrder == familyFirst:
		name = last + " " + first
	default:
		name = first + " " + last
	}
	switch u := r.Float64(); {
	case u < 0.12:
		name += nameDecorations[r.IntN(len(nameDecorations))]
	case u < 0.2:
		name = strings.ToLower(name)
	case u < 0.25:
		name = strings.ToUpper(name)
	}
	return name
}

// screenName composes a handle from the romanised firstNames[fi] and
// surnames[si] (si < 0: none): ASCII letters, digits and "_", at most 15
// characters, as Twitter required. handleStems, when given, romanise
// firstNames index for index.
func screenName(r *rand.Rand, spec *languageSpec, fi, si int) string {
	var first, last string
	if len(spec.handleStems) > 0 {
		first = spec.handleStems[fi]
		last = spec.handleStems[r.IntN(len(spec.handleStems))]
	} else {
		first = fold(spec.firstNames[fi])
		last = first
		if si >= 0 {
			last = fold(spec.surnames[si])
		}
	}
	digits := func(n int) string { return randomString(r, n, "0123456789") }
	var h string
	switch r.IntN(10) {
	case 0:
		h = first + last
	case 1:
		h = first + "_" + last
	case 2:
		h = first + digits(2+r.IntN(3))
	case 3:
		h = first + "_" + handleWords[r.IntN(len(handleWords))]
	case 4:
		h = "x" + first + "x"
	case 5:
		h = title(first) + title(last)
	case 6:
		h = "its" + first
	case 7:
		h = first + last + digits(2)
	case 8:
		h = "the" + title(first)
	default:
		h = first + "_" + digits(2)
	}
	if len(h) > 15 {
		h = strings.TrimRight(h[:15], "_")
	}
	return h
}

// fold reduces a Latin-script name to the ASCII a handle could hold.
func fold(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == 'ß':
			b.WriteString("ss")
		case c == 'æ':
			b.WriteString("ae")
		case c == 'ø' || c == 'ö' || c == 'ő':
			b.WriteByte('o')
		case c == 'ı':
			b.WriteByte('i')
		default:
			if base, ok := asciiBase[c]; ok {
				b.WriteByte(base)
			} // other characters (spaces, apostrophes) are dropped
		}
	}
	return b.String()
}

// asciiBase maps accented Latin letters to their base letter.
var asciiBase = func() map[rune]byte {
	m := make(map[rune]byte)
	for base, accented := range map[byte]string{
		'a': "áàâäãåā", 'c': "çć", 'e': "éèêëě", 'g': "ğ", 'i': "íìîï", 'n': "ñń",
		'o': "óòôõ", 's': "şšś", 'u': "úùûüű", 'y': "ý", 'z': "žź",
	} {
		for _, c := range accented {
			m[c] = base
		}
	}
	return m
}()

func title(s string) string {
	if s == "" {
		return s
	}
	c, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(c)) + s[size:]
}

// profileLocation draws a profile's free-text location and the city it
// names (nil for the free-text ones).
func profileLocation(r *rand.Rand, l *language) (string, *city) {
	spec := l.spec
	if r.Float64() < 0.5 || len(spec.locations) == 0 {
		c := l.cities[pick(l.cityCDF, r.Float64())]
		if r.Float64() < 0.5 {
			return c.name, c
		}
		return c.name + ", " + c.region, c
	}
	return spec.locations[r.IntN(len(spec.locations))], nil
}

func profileURL(r *rand.Rand, handle string) string {
	switch r.IntN(4) {
	case 0:
		return "https://instagram.com/" + strings.ToLower(handle)
	case 1:
		return "http://" + strings.ToLower(strings.ReplaceAll(handle, "_", "")) + ".tumblr.com"
	case 2:
		return "https://www.youtube.com/c/" + handle
	default:
		return "https://t.co/" + randomString(r, 10, base62)
	}
}

// logNormal draws a count whose logarithm is normal: follower and status
// counts are spread over orders of magnitude.
func logNormal(r *rand.Rand, mu, sigma float64) int {
	v := math.Exp(mu + sigma*r.NormFloat64())
	return int(min(v, 5e8))
}

func randomTimeBetween(r *rand.Rand, from, to time.Time) time.Time {
	if !to.After(from) {
		return to
	}
	return from.Add(time.Duration(r.Int64N(int64(to.Sub(from)))))
}

func randomString(r *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

func itoa(v int) string    { return string(appendInt(nil, v)) }
func utoa(v uint64) string { return string(appendUint(nil, v)) }
