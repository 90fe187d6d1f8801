package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The exports work from a data directory: `render` writes a PNG, `map` a
// standalone HTML page around the same PNG renderer's image.
func TestRenderAndMapCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, stderr, err := run(t, ctx, "", "ingest", "--source", "demo", "--limit", "3000", "--data-dir", dir,
		"--detector", "stopwords", "--stopwords-dir", stopwordDir(t)); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	pngPath := filepath.Join(dir, "heat.png")
	if _, stderr, err := run(t, ctx, "", "render", "--data-dir", dir, "--lang", "en", "--width", "400", "-o", pngPath); err != nil {
		t.Fatalf("render: %v\n%s", err, stderr)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() != 400 {
		t.Fatalf("png: %v %v", err, img)
	}
	htmlPath := filepath.Join(dir, "map.html")
	if _, stderr, err := run(t, ctx, "", "map", "--data-dir", dir, "--lang", "english", "--n", "400", "-o", htmlPath); err != nil {
		t.Fatalf("map: %v\n%s", err, stderr)
	}
	b, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<img id="map" src="data:image/png;base64,`, "400 most recent points", "geoheat: english heatmap"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("map page lacks %q", want)
		}
	}
	// The page's map is the PNG renderer's, at 2048 px, the same image
	// `geoheat render` draws for that width and selection.
	m := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("map page has no image")
	}
	embedded, err := base64.StdEncoding.DecodeString(html.UnescapeString(string(m[1]))) // html/template writes + as &#43;
	if err != nil {
		t.Fatal(err)
	}
	wide := filepath.Join(dir, "wide.png")
	if _, stderr, err := run(t, ctx, "", "render", "--data-dir", dir, "--lang", "english", "--n", "400", "--width", "2048", "-o", wide); err != nil {
		t.Fatalf("render: %v\n%s", err, stderr)
	}
	if want, err := os.ReadFile(wide); err != nil || !bytes.Equal(embedded, want) {
		t.Errorf("map page's image (%d bytes) is not render's 2048 px PNG (%d bytes, %v)", len(embedded), len(want), err)
	}
	if _, _, err := run(t, ctx, "", "map", "--data-dir", dir, "-o", htmlPath); err == nil {
		t.Error("map without --lang was accepted")
	}
	if _, _, err := run(t, ctx, "", "render", "--data-dir", dir); err == nil {
		t.Error("render without -o was accepted")
	}
}
