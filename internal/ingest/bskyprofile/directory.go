// Package bskyprofile keeps what Bluesky authors say about where they are:
// a bounded, expiring directory from DID to the place their public profile
// names (directory.go), the extraction of that place from a display name
// and description (location.go), and a rate-capped client of the AppView's
// app.bsky.actor.getProfiles for authors the directory does not know yet
// (appview.go).
//
// Everything lives in memory and is lost on restart: only public profile
// fields are read, and only the place string derived from them is kept
// (docs/geo.md, "Bluesky profiles").
package bskyprofile

import (
	"container/list"
	"sync"
	"sync/atomic"
	"time"
)

// Directory defaults.
const (
	// DefaultSize bounds the authors remembered: at ~150 bytes an entry,
	// 100k authors is ~15 MB, about a day of a busy stream's distinct
	// posting authors.
	DefaultSize = 100_000
	// DefaultTTL is how long an answer is trusted. Profiles change rarely,
	// and a change seen on Jetstream replaces the entry at once; the TTL
	// bounds how stale an AppView answer (or "no place") can get.
	DefaultTTL = 6 * time.Hour
)

// DirectoryOptions configures NewDirectory. Zero values take the defaults.
type DirectoryOptions struct {
	Size int           // entries kept, least recently used evicted first; default DefaultSize
	TTL  time.Duration // entries older than this are unknown again; default DefaultTTL
	Now  func() time.Time
	// Resolve reports whether a candidate string names a place (the geo
	// resolver's ResolveProfile); the first candidate it accepts is kept.
	// Nil keeps the first candidate.
	Resolve func(loc string) bool
}

// Directory maps an author's DID to the place their profile names ("" when
// it names none: a negative answer is cached too, so an author without a
// place is not looked up again). It is bounded (Size, LRU) and expiring
// (TTL), and safe for concurrent use; no method blocks on I/O.
type Directory struct {
	opts DirectoryOptions

	mu    sync.Mutex
	ll    *list.List // front = most recently used; values are *dirEntry
	items map[string]*list.Element

	hits, misses, puts, stale, evicted, placed atomic.Int64
}

type dirEntry struct {
	did      string
	location string    // the candidate that names a place; "" for none
	at       int64     // the profile's version: Jetstream time_us, or when the AppView answered (µs)
	stored   time.Time // for the TTL
}

// NewDirectory returns an empty directory.
func NewDirectory(opts DirectoryOptions) *Directory {
	if opts.Size <= 0 {
		opts.Size = DefaultSize
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Directory{opts: opts, ll: list.New(), items: map[string]*list.Element{}}
}

// Put records an author's profile text, of version at (Jetstream's time_us
// of the record, or the time of an AppView answer in µs). An older version
// than the one held is ignored, so parse goroutines racing over one
// author's updates keep the newest. Deleted profiles are Put with empty
// strings. Put resolves the place before taking the lock.
func (d *Directory) Put(did, displayName, description string, at int64) {
	loc := d.locate(displayName, description)
	now := d.opts.Now()
	d.puts.Add(1)
	if loc != "" {
		d.placed.Add(1)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.items[did]; ok {
		e := el.Value.(*dirEntry)
		if at < e.at {
			d.stale.Add(1)
			return
		}
		e.location, e.at, e.stored = loc, at, now
		d.ll.MoveToFront(el)
		return
	}
	d.items[did] = d.ll.PushFront(&dirEntry{did: did, location: loc, at: at, stored: now})
	for d.ll.Len() > d.opts.Size {
		old := d.ll.Back()
		d.ll.Remove(old)
		delete(d.items, old.Value.(*dirEntry).did)
		d.evicted.Add(1)
	}
}

// Get returns the place an author's profile names ("" for none) and
// whether the directory knows the author (false: never seen, evicted or
// expired — worth a lookup).
func (d *Directory) Get(did string) (location string, known bool) {
	d.mu.Lock()
	el, ok := d.items[did]
	if ok {
		e := el.Value.(*dirEntry)
		if d.opts.Now().Sub(e.stored) > d.opts.TTL {
			d.ll.Remove(el)
			delete(d.items, did)
			ok = false
		} else {
			location = e.location
			d.ll.MoveToFront(el)
		}
	}
	d.mu.Unlock()
	if ok {
		d.hits.Add(1)
	} else {
		d.misses.Add(1)
	}
	return location, ok
}

// Len returns the number of authors held (expired ones included until
// they are asked for or evicted).
func (d *Directory) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ll.Len()
}

// locate picks the first candidate that names a place.
func (d *Directory) locate(displayName, description string) string {
	for _, c := range Candidates(displayName, description) {
		if d.opts.Resolve == nil || d.opts.Resolve(c) {
			return c
		}
	}
	return ""
}

// Counters returns the directory's counters; the map is the caller's.
func (d *Directory) Counters() map[string]int64 {
	return map[string]int64{
		"profile_cache_hits":    d.hits.Load(),
		"profile_cache_misses":  d.misses.Load(),
		"profile_cache_puts":    d.puts.Load(),
		"profile_cache_placed":  d.placed.Load(),
		"profile_cache_stale":   d.stale.Load(),
		"profile_cache_evicted": d.evicted.Load(),
	}
}
