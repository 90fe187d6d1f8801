package ngram

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"sort"
)

// This file reads lingua-go's n-gram models from the module's own files
// (language-models/<iso639-1>/<order>s.pb.bin.zip in the module directory
// that `go mod download` reports), for the build-time generator
// (internal/tools/ngrammodel). Nothing here runs in the product binary: it
// loads the tables the generator wrote (modelfile.go).

const linguaDir = "language-models"

var orderFileNames = [...]string{1: "unigrams", 2: "bigrams", 3: "trigrams", 4: "quadrigrams", 5: "fivegrams"}

// errModelLayout means lingua-go's model files are not where or what this
// package expects (a lingua-go version other than the one in go.sum).
var errModelLayout = errors.New("ngram: unexpected lingua-go model layout")

// linguaLanguages lists the ISO 639-1 codes lingua-go has models for,
// sorted.
func linguaLanguages(src fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(src, linguaDir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errModelLayout, err)
	}
	var codes []string
	for _, e := range entries {
		if e.IsDir() {
			codes = append(codes, e.Name())
		}
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("%w: no languages", errModelLayout)
	}
	sort.Strings(codes)
	return codes, nil
}

// readLinguaModel calls fn for every n-gram of one language and order with
// its probability (for order 1 the letter's frequency, for longer n-grams
// the probability of the last letter given the ones before it). It reports
// false, without error, when lingua-go has no model of that order for the
// language (languages with a script of their own only have unigrams).
//
// The n-gram passed to fn aliases the decompressed model: fn must not keep it.
func readLinguaModel(src fs.FS, code string, order int, fn func(ngram []byte, prob float64)) (bool, error) {
	name := fmt.Sprintf("%s/%s/%s.pb.bin.zip", linguaDir, code, orderFileNames[order])
	zipped, err := fs.ReadFile(src, name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("%w: %s: %v", errModelLayout, name, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil || len(zr.File) != 1 {
		return false, fmt.Errorf("%w: %s: not a one-file zip (%v)", errModelLayout, name, err)
	}
	f, err := zr.File[0].Open()
	if err != nil {
		return false, fmt.Errorf("%w: %s: %v", errModelLayout, name, err)
	}
	defer f.Close()
	raw, err := io.ReadAll(f)
	if err != nil {
		return false, fmt.Errorf("%w: %s: %v", errModelLayout, name, err)
	}
	if err := decodeModel(raw, fn); err != nil {
		return false, fmt.Errorf("%w: %s: %v", errModelLayout, name, err)
	}
	return true, nil
}

// decodeModel walks lingua's protobuf SerializableLanguageModel by hand:
// field 4 holds ngram sets, each a probability (field 1, double) shared by
// its ngrams (field 2, repeated string). Decoding in place avoids building
// lingua's map[string]float64 per model, which would cost several seconds
// and gigabytes of garbage for the whole set.
func decodeModel(b []byte, fn func([]byte, float64)) error {
	return protoFields(b, func(field, wire int, b []byte) ([]byte, bool, error) {
		if field != 4 || wire != 2 {
			return nil, false, nil
		}
		set, rest, err := protoBytes(b)
		if err != nil {
			return nil, true, err
		}
		return rest, true, decodeNgramSet(set, fn)
	})
}

func decodeNgramSet(b []byte, fn func([]byte, float64)) error {
	// The probability normally precedes the ngrams, but protobuf allows any
	// order: collect the ngram slices first when it does not.
	prob := math.NaN()
	var pending [][]byte
	err := protoFields(b, func(field, wire int, b []byte) ([]byte, bool, error) {
		switch {
		case field == 1 && wire == 1:
			if len(b) < 8 {
				return nil, true, errors.New("short double")
			}
			prob = math.Float64frombits(binary.LittleEndian.Uint64(b))
			return b[8:], true, nil
		case field == 2 && wire == 2:
			s, rest, err := protoBytes(b)
			if err != nil {
				return nil, true, err
			}
			if math.IsNaN(prob) {
				pending = append(pending, s)
			} else {
				fn(s, prob)
			}
			return rest, true, nil
		}
		return nil, false, nil
	})
	if err != nil {
		return err
	}
	if math.IsNaN(prob) {
		prob = 0 // proto3 omits a zero probability; lingua never writes one
	}
	for _, s := range pending {
		fn(s, prob)
	}
	return nil
}

// protoFields walks a protobuf message: visit gets each field's number,
// wire type and the bytes after its tag, and returns what follows the
// value, or handled false to have the value skipped by its wire type.
func protoFields(b []byte, visit func(field, wire int, b []byte) (rest []byte, handled bool, err error)) error {
	for len(b) > 0 {
		field, wire, n := protoTag(b)
		if n <= 0 {
			return errors.New("bad tag")
		}
		b = b[n:]
		rest, handled, err := visit(field, wire, b)
		if err != nil {
			return err
		}
		if !handled {
			if rest, err = protoSkip(b, wire); err != nil {
				return err
			}
		}
		b = rest
	}
	return nil
}

func protoTag(b []byte) (field int, wire int, n int) {
	v, n := binary.Uvarint(b)
	return int(v >> 3), int(v & 7), n
}

func protoBytes(b []byte) (val, rest []byte, err error) {
	l, n := binary.Uvarint(b)
	if n <= 0 || uint64(len(b)-n) < l {
		return nil, nil, errors.New("bad length")
	}
	return b[n : n+int(l)], b[n+int(l):], nil
}

func protoSkip(b []byte, wire int) ([]byte, error) {
	switch wire {
	case 0:
		_, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errors.New("bad varint")
		}
		return b[n:], nil
	case 1:
		if len(b) < 8 {
			return nil, errors.New("short fixed64")
		}
		return b[8:], nil
	case 2:
		_, rest, err := protoBytes(b)
		return rest, err
	case 5:
		if len(b) < 4 {
			return nil, errors.New("short fixed32")
		}
		return b[4:], nil
	}
	return nil, fmt.Errorf("unsupported wire type %d", wire)
}
