package file

import "bytes"

const (
	// arenaChunk is the size of the blocks messages are carved from: one
	// allocation serves some eighty 3 KB tweets.
	arenaChunk = 256 << 10
	// arenaMaxShared is the largest message carved from a chunk; bigger
	// ones get their own allocation so that a chunk's wasted tail stays
	// small and one big message does not pin many small ones.
	arenaMaxShared = 32 << 10
)

// arena hands out message buffers. A chunk is never reused: each message
// owns its bytes (ingest.Message's contract), and a chunk is freed by the
// garbage collector once every message carved from it is gone.
type arena struct{ chunk []byte }

// copy returns a new slice holding b. Its capacity is its length, so a
// receiver appending to it cannot write into the next message.
func (a *arena) copy(b []byte) []byte {
	if len(b) > arenaMaxShared {
		return bytes.Clone(b)
	}
	if len(a.chunk) < len(b) {
		a.chunk = make([]byte, arenaChunk)
	}
	m := a.chunk[:len(b):len(b)]
	copy(m, b)
	a.chunk = a.chunk[len(b):]
	return m
}
