package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geoheat/geoheat/internal/pipeline"
	"github.com/geoheat/geoheat/internal/store/redisstore/redistest"
)

// The stream publisher caps hashtags per post as the pipeline does (it once
// parsed on its own and missed the cap; now it is the pipeline without a
// detector). Its summary counts what it published.
func TestPublisherCapsHashtags(t *testing.T) {
	srv := redistest.Start(t)
	var tags []string
	for i := range 100 {
		tags = append(tags, fmt.Sprintf(`{"text":"t%d","indices":[0,1]}`, i))
	}
	line := `{"created_at":"Wed Jun 11 12:00:00 +0000 2014","id_str":"1","text":"the end of the match","user":{"id_str":"10","screen_name":"a"},"entities":{"hashtags":[` + strings.Join(tags, ",") + `]},"lang":"en"}` + "\n"
	input := filepath.Join(t.TempDir(), "tags.jsonl")
	if err := os.WriteFile(input, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, err := run(t, context.Background(), "", "ingest", "--source", "file:"+input, "--store", srv.URL(""), "--to", "redis-stream", "--json")
	if err != nil {
		t.Fatalf("publish: %v\n%s", err, errs)
	}
	var sum Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("summary %q: %v", out, err)
	}
	if want := int64(100 - pipeline.DefaultMaxHashtags); sum.Posts != 1 || sum.HashtagsCut != want || sum.Written != 1 {
		t.Errorf("summary %+v: want 1 post, written, and %d hashtags cut", sum, want)
	}
	if !strings.HasSuffix(sum.Source, " -> redis-stream") {
		t.Errorf("summary source %q: want it to name the stream", sum.Source)
	}
}
