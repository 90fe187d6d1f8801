package file

// valueScan finds where one JSON value ends without parsing it: it follows
// strings, escapes and bracket depth, which is all that splitting needs.
// Whether the value is valid JSON is the parser's business. The scan is
// resumable: call scan again with the same value's bytes, extended, after
// more input arrived (or with the scanned prefix dropped; see pos).
// Why not encoding/json.Decoder: docs/handwritten.md.
type valueScan struct {
	started  bool
	kind     byte // '{' or '[' for containers, '"' for a string, 0 for a scalar
	depth    int
	inString bool
	escaped  bool
	// pos is where scanning resumes, relative to the slice passed to scan.
	pos int

	// Raw newlines seen; they tell a pretty-printed object from JSON lines.
	newlineOutside, newlineInString bool
}

// stringStop marks the bytes that need attention inside a string.
var stringStop = [256]bool{'"': true, '\\': true, '\n': true}

// scan returns the length of the value at the start of b once it is
// complete. A scalar ends at a delimiter, or at the end of the input when
// atEOF is set.
func (v *valueScan) scan(b []byte, atEOF bool) (end int, done bool) {
	i := v.pos
	if !v.started {
		if len(b) == 0 {
			return 0, false
		}
		v.started = true
		switch b[0] {
		case '{', '[':
			v.kind, v.depth, i = b[0], 1, 1
		case '"':
			v.kind, v.inString, i = '"', true, 1
		}
	}
	if v.kind == 0 {
		for ; i < len(b); i++ {
			if isDelimiter(b[i]) {
				v.pos = i
				return i, true
			}
		}
		v.pos = i
		return i, atEOF
	}
	for i < len(b) {
		if v.inString {
			for i < len(b) && !v.escaped && !stringStop[b[i]] {
				i++
			}
			if i == len(b) {
				break
			}
			c := b[i]
			i++
			switch {
			case v.escaped:
				v.escaped = false
			case c == '\\':
				v.escaped = true
			case c == '"':
				v.inString = false
				if v.kind == '"' {
					v.pos = i
					return i, true
				}
			case c == '\n':
				v.newlineInString = true
			}
			continue
		}
		switch b[i] {
		case '"':
			v.inString = true
		case '{', '[':
			v.depth++
		case '}', ']':
			v.depth--
			if v.depth == 0 {
				v.pos = i + 1
				return i + 1, true
			}
		case '\n':
			v.newlineOutside = true
		}
		i++
	}
	v.pos = i
	return 0, false
}

// isDelimiter reports whether c ends a scalar.
func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ']', '}':
		return true
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// splitArrays appends to elems the [start, end) ranges of the elements of
// b, which must be one or more JSON arrays separated by whitespace. It
// reports false, with elems unusable, when b is anything else; the caller
// then emits b whole.
func splitArrays(b []byte, elems [][2]int) ([][2]int, bool) {
	i := skipSpace(b, 0)
	for i < len(b) {
		if b[i] != '[' {
			return elems, false
		}
		i++
		needComma := false
		for {
			i = skipSpace(b, i)
			if i >= len(b) {
				return elems, false
			}
			c := b[i]
			if c == ']' {
				i++
				break
			}
			if needComma {
				if c != ',' {
					return elems, false
				}
				i++
				needComma = false
				continue
			}
			if c == ',' || c == '}' {
				return elems, false
			}
			var v valueScan
			n, done := v.scan(b[i:], true)
			if !done || n == 0 {
				return elems, false
			}
			elems = append(elems, [2]int{i, i + n})
			i += n
			needComma = true
		}
		i = skipSpace(b, i)
	}
	return elems, true
}
