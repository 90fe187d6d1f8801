package twitter

import "unicode/utf8"

// validUTF8 is the fast check done on every string copied out.
func validUTF8(b []byte) bool { return utf8.Valid(b) }

// appendValidUTF8 appends b to dst with every byte that is not part of a
// valid UTF-8 sequence replaced by U+FFFD. This is what encoding/json does
// (one replacement per bad byte, unlike strings.ToValidUTF8, which
// replaces runs), so that posts match a reference decoded with it.
func appendValidUTF8(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, b[i:i+size]...)
		}
		i += size
	}
	return dst
}
