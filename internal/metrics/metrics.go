// Package metrics exposes geoheat's counters in the Prometheus text format.
//
// Counters the pipeline and store already keep (messages, posts, drops,
// queue lengths) are read once per scrape from their Stats snapshots, so
// ingest pays nothing for them; only the latency histograms are fed on the
// hot path, through pipeline.Observer. Everything is registered on the
// registry the caller passes in, never on the process-wide default one, so
// tests and several servers in one process do not collide.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/store"
)

// Options configures New.
type Options struct {
	// Registry receives every collector; required.
	Registry *prometheus.Registry
	// Ingest returns the pipeline's statistics; nil when this process does
	// not ingest.
	Ingest func() *pipeline.Stats
	// Store is asked for Stats on every scrape; nil leaves store gauges out.
	Store store.Querier
	// Live is the dashboard's live stream (httpapi.Live); nil when none
	// is served.
	Live   LiveStats
	Logger *slog.Logger
}

// WritesRefuser is implemented by stores that can stop taking writes
// (memstore after a failed fsync under --fsync always).
type WritesRefuser interface {
	WritesRefused() error // nil while writes are taken
}

// LiveStats is what the metrics read from the live stream at scrape time.
type LiveStats interface {
	Subscribers() int   // open streams
	DroppedSlow() int64 // streams cut off for not reading
}

// Metrics holds geoheat's collectors. It implements pipeline.Observer.
type Metrics struct {
	reg          *prometheus.Registry
	detect       prometheus.Histogram
	record       prometheus.Histogram
	recordErrors prometheus.Counter
	log          *slog.Logger

	lastErrMu sync.Mutex
	lastErr   error
	lastErrAt time.Time
}

var _ pipeline.Observer = (*Metrics)(nil)

// batchBuckets span a detect or record of one batch (up to 256 posts):
// tens of microseconds in memory to seconds for a slow disk with
// --fsync always or a struggling Redis.
var batchBuckets = prometheus.ExponentialBuckets(0.00005, 4, 10) // 50µs .. ~13s

// New registers geoheat's collectors on opts.Registry.
func New(opts Options) (*Metrics, error) {
	if opts.Registry == nil {
		return nil, errors.New("metrics: a registry is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m := &Metrics{
		reg: opts.Registry,
		log: opts.Logger,
		detect: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "geoheat_detect_batch_seconds",
			Help:    "Time a language worker took to detect one batch of posts.",
			Buckets: batchBuckets,
		}),
		record: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "geoheat_record_batch_seconds",
			Help:    "Time the store took to record one batch of posts (including the log write and, with --fsync always, the fsync).",
			Buckets: batchBuckets,
		}),
		recordErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "geoheat_store_errors_total",
			Help: "Record calls the store failed (their posts are counted as dropped with reason record_error).",
		}),
	}
	cs := []prometheus.Collector{
		m.detect, m.record, m.recordErrors,
		&snapshotCollector{ingest: opts.Ingest, store: opts.Store, live: opts.Live, log: opts.Logger},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	for _, c := range cs {
		if err := opts.Registry.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: register: %w", err)
		}
	}
	return m, nil
}

// ObserveDetect implements pipeline.Observer.
func (m *Metrics) ObserveDetect(posts int, took time.Duration) {
	m.detect.Observe(took.Seconds())
}

// ObserveRecord implements pipeline.Observer.
func (m *Metrics) ObserveRecord(posts int, took time.Duration, err error) {
	m.record.Observe(took.Seconds())
	if err != nil {
		m.recordErrors.Inc()
		m.lastErrMu.Lock()
		m.lastErr, m.lastErrAt = err, time.Now()
		m.lastErrMu.Unlock()
	}
}

// LastRecordError returns when the last Record call failed and its error,
// or a nil error. /readyz uses it: a store that fails writes (disk full, read-only
// data dir, Redis down) is not ready even while its queries answer.
func (m *Metrics) LastRecordError() (time.Time, error) {
	m.lastErrMu.Lock()
	defer m.lastErrMu.Unlock()
	return m.lastErrAt, m.lastErr
}

// Handler serves the registry in the Prometheus exposition format. A
// collector that fails is reported in the answer and the log, not fatal.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
		// A scrape must not pile up behind a slow store.
		Timeout: 10 * time.Second,
	})
}

var (
	descMessages = prometheus.NewDesc("geoheat_messages_total",
		"Raw messages read from the source.", nil, nil)
	descPosts = prometheus.NewDesc("geoheat_posts_parsed_total",
		"Messages that parsed as posts.", nil, nil)
	descRecorded = prometheus.NewDesc("geoheat_posts_recorded_total",
		"Posts recorded in the store by this process's pipeline.", nil, nil)
	descDropped = prometheus.NewDesc("geoheat_dropped_total",
		"Messages or posts not recorded, by reason: malformed (unparseable message), notice (delete, limit, ... by kind), undetected (no kept language), geo_rejected (post kept, invalid point dropped), retention (dropped by --retention or --max-posts), oversize (a file message over the size limit, skipped unread).",
		[]string{"reason", "kind"}, nil)
	descQueueLen = prometheus.NewDesc("geoheat_queue_length",
		"Items waiting on a bounded pipeline edge.", []string{"queue", "unit"}, nil)
	descQueueCap = prometheus.NewDesc("geoheat_queue_capacity",
		"Capacity of a bounded pipeline edge.", []string{"queue", "unit"}, nil)
	descWorkers = prometheus.NewDesc("geoheat_workers_alive",
		"Language detection workers running.", nil, nil)
	descSourceUp = prometheus.NewDesc("geoheat_source_up",
		"1 unless the source is in the error state.", []string{"state"}, nil)
	descHeld = prometheus.NewDesc("geoheat_store_posts",
		"Posts held by the store.", nil, nil)
	descMemory = prometheus.NewDesc("geoheat_store_memory_bytes",
		"Estimated bytes the store holds for its data.", nil, nil)
	descCold = prometheus.NewDesc("geoheat_store_cold_bytes",
		"Bytes of the store's data kept in memory-mapped files instead of on the heap (not in geoheat_store_memory_bytes).", nil, nil)
	descColdErrors = prometheus.NewDesc("geoheat_store_cold_write_errors_total",
		"Writes of cold chunks to their files that failed (the chunks stayed in memory).", nil, nil)
	descColdDamaged = prometheus.NewDesc("geoheat_store_cold_damaged",
		"1 when the check of the cold files a start from a snapshot adopted found a damaged block (restart to replay the log), else 0.", nil, nil)
	descLiveSubs = prometheus.NewDesc("geoheat_live_subscribers",
		"Open /api/live streams (dashboards watching).", nil, nil)
	descLiveDropped = prometheus.NewDesc("geoheat_live_dropped_slow_total",
		"/api/live streams cut off because the client did not take a snapshot within the write timeout.", nil, nil)
	descRefused = prometheus.NewDesc("geoheat_store_writes_refused",
		"1 when the store refuses writes (the embedded store after a failed log write, or a failed fsync with --fsync always; restart to recover).", nil, nil)
	descLocated = prometheus.NewDesc("geoheat_places_inferred_total",
		"Posts without a point that place inference located, by provenance (profile, text).", []string{"source"}, nil)
	descTagsCut = prometheus.NewDesc("geoheat_hashtags_cut_total",
		"Hashtags dropped from posts carrying more than the per-post cap.", nil, nil)
	descProfSkipped = prometheus.NewDesc("geoheat_profiles_skipped_total",
		"Posts whose author profile was too long to read (hostile or huge fields); the post is kept without it.", nil, nil)
	descSourceCounter = prometheus.NewDesc("geoheat_source_events_total",
		"A source's own counts beside the stream, by name (bluesky: profile_lookups, profile_batches, profile_errors_<kind>, profile_queue_dropped, profile_cache_hits, ...; see docs/geo.md).",
		[]string{"name"}, nil)
	descSourceGauge = prometheus.NewDesc("geoheat_source_level",
		"A source's own levels, by name (bluesky: profile_cache_entries, profile_lookups_pending).",
		[]string{"name"}, nil)
	descRepair = prometheus.NewDesc("geoheat_store_log_repair_entries",
		"Log entries cut or skipped as damaged when the store was opened (torn tail after a crash).", nil, nil)
)

// snapshotCollector turns the pipeline's and store's Stats into metrics at
// scrape time.
type snapshotCollector struct {
	ingest func() *pipeline.Stats
	store  store.Querier
	live   LiveStats
	log    *slog.Logger
}

func (c *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMessages, descPosts, descRecorded, descDropped,
		descQueueLen, descQueueCap, descWorkers, descSourceUp, descHeld, descMemory, descCold, descColdErrors, descColdDamaged, descRepair,
		descLiveSubs, descLiveDropped, descRefused, descLocated, descTagsCut, descProfSkipped, descSourceCounter, descSourceGauge} {
		ch <- d
	}
}

func (c *snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if c.ingest != nil {
		if s := c.ingest(); s != nil {
			counter(descMessages, s.Messages)
			counter(descPosts, s.Posts)
			counter(descRecorded, s.Written)
			counter(descDropped, s.Malformed, "malformed", "")
			counter(descDropped, s.Undetected, "undetected", "")
			counter(descDropped, s.GeoRejected, "geo_rejected", "")
			for kind, n := range s.Notices {
				counter(descDropped, n, "notice", kind)
			}
			for reason, n := range s.SourceDropped {
				counter(descDropped, n, reason, "")
			}
			for name, n := range s.SourceCounters {
				counter(descSourceCounter, n, name)
			}
			for name, n := range s.SourceGauges {
				gauge(descSourceGauge, float64(n), name)
			}
			for src, n := range s.Located {
				counter(descLocated, n, src)
			}
			counter(descTagsCut, s.HashtagsCut)
			counter(descProfSkipped, s.ProfileSkipped)
			for _, q := range s.Queues {
				gauge(descQueueLen, float64(q.Len), q.Name, q.Unit)
				gauge(descQueueCap, float64(q.Cap), q.Name, q.Unit)
			}
			gauge(descWorkers, float64(s.Workers.Alive))
			up := 1.0
			if s.Source.State == "error" {
				up = 0
			}
			gauge(descSourceUp, up, s.Source.State)
		}
	}
	if c.live != nil {
		gauge(descLiveSubs, float64(c.live.Subscribers()))
		counter(descLiveDropped, c.live.DroppedSlow())
	}
	if wr, ok := c.store.(WritesRefuser); ok {
		refused := 0.0
		if wr.WritesRefused() != nil {
			refused = 1
		}
		gauge(descRefused, refused)
	}
	if c.store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st, err := c.store.Stats(ctx)
		if err != nil {
			// Store gauges are left out of this scrape; /readyz says why.
			c.log.Debug("metrics: store stats", "err", err)
			return
		}
		counter(descDropped, st.Dropped, "retention", "")
		gauge(descHeld, float64(st.Posts))
		gauge(descMemory, float64(st.MemoryBytes))
		gauge(descCold, float64(st.ColdBytes))
		counter(descColdErrors, st.ColdErrors)
		damaged := 0.0
		if st.ColdDamaged != "" {
			damaged = 1
		}
		gauge(descColdDamaged, damaged)
		var repaired int64
		if r := st.LogRepair; r != nil {
			repaired = r.CutEntries + r.SkippedEntries
			if r.TornBytes > 0 {
				repaired++ // a torn tail is one partial entry
			}
		}
		gauge(descRepair, float64(repaired))
	}
}
