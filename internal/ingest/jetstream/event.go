// Package jetstream reads Bluesky posts from Jetstream
// (github.com/bluesky-social/jetstream): JSON events over a websocket,
// filtered server-side to app.bsky.feed.post, resumable by a cursor (the
// event's time_us).
//
// event.go turns one event into a post.Post; source.go runs the websocket
// with host failover and cursor persistence.
package jetstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/post"
)

// PostCollection is the record type geoheat asks Jetstream for.
const PostCollection = "app.bsky.feed.post"

// ProfileCollection is the authors' profile record (one per account, rkey
// "self"), asked for next to posts when profiles are wanted
// (Options.Profiles): its display name and description are where Bluesky
// users say where they are, there being no location field.
const ProfileCollection = "app.bsky.actor.profile"

// Lexicon limits of app.bsky.actor.profile in bytes (maxLength; the
// grapheme limits are 64 and 256). A longer string did not come from a
// conforming client: Parse keeps the first bytes up to the limit and sets
// Profile.Oversize, so a hostile record costs bounded memory downstream.
const (
	MaxDisplayName = 640
	MaxDescription = 2560
)

// Kind classifies an event.
type Kind uint8

// Kinds of event.
const (
	KindPost      Kind = iota + 1 // a created post: dst holds it
	KindNotice                    // a well-formed event that is not a new post
	KindMalformed                 // not a Jetstream event
)

// Notice kinds; constants, so safe as metric labels.
const (
	NoticeDelete   = "delete"   // a post deleted
	NoticeUpdate   = "update"   // a post edited (the original was recorded)
	NoticeIdentity = "identity" // handle or DID document change
	NoticeAccount  = "account"  // account status change
	NoticeOther    = "other"    // another collection or kind
	// NoticeProfile: an author's profile record was created, updated or
	// deleted; Result.Profile holds it.
	NoticeProfile = "profile"
)

// ErrNotEvent: the frame is not a Jetstream event (not JSON, not an
// object, or without did/time_us/kind).
var ErrNotEvent = errors.New("jetstream: not an event")

// Result describes one event.
type Result struct {
	Kind   Kind
	Notice string // for KindNotice
	// TimeUS is the event's cursor (microseconds since the epoch, as the
	// Jetstream instance stamped it); 0 when malformed.
	TimeUS int64
	// Key identifies the event across Jetstream instances (whose time_us
	// differ): did/collection/rkey plus the commit's rev for commits;
	// kind/did/time_us otherwise. Empty when malformed.
	Key string
	// Profile is set for NoticeProfile.
	Profile *Profile
}

// Profile is the public text of an author's profile record, as Jetstream
// carried it. Strings are valid UTF-8 and capped at the lexicon's limits.
type Profile struct {
	DID         string
	DisplayName string
	Description string
	Deleted     bool // the record was deleted: the author has no profile text
	Oversize    bool // a field was over its lexicon limit and was cut
}

type event struct {
	Did    string  `json:"did"`
	TimeUS *int64  `json:"time_us"`
	Kind   string  `json:"kind"`
	Commit *commit `json:"commit"`
}

type commit struct {
	Rev        string      `json:"rev"`
	Operation  string      `json:"operation"`
	Collection string      `json:"collection"`
	RKey       string      `json:"rkey"`
	Record     *postRecord `json:"record"`
}

// postRecord holds the fields geoheat reads of posts and, for profile
// records, displayName and description (the two never share a field name
// of another type, so one struct decodes both).
type postRecord struct {
	DisplayName string `json:"displayName"`
	Description string `json:"description"`

	Text      string   `json:"text"`
	Langs     []string `json:"langs"`
	CreatedAt string   `json:"createdAt"`
	Tags      []string `json:"tags"`
	Facets    []struct {
		Index struct {
			ByteStart int `json:"byteStart"`
			ByteEnd   int `json:"byteEnd"`
		} `json:"index"`
		Features []struct {
			Type string `json:"$type"`
			Tag  string `json:"tag"`
		} `json:"features"`
	} `json:"facets"`
}

// Parse classifies one Jetstream frame and, for a created post, fills dst
// (reset first whatever the outcome). Input is untrusted: nothing in it
// can make Parse panic, and the post's strings are valid UTF-8. The error
// is non-nil exactly for KindMalformed and wraps ErrNotEvent.
//
// Fields: ID "at://did/app.bsky.feed.post/rkey"; UserID and ScreenName
// the did (a commit carries no handle, and a DID is what bsky.app links
// by); URL "https://bsky.app/profile/did/post/rkey" when both the did and
// the rkey have their atproto syntax, else empty; Text;
// PlatformLang langs[0]; Time createdAt (RFC 3339), else time_us;
// Hashtags the tags of #tag facets in order, then the record's "tags"
// (Bluesky's out-of-text tags), first occurrence kept. Bluesky has no geo.
func Parse(data []byte, dst *post.Post) (Result, error) {
	*dst = post.Post{}
	var ev event
	// Records may hold fields of any shape (embeds, unknown lexicons);
	// only the fields above are typed, and a type mismatch in them makes
	// the event malformed rather than a half-read post.
	if err := json.Unmarshal(data, &ev); err != nil {
		return Result{Kind: KindMalformed}, fmt.Errorf("%w: %v", ErrNotEvent, err)
	}
	if ev.Did == "" || ev.TimeUS == nil || ev.Kind == "" {
		return Result{Kind: KindMalformed}, fmt.Errorf("%w: no did, time_us or kind", ErrNotEvent)
	}
	res := Result{Kind: KindNotice, TimeUS: *ev.TimeUS}
	// Identity and account events carry no record: their time_us is the
	// best identity they have (exact on the instance that stamped it).
	res.Key = ev.Kind + "/" + ev.Did + "/" + strconv.FormatInt(*ev.TimeUS, 10)
	switch ev.Kind {
	case "identity":
		res.Notice = NoticeIdentity
		return res, nil
	case "account":
		res.Notice = NoticeAccount
		return res, nil
	case "commit":
	default:
		res.Notice = NoticeOther
		return res, nil
	}
	c := ev.Commit
	if c != nil && c.Collection == ProfileCollection {
		return parseProfile(ev.Did, c, res), nil
	}
	if c == nil || c.Collection != PostCollection {
		res.Notice = NoticeOther
		return res, nil
	}
	res.Key = ev.Did + "/" + c.Collection + "/" + c.RKey + "#" + c.Rev
	switch c.Operation {
	case "delete":
		res.Notice = NoticeDelete
		return res, nil
	case "update":
		res.Notice = NoticeUpdate
		return res, nil
	case "create":
	default:
		res.Notice = NoticeOther
		return res, nil
	}
	if c.Record == nil || c.RKey == "" {
		res.Notice = NoticeOther
		return res, nil
	}
	r := c.Record
	// json.Unmarshal has already replaced invalid UTF-8 in decoded strings
	// with U+FFFD; only a facet's byte range (hashtags) can cut a character.
	dst.ID = "at://" + ev.Did + "/" + PostCollection + "/" + c.RKey
	dst.UserID = ev.Did
	dst.ScreenName = ev.Did
	dst.URL = PostURL(ev.Did, c.RKey)
	dst.Text = r.Text
	if len(r.Langs) > 0 {
		dst.PlatformLang = r.Langs[0]
	}
	dst.Time = recordTime(r.CreatedAt, *ev.TimeUS)
	dst.Hashtags = hashtags(r)
	res.Kind = KindPost
	return res, nil
}

// PostURL returns the bsky.app page of the post did/rkey, or "" when
// either is not of atproto's syntax. Both come from the event, which is
// untrusted; what the syntax allows needs no escaping in a URL path.
func PostURL(did, rkey string) string {
	if !validDID(did) || !validRKey(rkey) {
		return ""
	}
	return "https://bsky.app/profile/" + did + "/post/" + rkey
}

// validDID checks the DID syntax atproto accepts
// (https://atproto.com/specs/did): "did:", a lower-case method, ":", then
// letters, digits and "._:%-", not ending in ':' or '%'; at most 2 KiB.
func validDID(s string) bool {
	if len(s) > 2048 || !strings.HasPrefix(s, "did:") {
		return false
	}
	method, id, ok := strings.Cut(s[len("did:"):], ":")
	if !ok || method == "" || id == "" {
		return false
	}
	for i := 0; i < len(method); i++ {
		if method[i] < 'a' || method[i] > 'z' {
			return false
		}
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isAlnum(c) && !strings.ContainsRune("._:%-", rune(c)) {
			return false
		}
	}
	last := id[len(id)-1]
	return last != ':' && last != '%'
}

// validRKey checks atproto's record key syntax
// (https://atproto.com/specs/record-key): 1 to 512 of letters, digits and
// "._:~-", neither "." nor "..".
func validRKey(s string) bool {
	if s == "" || len(s) > 512 || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && !strings.ContainsRune("._:~-", rune(c)) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// parseProfile reads a profile commit. Only rkey "self" is an account's
// profile; other rkeys in the collection are not (the lexicon's key is
// literal:self) and are ignored as another collection would be.
func parseProfile(did string, c *commit, res Result) Result {
	res.Key = did + "/" + c.Collection + "/" + c.RKey + "#" + c.Rev
	if c.RKey != "self" {
		res.Notice = NoticeOther
		return res
	}
	p := &Profile{DID: did}
	switch c.Operation {
	case "delete":
		p.Deleted = true
	case "create", "update":
		if c.Record == nil {
			res.Notice = NoticeOther
			return res
		}
		var cut1, cut2 bool
		p.DisplayName, cut1 = capString(c.Record.DisplayName, MaxDisplayName)
		p.Description, cut2 = capString(c.Record.Description, MaxDescription)
		p.Oversize = cut1 || cut2
	default:
		res.Notice = NoticeOther
		return res
	}
	res.Notice, res.Profile = NoticeProfile, p
	return res
}

// capString cuts s to at most n bytes on a character boundary, and makes
// it valid UTF-8 (json.Unmarshal already has; this keeps the cut whole).
func capString(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	s = s[:n]
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != utf8.RuneError || size > 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s, true
}

// hashtags collects #tag facets, then "tags". A tag facet without its tag
// falls back to the text its byte range covers, minus the '#'.
func hashtags(r *postRecord) []string {
	var tags []string
	seen := map[string]bool{}
	add := func(t string) {
		t = strings.TrimPrefix(strings.ToValidUTF8(strings.TrimSpace(t), "\uFFFD"), "#")
		if t == "" || seen[t] {
			return
		}
		seen[t] = true
		tags = append(tags, t)
	}
	for _, f := range r.Facets {
		for _, feat := range f.Features {
			if feat.Type != "app.bsky.richtext.facet#tag" {
				continue
			}
			if feat.Tag != "" {
				add(feat.Tag)
				continue
			}
			// Offsets count UTF-8 bytes, so they index the Go string
			// directly; out-of-range offsets are ignored.
			s, e := f.Index.ByteStart, f.Index.ByteEnd
			if s >= 0 && s < e && e <= len(r.Text) {
				add(r.Text[s:e])
			}
		}
	}
	for _, t := range r.Tags {
		add(t)
	}
	return tags
}

// recordTime is createdAt, which the posting client sets; time_us (when
// Jetstream saw the event) when createdAt is absent or unparseable.
func recordTime(createdAt string, timeUS int64) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, createdAt); err == nil {
		return t.UTC()
	}
	return time.UnixMicro(timeUS).UTC()
}

// Looks reports cheaply whether data could be a Jetstream event, for a
// parser that must tell Jetstream frames from other payloads: Jetstream
// writes "did" first.
func Looks(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(`{"did":`))
}
