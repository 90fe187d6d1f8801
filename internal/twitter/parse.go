package twitter

import (
	"fmt"
	"time"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/valyala/fastjson"
)

// bigMessage is the size above which Parse drops its fastjson parser after
// use. fastjson keeps a copy of the last message and a cache sized for it;
// one huge line should not pin that memory for the rest of the stream.
const bigMessage = 1 << 20

// Parser parses raw Twitter messages. It reuses its buffers between calls,
// so it is not safe for concurrent use: make one per goroutine. The zero
// value is ready to use.
type Parser struct {
	json fastjson.Parser

	// num receives the literal text of numbers (ids, coordinates), which
	// fastjson exposes only through MarshalTo.
	num []byte
	// ids collects ID, UserID and ScreenName so that they cost one
	// allocation together.
	ids []byte
	// tags collects hashtag texts, tagEnd their end offsets, for the same
	// reason.
	tags   []byte
	tagEnd []int
}

// NewParser returns a ready Parser. The zero value works too.
func NewParser() *Parser { return &Parser{} }

// fields are the top-level values Parse looks at, gathered in one pass.
// Later duplicates overwrite earlier ones, which is encoding/json's rule.
type fields struct {
	idStr, id, user                     *fastjson.Value
	text, fullText, truncated, extended *fastjson.Value
	entities, coordinates, geo, place   *fastjson.Value
	createdAt, timestampMS, lang        *fastjson.Value
	language, hashtags, timestamp       *fastjson.Value
	screenName, userID                  *fastjson.Value

	// X API v2 (v2.go): a stream envelope's parts, and what tells a flat
	// v2 tweet from a DM event.
	data, includes, errors, eventType *fastjson.Value

	notice string // first known notice key, "" when none
}

// Parse classifies data and, for a post, fills *dst.
//
// dst is reset first whatever the outcome, so a caller can reuse one Post
// value; for a post every field is written. The strings and slices put in
// dst are newly allocated and do not alias data, which the caller may reuse
// as soon as Parse returns. Strings of one post may share a backing array
// (the ids together, the hashtags together; the text has its own), so a
// consumer that keeps one hashtag for a long time keeps only the post's
// hashtags alive.
//
// The error is non-nil exactly when the Result's Kind is KindMalformed; it
// wraps ErrNotObject or ErrInvalidJSON.
func (p *Parser) Parse(data []byte, dst *post.Post) (Result, error) {
	*dst = post.Post{}
	if len(data) > bigMessage {
		defer p.dropBuffers()
	}

	first := firstNonSpace(data)
	if first < 0 {
		return Result{Kind: KindMalformed}, fmt.Errorf("%w: empty message", ErrNotObject)
	}
	// fastjson's parser is lenient (NaN, 01, raw control characters), so
	// the grammar is checked first; see validateJSON.
	if err := validateJSON(data); err != nil {
		return Result{Kind: KindMalformed}, fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	if data[first] != '{' {
		return Result{Kind: KindMalformed}, fmt.Errorf("%w: message starts with %q", ErrNotObject, data[first])
	}
	v, err := p.json.ParseBytes(data)
	if err != nil { // unreachable after validateJSON; kept as a guard
		return Result{Kind: KindMalformed}, fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	obj, err := v.Object()
	if err != nil { // unreachable after the '{' check; kept as a guard
		return Result{Kind: KindMalformed}, fmt.Errorf("%w: %v", ErrNotObject, err)
	}

	var f fields
	obj.Visit(func(key []byte, val *fastjson.Value) { f.collect(key, val) })

	if id := p.idText(f.idStr, f.id); id != nil && isObject(f.user) {
		return p.fillRaw(&f, id, dst), nil
	}
	if isType(f.language, fastjson.TypeString) && isType(f.hashtags, fastjson.TypeArray) && !isObject(f.user) {
		return p.fillStatic(&f, dst), nil
	}
	if res, ok := p.parseV2(obj, &f, dst); ok {
		return res, nil
	}
	notice := f.notice
	if notice == "" {
		notice = NoticeOther
	}
	return Result{Kind: KindNotice, Notice: notice}, nil
}

// collect records one top-level key.
func (f *fields) collect(key []byte, v *fastjson.Value) {
	switch string(key) {
	case "id_str":
		f.idStr = v
	case "id":
		f.id = v
	case "user":
		f.user = v
	case "text":
		f.text = v
	case "full_text":
		f.fullText = v
	case "truncated":
		f.truncated = v
	case "extended_tweet":
		f.extended = v
	case "entities":
		f.entities = v
	case "coordinates":
		f.coordinates = v
	case "geo":
		f.geo = v
	case "place":
		f.place = v
	case "created_at":
		f.createdAt = v
	case "timestamp_ms":
		f.timestampMS = v
	case "lang":
		f.lang = v
	case "language":
		f.language = v
	case "hashtags":
		f.hashtags = v
	case "timestamp":
		f.timestamp = v
	case "screen_name":
		f.screenName = v
	case "user_id":
		f.userID = v
	case "data":
		f.data = v
	case "includes":
		f.includes = v
	case "errors":
		f.errors = v
	case "event_type":
		f.eventType = v
	default:
		if f.notice == "" {
			if kind, ok := noticeKind(key); ok {
				f.notice = kind
			}
		}
	}
}

// fillRaw fills dst from a raw v1.1 status. id may alias p.num, which
// reading coordinates overwrites, so it is copied first.
func (p *Parser) fillRaw(f *fields, id []byte, dst *post.Post) Result {
	res := Result{Kind: KindPost}
	p.ids = appendUTF8(p.ids[:0], id)
	idEnd := len(p.ids)

	text, entities := f.text, f.entities
	if !isType(text, fastjson.TypeString) {
		text = f.fullText
	}
	if isType(f.truncated, fastjson.TypeTrue) && isObject(f.extended) {
		ext := f.extended.GetObject()
		if ft := lastField(ext, "full_text"); isType(ft, fastjson.TypeString) {
			text = ft
		}
		if ee := lastField(ext, "entities"); isObject(ee) {
			entities = ee
		}
	}
	dst.Text = p.copyString(text)
	dst.Hashtags = p.hashtagsFromEntities(entities, "text")

	dst.Point, dst.HasPoint, res.GeoRejected = p.rawPoint(f.coordinates, f.geo)
	if dst.HasPoint {
		dst.GeoSource, dst.GeoConfidence = post.GeoExact, 1
	} else if pt, conf, ok := p.placeCentre(f.place); ok {
		// A place is the platform's own statement of where the post was
		// made, marked as a centre, with a confidence from its size (see
		// boxCentre). As in v2, a usable place means nothing was lost: not
		// rejected.
		dst.Point, dst.HasPoint, res.GeoRejected = pt, true, false
		dst.GeoSource, dst.GeoConfidence = post.GeoPlace, conf
	}
	dst.Time = rawTime(f.createdAt, f.timestampMS)
	dst.PlatformLang = p.platformLang(f.lang)

	// User objects have some forty keys: one pass picks the four we need.
	var userIDStr, userID, screenName, location *fastjson.Value
	f.user.GetObject().Visit(func(key []byte, v *fastjson.Value) {
		switch string(key) {
		case "id_str":
			userIDStr = v
		case "id":
			userID = v
		case "screen_name":
			screenName = v
		case "location":
			location = v
		}
	})
	// ids: one allocation for the three short identifiers and the
	// profile location (usually short too, and present on most users).
	p.ids = appendUTF8(p.ids, p.idText(userIDStr, userID))
	userEnd := len(p.ids)
	p.ids = appendString(p.ids, screenName)
	nameEnd := len(p.ids)
	p.ids = appendString(p.ids, location)
	all := string(p.ids)
	dst.ID, dst.UserID, dst.ScreenName = all[:idEnd], all[idEnd:userEnd], all[userEnd:nameEnd]
	dst.UserLocation = all[nameEnd:]
	return res
}

// fillStatic fills dst from an object of the seed's static format.
func (p *Parser) fillStatic(f *fields, dst *post.Post) Result {
	res := Result{Kind: KindPost, Static: true}

	dst.Text = p.copyString(f.text)
	dst.Hashtags = p.hashtagStrings(f.hashtags)
	dst.Point, dst.HasPoint, res.GeoRejected = p.staticPoint(f.geo)
	if dst.HasPoint {
		dst.GeoSource, dst.GeoConfidence = post.GeoExact, 1
	}
	dst.Time = staticTime(f.timestamp)
	dst.Lang = staticLang(f.language)

	p.ids = appendUTF8(p.ids[:0], p.idText(nil, f.id))
	idEnd := len(p.ids)
	p.ids = appendUTF8(p.ids, p.idText(nil, f.userID))
	userEnd := len(p.ids)
	p.ids = appendString(p.ids, f.screenName)
	all := string(p.ids)
	dst.ID, dst.UserID, dst.ScreenName = all[:idEnd], all[idEnd:userEnd], all[userEnd:]
	return res
}

// idText returns an identifier as text, or nil when there is none: idStr
// when it is a non-empty string, else id when it is a non-negative integer
// literal (its text, since ids exceed float64 precision) or a non-empty
// string. The result aliases the parser's buffers until the next call.
func (p *Parser) idText(idStr, id *fastjson.Value) []byte {
	if b := nonEmptyString(idStr); b != nil {
		return b
	}
	if id == nil {
		return nil
	}
	switch id.Type() {
	case fastjson.TypeString:
		return nonEmptyString(id)
	case fastjson.TypeNumber:
		p.num = id.MarshalTo(p.num[:0])
		for _, c := range p.num {
			if c < '0' || c > '9' {
				return nil
			}
		}
		return p.num
	}
	return nil
}

// hashtagsFromEntities returns entities.hashtags[].<key>: "text" in v1.1,
// "tag" in v2.
func (p *Parser) hashtagsFromEntities(entities *fastjson.Value, key string) []string {
	if !isObject(entities) {
		return nil
	}
	list := lastField(entities.GetObject(), "hashtags")
	if !isType(list, fastjson.TypeArray) {
		return nil
	}
	p.tags, p.tagEnd = p.tags[:0], p.tagEnd[:0]
	for _, h := range list.GetArray() {
		if !isObject(h) {
			continue
		}
		p.addTag(lastField(h.GetObject(), key))
	}
	return p.takeTags()
}

// hashtagStrings returns the strings of a static-format hashtags array.
func (p *Parser) hashtagStrings(list *fastjson.Value) []string {
	p.tags, p.tagEnd = p.tags[:0], p.tagEnd[:0]
	for _, t := range list.GetArray() {
		p.addTag(t)
	}
	return p.takeTags()
}

// addTag collects a hashtag; values that are not strings, and empty
// strings, are not hashtags and are skipped.
func (p *Parser) addTag(v *fastjson.Value) {
	if nonEmptyString(v) == nil {
		return
	}
	p.tags = appendString(p.tags, v)
	p.tagEnd = append(p.tagEnd, len(p.tags))
}

// takeTags turns the collected hashtags into a new slice backed by one new
// string. The slice is never reused: a Post owns its slices.
func (p *Parser) takeTags() []string {
	if len(p.tagEnd) == 0 {
		return nil
	}
	all := string(p.tags)
	tags := make([]string, len(p.tagEnd))
	start := 0
	for i, end := range p.tagEnd {
		tags[i] = all[start:end]
		start = end
	}
	return tags
}

// platformLang returns "lang" without allocating for the codes Twitter
// uses most.
func (p *Parser) platformLang(v *fastjson.Value) string {
	b := nonEmptyString(v)
	if b == nil {
		return ""
	}
	if l, ok := langid.Lookup(string(b)); ok && l.Code == string(b) {
		return l.Code
	}
	switch string(b) {
	case "und":
		return "und"
	case "in":
		return "in"
	case "iw":
		return "iw"
	}
	return p.copyString(v)
}

// staticLang maps the seed's NLTK language name to a store key; a name
// langid does not know is kept verbatim as its own key.
func staticLang(v *fastjson.Value) string {
	b, _ := v.StringBytes()
	if l, ok := langid.Lookup(string(b)); ok {
		return l.Key()
	}
	return string(appendValidUTF8(nil, b))
}

// rawTime returns created_at, else timestamp_ms, in UTC; zero when neither
// is usable.
func rawTime(createdAt, timestampMS *fastjson.Value) time.Time {
	if b := nonEmptyString(createdAt); b != nil {
		if t, ok := parseCreatedAt(b); ok {
			return t
		}
	}
	if timestampMS != nil {
		var digits []byte
		switch timestampMS.Type() {
		case fastjson.TypeString:
			digits, _ = timestampMS.StringBytes()
		case fastjson.TypeNumber:
			var buf [24]byte
			digits = timestampMS.MarshalTo(buf[:0])
		}
		if ms, ok := parseDigits(digits); ok {
			return time.UnixMilli(ms).UTC()
		}
	}
	return time.Time{}
}

// staticTime parses the seed's timestamp (Python's isoformat of a naive
// UTC datetime); zero when absent or unparseable.
func staticTime(v *fastjson.Value) time.Time {
	b := nonEmptyString(v)
	if b == nil {
		return time.Time{}
	}
	return parseISO(string(b))
}

// dropBuffers releases memory grown for an unusually large message.
func (p *Parser) dropBuffers() {
	p.json = fastjson.Parser{}
	p.num, p.ids, p.tags, p.tagEnd = nil, nil, nil, nil
}

// copyString returns a string value as a new valid UTF-8 string, "" when v
// is not a string.
func (p *Parser) copyString(v *fastjson.Value) string {
	b := nonEmptyString(v)
	if b == nil {
		return ""
	}
	if validUTF8(b) {
		return string(b)
	}
	return string(appendValidUTF8(nil, b))
}

// appendString appends a string value (made valid UTF-8) to dst; it
// appends nothing when v is not a string.
func appendString(dst []byte, v *fastjson.Value) []byte {
	return appendUTF8(dst, nonEmptyString(v))
}

// appendUTF8 appends b to dst, repairing invalid UTF-8.
func appendUTF8(dst, b []byte) []byte {
	if validUTF8(b) {
		return append(dst, b...)
	}
	return appendValidUTF8(dst, b)
}

// nonEmptyString returns the unescaped bytes of a non-empty string value,
// nil for anything else. They alias the parser's buffer.
func nonEmptyString(v *fastjson.Value) []byte {
	if v == nil || v.Type() != fastjson.TypeString {
		return nil
	}
	b, _ := v.StringBytes()
	if len(b) == 0 {
		return nil
	}
	return b
}

// lastField returns the value of key in o, the last one when the key is
// repeated (encoding/json's rule; fastjson's Get returns the first).
func lastField(o *fastjson.Object, key string) *fastjson.Value {
	var found *fastjson.Value
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) == key {
			found = v
		}
	})
	return found
}

func isObject(v *fastjson.Value) bool { return v != nil && v.Type() == fastjson.TypeObject }

func isType(v *fastjson.Value, t fastjson.Type) bool { return v != nil && v.Type() == t }

// firstNonSpace returns the index of the first byte that is not JSON
// whitespace, -1 when there is none.
func firstNonSpace(b []byte) int {
	for i, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return i
	}
	return -1
}
