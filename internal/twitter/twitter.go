// Package twitter turns raw Twitter payloads into post.Post values.
//
// It understands three shapes, detected per message (X API v2 is
// described in v2.go):
//
//   - Raw v1.1 objects as the streaming and REST APIs sent them: statuses,
//     and the notices interleaved with them in a stream ({"delete":...},
//     {"limit":...}, {"event":...}, ...).
//   - The seed notebook's static format (static_tweet_data.json.gz): tweets
//     the notebook had already flattened, with the language it detected.
//
// Input is untrusted. A message is classified as exactly one of a post, a
// notice or malformed; nothing in a message can make Parse panic or fail the
// caller, and the strings of a post are always valid UTF-8.
//
// # What makes a post
//
// A raw object is a post when it has an id (a non-empty "id_str", else a
// numeric "id" given as a non-negative integer literal, else a non-empty
// string "id") and a "user" object. Every other object is a notice (a tweet
// whose "user" is null, as some library fixtures have, is a notice "other").
// An object with a "language" string, a "hashtags" array and no "user" object
// is a static-format post. Anything that is not one JSON object is malformed.
//
// # Fields
//
//   - ID: see above. Numeric ids are taken as the number's literal text,
//     because ids above 2^53 do not survive a float64.
//   - Text: extended_tweet.full_text when "truncated" is true and
//     "extended_tweet" is present; else "text"; else "full_text" (REST
//     calls made with tweet_mode=extended).
//   - Hashtags: entities.hashtags[].text in order and as written, taken from
//     extended_tweet.entities when the text came from extended_tweet;
//     entries without a non-empty string text are skipped.
//   - Point: "coordinates" (GeoJSON, [lon, lat]) first, else "geo"
//     ([lat, lon], the field the seed stored): the first of the two that is
//     an array of exactly two finite numbers on the globe (and whose "type",
//     if any, is "Point"), with GeoSource GeoExact. Else the centre of
//     place.bounding_box (a Polygon of [lon, lat] corners; one crossing the
//     antimeridian is centred across it), with GeoSource GeoPlace. When
//     coordinates or geo is non-null but gives no such point and there is
//     no usable place, the post has no point and Result.GeoRejected is set;
//     the post is still a post. Values are parsed with strconv.ParseFloat,
//     so they round exactly as Python's json module does and
//     json.dumps([lat, lon]) comparisons hold.
//   - Time: "created_at" ("Mon Jan 02 15:04:05 -0700 2006"), else
//     "timestamp_ms" (milliseconds, string or number), in UTC. When neither
//     is usable Time is left zero, meaning unknown: the post is still a
//     post, since its text, hashtags and point are what geoheat analyses.
//   - PlatformLang: "lang". UserID, ScreenName, UserLocation: user.id_str
//     (else user.id), user.screen_name and user.location.
//
// A static-format post takes "id", "text", "hashtags" (strings), "geo"
// ([lat, lon] or null), "timestamp" (Python's isoformat of a naive UTC
// time, "2014-06-10T12:34:56[.ffffff]"), "screen_name" and "user_id";
// Lang is the langid key of "language" (an NLTK name such as "english"),
// or the name itself when langid does not know it, so that detection is
// skipped as the notebook's data already carries its language.
//
// # Divergences from encoding/json
//
// Duplicate keys resolve to the last occurrence and invalid UTF-8 is
// replaced by U+FFFD byte by byte, both as in encoding/json (FuzzParse
// compares every result with an encoding/json reference). Two differences
// remain, both for inputs no Twitter server produced: more than 299 nested
// arrays and objects are malformed here (fastjson's limit; encoding/json
// allows 10000), and escaped lone UTF-16 surrogates are decoded by
// fastjson's best-effort rules instead of becoming U+FFFD.
package twitter

import "errors"

// Kind classifies a parsed message. The zero Kind is not a valid result, so
// a forgotten Result is never mistaken for a post.
type Kind uint8

// Kinds of message.
const (
	// KindPost: dst holds a post.
	KindPost Kind = iota + 1
	// KindNotice: a well-formed object that is not a post; Result.Notice
	// names its kind.
	KindNotice
	// KindMalformed: not a JSON object; Parse's error says why.
	KindMalformed
)

// String returns "post", "notice" or "malformed".
func (k Kind) String() string {
	switch k {
	case KindPost:
		return "post"
	case KindNotice:
		return "notice"
	case KindMalformed:
		return "malformed"
	}
	return "invalid"
}

// Result describes what one message was.
type Result struct {
	Kind Kind
	// Notice is the kind of a notice: the stream's envelope key ("delete",
	// "limit", "scrub_geo", "status_withheld", "user_withheld",
	// "disconnect", "warning", "friends", "friends_str", "event", "control",
	// "direct_message", "for_user") or "other". It is always one of these
	// constants, never text from the message, so it is safe as a metric
	// label or map key.
	Notice string
	// GeoRejected reports that a post carried a coordinates or geo field
	// that was not a valid point; the point was dropped.
	GeoRejected bool
	// Static reports a post in the seed's static format; dst.Lang is set.
	Static bool
	// V2 reports an X API v2 payload (a post, or an "error" notice); see
	// v2.go.
	V2 bool
}

// Sentinel errors for malformed messages; Parse wraps them with detail.
var (
	// ErrNotObject: the message is valid JSON but not an object (an array,
	// a string, a number...), or it is empty.
	ErrNotObject = errors.New("twitter: not a JSON object")
	// ErrInvalidJSON: the message is not valid JSON.
	ErrInvalidJSON = errors.New("twitter: invalid JSON")
)

// NoticeError is Result.Notice for an X API v2 "errors" object without
// "data": a problem the stream reports in-band (a rule error, an
// operational disconnect notice).
const NoticeError = "error"

// NoticeOther is Result.Notice for objects that are neither posts nor a
// known stream notice.
const NoticeOther = "other"

// noticeKind maps a top-level key to the notice kind it announces. The
// returned strings are constants so that a hostile stream cannot inflate
// the caller's notice counters with arbitrary keys.
func noticeKind(key []byte) (string, bool) {
	switch string(key) {
	case "delete":
		return "delete", true
	case "limit":
		return "limit", true
	case "scrub_geo":
		return "scrub_geo", true
	case "status_withheld":
		return "status_withheld", true
	case "user_withheld":
		return "user_withheld", true
	case "disconnect":
		return "disconnect", true
	case "warning":
		return "warning", true
	case "friends":
		return "friends", true
	case "friends_str":
		return "friends_str", true
	case "event":
		return "event", true
	case "control":
		return "control", true
	case "direct_message":
		return "direct_message", true
	case "for_user": // site streams envelope: {"for_user":..., "message":...}
		return "for_user", true
	}
	return "", false
}
