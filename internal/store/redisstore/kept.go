package redisstore

import (
	"fmt"
	"time"

	"github.com/geoheat/geoheat/internal/pytext"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/textindex"
)

// keptIndex is the kept records a query read, indexed by a fresh
// textindex.Index, the one the embedded store keeps live: built per query,
// so that keyword search and Posts answer exactly as there.
type keptIndex struct {
	recs []keptRecord
	seqs map[uint64]int // seq -> index in recs
	ix   *textindex.Index
}

// newKeptIndex decodes kept records (arrival order, so increasing seq)
// and indexes them. The record script bounded the list already, so the
// index keeps all of it.
func newKeptIndex(kept []string) (*keptIndex, error) {
	k := &keptIndex{
		recs: make([]keptRecord, len(kept)),
		seqs: make(map[uint64]int, len(kept)),
		ix:   textindex.New(len(kept), 0),
	}
	var r record
	for i, raw := range kept {
		kr := &k.recs[i]
		if err := parseKept(raw, kr); err != nil {
			return nil, err
		}
		if err := parseRecord(kr.rec, true, &r); err != nil {
			return nil, err
		}
		t, err := recordTime(&r)
		if err != nil {
			return nil, err
		}
		k.seqs[r.seq] = i
		k.ix.Add(textindex.Post{
			Seq: r.seq, Time: t, Lang: kr.lang, ID: kr.id, Handle: kr.handle, Text: kr.text, URL: kr.url,
			Tags: r.tags, HasPoint: r.hasPoint, Lat: r.point.Lat, Lon: r.point.Lon, Source: r.source, Conf: r.conf,
		})
	}
	return k, nil
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
	res := store.PostsResult{Posts: posts, Kept: int64(k.ix.Len())}
	if t, ok := k.ix.OldestTime(); ok {
		res.KeptFrom = time.Unix(0, t).UTC()
	}
	return res, nil
}
