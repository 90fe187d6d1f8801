package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/geoheat/geoheat/internal/ingest/xapi"
)

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
