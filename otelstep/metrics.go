package otelstep

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// durationBuckets are the bucket boundaries of the step duration histogram,
// in seconds: from 5 ms, as the OTel semantic conventions advise for
// durations, up to an hour, since a step of a deployment or a model
// compilation can take that long.
var durationBuckets = []float64{
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
}

// instruments are a run's metric instruments and the record options of its
// series, computed once per run.
type instruments struct {
	meter     metric.Meter
	steps     metric.Int64Gauge   // nil with WithProgress(false)
	ratio     metric.Float64Gauge // nil with WithProgress(false)
	remaining metric.Float64Gauge // nil with WithProgress(false)
	stepRatio metric.Float64Gauge // nil with WithProgress(false)
	finished  metric.Int64Gauge   // nil with WithProgress(false)
	planned   metric.Int64Gauge   // nil with WithProgress(false)
	elapsed   metric.Float64ObservableGauge
	duration  metric.Float64Histogram
	active    metric.Int64UpDownCounter

	runOpts []metric.RecordOption // otelstep.run (+ otelstep.run.id)
	addOpts []metric.AddOption

	mu       sync.Mutex // orders the gauge records of concurrent steps
	recorded progressState
	began    bool // a record was made: the first sends every gauge
}

// progressState is what the run's progress gauges were last recorded from.
type progressState struct {
	steps, done, total int64
	partial            int64 // liveRun.partial
}

// newInstruments makes a run's instruments from mp, or from the global meter
// provider when mp is nil. Instrument errors go to the OpenTelemetry error
// handler; the instruments returned alongside them are still safe to use.
func newInstruments(mp metric.MeterProvider, progress bool, attrs attribute.Set) *instruments {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(ScopeName, metric.WithInstrumentationVersion(Version))
	set := metric.WithAttributeSet(attrs)
	ins := &instruments{
		meter:   m,
		runOpts: []metric.RecordOption{set},
		addOpts: []metric.AddOption{set},
	}
	var err error
	if progress {
		ins.steps, err = m.Int64Gauge(StepsMetricName,
			metric.WithUnit("{step}"),
			metric.WithDescription("Steps a run has taken."))
		handle(err)
		ins.ratio, err = m.Float64Gauge(ProgressMetricName,
			metric.WithUnit("1"),
			metric.WithDescription("Steps a run has finished over its expected total, from 0 to 1."))
		handle(err)
		ins.remaining, err = m.Float64Gauge(RemainingMetricName,
			metric.WithUnit("s"),
			metric.WithDescription("Estimated seconds until a run reaches its total, from its pace so far."))
		handle(err)
		ins.finished, err = m.Int64Gauge(FinishedMetricName,
			metric.WithUnit("{step}"),
			metric.WithDescription("Steps a run has finished."))
		handle(err)
		ins.planned, err = m.Int64Gauge(PlannedMetricName,
			metric.WithUnit("{step}"),
			metric.WithDescription("Steps a run is expected to take."))
		handle(err)
		ins.stepRatio, err = m.Float64Gauge(StepProgressMetricName,
			metric.WithUnit("1"),
			metric.WithDescription("Progress of the last step of a component that reported it, done over total, from 0 to 1."))
		handle(err)
	}
	ins.elapsed, err = m.Float64ObservableGauge(ElapsedMetricName,
		metric.WithUnit("s"),
		metric.WithDescription("Age of the oldest step of a component that has not ended."))
	handle(err)
	ins.duration, err = m.Float64Histogram(DurationMetricName,
		metric.WithUnit("s"),
		metric.WithDescription("Duration of the steps started with Run.Start."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	handle(err)
	ins.active, err = m.Int64UpDownCounter(ActiveRunsMetricName,
		metric.WithUnit("{run}"),
		metric.WithDescription("Runs made and not yet ended."))
	handle(err)
	return ins
}

func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

// recordProgress records the run's progress gauges from its current counts:
// steps taken, steps finished, total, the done fractions of the open steps
// and, from them, the progress ratio and the time left. The
// counts are read under the lock that orders the records, and only ever
// grow, so the gauges never go backwards whatever the order in which
// concurrent steps get here. A gauge whose inputs have not changed since it
// was last recorded is skipped, unless force is set (for Run.End). Once the
// run has ended, only Run.End's forced record is made: the values recorded
// at End stay the last ones, whatever steps are taken after it.
//
// It also counts the run in [ActiveRunsMetricName] if that could not be done
// when the run was made (no meter provider yet).
func (r *Run) recordProgress(ctx context.Context, force bool) {
	ins := r.ins
	if !r.lv.counted.Load() && !r.ended.Load() && ins.active.Enabled(ctx) {
		r.countActive(ctx)
	}
	if !force && r.ended.Load() {
		return // Run.End recorded the last values: a step taken after it changes none
	}
	if ins.steps == nil || (!ins.steps.Enabled(ctx) && !ins.ratio.Enabled(ctx) && !ins.remaining.Enabled(ctx) &&
		!ins.finished.Enabled(ctx) && !ins.planned.Enabled(ctx)) {
		return
	}
	r.recordGauges(ctx, force)
}

// recordGauges records the progress gauges that changed, for
// recordProgress, which checks that they are on.
func (r *Run) recordGauges(ctx context.Context, force bool) {
	ins := r.ins
	ins.mu.Lock()
	defer ins.mu.Unlock()
	steps := r.steps.Load()
	now := progressState{steps: steps, done: steps - r.lv.open, total: r.lv.total.Load(),
		partial: r.lv.partial.Load()}
	last := ins.recorded
	force = force || !ins.began // the first record sends every gauge, finished 0 too
	ins.began = true
	counts := force || now.done != last.done || now.total != last.total
	if r.sums != nil {
		r.sums.record(ctx, ins, now, last, force || now.steps != last.steps || counts)
	} else {
		if force || now.steps != last.steps {
			ins.steps.Record(ctx, now.steps, ins.runOpts...)
		}
		if force || now.done != last.done {
			ins.finished.Record(ctx, now.done, ins.runOpts...)
		}
		if now.total > 0 && (force || now.total != last.total) {
			ins.planned.Record(ctx, now.total, ins.runOpts...)
		}
		if now.total > 0 && counts {
			ins.ratio.Record(ctx, min(float64(now.done)/float64(now.total), 1), ins.runOpts...)
		}
	}
	// A part sharing its series with others records no time left: their
	// steps add up, their paces do not.
	if now.total > 0 && r.sums == nil && (counts || now.partial != last.partial) {
		if left, ok := r.remaining(now); ok {
			ins.remaining.Record(ctx, left, ins.runOpts...)
		}
	}
	ins.recorded = now
}

// The parts of a run that share a part name in one process share their
// series (otelstep.run, otelstep.run.id, otelstep.run.part): a worker may
// serve several hand-outs of one run at once or in turn. Their steps,
// finished and planned gauges are the sums over those parts, and their
// progress ratio the ratio of the sums, so that a sum over the processes
// counts every part's steps once. The sums start again from zero when a
// part of another trace (a new run of the same name and id) shares the
// series; a part of the older trace still running then records no more
// of these gauges. One partSum per series, as long as the series lives.
var partSums struct {
	mu sync.Mutex
	m  map[attribute.Distinct]*partSum
}

// partSum is the sum of the progress of the parts of one series.
type partSum struct {
	key                attribute.Distinct
	trace              trace.TraceID // of the parts summed
	steps, done, total int64
}

// joinSums makes the run, a part of another run in trace tid, add its
// progress to its series' sums.
func (r *Run) joinSums(tid trace.TraceID) {
	set := attribute.NewSet(r.runAttrs...)
	key := set.Equivalent()
	partSums.mu.Lock()
	if partSums.m == nil {
		partSums.m = make(map[attribute.Distinct]*partSum)
	}
	ps := partSums.m[key]
	if ps == nil || ps.trace != tid {
		ps = &partSum{key: key, trace: tid}
		partSums.m[key] = ps
	}
	partSums.mu.Unlock()
	r.ins.mu.Lock() // after partSums.mu: record takes them the other way round
	r.sums = ps
	r.ins.mu.Unlock()
}

// record adds a part's change from last to now to its series' sums and, if
// changed, records them; nothing once a part of a newer trace took the
// series over. It runs under the part's instruments lock.
func (ps *partSum) record(ctx context.Context, ins *instruments, now, last progressState, changed bool) {
	partSums.mu.Lock() // orders the records of the parts of one series
	defer partSums.mu.Unlock()
	ps.steps += now.steps - last.steps
	ps.done += now.done - last.done
	ps.total += now.total - last.total
	if !changed || partSums.m[ps.key] != ps {
		return // unchanged, or a newer run's parts own the series
	}
	ins.steps.Record(ctx, ps.steps, ins.runOpts...)
	ins.finished.Record(ctx, ps.done, ins.runOpts...)
	if ps.total > 0 {
		ins.planned.Record(ctx, ps.total, ins.runOpts...)
		ins.ratio.Record(ctx, min(float64(ps.done)/float64(ps.total), 1), ins.runOpts...)
	}
}

// countActive adds the run to [ActiveRunsMetricName] once, unless it has
// ended. Run.End takes it out only if it was counted, so the counter never
// goes below zero whatever the order of NewRun, the installation of a meter
// provider and End.
func (r *Run) countActive(ctx context.Context) {
	r.lv.activeMu.Lock()
	defer r.lv.activeMu.Unlock()
	if r.lv.counted.Load() || r.ended.Load() || !r.ins.active.Enabled(ctx) {
		return
	}
	r.ins.active.Add(ctx, 1, r.ins.addOpts...)
	r.lv.counted.Store(true)
}

// uncountActive takes an ended run out of [ActiveRunsMetricName] if it was
// counted in.
func (r *Run) uncountActive(ctx context.Context) {
	r.lv.activeMu.Lock()
	defer r.lv.activeMu.Unlock()
	if r.lv.counted.Load() {
		r.ins.active.Add(ctx, -1, r.ins.addOpts...)
	}
}

// durationOpts returns the record options of the duration series of a
// component, one per result, in the order of the results array.
func durationOpts(runAttrs []attribute.KeyValue, comp attribute.KeyValue) [numResults][]metric.RecordOption {
	var out [numResults][]metric.RecordOption
	for i, res := range results {
		kvs := append(append([]attribute.KeyValue(nil), runAttrs...), comp, StepResultKey.String(res))
		out[i] = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(kvs...))}
	}
	return out
}

// series are the options of a component's series without a result: run (+
// run id) and component, for otelstep.step.progress and
// otelstep.step.elapsed.
type series struct {
	record  []metric.RecordOption
	observe []metric.ObserveOption
}

func newSeries(runAttrs []attribute.KeyValue, comp attribute.KeyValue) series {
	kvs := append(append([]attribute.KeyValue(nil), runAttrs...), comp)
	opt := metric.WithAttributeSet(attribute.NewSet(kvs...))
	return series{record: []metric.RecordOption{opt}, observe: []metric.ObserveOption{opt}}
}

// Step results: the values of StepResultKey.
const (
	resultOK = iota
	resultError
	resultAbandoned
	numResults
)

var results = [numResults]string{"ok", "error", "abandoned"}

// liveRun is a run's live-progress state: its total, its finished steps, its
// clock, its place in otelstep.runs.active, the elapsed-gauge callback and
// the running-step watcher.
type liveRun struct {
	total atomic.Int64 // expected steps; 0: unknown
	// open counts the Run.Start steps not yet ended; it changes, and is read,
	// under instruments.mu, with the step number a Run.Start step takes. The
	// finished steps (ended Run.Start steps and taken StepLogger steps) are
	// the steps taken less open: a StepLogger step costs one atomic add, and
	// the count only grows.
	open int64
	// partial is the sum of the done fractions of the open Run.Start steps
	// that reported progress, in partialUnit.
	partial atomic.Int64

	now   func() time.Time // time.Now; tests inject a clock
	began time.Time        // when the run was made

	activeMu sync.Mutex  // orders the runs.active Add calls
	counted  atomic.Bool // the run is in runs.active

	regMu   sync.Mutex
	reg     metric.Registration // the otelstep.step.elapsed callback
	regDone atomic.Bool         // registered, or no longer to be: the run has ended

	// The watcher of running steps and of the run, guarded by Run.mu.
	watching  bool
	runMarked bool          // the run's marker is out (or not wanted)
	runStart  time.Time     // the start of the run span of Start
	wake      chan struct{} // the run has ended
}

// initLive sets up the live-progress state of a new run.
func (r *Run) initLive() {
	r.lv.now = time.Now
	if r.cfg.now != nil { // a test's clock
		r.lv.now = r.cfg.now
	}
	r.lv.began = r.lv.now()
	r.lv.total.Store(int64(r.cfg.total))
	r.lv.wake = make(chan struct{}, 1)
	r.countActive(context.Background())
}

// registerElapsed registers the run's otelstep.step.elapsed callback, once,
// when its first Run.Start step opens: a run of StepLogger steps alone has
// none, and costs the meter provider nothing. It must not be called with
// Run.mu held, since a collection calls the callback, which takes it, with
// the SDK's own lock held.
func (r *Run) registerElapsed() {
	if r.lv.regDone.Load() {
		return
	}
	r.lv.regMu.Lock()
	defer r.lv.regMu.Unlock()
	if r.lv.regDone.Load() {
		return
	}
	r.lv.regDone.Store(true)
	reg, err := r.ins.meter.RegisterCallback(r.observeElapsed, r.ins.elapsed)
	handle(err)
	r.lv.reg = reg
}

// unregisterElapsed unregisters the run's callback, if any, and prevents a
// later registration.
func (r *Run) unregisterElapsed() {
	r.lv.regMu.Lock()
	defer r.lv.regMu.Unlock()
	r.lv.regDone.Store(true)
	if r.lv.reg != nil {
		handle(r.lv.reg.Unregister())
		r.lv.reg = nil
	}
}

// endLive finishes the live-progress state of an ended run: it stops the
// watcher, unregisters the elapsed callback, records the progress gauges a
// last time and takes the run out of otelstep.runs.active.
func (r *Run) endLive(ctx context.Context) {
	r.wakeWatcher()
	r.unregisterElapsed()
	r.recordProgress(ctx, true)
	r.uncountActive(ctx)
}

// totalSteps returns the run's expected number of steps, 0 when unknown.
func (r *Run) totalSteps() int { return int(r.lv.total.Load()) }

// SetTotal sets the number of steps the run is expected to take, as
// [WithTotalSteps] does when the run is made: a plan step that discovers
// the work can say how much there is. From then on the progress gauges, the
// [StepEventName] events, the spans of the steps that start or end, the
// run's marker span and the run span of [Start] at [Run.End] carry the new
// total. n <= 0 means the total is unknown: the progress and
// remaining gauges are no longer recorded (they keep their last value).
// After [Run.End], SetTotal does nothing.
func (r *Run) SetTotal(n int) {
	if r.ended.Load() {
		return
	}
	r.lv.total.Store(int64(max(n, 0)))
	r.recordProgress(context.Background(), false)
}

// partialUnit is the unit of liveRun.partial: a millionth of a step.
const partialUnit = 1_000_000

// remaining returns the estimated seconds until the run reaches its total,
// from the pace of the run so far, and whether it is known: elapsed ×
// (total − d) / d, where d is the finished steps plus the done fractions of
// the open steps ([Step.Progress]); without in-step progress, tqdm's
// estimate. It is not known before any work is done, and 0 once the total
// is reached or the run has ended.
func (r *Run) remaining(c progressState) (float64, bool) {
	d := float64(c.done) + float64(c.partial)/partialUnit
	switch {
	case c.total <= 0:
		return 0, false
	case c.done >= c.total || r.ended.Load():
		return 0, true
	case d <= 0:
		return 0, false
	}
	elapsed := max(r.lv.now().Sub(r.lv.began).Seconds(), 0)
	return max(elapsed*(float64(c.total)-d)/d, 0), true
}

// liveStep is a Run.Start step's live state: its own progress and whether
// its running marker was emitted.
type liveStep struct {
	mu           sync.Mutex
	done, total  int64 // from the last Progress call
	frac         int64 // done/total in partialUnit: this step's share of liveRun.partial
	reported     bool  // Progress was called
	ended        bool  // the step has ended: Progress does nothing
	totalAtStart int   // the run's total when the step started (guarded by Run.mu until then)

	marked bool // the running marker is out (or not wanted); guarded by Run.mu
}

// Progress reports how far the step has got in its own work: done units of
// total (rows copied, functions compiled, hosts deployed). The values are
// absolute, not increments, so that reporting twice, or again after a retry,
// is harmless.
//
// It records done/total in the [StepProgressMetricName] gauge, with the
// run's attributes and the step's component (never the step number), unless
// the progress gauges are off, and the step span carries the last values
// as [StepDoneKey] and [StepTotalKey] when it ends. The run's time left
// ([RemainingMetricName]) counts the step as done/total of a step from
// then on, and is recorded again.
//
// Bad values are clamped, never an error: a negative done counts as 0, a
// done above total as total, so the gauge stays within [0, 1]. total <= 0
// means the total is unknown: the span gets done alone and the gauge is not
// recorded. After [Step.End], Progress does nothing; on a step taken after
// [Run.End], it records no gauge. A nil ctx is [context.Background].
func (s *Step) Progress(ctx context.Context, done, total int64) {
	if s == nil || s.log.run == nil {
		return
	}
	done = max(done, 0)
	if total > 0 {
		done = min(done, total)
	} else {
		total = 0
	}
	if ctx == nil {
		ctx = context.Background()
	}
	r := s.log.run
	p := &s.lv
	p.mu.Lock()
	if p.ended {
		p.mu.Unlock()
		return
	}
	p.done, p.total, p.reported = done, total, true
	var frac int64
	if total > 0 {
		frac = int64(float64(done) / float64(total) * partialUnit)
	}
	r.lv.partial.Add(frac - p.frac)
	p.frac = frac
	if g := r.ins.stepRatio; g != nil && total > 0 && !r.ended.Load() {
		g.Record(ctx, float64(done)/float64(total), s.log.comp.series.record...)
	}
	p.mu.Unlock()
	r.recordProgress(ctx, false)
}

// progressAttrs returns the step's in-step progress attributes:
// otelstep.step.done, and otelstep.step.total when known; none when the
// step never reported any.
func (s *Step) progressAttrs() []attribute.KeyValue {
	p := &s.lv
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.attrs()
}

func (p *liveStep) attrs() []attribute.KeyValue {
	switch {
	case !p.reported:
		return nil
	case p.total > 0:
		return []attribute.KeyValue{StepDoneKey.Int64(p.done), StepTotalKey.Int64(p.total)}
	default:
		return []attribute.KeyValue{StepDoneKey.Int64(p.done)}
	}
}

// endProgress stops the step's progress reports and sets, on its span, the
// last in-step progress and the run's total when it changed since the step
// started. It runs once, before the span ends, and returns the step's share
// of liveRun.partial, which the caller takes out once the step counts as
// finished.
func (s *Step) endProgress() (frac int64) {
	p := &s.lv
	p.mu.Lock()
	p.ended = true
	attrs := p.attrs()
	frac = p.frac
	p.mu.Unlock()
	if total := s.log.run.totalSteps(); total > 0 && total != p.totalAtStart {
		attrs = append(attrs, StepsTotalKey.Int(total))
	}
	if len(attrs) > 0 {
		s.span.SetAttributes(attrs...)
	}
	return frac
}

// observeElapsed is the callback of the otelstep.step.elapsed gauge: at each
// collection, for every component of the run with a Run.Start step not yet
// ended, the age in seconds of the oldest such step. A component with no
// open step is not observed, so its series is gone from that collection on.
// Run.End unregisters the callback.
func (r *Run) observeElapsed(_ context.Context, o metric.Observer) error {
	now := r.lv.now()
	r.mu.RLock()
	var oldest map[*component]time.Time
	for s := range r.openSteps {
		if oldest == nil {
			oldest = make(map[*component]time.Time)
		}
		if t, ok := oldest[s.log.comp]; !ok || s.start.Before(t) {
			oldest[s.log.comp] = s.start
		}
	}
	r.mu.RUnlock()
	for c, t := range oldest {
		o.ObserveFloat64(r.ins.elapsed, max(now.Sub(t).Seconds(), 0), c.series.observe...)
	}
	return nil
}
