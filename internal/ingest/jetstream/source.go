package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/live"
	"github.com/geoheat/geoheat/internal/post"
)

// DefaultHosts are Bluesky's public Jetstream instances.
var DefaultHosts = []string{
	"wss://jetstream1.us-east.bsky.network",
	"wss://jetstream2.us-east.bsky.network",
	"wss://jetstream1.us-west.bsky.network",
	"wss://jetstream2.us-west.bsky.network",
}

// CursorFile is the cursor's file name in the data directory.
const CursorFile = "jetstream.cursor.json"

// DefaultRewind is how far before the saved cursor a resume starts.
// Instances stamp time_us independently, so a cursor taken from one host is
// only approximately right on another; Jetstream's docs suggest rewinding a
// few seconds, and the dedupe set removes what is seen twice.
const DefaultRewind = 5 * time.Second

// maxFrame bounds one event; posts are a few KB.
const maxFrame = 4 << 20

// Options configures the source.
type Options struct {
	Hosts   []string // ws(s):// or http(s):// base URLs; default DefaultHosts
	DataDir string   // where the cursor is kept; "" keeps none (start live)
	Rewind  time.Duration
	Client  *http.Client
	// ZstdDict, when set, is Jetstream's zstd dictionary: compressed frames
	// are requested (compress=true) and decoded with it. See zstd.go.
	ZstdDict []byte
	// Profiles asks for authors' profile records (ProfileCollection) next
	// to posts; the parse stage reads them (Parse, NoticeProfile).
	Profiles bool

	Backoff   *live.Backoff
	Stall     time.Duration
	Clock     live.Clock
	Logger    *slog.Logger
	OnBackoff func(time.Duration, error)
}

// Source is the Jetstream source: a live.Loop plus the cursor it resumes
// from. It implements ingest.Source.
type Source struct {
	*live.Loop
	opts  Options
	hosts []string

	dec    *frameDecoder // nil unless Options.ZstdDict is set
	saveMu sync.Mutex    // serializes cursor file writes

	mu      sync.Mutex
	host    int         // index of the host in use; advances on failure
	cursor  cursorState // last emitted event
	seen    *recentKeys // keys emitted within the rewind window
	skipped int64       // duplicates dropped after a resume
	corrupt int64       // compressed frames that did not decode
	saved   time.Time   // when the cursor was last written
	resume  int64       // time_us to ask for on the next connection

	// With a pipeline that reports handled messages (TrackHandled), the
	// saved cursor is the last event the store has recorded, not the last
	// one emitted: a crash (kill -9) then loses nothing still queued.
	tracked  bool
	emitted  int64          // messages sent to the pipeline
	pending  []pendingEvent // emitted events not yet handled, in order
	handled  cursorState    // last handled event: what is saved
	doneKeys *recentKeys    // keys handled within the rewind window
	ended    bool           // Run returned: the pipeline is draining
}

// maxPending bounds the emitted events waiting to be reported handled:
// far more than the pipeline's queues hold (8192 raw messages plus a few
// hundred batches).
const maxPending = 1 << 20

// pendingEvent is an emitted event waiting to be handled.
type pendingEvent struct {
	seq    int64 // its number among the emitted messages, from 1
	key    string
	timeUS int64
}

// cursorState is what CursorFile holds. Recent lists the keys of events
// emitted within Rewind of TimeUS, so a resume that rewinds drops exactly
// what was already emitted.
type cursorState struct {
	TimeUS int64    `json:"time_us"`
	Host   string   `json:"host,omitempty"`
	Recent []string `json:"recent,omitempty"`
}

// New returns the source, having read the saved cursor if any.
func New(opts Options) (*Source, error) {
	if len(opts.Hosts) == 0 {
		opts.Hosts = DefaultHosts
	}
	if opts.Rewind <= 0 {
		opts.Rewind = DefaultRewind
	}
	if opts.Clock == nil {
		opts.Clock = live.RealClock{}
	}
	s := &Source{opts: opts, seen: newRecentKeys(opts.Rewind), doneKeys: newRecentKeys(opts.Rewind)}
	if opts.ZstdDict != nil {
		dec, err := newFrameDecoder(opts.ZstdDict)
		if err != nil {
			return nil, err
		}
		s.dec = dec
	}
	for _, h := range opts.Hosts {
		h = strings.TrimRight(strings.TrimSpace(h), "/")
		if h == "" {
			continue
		}
		u, err := url.Parse(h)
		if err != nil || u.Host == "" || (u.Scheme != "ws" && u.Scheme != "wss" && u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("jetstream: bad host %q: want wss://host", h)
		}
		s.hosts = append(s.hosts, h)
	}
	if len(s.hosts) == 0 {
		return nil, errors.New("jetstream: no hosts")
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	s.Loop = live.New(live.Config{
		Name:      "bluesky",
		Connect:   s.connect,
		Endpoint:  s.currentHost,
		Backoff:   opts.Backoff,
		Stall:     opts.Stall,
		Clock:     opts.Clock,
		Logger:    opts.Logger,
		OnBackoff: opts.OnBackoff,
	})
	return s, nil
}

// Run runs the loop and saves the cursor when it ends. Untracked (no
// pipeline reporting), every emitted event is still drained into the store
// on a graceful stop, so the last emitted cursor is the one to resume from.
// Tracked, the pipeline drains after Run returns and every later report
// saves the cursor, so the last one leaves it at the last recorded event.
func (s *Source) Run(ctx context.Context, out chan<- ingest.Message) error {
	err := s.Loop.Run(ctx, out)
	if s.dec != nil {
		s.dec.close()
	}
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
	if serr := s.save(); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

// TrackHandled implements pipeline.HandledTracker: from now on the cursor
// saved is the last event the pipeline reports handled.
func (s *Source) TrackHandled() func(n int64) {
	s.mu.Lock()
	s.tracked = true
	s.mu.Unlock()
	return s.Handled
}

// Handled is told that the first n emitted messages are recorded or
// deliberately dropped. It moves the saved cursor past the events among
// them, and saves it at most once a second (on every report once Run has
// returned, so the drain's last report is saved).
func (s *Source) Handled(n int64) {
	s.mu.Lock()
	i := 0
	for ; i < len(s.pending) && s.pending[i].seq <= n; i++ {
		ev := s.pending[i]
		if ev.key != "" {
			s.doneKeys.add(ev.key, ev.timeUS)
		}
		if ev.timeUS > s.handled.TimeUS {
			s.handled.TimeUS = ev.timeUS
			s.handled.Host = s.cursor.Host
		}
	}
	if i > 0 {
		clear(s.pending[:i]) // release the keys
		s.pending = s.pending[i:]
	}
	due := s.ended || s.opts.Clock.Now().Sub(s.saved) >= time.Second
	s.mu.Unlock()
	if due && i > 0 {
		s.saveLogged()
	}
}

func (s *Source) currentHost() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hosts[s.host]
}

// subscribeURL is the host's /subscribe for posts (and profiles), from the
// resume cursor.
func (s *Source) subscribeURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := url.Values{"wantedCollections": {PostCollection}}
	if s.opts.Profiles {
		// Jetstream takes wantedCollections repeated (up to 100 NSIDs or
		// prefixes) and sends commits of any of them.
		q.Add("wantedCollections", ProfileCollection)
	}
	if s.dec != nil {
		q.Set("compress", "true")
	}
	if s.resume > 0 {
		q.Set("cursor", strconv.FormatInt(s.resume, 10))
	}
	return s.hosts[s.host] + "/subscribe?" + q.Encode()
}

// connect runs one websocket connection.
func (s *Source) connect(ctx context.Context, l *live.Link) (err error) {
	defer func() {
		if err != nil && ctx.Err() == nil {
			s.failover()
		}
	}()
	conn, resp, err := websocket.Dial(ctx, s.subscribeURL(), &websocket.DialOptions{HTTPClient: s.opts.Client})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return fmt.Errorf("jetstream: dial: %w", &live.HTTPError{Status: resp.StatusCode})
		}
		return fmt.Errorf("jetstream: dial: %w", err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxFrame)
	l.Connected()
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				return nil
			}
			return fmt.Errorf("jetstream: read: %w", err)
		}
		l.Alive()
		if typ == websocket.MessageBinary {
			// A compressed event. One that does not decode (corrupt, or
			// another dictionary) is passed on as it is: the parse stage
			// counts it as malformed, as any unreadable event.
			if dec, derr := s.decode(data); derr == nil {
				data = dec
			}
		}
		ev, ok := s.admit(data)
		if !ok {
			continue
		}
		// Counted before the send: the pipeline may record it and report
		// before Emit returns here.
		seq := s.sending(ev)
		if err := l.Emit(ctx, ingest.Message{Data: data}); err != nil {
			s.notSent(seq)
			return err
		}
		// Only an event the pipeline took moves the cursor: one cut off by
		// Ctrl-C mid-send must be asked for again on resume.
		s.commit(ev)
		s.maybeSave()
	}
}

// decode decompresses a binary frame, counting the ones that fail.
func (s *Source) decode(frame []byte) ([]byte, error) {
	var err error
	if s.dec == nil {
		err = errors.New("jetstream: binary frame, but compression was not requested")
	} else {
		var out []byte
		if out, err = s.dec.decode(frame); err == nil {
			return out, nil
		}
	}
	s.mu.Lock()
	s.corrupt++
	first := s.corrupt == 1
	s.mu.Unlock()
	if first && s.opts.Logger != nil {
		// Once: a wrong dictionary fails every frame, and the malformed
		// count in status shows the rest.
		s.opts.Logger.Warn("jetstream: frame not decoded (counted as malformed)", "err", err)
	}
	return nil, err
}

// Corrupt returns how many binary frames could not be decoded.
func (s *Source) Corrupt() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.corrupt
}

// admitted is what commit needs of an event admit let through.
type admitted struct {
	key    string
	timeUS int64
}

// admit drops events already emitted (a resume rewinds into them). Frames
// it cannot read go through: the parse stage counts them as malformed.
func (s *Source) admit(data []byte) (admitted, bool) {
	var p post.Post
	res, err := Parse(data, &p)
	if err != nil {
		return admitted{}, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if res.Key != "" && s.seen.has(res.Key) {
		s.skipped++
		return admitted{}, false
	}
	return admitted{key: res.Key, timeUS: res.TimeUS}, true
}

// commit records an emitted event: remembered for deduplication, and the
// cursor moved past it.
func (s *Source) commit(ev admitted) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev.key != "" {
		s.seen.add(ev.key, ev.timeUS)
	}
	if ev.timeUS > s.cursor.TimeUS {
		s.cursor.TimeUS = ev.timeUS
		s.cursor.Host = s.hosts[s.host]
	}
	// A reconnect resumes from here, rewound, on whichever host is next.
	s.resume = max(0, s.cursor.TimeUS-s.opts.Rewind.Microseconds())
}

// sending numbers a message about to be sent (every message counts in the
// pipeline's reports, malformed ones too) and, tracked, queues its event to
// wait for the report that it was handled.
func (s *Source) sending(ev admitted) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emitted++
	if s.tracked && (ev.key != "" || ev.timeUS != 0) {
		if len(s.pending) >= maxPending {
			// Reports stopped (a failed Record stops them for the rest of
			// the run): keep memory bounded. Forgetting the oldest only
			// loses their keys for deduplication if reports resume.
			s.pending = append(s.pending[:0], s.pending[len(s.pending)/2:]...)
		}
		s.pending = append(s.pending, pendingEvent{seq: s.emitted, key: ev.key, timeUS: ev.timeUS})
	}
	return s.emitted
}

// notSent undoes sending for a message the pipeline did not take.
func (s *Source) notSent(seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emitted--
	if n := len(s.pending); n > 0 && s.pending[n-1].seq == seq {
		s.pending = s.pending[:n-1]
	}
}

// failover moves to the next host for the next attempt.
func (s *Source) failover() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.host = (s.host + 1) % len(s.hosts)
}

// Skipped returns how many duplicate events a resume dropped.
func (s *Source) Skipped() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.skipped
}

// maybeSave writes the cursor at most once a second, so a crash loses at
// most a second plus the pipeline's queue, both inside the rewind window
// for a stream that is not backlogged.
func (s *Source) maybeSave() {
	s.mu.Lock()
	due := !s.tracked && s.opts.Clock.Now().Sub(s.saved) >= time.Second
	s.mu.Unlock()
	if due {
		s.saveLogged()
	}
}

func (s *Source) saveLogged() {
	if err := s.save(); err != nil && s.opts.Logger != nil {
		s.opts.Logger.Warn("jetstream: cursor not saved", "err", err)
	}
}

func (s *Source) path() string { return filepath.Join(s.opts.DataDir, CursorFile) }

// save writes the cursor atomically (temp file, rename).
func (s *Source) save() error {
	if s.opts.DataDir == "" {
		return nil
	}
	// Saves run from the connection and the writer goroutines: saveMu keeps
	// an older state from overwriting a newer one.
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	st := s.cursor
	st.Recent = s.seen.keys()
	if s.tracked {
		st = s.handled
		st.Recent = s.doneKeys.keys()
	}
	s.saved = s.opts.Clock.Now()
	s.mu.Unlock()
	if st.TimeUS == 0 {
		return nil
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("jetstream: save cursor: %w", err)
	}
	if err := os.MkdirAll(s.opts.DataDir, 0o755); err != nil {
		return fmt.Errorf("jetstream: save cursor: %w", err)
	}
	tmp := s.path() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("jetstream: save cursor: %w", err)
	}
	if err := os.Rename(tmp, s.path()); err != nil {
		return fmt.Errorf("jetstream: save cursor: %w", err)
	}
	return nil
}

// load reads the saved cursor; a missing file means "start live".
func (s *Source) load() error {
	if s.opts.DataDir == "" {
		return nil
	}
	b, err := os.ReadFile(s.path())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jetstream: read cursor: %w", err)
	}
	var st cursorState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("jetstream: cursor file %s is corrupt (delete it to start live): %w", s.path(), err)
	}
	s.cursor = cursorState{TimeUS: st.TimeUS, Host: st.Host}
	s.handled = s.cursor
	for _, k := range st.Recent {
		s.seen.add(k, st.TimeUS)
		s.doneKeys.add(k, st.TimeUS)
	}
	// Prefer the host the cursor came from: its time_us are exact there.
	for i, h := range s.hosts {
		if h == st.Host {
			s.host = i
		}
	}
	s.resume = max(0, st.TimeUS-s.opts.Rewind.Microseconds())
	return nil
}
