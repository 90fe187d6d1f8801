package web

import "strings"

// CSP returns the dashboard's Content-Security-Policy. Scripts come only
// from our own origin (no inline script, no eval) and data only from our
// API; the OpenStreetMap tile host is the one outside origin. Google's
// hosts (and the 'unsafe-eval' and inline styles its Maps JavaScript API
// needs, per Google's CSP guide) are added only when a key is configured,
// so a deployment without Google keeps the strict policy. The embeddable
// view may be framed by any page (a notebook on another port); the
// dashboard may not be framed at all.
func CSP(google, embeddable bool) string {
	script := []string{"'self'"}
	style := []string{"'self'"}
	img := []string{"'self'", "data:", "blob:", tileOrigin}
	connect := []string{"'self'", tileOrigin}
	worker := []string{"'self'"}
	font := []string{"'self'"}
	frame := []string{"'none'"}
	if google {
		g := []string{"https://*.googleapis.com", "https://*.gstatic.com", "*.google.com", "https://*.ggpht.com", "*.googleusercontent.com"}
		script = append(append(script, g...), "'unsafe-eval'", "blob:")
		style = append(style, "'unsafe-inline'", "https://fonts.googleapis.com")
		img = append(img, g...)
		connect = append(append(connect, g...), "data:", "blob:")
		worker = append(worker, "blob:")
		font = append(font, "https://fonts.gstatic.com")
		frame = []string{"*.google.com"}
	}
	ancestors := "'none'"
	if embeddable {
		ancestors = "*"
	}
	d := []string{
		"default-src 'self'",
		"script-src " + strings.Join(script, " "),
		"style-src " + strings.Join(style, " "),
		"img-src " + strings.Join(img, " "),
		"connect-src " + strings.Join(connect, " "),
		"worker-src " + strings.Join(worker, " "),
		"font-src " + strings.Join(font, " "),
		"frame-src " + strings.Join(frame, " "),
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors " + ancestors,
	}
	return strings.Join(d, "; ")
}
