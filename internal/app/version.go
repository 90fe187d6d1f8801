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
	return buildinfo.Read(
		buildinfo.Part{Name: "dashboard", Probe: func() (buildinfo.Found, error) {
			files, bytes, sources, err := web.Bundle()
			return buildinfo.Found{Bytes: bytes, Files: files, Version: sources}, err
		}},
		buildinfo.Part{Name: "gazetteer", Probe: func() (buildinfo.Found, error) {
			bytes, sources, err := geo.Embedded()
			return buildinfo.Found{Bytes: bytes, Version: sources}, err
		}},
		buildinfo.Part{Name: "language models", Probe: func() (buildinfo.Found, error) {
			version, bytes, err := ngram.ModelVersion()
			return buildinfo.Found{Bytes: int64(bytes), Version: "lingua-go " + version + ", orders 1-4"}, err
		}},
	)
})
