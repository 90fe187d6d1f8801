package memstore

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/geoheat/geoheat/internal/spill"
)

// Cold chunks: a column's full chunks more than coldKeep chunks behind its
// newest are only ever read again, so with an area (Options.ColdDir) they
// move to memory-mapped files (package spill) and the heap keeps the
// newest chunks, the summaries and the indexes; the trend index moves its
// buckets more than a week old there too (trend/cold.go). What a query reads of them
// comes from the kernel's page cache; the heap no longer grows with every
// post held. Every column element type is free of pointers, which is what
// makes their bytes safe to copy out and read back in place.

// defaultColdKeep is how many of a column's newest full chunks stay on the
// heap: two summary blocks, so that the chunks a level-0 summary is built
// from, and the newest ones every window query reads, are still there.
const defaultColdKeep = 2 * blockChunksT

// defaultColdResident is the resident budget of the cold files' pages
// (spill.Options.ResidentBudget): what queries and summaries read of them
// stays mapped up to it, so reads repeated soon after cost no fault.
const defaultColdResident = 2 << 30

// putCold copies the chunk c to the area and returns the copy.
func putCold[T any](a *spill.Area, c *T) (*T, error) {
	b, err := a.Put(unsafe.Slice((*byte)(unsafe.Pointer(c)), unsafe.Sizeof(*c)))
	if err != nil {
		return nil, err
	}
	return (*T)(unsafe.Pointer(unsafe.SliceData(b))), nil
}

// releaseCold tells the area that the chunk c, which putCold returned, is
// dropped.
func releaseCold[T any](a *spill.Area, c *T) {
	if c != nil {
		a.Release(unsafe.Slice((*byte)(unsafe.Pointer(c)), unsafe.Sizeof(*c)))
	}
}

// moveCold moves the chunks gone cold since the last call to the area.
// A write that fails leaves the chunk on the heap (nothing is lost, the
// heap holds more) and is reported once per run of failures. Caller holds
// writeMu, not mu: the chunks' pointers change under mu.
func (s *Store) moveCold() {
	if s.area == nil || !s.coldDue() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The first error says it all (the same disk); the columns after it
	// are still tried, so that one column's failure holds back no other.
	var err error
	keep := func(e error) {
		if err == nil {
			err = e
		}
	}
	keep(s.order.spill(s.coldKeep))
	for _, l := range s.langs {
		keep(l.times.spill(s.coldKeep))
		keep(l.tagEnds.spill(s.coldKeep))
		keep(l.tags.spill(s.coldKeep))
		keep(l.geo.spill(s.coldKeep))
		keep(l.geoMeta.spill(s.coldKeep))
	}
	keep(s.trends.MoveCold())
	switch {
	case err != nil && !s.coldFailing:
		s.coldFailing = true
		s.log.Error("memstore: cannot move chunks to the cold files; keeping them in memory", "dir", s.area.Dir(), "err", err)
	case err == nil && s.coldFailing:
		s.coldFailing = false
		s.log.Info("memstore: moving chunks to the cold files again", "dir", s.area.Dir())
	}
}

// coldDue reports whether moveCold has anything to move. Most Records
// fill no chunk, and taking mu for nothing would make the writer wait for
// every query running (and new queries for it). Reading the columns'
// lengths without mu is safe: only the writer, which holds writeMu,
// changes them.
func (s *Store) coldDue() bool {
	if s.order.coldDue(s.coldKeep) || s.trends.ColdDue() {
		return true
	}
	for _, l := range s.langs {
		if l.times.coldDue(s.coldKeep) || l.tagEnds.coldDue(s.coldKeep) || l.tags.coldDue(s.coldKeep) ||
			l.geo.coldDue(s.coldKeep) || l.geoMeta.coldDue(s.coldKeep) {
			return true
		}
	}
	return false
}

// coldDue reports whether spill(keep) has a chunk to move.
func (d *deque[T]) coldDue(keep int) bool {
	return d.area != nil && (d.head+d.n)>>chunkShift-keep > d.coldChunks()
}

// coldDue reports whether spill(keep) has a chunk or a cell index to move.
func (p *pointDeque) coldDue(keep int) bool {
	return p.deque.coldDue(keep) || max(p.cellsCold-p.base, 0) < min(p.cold-p.base, len(p.cells))
}

// verifyCold checks, in the background, the cold files a start from the
// snapshot adopted: their blocks were written by the last run and are
// read as they are, so a block damaged on disk since is found and
// reported (Stats.ColdDamaged, the log) rather than served silently. At a
// billion posts that is 40 GB read, minutes, so the store serves
// meanwhile. Close stops it.
func (s *Store) verifyCold() {
	ctx, stop := context.WithCancel(context.Background())
	s.verifyStop, s.verifyDone = stop, make(chan struct{})
	area := s.area
	go func() {
		defer close(s.verifyDone)
		start := time.Now()
		err := area.Verify(ctx)
		switch {
		case errors.Is(err, context.Canceled):
		case err != nil:
			s.log.Error("memstore: cold files damaged: answers that read them may be wrong; restart to rebuild them from the log",
				"dir", area.Dir(), "err", err)
		default:
			s.log.Info("memstore: cold files checked", "dir", area.Dir(), "took", time.Since(start).Round(time.Millisecond))
		}
	}()
}

// coldTrimEvery is how often a store checks its cold files' resident
// pages against the budget when it is read but not written (Put checks as
// it writes).
const coldTrimEvery = 10 * time.Second

// trimColdLater arms the check; it re-arms itself until Close.
func (s *Store) trimColdLater() {
	s.coldTimer = time.AfterFunc(coldTrimEvery, func() {
		s.area.Trim()
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
		if !s.writerClosed {
			s.trimColdLater()
		}
	})
}

// enterCold marks the start of reading chunks without mu (see
// spill.Area.Enter); exitCold ends it. Both do nothing without an area.
func (s *Store) enterCold() spill.Reader {
	if s.area == nil {
		return spill.Reader{}
	}
	return s.area.Enter()
}

func (s *Store) exitCold(r spill.Reader) {
	if s.area != nil {
		s.area.Exit(r)
	}
}

// openCold opens the area in s.coldDir for the columns and the trend
// index, keeping the files an earlier process left when a snapshot points
// into them. Caller is Open, before anything is recorded.
func (s *Store) openCold(keep bool) error {
	a, err := spill.Open(s.coldDir, spill.Options{FileSize: s.coldFileSize, ResidentBudget: defaultColdResident, Keep: keep})
	if err != nil {
		return fmt.Errorf("memstore: cold files: %w", err)
	}
	s.area, s.order.area = a, a
	s.trends.SetCold(a)
	if s.coldTimer == nil {
		s.trimColdLater()
	}
	return nil
}

// ColdParts returns the bytes each part of the store holds in the cold
// files, by name (the columns of every language together; "trends" the
// trend buckets; "cells" the points' cell indexes): what to shrink first
// when the files take too much disk. The bench reports it.
func (s *Store) ColdParts() map[string]int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	parts := map[string]int64{}
	if s.area == nil {
		return parts
	}
	var total int64
	add := func(name string, chunks int, size uintptr) {
		parts[name] += int64(chunks) * int64(size)
		total += int64(chunks) * int64(size)
	}
	add("order", s.order.coldChunks(), unsafe.Sizeof(chunk[uint16]{}))
	for _, l := range s.langs {
		add("times", l.times.coldChunks(), unsafe.Sizeof(chunk[int64]{}))
		add("tagEnds", l.tagEnds.coldChunks(), unsafe.Sizeof(chunk[uint32]{}))
		add("tags", l.tags.coldChunks(), unsafe.Sizeof(chunk[uint32]{}))
		add("points", l.geo.coldChunks(), unsafe.Sizeof(chunk[geoRec]{}))
		add("geoMeta", l.geoMeta.coldChunks(), unsafe.Sizeof(chunk[geoMeta]{}))
		cells := 0
		for ci, c := range l.geo.cells {
			if c != nil && l.geo.base+ci < l.geo.cellsCold {
				cells++
			}
		}
		add("cells", cells, unsafe.Sizeof(chunkCells{}))
	}
	parts["trends"] = s.area.Stats().HeldBytes - total
	return parts
}
