package app

import (
	"strings"
	"testing"
)

func TestParseCheckpoint(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    int64
		wantErr string
	}{
		{in: "off"},
		{in: ""},
		{in: "1GiB", want: 1 << 30},
		{in: "512MB", want: 512_000_000},
		{in: "1MiB", want: 1 << 20},
		{in: "2 GiB", want: 2 << 30},
		{in: "1KiB", wantErr: "from 1MiB"},
		{in: "0", wantErr: "from 1MiB"},
		{in: "2PiB", wantErr: "from 1MiB"},
		{in: "-1GiB", wantErr: "want off or a size"},
		{in: "lots", wantErr: "want off or a size"},
		{in: "on", wantErr: "want off or a size"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCheckpoint(tt.in)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseCheckpoint(%q) = %d, %v; want error %q", tt.in, got, err, tt.wantErr)
				}
			case err != nil || got != tt.want:
				t.Errorf("ParseCheckpoint(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}
