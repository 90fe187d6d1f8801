// Command geoheat turns live social-media streams into up-to-the-minute
// analyses: which hashtags each language uses, and where posts come from.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/geoheat/geoheat/internal/app"
	"github.com/mattn/go-isatty"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first Ctrl-C geoheat drains its queues; a second one
		// kills it the default way.
		<-ctx.Done()
		stop()
	}()
	env := app.Env{
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		IsTerminal: isatty.IsTerminal(os.Stderr.Fd()),
	}
	err := app.Run(ctx, env, os.Args[1:])
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "geoheat:", err)
	if errors.Is(err, app.ErrUsage) {
		os.Exit(2)
	}
	os.Exit(1)
}
