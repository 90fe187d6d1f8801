// Package demotest turns the demo stream into parsed posts for the tests of
// the other platforms' sources: they re-encode each demo post as their
// platform's payload, so the behaviour tests that replay those payloads
// replay the demo's realistic posts rather than hand-written ones.
//
// Only tests import this package.
package demotest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/demo"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/twitter"
)

// Message is one line of the demo stream and what the v1.1 parser made of
// it.
type Message struct {
	Line   []byte
	Result twitter.Result
	Post   post.Post // the post when Result.Kind is twitter.KindPost
}

// Messages returns n messages of the demo stream with seed, its clock
// starting at start, each parsed by the v1.1 parser. It fails the test when
// fewer than half of them are posts, since a payload generator fed mostly
// notices would test little.
func Messages(tb testing.TB, seed uint64, start time.Time, n int64) []Message {
	tb.Helper()
	var raw bytes.Buffer
	src := demo.New(demo.Options{Seed: seed, Now: func() time.Time { return start }})
	if err := src.WriteFile(&raw, n); err != nil {
		tb.Fatal(err)
	}
	var (
		p     twitter.Parser
		out   []Message
		posts int
	)
	for line := range bytes.SplitSeq(bytes.TrimSuffix(raw.Bytes(), []byte("\n")), []byte("\n")) {
		m := Message{Line: line}
		m.Result, _ = p.Parse(line, &m.Post)
		if m.Result.Kind == twitter.KindPost {
			posts++
		}
		out = append(out, m)
	}
	if posts < int(n)/2 {
		tb.Fatalf("only %d of %d demo messages are posts", posts, n)
	}
	return out
}

// IndexFold is the byte offset of the first match of sub in s ignoring
// simple Unicode case, or -1. Payload builders use it to place a post's
// hashtags in its text: the parser may store a tag in another case than
// the text's "#Tag".
func IndexFold(s, sub string) int {
	for i := range s {
		if len(s)-i >= len(sub) && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
