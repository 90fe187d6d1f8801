package twitter

// X API v2 payloads, auto-detected per message next to v1.1 and the static
// format:
//
//   - A stream envelope {"data": tweet, "includes": {...},
//     "matching_rules": [...]}, as the filtered and sampled streams send
//     (and twarc writes). data must be an object; a REST page whose data is
//     an array is a notice "other", since one message makes one post.
//   - An envelope with "errors" and no "data": a notice "error" (X sends
//     these in-band, e.g. for an operational disconnect).
//   - A flat v2 tweet (what twarc's flattened output and many fixtures
//     hold): a non-empty string "id", a string "text", no "user" object and
//     no "event_type" (DM events have id and text too).
//
// Fields of a v2 tweet:
//
//   - Text: note_tweet.text when present (long posts), else text.
//   - Hashtags: entities.hashtags[].tag.
//   - Time: created_at, RFC 3339 ("2021-04-01T15:52:31.000Z").
//   - Point: geo.coordinates ({"type":"Point","coordinates":[lon, lat]}),
//     exact; else the centre of the bbox ([west, south, east, north]) of
//     the place in includes.places whose id is geo.place_id, with
//     GeoSource GeoPlace. A geo.coordinates that is present but not a point
//     sets GeoRejected, as for v1.1.
//   - PlatformLang: lang. UserID: author_id; ScreenName and UserLocation:
//     the username and location of includes.users[] with that id.

import (
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/valyala/fastjson"
)

// parseV2 recognises v2 shapes. ok is false when the message is none of
// them, and the caller goes on with its notice classification.
func (p *Parser) parseV2(obj *fastjson.Object, f *fields, dst *post.Post) (Result, bool) {
	if isObject(f.user) {
		return Result{}, false
	}
	if isObject(f.data) {
		tweet := f.data.GetObject()
		var tf v2Fields
		tweet.Visit(func(key []byte, v *fastjson.Value) { tf.collect(key, v) })
		if nonEmptyString(tf.id) == nil {
			return Result{Kind: KindNotice, Notice: NoticeOther, V2: true}, true
		}
		return p.fillV2(&tf, f.includes, dst), true
	}
	if f.data == nil && isType(f.errors, fastjson.TypeArray) {
		return Result{Kind: KindNotice, Notice: NoticeError, V2: true}, true
	}
	return p.parseFlatV2(obj, f, dst)
}

// parseFlatV2 handles a flat v2 tweet; obj is the whole message.
func (p *Parser) parseFlatV2(obj *fastjson.Object, f *fields, dst *post.Post) (Result, bool) {
	if f.data != nil || f.eventType != nil || f.language != nil || f.errors != nil || f.notice != "" {
		return Result{}, false
	}
	if nonEmptyString(f.id) == nil || !isType(f.text, fastjson.TypeString) {
		return Result{}, false
	}
	var tf v2Fields
	obj.Visit(func(key []byte, v *fastjson.Value) { tf.collect(key, v) })
	return p.fillV2(&tf, f.includes, dst), true
}

// v2Fields are the keys of a v2 tweet object Parse looks at.
type v2Fields struct {
	id, text, noteTweet, createdAt, lang *fastjson.Value
	entities, geo, authorID              *fastjson.Value
}

func (f *v2Fields) collect(key []byte, v *fastjson.Value) {
	switch string(key) {
	case "id":
		f.id = v
	case "text":
		f.text = v
	case "note_tweet":
		f.noteTweet = v
	case "created_at":
		f.createdAt = v
	case "lang":
		f.lang = v
	case "entities":
		f.entities = v
	case "geo":
		f.geo = v
	case "author_id":
		f.authorID = v
	}
}

// fillV2 fills dst from a v2 tweet and the envelope's includes (nil for a
// flat tweet).
func (p *Parser) fillV2(f *v2Fields, includes *fastjson.Value, dst *post.Post) Result {
	res := Result{Kind: KindPost, V2: true}

	text := f.text
	if isObject(f.noteTweet) {
		if nt := lastField(f.noteTweet.GetObject(), "text"); isType(nt, fastjson.TypeString) {
			text = nt
		}
	}
	dst.Text = p.copyString(text)
	dst.Hashtags = p.hashtagsFromEntities(f.entities, "tag")
	dst.Time = v2Time(f.createdAt)
	dst.PlatformLang = p.platformLang(f.lang)
	var approx bool
	var conf float32
	dst.Point, conf, dst.HasPoint, approx, res.GeoRejected = p.v2Point(f.geo, includes)
	if dst.HasPoint {
		dst.GeoSource, dst.GeoConfidence = post.GeoExact, conf
		if approx {
			dst.GeoSource = post.GeoPlace
		}
	}

	// The author's user object (requested with expansions=author_id)
	// carries the username and, with user.fields=location, the free-text
	// profile location.
	var username, location *fastjson.Value
	if author := nonEmptyString(f.authorID); author != nil {
		if u := v2Lookup(includes, "users", author, ""); isObject(u) {
			u.GetObject().Visit(func(key []byte, v *fastjson.Value) {
				switch string(key) {
				case "username":
					username = v
				case "location":
					location = v
				}
			})
		}
	}
	p.ids = appendString(p.ids[:0], f.id)
	idEnd := len(p.ids)
	p.ids = appendString(p.ids, f.authorID)
	userEnd := len(p.ids)
	p.ids = appendString(p.ids, username)
	nameEnd := len(p.ids)
	p.ids = appendString(p.ids, location)
	all := string(p.ids)
	dst.ID, dst.UserID, dst.ScreenName = all[:idEnd], all[idEnd:userEnd], all[userEnd:nameEnd]
	dst.UserLocation = all[nameEnd:]
	return res
}

// v2Point returns the exact point of geo.coordinates, else the centre of
// the place's bbox (approx).
func (p *Parser) v2Point(geo, includes *fastjson.Value) (pt post.Point, conf float32, ok, approx, rejected bool) {
	if !isObject(geo) {
		return post.Point{}, 0, false, false, false
	}
	g := geo.GetObject()
	if c := lastField(g, "coordinates"); !isNull(c) {
		if pt, ok := p.geoJSONPoint(c, lonLat); ok {
			return pt, 1, true, false, false
		}
		// Some payloads carry "coordinates": {"coordinates": {}}; the
		// place, if any, still locates the post.
		rejected = true
	}
	placeID := nonEmptyString(lastField(g, "place_id"))
	if placeID == nil {
		return post.Point{}, 0, false, false, rejected
	}
	place := v2Lookup(includes, "places", placeID, "geo")
	if !isObject(place) {
		return post.Point{}, 0, false, false, rejected
	}
	if pt, conf, ok := p.bboxCentre(lastField(place.GetObject(), "bbox")); ok {
		return pt, conf, true, true, false
	}
	return post.Point{}, 0, false, false, rejected
}

// bboxCentre returns the centre of a GeoJSON bbox [west, south, east,
// north] (see boxCentre).
func (p *Parser) bboxCentre(v *fastjson.Value) (post.Point, float32, bool) {
	if !isType(v, fastjson.TypeArray) {
		return post.Point{}, 0, false
	}
	a := v.GetArray()
	if len(a) != 4 {
		return post.Point{}, 0, false
	}
	var n [4]float64
	for i, x := range a {
		f, ok := p.float(x)
		if !ok {
			return post.Point{}, 0, false
		}
		n[i] = f
	}
	return boxCentre(n[0], n[1], n[2], n[3])
}

// v2Lookup finds includes[list][i] whose "id" equals id and returns its
// field named want, or the whole item when want is ""; nil when absent.
func v2Lookup(includes *fastjson.Value, list string, id []byte, want string) *fastjson.Value {
	if !isObject(includes) {
		return nil
	}
	items := lastField(includes.GetObject(), list)
	if !isType(items, fastjson.TypeArray) {
		return nil
	}
	for _, it := range items.GetArray() {
		if !isObject(it) {
			continue
		}
		o := it.GetObject()
		if b := nonEmptyString(lastField(o, "id")); b != nil && string(b) == string(id) {
			if want == "" {
				return it
			}
			return lastField(o, want)
		}
	}
	return nil
}

// v2Time parses created_at (RFC 3339 with milliseconds); zero when absent
// or unparseable, as for v1.1.
func v2Time(v *fastjson.Value) time.Time {
	b := nonEmptyString(v)
	if b == nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
