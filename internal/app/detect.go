package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/geoheat/geoheat/internal/httpapi"
)

func runDetect(ctx context.Context, env Env, args []string) error {
	cfg, fs, err := parseFlags("detect", groupDetect, env, args, "[flags] TEXT...   (or one text per line on stdin)")
	if err != nil {
		return helpOK(err)
	}
	log, err := newLogger(env.Stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	det, err := openDetector(cfg, env, log)
	if err != nil {
		return err
	}
	texts := fs.Args()
	if len(texts) == 0 {
		sc := bufio.NewScanner(env.Stdin)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			texts = append(texts, sc.Text())
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("detect: reading stdin: %w", err)
		}
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	if !cfg.JSON {
		fmt.Fprintln(tw, "language\tmatches\ttotal\tkept\ttied at top\ttext")
	}
	for _, t := range texts {
		d := httpapi.Detect(det, cfg.Detector, t)
		if cfg.JSON {
			b, _ := json.Marshal(d)
			fmt.Fprintln(env.Stdout, string(b))
			continue
		}
		tied := make([]string, len(d.Tied))
		for i, l := range d.Tied {
			tied[i] = l.Name
		}
		kept := "no"
		if d.Kept {
			kept = "yes"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", d.Name, d.Matches, d.Total, kept, strings.Join(tied, ","), terminalSafe(t))
	}
	return tw.Flush()
}
