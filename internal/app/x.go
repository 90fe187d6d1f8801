package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/geoheat/geoheat/internal/ingest"
	"github.com/geoheat/geoheat/internal/ingest/jetstream"
	"github.com/geoheat/geoheat/internal/ingest/mastodon"
	"github.com/geoheat/geoheat/internal/ingest/xapi"
)

// Environment variables holding live-source credentials. They are read
// here and passed on; nothing logs them.
const (
	envXBearerToken  = "X_BEARER_TOKEN"
	envMastodonToken = "MASTODON_TOKEN"
)

// isLiveSource reports whether a --source names a live source.
func isLiveSource(spec string) bool {
	return strings.HasPrefix(spec, "x:") || spec == "bluesky" || spec == "mastodon" || strings.HasPrefix(spec, "mastodon:")
}

// openLiveSource builds x:filtered, x:sample, bluesky and
// mastodon[:local|:public|:hashtag:TAG] from the configuration.
func openLiveSource(cfg *Config, env Env, spec string) (ingest.Source, error) {
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	switch {
	case spec == "x:filtered" || spec == "x:sample":
		src, err := xapi.New(xapi.Options{
			Stream:  strings.TrimPrefix(spec, "x:"),
			BaseURL: cfg.XBaseURL,
			Token:   env.Getenv(envXBearerToken),
			Logger:  log,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: --source %s: %v", ErrUsage, spec, err)
		}
		return src, nil
	case strings.HasPrefix(spec, "x:"):
		return nil, fmt.Errorf("%w: unknown --source %q: want x:filtered or x:sample", ErrUsage, spec)
	case spec == "bluesky":
		// The cursor lives next to the store's files so that a restart
		// with the same --data-dir resumes where the last run stopped.
		var dict []byte
		if cfg.JetstreamZstdDict != "" {
			if dict, err = os.ReadFile(cfg.JetstreamZstdDict); err != nil {
				return nil, fmt.Errorf("%w: --jetstream-zstd-dict: %v", ErrUsage, err)
			}
		}
		src, err := jetstream.New(jetstream.Options{
			Hosts:    strings.Split(cfg.JetstreamURL, ","),
			DataDir:  cfg.DataDir,
			Logger:   log,
			ZstdDict: dict,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: --source bluesky: %v", ErrUsage, err)
		}
		return src, nil
	case spec == "mastodon" || strings.HasPrefix(spec, "mastodon:"):
		src, err := mastodon.New(mastodon.Options{
			Instance: cfg.MastodonURL,
			Stream:   strings.TrimPrefix(strings.TrimPrefix(spec, "mastodon"), ":"),
			Token:    env.Getenv(envMastodonToken),
			Logger:   log,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: --source %s: %v", ErrUsage, spec, err)
		}
		return src, nil
	}
	return nil, fmt.Errorf("%w: --source %s is not available in this build yet", ErrUsage, spec)
}

const xRulesSynopsis = `rules list | rules add VALUE [TAG] | rules delete ID...

Manage the X API v2 filtered stream's rules (--source x:filtered). The
bearer token comes from $X_BEARER_TOKEN. Example:
  geoheat x rules add 'has:geo (lang:es OR lang:pt)' iberia`

// runX is `geoheat x rules list|add|delete`.
func runX(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "rules" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintf(env.Stdout, "Usage: geoheat x %s\n", xRulesSynopsis)
			return nil
		}
		return fmt.Errorf("%w: usage: geoheat x %s", ErrUsage, xRulesSynopsis)
	}
	cfg, fs, err := parseFlags("x", groupX, env, args[1:], xRulesSynopsis)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fmt.Errorf("%w: geoheat x rules: want list, add or delete", ErrUsage)
	}
	rules, err := xapi.NewRules(cfg.XBaseURL, env.Getenv(envXBearerToken), nil)
	if err != nil {
		return fmt.Errorf("%w: geoheat x rules: %v", ErrUsage, err)
	}
	switch op, operands := rest[0], rest[1:]; op {
	case "list":
		if len(operands) != 0 {
			return fmt.Errorf("%w: geoheat x rules list takes no arguments", ErrUsage)
		}
		list, err := rules.List(ctx)
		if err != nil {
			return err
		}
		printRules(env, list)
	case "add":
		if len(operands) < 1 || len(operands) > 2 || operands[0] == "" {
			return fmt.Errorf("%w: geoheat x rules add VALUE [TAG]", ErrUsage)
		}
		r := xapi.Rule{Value: operands[0]}
		if len(operands) == 2 {
			r.Tag = operands[1]
		}
		added, err := rules.Add(ctx, r)
		if err != nil {
			return err
		}
		printRules(env, added)
	case "delete":
		if len(operands) == 0 {
			return fmt.Errorf("%w: geoheat x rules delete ID...", ErrUsage)
		}
		if err := rules.Delete(ctx, operands...); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "deleted %d rule(s)\n", len(operands))
	default:
		return fmt.Errorf("%w: geoheat x rules %q: want list, add or delete", ErrUsage, op)
	}
	return nil
}

func printRules(env Env, list []xapi.Rule) {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTAG\tVALUE")
	for _, r := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Tag, r.Value)
	}
	tw.Flush()
}
