package otelstep_test

import (
	"context"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TestRunEndOrder checks that Run.End ends the abandoned steps' spans before
// the run span, and that the run span carries the last total.
func TestRunEndOrder(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	bg := context.Background()
	_, run := otelstep.Start(bg, "migrate", s.opts(otelstep.WithTotalSteps(2))...)
	_, a := run.Start(bg, run.Logger("copy"), otelstep.WithLabel("copy users"))
	_, b := run.Start(bg, run.Logger("copy"))
	run.StepLogger(bg, run.Logger("check"))
	run.SetTotal(5) // a plan step found more work
	run.End(bg)
	_, _ = a, b

	ended := s.spans.Ended()
	if len(ended) != 3 || ended[2].Name() != "migrate" {
		names := make([]string, len(ended))
		for i, sp := range ended {
			names[i] = sp.Name()
		}
		t.Fatalf("spans in the order they ended = %v, want the two steps, then the run", names)
	}
	runSpan := ended[2]
	for _, sp := range ended[:2] {
		if sp.Parent().SpanID() != runSpan.SpanContext().SpanID() {
			t.Errorf("%s: parent is not the run span", sp.Name())
		}
		if sp.EndTime().After(runSpan.EndTime()) {
			t.Errorf("%s ends after the run span", sp.Name())
		}
		if got := eventAttrs(sp.Attributes())[otelstep.StepResultKey].AsString(); got != "abandoned" {
			t.Errorf("%s: result %q, want abandoned", sp.Name(), got)
		}
		if got := eventAttrs(sp.Attributes())[otelstep.StepsTotalKey].AsInt64(); got != 5 {
			t.Errorf("%s: total %d at its end, want 5", sp.Name(), got)
		}
	}
	if got := eventAttrs(runSpan.Attributes())[otelstep.StepsTotalKey].AsInt64(); got != 5 {
		t.Errorf("run span total = %d, want 5 (the last SetTotal)", got)
	}

	// Unknown total: no total on the run span.
	s = newSDK(t)
	_, run = otelstep.Start(bg, "open-ended", s.opts()...)
	run.End(bg)
	if _, ok := eventAttrs(named(s, "open-ended")[0].Attributes())[otelstep.StepsTotalKey]; ok {
		t.Errorf("run span with the total unknown carries a total")
	}
}

// TestStepsAfterEnd checks that steps taken after Run.End are numbered and
// logged, hang under the run span, start no watcher, and leave the values
// End recorded as the last ones of the gauges.
func TestStepsAfterEnd(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	bg := context.Background()
	_, run := otelstep.Start(bg, "late", s.opts(otelstep.WithTotalSteps(4), otelstep.WithLiveSteps(time.Nanosecond))...)
	run.StepLogger(bg, run.Logger("a"))
	run.End(bg)
	waitFor(t, "the watcher to stop at End", func() bool { return !otelstep.Watching(run) })
	rm := s.collect(t)
	steps := gauge[int64](t, rm, otelstep.StepsMetricName)["late"]
	progress := gauge[float64](t, rm, otelstep.ProgressMetricName)["late"]
	if steps != 1 || progress != 0.25 {
		t.Fatalf("at End: steps %d, progress %v; want 1, 0.25", steps, progress)
	}

	log := run.StepLogger(bg, run.Logger("a"))
	log.Info(bg, "after End")
	stepCtx, st := run.Start(bg, run.Logger("b"))
	st.Info(stepCtx, "after End too")
	st.Progress(stepCtx, 1, 2)
	if otelstep.Watching(run) {
		t.Errorf("a step taken after End started a watcher")
	}
	st.End(nil)
	if st.Number() != 3 {
		t.Errorf("step number after End = %d, want 3", st.Number())
	}
	rm = s.collect(t)
	if got := gauge[int64](t, rm, otelstep.StepsMetricName)["late"]; got != steps {
		t.Errorf("steps gauge after End moved to %d, want %d (End's)", got, steps)
	}
	if got := gauge[float64](t, rm, otelstep.ProgressMetricName)["late"]; got != progress {
		t.Errorf("progress gauge after End moved to %v, want %v (End's)", got, progress)
	}
	if got, ok := s.ComponentGauge(otelstep.StepProgressMetricName, "late", "b"); ok {
		t.Errorf("step progress of a step taken after End recorded: %v", got)
	}
	if got := s.ActiveRuns("late"); got != 0 {
		t.Errorf("active runs after End = %d, want 0", got)
	}
	var bodies []string
	for _, m := range s.Messages() {
		bodies = append(bodies, m.Body)
	}
	if slogString(bodies) != slogString([]string{"Step 2: after End", "Step 3: after End too"}) {
		t.Errorf("messages after End = %v", bodies)
	}
	runSpan := named(s, "late")[0]
	late := named(s, "Step 3: b")
	if len(late) != 1 || late[0].Parent().SpanID() != runSpan.SpanContext().SpanID() {
		t.Errorf("a step started after End is not a child of the run span")
	}
	var markers []sdktrace.ReadOnlySpan
	markers = append(markers, named(s, otelstep.LiveSpanName)...)
	if len(markers) != 0 {
		t.Errorf("%d step markers after End", len(markers))
	}
}
