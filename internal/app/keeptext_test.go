package app

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/geoheat/geoheat/internal/ingest/demo/demotest"
	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
	"github.com/geoheat/geoheat/internal/twitter"
)

func TestParseKeepText(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    KeepText
		wantErr string
	}{
		{in: "1000000", want: KeepText{Posts: 1_000_000}},
		{in: "1", want: KeepText{Posts: 1}},
		{in: "24h", want: KeepText{Age: 24 * time.Hour}},
		{in: "90m", want: KeepText{Age: 90 * time.Minute}},
		{in: "off"},
		{in: "0"},
		{in: "0s"},
		{in: "-1", wantErr: "a count of posts must be 1 to"},
		{in: "99999999999", wantErr: "a count of posts must be 1 to"},
		{in: "-24h", wantErr: "must not be negative"},
		{in: "5ms", wantErr: "at least 1s"},
		{in: "1e6", wantErr: "want a count of posts"},
		{in: "lots", wantErr: "want a count of posts"},
		{in: "", wantErr: "want a count of posts"},
		{in: "24 h", wantErr: "want a count of posts"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseKeepText(tt.in)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseKeepText(%q) = %+v, %v; want error %q", tt.in, got, err, tt.wantErr)
				}
			case err != nil || got != tt.want:
				t.Errorf("ParseKeepText(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			if err == nil {
				// The value prints as something that parses back to it.
				back, err := ParseKeepText(got.String())
				if err != nil || back != got {
					t.Errorf("%+v prints %q, which parses to %+v, %v", got, got.String(), back, err)
				}
			}
		})
	}
}

// TestKeepTextFlag: serve, ingest and work (every command with the store
// flags) take --keep-text, default a million posts, from the flag or
// GEOHEAT_KEEP_TEXT; a bad value is a usage error naming the flag.
func TestKeepTextFlag(t *testing.T) {
	for _, name := range []string{"serve", "ingest", "work"} {
		_, errOut, err := run(t, context.Background(), "", name, "-h")
		if err != nil || !strings.Contains(errOut, "-keep-text") || !strings.Contains(errOut, "(default 1000000)") {
			t.Errorf("%s -h: %v, no --keep-text with its default in\n%s", name, err, errOut)
		}
		_, _, err = run(t, context.Background(), "", name, "--keep-text", "lots", "--data-dir", t.TempDir())
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "-keep-text") || !strings.Contains(err.Error(), "want a count of posts") {
			t.Errorf("%s --keep-text lots: %v, want a usage error that says what is allowed", name, err)
		}
	}
	groups := groupIngest | groupStore | groupListen
	for _, tt := range []struct {
		args []string
		env  string
		want KeepText
	}{
		{nil, "", KeepText{Posts: DefaultKeepTextPosts}},
		{[]string{"--keep-text", "24h"}, "", KeepText{Age: 24 * time.Hour}},
		{[]string{"--keep-text=off"}, "", KeepText{}},
		{nil, "5000", KeepText{Posts: 5000}},
		{[]string{"--keep-text", "2h"}, "5000", KeepText{Age: 2 * time.Hour}}, // the flag wins
	} {
		t.Setenv("GEOHEAT_KEEP_TEXT", tt.env) // empty: as if unset
		cfg, _, err := parseFlags("serve", groups, Env{Stderr: &strings.Builder{}}, tt.args, "")
		if err != nil {
			t.Fatalf("%q env %q: %v", tt.args, tt.env, err)
		}
		if cfg.KeepText != tt.want {
			t.Errorf("%q env %q: %+v, want %+v", tt.args, tt.env, cfg.KeepText, tt.want)
		}
	}
}

// TestKeepTextReachesTheStore: the store --store opens keeps what
// --keep-text says, for each store: a count keeps that many newest texts,
// a duration the texts of the posts within it of the newest, off none.
// Posts come from the demo stream, recorded as the pipeline would.
func TestKeepTextReachesTheStore(t *testing.T) {
	start := time.Date(2026, 7, 4, 14, 0, 0, 0, time.UTC)
	var posts []post.Post
	for _, m := range demotest.Messages(t, 3, start, 1500) {
		if m.Result.Kind == twitter.KindPost {
			p := m.Post
			p.Lang = cmp.Or(p.PlatformLang, "en")
			posts = append(posts, p)
		}
	}
	// The demo's clock advances 1 ms a message: its posts span ~1.5 s,
	// stamped to the second. Spread them over 1500 s instead, so a
	// duration selects a known share.
	for i := range posts {
		posts[i].Time = start.Add(time.Duration(i) * time.Second)
	}
	newest := posts[len(posts)-1].Time
	withinTen := 0
	for _, p := range posts {
		if !p.Time.Before(newest.Add(-10 * time.Minute)) {
			withinTen++
		}
	}
	srv := redistest.Start(t)
	stores := map[string]func(t *testing.T) []string{
		"redis":  func(t *testing.T) []string { return []string{"--store", srv.URL("prefix=" + redistest.Prefix(t))} },
		"memory": func(t *testing.T) []string { return []string{"--store", "memory"} },
	}
	for name, storeArgs := range stores {
		for _, tt := range []struct {
			keep string
			want int
		}{
			{"100", 100},
			{"10m", withinTen},
			{"off", 0},
			{"100000", len(posts)},
		} {
			t.Run(name+"/"+tt.keep, func(t *testing.T) {
				args := append(storeArgs(t), "--data-dir", t.TempDir(), "--keep-text", tt.keep)
				cfg, _, err := parseFlags("ingest", groupIngest|groupStore|groupSummary, Env{Stderr: io.Discard}, args, "")
				if err != nil {
					t.Fatal(err)
				}
				env := Env{Now: func() time.Time { return newest }}
				st, err := openStore(cfg, env, slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				ctx := context.Background()
				for i := 0; i < len(posts); i += 256 {
					if err := st.Record(ctx, posts[i:min(i+256, len(posts))]); err != nil {
						t.Fatal(err)
					}
				}
				res, err := st.Posts(ctx, store.PostsQuery{N: store.MaxPosts})
				if err != nil {
					t.Fatal(err)
				}
				if res.Kept != int64(tt.want) || len(res.Posts) != min(tt.want, store.MaxPosts) {
					t.Fatalf("kept %d, listed %d; want %d", res.Kept, len(res.Posts), tt.want)
				}
				if tt.want > 0 {
					// The newest post first, with what the list shows.
					p, want := res.Posts[0], posts[len(posts)-1]
					if p.ID != want.ID || p.Handle != want.ScreenName || p.Text == "" || p.URL != post.Link(want.ID, want.ScreenName, want.URL) {
						t.Errorf("newest kept %+v, want id %q handle %q", p, want.ID, want.ScreenName)
					}
				}
			})
		}
	}
}
