package web

import (
	"errors"
	"io/fs"
	"strings"
)

// Bundle reports the embedded dashboard build: its files (the README
// committed beside it excluded), their bytes, and the libraries it was
// built from (the SOURCES file build.mjs writes), or ErrNotBuilt.
func Bundle() (files int, bytes int64, sources string, err error) {
	err = fs.WalkDir(embedded, "bundle", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "bundle/README.md" {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files++
		bytes += info.Size()
		return nil
	})
	if err != nil {
		return 0, 0, "", err
	}
	if _, err := fs.Stat(embedded, "bundle/index.html"); errors.Is(err, fs.ErrNotExist) {
		return files, bytes, "", ErrNotBuilt
	}
	b, _ := fs.ReadFile(embedded, "bundle/SOURCES")
	return files, bytes, strings.TrimSpace(string(b)), nil
}
