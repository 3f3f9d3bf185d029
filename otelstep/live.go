package otelstep

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// DefaultLiveAfter is how long a [Run.Start] step, or a run of [Start],
// runs before its marker span is exported, unless [WithLiveSteps] says
// otherwise.
//
// 5 s is the default schedule delay of the SDK's batch span processor
// (OTEL_BSP_SCHEDULE_DELAY): a step that ends sooner reaches the backend
// about as soon as a marker would, so it costs nothing extra; a step that
// runs longer is findable within about 10 s of its start instead of only
// after it ends.
const DefaultLiveAfter = 5 * time.Second

// WithLiveSteps makes the [Run.Start] steps, and the run of [Start], that
// are still running after the duration after visible in a trace backend
// such as Jaeger, where a span appears only once it has ended.
//
// For each such step, the run exports one short marker span named
// [LiveSpanName]: a child of the step span, starting when the step started
// and ending when the marker is made, with the step's attributes
// (otelstep.run, otelstep.step.number, otelstep.component,
// otelstep.steps.total, and those the step's logger carries from With, as
// on the step span) and its in-step progress so far ([StepDoneKey],
// [StepTotalKey]). A [WithLabel] label is in the step span's name only, not
// on the marker. Search the backend for that operation name to find the
// steps running now; once a step ends, its own span "Step N: component"
// appears once, with the marker under it.
//
// A run made with [Start] that is still running after the duration gets
// one marker too, named [LiveRunSpanName]: a child of the run span,
// starting when the run started and ending when the marker is made, with
// the run's attributes (otelstep.run, otelstep.run.id) and
// otelstep.steps.total when known. Search for that operation name to find
// the jobs running now. The markers of a run's steps are children of step
// spans that hang under the run span: until the run ends, a trace backend
// has none of these parents, and shows the run marker and the step markers
// of one trace side by side, each with a parent it has not received yet.
// Once the run ends, the trace holds the run span once, with its marker,
// its steps and their markers under it.
//
// The markers come from one goroutine per run, started when a step opens,
// or when [Start] makes the run, and none is running; it wakes when the
// next step or the run is due, and is gone once nothing is left to watch
// (within after) or at once when the run ends. A step, or a run, that ends
// before after costs no timer, no goroutine of its own and no span. A step
// or run whose span is not recording (no SDK) is never watched.
//
// after <= 0 turns the markers off. The default is [DefaultLiveAfter].
func WithLiveSteps(after time.Duration) Option {
	return optFunc(func(c config) config {
		c.liveAfter = max(after, 0)
		return c
	})
}

// opened is called with Run.mu held when the Run.Start step s has opened: it
// notes the run's total at the step's start and starts the watcher of
// running steps if s is to be watched and none runs.
func (r *Run) opened(s *Step) {
	s.lv.totalAtStart = r.totalSteps()
	if r.cfg.liveAfter <= 0 || !s.span.IsRecording() {
		s.lv.marked = true // nothing to watch
		return
	}
	r.startWatcher()
}

// openedRun is called with Run.mu held when Start has started the run span:
// it starts the watcher if the run is to be watched and none runs.
func (r *Run) openedRun() {
	if r.cfg.liveAfter <= 0 || !r.span.IsRecording() {
		r.lv.runMarked = true // nothing to watch
		return
	}
	r.startWatcher()
}

// startWatcher starts the watcher, with Run.mu held, unless it runs or the
// run has ended.
func (r *Run) startWatcher() {
	if r.lv.watching || r.ended.Load() {
		return
	}
	r.lv.watching = true
	go r.watch(r.cfg.liveAfter)
}

// wakeWatcher makes the watcher look again now, if it sleeps: Run.End uses
// it so that the watcher returns at once.
func (r *Run) wakeWatcher() {
	select {
	case r.lv.wake <- struct{}{}:
	default:
	}
}

// watch emits the marker span of each open step, and of the run of Start,
// once it has run for after. It sleeps until the next step or the run is
// due, or until the run ends, and returns when nothing is left to mark or
// the run has ended.
//
// A step that ends does not wake it: in a run of quick steps one after the
// other, the watcher then wakes once per after, whatever the number of
// steps, instead of being started and stopped for each. It outlives the
// last open step by at most after.
func (r *Run) watch(after time.Duration) {
	var due []*Step
	for {
		now := r.lv.now()
		due = due[:0]
		var next time.Time
		markRun := false
		r.mu.Lock()
		if r.span != nil && !r.lv.runMarked && !r.ended.Load() {
			if at := r.lv.runStart.Add(after); !at.After(now) {
				r.lv.runMarked = true
				markRun = true
			} else {
				next = at
			}
		}
		for s := range r.openSteps {
			if s.lv.marked {
				continue
			}
			if at := s.start.Add(after); !at.After(now) {
				s.lv.marked = true
				due = append(due, s)
			} else if next.IsZero() || at.Before(next) {
				next = at
			}
		}
		stop := next.IsZero() || r.ended.Load() // nothing left to mark, or the run is over
		if stop {
			r.lv.watching = false
		}
		r.mu.Unlock()
		if markRun {
			r.markRun(now)
		}
		for _, s := range due {
			s.mark(now)
		}
		if stop {
			return
		}
		t := time.NewTimer(next.Sub(now))
		if r.cfg.asleep != nil {
			select {
			case r.cfg.asleep <- struct{}{}:
			default:
			}
		}
		select {
		case <-t.C:
		case <-r.lv.wake: // the run has ended
			t.Stop()
		}
	}
}

// mark exports the marker span of the running step s, ending at now.
func (s *Step) mark(now time.Time) {
	attrs := s.log.attrs(2) // as on the step span: which of the steps it is
	attrs = append(attrs, s.progressAttrs()...)
	ctx := trace.ContextWithSpan(context.Background(), s.span)
	_, span := s.log.run.tracer().Start(ctx, LiveSpanName,
		trace.WithTimestamp(s.start), trace.WithAttributes(attrs...))
	span.End(trace.WithTimestamp(now))
}

// markRun exports the marker span of the running run of Start, ending at
// now.
func (r *Run) markRun(now time.Time) {
	attrs := r.runAttrs
	if t := r.totalSteps(); t > 0 {
		attrs = append(attrs[:len(attrs):len(attrs)], StepsTotalKey.Int(t))
	}
	ctx := trace.ContextWithSpan(context.Background(), r.span)
	_, span := r.tracer().Start(ctx, LiveRunSpanName,
		trace.WithTimestamp(r.lv.runStart), trace.WithAttributes(attrs...))
	span.End(trace.WithTimestamp(now))
}
