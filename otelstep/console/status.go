package console

import (
	"context"
	"math"
	"time"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/internal/contract"
)

// runKey identifies a run's series: its name and id, and the part's own
// name for a part of another run (whose name and id are the root run's).
// The parts of one name in one process share their series.
type runKey struct{ run, id, part string }

// stepKey identifies a step of a run: its path in a part of another run,
// else its number.
type stepKey struct {
	path string
	num  int64
}

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

	stepTraces map[stepKey]trace.TraceID // the trace of each step seen (bounded)

	// from the last collection
	steps        int64
	finished     int64 // otelstep.run.finished
	hasFinished  bool
	planned      int64 // otelstep.run.planned; 0: unknown
	ratio        float64
	hasRatio     bool
	remaining    float64
	hasRemaining bool
	ended        int64 // step.duration count
	failed       int64 // of which with result "error"
	active       int64
	hasActive    bool
	hasElapsed   bool // the run reports otelstep.step.elapsed at all
	comps        map[string]*compState

	labels map[string]string // each component's latest step label
	perMin int8              // rate unit, fixed at its first showing: 1 steps/min, -1 steps/s

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
			b = v.appendProgress(b, rs, now)
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
	// A timed draw comes at least about one redraw interval after the
	// previous draw (less a tenth for the ticker's jitter); printLocked
	// also redraws the row with every write of lines, in the same write.
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
		rs := v.run(runKey{p.Run, p.RunID, p.Part}, now)
		rs.seen = now
		switch p.Metric {
		case otelstep.StepsMetricName:
			rs.steps = max(int64(p.Value), 0)
		case otelstep.FinishedMetricName:
			rs.finished, rs.hasFinished = max(int64(p.Value), 0), true
		case otelstep.PlannedMetricName:
			rs.planned = max(int64(p.Value), 0)
		case otelstep.ProgressMetricName:
			rs.ratio, rs.hasRatio = clamp01(p.Value), true
		case otelstep.RemainingMetricName:
			rs.remaining, rs.hasRemaining = max(p.Value, 0), true
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
			if p.Value > 1 && p.Part == "" {
				// Two runs of one name and id (parts of one name run at
				// once as a matter of course).
				v.multiple = true
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

// label is the run's name, then "/part" for a part of it, then its id in
// brackets when it has one: "compile/worker [job-7]".
func (rs *runState) label() string {
	l := rs.key.run
	if rs.key.part != "" {
		l += "/" + rs.key.part
	}
	if rs.key.id != "" {
		l += " [" + rs.key.id + "]"
	}
	return l
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
