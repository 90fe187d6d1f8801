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

	mu      sync.Mutex
	host    int         // index of the host in use; advances on failure
	cursor  cursorState // last emitted event
	seen    *recentKeys // keys emitted within the rewind window
	skipped int64       // duplicates dropped after a resume
	saved   time.Time   // when the cursor was last written
	resume  int64       // time_us to ask for on the next connection
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
	s := &Source{opts: opts, seen: newRecentKeys(opts.Rewind)}
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

// Run runs the loop and saves the cursor when it ends. On a graceful stop
// every emitted event is still drained into the store by the pipeline, so
// the last emitted cursor is the right one to resume from.
func (s *Source) Run(ctx context.Context, out chan<- ingest.Message) error {
	err := s.Loop.Run(ctx, out)
	if serr := s.save(); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

func (s *Source) currentHost() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hosts[s.host]
}

// subscribeURL is the host's /subscribe for posts, from the resume cursor.
func (s *Source) subscribeURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := url.Values{"wantedCollections": {PostCollection}}
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
		if typ != websocket.MessageText {
			continue // zstd frames need Jetstream's dictionary; never requested
		}
		ev, ok := s.admit(data)
		if !ok {
			continue
		}
		if err := l.Emit(ctx, ingest.Message{Data: data}); err != nil {
			return err
		}
		// Only an event the pipeline took moves the cursor: one cut off by
		// Ctrl-C mid-send must be asked for again on resume.
		s.commit(ev)
		s.maybeSave()
	}
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
	due := s.opts.Clock.Now().Sub(s.saved) >= time.Second
	s.mu.Unlock()
	if due {
		if err := s.save(); err != nil && s.opts.Logger != nil {
			s.opts.Logger.Warn("jetstream: cursor not saved", "err", err)
		}
	}
}

func (s *Source) path() string { return filepath.Join(s.opts.DataDir, CursorFile) }

// save writes the cursor atomically (temp file, rename).
func (s *Source) save() error {
	if s.opts.DataDir == "" {
		return nil
	}
	s.mu.Lock()
	st := s.cursor
	st.Recent = s.seen.keys()
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
	for _, k := range st.Recent {
		s.seen.add(k, st.TimeUS)
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
