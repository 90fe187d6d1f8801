package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/goleak"

	"github.com/geoheat/geoheat/internal/ingest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func fixedClock() time.Time { return corpusEpoch }

func corpusBytes(t *testing.T, seed uint64, n int64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := New(Options{Seed: seed, Now: fixedClock}).WriteFile(&b, n); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSameSeedSameBytesOtherSeedOtherBytes(t *testing.T) {
	a, b := corpusBytes(t, 7, 3000), corpusBytes(t, 7, 3000)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed and clock gave different output")
	}
	if c := corpusBytes(t, 8, 3000); bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same output")
	}
	if n := bytes.Count(a, []byte("\n")); n != 3000 {
		t.Fatalf("WriteFile wrote %d lines, want 3000", n)
	}
}

func TestRunStreamsWhatWriteFileWrites(t *testing.T) {
	const n = 500
	want := corpusBytes(t, 3, n)
	s := New(Options{Seed: 3, Now: fixedClock, Limit: n})
	out := make(chan ingest.Message, n)
	if err := s.Run(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	close(out)
	var got bytes.Buffer
	for m := range out {
		got.Write(m.Data)
		got.WriteByte('\n')
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatal("Run without a Rate and WriteFile differ for the same seed")
	}
}

func TestReceiverOwnsData(t *testing.T) {
	s := New(Options{Seed: 1, Now: fixedClock, Limit: 50})
	out := make(chan ingest.Message, 50)
	if err := s.Run(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	close(out)
	var msgs [][]byte
	var copies [][]byte
	for m := range out {
		msgs = append(msgs, m.Data)
		copies = append(copies, bytes.Clone(m.Data))
	}
	for i := range msgs {
		if !bytes.Equal(msgs[i], copies[i]) {
			t.Fatalf("message %d changed after it was sent", i)
		}
	}
}

func TestLimitAndProgress(t *testing.T) {
	s := New(Options{Seed: 1, Now: fixedClock, Limit: 120})
	if p := s.Progress(); p.Name != "demo" || p.Messages != 0 || !p.LastEvent.IsZero() {
		t.Fatalf("progress before Run: %+v", p)
	}
	out := make(chan ingest.Message, 200)
	if err := s.Run(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	close(out)
	var bytesSent int64
	for m := range out {
		bytesSent += int64(len(m.Data))
	}
	p := s.Progress()
	if p.Messages != 120 || p.Bytes != bytesSent || !p.LastEvent.Equal(corpusEpoch) {
		t.Fatalf("progress after 120 messages (%d bytes): %+v", bytesSent, p)
	}
}

func TestSyntheticClockAdvancesOneMillisecondPerMessage(t *testing.T) {
	data := corpusBytes(t, 5, 2000)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i, line := range []int{0, 999, 1999} {
		var m struct {
			TimestampMs string         `json:"timestamp_ms"`
			Delete      map[string]any `json:"delete"`
		}
		// Find the next well-formed post or delete at or after line.
		for j := line; j < len(lines); j++ {
			if json.Unmarshal([]byte(lines[j]), &m) == nil && (m.TimestampMs != "" || m.Delete != nil) {
				if m.Delete != nil {
					m.TimestampMs, _ = m.Delete["timestamp_ms"].(string)
				}
				want := corpusEpoch.Add(time.Duration(j) * time.Millisecond).UnixMilli()
				if m.TimestampMs != itoa(int(want)) {
					t.Errorf("check %d: message %d stamped %s, want %d", i, j, m.TimestampMs, want)
				}
				break
			}
		}
	}
}

// fakeClock is a clock that only moves when the source sleeps, so pacing
// is tested without real time passing.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	slept  time.Duration
	sleeps int
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept += d
	c.sleeps++
	return nil
}

func TestRatePacesWithTheInjectedSleep(t *testing.T) {
	clock := &fakeClock{now: corpusEpoch}
	const n = 200
	s := New(Options{Seed: 9, Rate: 100, Limit: n, Now: clock.Now, Sleep: clock.Sleep})
	out := make(chan ingest.Message, n)
	start := time.Now()
	if err := s.Run(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	close(out)
	if real := time.Since(start); real > 5*time.Second {
		t.Fatalf("Run took %v of real time: it must not sleep for real", real)
	}
	// 200 messages at 100/s: the last is due 1.99 s after the first.
	if want := 1990 * time.Millisecond; clock.slept != want || clock.sleeps != n-1 {
		t.Fatalf("slept %v in %d calls, want %v in %d", clock.slept, clock.sleeps, want, n-1)
	}
	// Each post is stamped with the (fake) time it was sent.
	i := 0
	for m := range out {
		var p struct {
			TimestampMs string `json:"timestamp_ms"`
			Text        string `json:"text"`
		}
		if json.Unmarshal(m.Data, &p) == nil && p.Text != "" {
			if want := corpusEpoch.Add(time.Duration(i) * 10 * time.Millisecond).UnixMilli(); p.TimestampMs != itoa(int(want)) {
				t.Errorf("message %d stamped %s, want %d", i, p.TimestampMs, want)
			}
		}
		i++
	}
}

func TestRateCatchesUpWithoutSleepingWhenBehind(t *testing.T) {
	// A clock that jumps ahead on every read: the source is always behind
	// schedule, so it must never sleep.
	var mu sync.Mutex
	now := corpusEpoch
	tick := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
	sleeps := 0
	s := New(Options{Seed: 1, Rate: 10, Limit: 30, Now: tick, Sleep: func(context.Context, time.Duration) error {
		sleeps++
		return nil
	}})
	out := make(chan ingest.Message, 30)
	if err := s.Run(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	if sleeps != 0 {
		t.Fatalf("slept %d times while behind schedule", sleeps)
	}
}

func TestCancelStopsPromptly(t *testing.T) {
	cases := map[string]Options{
		"unlimited, blocked receiver": {Seed: 1},
		// The 2nd message is due in 1,000 s: Run waits in the default
		// (timer) sleep, which must give way to the cancel.
		"paced, sleeping": {Seed: 1, Rate: 0.001},
	}
	for name, opts := range cases {
		t.Run(name, func(t *testing.T) {
			s := New(opts)
			out := make(chan ingest.Message) // unbuffered: sends block
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx, out) }()
			<-out // Run is going: generating, blocked on send, or sleeping
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Run returned %v, want context.Canceled", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
		})
	}
}

func TestInvalidRateMeansUnlimited(t *testing.T) {
	for _, rate := range []float64{-5, 0, math.NaN(), math.Inf(1)} {
		s := New(Options{Rate: rate, Limit: 3, Now: fixedClock, Sleep: func(context.Context, time.Duration) error {
			t.Fatalf("rate %v slept", rate)
			return nil
		}})
		out := make(chan ingest.Message, 3)
		if err := s.Run(context.Background(), out); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEscapingMatchesTheStream checks the v1.1 escaping: ASCII-only output
// (which also makes cutting a malformed message anywhere safe), surrogate
// pairs for emoji, and a lossless round trip.
func TestEscapingMatchesTheStream(t *testing.T) {
	cases := map[string]string{
		"a/b":              `a\/b`,
		`say "hi" \ ok`:    `say \"hi\" \\ ok`,
		"<a href>&":        `\u003ca href\u003e\u0026`,
		"line\nbreak\ttab": `line\nbreak\ttab`,
		"São Paulo":        `S\u00e3o Paulo`,
		"今日":               `\u4eca\u65e5`,
		"😂":                `\ud83d\ude02`,
		"🇧🇷":               `\ud83c\udde7\ud83c\uddf7`,
		"\x01":             `\u0001`,
		"İstanbul Fußball": `\u0130stanbul Fu\u00dfball`,
	}
	for in, want := range cases {
		if got := escaped(in); got != want {
			t.Errorf("escape %q = %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(`"`+escaped(in)+`"`), &back); err != nil || back != in {
			t.Errorf("escape %q does not round-trip: %q, %v", in, back, err)
		}
		if got := string(appendEscaped(nil, []byte(in))); got != want {
			t.Errorf("escape []byte %q = %s", in, got)
		}
		if !utf8.ValidString(escaped(in)) {
			t.Errorf("escape %q is not ASCII", in)
		}
	}
}

func TestTwitterTimeFormatting(t *testing.T) {
	var c timeCache
	for _, sec := range []int64{0, 1, 86399, 951782400, 1457956800, 1457956801, 1457956800 - 7200, 253402300799, -62135596800, 253402300800} {
		want := time.Unix(sec, 0).UTC().Format(twitterTimeLayout)
		if got := string(appendTwitterTime(nil, sec)); got != want {
			t.Errorf("second %d: %q, want %q", sec, got, want)
		}
		if got := string(c.append(nil, sec*1000+999)); got != want {
			t.Errorf("cached second %d: %q, want %q", sec, got, want)
		}
	}
}
