package jetstream

import (
	"errors"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// Jetstream's compressed mode (compress=true, or the Socket-Encoding: zstd
// header) sends each event as one binary websocket frame: a zstd frame
// compressed against Jetstream's own dictionary, whose ID is written in
// every frame header. Without that dictionary the frames cannot be read,
// so compression is only requested when the operator supplies it
// (--jetstream-zstd-dict): the dictionary is Jetstream's published file,
// not something this project ships.

// frameDecoder decodes compressed frames. It is used by one connection
// goroutine at a time.
type frameDecoder struct {
	dec *zstd.Decoder
}

// errNoDictionary is returned for a dictionary that zstd cannot load.
var errNoDictionary = errors.New("jetstream: zstd dictionary is empty")

// newFrameDecoder loads dict (a zstd dictionary in the RFC 8878 format, as
// Jetstream publishes it).
func newFrameDecoder(dict []byte) (*frameDecoder, error) {
	if len(dict) == 0 {
		return nil, errNoDictionary
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderDicts(dict),
		// One goroutine decodes; the default would start one per CPU.
		zstd.WithDecoderConcurrency(1),
		// A frame claiming a huge window or content size is refused before
		// any memory is taken for it: events are a few KB, and the
		// uncompressed read limit applies to the output as well.
		zstd.WithDecoderMaxMemory(maxFrame),
		zstd.WithDecoderMaxWindow(maxFrame),
	)
	if err != nil {
		return nil, fmt.Errorf("jetstream: zstd dictionary: %w", err)
	}
	return &frameDecoder{dec: dec}, nil
}

// decode returns the event a compressed frame carries, in a new slice (the
// pipeline owns what it is sent).
func (d *frameDecoder) decode(frame []byte) ([]byte, error) {
	out, err := d.dec.DecodeAll(frame, nil)
	if err != nil {
		return nil, fmt.Errorf("jetstream: compressed frame: %w", err)
	}
	if len(out) > maxFrame {
		return nil, fmt.Errorf("jetstream: compressed frame: %d bytes decoded, over the %d limit", len(out), maxFrame)
	}
	return out, nil
}

func (d *frameDecoder) close() { d.dec.Close() }
