package render

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// Page is what `geoheat map` writes: one HTML file that shows the heatmap
// with no network and no script, the seed notebook's output cell as a
// file. The map is the PNG renderer's image (docs/handwritten.md says why
// the page no longer draws its own).
type Page struct {
	Title  string
	Lang   string // language name shown ("spanish"), "" for all
	Tag    string
	Window string
	N      int
	// Geo names the point provenances drawn ("exact,place"); "" or the
	// trusted pair says nothing, anything else is stated on the page so a
	// reader knows inferred points are in the map.
	Geo       string
	Generated time.Time
	Points    int64 // points aggregated into the image
	Cells     int
	PNG       []byte // the map, from RenderRequest
	Top       []store.TagCount
}

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// pageCSP allows nothing but the inline style and the embedded image: a
// file opened from disk has no server to send headers, and the page has
// no script at all.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

// WritePage writes the standalone HTML heatmap. Every string of p reaches
// the page through html/template, escaped for its context.
func WritePage(w io.Writer, p Page) error {
	sel := "all languages"
	if p.Lang != "" {
		sel = p.Lang
	}
	if p.Tag != "" {
		sel += " · #" + p.Tag
	}
	switch {
	case p.N > 0:
		sel += fmt.Sprintf(" · %d most recent points", p.N)
	case p.Window != "" && p.Window != "all":
		sel += " · last " + p.Window
	}
	if p.Geo != "" && p.Geo != post.GeoSetTrusted.String() {
		sel += " · points: " + p.Geo
	}
	return pageTmpl.Execute(w, map[string]any{
		"Title":     p.Title,
		"Selection": sel,
		"Points":    p.Points,
		"Cells":     p.Cells,
		"Generated": p.Generated.UTC().Format(time.RFC3339),
		"Top":       p.Top,
		// A data: URL of our own PNG; html/template would refuse the
		// scheme in a plain string.
		"Image":     template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(p.PNG)),
		"ScriptCSP": template.HTMLAttr(`content="` + pageCSP + `"`),
	})
}
