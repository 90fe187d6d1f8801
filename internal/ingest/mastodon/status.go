// Package mastodon reads public posts from a Mastodon instance's streaming
// API (Server-Sent Events: public, local and hashtag streams).
//
// The source wraps each event it emits in a small envelope,
// {"mastodon_event":"update","payload":<Status JSON, verbatim>}, because
// the pipeline hands its parser bytes only: the envelope's fixed prefix
// tells a Mastodon event from a tweet or a Jetstream frame in one
// comparison (Looks), and Parse turns it into a post.Post.
package mastodon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/post"
)

// envelopePrefix starts every message the source emits.
const envelopePrefix = `{"mastodon_event":`

// Kinds of event.
type Kind uint8

const (
	KindPost      Kind = iota + 1 // a new status: dst holds it
	KindNotice                    // a well-formed event that is not a new post
	KindMalformed                 // not an envelope, or a broken status
)

// Notice kinds; constants, so safe as metric labels.
const (
	NoticeDelete = "mastodon_delete" // a status deleted
	NoticeUpdate = "mastodon_edit"   // status.update: an edit of a recorded status
	NoticeReblog = "mastodon_reblog" // a boost: not a new post
	NoticeOther  = "mastodon_other"  // notifications, filters, announcements...
)

// ErrNotEvent: the message is not a Mastodon envelope with a usable
// payload.
var ErrNotEvent = errors.New("mastodon: not an event")

// Looks reports whether data is a message of this source.
func Looks(data []byte) bool { return bytes.HasPrefix(data, []byte(envelopePrefix)) }

// Envelope returns the message the source emits for one SSE event. data
// is copied.
func Envelope(event string, data []byte) []byte {
	name, _ := json.Marshal(event)
	payload := bytes.TrimSpace(data)
	if !json.Valid(payload) {
		// A delete carries a bare id; anything else invalid is kept as a
		// string so the parse stage can count it malformed.
		payload, _ = json.Marshal(string(payload))
	}
	out := make([]byte, 0, len(envelopePrefix)+len(name)+len(payload)+16)
	out = append(out, envelopePrefix...)
	out = append(out, name...)
	out = append(out, `,"payload":`...)
	out = append(out, payload...)
	return append(out, '}')
}

type envelope struct {
	Event   string          `json:"mastodon_event"`
	Payload json.RawMessage `json:"payload"`
}

// status is the part of Mastodon's Status entity geoheat reads.
type status struct {
	ID        string          `json:"id"`
	CreatedAt string          `json:"created_at"`
	Content   string          `json:"content"`
	Language  *string         `json:"language"`
	Reblog    json.RawMessage `json:"reblog"`
	Tags      []struct {
		Name string `json:"name"`
	} `json:"tags"`
	Account struct {
		ID     string  `json:"id"`
		Acct   string  `json:"acct"`
		URL    string  `json:"url"`
		Note   string  `json:"note"`
		Fields []field `json:"fields"`
	} `json:"account"`
	URI string `json:"uri"`
	// URL is the status's HTML page; uri (the ActivityPub id) is often
	// the same page on Mastodon, but not on every server.
	URL string `json:"url"`
}

// Result is what ParseEvent says about one message.
type Result struct {
	Kind   Kind
	Notice string // for KindNotice
	// ProfileSkipped: a profile field or the bio was too long to read
	// (hostile or broken input, to be counted); the post is kept, with
	// whatever location could still be read.
	ProfileSkipped bool
}

// Parse classifies one envelope and, for a new status, fills dst (reset
// first). Input is untrusted; the post's strings are valid UTF-8. The error
// is non-nil exactly for KindMalformed and wraps ErrNotEvent.
//
// Fields: ID the status uri (unique across instances), else its id;
// Text the HTML content reduced to text; Hashtags tags[].name; Time
// created_at; PlatformLang language; UserID account.id; ScreenName
// account.acct; URL the status url, else its uri, when an http(s) URL
// (ingest.WebURL: anything else is no link); UserLocation the account's location field or a place its
// bio introduces (ProfileLocation); UserCountry the country of the
// author's instance (InstanceCountry), a prior only. Mastodon has no geo.
func Parse(data []byte, dst *post.Post) (Kind, string, error) {
	res, err := ParseEvent(data, dst)
	return res.Kind, res.Notice, err
}

// ParseEvent is Parse, also reporting a skipped profile.
func ParseEvent(data []byte, dst *post.Post) (Result, error) {
	*dst = post.Post{}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return Result{Kind: KindMalformed}, fmt.Errorf("%w: %v", ErrNotEvent, err)
	}
	switch env.Event {
	case "update":
	case "delete":
		return Result{Kind: KindNotice, Notice: NoticeDelete}, nil
	case "status.update":
		return Result{Kind: KindNotice, Notice: NoticeUpdate}, nil
	default:
		return Result{Kind: KindNotice, Notice: NoticeOther}, nil
	}
	return parseStatus(env.Payload, dst)
}

// ParseStatus parses a bare Status entity (REST shape), as Parse does an
// update event's payload.
func ParseStatus(data []byte, dst *post.Post) (Kind, string, error) {
	*dst = post.Post{}
	res, err := parseStatus(data, dst)
	return res.Kind, res.Notice, err
}

func parseStatus(data []byte, dst *post.Post) (Result, error) {
	var s status
	if err := json.Unmarshal(data, &s); err != nil {
		return Result{Kind: KindMalformed}, fmt.Errorf("%w: status: %v", ErrNotEvent, err)
	}
	if s.ID == "" {
		return Result{Kind: KindMalformed}, fmt.Errorf("%w: status without id", ErrNotEvent)
	}
	if r := bytes.TrimSpace(s.Reblog); len(r) > 0 && !bytes.Equal(r, []byte("null")) {
		return Result{Kind: KindNotice, Notice: NoticeReblog}, nil
	}
	// json.Unmarshal has already replaced invalid UTF-8 in decoded strings
	// with U+FFFD.
	dst.ID = s.ID
	if s.URI != "" {
		dst.ID = s.URI
	}
	dst.Text = HTMLText(s.Content)
	if s.Language != nil {
		dst.PlatformLang = *s.Language
	}
	if t, err := time.Parse(time.RFC3339Nano, s.CreatedAt); err == nil {
		dst.Time = t.UTC()
	}
	for _, t := range s.Tags {
		if t.Name != "" {
			dst.Hashtags = append(dst.Hashtags, t.Name)
		}
	}
	dst.UserID = s.Account.ID
	dst.ScreenName = s.Account.Acct
	if dst.URL = ingest.WebURL(s.URL); dst.URL == "" {
		dst.URL = ingest.WebURL(s.URI)
	}
	res := Result{Kind: KindPost}
	dst.UserLocation, res.ProfileSkipped = ProfileLocation(s.Account.Fields, s.Account.Note)
	if dst.UserLocation != "" {
		// The prior matters only to a location; without one it would
		// only cost bytes downstream.
		dst.UserCountry = InstanceCountry(accountHost(s.Account.Acct, s.Account.URL, s.URI))
	}
	return res, nil
}

// HTMLText reduces Mastodon's status HTML (p, br, a, span; entities) to
// plain text: tags dropped, paragraphs and line breaks become newlines,
// entities decoded. It is a reduction, not an HTML parser: Mastodon
// sanitises content to that small subset server-side.
func HTMLText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(html.UnescapeString(s))
			break
		}
		b.WriteString(html.UnescapeString(s[:i]))
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break // an unterminated tag: drop the rest
		}
		tag := strings.ToLower(strings.TrimLeft(s[i+1:i+j], "/ "))
		name, _, _ := strings.Cut(tag, " ")
		name = strings.TrimRight(name, "/")
		switch {
		case name == "br":
			b.WriteByte('\n')
		case name == "p" && s[i+1] == '/':
			b.WriteString("\n\n")
		}
		s = s[i+j+1:]
	}
	return strings.ToValidUTF8(strings.TrimSpace(b.String()), "\uFFFD")
}
