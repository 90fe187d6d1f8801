package memstore

import (
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/geoheat/geoheat/internal/intern"
	"github.com/geoheat/geoheat/internal/snapshot"
	"github.com/geoheat/geoheat/internal/spill"
	"github.com/geoheat/geoheat/internal/textindex"
)

// Shutdown snapshot: replaying the log rebuilds the columns, the cold
// files, the summaries and every index, which at a billion posts takes
// minutes. So Close writes what the store holds to Dir/snapshot (the
// heap's columns and summaries as bytes, the cold chunks as references
// into the cold files, which it keeps), and the next Open reads it back,
// adopts the files and replays only the log entries after it; the log
// stays whole, the source of truth. Open removes the snapshot once read
// (or found unusable), before anything new is written: a store that then
// crashes replays its log as before. This is Prometheus' head snapshot on
// shutdown, for the same reason. With checkpoints (checkpoint.go) the
// snapshot is also written while running, the log is cut before it, and
// it stays after it is read.
//
// A snapshot is read only by the build that wrote it (the layout of every
// type written is in its header), with the same options that shape what
// is held (cold files or not, kept text or not, countries or not), and
// only when the log still ends where it ended: otherwise Open replays the
// log and says why in the log and in Stats' repair.

const (
	snapshotName  = "snapshot"
	snapshotMagic = "geoheat memstore snapshot\n"
)

// snapshotStream numbers what the snapshot writes beyond the types'
// layouts (which lists, in which order): a change there makes a snapshot
// another build's, as a changed type does. 2: summaries' fine hashtag
// cells (summary.ftags). 3: trend buckets cold compressed. 4: hashtags'
// point lists as differences (snapshot.PutRising).
const snapshotStream = 4

// snapshotLayout fingerprints the types written as bytes and the constants
// that shape the columns and summaries.
func snapshotLayout() string {
	return snapshot.Layout(geoRec{}, geoMeta{}, chunkCells{}, aggCell{}, tagCell{}, cellBox{}, bounds{},
		walSpan{}, spill.Ref{}, chunk[int64]{}, pyramid{}) +
		fmt.Sprintf("/%d/%d/%d/%d/%d/s%d", chunkLen, blockChunksT, aggLevels, maxAggLevels, aggFanShift, snapshotStream)
}

// snapshotHeader is what must match for a snapshot to be read.
type snapshotHeader struct {
	layout    string
	cold      bool
	keepText  bool
	countries bool
	walNext   uint64
	lastLen   int    // length of the log's last entry (walNext-1)
	lastCRC   uint32 // its checksum: the log is the one the snapshot was taken with
}

func (h *snapshotHeader) write(w *snapshot.Writer) {
	w.String(snapshotMagic)
	w.String(h.layout)
	w.Bool(h.cold)
	w.Bool(h.keepText)
	w.Bool(h.countries)
	w.Uint64(h.walNext)
	w.Int(h.lastLen)
	w.Uint32(h.lastCRC)
}

func (h *snapshotHeader) read(r *snapshot.Reader) {
	if m := r.String(); m != snapshotMagic && r.Err() == nil {
		r.Fail("not a snapshot")
	}
	h.layout = r.String()
	h.cold, h.keepText, h.countries = r.Bool(), r.Bool(), r.Bool()
	h.walNext, h.lastLen, h.lastCRC = r.Uint64(), r.Int(), r.Uint32()
}

// header describes the store as it is now; the log must be open. Caller
// holds writeMu.
func (s *Store) header() (snapshotHeader, error) {
	h := snapshotHeader{layout: snapshotLayout(), cold: s.area != nil, keepText: s.keep != nil,
		countries: s.trends.HasCountries(), walNext: s.walNext}
	first, last, err := s.logRange()
	if err != nil {
		return h, err
	}
	if last+1 != s.walNext {
		return h, fmt.Errorf("the log ends at entry %d, the store at %d", last, s.walNext-1)
	}
	if last >= first {
		data, err := s.wal.Read(last)
		if err != nil {
			return h, err
		}
		h.lastLen, h.lastCRC = len(data), crc32.ChecksumIEEE(data)
	}
	return h, nil
}

// logRange returns the log's first and last entries (last < first when
// it is empty).
func (s *Store) logRange() (first, last uint64, err error) {
	if first, err = s.wal.FirstIndex(); err != nil {
		return 0, 0, err
	}
	last, err = s.wal.LastIndex()
	return first, last, err
}

// writeSnapshot writes the snapshot at Close, after the log's last write
// and before the cold files are closed; it returns an error and leaves no
// snapshot when it cannot be made whole. Caller holds writeMu; queries may
// still run (it takes mu for reading).
func (s *Store) writeSnapshot(h snapshotHeader) error {
	sf, err := s.writeSnapshotFile(h)
	if err != nil {
		return err
	}
	var files map[int64]bool
	if s.area != nil {
		files = s.area.LiveFiles()
	}
	return s.commitSnapshot(sf, files)
}

// snapshotFile is a snapshot written to its temporary file, not yet
// durable nor in place.
type snapshotFile struct {
	f     *os.File
	bytes int64
	posts int
	start time.Time
}

// writeSnapshotFile writes what the store holds, with header h, to the
// snapshot's temporary file (into the page cache: no fsync). Caller holds
// writeMu, so that nothing changes meanwhile; queries may still run (it
// takes mu for reading).
func (s *Store) writeSnapshotFile(h snapshotHeader) (snapshotFile, error) {
	sf := snapshotFile{start: time.Now(), posts: s.order.Len()}
	tmp := filepath.Join(s.dir, snapshotName+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return sf, err
	}
	w := snapshot.NewFileWriter(f)
	h.write(w)
	s.mu.RLock()
	s.writeData(w)
	s.mu.RUnlock()
	if err := w.Close(); err != nil {
		f.Close()
		os.Remove(tmp)
		return sf, err
	}
	sf.f, sf.bytes = f, w.FileLen()
	return sf, nil
}

// commitSnapshot makes the snapshot sf durable and puts it in place: the
// cold files it points into (numbered in files) and its own bytes are
// fsynced, then it is renamed over the last one. It needs no lock when
// the files are pinned: sf is written whole. On failure the temporary file
// is removed.
func (s *Store) commitSnapshot(sf snapshotFile, files map[int64]bool) (err error) {
	tmp := sf.f.Name()
	defer func() {
		if err != nil {
			sf.f.Close()
			os.Remove(tmp)
		}
	}()
	if s.area != nil {
		// The files the snapshot points into must outlast a power loss
		// as the snapshot does.
		if err := s.area.SyncFiles(files); err != nil {
			return err
		}
	}
	if err := sf.f.Sync(); err != nil {
		return err
	}
	if err := sf.f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, snapshotName)); err != nil {
		return err
	}
	if err := syncDir(s.dir); err != nil {
		return err
	}
	s.log.Info("memstore: wrote snapshot", "dir", s.dir, "posts", sf.posts,
		"bytes", sf.bytes, "took", time.Since(sf.start).Round(time.Millisecond))
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// writeData writes what the store holds; not the counters of drops and
// writes, which count since Open. Caller holds mu.
func (s *Store) writeData(w *snapshot.Writer) {
	w.Uint64(s.seqNext)
	w.Int64(s.maxTime)
	w.Bool(s.hasTime)
	w.Int64(s.dropTime)
	w.Bool(s.hasDrop)
	s.tags.WriteSnapshot(w)
	writeDeque(w, &s.order)
	w.Int(len(s.langs))
	for _, l := range s.langs {
		l.write(w)
	}
	writeDeque(w, &s.walSpans)
	w.Int(s.walCursor)
	w.Int64(s.walDroppable)
	s.trends.WriteSnapshot(w)
	if s.keep != nil {
		s.keep.WriteSnapshot(w)
	}
}

// readData reads what writeData wrote into a store holding nothing, whose
// area (when it has one) was opened keeping the files. keptText says
// whether the writer kept text: a reader that keeps none skips it, one
// that does starts with none kept. Errors are in r.
func (s *Store) readData(r *snapshot.Reader, keptText bool) {
	s.seqNext = r.Uint64()
	s.maxTime, s.hasTime = r.Int64(), r.Bool()
	s.dropTime, s.hasDrop = r.Int64(), r.Bool()
	s.tags = intern.ReadSnapshot(r)
	readDeque(r, &s.order)
	n := r.Len(1)
	if n > maxLangs {
		r.Fail("%d languages", n)
		return
	}
	for range n {
		l := &lang{key: r.String()}
		l.times.area, l.tagEnds.area, l.tags.area, l.geo.area, l.geoMeta.area = s.area, s.area, s.area, s.area, s.area
		l.read(r)
		if _, dup := s.langIDs[l.key]; dup {
			r.Fail("language %q twice", l.key)
			return
		}
		s.langIDs[l.key] = uint16(len(s.langs))
		s.langs = append(s.langs, l)
		s.sorted = append(s.sorted, uint16(len(s.langs)-1))
	}
	slices.SortFunc(s.sorted, func(a, b uint16) int { return strings.Compare(s.langs[a].key, s.langs[b].key) })
	readDeque(r, &s.walSpans)
	s.walCursor, s.walDroppable = r.Int(), r.Int64()
	s.trends.ReadSnapshot(r)
	if keptText {
		// Read through even when not kept: it is in the stream.
		limit, age := s.keepLimit, s.keepAge
		if s.keep == nil {
			limit, age = textindex.MaxLimit, 0
		}
		if kept := textindex.ReadSnapshot(r, limit, age); s.keep != nil {
			s.keep = kept
		}
	}
	if r.Err() == nil {
		s.checkData(r)
	}
}

// checkData checks what ties the columns together, so that a bug fails
// the read instead of a later query.
func (s *Store) checkData(r *snapshot.Reader) {
	held := 0
	for _, l := range s.langs {
		held += l.times.Len()
		if l.tagEnds.Len() != l.times.Len() || l.geo.Len() != l.geoMeta.Len() || uint64(l.times.Len()) > l.postNext ||
			uint64(l.geo.Len()) > l.geoNext || uint64(l.tags.Len()) > l.tagNext {
			r.Fail("language %q: columns out of step", l.key)
			return
		}
	}
	// Not each post's language id in order: at a billion posts that
	// would read 2 GB of cold files at every start.
	if held != s.order.Len() || uint64(held) > s.seqNext {
		r.Fail("%d posts in the languages, %d in order", held, s.order.Len())
		return
	}
	if s.walCursor > s.walSpans.Len() {
		r.Fail("log cursor %d past %d entries", s.walCursor, s.walSpans.Len())
	}
}

func (l *lang) write(w *snapshot.Writer) {
	w.String(l.key)
	writeDeque(w, &l.times)
	writeDeque(w, &l.tagEnds)
	writeDeque(w, &l.tags)
	writeDeque(w, &l.geo.deque)
	l.geo.writeCells(w)
	writeDeque(w, &l.geoMeta)
	w.Uint64(l.postNext)
	w.Uint64(l.geoNext)
	w.Uint64(l.tagNext)
	snapshot.PutValue(w, &l.geoBySrc)
	l.tagPts.write(w)
}

func (l *lang) read(r *snapshot.Reader) {
	readDeque(r, &l.times)
	readDeque(r, &l.tagEnds)
	readDeque(r, &l.tags)
	readDeque(r, &l.geo.deque)
	l.geo.readCells(r)
	readDeque(r, &l.geoMeta)
	l.postNext, l.geoNext, l.tagNext = r.Uint64(), r.Uint64(), r.Uint64()
	snapshot.GetValue(r, &l.geoBySrc)
	l.tagPts.read(r)
}

// writeDeque writes d: its heap chunks as bytes, its cold chunks as where
// they lie in the area.
func writeDeque[T any](w *snapshot.Writer, d *deque[T]) {
	w.Int(d.base)
	w.Int(d.head)
	w.Int(d.n)
	w.Int(d.cold)
	w.Int(d.blockFirst)
	snapshot.Put(w, d.bounds)
	snapshot.Put(w, d.blocks)
	cold := d.coldChunks()
	refs := make([]spill.Ref, cold)
	for i, c := range d.chunks[:cold] {
		refs[i] = d.area.Ref(unsafe.Slice((*byte)(unsafe.Pointer(c)), unsafe.Sizeof(*c)))
	}
	snapshot.Put(w, refs)
	w.Int(len(d.chunks) - cold)
	for _, c := range d.chunks[cold:] {
		snapshot.PutValue(w, c)
	}
}

func readDeque[T any](r *snapshot.Reader, d *deque[T]) {
	d.base, d.head, d.n, d.cold, d.blockFirst = r.Int(), r.Int(), r.Int(), r.Int(), r.Int()
	d.bounds = snapshot.Get[bounds](r)
	d.blocks = snapshot.Get[bounds](r)
	refs := snapshot.Get[spill.Ref](r)
	hot := r.Len(unsafe.Sizeof(chunk[T]{}))
	if r.Err() != nil {
		return
	}
	d.chunks = make([]*chunk[T], 0, len(refs)+hot)
	for _, ref := range refs {
		c, err := adoptChunk[chunk[T]](d.area, ref)
		if err != nil {
			r.Fail("%v", err)
			return
		}
		d.chunks = append(d.chunks, c)
	}
	for range hot {
		c := new(chunk[T])
		snapshot.GetValue(r, c)
		d.chunks = append(d.chunks, c)
	}
	if d.n < 0 || d.head < 0 || d.head >= chunkLen && d.n > 0 || d.head+d.n > len(d.chunks)*chunkLen ||
		len(d.bounds) > 0 && len(d.bounds) != len(d.chunks) || d.coldChunks() != len(refs) {
		r.Fail("deque of %d chunks holding %d from %d, %d bounds, %d cold", len(d.chunks), d.n, d.head, len(d.bounds), len(refs))
	}
}

// adoptChunk takes back a chunk of type C from the area.
func adoptChunk[C any](a *spill.Area, ref spill.Ref) (*C, error) {
	if a == nil {
		return nil, errors.New("cold chunks in the snapshot, no cold files open")
	}
	if ref.Len != int64(unsafe.Sizeof(*new(C))) {
		return nil, fmt.Errorf("cold chunk of %d bytes, want %d", ref.Len, unsafe.Sizeof(*new(C)))
	}
	b, err := a.Adopt(ref)
	if err != nil {
		return nil, err
	}
	return (*C)(unsafe.Pointer(unsafe.SliceData(b))), nil
}

// writeCells writes the points' cell indexes and summaries.
func (p *pointDeque) writeCells(w *snapshot.Writer) {
	w.Int(p.cellsCold)
	w.Int(len(p.cells))
	for ci, c := range p.cells {
		switch {
		case c == nil:
			w.Uint64(0)
		case p.base+ci < p.cellsCold:
			w.Uint64(1)
			ref := p.area.Ref(unsafe.Slice((*byte)(unsafe.Pointer(c)), unsafe.Sizeof(*c)))
			snapshot.PutValue(w, &ref)
		default:
			w.Uint64(2)
			snapshot.PutValue(w, c)
		}
	}
	writeLevels(w, &p.agg)
}

func (p *pointDeque) readCells(r *snapshot.Reader) {
	p.cellsCold = r.Int()
	n := r.Len(8)
	if n > len(p.chunks) {
		r.Fail("%d cell indexes for %d chunks", n, len(p.chunks))
		return
	}
	p.cells = make([]*chunkCells, n)
	for ci := range p.cells {
		switch r.Uint64() {
		case 0:
		case 1:
			var ref spill.Ref
			snapshot.GetValue(r, &ref)
			c, err := adoptChunk[chunkCells](p.area, ref)
			if err != nil {
				r.Fail("%v", err)
				return
			}
			p.cells[ci] = c
		case 2:
			c := new(chunkCells)
			snapshot.GetValue(r, c)
			p.cells[ci] = c
		default:
			r.Fail("cell index kind")
			return
		}
	}
	readLevels(r, &p.agg)
}

func writeLevels(w *snapshot.Writer, lv *[maxAggLevels]aggLevel) {
	for k := range lv {
		w.Int(lv[k].first)
		w.Int(len(lv[k].s))
		for _, sum := range lv[k].s {
			w.Bool(sum != nil)
			if sum != nil {
				sum.write(w)
			}
		}
	}
}

func readLevels(r *snapshot.Reader, lv *[maxAggLevels]aggLevel) {
	for k := range lv {
		lv[k].first = r.Int()
		n := r.Len(8)
		if n == 0 {
			continue
		}
		lv[k].s = make([]*summary, n)
		for i := range n {
			if r.Bool() {
				lv[k].s[i] = readSummary(r)
			}
		}
	}
}

func (s *summary) write(w *snapshot.Writer) {
	w.Int64(s.lo)
	w.Int64(s.hi)
	w.Int(s.level)
	for k := range 2 {
		w.Bool(s.cls[k] != nil)
		if py := s.cls[k]; py != nil {
			for _, cells := range py {
				snapshot.Put(w, cells)
			}
		}
		snapshot.Put(w, s.order[k])
		snapshot.Put(w, s.start[k])
		snapshot.Put(w, s.zkeys[k])
		snapshot.Put(w, s.zstart[k])
		snapshot.Put(w, s.deep[k])
		snapshot.Put(w, s.tags[k])
		snapshot.Put(w, s.ftags[k])
		snapshot.Put(w, s.boxes[k])
	}
}

func readSummary(r *snapshot.Reader) *summary {
	s := &summary{lo: r.Int64(), hi: r.Int64(), level: r.Int()}
	for k := range 2 {
		if r.Bool() {
			s.cls[k] = new(pyramid)
			for z := range s.cls[k] {
				s.cls[k][z] = snapshot.Get[aggCell](r)
			}
		}
		s.order[k] = snapshot.Get[uint16](r)
		s.start[k] = snapshot.Get[uint32](r)
		s.zkeys[k] = snapshot.Get[uint32](r)
		s.zstart[k] = snapshot.Get[uint32](r)
		s.deep[k] = snapshot.Get[aggCell](r)
		s.tags[k] = snapshot.Get[tagCell](r)
		s.ftags[k] = snapshot.Get[tagCell](r)
		s.boxes[k] = snapshot.Get[cellBox](r)
		if s.cls[k] != nil {
			s.rows[k] = indexRows(s.cls[k][aggMaxZoom])
		}
	}
	return s
}

func (tp *tagPoints) write(w *snapshot.Writer) {
	w.Int64(tp.bytes)
	w.Int(len(tp.byTag))
	for tag, p := range tp.byTag {
		w.Uint32(tag)
		w.Uint64(p.front)
		snapshot.PutRising(w, p.pos)
		w.Bool(p.sums != nil)
		if p.sums != nil {
			writeLevels(w, p.sums)
		}
	}
}

func (tp *tagPoints) read(r *snapshot.Reader) {
	tp.bytes = r.Int64()
	n := r.Len(8 * 4)
	if n == 0 {
		return
	}
	tp.byTag = make(map[uint32]*posting, n)
	for range n {
		tag := r.Uint32()
		p := &posting{front: r.Uint64(), pos: snapshot.GetRising(r)}
		if r.Bool() {
			p.sums = new([maxAggLevels]aggLevel)
			readLevels(r, p.sums)
		}
		tp.byTag[tag] = p
	}
}

// loadSnapshot reads the snapshot at path into the store, which holds
// nothing yet, and returns its header. The first log entry to replay after
// it is h.walNext. With keepSnapshot the log may hold entries after it (a
// checkpoint's; its cold files were pinned); otherwise it must end there.
func (s *Store) loadSnapshot(path string) (snapshotHeader, error) {
	start := time.Now()
	var h snapshotHeader
	f, err := os.Open(path)
	if err != nil {
		return h, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return h, err
	}
	r, err := snapshot.NewFileReader(f)
	if err != nil {
		return h, err
	}
	h.read(r)
	if err := r.Err(); err != nil {
		return h, err
	}
	switch {
	case h.layout != snapshotLayout():
		return h, errors.New("written by another build")
	case h.cold != (s.area != nil):
		return h, fmt.Errorf("written with cold files %v, opened with %v", h.cold, s.area != nil)
	case h.keepText != (s.keep != nil) && !s.logCut:
		// (After a cut the log cannot give the text back either: the
		// snapshot is read, its kept text dropped or none kept before.)
		return h, fmt.Errorf("written keeping text %v, opened with %v", h.keepText, s.keep != nil)
	case h.countries != s.trends.HasCountries():
		return h, fmt.Errorf("written with countries %v, opened with %v", h.countries, s.trends.HasCountries())
	}
	if err := s.checkLogEnd(&h); err != nil {
		return h, err
	}
	s.readData(r, h.keepText)
	if err := r.Close(); err != nil {
		return h, err
	}
	s.walNext = h.walNext
	s.lastSnapBytes = st.Size()
	s.log.Info("memstore: read snapshot", "dir", s.dir, "posts", s.order.Len(), "bytes", st.Size(),
		"took", time.Since(start).Round(time.Millisecond))
	return h, nil
}

// checkLogEnd checks that the log still holds the entry the snapshot was
// taken after, byte for byte, and ends with it (or is still empty at the
// same place); with keepSnapshot, entries after it may follow.
func (s *Store) checkLogEnd(h *snapshotHeader) error {
	first, last, err := s.logRange()
	if err != nil {
		return err
	}
	later := s.keepSnapshot && last+1 > h.walNext
	if h.walNext == 0 || last+1 != h.walNext && !later {
		return fmt.Errorf("taken after entry %d; the log ends at %d", int64(h.walNext)-1, last)
	}
	if h.lastLen == 0 {
		// The log was empty when it was taken: what follows must start
		// at the next entry.
		if last >= first && first > h.walNext {
			return fmt.Errorf("taken with the log empty before entry %d; the log starts at %d", h.walNext, first)
		}
		if !later && last >= first {
			return fmt.Errorf("taken with the log empty before entry %d; the log now holds %d..%d", h.walNext, first, last)
		}
		return nil
	}
	at := h.walNext - 1
	if at < first || at > last {
		return fmt.Errorf("taken after entry %d; the log holds %d..%d", at, first, last)
	}
	data, err := s.wal.Read(at)
	if err != nil {
		return err
	}
	if len(data) != h.lastLen || crc32.ChecksumIEEE(data) != h.lastCRC {
		return fmt.Errorf("the log's entry %d is not the one the snapshot was taken after", at)
	}
	return nil
}
