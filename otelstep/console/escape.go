package console

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// needsEscape reports whether r is shown escaped: every rune of category
// Cc or Cf (controls, zero-width and format characters, tag characters),
// every bidirectional control, and every rune that does not print
// (unicode.IsPrint: separators other than ' ', private use, unassigned).
func needsEscape(r rune) bool {
	return !unicode.IsPrint(r) || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Bidi_Control)
}

// appendEscaped appends s with every rune that [needsEscape] escaped the
// way strconv.Quote does (\n, \t, \x1b, \u200b, \U000e0041) and invalid UTF-8 as
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
		case r < 0x10000:
			b = append(b, `\u`...)
			b = appendHex(b, r, 4)
		default:
			b = append(b, `\U`...)
			b = appendHex(b, r, 8)
		}
	}
	return b
}

// appendHex appends r in n hex digits.
func appendHex(b []byte, r rune, n int) []byte {
	for shift := 4 * (n - 1); shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(r>>uint(shift))&0xf])
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
