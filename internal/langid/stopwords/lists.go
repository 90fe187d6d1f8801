package stopwords

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/geoheat/geoheat/internal/langid"
	"github.com/geoheat/geoheat/internal/pytext"
)

// MaxLists is how many lists a Detector can hold: it tracks the languages a
// stopword belongs to as the bits of a uint64.
const MaxLists = 64

// List is one NLTK stopword list.
type List struct {
	// Name is NLTK's file id: the path below the stopwords directory, with
	// "/" separators ("english"; "extra/klingon" for a file in a
	// subdirectory, which NLTK also reads).
	Name string
	// Words is what NLTK's stopwords.words(Name) returns: the file's lines
	// in order, blank lines dropped, entries neither stripped nor
	// de-duplicated.
	Words []string
}

// Lists is a set of stopword lists, sorted by name as NLTK's fileids() are;
// that order is the alphabetical tie order. Build it with Load or FromMap,
// which check it can make a Detector.
type Lists struct {
	dir   string
	lists []List
}

// Dir is the directory the lists were read from ("" for FromMap).
func (l *Lists) Dir() string { return l.dir }

// All returns the lists in name order. The caller must not modify them.
func (l *Lists) All() []List { return l.lists }

// Names returns the list names in order (NLTK's stopwords.fileids()).
func (l *Lists) Names() []string {
	names := make([]string, len(l.lists))
	for i, list := range l.lists {
		names[i] = list.Name
	}
	return names
}

// FromMap builds Lists from words given in memory, keyed by list name. The
// words are used as given (no blank-line removal).
func FromMap(words map[string][]string) (*Lists, error) {
	l := &Lists{}
	for name, ws := range words {
		l.lists = append(l.lists, List{Name: name, Words: slices.Clone(ws)})
	}
	slices.SortFunc(l.lists, func(a, b List) int { return strings.Compare(a.Name, b.Name) })
	if err := l.check(); err != nil {
		return nil, err
	}
	return l, nil
}

// check enforces what New relies on: at least one list, at most MaxLists,
// and distinct language keys (two names must not report the same key).
func (l *Lists) check() error {
	if len(l.lists) == 0 {
		return errors.New("stopwords: no lists")
	}
	if len(l.lists) > MaxLists {
		return fmt.Errorf("stopwords: %d lists in %s, more than the %d a detector supports", len(l.lists), l.where(), MaxLists)
	}
	byKey := make(map[string]string, len(l.lists))
	for _, list := range l.lists {
		key := langid.ByName(list.Name).Key()
		if other, dup := byKey[key]; dup {
			return fmt.Errorf("stopwords: lists %q and %q in %s both map to language %q", other, list.Name, l.where(), key)
		}
		byKey[key] = list.Name
	}
	return nil
}

func (l *Lists) where() string {
	if l.dir == "" {
		return "memory"
	}
	return l.dir
}

// Load reads the stopword lists from dir, which is either an NLTK data
// directory (holding corpora/stopwords/) or the stopwords directory itself,
// as Find returns it.
//
// It reads them as NLTK's stopwords corpus reader does: every file below the
// directory, recursively, whose path does not start with "README" or "."
// (NLTK's file-id pattern `(?!README|\.).*`), decoded as UTF-8 (a leading
// byte-order mark skipped), split with Python's str.splitlines, and lines
// that are empty or only whitespace dropped.
func Load(dir string) (*Lists, error) {
	root := dir
	if nested := filepath.Join(dir, "corpora", "stopwords"); isDir(nested) {
		root = nested
	}
	ids, err := fileIDs(root)
	if err != nil {
		return nil, fmt.Errorf("stopwords: %w", err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("stopwords: no lists in %s", root)
	}
	l := &Lists{dir: root}
	for _, id := range ids {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(id)))
		if err != nil {
			return nil, fmt.Errorf("stopwords: %w", err)
		}
		words, err := parseList(data)
		if err != nil {
			return nil, fmt.Errorf("stopwords: %s: %w", filepath.Join(root, filepath.FromSlash(id)), err)
		}
		l.lists = append(l.lists, List{Name: id, Words: words})
	}
	if err := l.check(); err != nil {
		return nil, err
	}
	return l, nil
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// fileIDs lists the corpus files below root the way NLTK's
// find_corpus_fileids does with the stopwords pattern `(?!README|\.).*$`:
// walk the tree (not following symbolic links to directories, skipping .svn
// directories), keep files whose slash-separated relative path starts with
// neither "README" nor ".", and sort. Directories whose names start with "."
// are walked, but their files' paths start with "." and are dropped.
//
// The walk stops early once it has found more files than a detector can hold,
// so that a mistaken directory (a home directory, say) fails fast.
func fileIDs(root string) ([]string, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", root)
	}
	var ids []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".svn" {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			// os.walk lists a link to a directory among the directories
			// (and does not enter it) and a link to a file among the files.
			if target, err := os.Stat(path); err == nil && target.IsDir() {
				return nil
			}
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		id := filepath.ToSlash(rel)
		if !isFileID(id) {
			return nil
		}
		ids = append(ids, id)
		if len(ids) > MaxLists {
			return fmt.Errorf("more than %d stopword lists below %s; is it the right directory?", MaxLists, root)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// isFileID applies NLTK's `re.match(r"(?!README|\.).*$", id)`. Besides the
// two excluded prefixes, `.` does not match a line break, and `$` may match
// just before a final "\n", so a name with a line break matches only when
// that break is its last character.
func isFileID(id string) bool {
	if strings.HasPrefix(id, "README") || strings.HasPrefix(id, ".") {
		return false
	}
	body := strings.TrimSuffix(id, "\n")
	return !strings.Contains(body, "\n")
}

// parseList turns a list file into NLTK's stopwords.words(): decode UTF-8
// (errors are fatal, as Python's strict codec), skip a leading BOM (NLTK's
// SeekableUnicodeStreamReader does), split as str.splitlines, and drop lines
// for which line.rstrip() is empty (LineTokenizer's blanklines="discard").
func parseList(data []byte) ([]string, error) {
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			off += size
		}
		return nil, fmt.Errorf("not UTF-8 (invalid byte at offset %d)", off)
	}
	text := string(bytes.TrimPrefix(data, []byte("\ufeff")))
	var words []string
	for line := range splitLines(text) {
		if !isBlank(line) {
			words = append(words, line)
		}
	}
	return words, nil
}

// splitLines yields the lines of s as Python's str.splitlines() does: the
// separators are \n, \r, \r\n, \v, \f, \x1c, \x1d, \x1e, \x85, U+2028 and
// U+2029, and a final separator does not start an empty line.
func splitLines(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		start := 0
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch r {
			case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
				if !yield(s[start:i]) {
					return
				}
				if r == '\r' && i+1 < len(s) && s[i+1] == '\n' {
					size++
				}
				start = i + size
			}
			i += size
		}
		if start < len(s) {
			yield(s[start:])
		}
	}
}

// isBlank reports whether Python's line.rstrip() would be empty: every
// character is whitespace by str.isspace.
func isBlank(line string) bool {
	for _, r := range line {
		if pytext.ClassOf(r) != pytext.Space {
			return false
		}
	}
	return true
}

// Find locates the stopword lists the way NLTK does and returns the
// directory holding them, for Load.
//
// With flagDir set, only flagDir is considered. Otherwise the candidates are
// NLTK's search path: the entries of $NLTK_DATA (colon-separated), then
// ~/nltk_data, the data directories of the Python prefixes geoheat can guess
// ($VIRTUAL_ENV, /usr, /usr/local: PREFIX/nltk_data, PREFIX/share/nltk_data,
// PREFIX/lib/nltk_data), /usr/share/nltk_data, /usr/local/share/nltk_data,
// /usr/lib/nltk_data and /usr/local/lib/nltk_data.
//
// A candidate X is accepted when X/corpora/stopwords holds list files, or
// when X itself holds list files at its top level (a stopwords directory
// given directly). tried lists every directory examined, in order; the error
// names them all. Unlike NLTK, an existing but empty corpora/stopwords is
// skipped rather than accepted, and stopwords.zip is not opened (the NLTK
// downloader unpacks it next to the zip anyway).
func Find(flagDir string) (dir string, tried []string, err error) {
	candidates := []string{flagDir}
	if flagDir == "" {
		candidates = searchPath()
	}
	var zips, problems []string
	for _, c := range candidates {
		nested := filepath.Join(c, "corpora", "stopwords")
		tried = append(tried, nested)
		ids, err := fileIDs(nested)
		if err == nil && len(ids) > 0 {
			return nested, tried, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			// Present but unusable (unreadable, too many files): say so
			// rather than only "not found".
			problems = append(problems, err.Error())
		}
		tried = append(tried, c)
		if hasTopLevelList(c) {
			return c, tried, nil
		}
		if _, err := os.Stat(nested + ".zip"); err == nil {
			zips = append(zips, nested+".zip")
		}
	}
	msg := "no NLTK stopword lists found; looked in " + strings.Join(tried, ", ")
	if len(problems) > 0 {
		msg += " (" + strings.Join(problems, "; ") + ")"
	}
	if len(zips) > 0 {
		msg += "; found " + strings.Join(zips, ", ") + ", which geoheat does not read: unzip it in place"
	}
	if flagDir == "" {
		msg += "; set NLTK_DATA or give the directory explicitly (python3 -m nltk.downloader stopwords installs the lists)"
	}
	return "", tried, errors.New(msg)
}

// hasTopLevelList reports whether dir directly contains a file NLTK would
// read as a list. Only the top level counts, so that an NLTK data directory
// (which holds only subdirectories) is not mistaken for a stopwords one.
func hasTopLevelList(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if isFileID(e.Name()) && !e.IsDir() {
			if e.Type()&fs.ModeSymlink != 0 {
				if info, err := os.Stat(filepath.Join(dir, e.Name())); err != nil || info.IsDir() {
					continue
				}
			}
			return true
		}
	}
	return false
}

// searchPath returns NLTK's nltk.data.path for a Unix system, without
// duplicates. sys.prefix cannot be known without running Python, so the
// prefixes of a virtual environment, of Debian's system Python (/usr) and of
// a source-built one (/usr/local) stand in for it.
func searchPath() []string {
	var paths []string
	for _, p := range filepath.SplitList(os.Getenv("NLTK_DATA")) {
		if p != "" {
			paths = append(paths, p)
		}
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		paths = append(paths, filepath.Join(home, "nltk_data"))
	}
	var prefixes []string
	if venv := os.Getenv("VIRTUAL_ENV"); venv != "" {
		prefixes = append(prefixes, venv)
	}
	prefixes = append(prefixes, "/usr", "/usr/local")
	for _, prefix := range prefixes {
		paths = append(paths,
			filepath.Join(prefix, "nltk_data"),
			filepath.Join(prefix, "share", "nltk_data"),
			filepath.Join(prefix, "lib", "nltk_data"))
	}
	paths = append(paths,
		"/usr/share/nltk_data",
		"/usr/local/share/nltk_data",
		"/usr/lib/nltk_data",
		"/usr/local/lib/nltk_data")
	var out []string
	seen := make(map[string]bool, len(paths))
	for _, p := range paths {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
