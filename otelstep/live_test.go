package otelstep_test

import (
	"context"
	"math"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// clock is a test clock that moves only when the test moves it.
type clock struct {
	base   time.Time
	offset atomic.Int64
}

func (c *clock) now() time.Time      { return c.base.Add(time.Duration(c.offset.Load())) }
func (c *clock) add(d time.Duration) { c.offset.Add(int64(d)) }

func newClock() *clock { return &clock{base: time.Now()} }

// opt returns the option that makes c a run's clock.
func (c *clock) opt() otelstep.Option { return otelstep.WithClock(c.now) }

// series returns the points of the float gauge name keyed by
// "run/component" (component "" for run-level series), failing on a step
// number among the attributes.
func series(t *testing.T, rm metricdata.ResourceMetrics, name string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, dp := range gaugePoints[float64](t, rm, name) {
		if _, ok := dp.Attributes.Value(otelstep.StepNumberKey); ok {
			t.Errorf("%s carries a step number: %v", name, dp.Attributes.ToSlice())
		}
		run, _ := dp.Attributes.Value(otelstep.RunKey)
		comp, _ := dp.Attributes.Value(otelstep.ComponentKey)
		out[run.AsString()+"/"+comp.AsString()] = dp.Value
	}
	return out
}

// unit returns the unit of the metric name, "" when absent.
func unit(rm metricdata.ResourceMetrics, name string) string {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m.Unit
			}
		}
	}
	return ""
}

func TestProgressCountsFinishedSteps(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	run := otelstep.NewRun("migrate", s.opts(otelstep.WithTotalSteps(8))...)
	var steps []*otelstep.Step
	for range 4 {
		_, st := run.Start(ctx, run.Logger("copy"))
		steps = append(steps, st)
	}
	rm := s.collect(t)
	if got := gauge[float64](t, rm, otelstep.ProgressMetricName)["migrate"]; got != 0 {
		t.Errorf("progress with 4 steps started, none ended = %v, want 0", got)
	}
	steps[0].End(nil)
	steps[2].End(context.Canceled) // any result counts
	rm = s.collect(t)
	if got := gauge[float64](t, rm, otelstep.ProgressMetricName)["migrate"]; got != 2.0/8 {
		t.Errorf("progress with 4 started, 2 ended = %v, want 0.25", got)
	}
	if got := gauge[int64](t, rm, otelstep.StepsMetricName)["migrate"]; got != 4 {
		t.Errorf("steps gauge = %d, want 4 (steps taken)", got)
	}
	// A StepLogger step counts when taken.
	run.StepLogger(ctx, run.Logger("check"))
	if got := gauge[float64](t, s.collect(t), otelstep.ProgressMetricName)["migrate"]; got != 3.0/8 {
		t.Errorf("progress after a StepLogger step = %v, want 0.375", got)
	}
	// The steps still open end as abandoned at End, and count.
	run.End(ctx)
	if got := gauge[float64](t, s.collect(t), otelstep.ProgressMetricName)["migrate"]; got != 5.0/8 {
		t.Errorf("progress after End = %v, want 0.625", got)
	}
}

func TestSetTotalMidRun(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx, root := s.tp.Tracer("test").Start(context.Background(), "root")
	run := otelstep.NewRun("plan", s.opts()...)
	_, plan := run.Start(ctx, run.Logger("plan"))
	if _, ok := gauge[float64](t, s.collect(t), otelstep.ProgressMetricName)["plan"]; ok {
		t.Errorf("progress recorded with the total unknown")
	}
	run.SetTotal(4)
	if run.Total() != 4 {
		t.Errorf("Total() = %d, want 4", run.Total())
	}
	plan.End(nil)
	rm := s.collect(t)
	if got := gauge[float64](t, rm, otelstep.ProgressMetricName)["plan"]; got != 0.25 {
		t.Errorf("progress after SetTotal(4) and one step ended = %v, want 0.25", got)
	}
	run.StepLogger(ctx, run.Logger("apply"))
	run.SetTotal(8) // the gauge follows the new total at once
	if got := gauge[float64](t, s.collect(t), otelstep.ProgressMetricName)["plan"]; got != 2.0/8 {
		t.Errorf("progress after SetTotal(8) = %v, want 0.25", got)
	}
	run.SetTotal(-3)
	if run.Total() != 0 {
		t.Errorf("Total() after SetTotal(-3) = %d, want 0 (unknown)", run.Total())
	}
	run.SetTotal(8)
	run.End(ctx)
	run.SetTotal(100) // after End: no-op
	if run.Total() != 8 {
		t.Errorf("Total() after SetTotal past End = %d, want 8", run.Total())
	}
	if got := gauge[float64](t, s.collect(t), otelstep.ProgressMetricName)["plan"]; got != 2.0/8 {
		t.Errorf("progress after End and SetTotal(100) = %v, want 0.25", got)
	}
	root.End()

	// The span of the step that set the total carries it once it ends; the
	// event of the step taken after it carries it too.
	sp := endedByName(s)["Step 1: plan"]
	if got := eventAttrs(sp.Attributes())[otelstep.StepsTotalKey]; got.AsInt64() != 4 {
		t.Errorf("plan step span %s = %v, want 4", otelstep.StepsTotalKey, got.Emit())
	}
	evs := s.events(otelstep.StepEventName)
	if len(evs) != 2 {
		t.Fatalf("%d step events, want 2", len(evs))
	}
	if _, ok := eventAttrs(evs[0].Attributes)[otelstep.StepsTotalKey]; ok {
		t.Errorf("step 1 event carries a total taken before SetTotal")
	}
	if got := eventAttrs(evs[1].Attributes)[otelstep.StepsTotalKey]; got.AsInt64() != 4 {
		t.Errorf("step 2 event %s = %v, want 4", otelstep.StepsTotalKey, got.Emit())
	}
}

func TestStepProgress(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	run := otelstep.NewRun("compile", s.opts(otelstep.WithRunID("w1"))...)
	_, st := run.Start(ctx, run.Logger("codegen"))
	st.Progress(ctx, 340, 1000)
	rm := s.collect(t)
	if got := series(t, rm, otelstep.StepProgressMetricName); got["compile/codegen"] != 0.34 || len(got) != 1 {
		t.Errorf("%s = %v, want compile/codegen:0.34", otelstep.StepProgressMetricName, got)
	}
	if u := unit(rm, otelstep.StepProgressMetricName); u != "1" {
		t.Errorf("unit = %q, want 1", u)
	}
	st.Progress(ctx, 1000, 1000)
	st.Progress(ctx, 999, 1000) // absolute: the last call wins
	if got := series(t, s.collect(t), otelstep.StepProgressMetricName)["compile/codegen"]; got != 0.999 {
		t.Errorf("after 999 of 1000 = %v", got)
	}
	st.End(nil)
	attrs := eventAttrs(endedByName(s)["Step 1: codegen"].Attributes())
	if attrs[otelstep.StepDoneKey].AsInt64() != 999 || attrs[otelstep.StepTotalKey].AsInt64() != 1000 {
		t.Errorf("span done/total = %v/%v, want 999/1000", attrs[otelstep.StepDoneKey].Emit(), attrs[otelstep.StepTotalKey].Emit())
	}
	// A step that never reports has neither attribute.
	_, quiet := run.Start(ctx, run.Logger("link"))
	quiet.End(nil)
	if _, ok := eventAttrs(endedByName(s)["Step 2: link"].Attributes())[otelstep.StepDoneKey]; ok {
		t.Errorf("step without Progress has %s", otelstep.StepDoneKey)
	}
}

func TestStepProgressBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		done, total int64
		ratio       float64 // -1: no gauge
		wantDone    int64
		wantTotal   int64 // -1: no attribute
	}{
		{"done above total", 15, 10, 1, 10, 10},
		{"negative done", -5, 10, 0, 0, 10},
		{"total zero", 7, 0, -1, 7, -1},
		{"negative total", 7, -1, -1, 7, -1},
		{"both negative", -1, -1, -1, 0, -1},
		{"huge", math.MaxInt64, math.MaxInt64, 1, math.MaxInt64, math.MaxInt64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSDK(t)
			run := otelstep.NewRun("bad", s.opts()...)
			_, st := run.Start(context.Background(), run.Logger("c"))
			st.Progress(nil, c.done, c.total) //nolint:staticcheck // a nil ctx must not panic
			got, ok := series(t, s.collect(t), otelstep.StepProgressMetricName)["bad/c"]
			if c.ratio < 0 && ok {
				t.Errorf("gauge recorded: %v", got)
			}
			if c.ratio >= 0 && (!ok || got != c.ratio) {
				t.Errorf("gauge = %v (recorded %v), want %v", got, ok, c.ratio)
			}
			st.End(nil)
			st.Progress(context.Background(), 1, 2) // after End: no-op
			if got, ok := series(t, s.collect(t), otelstep.StepProgressMetricName)["bad/c"]; ok && got == 0.5 {
				t.Errorf("Progress after End recorded %v", got)
			}
			attrs := eventAttrs(s.spans.Ended()[0].Attributes())
			if attrs[otelstep.StepDoneKey].AsInt64() != c.wantDone {
				t.Errorf("span done = %v, want %d", attrs[otelstep.StepDoneKey].Emit(), c.wantDone)
			}
			total, ok := attrs[otelstep.StepTotalKey]
			if c.wantTotal < 0 && ok {
				t.Errorf("span total = %v, want none", total.Emit())
			}
			if c.wantTotal >= 0 && total.AsInt64() != c.wantTotal {
				t.Errorf("span total = %v, want %d", total.Emit(), c.wantTotal)
			}
		})
	}
	var nilStep *otelstep.Step
	nilStep.Progress(context.Background(), 1, 2) // must not panic

	// Progress off: no gauge, still the span attributes.
	s := newSDK(t)
	run := otelstep.NewRun("off", s.opts(otelstep.WithProgress(false))...)
	_, st := run.Start(context.Background(), run.Logger("c"))
	st.Progress(context.Background(), 1, 2)
	st.End(nil)
	if got := series(t, s.collect(t), otelstep.StepProgressMetricName); len(got) != 0 {
		t.Errorf("step progress recorded with WithProgress(false): %v", got)
	}
	if got := eventAttrs(s.spans.Ended()[0].Attributes())[otelstep.StepDoneKey]; got.AsInt64() != 1 {
		t.Errorf("span done = %v, want 1", got.Emit())
	}
}

func TestRemaining(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	clk := newClock()
	run := otelstep.NewRun("deploy", s.opts(clk.opt(), otelstep.WithTotalSteps(4))...)
	_, st := run.Start(ctx, run.Logger("hosts"))
	clk.add(10 * time.Second)
	if _, ok := series(t, s.collect(t), otelstep.RemainingMetricName)["deploy/"]; ok {
		t.Errorf("remaining recorded before any step finished")
	}
	st.End(nil) // 1 of 4 in 10 s: 30 s left
	rm := s.collect(t)
	if got := series(t, rm, otelstep.RemainingMetricName)["deploy/"]; math.Abs(got-30) > 0.01 {
		t.Errorf("remaining after 1 of 4 in 10 s = %v, want 30", got)
	}
	if u := unit(rm, otelstep.RemainingMetricName); u != "s" {
		t.Errorf("unit = %q, want s", u)
	}
	_, st = run.Start(ctx, run.Logger("hosts"))
	clk.add(30 * time.Second)
	st.End(nil) // 2 of 4 in 40 s: 40 s left
	if got := series(t, s.collect(t), otelstep.RemainingMetricName)["deploy/"]; math.Abs(got-40) > 0.01 {
		t.Errorf("remaining after 2 of 4 in 40 s = %v, want 40", got)
	}
	run.SetTotal(6) // 2 of 6 in 40 s: 80 s left
	if got := series(t, s.collect(t), otelstep.RemainingMetricName)["deploy/"]; math.Abs(got-80) > 0.01 {
		t.Errorf("remaining after SetTotal(6) = %v, want 80", got)
	}
	run.End(ctx)
	if got := series(t, s.collect(t), otelstep.RemainingMetricName)["deploy/"]; got != 0 {
		t.Errorf("remaining after End = %v, want 0", got)
	}
}

func TestElapsed(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	clk := newClock()
	run := otelstep.NewRun("compile", s.opts(clk.opt())...)
	_, old := run.Start(ctx, run.Logger("parse"))
	clk.add(5 * time.Second)
	_, young := run.Start(ctx, run.Logger("parse"))
	_, gen := run.Start(ctx, run.Logger("codegen"))

	first := series(t, s.collect(t), otelstep.ElapsedMetricName)
	if len(first) != 2 || first["compile/parse"] < 5 || first["compile/codegen"] >= 5 {
		t.Fatalf("elapsed = %v, want parse >= 5 (its oldest step), codegen < 5", first)
	}
	clk.add(time.Minute) // no call from the job
	rm := s.collect(t)
	second := series(t, rm, otelstep.ElapsedMetricName)
	for k, v := range first {
		if second[k] < v+60 {
			t.Errorf("elapsed %s did not grow by a minute: %v then %v", k, v, second[k])
		}
	}
	if u := unit(rm, otelstep.ElapsedMetricName); u != "s" {
		t.Errorf("unit = %q, want s", u)
	}
	old.End(nil) // parse's oldest open step is now the young one
	third := series(t, s.collect(t), otelstep.ElapsedMetricName)
	if third["compile/parse"] >= second["compile/parse"] {
		t.Errorf("elapsed parse after its oldest step ended = %v, want below %v", third["compile/parse"], second["compile/parse"])
	}
	young.End(nil)
	if got := series(t, s.collect(t), otelstep.ElapsedMetricName); len(got) != 1 || got["compile/codegen"] == 0 {
		t.Errorf("elapsed with no parse step open = %v, want codegen alone", got)
	}
	_ = gen // still open: Run.End abandons it
	run.End(ctx)
	if got := series(t, s.collect(t), otelstep.ElapsedMetricName); len(got) != 0 {
		t.Errorf("elapsed after End = %v, want no series", got)
	}
	// A step taken after End is numbered and logged, but the run's
	// callback is gone: no series for it.
	_, late := run.Start(ctx, run.Logger("late"))
	defer late.End(nil)
	if got := series(t, s.collect(t), otelstep.ElapsedMetricName); len(got) != 0 {
		t.Errorf("elapsed of a step started after End = %v, want no series", got)
	}
}

// waitFor polls cond until it holds or 10 s have passed: a bound against
// hanging, not a timing assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// named returns the ended spans named name.
func named(s *sdk, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, sp := range s.spans.Ended() {
		if sp.Name() == name {
			out = append(out, sp)
		}
	}
	return out
}

func TestLiveStepMarker(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx, root := s.tp.Tracer("test").Start(context.Background(), "root")
	clk := newClock()
	run := otelstep.NewRun("compile", s.opts(clk.opt(), otelstep.WithTotalSteps(3), otelstep.WithLiveSteps(time.Minute))...)
	_, st := run.Start(ctx, run.Logger("codegen"))
	st.Progress(ctx, 2, 5)
	clk.add(59 * time.Second)
	otelstep.Wake(run) // what the watcher's timer does, on the test's clock
	clk.add(time.Second)
	otelstep.Wake(run)
	// The marker comes while the step runs, with no call from the job.
	waitFor(t, "the running marker", func() bool { return len(named(s, otelstep.LiveSpanName)) > 0 })
	if len(named(s, "Step 1: codegen")) != 0 {
		t.Fatalf("the step span ended before the step")
	}
	m := named(s, otelstep.LiveSpanName)[0]
	if m.Parent().SpanID() != st.Span().SpanContext().SpanID() {
		t.Errorf("marker parent = %v, want the step span %v", m.Parent().SpanID(), st.Span().SpanContext().SpanID())
	}
	attrs := eventAttrs(m.Attributes())
	if attrs[otelstep.StepNumberKey].AsInt64() != 1 || attrs[otelstep.ComponentKey].AsString() != "codegen" ||
		attrs[otelstep.RunKey].AsString() != "compile" || attrs[otelstep.StepsTotalKey].AsInt64() != 3 {
		t.Errorf("marker attributes = %v", m.Attributes())
	}
	if attrs[otelstep.StepDoneKey].AsInt64() != 2 || attrs[otelstep.StepTotalKey].AsInt64() != 5 {
		t.Errorf("marker progress = %v/%v, want 2/5", attrs[otelstep.StepDoneKey].Emit(), attrs[otelstep.StepTotalKey].Emit())
	}
	st.End(nil)
	run.End(ctx)
	root.End()
	step := named(s, "Step 1: codegen")
	if len(step) != 1 || len(named(s, otelstep.LiveSpanName)) != 1 {
		t.Fatalf("%d step spans and %d markers, want one each", len(step), len(named(s, otelstep.LiveSpanName)))
	}
	if !m.StartTime().Equal(step[0].StartTime()) || m.EndTime().After(step[0].EndTime()) {
		t.Errorf("marker %v..%v, step %v..%v: want the step's start, an end within the step",
			m.StartTime(), m.EndTime(), step[0].StartTime(), step[0].EndTime())
	}
	for _, sp := range s.spans.Ended() {
		if sp.Name() != "root" && sp.Name() != otelstep.LiveSpanName && sp.Name() != "Step 1: codegen" {
			t.Errorf("unexpected span %q", sp.Name())
		}
	}
	if !m.EndTime().Equal(m.StartTime().Add(time.Minute)) {
		t.Errorf("marker lasts %v, want the minute the step had run", m.EndTime().Sub(m.StartTime()))
	}

	// On the real clock, the watcher's own timer brings the marker.
	s = newSDK(t)
	run = otelstep.NewRun("compile", s.opts(otelstep.WithLiveSteps(time.Millisecond))...)
	_, st = run.Start(context.Background(), run.Logger("link"))
	waitFor(t, "the running marker on the real clock", func() bool { return len(named(s, otelstep.LiveSpanName)) == 1 })
	st.End(nil)
	run.End(context.Background())
	if n := len(named(s, otelstep.LiveSpanName)); n != 1 {
		t.Errorf("%d markers for one step, want 1", n)
	}
}

func TestLiveStepsQuickStepCostsNothing(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	clk := newClock()
	asleep := make(chan struct{}, 1)
	run := otelstep.NewRun("quick", s.opts(clk.opt(), otelstep.WithAsleep(asleep), otelstep.WithLiveSteps(time.Hour))...)
	_, st := run.Start(ctx, run.Logger("c"))
	<-asleep // the watcher waits for the step to be an hour old
	st.End(nil)
	_, st = run.Start(ctx, run.Logger("c")) // quick steps one after the other
	st.End(nil)
	clk.add(time.Hour)
	otelstep.Wake(run) // what the watcher's timer does, on the test's clock
	waitFor(t, "the watcher to stop once no step is open", func() bool { return !otelstep.Watching(run) })
	_, st = run.Start(ctx, run.Logger("c"))
	<-asleep
	run.End(ctx) // abandons the step and stops the watcher
	waitFor(t, "the watcher to stop at End", func() bool { return !otelstep.Watching(run) })
	_ = st
	if got := named(s, otelstep.LiveSpanName); len(got) != 0 {
		t.Errorf("%d markers for steps shorter than the threshold", len(got))
	}
}

func TestLiveStepsOff(t *testing.T) {
	t.Parallel()
	for _, opt := range []otelstep.Option{otelstep.WithLiveSteps(0), otelstep.WithLiveSteps(-time.Second)} {
		s := newSDK(t)
		clk := newClock()
		run := otelstep.NewRun("off", s.opts(clk.opt(), opt)...)
		clk.add(-time.Hour) // every step looks an hour old to a watcher
		_, st := run.Start(context.Background(), run.Logger("c"))
		clk.add(2 * time.Hour)
		if otelstep.Watching(run) {
			t.Errorf("a watcher runs with live steps off")
		}
		st.End(nil)
		run.End(context.Background())
		if got := named(s, otelstep.LiveSpanName); len(got) != 0 {
			t.Errorf("%d markers with live steps off", len(got))
		}
	}
}

// TestLiveStepsNoLeak starts and ends many steps of many runs, with and
// without markers, and checks that every watcher goroutine is gone.
func TestLiveStepsNoLeak(t *testing.T) {
	s := newSDK(t)
	ctx := context.Background()
	before := runtime.NumGoroutine()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			run := otelstep.NewRun("leak", s.opts(otelstep.WithLiveSteps(time.Duration(i%2)*time.Millisecond+time.Microsecond))...)
			for range 20 {
				_, st := run.Start(ctx, run.Logger("c"))
				time.Sleep(time.Duration(i%3) * time.Millisecond)
				st.End(nil)
			}
			_, st := run.Start(ctx, run.Logger("c"))
			_ = st // left open: End abandons it
			run.End(ctx)
			if otelstep.Watching(run) {
				// It may still be on its way out; it must get there.
				waitFor(t, "the watcher to stop", func() bool { return !otelstep.Watching(run) })
			}
		})
	}
	wg.Wait()
	waitFor(t, "the goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

// TestActiveRunsNeverNegative runs in a child process, since it installs the
// global meter provider after a run was made, as a service that builds its
// SDK late does.
func TestActiveRunsNeverNegative(t *testing.T) {
	if os.Getenv("OTELSTEP_TEST_GLOBAL_MP") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestActiveRunsNeverNegative$", "-test.count=1")
		cmd.Env = append(os.Environ(), "OTELSTEP_TEST_GLOBAL_MP=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	ctx := context.Background()
	early := otelstep.NewRun("early")   // before any provider: not counted
	stepped := otelstep.NewRun("later") // counted by its first step after the provider

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(ctx) }()
	otel.SetMeterProvider(mp)

	activeRuns := func() map[string]int64 {
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				if m.Name != otelstep.ActiveRunsMetricName {
					continue
				}
				for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
					run, _ := dp.Attributes.Value(attribute.Key(otelstep.RunKey))
					out[run.AsString()] = dp.Value
				}
			}
		}
		return out
	}
	stepped.StepLogger(ctx, nil)
	if got := activeRuns(); got["later"] != 1 {
		t.Errorf("run made before the provider, stepped after: active = %v, want later:1", got)
	}
	early.End(ctx)
	stepped.End(ctx)
	stepped.End(ctx)
	for run, n := range activeRuns() {
		if n != 0 {
			t.Errorf("active runs of %s after End = %d, want 0", run, n)
		}
	}
	ended := otelstep.NewRun("ended")
	ended.End(ctx)
	ended.StepLogger(ctx, nil) // a step after End does not count it in again
	if got := activeRuns()["ended"]; got != 0 {
		t.Errorf("active runs of a run stepped after End = %d, want 0", got)
	}
}

// TestLiveConcurrent mixes every live-progress call from many goroutines
// with collections and Run.End, for the race detector; the gauges stay in
// range.
func TestLiveConcurrent(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	run := otelstep.NewRun("mix", s.opts(otelstep.WithTotalSteps(10), otelstep.WithLiveSteps(time.Microsecond))...)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range 50 {
				switch g % 3 {
				case 0:
					sctx, st := run.Start(ctx, run.Logger("a"))
					st.Progress(sctx, int64(i), 40)
					st.End(nil)
					st.Progress(sctx, 1, 1)
				case 1:
					run.StepLogger(ctx, run.Logger("b"))
					run.SetTotal(10 + i)
				case 2:
					s.collect(t)
				}
			}
		})
	}
	wg.Go(func() { run.End(ctx) })
	wg.Wait()
	run.End(ctx)
	rm := s.collect(t)
	if p := gauge[float64](t, rm, otelstep.ProgressMetricName)["mix"]; p < 0 || p > 1 {
		t.Errorf("progress = %v, out of [0, 1]", p)
	}
	for k, v := range series(t, rm, otelstep.StepProgressMetricName) {
		if v < 0 || v > 1 {
			t.Errorf("step progress %s = %v, out of [0, 1]", k, v)
		}
	}
	if got := series(t, rm, otelstep.ElapsedMetricName); len(got) != 0 {
		t.Errorf("elapsed after End = %v", got)
	}
}

// TestRemainingUsesInStepProgress is the uneven run of issue 19: steps of
// 1 s, 6 s and 1 s, the long one reporting even progress. Halfway through
// the long step (4 s to go), the time left counts the open step's done
// fraction and is within 25% of 4 s, where the finished-steps estimate says
// 8 s; a run whose steps report no progress keeps that estimate.
func TestRemainingUsesInStepProgress(t *testing.T) {
	t.Parallel()
	remaining := func(s *sdk) float64 {
		v, ok := series(t, s.collect(t), otelstep.RemainingMetricName)["uneven/"]
		if !ok {
			t.Fatalf("no %s recorded", otelstep.RemainingMetricName)
		}
		return v
	}
	for _, progress := range []bool{true, false} {
		s := newSDK(t)
		clk := newClock()
		ctx := context.Background()
		run := otelstep.NewRun("uneven", s.opts(clk.opt(), otelstep.WithTotalSteps(3))...)
		_, st := run.Start(ctx, run.Logger("plan"))
		clk.add(time.Second)
		st.End(nil)
		_, st = run.Start(ctx, run.Logger("copy"))
		for i := int64(1); i <= 3; i++ { // 3 s of 6: halfway
			clk.add(time.Second)
			if progress {
				st.Progress(ctx, i, 6)
			}
		}
		got := remaining(s)
		if progress && math.Abs(got-4) > 1 {
			t.Errorf("time left halfway through the long step = %.2f s, want 4 s ± 25%%", got)
		}
		if !progress && got != 2 { // recorded when step 1 ended: 1 s × 2 / 1
			t.Errorf("time left without in-step progress = %.2f s, want the finished-steps estimate 2 s", got)
		}
		clk.add(3 * time.Second)
		st.End(nil) // 2 of 3 in 7 s: 3.5 s left, the fraction gone with the step
		if got := remaining(s); math.Abs(got-3.5) > 0.01 {
			t.Errorf("time left after the long step = %.2f s, want 3.5 s", got)
		}
		run.End(ctx)
	}
}
