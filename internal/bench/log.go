package bench

import (
	"io"
	"log/slog"
)

// discardLogger keeps the API's logging out of the table.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func ioReadFull(r io.Reader, b []byte) (int, error) { return io.ReadFull(r, b) }
