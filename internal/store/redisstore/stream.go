package redisstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// The stream "{prefix}:stream" carries normalized posts from `geoheat
// ingest --to redis-stream` (Publish) to any number of `geoheat work`
// processes (Worker). One stream entry holds up to 256 posts, so a busy
// stream costs one XADD per batch rather than per post:
//
//	v      "1"         encoding version
//	n      post count
//	posts  the posts, binary (appendWirePost)
//
// Publishing happens after parsing (notices and malformed lines never reach
// the stream) and before language detection, which is the workers' job.

const (
	streamVersion     = "1" // exact points only
	streamVersionProv = "2" // posts may carry provenance (wireProv)
	// streamVersionPrior: posts may carry a country prior (wireUserCountry),
	// which a version 2 reader would misread as the hashtag count.
	streamVersionPrior = "3"
	// streamVersionURL: posts may carry their original's URL (wireURL),
	// which an older reader would misread as the hashtag count.
	streamVersionURL = "4"
	// entryPosts is the most posts one stream entry holds.
	entryPosts = 256
	// DefaultMaxBacklog is how many entries the stream may hold before
	// Publish waits for the workers to catch up (`max_backlog=` in the URL
	// would be the place to change it; it is an Option for now).
	DefaultMaxBacklog = 20_000
)

func (s *Store) streamKey() string { return s.key("stream") }

// Publisher returns a store.Recorder whose Record publishes to the stream
// (Publish) instead of recording: `geoheat ingest --to redis-stream` runs
// the pipeline without a detector into it, and `geoheat work` detects and
// records. Safe for concurrent use, as Publish is.
func (s *Store) Publisher() store.Recorder { return streamPublisher{s} }

type streamPublisher struct{ s *Store }

func (p streamPublisher) Record(ctx context.Context, posts []post.Post) error {
	return p.s.Publish(ctx, posts)
}

// Publish appends posts to the stream, pipelined in one round trip, and
// returns once Redis acknowledged every entry, retrying while Redis is
// unavailable as Record does. When the stream holds more than
// DefaultMaxBacklog entries (the workers are behind, or none runs) it
// first waits, polling with capped backoff, so an unattended stream does
// not grow without bound. Publish is at-least-once: an entry whose reply
// was lost is sent again, and the workers' post-id check records its posts
// once.
func (s *Store) Publish(ctx context.Context, posts []post.Post) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	if len(posts) == 0 {
		return nil
	}
	if err := s.waitBacklog(ctx); err != nil {
		return err
	}
	type chunk struct {
		n       int
		data    []byte
		version string
	}
	var chunks []chunk
	for len(posts) > 0 {
		n := min(len(posts), entryPosts)
		var buf []byte
		version := streamVersion
		for i := range posts[:n] {
			buf = appendWirePost(buf, &posts[i])
			switch {
			case posts[i].URL != "":
				version = streamVersionURL
			case posts[i].UserCountry != "" && version != streamVersionURL:
				version = streamVersionPrior
			case wireV2(&posts[i]) && version == streamVersion:
				version = streamVersionProv
			}
		}
		chunks = append(chunks, chunk{n, buf, version})
		posts = posts[n:]
	}
	total := 0
	for _, c := range chunks {
		total += c.n
	}
	key := s.streamKey()
	return s.write(ctx, "publish", total, false, func(ctx context.Context) error {
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, c := range chunks {
				p.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"v", c.version, "n", c.n, "posts", c.data}})
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Pipelined returns only the first error; chunks already sent are
		// sent again on retry (at-least-once, see above).
		return nil
	})
}

// waitBacklog waits while the stream holds more than the allowed backlog.
func (s *Store) waitBacklog(ctx context.Context) error {
	backoff := minBackoff
	warned := false
	for {
		n, err := s.rdb.XLen(ctx, s.streamKey()).Result()
		if err != nil {
			// Publish's own retries deal with an unreachable Redis.
			return nil
		}
		if n <= int64(s.maxBacklog()) {
			return nil
		}
		if !warned {
			s.log.Warn("stream backlog full; waiting for workers", "entries", n, "max", s.maxBacklog())
			warned = true
		}
		if err := sleepCtx(ctx, backoff); err != nil {
			return fmt.Errorf("redisstore: publish: waiting for the stream's backlog: %w", err)
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (s *Store) maxBacklog() int {
	if s.backlog > 0 {
		return s.backlog
	}
	return DefaultMaxBacklog
}

// Wire encoding of a post in a stream entry: a flags byte (1: has a time,
// 2: has a point), the time (8 bytes, unix ns, big-endian) and the point
// (two float64 bit patterns) when flagged, then uvarint-length-prefixed
// strings: id, text, user id, screen name, platform lang, lang, and the
// hashtag count (uvarint) followed by the hashtags. Binary rather than JSON
// so that any byte of a text (even invalid UTF-8) reaches the detector as
// the single-process pipeline would see it.
//
// Flag 4 (provenance) follows a point with its post.GeoSource byte and its
// GeoConfidence as float32 bits (4 bytes, big-endian). Flag 8 (user
// location) adds the author's profile location as one more string after
// lang, for a worker's Locator. Entries holding a post with either flag are
// version "2", which an older worker refuses instead of misreading; other
// entries stay version "1", byte for byte, so mixed versions keep working
// on streams without them.
//
// Flag 16 (user country) adds post.UserCountry, the resolver's country
// prior (a Mastodon instance's), as one more string after the user
// location; entries holding one are version "3", refused by older workers
// for the same reason.
//
// Flag 32 (URL) adds post.URL, the original's address where the source
// gives one (Mastodon, Bluesky), as one more string after the user
// country, so a worker keeps the link with the text; entries holding one
// are version "4".
const (
	wireTime    = 1
	wirePoint   = 2
	wireProv    = 4
	wireUserLoc = 8
	wireUserCC  = 16
	wireURL     = 32
)

// wireV2 reports whether p needs a version 2 entry.
func wireV2(p *post.Post) bool { return wireProvenanced(p) || p.UserLocation != "" }

// wireProvenanced reports whether p's point needs the provenance flag.
func wireProvenanced(p *post.Post) bool {
	return p.HasPoint && p.Point.Valid() && (p.GeoSource != post.GeoNone && p.GeoSource != post.GeoExact || p.GeoConfidence != 0 && p.GeoConfidence != 1)
}

func appendWirePost(b []byte, p *post.Post) []byte {
	var flags byte
	if !p.Time.IsZero() {
		flags |= wireTime
	}
	hasPoint := p.HasPoint && p.Point.Valid()
	if hasPoint {
		flags |= wirePoint
	}
	prov := wireProvenanced(p)
	if prov {
		flags |= wireProv
	}
	if p.UserLocation != "" {
		flags |= wireUserLoc
	}
	if p.UserCountry != "" {
		flags |= wireUserCC
	}
	if p.URL != "" {
		flags |= wireURL
	}
	b = append(b, flags)
	if flags&wireTime != 0 {
		b = binary.BigEndian.AppendUint64(b, uint64(store.UnixNanos(p.Time)))
	}
	if hasPoint {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(p.Point.Lat))
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(p.Point.Lon))
	}
	if prov {
		b = append(b, byte(p.GeoSource))
		b = binary.BigEndian.AppendUint32(b, math.Float32bits(p.GeoConfidence))
	}
	for _, s := range []string{p.ID, p.Text, p.UserID, p.ScreenName, p.PlatformLang, p.Lang} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	if p.UserLocation != "" {
		b = binary.AppendUvarint(b, uint64(len(p.UserLocation)))
		b = append(b, p.UserLocation...)
	}
	if p.UserCountry != "" {
		b = binary.AppendUvarint(b, uint64(len(p.UserCountry)))
		b = append(b, p.UserCountry...)
	}
	if p.URL != "" {
		b = binary.AppendUvarint(b, uint64(len(p.URL)))
		b = append(b, p.URL...)
	}
	b = binary.AppendUvarint(b, uint64(len(p.Hashtags)))
	for _, h := range p.Hashtags {
		b = binary.AppendUvarint(b, uint64(len(h)))
		b = append(b, h...)
	}
	return b
}

var errBadEntry = errors.New("redisstore: malformed stream entry")

// decodeEntry reads the posts of a stream entry's fields.
func decodeEntry(values map[string]any) ([]post.Post, error) {
	if v, _ := values["v"].(string); v != streamVersion && v != streamVersionProv && v != streamVersionPrior && v != streamVersionURL {
		return nil, fmt.Errorf("%w: version %q", errBadEntry, v)
	}
	n, err := strconv.Atoi(fmt.Sprint(values["n"]))
	if err != nil || n < 0 || n > entryPosts {
		return nil, fmt.Errorf("%w: count %v", errBadEntry, values["n"])
	}
	data, _ := values["posts"].(string)
	posts := make([]post.Post, n)
	for i := range posts {
		if data, err = readWirePost(data, &posts[i]); err != nil {
			return nil, err
		}
	}
	if data != "" {
		return nil, fmt.Errorf("%w: %d trailing bytes", errBadEntry, len(data))
	}
	return posts, nil
}

func readWirePost(d string, p *post.Post) (string, error) {
	if d == "" {
		return d, errBadEntry
	}
	flags := d[0]
	d = d[1:]
	u64 := func() (uint64, bool) {
		if len(d) < 8 {
			return 0, false
		}
		v := binary.BigEndian.Uint64([]byte(d[:8]))
		d = d[8:]
		return v, true
	}
	str := func() (string, bool) {
		n, k := binary.Uvarint([]byte(d[:min(len(d), binary.MaxVarintLen64)]))
		if k <= 0 || n > uint64(len(d)-k) {
			return "", false
		}
		s := strings.Clone(d[k : k+int(n)])
		d = d[k+int(n):]
		return s, true
	}
	if flags&wireTime != 0 {
		t, ok := u64()
		if !ok {
			return d, errBadEntry
		}
		p.Time = time.Unix(0, int64(t)).UTC()
	}
	if flags&wirePoint != 0 {
		lat, ok1 := u64()
		lon, ok2 := u64()
		if !ok1 || !ok2 {
			return d, errBadEntry
		}
		p.HasPoint, p.Point = true, post.Point{Lat: math.Float64frombits(lat), Lon: math.Float64frombits(lon)}
		p.GeoSource, p.GeoConfidence = post.GeoExact, 1
	}
	if flags&wireProv != 0 {
		if flags&wirePoint == 0 || len(d) < 5 || d[0] == byte(post.GeoNone) {
			return d, errBadEntry
		}
		p.GeoSource = post.GeoSource(d[0])
		p.GeoConfidence = math.Float32frombits(binary.BigEndian.Uint32([]byte(d[1:5])))
		d = d[5:]
	}
	for _, dst := range []*string{&p.ID, &p.Text, &p.UserID, &p.ScreenName, &p.PlatformLang, &p.Lang} {
		s, ok := str()
		if !ok {
			return d, errBadEntry
		}
		*dst = s
	}
	if flags&wireUserLoc != 0 {
		s, ok := str()
		if !ok {
			return d, errBadEntry
		}
		p.UserLocation = s
	}
	if flags&wireUserCC != 0 {
		s, ok := str()
		if !ok {
			return d, errBadEntry
		}
		p.UserCountry = s
	}
	if flags&wireURL != 0 {
		s, ok := str()
		if !ok {
			return d, errBadEntry
		}
		p.URL = s
	}
	n, k := binary.Uvarint([]byte(d[:min(len(d), binary.MaxVarintLen64)]))
	if k <= 0 || n > uint64(len(d)) {
		return d, errBadEntry
	}
	d = d[k:]
	if n > 0 {
		p.Hashtags = make([]string, n)
		for i := range p.Hashtags {
			s, ok := str()
			if !ok {
				return d, errBadEntry
			}
			p.Hashtags[i] = s
		}
	}
	return d, nil
}

// StreamStatus describes the stream and its consumer groups.
type StreamStatus struct {
	Length        int64         `json:"length"`         // entries held
	LastID        string        `json:"last_id"`        // newest entry ever added
	Groups        []GroupStatus `json:"groups"`         //
	MaxBacklog    int           `json:"max_backlog"`    // entries before Publish waits
	EntriesPosted int64         `json:"entries_posted"` // entries ever added
}

// GroupStatus is one consumer group.
type GroupStatus struct {
	Name          string `json:"name"`
	Consumers     int64  `json:"consumers"`
	Pending       int64  `json:"pending"`        // delivered, not yet acknowledged
	LastDelivered string `json:"last_delivered"` // newest entry delivered
	// CaughtUp: every entry was delivered and acknowledged.
	CaughtUp bool `json:"caught_up"`
}

// StreamStatus reports the stream's state; a missing stream is empty.
func (s *Store) StreamStatus(ctx context.Context) (StreamStatus, error) {
	if err := s.begin(ctx); err != nil {
		return StreamStatus{}, err
	}
	st := StreamStatus{MaxBacklog: s.maxBacklog()}
	info, err := s.rdb.XInfoStream(ctx, s.streamKey()).Result()
	if err != nil {
		if redis.HasErrorPrefix(err, "ERR no such key") {
			return st, nil
		}
		return st, s.queryErr("stream status", err)
	}
	st.Length, st.LastID, st.EntriesPosted = info.Length, info.LastGeneratedID, info.EntriesAdded
	groups, err := s.rdb.XInfoGroups(ctx, s.streamKey()).Result()
	if err != nil {
		return st, s.queryErr("stream status", err)
	}
	for _, g := range groups {
		st.Groups = append(st.Groups, GroupStatus{
			Name: g.Name, Consumers: g.Consumers, Pending: g.Pending, LastDelivered: g.LastDeliveredID,
			CaughtUp: g.Pending == 0 && compareIDs(g.LastDeliveredID, info.LastGeneratedID) >= 0,
		})
	}
	return st, nil
}

// compareIDs orders stream ids "ms-seq" numerically.
func compareIDs(a, b string) int {
	am, as := splitID(a)
	bm, bs := splitID(b)
	return cmp.Or(cmp.Compare(am, bm), cmp.Compare(as, bs))
}

func splitID(id string) (ms, seq uint64) {
	a, b, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(a, 10, 64)
	seq, _ = strconv.ParseUint(b, 10, 64)
	return ms, seq
}

// nextID returns the smallest stream id after id.
func nextID(id string) string {
	ms, seq := splitID(id)
	if seq == math.MaxUint64 {
		return strconv.FormatUint(ms+1, 10) + "-0"
	}
	return strconv.FormatUint(ms, 10) + "-" + strconv.FormatUint(seq+1, 10)
}
