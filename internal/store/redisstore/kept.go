package redisstore

import (
	"fmt"
	"math"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/textindex"
)

// keptIndex is kept records a query read, indexed by a fresh
// textindex.Index, the one the embedded store keeps live: built per query,
// so that keyword search and Posts answer exactly as there. Only the
// records that pass a query's cheap checks (language, time, tag, box) are
// indexed: the index applies the same checks again, so the answer is the
// same, and indexing words is the costly part.
type keptIndex struct {
	recs []keptRecord
	seqs map[uint64]int // seq -> index in recs
	ix   *textindex.Index
	// held and oldest describe every kept record read, indexed or not.
	held   int
	oldest int64
}

// keptEntry is a decoded kept record.
type keptEntry struct {
	kr keptRecord
	r  record
	t  int64
}

// decodeKept decodes kept records (arrival order, so increasing seq).
func decodeKept(kept []string) ([]keptEntry, error) {
	out := make([]keptEntry, len(kept))
	for i, raw := range kept {
		e := &out[i]
		if err := parseKept(raw, &e.kr); err != nil {
			return nil, err
		}
		if err := parseRecord(e.kr.rec, true, &e.r); err != nil {
			return nil, err
		}
		t, err := recordTime(&e.r)
		if err != nil {
			return nil, err
		}
		e.t = t
	}
	return out, nil
}

// newKeptIndex indexes the entries whose index sel keeps (nil: every one), in their
// order. The record script bounded the list already, so the index keeps
// all it is given.
func newKeptIndex(es []keptEntry, sel func(i int) bool) *keptIndex {
	k := &keptIndex{seqs: make(map[uint64]int), ix: textindex.New(len(es), 0), held: len(es), oldest: math.MaxInt64}
	for i := range es {
		e := &es[i]
		k.oldest = min(k.oldest, e.t)
		if sel != nil && !sel(i) {
			continue
		}
		k.seqs[e.r.seq] = len(k.recs)
		k.recs = append(k.recs, e.kr)
		k.ix.Add(textindex.Post{
			Seq: e.r.seq, Time: e.t, Lang: e.kr.lang, ID: e.kr.id, Handle: e.kr.handle, Text: e.kr.text, URL: e.kr.url,
			Tags: e.r.tags, HasPoint: e.r.hasPoint, Lat: e.r.point.Lat, Lon: e.r.point.Lon, Source: e.r.source, Conf: e.r.conf,
		})
	}
	return k
}

// matching returns the post records of the kept posts whose snippet or
// hashtags hold every word of q (store.ParseSearch), per language of
// langs, in arrival order.
func (k *keptIndex) matching(q string, langs []string) ([][]string, error) {
	ws, err := store.ParseSearch(q)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	at := make(map[string]int, len(langs))
	for i, l := range langs {
		at[l] = i
	}
	out := make([][]string, len(langs))
	var bad error
	err = k.ix.Each(textindex.Filter{Words: ws}, func(e *textindex.Entry) bool {
		i, ok := k.seqs[e.Seq]
		if !ok {
			bad = fmt.Errorf("kept index returned seq %d it was not given", e.Seq)
			return false
		}
		if j, ok := at[e.Lang]; ok {
			out[j] = append(out[j], k.recs[i].rec)
		}
		return true
	})
	if err == nil {
		err = bad
	}
	return out, err
}

// posts answers a PostsQuery (normalized) from the index.
func (k *keptIndex) posts(q store.PostsQuery) (store.PostsResult, error) {
	lo, hi := q.Range.Nanos()
	f := textindex.Filter{Lang: q.Lang, Lo: lo, Hi: hi}
	if q.Tag != "" {
		f.Tag = pytext.Lower(q.Tag)
	}
	if q.Q != "" {
		ws, err := store.ParseSearch(q.Q)
		if err != nil {
			return store.PostsResult{}, fmt.Errorf("redisstore: %w", err)
		}
		f.Words = ws
	}
	if !q.BBox.IsZero() {
		// Provenances only matter for a box: without one, posts without a
		// point are listed too.
		f.BBox, f.Geo = q.BBox, q.Geo
	}
	posts, err := k.ix.Newest(f, q.N)
	if err != nil {
		return store.PostsResult{}, fmt.Errorf("redisstore: %w", err)
	}
	if posts == nil {
		posts = []store.KeptPost{}
	}
	res := store.PostsResult{Posts: posts, Kept: int64(k.held)}
	if k.held > 0 {
		res.KeptFrom = time.Unix(0, k.oldest).UTC()
	}
	return res, nil
}

// mayMatch is a cheap necessary condition for a post to hold every word
// of ws (lower-cased, accents removed: store.ParseSearch) in its snippet
// or hashtags: for ASCII text and tags folding is lower-casing, so each
// word must occur in them, ignoring ASCII case. Other posts may match and
// are left to the index.
func mayMatch(text string, tags []string, ws []string) bool {
	if !isASCII(text) {
		return true
	}
	for _, t := range tags {
		if !isASCII(t) {
			return true
		}
	}
	for _, w := range ws {
		if containsFoldASCII(text, w) {
			continue
		}
		if !slices.ContainsFunc(tags, func(t string) bool { return containsFoldASCII(t, w) }) {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// containsFoldASCII reports whether s holds w, ASCII letters compared
// without case; w is lower-case.
func containsFoldASCII(s, w string) bool {
	if len(w) == 0 {
		return true
	}
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for ; j < len(w); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != w[j] {
				break
			}
		}
		if j == len(w) {
			return true
		}
	}
	return false
}
