package file

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/geoheat/geoheat/internal/ingest"
	"golang.org/x/sync/semaphore"
)

// Parallel replay. An Archive Team grab is a tar of per-minute .json.bz2
// files, and bzip2 decodes at 25-45 MB/s per core (about 10-15k demo
// messages/s): one goroutine decompressing member after member caps replay
// there, whatever the cores. So the members of a tar archive, and the files
// of a directory or glob, are decoded on every core while the messages
// still leave in input order:
//
//   - the producer (one goroutine) walks the inputs in order, reads each tar
//     member into memory and queues it as a member; a file that is not an
//     archive is queued whole, already open;
//   - workers (GOMAXPROCS) take members in queue order, decompress and split
//     them, and hand their messages on in batches, each member's into its own
//     channel, bounded in bytes;
//   - Run's goroutine sends the members' messages on in queue order: all of
//     the first member's, then all of the second's.
//
// Memory is bounded: at most windowMembers members are queued ahead of the
// one being sent, each holding its compressed bytes (at most
// maxBufferedMember; a larger tar member is decoded on its own while the
// producer waits) and at most memberBudget bytes of decoded messages. A
// worker decodes a whole per-minute member (10-30 MB of JSON) ahead of the
// sender; a larger member waits for the sender past memberBudget, so its
// worker is idle meanwhile rather than memory growing.
const (
	// maxBufferedMember is the largest tar member read into memory so that
	// it can be decoded beside others; per-minute members are a few MB.
	maxBufferedMember = 64 << 20
	// memberBudget bounds the bytes of a member's decoded messages not
	// yet sent.
	memberBudget = 32 << 20
	// memberBatches bounds their batches (small messages).
	memberBatches = 1024
)

// batch is a run of a member's messages; weight is what it holds of the
// member's budget.
type batch struct {
	msgs   []ingest.Message
	weight int64
}

// windowMembers is how many members may be queued ahead of the one being
// sent: enough for every worker to have one in hand and one waiting.
func windowMembers(workers int) int { return 2 * workers }

// member is one input decoded on its own: a tar member, or a file.
type member struct {
	name string
	// data is a tar member read into memory (buffered); otherwise input is
	// open already: decoded input that is not an archive (split it), or a
	// tar member too large to buffer (run it).
	buffered bool
	data     []byte
	input    io.Reader
	decoded  bool
	// bzWorkers is how many bzip2 blocks of this member may be decoded at
	// once.
	bzWorkers int
	// release closes what the producer opened for input; finish calls it.
	release func()
	// done is closed by finish; the producer waits on it for a member that
	// reads from the archive it is walking.
	done chan struct{}
	// skippable: damage to this member is logged, counted and skipped
	// (members of an archive, one file of several); otherwise it ends Run.
	skippable bool
	// direct: the worker sends to the source's output itself.
	direct bool
	// partial is the producer's error when the archive ended inside this
	// member: its bytes so far are decoded, then Run ends with partial.
	partial error

	batches chan batch
	budget  *semaphore.Weighted // memberBudget bytes
	err     error               // set before batches is closed
	once    sync.Once
}

func newMember(name string) *member {
	return &member{name: name, bzWorkers: 1, done: make(chan struct{}),
		batches: make(chan batch, memberBatches), budget: semaphore.NewWeighted(memberBudget)}
}

// finish releases what the member holds, once.
func (m *member) finish() {
	m.once.Do(func() {
		if m.release != nil {
			m.release()
		}
		m.data = nil
		close(m.done)
	})
}

// replay is one Run of the parallel reader.
type replay struct {
	src     *Source
	workers int
	queue   chan *member // in input order, to the sender
	work    chan *member // the same members, to the workers
	out     chan<- ingest.Message
}

// runReplay replays inputs (opened in order by open) and sends their
// messages to out in input order. It returns when every goroutine it
// started has ended.
func (s *Source) runReplay(ctx context.Context, out chan<- ingest.Message, inputs []string, open func(ctx context.Context, name string) (io.Reader, func(), error)) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(1, runtime.GOMAXPROCS(0))
	p := &replay{
		src:     s,
		workers: workers,
		queue:   make(chan *member, windowMembers(workers)),
		work:    make(chan *member),
		out:     out,
	}
	var wg sync.WaitGroup
	var produceErr error
	wg.Go(func() { produceErr = p.produce(ctx, inputs, open) })
	for range workers {
		wg.Go(func() { p.decode(ctx) })
	}
	err := p.send(ctx, out)
	cancel()
	for range p.queue { // let the producer see the cancellation and end
	}
	wg.Wait()
	if err == nil {
		err = produceErr
	}
	if pErr := parent.Err(); pErr != nil && err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return pErr
	}
	return err
}

// produce opens the inputs in order and queues their members.
func (p *replay) produce(ctx context.Context, inputs []string, open func(ctx context.Context, name string) (io.Reader, func(), error)) error {
	defer close(p.work)
	defer close(p.queue)
	several := len(inputs) > 1
	// One input gets every core for its bzip2 blocks; several share them
	// out by input.
	bzWorkers := 1
	if !several {
		bzWorkers = p.workers
	}
	for _, name := range inputs {
		in, closeInput, err := open(ctx, name)
		if err != nil {
			return err
		}
		dec, release, err := decompress(ctx, &countingReader{r: in, n: &p.src.bytesRead}, bzWorkers)
		if err != nil {
			closeInput()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			err = fmt.Errorf("file: %s: %w", name, err)
			if !several {
				return err
			}
			// A file of several that cannot even be opened as what it
			// claims to be is damaged like any other member.
			m := newMember(name)
			m.skippable, m.err = true, err
			close(m.batches)
			m.finish()
			if !p.queueOnly(ctx, m) {
				return ctx.Err()
			}
			continue
		}
		br := bufio.NewReaderSize(dec, 64<<10)
		if isTar(br) {
			err := p.tarMembers(ctx, name, br)
			release()
			closeInput()
			if err != nil {
				return err
			}
			continue
		}
		m := newMember(name)
		m.input, m.decoded, m.bzWorkers, m.skippable = br, true, bzWorkers, several
		// The only input, not an archive: its worker sends straight on,
		// sparing a hand-off per batch.
		m.direct = !several
		m.release = func() { release(); closeInput() }
		if !p.enqueue(ctx, m) {
			return ctx.Err()
		}
	}
	return nil
}

// tarMembers queues the regular members of a tar archive. A member that
// cannot be read whole (the archive is cut short or damaged) is queued
// with what was read, and its error then ends the replay.
func (p *replay) tarMembers(ctx context.Context, name string, in io.Reader) error {
	return eachTarMember(in, "file: "+name+": ", func(hdr *tar.Header, tr io.Reader) error {
		m := newMember(name + ": tar member " + hdr.Name)
		m.skippable = true
		if hdr.Size > p.src.bufferLimit {
			// Decoded straight from the archive, so nothing else can be
			// read from it until the member is done.
			m.input, m.bzWorkers = tr, p.workers
			if !p.enqueue(ctx, m) {
				return ctx.Err()
			}
			<-m.done
			return ctx.Err()
		}
		var buf bytes.Buffer
		buf.Grow(int(min(hdr.Size, 4<<20))) // the header's size is a claim, not a promise
		_, err := io.Copy(&buf, tr)
		m.data, m.buffered = buf.Bytes(), true
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			m.partial = fmt.Errorf("file: %s: tar member %s: cut short after %d of %d bytes: %w", name, hdr.Name, len(m.data), hdr.Size, err)
		}
		if !p.enqueue(ctx, m) {
			return ctx.Err()
		}
		return m.partial
	})
}

// enqueue hands m to the sender, then to a worker. It reports false when
// the replay was cancelled first; m is then finished here.
func (p *replay) enqueue(ctx context.Context, m *member) bool {
	if !p.queueOnly(ctx, m) {
		m.finish()
		return false
	}
	select {
	case p.work <- m:
		return true
	case <-ctx.Done():
		m.finish()
		return false
	}
}

// queueOnly puts m in the sender's queue.
func (p *replay) queueOnly(ctx context.Context, m *member) bool {
	select {
	case p.queue <- m:
		return true
	case <-ctx.Done():
		return false
	}
}

// decode is a worker: it decodes members as they come.
func (p *replay) decode(ctx context.Context) {
	for m := range p.work {
		if ctx.Err() == nil {
			p.decodeMember(ctx, m)
		}
		m.finish()
	}
}

func (p *replay) decodeMember(ctx context.Context, m *member) {
	r := &reader{src: p.src, name: m.name, ctx: ctx, sink: m, bzWorkers: m.bzWorkers}
	if m.direct {
		r.out = p.out
	}
	var err error
	switch {
	case m.buffered:
		err = r.run(bytes.NewReader(m.data))
	case m.decoded:
		err = r.split(m.input)
	default:
		err = r.run(m.input)
	}
	// What was split before an error is kept.
	if ferr := r.flush(); err == nil {
		err = ferr
	}
	m.err = err
	close(m.batches)
}

// send sends every member's messages on, in queue order.
func (p *replay) send(ctx context.Context, out chan<- ingest.Message) error {
	for m := range p.queue {
		var n int64
	member:
		for {
			select {
			case batch, ok := <-m.batches:
				if !ok {
					break member
				}
				for _, msg := range batch.msgs {
					if err := p.src.send(ctx, out, msg); err != nil {
						return err
					}
				}
				m.budget.Release(batch.weight)
				n += int64(len(batch.msgs))
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		p.src.members.Add(1)
		err := m.err
		if err == nil {
			err = m.partial
		}
		if err == nil {
			continue
		}
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return ctxErr
		}
		if m.partial != nil {
			// The archive itself ends here: nothing follows to go on with.
			return m.partial
		}
		if !m.skippable {
			return fmt.Errorf("file: %s: %w", m.name, err)
		}
		p.src.damaged.Add(1)
		p.src.logger.Warn("file: skipped the rest of a damaged member", "member", m.name, "err", err, "messages_kept", n)
	}
	return nil
}

// send paces and sends one message, and counts it.
func (s *Source) send(ctx context.Context, out chan<- ingest.Message, m ingest.Message) error {
	if p := s.pace; p != nil {
		if t, ok := peekCreatedAt(m.Data); ok {
			if err := p.wait(ctx, t); err != nil {
				return err
			}
		}
	}
	select {
	case out <- m:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.messages.Add(1)
	s.lastEvent.Store(s.now().UnixNano())
	return nil
}

// openFile opens a file of the replay.
func openFile(_ context.Context, path string) (io.Reader, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("file: %w", err)
	}
	return f, func() { f.Close() }, nil
}
