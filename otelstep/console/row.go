package console

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	otellog "go.opentelemetry.io/otel/log"
)

// What the view says of a run: its status row (terminal), its progress line
// (plain) and its summary.

// numbers returns the run's done count, total (0: unknown) and fraction
// done (-1: unknown): the finished steps and the total as the run reports
// them (otelstep.run.finished and otelstep.run.planned), never re-derived.
// Without a total the count is of the steps taken (otelstep.run.steps).
func (rs *runState) numbers() (n, total int64, frac float64) {
	if rs.hasFinished {
		n, total, frac = rs.finished, rs.planned, -1
		if total > 0 {
			frac = clamp01(float64(n) / float64(total))
		}
		return n, total, frac
	}
	// No finished gauge collected (a provider of another otelstep version,
	// or none yet): the progress ratio, or the steps the lines showed.
	n, total, frac = rs.steps, rs.total, -1
	if total > 0 {
		if rs.hasRatio {
			frac = rs.ratio
			n = int64(math.Round(rs.ratio * float64(total)))
		} else {
			frac = clamp01(float64(n) / float64(total))
		}
	} else if rs.hasRatio {
		frac = rs.ratio // no line said the total
	}
	return n, total, frac
}

// current returns what the run is doing: the component with the oldest
// open step (else the last one a line named), its step's label when known,
// and its state.
func (rs *runState) current() (name string, cs *compState) {
	for n, c := range rs.comps {
		if c.open && (cs == nil || c.elapsed > cs.elapsed || (c.elapsed == cs.elapsed && n < name)) {
			name, cs = n, c
		}
	}
	if cs == nil {
		if rs.lastComp == "" || rs.hasElapsed {
			return "", nil
		}
		name, cs = rs.lastComp, rs.comps[rs.lastComp]
	}
	if l := rs.labels[name]; l != "" {
		name = l
	}
	return name, cs
}

// setLabel notes the label of comp's latest step.
func (rs *runState) setLabel(comp, label string) {
	if rs.labels == nil {
		rs.labels = make(map[string]string)
	}
	rs.labels[comp] = label
}

// field is one part of a run's progress, in the order shown; the lower its
// rank, the longer it is kept when the row is narrow.
type field struct {
	sep, text string
	rank      int
}

// fields returns the parts of the run's progress: "2/5 steps", the bar
// (with bar), "40%", the rate, the time left, the current step (its label,
// else its component), its in-step progress and its age.
func (v *View) fields(rs *runState, now time.Time, bar bool) []field {
	n, total, frac := rs.numbers()
	f := []field{{"", string(appendSteps(nil, n, total)), 1}}
	if frac >= 0 {
		if bar {
			f = append(f, field{" ", string(appendBar(nil, frac, 20)), 9})
		}
		f = append(f, field{" ", strconv.FormatFloat(frac*100, 'f', 0, 64) + "%", 2})
	}
	if el := now.Sub(rs.start).Seconds(); el > 0 && n > 0 {
		f = append(f, field{", ", string(rs.appendRate(nil, float64(n)/el)), 7})
	}
	if rs.hasRemaining && (total <= 0 || n < total) {
		f = append(f, field{", ", formatSeconds(rs.remaining) + " left", 3})
	}
	name, cs := rs.current()
	if name != "" {
		f = append(f, field{", ", string(appendEscaped(nil, name, false)), 4})
		if cs != nil && cs.hasProgress && (cs.open || !rs.hasElapsed) {
			f = append(f, field{" ", strconv.FormatFloat(cs.progress*100, 'f', 0, 64) + "%", 6})
		}
		if cs != nil && cs.open {
			f = append(f, field{" ", formatSeconds(cs.elapsed), 8})
		}
	}
	return f
}

// appendProgress appends the run's progress line for plain mode: every
// field but the bar.
func (v *View) appendProgress(b []byte, rs *runState, now time.Time) []byte {
	for _, f := range v.fields(rs, now, false) {
		b = append(append(b, f.sep...), f.text...)
	}
	return b
}

// minName is the fewest cells a run's name is cut to before fields go.
const minName = 12

// appendRow appends the run's status row, at most width cells: the name and
// every field when they fit; else the bar, the step's age and the rate go
// first, then the name is cut, down to minName cells, then the in-step
// progress, the step's label, the time left and the percent go, and the
// name takes what is left. The steps field is never dropped (the row is
// cut at the width as a last resort).
func (v *View) appendRow(b []byte, rs *runState, now time.Time, width int) []byte {
	name := string(appendEscaped(nil, rs.label(), false))
	fs := v.fields(rs, now, true)
	size := func() (w int) {
		for _, f := range fs {
			w += cells(f.sep) + cells(f.text)
		}
		return w + 1 // the space after the name
	}
	// The fields of rank over 6 go before the name is cut; the others
	// before it is cut under minName.
	for _, keep := range []struct{ name, rank int }{{cells(name), 6}, {min(cells(name), minName), 1}} {
		for size()+keep.name > width {
			worst := 0
			for i, f := range fs {
				if f.rank > fs[worst].rank {
					worst = i
				}
			}
			if fs[worst].rank <= keep.rank {
				break
			}
			fs = slices.Delete(fs, worst, worst+1)
		}
	}
	start := len(b)
	b = appendCut(b, name, max(width-size(), min(cells(name), minName)))
	b = append(b, ' ')
	for _, f := range fs {
		b = append(append(b, f.sep...), f.text...)
	}
	if cells(string(b[start:])) > width {
		row := string(b[start:])
		b = appendCut(b[:start], row, width)
	}
	return b
}

// appendRate appends "12.3 steps/s" or "1.5 steps/min": the unit is chosen
// the first time the run's rate shows (per minute under one a second) and
// kept for the run.
func (rs *runState) appendRate(b []byte, r float64) []byte {
	if rs.perMin == 0 {
		rs.perMin = -1
		if r < 1 {
			rs.perMin = 1
		}
	}
	unit := " steps/s"
	if rs.perMin > 0 {
		r, unit = r*60, " steps/min"
	}
	if r >= 100 {
		b = strconv.AppendFloat(b, r, 'f', 0, 64)
	} else {
		b = strconv.AppendFloat(b, r, 'f', 1, 64)
	}
	return append(b, unit...)
}

// appendBar appends "[=====>    ]" of width cells inside.
func appendBar(b []byte, frac float64, width int) []byte {
	full := int(frac * float64(width))
	b = append(b, '[')
	for i := range width {
		switch {
		case i < full:
			b = append(b, '=')
		case i == full && frac > 0:
			b = append(b, '>')
		default:
			b = append(b, ' ')
		}
	}
	return append(b, ']')
}

// appendSteps appends "n/total steps", without "/total" when there is no
// total, and "1 step" for one step of no total.
func appendSteps(b []byte, n, total int64) []byte {
	b = appendInt(b, n)
	if total > 0 {
		b = append(b, '/')
		b = appendInt(b, total)
	}
	if n == 1 && total <= 0 {
		return append(b, " step"...)
	}
	return append(b, " steps"...)
}

// renderStatus renders the status rows of the active runs, busiest first,
// each at most the terminal's width less one cell (a row never wraps): at
// most cfg.statusLines rows of runs and one "... and N more runs". Called
// with mu held.
func (v *View) renderStatus(b []byte, active []*runState, now time.Time) []byte {
	slices.SortFunc(active, func(a, c *runState) int {
		if a.busy != c.busy {
			return int(c.busy - a.busy)
		}
		if !a.start.Equal(c.start) {
			return a.start.Compare(c.start)
		}
		return strings.Compare(a.label(), c.label())
	})
	width := v.width() - 1 // never the last column: no wrap
	shown := min(len(active), v.cfg.statusLines)
	for i, rs := range active[:shown] {
		if i > 0 {
			b = append(b, '\n')
		}
		b = v.appendRow(b, rs, now, width)
	}
	if rest := len(active) - shown; rest > 0 {
		b = append(b, '\n')
		b = appendCut(b, "... and "+strconv.Itoa(rest)+" more runs", width)
	}
	return b
}

// appendSummary appends a run's one-line summary: "run: done, 4/4 steps in
// 85ms, 47.0 steps/s" (or "ended at 2/4 steps", "1 step failed").
func (v *View) appendSummary(b []byte, rs *runState, now time.Time) []byte {
	n, total, _ := rs.numbers()
	level, sev := "INFO", otellog.SeverityInfo
	if rs.failed > 0 {
		level, sev = "ERROR", otellog.SeverityError
	}
	b = v.appendPrefix(b, now, level, sev, "", rs.label())
	switch {
	case rs.hasActive && rs.active > 0:
		b = append(b, "still running at "...)
	case total > 0 && n < total:
		b = append(b, "ended at "...)
	default:
		b = append(b, "done, "...)
	}
	b = append(appendSteps(b, n, total), " in "...)
	end := now
	if !rs.last.IsZero() && !(rs.hasActive && rs.active > 0) {
		end = rs.last // ended: its last line, not the collection that saw it
	}
	el := end.Sub(rs.start)
	b = append(b, formatDuration(el)...)
	if s := el.Seconds(); s > 0 && n > 0 {
		b = append(b, ", "...)
		b = rs.appendRate(b, float64(n)/s)
	}
	if rs.failed > 0 {
		b = append(b, ", "...)
		b = appendInt(b, rs.failed)
		if rs.failed == 1 {
			b = append(b, " step failed"...)
		} else {
			b = append(b, " steps failed"...)
		}
	}
	return append(b, '\n')
}
