package console

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/internal/contract"
)

// runKey identifies a run's series: its name and id.
type runKey struct{ run, id string }

// runState is what the view knows of one run, from its lines and its
// metrics. A run's state is kept after it ended, so that its series, which
// the SDK keeps (cumulative otelstep.runs.active at 0), is not taken for a
// new run: the map is as bounded as the SDK's series are.
type runState struct {
	key   runKey
	start time.Time // the earliest time a line or collection saw it
	seen  time.Time // the last collection that had a series of it
	last  time.Time // the latest time a line of it covers

	total    int64 // from otelstep.steps.total on its lines
	lastComp string
	maxNum   int64 // the highest step number its lines showed

	stepTraces map[int64]trace.TraceID // the trace of each step number seen (bounded)

	// from the last collection
	steps        int64
	ratio        float64
	hasRatio     bool
	remaining    float64
	hasRemaining bool
	remainingAt  time.Time // the collection that first saw this remaining value
	ended        int64     // step.duration count
	failed       int64     // of which with result "error"
	active       int64
	hasActive    bool
	hasElapsed   bool // the run reports otelstep.step.elapsed at all
	comps        map[string]*compState

	done       bool // ended and summarised
	prevSteps  int64
	busy       int64 // steps since the previous collection
	lastPlain  time.Time
	plainSteps int64
}

// compState is a component's in-step progress and the age of its oldest
// open step.
type compState struct {
	progress    float64
	hasProgress bool
	elapsed     float64
	open        bool
}

// reset makes rs the state of a new run of the same name and id, begun at
// t.
func (rs *runState) reset(t time.Time) {
	*rs = runState{key: rs.key, start: t, seen: rs.seen, comps: make(map[string]*compState)}
}

// run returns the state of k, made at t when new. Called with mu held.
func (v *View) run(k runKey, t time.Time) *runState {
	rs := v.runs[k]
	if rs == nil {
		rs = &runState{key: k, start: t, comps: make(map[string]*compState)}
		v.runs[k] = rs
	} else if !t.IsZero() && (rs.start.IsZero() || t.Before(rs.start)) && !rs.done {
		rs.start = t
	}
	return rs
}

// loop collects the metrics and redraws every redraw interval until
// Shutdown; in plain mode, every progress interval or second, whichever is
// shorter.
func (v *View) loop() {
	defer close(v.loopDone)
	tick := v.cfg.redraw
	if !v.terminal {
		// No status line: collect often enough for the progress lines and
		// to see runs end, at most once a second.
		p := v.cfg.progress
		if p <= 0 {
			p = time.Second
		}
		tick = max(v.cfg.redraw, min(p, time.Second))
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-v.stop:
			return
		case <-t.C:
			v.refresh(context.Background(), false, false)
		}
	}
}

// refresh collects the reader (when it still can), updates the runs, writes
// the lines due (a run that ended: its summary; plain mode: progress lines)
// and the status rows. With final, every run not summarised yet gets its
// summary and no status row is left. With others, the values of the other
// scopes' metrics are printed too.
func (v *View) refresh(ctx context.Context, final, others bool) {
	var rm metricdata.ResourceMetrics
	collected := v.reader != nil && v.reader.Collect(ctx, &rm) == nil
	now := time.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	if collected {
		v.update(&rm, now)
	}
	b := v.buf[:0]
	if collected && others {
		b = appendOtherMetrics(b, rm.ScopeMetrics)
	}
	active := make([]*runState, 0, len(v.runs))
	for _, rs := range v.runs {
		switch {
		case rs.done || rs.seen.IsZero():
			continue // summarised, or no series of it yet
		case final || (rs.hasActive && rs.active <= 0):
			b = v.appendSummary(b, rs, now)
			rs.done = true
		case !v.terminal && v.cfg.progress > 0 && rs.steps != rs.plainSteps &&
			now.Sub(laterOf(rs.lastPlain, rs.start)) >= v.cfg.progress:
			b = v.appendPrefix(b, now, "INFO", otellog.SeverityInfo, "", rs.label())
			b = v.appendProgress(b, rs, now, false)
			b = append(b, '\n')
			rs.lastPlain, rs.plainSteps = now, rs.steps
			active = append(active, rs)
		default:
			active = append(active, rs)
		}
	}
	v.buf = b
	if v.terminal && !v.closed {
		v.status = v.renderStatus(v.status[:0], active, now)
		v.statusDirty = true
	}
	if len(b) > 0 {
		v.printLocked(b)
	}
	// Every draw, here or in printLocked, comes at least about one redraw
	// interval after the previous one (less a tenth for the ticker's
	// jitter): at most about 10 a second, whatever the lines.
	if v.statusDirty && !v.closed && now.Sub(v.lastDraw) >= v.cfg.redraw*9/10 {
		v.drawLocked()
	}
}

// update reads otelstep's series from rm into the runs. Called with mu held.
func (v *View) update(rm *metricdata.ResourceMetrics, now time.Time) {
	for _, rs := range v.runs {
		for _, cs := range rs.comps {
			cs.open, cs.elapsed = false, 0
		}
	}
	ended := make(map[*runState][2]int64)
	for p := range contract.Points(rm) {
		if p.Run == "" || math.IsNaN(p.Value) {
			continue
		}
		rs := v.run(runKey{p.Run, p.RunID}, now)
		rs.seen = now
		switch p.Metric {
		case otelstep.StepsMetricName:
			rs.steps = max(int64(p.Value), 0)
		case otelstep.ProgressMetricName:
			rs.ratio, rs.hasRatio = clamp01(p.Value), true
		case otelstep.RemainingMetricName:
			if v := max(p.Value, 0); !rs.hasRemaining || v != rs.remaining {
				rs.remaining, rs.remainingAt = v, now
			}
			rs.hasRemaining = true
		case otelstep.StepProgressMetricName:
			cs := rs.comp(p.Component)
			cs.progress, cs.hasProgress = clamp01(p.Value), true
		case otelstep.ElapsedMetricName:
			cs := rs.comp(p.Component)
			cs.elapsed, cs.open = max(p.Value, 0), true
			rs.hasElapsed = true
		case otelstep.ActiveRunsMetricName:
			if rs.done && p.Value > 0 {
				rs.reset(now) // the same name (and id) runs again: a new run
			}
			rs.active, rs.hasActive = int64(p.Value), true
			if p.Value > 1 {
				v.multiple = true // two runs of one name and id
			}
		case otelstep.DurationMetricName:
			c := ended[rs]
			c[0] += int64(p.Count)
			if p.Result == contract.ResultError {
				c[1] += int64(p.Count)
			}
			ended[rs] = c
		}
	}
	for rs, c := range ended {
		rs.ended, rs.failed = c[0], c[1]
	}
	for _, rs := range v.runs {
		rs.busy, rs.prevSteps = rs.steps-rs.prevSteps, rs.steps
	}
}

// comp returns the state of the run's component name, made when new.
func (rs *runState) comp(name string) *compState {
	cs := rs.comps[name]
	if cs == nil {
		cs = &compState{}
		rs.comps[name] = cs
	}
	return cs
}

func clamp01(f float64) float64 { return min(max(f, 0), 1) }

// label is the run's name, with its id in brackets when it has one.
func (rs *runState) label() string {
	if rs.key.id == "" {
		return rs.key.run
	}
	return rs.key.run + " [" + rs.key.id + "]"
}

// numbers returns the run's done count, total (0: unknown) and fraction
// done (-1: unknown).
func (rs *runState) numbers() (n, total int64, frac float64) {
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

// current returns the component the run is in and its state: the one with
// the oldest open step, else the last one a line named.
func (rs *runState) current() (string, *compState) {
	name, best := "", (*compState)(nil)
	for n, cs := range rs.comps {
		if cs.open && (best == nil || cs.elapsed > best.elapsed || (cs.elapsed == best.elapsed && n < name)) {
			name, best = n, cs
		}
	}
	if best != nil {
		return name, best
	}
	if rs.lastComp != "" && !rs.hasElapsed {
		return rs.lastComp, rs.comps[rs.lastComp]
	}
	return "", nil
}

// appendProgress appends "n/total [bar] pct  rate  left  component pct age"
// (without bar unless bar).
func (v *View) appendProgress(b []byte, rs *runState, now time.Time, bar bool) []byte {
	n, total, frac := rs.numbers()
	b = appendSteps(b, n, total)
	if frac >= 0 {
		if bar {
			b = appendBar(b, frac, 20)
		}
		b = append(b, ' ')
		b = strconv.AppendFloat(b, frac*100, 'f', 0, 64)
		b = append(b, '%')
	}
	el := now.Sub(rs.start).Seconds()
	if el > 0 && n > 0 {
		b = append(b, ", "...)
		b = appendRate(b, float64(n)/el)
	}
	name, cs := rs.current()
	if left, ok := rs.left(n, total, el, cs, now); ok {
		b = append(b, ", "...)
		b = append(b, formatSeconds(left)...)
		b = append(b, " left"...)
	}
	if name != "" {
		b = append(b, ", "...)
		b = appendEscaped(b, name, false)
		if cs != nil && cs.hasProgress && (cs.open || !rs.hasElapsed) {
			b = append(b, ' ')
			b = strconv.AppendFloat(b, cs.progress*100, 'f', 0, 64)
			b = append(b, '%')
		}
		if cs != nil && cs.open {
			b = append(b, ' ')
			b = append(b, formatSeconds(cs.elapsed)...)
		}
	}
	return b
}

// left returns the run's time left in seconds, as of now: the larger of
// otelstep.run.remaining counted down since it was recorded (it is
// recorded only when a step finishes, so it would stand still during a long
// step) and tqdm's estimate from the pace so far, elapsed × (total − done)
// / done, where done counts the current step's in-step progress; ok is
// false when neither is known.
func (rs *runState) left(n, total int64, el float64, cs *compState, now time.Time) (left float64, ok bool) {
	if total > 0 && n < total && el > 0 {
		done := float64(n)
		if cs != nil && cs.open && cs.hasProgress {
			done += cs.progress
		}
		if done > 0 {
			left, ok = el*(float64(total)-done)/done, true
		}
	}
	if rs.hasRemaining {
		r := rs.remaining
		if !rs.remainingAt.IsZero() {
			r = max(r-now.Sub(rs.remainingAt).Seconds(), 0)
		}
		if !ok || r > left {
			left, ok = r, true
		}
	}
	return left, ok
}

// appendRate appends "12.3 steps/s" (or "/min" when slow).
func appendRate(b []byte, r float64) []byte {
	switch {
	case r >= 100:
		b = strconv.AppendFloat(b, r, 'f', 0, 64)
	case r >= 1:
		b = strconv.AppendFloat(b, r, 'f', 1, 64)
	default:
		b = strconv.AppendFloat(b, r*60, 'f', 1, 64)
		return append(b, " steps/min"...)
	}
	return append(b, " steps/s"...)
}

// appendBar appends " [=====>    ]" of width cells.
func appendBar(b []byte, frac float64, width int) []byte {
	full := int(frac * float64(width))
	b = append(b, " ["...)
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
		b = appendRate(b, float64(n)/s)
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

// renderStatus renders the status rows of the active runs, busiest first,
// each cut to the width: at most cfg.statusLines rows of runs and one
// "... and N more runs". Called with mu held.
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
		start := len(b)
		b = appendEscaped(b, rs.label(), false)
		b = append(b, ' ')
		b = v.appendProgress(b, rs, now, true)
		b = cut(b, start, width)
	}
	if rest := len(active) - shown; rest > 0 {
		b = append(b, '\n')
		start := len(b)
		b = append(b, "... and "...)
		b = appendInt(b, int64(rest))
		b = append(b, " more runs"...)
		b = cut(b, start, width)
	}
	return b
}

// cut truncates b[start:] to width runes.
func cut(b []byte, start, width int) []byte {
	n := 0
	for i := start; i < len(b); {
		if n == width {
			return b[:i]
		}
		if b[i] < 0x80 {
			i++
		} else {
			i++
			for i < len(b) && b[i]&0xc0 == 0x80 {
				i++
			}
		}
		n++
	}
	return b
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
