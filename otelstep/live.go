package otelstep

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// LiveSpanName is the name of the marker span that makes a running step
// visible in a trace backend before it ends (see [WithLiveSteps]). It is not
// "Step N: ...", so that nobody, and no query on step span names, takes it
// for a second step.
const LiveSpanName = "otelstep.step.running"

// DefaultLiveAfter is how long a [Run.Start] step runs before its marker span
// is exported, unless [WithLiveSteps] says otherwise.
//
// 5 s is the default schedule delay of the SDK's batch span processor
// (OTEL_BSP_SCHEDULE_DELAY): a step that ends sooner reaches the backend
// about as soon as a marker would, so it costs nothing extra; a step that
// runs longer is findable within about 10 s of its start instead of only
// after it ends.
const DefaultLiveAfter = 5 * time.Second

// WithLiveSteps makes the [Run.Start] steps that are still running after
// the duration after visible in a trace backend such as Jaeger, where a span
// appears only once it has ended.
//
// For each such step, the run exports one short marker span named
// [LiveSpanName]: a child of the step span, starting when the step started
// and ending when the marker is made, with the step's attributes
// (otelstep.run, otelstep.step.number, otelstep.component,
// otelstep.steps.total) and its in-step progress so far ([StepDoneKey],
// [StepTotalKey]). Search the backend for that operation name to find the
// steps running now; once a step ends, its own span "Step N: component"
// appears once, with the marker under it.
//
// The markers come from one goroutine per run, started when a step opens
// and none is running; it wakes when the next open step is due, and is gone
// once no open step is left to watch (within after) or at once when the run
// ends. A step that ends before after costs no timer, no goroutine of its
// own and no span. A step whose span is not recording (no SDK) is never
// watched.
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

// watch emits the marker span of each open step once it has run for after.
// It sleeps until the next step is due, or until the run ends, and returns
// when no open step is left to mark or the run has ended.
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
		r.mu.Lock()
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
		for _, s := range due {
			s.mark(now)
		}
		if stop {
			return
		}
		t := time.NewTimer(next.Sub(now))
		if r.lv.asleep != nil {
			select {
			case r.lv.asleep <- struct{}{}:
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
	attrs := append(s.run.stepAttrs(s.comp, s.n, true), s.progressAttrs()...)
	ctx := trace.ContextWithSpan(context.Background(), s.span)
	_, span := s.run.tracer().Start(ctx, LiveSpanName,
		trace.WithTimestamp(s.start), trace.WithAttributes(attrs...))
	span.End(trace.WithTimestamp(now))
}
