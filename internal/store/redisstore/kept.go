package redisstore

import (
	"fmt"

	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/words"
)

// keptMatcher holds the kept records a query read and which of them match
// its keyword query.
type keptMatcher struct {
	recs []keptRecord
	hit  []bool // nil: no keyword query, every record matches
}

// newKeptMatcher decodes kept records and matches q (store.ParseSearch;
// "" matches every record) against their text.
func newKeptMatcher(q string, kept []string) (*keptMatcher, error) {
	m := &keptMatcher{recs: make([]keptRecord, len(kept))}
	for i, k := range kept {
		if err := parseKept(k, &m.recs[i]); err != nil {
			return nil, err
		}
	}
	if q == "" {
		return m, nil
	}
	want, err := store.ParseSearch(q)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	m.hit = make([]bool, len(m.recs))
	have := map[string]bool{}
	var ws []string
	var r record
	for i := range m.recs {
		clear(have)
		ws = words.Append(ws[:0], m.recs[i].text)
		// Hashtags are searched too (textindex indexes their words).
		if err := parseRecord(m.recs[i].rec, true, &r); err != nil {
			return nil, err
		}
		for _, t := range r.tags {
			ws = words.Append(ws, t)
		}
		for _, w := range ws {
			have[w] = true
		}
		ok := true
		for _, w := range want {
			if !have[w] {
				ok = false
				break
			}
		}
		m.hit[i] = ok
	}
	return m, nil
}

// matches reports whether record i matches the keyword query.
func (m *keptMatcher) matches(i int) bool { return m.hit == nil || m.hit[i] }

// perLang returns the post records of the matching kept posts, per
// language of langs, in arrival order.
func (m *keptMatcher) perLang(langs []string) ([][]string, error) {
	at := make(map[string]int, len(langs))
	for i, l := range langs {
		at[l] = i
	}
	out := make([][]string, len(langs))
	for i := range m.recs {
		if j, ok := at[m.recs[i].lang]; ok && m.matches(i) {
			out[j] = append(out[j], m.recs[i].rec)
		}
	}
	return out, nil
}
