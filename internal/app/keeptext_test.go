package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
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
