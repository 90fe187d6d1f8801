package twitter

import (
	"errors"
	"fmt"

	"github.com/valyala/fastjson"
)

// maxNesting bounds arrays and objects nested in one message. fastjson
// refuses values deeper than fastjson.MaxDepth, counting the scalar inside
// the innermost container, so one level less guarantees that everything
// validated here parses.
const maxNesting = fastjson.MaxDepth - 1

var errUnexpectedEnd = errors.New("unexpected end of input")

// validateJSON reports whether data is exactly one JSON value as RFC 8259
// defines it, the grammar encoding/json.Valid checks: fastjson's parser is
// lenient (it takes NaN, 01, 1.2.3, raw control characters and unknown
// escapes) and fastjson.Validate recurses without a depth limit and costs
// as much as parsing. This is one iterative pass with a bounded stack and a
// table lookup per string byte (an 8-bytes-at-a-time SWAR variant measured
// no faster on tweets, whose strings are short). Like encoding/json it does
// not check UTF-8; the strings copied out are repaired instead. Measured
// against both alternatives in docs/handwritten.md (BenchmarkValidate).
func validateJSON(data []byte) error {
	var stack [maxNesting]byte // '{' or '[' per open container
	depth := 0
	n := len(data)
	i := skipSpace(data, 0)

value: // data[i:] must start with a value
	for {
		if i >= n {
			return errUnexpectedEnd
		}
		switch c := data[i]; c {
		case '{', '[':
			if depth == maxNesting {
				return fmt.Errorf("nesting deeper than %d levels at offset %d", maxNesting, i)
			}
			stack[depth] = c
			depth++
			i = skipSpace(data, i+1)
			if i < n && (data[i] == '}' && c == '{' || data[i] == ']' && c == '[') {
				depth--
				i++
				break // empty container: a complete value
			}
			if c == '{' {
				var err error
				if i, err = scanKey(data, i); err != nil {
					return err
				}
			}
			continue value
		case '"':
			var err error
			if i, err = scanString(data, i+1); err != nil {
				return err
			}
		case 't':
			if !hasPrefixAt(data, i, "true") {
				return syntaxError(data, i)
			}
			i += len("true")
		case 'f':
			if !hasPrefixAt(data, i, "false") {
				return syntaxError(data, i)
			}
			i += len("false")
		case 'n':
			if !hasPrefixAt(data, i, "null") {
				return syntaxError(data, i)
			}
			i += len("null")
		default:
			var err error
			if i, err = scanNumber(data, i); err != nil {
				return err
			}
		}

		// A value ended at i: close containers until one continues.
		for {
			i = skipSpace(data, i)
			if depth == 0 {
				if i != n {
					return fmt.Errorf("data after the value at offset %d", i)
				}
				return nil
			}
			if i >= n {
				return errUnexpectedEnd
			}
			open := stack[depth-1]
			switch c := data[i]; {
			case c == ',':
				i = skipSpace(data, i+1)
				if open == '{' {
					var err error
					if i, err = scanKey(data, i); err != nil {
						return err
					}
				}
				continue value
			case c == '}' && open == '{', c == ']' && open == '[':
				depth--
				i++
			default:
				return syntaxError(data, i)
			}
		}
	}
}

// scanKey checks `"key" :` at data[i:] and returns the offset after the
// colon and any space.
func scanKey(data []byte, i int) (int, error) {
	if i >= len(data) {
		return i, errUnexpectedEnd
	}
	if data[i] != '"' {
		return i, syntaxError(data, i)
	}
	i, err := scanString(data, i+1)
	if err != nil {
		return i, err
	}
	i = skipSpace(data, i)
	if i >= len(data) {
		return i, errUnexpectedEnd
	}
	if data[i] != ':' {
		return i, syntaxError(data, i)
	}
	return skipSpace(data, i+1), nil
}

// stringSpecial marks the bytes that end a run of plain string content.
var stringSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// scanString checks a string whose opening quote is at i-1 and returns the
// offset after its closing quote.
func scanString(data []byte, i int) (int, error) {
	n := len(data)
	for {
		// Four bytes per iteration: the loop is the validator's hot spot.
		for i+4 <= n && !stringSpecial[data[i]] && !stringSpecial[data[i+1]] &&
			!stringSpecial[data[i+2]] && !stringSpecial[data[i+3]] {
			i += 4
		}
		for i < n && !stringSpecial[data[i]] {
			i++
		}
		if i >= n {
			return i, errUnexpectedEnd
		}
		switch c := data[i]; c {
		case '"':
			return i + 1, nil
		case '\\':
			if i+1 >= n {
				return i, errUnexpectedEnd
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > n {
					return i, errUnexpectedEnd
				}
				for _, h := range data[i+2 : i+6] {
					if !isHex(h) {
						return i, fmt.Errorf("invalid \\u escape at offset %d", i)
					}
				}
				i += 6
			default:
				return i, fmt.Errorf("invalid escape \\%c at offset %d", data[i+1], i)
			}
		default:
			return i, fmt.Errorf("control character 0x%02x in string at offset %d", c, i)
		}
	}
}

// scanNumber checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at i.
// What follows is checked by the caller (so "01" fails on the "1").
func scanNumber(data []byte, i int) (int, error) {
	n := len(data)
	if i < n && data[i] == '-' {
		i++
	}
	switch {
	case i < n && data[i] == '0':
		i++
	case i < n && data[i] >= '1' && data[i] <= '9':
		i = skipDigits(data, i+1)
	default:
		return i, syntaxError(data, i)
	}
	if i < n && data[i] == '.' {
		j := skipDigits(data, i+1)
		if j == i+1 {
			return j, syntaxError(data, j)
		}
		i = j
	}
	if i < n && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < n && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := skipDigits(data, i)
		if j == i {
			return j, syntaxError(data, j)
		}
		i = j
	}
	return i, nil
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
			continue
		}
		break
	}
	return i
}

func hasPrefixAt(data []byte, i int, lit string) bool {
	return len(data)-i >= len(lit) && string(data[i:i+len(lit)]) == lit
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func syntaxError(data []byte, i int) error {
	if i >= len(data) {
		return errUnexpectedEnd
	}
	return fmt.Errorf("invalid character %q at offset %d", data[i], i)
}
