package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/langid/eval"
)

func runLangid(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && args[0] == "eval" {
		return runLangidEval(ctx, env, args[1:])
	}
	fmt.Fprintln(env.Stderr, "Usage: geoheat langid eval [flags] FILE.tsv | tweets:FILE.jsonl.gz ...   (geoheat langid eval -h for its flags)")
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return nil
	}
	return fmt.Errorf("%w: unknown langid subcommand %q: want eval", ErrUsage, args[0])
}

func runLangidEval(ctx context.Context, env Env, args []string) error {
	cfg, fs, err := parseFlags("langid eval", groupDetect, env, args,
		"[--detector ngram,stopwords,lingua-high,...] FILE.tsv | tweets:FILE.jsonl.gz ...\n\n"+
			"FILE.tsv rows are iso639_1<TAB>text[<TAB>source]; rows whose source starts with "+eval.LinguaRowsPrefix+"\n"+
			"are reported apart. tweets:FILE reads raw v1.1 messages (JSON lines, .gz ok) and uses each\n"+
			"tweet's own lang label, skipping und, zxx and X's special q* codes. --detector takes a\n"+
			"comma-separated list, including the baselines lingua-high and lingua-low (lingua-go; in a\n"+
			"binary built with -tags lingua: make eval-tools builds bin/geoheat-lingua).")
	if err != nil {
		return helpOK(err)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: langid eval: give a FILE.tsv or tweets:FILE.jsonl.gz", ErrUsage)
	}
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	var sets []eval.Set
	for _, arg := range fs.Args() {
		set, err := eval.Load(arg)
		if err != nil {
			return err
		}
		sets = append(sets, set)
	}
	var reports []eval.Report
	for _, name := range strings.Split(cfg.Detector, ",") {
		name = strings.TrimSpace(name)
		open, baseline, err := eval.Baseline(name)
		if err != nil {
			return err
		}
		if !baseline {
			open = func() (langid.Detector, error) {
				c := *cfg
				c.Detector = name
				return openDetector(&c, env, log)
			}
		}
		rep, err := eval.Evaluate(ctx, name, open, sets)
		if err != nil {
			return err
		}
		if cfg.JSON {
			reports = append(reports, rep)
		} else {
			rep.Print(env.Stdout)
		}
	}
	if cfg.JSON {
		b, err := json.MarshalIndent(reports, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
		return err
	}
	return nil
}
