package bench

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/store/memstore"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	thousand := make([]time.Duration, 1000)
	for i := range thousand {
		thousand[i] = time.Duration(i+1) * time.Microsecond
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 99, 0},
		{"one", ms(7), 50, 7 * time.Millisecond},
		{"one p99", ms(7), 99, 7 * time.Millisecond},
		{"median of odd", ms(1, 2, 3), 50, 2 * time.Millisecond},
		{"median of even is the lower", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of fewer than 100 is the max", ms(1, 2, 3, 4, 50), 99, 50 * time.Millisecond},
		{"p99 of 100", hundred, 99, 99 * time.Millisecond},
		{"p100 of 100", hundred, 100, 100 * time.Millisecond},
		{"p50 of 100", hundred, 50, 50 * time.Millisecond},
		{"p1 of 100", hundred, 1, time.Millisecond},
		{"p99 of 1000", thousand, 99, 990 * time.Microsecond},
		{"p99.9 of 1000", thousand, 99.9, 999 * time.Microsecond},
		{"tiny p is the min", thousand, 0.0001, time.Microsecond},
	} {
		if got := Percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("%s: Percentile(p=%v) = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
}

func TestRecorderSummary(t *testing.T) {
	r := NewRecorder()
	// Added out of order and from several goroutines: Summary sorts.
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			for i := 25; i >= 1; i-- {
				r.Add("b", time.Duration(g*25+i)*time.Millisecond)
			}
			done <- struct{}{}
		}()
	}
	for range 4 {
		<-done
	}
	r.Add("a", time.Second)
	r.Fail("a")
	r.Fail("c")
	s := r.Summary()
	if len(s) != 3 || s[0].Name != "b" || s[1].Name != "a" || s[2].Name != "c" {
		t.Fatalf("names/order: %+v", s)
	}
	if s[0].N != 100 || s[0].P50 != 50*time.Millisecond || s[0].P99 != 99*time.Millisecond || s[0].Max != 100*time.Millisecond {
		t.Errorf("b: %+v", s[0])
	}
	if s[1].Errors != 1 || s[1].P99 != time.Second || s[2].N != 0 || s[2].Errors != 1 {
		t.Errorf("a, c: %+v %+v", s[1], s[2])
	}
	if r.Errors() != 2 {
		t.Errorf("Errors() = %d", r.Errors())
	}
}

func TestTables(t *testing.T) {
	rows := []Row{
		{Scenario: "ingest", MsgPerSec: 123456, MBPerSec: 350, Stages: []Stage{{"read", 600, 0}, {"parse", 6000, 2.3}}, RSSBytes: 150 << 20, Load: "1.2"},
		{Scenario: "query", Latencies: []Latency{{Name: "top", P50: 120 * time.Microsecond, P99: 3200 * time.Microsecond}}, Note: "a|b"},
	}
	var text, md bytes.Buffer
	if err := PrintTable(&text, rows); err != nil {
		t.Fatal(err)
	}
	PrintMarkdown(&md, rows)
	for _, want := range []string{"123456", "read 600/0.0, parse 6000/2.3", "150 MB", "top 120µs/3.20ms"} {
		if !strings.Contains(text.String(), want) || !strings.Contains(md.String(), want) {
			t.Errorf("%q missing:\n%s\n%s", want, text.String(), md.String())
		}
	}
	lines := strings.Split(strings.TrimSpace(md.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("markdown has %d lines:\n%s", len(lines), md.String())
	}
	// The note's pipe is escaped, so every line has the header's columns.
	for _, l := range lines {
		if n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); n != len(header)+1 {
			t.Errorf("line has %d pipes: %s", n, l)
		}
	}
	// Unmeasured numbers print as a dash, never as 0.
	if !strings.Contains(lines[3], "| – | – |") {
		t.Errorf("query row: %s", lines[3])
	}
}

func TestReadMem(t *testing.T) {
	m, err := ReadMem("self")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	if m.RSS <= 0 || m.Peak < m.RSS {
		t.Errorf("RSS %d, peak %d", m.RSS, m.Peak)
	}
	// Allocating and touching 64 MB raises RSS by about that much.
	b := make([]byte, 64<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	m2, _ := ReadMem("self")
	if m2.RSS-m.RSS < 32<<20 {
		t.Errorf("RSS grew by %d after touching 64 MB", m2.RSS-m.RSS)
	}
	b[len(b)-1] = 2
}

func TestCorpusIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	n1, err := WriteCorpus(dir+"/a.jsonl", 500, 3)
	if err != nil {
		t.Fatal(err)
	}
	n2, _ := WriteCorpus(dir+"/b.jsonl", 500, 3)
	a, _, _ := ReadLines(dir + "/a.jsonl")
	b, _, _ := ReadLines(dir + "/b.jsonl")
	if n1 != n2 || len(a) != 500 || len(b) != 500 {
		t.Fatalf("sizes %d %d, lines %d %d", n1, n2, len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("line %d differs", i)
		}
	}
	if avg := n1 / 500; avg < 1000 || avg > 8000 {
		t.Errorf("average message %d bytes: not the demo's raw v1.1 messages", avg)
	}
	if err := LoopDir(dir+"/loop", dir+"/a.jsonl", 3); err != nil {
		t.Fatal(err)
	}
}

// TestFillQueryAndLoad fills a real memstore from generated posts, serves
// the real API over it and runs a short load: every query answers, the
// latencies are positive, and the clients see no errors.
func TestFillQueryAndLoad(t *testing.T) {
	ctx := context.Background()
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pool := syntheticPool(300)
	if _, err := Fill(ctx, st, pool, 5000, time.Now(), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	stats, _ := st.Stats(ctx)
	if stats.Posts != 5000 || stats.Points == 0 || stats.Hashtags == 0 {
		t.Fatalf("store stats %+v", stats)
	}
	lat, err := TimeDirect(ctx, st, DashboardQueries(), 5)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ServeAPI(st)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	viaHTTP, err := TimeHTTP(ctx, srv.URL, DashboardQueries(), 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range append(lat, viaHTTP...) {
		if l.N != 5 || l.P50 <= 0 || l.P99 < l.P50 {
			t.Errorf("%+v", l)
		}
	}
	lctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancel()
	res := RunLoad(lctx, LoadOptions{Base: srv.URL, Clients: 10, Interval: 50 * time.Millisecond})
	if res.Errors != 0 || res.Requests < 30 {
		t.Errorf("load: %+v", res)
	}
}

// TestRandomViewsAreValid sends random views to the real API over a store
// holding a little: every one must be a request the API answers (a 400
// would count as a load test error that the server did not cause).
func TestRandomViewsAreValid(t *testing.T) {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := ServeAPI(st)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rng := rand.New(rand.NewPCG(1, 1))
	kinds := map[string]int{}
	c := &http.Client{Timeout: 10 * time.Second}
	for range 300 {
		v := RandomView(rng)
		kinds[v.Name]++
		if err := Get(context.Background(), c, srv.URL+v.Path); err != nil {
			t.Fatalf("%s: %v", v.Path, err)
		}
	}
	if len(kinds) != 3 {
		t.Errorf("views of kinds %v, want heat, top and histogram", kinds)
	}
}
