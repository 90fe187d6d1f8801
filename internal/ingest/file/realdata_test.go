package file

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/geoheat/geoheat/internal/testenv"
)

// referenceLines is the independent line split: bufio.Scanner lines
// without "\r", blank ones dropped.
func referenceLines(t testing.TB, data []byte) []string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	var lines []string
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, string(bytes.TrimSuffix(sc.Bytes(), []byte("\r"))))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// Stream captures and the combined files are JSON lines: the messages are
// exactly the non-blank lines.
func TestRealJSONLines(t *testing.T) {
	data := testenv.Shared(t)
	files, err := filepath.Glob(filepath.Join(data, "tweets", "v1_stream_jsonl", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no stream captures: %v", err)
	}
	files = append(files,
		filepath.Join(data, "tweets", "combined", "v1_tweets_unique.jsonl.gz"),
		filepath.Join(data, "tweets", "combined", "v1_delete_notices_unique.jsonl"),
		filepath.Join(data, "tweets", "combined", "v2_tweets_unique.jsonl.gz"),
	)
	total := 0
	for _, path := range files {
		want := referenceLines(t, testenv.ReadGunzipped(t, path))
		got, err := runFile(t, path)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d messages, %d non-blank lines", filepath.Base(path), len(got), len(want))
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: messages differ from the lines", filepath.Base(path))
		}
		total += len(got)
	}
	t.Logf("%d files, %d messages", len(files), total)
}

// REST responses and fixtures come as arrays, pretty-printed objects and
// JSON lines. The reference decodes each file as a stream of JSON values
// with encoding/json and counts an array's elements, or 1 for another value.
func TestRealMixedLayouts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testenv.Shared(t), "tweets", "v1_rest_and_fixtures", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	checked, total := 0, 0
	for _, path := range files {
		want, ok := referenceValueCount(testenv.ReadGunzipped(t, path))
		if !ok {
			t.Logf("%s: not a stream of JSON values; skipped", filepath.Base(path))
			continue
		}
		got, err := runFile(t, path)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
		}
		if len(got) != want {
			t.Errorf("%s: %d messages, reference %d", filepath.Base(path), len(got), want)
		}
		for i, m := range got {
			if !json.Valid([]byte(m)) {
				t.Errorf("%s: message %d is not one JSON value: %.80q", filepath.Base(path), i, m)
				break
			}
		}
		checked++
		total += len(got)
	}
	t.Logf("%d of %d files checked, %d messages", checked, len(files), total)
}

func referenceValueCount(data []byte) (int, bool) {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	n := 0
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return n, true
		}
		if err != nil {
			return 0, false
		}
		var elems []json.RawMessage
		if json.Unmarshal(v, &elems) == nil {
			n += len(elems)
		} else {
			n++
		}
	}
}
