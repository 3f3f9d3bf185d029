package console

import "github.com/rivo/uniseg"

// Widths are counted in terminal cells, by grapheme cluster, with uniseg:
// a CJK character or an emoji takes two, a combining mark none.

// cells returns the width of s in terminal cells.
func cells(s string) int { return uniseg.StringWidth(s) }

// appendCut appends s cut to at most width cells: whole grapheme clusters,
// and "…" in place of what is cut when there is room for it.
func appendCut(b []byte, s string, width int) []byte {
	if width <= 0 {
		return b
	}
	if cells(s) <= width {
		return append(b, s...)
	}
	state, used := -1, 0
	for s != "" {
		var cluster string
		var w int
		cluster, s, w, state = uniseg.FirstGraphemeClusterInString(s, state)
		if used+w > width-1 {
			break
		}
		b = append(b, cluster...)
		used += w
	}
	return append(b, "…"...)
}
