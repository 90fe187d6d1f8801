package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrNoFiles: a directory or glob that names no regular file.
var ErrNoFiles = errors.New("file: no files match")

// expand turns a path, directory or glob into the regular files to replay,
// sorted lexically (per-minute archives are named by time, so that is
// time order), with their total size.
func expand(path string) ([]string, int64, error) {
	var candidates []string
	// A path that exists is taken literally, even with glob characters in
	// its name (real archives have "[" in file names).
	if _, err := os.Stat(path); err != nil && strings.ContainsAny(path, "*?[") {
		m, err := filepath.Glob(path)
		if err != nil {
			return nil, 0, fmt.Errorf("file: bad glob %q: %w", path, err)
		}
		// Hidden files are editor and OS droppings, not archives; the shell
		// skips them for "*" too.
		for _, c := range m {
			if !strings.HasPrefix(filepath.Base(c), ".") {
				candidates = append(candidates, c)
			}
		}
	} else {
		candidates = []string{path}
	}
	var files []string
	var total int64
	for _, c := range candidates {
		info, err := os.Stat(c)
		if err != nil {
			return nil, 0, fmt.Errorf("file: %w", err)
		}
		if !info.IsDir() {
			files = append(files, c)
			if info.Mode().IsRegular() {
				total += info.Size()
			}
			continue
		}
		err = filepath.WalkDir(c, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				info, err := d.Info()
				if err != nil {
					return err
				}
				files = append(files, p)
				total += info.Size()
			}
			return nil
		})
		if err != nil {
			return nil, 0, fmt.Errorf("file: %w", err)
		}
	}
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("%w %q", ErrNoFiles, path)
	}
	sort.Strings(files)
	return files, total, nil
}
