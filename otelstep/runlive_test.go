package otelstep_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel/trace/noop"
)

// TestLiveRunMarker drives the watcher of a run of Start on the test's
// clock: the run gets one marker, a child of the run span, once it has run
// for the threshold; a step taken with a context that has no span hangs
// under the run span, and its marker under the step span.
func TestLiveRunMarker(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	clk := &clock{base: time.Now()}
	_, run := otelstep.Start(context.Background(), "deploy", s.opts(otelstep.WithClock(clk.now),
		otelstep.WithLiveSteps(time.Minute), otelstep.WithTotalSteps(3), otelstep.WithRunID("w1"))...)
	if !otelstep.Watching(run) {
		t.Fatalf("no watcher for a run of Start with no step yet")
	}
	bg := context.Background() // no span: the steps go under the run span
	clk.add(10 * time.Second)
	_, st := run.Start(bg, run.Logger("rollout").With("region", "eu-west"), otelstep.WithLabel("rollout eu-west"))
	run.StepLogger(bg, run.Logger("check")).Info(bg, "checked")

	clk.add(50 * time.Second) // the run is a minute old, the step 50 s
	otelstep.Wake(run)
	waitFor(t, "the run marker", func() bool { return len(named(s, otelstep.LiveRunSpanName)) > 0 })
	if n := len(named(s, otelstep.LiveSpanName)); n != 0 {
		t.Errorf("%d step markers before the step is a minute old", n)
	}
	clk.add(10 * time.Second)
	otelstep.Wake(run)
	waitFor(t, "the step marker", func() bool { return len(named(s, otelstep.LiveSpanName)) > 0 })
	if len(s.spans.Ended()) != 2 {
		t.Errorf("%d spans ended while the run runs, want the 2 markers", len(s.spans.Ended()))
	}

	rm := named(s, otelstep.LiveRunSpanName)[0]
	runSC := run.Span().SpanContext()
	if rm.Parent().SpanID() != runSC.SpanID() || rm.SpanContext().TraceID() != runSC.TraceID() {
		t.Errorf("run marker parent = %v, want the run span %v", rm.Parent().SpanID(), runSC.SpanID())
	}
	if rm.Name() == run.Name() || strings.HasPrefix(rm.Name(), "Step ") {
		t.Errorf("run marker named %q: taken for the run or a step", rm.Name())
	}
	attrs := eventAttrs(rm.Attributes())
	if attrs[otelstep.RunKey].AsString() != "deploy" || attrs[otelstep.RunIDKey].AsString() != "w1" ||
		attrs[otelstep.StepsTotalKey].AsInt64() != 3 {
		t.Errorf("run marker attributes = %v", rm.Attributes())
	}
	if _, ok := attrs[otelstep.StepNumberKey]; ok {
		t.Errorf("run marker carries a step number: %v", rm.Attributes())
	}
	if d := rm.EndTime().Sub(rm.StartTime()); d != time.Minute {
		t.Errorf("run marker lasts %v, want the minute the run had run", d)
	}
	sm := named(s, otelstep.LiveSpanName)[0]
	if sm.Parent().SpanID() != st.Span().SpanContext().SpanID() {
		t.Errorf("step marker parent = %v, want the step span", sm.Parent().SpanID())
	}
	sa := eventAttrs(sm.Attributes())
	if sa[otelstep.ComponentKey].AsString() != "rollout" || sa["region"].AsString() != "eu-west" {
		t.Errorf("marker of a labelled step with With attributes = %v, want component rollout and region eu-west", sm.Attributes())
	}

	st.End(nil)
	run.End(bg)
	waitFor(t, "the watcher to stop at End", func() bool { return !otelstep.Watching(run) })
	runSpans := named(s, "deploy")
	step := named(s, "Step 1: rollout eu-west")
	if len(runSpans) != 1 || len(step) != 1 || len(named(s, otelstep.LiveRunSpanName)) != 1 ||
		len(named(s, otelstep.LiveSpanName)) != 1 {
		t.Fatalf("%d run spans, %d step spans, %d run markers, %d step markers: want one each",
			len(runSpans), len(step), len(named(s, otelstep.LiveRunSpanName)), len(named(s, otelstep.LiveSpanName)))
	}
	if step[0].Parent().SpanID() != runSC.SpanID() {
		t.Errorf("step span parent = %v, want the run span", step[0].Parent().SpanID())
	}
	if !rm.StartTime().Equal(runSpans[0].StartTime()) || rm.EndTime().After(runSpans[0].EndTime()) {
		t.Errorf("run marker %v..%v, run %v..%v: want the run's start, an end within the run",
			rm.StartTime(), rm.EndTime(), runSpans[0].StartTime(), runSpans[0].EndTime())
	}
	for _, sp := range s.spans.Ended() {
		if sp.SpanContext().TraceID() != runSC.TraceID() {
			t.Errorf("span %q in another trace", sp.Name())
		}
	}
	// The recorder's steps: the two steps once each, no marker.
	steps := s.Steps()
	if len(steps) != 2 || steps[0].Number != 1 || !steps[0].Timed || steps[1].Number != 2 || steps[1].Timed {
		t.Errorf("Steps() = %+v, want the Start step and the StepLogger step", steps)
	}
}

// TestLiveRunQuick checks that a run of Start that ends before the
// threshold, one with live steps off and one with no SDK cost no marker
// and leave no watcher.
func TestLiveRunQuick(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	clk := &clock{base: time.Now()}
	_, run := otelstep.Start(context.Background(), "quick", s.opts(otelstep.WithClock(clk.now),
		otelstep.WithLiveSteps(time.Hour))...)
	_, st := run.Start(context.Background(), run.Logger("c"))
	clk.add(59 * time.Minute)
	otelstep.Wake(run)
	st.End(nil)
	run.End(context.Background())
	waitFor(t, "the watcher to stop at End", func() bool { return !otelstep.Watching(run) })
	if n := len(named(s, otelstep.LiveRunSpanName)) + len(named(s, otelstep.LiveSpanName)); n != 0 {
		t.Errorf("%d markers for a run shorter than the threshold", n)
	}

	for name, opts := range map[string][]otelstep.Option{
		"off":    s.opts(otelstep.WithLiveSteps(0)),
		"no SDK": {otelstep.WithTracerProvider(noop.NewTracerProvider()), otelstep.WithLiveSteps(time.Nanosecond)},
	} {
		_, run := otelstep.Start(context.Background(), name, opts...)
		if otelstep.Watching(run) {
			t.Errorf("%s: a watcher runs", name)
		}
		run.End(context.Background())
	}
	if n := len(named(s, otelstep.LiveRunSpanName)); n != 0 {
		t.Errorf("%d run markers with live steps off", n)
	}
}

// TestLiveRunNoLeak checks on the real clock that the watcher of a run of
// Start stops once the run's marker is out and no step is open, and that no
// watcher outlives many runs.
func TestLiveRunNoLeak(t *testing.T) {
	s := newSDK(t)
	before := runtime.NumGoroutine()
	_, run := otelstep.Start(context.Background(), "long", s.opts(otelstep.WithLiveSteps(time.Millisecond))...)
	waitFor(t, "the run marker on the real clock", func() bool { return len(named(s, otelstep.LiveRunSpanName)) == 1 })
	waitFor(t, "the watcher to stop with the run marked and no step open",
		func() bool { return !otelstep.Watching(run) })
	_, st := run.Start(context.Background(), run.Logger("c")) // a new watcher, for the step only
	waitFor(t, "the step marker", func() bool { return len(named(s, otelstep.LiveSpanName)) == 1 })
	st.End(nil)
	run.End(context.Background())
	if n := len(named(s, otelstep.LiveRunSpanName)); n != 1 {
		t.Errorf("%d run markers, want 1", n)
	}

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			after := []time.Duration{time.Microsecond, time.Hour}[i%2]
			_, run := otelstep.Start(context.Background(), "leak", s.opts(otelstep.WithLiveSteps(after))...)
			for range 10 {
				_, st := run.Start(context.Background(), run.Logger("c"))
				st.End(nil)
			}
			run.End(context.Background())
			waitFor(t, "the watcher to stop", func() bool { return !otelstep.Watching(run) })
		})
	}
	wg.Wait()
	waitFor(t, "the goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}
