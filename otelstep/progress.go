package otelstep

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// liveRun is a run's live-progress state: its total, its finished steps, its
// clock, its place in otelstep.runs.active, the elapsed-gauge callback and
// the running-step watcher.
type liveRun struct {
	total atomic.Int64 // expected steps; 0: unknown
	done  atomic.Int64 // finished Run.Start steps + taken StepLogger steps

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
	asleep    chan struct{} // tests only: told when the watcher sleeps
}

// initLive sets up the live-progress state of a new run.
func (r *Run) initLive() {
	r.lv.now = time.Now
	if r.cfg.now != nil {
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

// stepDone counts one more finished step: a StepLogger step when it is
// taken, a Run.Start step when it ends.
func (r *Run) stepDone() { r.lv.done.Add(1) }

// finish counts a Run.Start step that has just ended and records the
// progress gauges.
func (r *Run) finish() {
	r.stepDone()
	r.recordProgress(context.Background(), false)
}

// remaining returns the estimated seconds until done reaches total, from the
// pace of the run so far (elapsed × left / done), and whether it is known:
// it is not before the first finished step. It is 0 once the total is
// reached or the run has ended.
func (r *Run) remaining(done, total int64) (float64, bool) {
	switch {
	case total <= 0:
		return 0, false
	case done >= total || r.ended.Load():
		return 0, true
	case done <= 0:
		return 0, false
	}
	elapsed := max(r.lv.now().Sub(r.lv.began).Seconds(), 0)
	return elapsed * float64(total-done) / float64(done), true
}

// liveStep is a Run.Start step's live state: its own progress and whether
// its running marker was emitted.
type liveStep struct {
	mu           sync.Mutex
	done, total  int64 // from the last Progress call
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
// as [StepDoneKey] and [StepTotalKey] when it ends.
//
// Bad values are clamped, never an error: a negative done counts as 0, a
// done above total as total, so the gauge stays within [0, 1]. total <= 0
// means the total is unknown: the span gets done alone and the gauge is not
// recorded. After [Step.End], Progress does nothing; on a step taken after
// [Run.End], it records no gauge. A nil ctx is [context.Background].
func (s *Step) Progress(ctx context.Context, done, total int64) {
	if s == nil {
		return
	}
	done = max(done, 0)
	if total > 0 {
		done = min(done, total)
	} else {
		total = 0
	}
	p := &s.lv
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		return
	}
	p.done, p.total, p.reported = done, total, true
	if g := s.run.ins.stepRatio; g != nil && total > 0 && !s.run.ended.Load() {
		if ctx == nil {
			ctx = context.Background()
		}
		g.Record(ctx, float64(done)/float64(total), s.comp.series.record...)
	}
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
// started. It runs once, before the span ends.
func (s *Step) endProgress() {
	p := &s.lv
	p.mu.Lock()
	p.ended = true
	attrs := p.attrs()
	p.mu.Unlock()
	if total := s.run.totalSteps(); total > 0 && total != p.totalAtStart {
		attrs = append(attrs, StepsTotalKey.Int(total))
	}
	if len(attrs) > 0 {
		s.span.SetAttributes(attrs...)
	}
}
