// Package eval measures language detectors on labelled texts: accuracy,
// the share left undetermined, per-language results, confusions and speed
// on one core. `geoheat langid eval` drives it; the shared data's sentence
// set and real tweets (with Twitter's own labels) are its usual inputs.
package eval

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/geoheat/geoheat/internal/bench"
	"github.com/geoheat/geoheat/internal/ingest/file"
	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/langid/platform"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/twitter"
)

// LinguaRowsPrefix marks the rows of sentences.tsv that come from lingua's
// own test data; they are reported apart, since a detector trained
// alongside them is flattered there.
const LinguaRowsPrefix = "pemistahl/lingua-rs"

// row is one labelled text.
type row struct {
	gold  string // canonical key (langid.Lookup), or the label as given
	text  string
	tag   string // the platform's tag, for platform/auto
	group int    // index into Set.groups
}

// Set is one input file's labelled texts, in groups reported apart.
type Set struct {
	name   string
	groups []string
	rows   []row
}

// Load reads a set: FILE.tsv (iso639_1<TAB>text[<TAB>source] rows; rows
// whose source starts with LinguaRowsPrefix form their own group), or
// tweets:FILE (raw v1.1 messages, each labelled by its own lang tag; und,
// zxx and X's q* codes skipped). Either may be compressed.
func Load(arg string) (Set, error) {
	if path, ok := strings.CutPrefix(arg, "tweets:"); ok {
		return loadTweetSet(path)
	}
	return loadTSVSet(arg)
}

// canonicalLang maps a label to geoheat's key ("nb" -> "no", "in" -> "id")
// so that gold labels and answers compare equal whatever their spelling.
func canonicalLang(code string) string {
	if l, ok := langid.Lookup(code); ok {
		return l.Key()
	}
	return strings.ToLower(code)
}

func loadTSVSet(path string) (Set, error) {
	r, err := file.Open(path)
	if err != nil {
		return Set{}, fmt.Errorf("langid eval: %w", err)
	}
	defer r.Close()
	set := Set{name: path, groups: []string{"all"}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	hasSource := false
	for sc.Scan() {
		line++
		fields := strings.Split(sc.Text(), "\t")
		if line == 1 && len(fields) >= 2 && fields[0] == "iso639_1" {
			continue // header
		}
		if len(fields) < 2 || fields[0] == "" {
			return Set{}, fmt.Errorf("langid eval: %s:%d: want iso639_1<TAB>text[<TAB>source]", path, line)
		}
		row := row{gold: canonicalLang(fields[0]), text: fields[1]}
		if len(fields) >= 3 {
			hasSource = true
			if strings.HasPrefix(fields[2], LinguaRowsPrefix) {
				row.group = 1
			}
		}
		set.rows = append(set.rows, row)
	}
	if err := sc.Err(); err != nil {
		return Set{}, fmt.Errorf("langid eval: %s: %w", path, err)
	}
	if hasSource {
		set.groups = []string{"other sources", "lingua test data"}
	}
	return set, nil
}

func loadTweetSet(path string) (Set, error) {
	r, err := file.Open(path)
	if err != nil {
		return Set{}, fmt.Errorf("langid eval: %w", err)
	}
	defer r.Close()
	set := Set{name: "tweets:" + path, groups: []string{"tweets"}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	p := twitter.NewParser()
	for sc.Scan() {
		var ps post.Post
		res, _ := p.Parse(sc.Bytes(), &ps)
		if res.Kind != twitter.KindPost {
			continue
		}
		gold, ok := platform.Key(ps.PlatformLang)
		if !ok {
			continue // und, zxx, q*: the label names no language
		}
		set.rows = append(set.rows, row{gold: gold, text: ps.Text, tag: ps.PlatformLang})
	}
	if err := sc.Err(); err != nil {
		return Set{}, fmt.Errorf("langid eval: %s: %w", path, err)
	}
	return set, nil
}

// Report is one detector's results on every set.
type Report struct {
	Detector     string  `json:"detector"`
	LoadSeconds  float64 `json:"load_seconds"`
	ModelHeapMB  float64 `json:"model_heap_mb"` // Go heap held after loading, measured after GC
	ProcessRSSMB float64 `json:"process_rss_mb,omitempty"`
	Sets         []Stats `json:"sets"`
}

// Stats are the results on one group of one set.
type Stats struct {
	Set   string `json:"set"`
	Group string `json:"group"`
	Texts int    `json:"texts"`
	// Correct counts answers equal to the label, confident or not.
	Correct int `json:"correct"`
	// Und counts answers that are not kept (the pipeline records them as
	// undetected); CorrectKept the kept answers equal to the label.
	Und         int     `json:"und"`
	CorrectKept int     `json:"correct_kept"`
	Accuracy    float64 `json:"accuracy"`      // Correct / Texts
	UndShare    float64 `json:"und_share"`     // Und / Texts
	KeptPrecise float64 `json:"kept_accuracy"` // CorrectKept / (Texts - Und)
	// All is CorrectKept / Texts: what reaches the map under the right
	// language, an undetermined text counting as a miss.
	All      float64 `json:"all"`
	AvgBytes float64 `json:"avg_bytes"`
	// TextsPerSec is detections per second on one core: the loop runs with
	// GOMAXPROCS=1 (lingua-go starts goroutines per text), wall clock.
	TextsPerSec float64     `json:"texts_per_s_per_core"`
	PerLanguage []Language  `json:"per_language"`
	PerLength   []Length    `json:"per_length"`
	Confusions  []Confusion `json:"confusions"`
}

// Length is the results on the texts of one length bucket.
type Length struct {
	Bucket   string  `json:"bucket"` // text length in bytes, as given
	Texts    int     `json:"texts"`
	Accuracy float64 `json:"accuracy"`
	UndShare float64 `json:"und_share"`
}

// lengthBuckets are the upper bounds (exclusive, bytes) of the length
// buckets; the last bucket is open.
var lengthBuckets = []struct {
	max  int
	name string
}{{20, "<20 B"}, {50, "20-49 B"}, {100, "50-99 B"}, {200, "100-199 B"}, {1 << 62, ">=200 B"}}

type Language struct {
	Lang     string  `json:"lang"`
	Name     string  `json:"name"`
	Texts    int     `json:"texts"`
	Accuracy float64 `json:"accuracy"`
	UndShare float64 `json:"und_share"`
}

type Confusion struct {
	Gold  string `json:"gold"`
	Got   string `json:"got"` // "" when the detector had no answer at all
	Count int    `json:"count"`
}

// Evaluate opens a detector with open (timing it and weighing what it
// adds to the heap) and runs it over every group of every set.
func Evaluate(ctx context.Context, name string, open func() (langid.Detector, error), sets []Set) (Report, error) {
	rep := Report{Detector: name}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	det, err := open()
	if err != nil {
		return rep, err
	}
	rep.LoadSeconds = time.Since(start).Seconds()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	rep.ModelHeapMB = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / (1 << 20)
	if m, err := bench.ReadMem("self"); err == nil {
		rep.ProcessRSSMB = float64(m.RSS) / (1 << 20)
	}
	postDet, withTag := det.(langid.PostDetector)
	detect := func(r *row) langid.Result {
		if withTag && r.tag != "" {
			return postDet.DetectPost(r.text, r.tag)
		}
		return det.Detect(r.text)
	}

	for _, set := range sets {
		for g, group := range set.groups {
			var rows []*row
			for i := range set.rows {
				if set.rows[i].group == g {
					rows = append(rows, &set.rows[i])
				}
			}
			if len(rows) == 0 {
				continue
			}
			st, err := evalGroup(ctx, rows, detect)
			if err != nil {
				return rep, err
			}
			st.Set, st.Group = set.name, group
			rep.Sets = append(rep.Sets, st)
		}
	}
	runtime.KeepAlive(det)
	return rep, nil
}

func evalGroup(ctx context.Context, rows []*row, detect func(*row) langid.Result) (Stats, error) {
	st := Stats{Texts: len(rows)}
	type langCount struct{ texts, correct, und int }
	perLang := map[string]*langCount{}
	perLen := make([]langCount, len(lengthBuckets))
	confusions := map[[2]string]int{}
	bytes := 0
	answers := make([]langid.Result, len(rows))

	prev := runtime.GOMAXPROCS(1)
	start := time.Now()
	for i, r := range rows {
		if i%1024 == 0 && ctx.Err() != nil {
			runtime.GOMAXPROCS(prev)
			return st, ctx.Err()
		}
		answers[i] = detect(r)
	}
	elapsed := time.Since(start)
	// Fast detectors finish a small set in milliseconds: repeat the loop
	// until a second has passed so that the rate is not timer noise.
	passes := 1
	for elapsed < time.Second {
		for _, r := range rows {
			detect(r)
		}
		passes++
		elapsed = time.Since(start)
	}
	runtime.GOMAXPROCS(prev)
	st.TextsPerSec = float64(passes*len(rows)) / elapsed.Seconds()

	for i, r := range rows {
		res := answers[i]
		got := canonicalLang(res.Lang)
		if res.Lang == "" {
			got = ""
		}
		bytes += len(r.text)
		b := 0
		for len(r.text) >= lengthBuckets[b].max {
			b++
		}
		perLen[b].texts++
		if !res.Kept {
			perLen[b].und++
		}
		if got == r.gold {
			perLen[b].correct++
		}
		lc := perLang[r.gold]
		if lc == nil {
			lc = &langCount{}
			perLang[r.gold] = lc
		}
		lc.texts++
		if !res.Kept {
			st.Und++
			lc.und++
		}
		if got == r.gold {
			st.Correct++
			lc.correct++
			if res.Kept {
				st.CorrectKept++
			}
		} else {
			confusions[[2]string{r.gold, got}]++
		}
	}
	n := float64(st.Texts)
	st.Accuracy = float64(st.Correct) / n
	st.UndShare = float64(st.Und) / n
	if kept := st.Texts - st.Und; kept > 0 {
		st.KeptPrecise = float64(st.CorrectKept) / float64(kept)
	}
	st.AvgBytes = float64(bytes) / n
	st.All = float64(st.CorrectKept) / n
	for b, lc := range perLen {
		if lc.texts > 0 {
			st.PerLength = append(st.PerLength, Length{Bucket: lengthBuckets[b].name, Texts: lc.texts,
				Accuracy: float64(lc.correct) / float64(lc.texts), UndShare: float64(lc.und) / float64(lc.texts)})
		}
	}
	for code, lc := range perLang {
		st.PerLanguage = append(st.PerLanguage, Language{
			Lang: code, Name: langid.Describe(code).Name, Texts: lc.texts,
			Accuracy: float64(lc.correct) / float64(lc.texts), UndShare: float64(lc.und) / float64(lc.texts),
		})
	}
	sort.Slice(st.PerLanguage, func(i, j int) bool { return st.PerLanguage[i].Lang < st.PerLanguage[j].Lang })
	for k, c := range confusions {
		st.Confusions = append(st.Confusions, Confusion{Gold: k[0], Got: k[1], Count: c})
	}
	sort.Slice(st.Confusions, func(i, j int) bool {
		a, b := st.Confusions[i], st.Confusions[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Gold+"/"+a.Got < b.Gold+"/"+b.Got
	})
	return st, nil
}

// Print writes the report as the table `geoheat langid eval` shows.
func (rep Report) Print(w io.Writer) {
	fmt.Fprintf(w, "== %s: loaded in %.1f s, model heap %.0f MB, process RSS %.0f MB\n",
		rep.Detector, rep.LoadSeconds, rep.ModelHeapMB, rep.ProcessRSSMB)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "set\tgroup\ttexts\taccuracy\tund\tkept accuracy\tall\ttexts/s/core\tavg bytes\t")
	for _, st := range rep.Sets {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f %%\t%.2f %%\t%.2f %%\t%.2f %%\t%.0f\t%.0f\t\n", st.Set, st.Group, st.Texts,
			100*st.Accuracy, 100*st.UndShare, 100*st.KeptPrecise, 100*st.All, st.TextsPerSec, st.AvgBytes)
	}
	fmt.Fprintln(w, "(accuracy: the answer, kept or not; und: not kept, recorded as undetected; kept accuracy: of the kept answers; all: kept and right, over all texts)")
	tw.Flush()
	for _, st := range rep.Sets {
		fmt.Fprintf(w, "\n%s, %s: per language (accuracy, und)\n", st.Set, st.Group)
		var line []string
		for _, l := range st.PerLanguage {
			line = append(line, fmt.Sprintf("%s %d %.0f%% %.0f%%", l.Lang, l.Texts, 100*l.Accuracy, 100*l.UndShare))
		}
		printWrapped(w, line)
		fmt.Fprintf(w, "%s, %s: per length (texts, accuracy, und)\n", st.Set, st.Group)
		line = line[:0]
		for _, l := range st.PerLength {
			line = append(line, fmt.Sprintf("%s %d %.1f%% %.1f%%", l.Bucket, l.Texts, 100*l.Accuracy, 100*l.UndShare))
		}
		printWrapped(w, line)
		fmt.Fprintf(w, "%s, %s: main confusions (label>answer)\n", st.Set, st.Group)
		line = line[:0]
		for i, c := range st.Confusions {
			if i == 15 {
				break
			}
			got := c.Got
			if got == "" {
				got = "none"
			}
			line = append(line, fmt.Sprintf("%s>%s %d", c.Gold, got, c.Count))
		}
		printWrapped(w, line)
	}
	fmt.Fprintln(w)
}

func printWrapped(w io.Writer, items []string) {
	width := 0
	fmt.Fprint(w, " ")
	for _, it := range items {
		if width+len(it) > 100 {
			fmt.Fprint(w, "\n ")
			width = 0
		}
		fmt.Fprint(w, " ", it, ",")
		width += len(it) + 2
	}
	fmt.Fprintln(w)
}
