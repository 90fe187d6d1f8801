package bskyprofile

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store/storetest"
)

// anyPlace accepts a candidate that starts with a capital "P" (for Place),
// so directory tests do not need the gazetteer.
func anyPlace(s string) bool { return len(s) > 0 && s[0] == 'P' }

func TestDirectoryNewestWins(t *testing.T) {
	d := NewDirectory(DirectoryOptions{Resolve: anyPlace})
	d.Put("did:plc:a", "", "Paris", 20)
	d.Put("did:plc:a", "", "Prague", 10) // older: a parse goroutine that lost the race
	if got, _ := d.Get("did:plc:a"); got != "Paris" {
		t.Errorf("after an older update: %q, want Paris", got)
	}
	d.Put("did:plc:a", "", "", 30) // deleted, or no place any more
	if got, known := d.Get("did:plc:a"); got != "" || !known {
		t.Errorf("after a newer empty profile: %q %v, want known without a place", got, known)
	}
	if n := d.Counters()["profile_cache_stale"]; n != 1 {
		t.Errorf("stale = %d", n)
	}
}

func TestDirectoryTTL(t *testing.T) {
	c := storetest.NewClock(time.Unix(1000, 0)) // a settable clock for the TTL
	d := NewDirectory(DirectoryOptions{TTL: time.Hour, Now: c.Now, Resolve: anyPlace})
	d.Put("did:plc:a", "", "Paris", 1)
	c.Advance(time.Hour)
	if _, known := d.Get("did:plc:a"); !known {
		t.Fatal("forgotten at the TTL")
	}
	c.Advance(time.Second)
	if _, known := d.Get("did:plc:a"); known {
		t.Fatal("known after the TTL")
	}
	if d.Len() != 0 {
		t.Errorf("expired entry kept: len %d", d.Len())
	}
}

func TestDirectorySizeBound(t *testing.T) {
	d := NewDirectory(DirectoryOptions{Size: 3, Resolve: anyPlace})
	for i := range 3 {
		d.Put(fmt.Sprint("did:plc:", i), "", "Paris", 1)
	}
	d.Get("did:plc:0") // used: the least recently used is now 1
	d.Put("did:plc:3", "", "Paris", 1)
	if d.Len() != 3 {
		t.Fatalf("len %d, want 3", d.Len())
	}
	if _, known := d.Get("did:plc:1"); known {
		t.Error("least recently used entry kept")
	}
	if _, known := d.Get("did:plc:0"); !known {
		t.Error("recently used entry evicted")
	}
	if n := d.Counters()["profile_cache_evicted"]; n != 1 {
		t.Errorf("evicted = %d", n)
	}
}

// TestDirectoryConcurrent is for -race: puts and gets from many goroutines
// keep the bound.
func TestDirectoryConcurrent(t *testing.T) {
	d := NewDirectory(DirectoryOptions{Size: 100, Resolve: anyPlace})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				did := fmt.Sprint("did:plc:", (g*1000+i)%300)
				d.Put(did, "", "Paris", int64(i))
				d.Get(did)
			}
		}()
	}
	wg.Wait()
	if d.Len() > 100 {
		t.Errorf("len %d over the bound", d.Len())
	}
}
