package console

import (
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// needsEscape reports whether r cannot be printed as it is: C0 and C1
// control characters (newlines, ESC, CSI), DEL, the Unicode line and
// paragraph separators, and the bidirectional overrides and isolates that
// reorder what a terminal shows.
func needsEscape(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// appendEscaped appends s with every character that [needsEscape] escaped
// the way strconv.Quote does (\n, \t, \x1b, \u2028) and invalid UTF-8 as
// U+FFFD. Nothing appended can move the cursor or start a new line. With
// quoted, it also escapes '"' and '\\' (the inside of a quoted value).
func appendEscaped(b []byte, s string, quoted bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			if quoted && (c == '"' || c == '\\') {
				b = append(b, '\\')
			}
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			b = utf8.AppendRune(b, utf8.RuneError)
		case !needsEscape(r):
			b = append(b, s[i-size:i]...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r < 0x100:
			b = append(b, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
		default:
			b = append(b, `\u`...)
			for shift := 12; shift >= 0; shift -= 4 {
				b = append(b, hexDigits[(r>>uint(shift))&0xf])
			}
		}
	}
	return b
}

// appendValue appends a logfmt value: as it is when it reads back as one
// token, else quoted with the inside escaped.
func appendValue(b []byte, s string) []byte {
	if !needsQuote(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	b = appendEscaped(b, s, true)
	return append(b, '"')
}

// needsQuote reports whether s is empty or holds a space, a quote, '=', or
// anything appendEscaped would change.
func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '"' || c == '=' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || needsEscape(r) {
			return true
		}
		i += size
	}
	return false
}

// appendKey appends an attribute key: escaped, and quoted when it would not
// read back as one token.
func appendKey(b []byte, k string) []byte { return appendValue(b, k) }

// appendInt appends n in decimal.
func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }
