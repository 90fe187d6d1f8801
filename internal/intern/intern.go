// Package intern maps strings (lower-cased hashtags) to small consecutive
// ids with reference counts, so that columns hold 4 bytes per string and
// counting can index a dense slice.
package intern

import (
	"strings"

	"github.com/geoheat/geoheat/internal/snapshot"
)

// Table maps lower-cased hashtags to small consecutive ids, so that the
// columns hold 4 bytes per hashtag and counting indexes a dense slice.
// Ids are reference counted by held occurrences: when the last occurrence
// of a tag is dropped its string is forgotten and its id reused, so a
// long-running store with retention holds only the vocabulary of what it
// holds.
type Table struct {
	ids   map[string]uint32
	names []string // by id; "" for free ids
	refs  []uint32 // held occurrences by id
	free  []uint32 // ids to reuse
	bytes int64    // total length of the held names
}

// New returns an empty table.
func New() *Table {
	return &Table{ids: make(map[string]uint32)}
}

// Lookup returns the id of tag (already lower-cased), if it is held.
func (in *Table) Lookup(tag string) (uint32, bool) {
	id, ok := in.ids[tag]
	return id, ok
}

// Name returns the tag of a held id.
func (in *Table) Name(id uint32) string { return in.names[id] }

// Size is one more than the largest id in use: the length a dense count
// slice needs.
func (in *Table) Size() int { return len(in.names) }

// Distinct reports how many tags are held.
func (in *Table) Distinct() int { return len(in.ids) }

// Intern returns the id of tag, adding it with no references when new. The
// string is cloned: callers may pass views of buffers they reuse (the WAL
// decoder does), and hashtags parsed out of a large JSON payload must not
// pin the payload.
func (in *Table) Intern(tag string) uint32 {
	if id, ok := in.ids[tag]; ok {
		return id
	}
	tag = strings.Clone(tag)
	var id uint32
	if n := len(in.free); n > 0 {
		id = in.free[n-1]
		in.free = in.free[:n-1]
		in.names[id] = tag
	} else {
		id = uint32(len(in.names))
		in.names = append(in.names, tag)
		in.refs = append(in.refs, 0)
	}
	in.ids[tag] = id
	in.bytes += int64(len(tag))
	return id
}

// Ref counts one more held occurrence of id.
func (in *Table) Ref(id uint32) { in.refs[id]++ }

// Unref counts one occurrence of id dropped, forgetting the tag when it was
// the last.
func (in *Table) Unref(id uint32) {
	in.refs[id]--
	if in.refs[id] > 0 {
		return
	}
	name := in.names[id]
	delete(in.ids, name)
	in.bytes -= int64(len(name))
	in.names[id] = ""
	in.free = append(in.free, id)
}

// MemoryBytes estimates the interner's footprint: the names, a map entry
// (key header, value, hash table slack) and the slices' slots per id.
func (in *Table) MemoryBytes() int64 {
	const perEntry = 16 + 4 + 12 // string header + id + swiss-table control/slack, roughly
	const perID = 16 + 4         // names slot + refs slot
	return in.bytes + int64(len(in.ids))*perEntry + int64(cap(in.names))*perID + int64(cap(in.free))*4
}

// WriteSnapshot writes the table for ReadSnapshot.
func (in *Table) WriteSnapshot(w *snapshot.Writer) {
	w.Strings(in.names)
	snapshot.Put(w, in.refs)
	snapshot.Put(w, in.free)
}

// ReadSnapshot reads a table WriteSnapshot wrote.
func ReadSnapshot(r *snapshot.Reader) *Table {
	in := &Table{names: r.Strings(), refs: snapshot.Get[uint32](r), free: snapshot.Get[uint32](r)}
	if len(in.refs) != len(in.names) {
		r.Fail("interner: %d names, %d reference counts", len(in.names), len(in.refs))
		return New()
	}
	isFree := make([]bool, len(in.names))
	for _, id := range in.free {
		if int(id) >= len(in.names) || isFree[id] {
			r.Fail("interner: free id %d of %d", id, len(in.names))
			return New()
		}
		isFree[id] = true
	}
	in.ids = make(map[string]uint32, len(in.names)-len(in.free))
	for id, name := range in.names {
		if !isFree[id] {
			in.ids[name] = uint32(id)
			in.bytes += int64(len(name))
		}
	}
	return in
}
