package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/geoheat/geoheat/internal/buildinfo"
)

// runVersion prints what the binary carries. It exits non-zero when
// something make build embeds is missing, so scripts and CI notice a
// half-built binary.
func runVersion(ctx context.Context, env Env, args []string) error {
	cfg, _, err := parseFlags("version", groupVersion, env, args, "[--json]")
	if err != nil {
		return helpOK(err)
	}
	info := buildinfo.Read()
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
