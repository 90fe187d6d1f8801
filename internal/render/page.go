package render

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"time"

	"github.com/geoheat/geoheat/internal/post"
	"github.com/geoheat/geoheat/internal/store"
)

// Page is what `geoheat map` writes: one HTML file that draws the heatmap
// on a canvas with no network, the seed notebook's output cell as a file.
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
	Heat      store.HeatResult
	Top       []store.TagCount
	Outlines  *Outlines // nil: no coastlines
}

//go:embed page.html
var pageHTML string

//go:embed page.js
var pageJS string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// pageCSP lets the page run its one inline script, identified by its hash,
// and nothing else: a file opened from disk has no server to send headers.
var pageCSP = func() string {
	sum := sha256.Sum256([]byte(pageJS))
	return "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; style-src 'unsafe-inline'; img-src data:"
}()

// pageData is serialised into the page's <script type="application/json">
// block. html/template escapes it as JSON for that context (<, > and &
// become \u003c...), so attacker-controlled hashtags cannot close the
// script element.
type pageData struct {
	Cells   [][3]float64 `json:"cells"` // lat, lon, weight
	Max     int64        `json:"max"`
	CellDeg float64      `json:"cell_deg"`
	Land    [][]float64  `json:"land"`    // rings as flat lon,lat lists
	Borders [][]float64  `json:"borders"` // rings as flat lon,lat lists
	Ramp    []RampStop   `json:"ramp"`    // the heat ramp of ramp.json, [t, r, g, b, a]
}

// WritePage writes the standalone HTML heatmap.
func WritePage(w io.Writer, p Page) error {
	d := pageData{Cells: make([][3]float64, len(p.Heat.Cells)), Max: p.Heat.MaxWeight, CellDeg: p.Heat.CellDeg,
		Ramp: ramps.Heat}
	for i, c := range p.Heat.Cells {
		d.Cells[i] = [3]float64{round(c.Lat, 4), round(c.Lon, 4), float64(c.Weight)}
	}
	if p.Outlines != nil {
		for _, poly := range p.Outlines.Land {
			for _, r := range poly {
				if f := flatten(r); len(f) >= 6 {
					d.Land = append(d.Land, f)
				}
			}
		}
		for _, r := range p.Outlines.Borders {
			if f := flatten(r); len(f) >= 4 {
				d.Borders = append(d.Borders, f)
			}
		}
	}
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
		// html/template escapes it with the rest of Selection.
		sel += " · points: " + p.Geo
	}
	return pageTmpl.Execute(w, map[string]any{
		"Title":     p.Title,
		"Selection": sel,
		"Points":    p.Heat.Points,
		"Cells":     len(p.Heat.Cells),
		"Generated": p.Generated.UTC().Format(time.RFC3339),
		"Top":       p.Top,
		"Data":      d,
		"Script":    template.JS(pageJS), // our own constant script, no data in it
		"ScriptCSP": template.HTMLAttr(`content="` + pageCSP + `"`),
	})
}

// flatten quantises a ring to 0.05° (a few pixels on a report-sized world
// map) and drops repeated points, which keeps the file small.
func flatten(r Ring) []float64 {
	out := make([]float64, 0, len(r))
	var px, py float64 = math.NaN(), math.NaN()
	for _, p := range r {
		x, y := math.Round(p[0]*20)/20, math.Round(p[1]*20)/20
		if x == px && y == py {
			continue
		}
		out = append(out, x, y)
		px, py = x, y
	}
	return out
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
