package otelstep_test

import (
	"context"
	"sync"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
)

func TestProgressGauges(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	known := otelstep.NewRun("known", s.opts(otelstep.WithTotalSteps(4))...)
	unknown := otelstep.NewRun("unknown", s.opts()...)
	for range 3 {
		known.StepLogger(ctx, nil)
	}
	unknown.StepLogger(ctx, nil)

	rm := s.collect(t)
	steps := gauge[int64](t, rm, otelstep.StepsMetricName)
	if steps["known"] != 3 || steps["unknown"] != 1 {
		t.Errorf("%s = %v, want known:3 unknown:1", otelstep.StepsMetricName, steps)
	}
	ratio := gauge[float64](t, rm, otelstep.ProgressMetricName)
	if ratio["known"] != 0.75 {
		t.Errorf("%s = %v, want known:0.75", otelstep.ProgressMetricName, ratio)
	}
	if _, ok := ratio["unknown"]; ok {
		t.Errorf("progress recorded for a run without a total: %v", ratio)
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelstep.ScopeName {
			t.Errorf("meter scope = %q, want %q", sm.Scope.Name, otelstep.ScopeName)
		}
		for _, m := range sm.Metrics {
			want, ok := map[string]string{otelstep.StepsMetricName: "{step}", otelstep.ProgressMetricName: "1"}[m.Name]
			if ok && m.Unit != want {
				t.Errorf("%s unit = %q, want %q", m.Name, m.Unit, want)
			}
		}
	}
}

func TestProgressNeverAboveOne(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	run := otelstep.NewRun("over", s.opts(otelstep.WithTotalSteps(2))...)
	for range 5 {
		run.StepLogger(ctx, nil)
	}
	run.End(ctx)
	rm := s.collect(t)
	if got := gauge[float64](t, rm, otelstep.ProgressMetricName)["over"]; got != 1 {
		t.Errorf("progress = %v, want 1", got)
	}
	if got := gauge[int64](t, rm, otelstep.StepsMetricName)["over"]; got != 5 {
		t.Errorf("steps = %v, want 5", got)
	}
}

func TestWithProgressFalse(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	run := otelstep.NewRun("quiet", s.opts(otelstep.WithProgress(false), otelstep.WithTotalSteps(2))...)
	run.StepLogger(ctx, nil)
	run.End(ctx)
	rm := s.collect(t)
	for _, name := range []string{otelstep.StepsMetricName, otelstep.ProgressMetricName} {
		if g := gauge[int64](t, rm, name); name == otelstep.StepsMetricName && len(g) != 0 {
			t.Errorf("%s recorded with progress off: %v", name, g)
		}
		if g := gauge[float64](t, rm, name); name == otelstep.ProgressMetricName && len(g) != 0 {
			t.Errorf("%s recorded with progress off: %v", name, g)
		}
	}
}

func TestRunIDSeparatesConcurrentRuns(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	a := otelstep.NewRun("deploy", s.opts(otelstep.WithRunID("a"))...)
	b := otelstep.NewRun("deploy", s.opts(otelstep.WithRunID("b"))...)
	same1 := otelstep.NewRun("migrate", s.opts()...)
	same2 := otelstep.NewRun("migrate", s.opts()...)
	a.StepLogger(ctx, nil)
	for range 3 {
		b.StepLogger(ctx, nil)
	}
	same1.StepLogger(ctx, nil)
	same2.StepLogger(ctx, nil)
	same2.StepLogger(ctx, nil)
	same1.StepLogger(ctx, nil)
	same1.StepLogger(ctx, nil)

	steps := gauge[int64](t, s.collect(t), otelstep.StepsMetricName)
	if steps["deploy/a"] != 1 || steps["deploy/b"] != 3 {
		t.Errorf("with run ids: %v, want deploy/a:1 deploy/b:3", steps)
	}
	// Without ids, runs of one name share a series: the last record wins.
	if steps["migrate"] != 3 || len(steps) != 3 {
		t.Errorf("without run ids: %v, want one migrate series holding 3", steps)
	}
}

func TestGaugesNeverGoBackwards(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	const goroutines, each = 8, 250
	run := otelstep.NewRun("race", s.opts(otelstep.WithTotalSteps(goroutines*each))...)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				run.StepLogger(ctx, nil)
			}
		})
	}
	wg.Wait()
	// No Run.End: the last record of concurrent steps must be the highest.
	rm := s.collect(t)
	if got := gauge[int64](t, rm, otelstep.StepsMetricName)["race"]; got != goroutines*each {
		t.Errorf("steps gauge = %d, want %d", got, goroutines*each)
	}
	if got := gauge[float64](t, rm, otelstep.ProgressMetricName)["race"]; got != 1 {
		t.Errorf("progress gauge = %v, want 1", got)
	}
}

// TestFinishedAndPlanned checks the run's final numbers at End, the ones a
// summary is built from, in the cases where a ratio cannot give them back:
// the total changed after steps finished, and more steps than planned.
func TestFinishedAndPlanned(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name             string
		total, steps     int
		setTotal         int
		finished, planed int64
	}{
		{"total raised", 3, 2, 5, 2, 5},
		{"total lowered", 4, 2, 2, 2, 2},
		{"more than planned", 5, 6, 0, 6, 5},
		{"no total", 0, 3, 0, 3, 0},
	} {
		s := newSDK(t)
		ctx := context.Background()
		run := otelstep.NewRun("sum", s.opts(otelstep.WithTotalSteps(tc.total))...)
		for i := range tc.steps {
			if i%2 == 0 {
				run.StepLogger(ctx, nil)
			} else {
				_, st := run.Start(ctx, run.Logger("c"))
				st.End(nil)
			}
		}
		_, open := run.Start(ctx, run.Logger("c")) // abandoned at End: finished too
		_ = open
		if tc.setTotal != 0 {
			run.SetTotal(tc.setTotal)
		}
		rm := s.collect(t)
		if got := gauge[int64](t, rm, otelstep.FinishedMetricName)["sum"]; got != int64(tc.steps) {
			t.Errorf("%s: %s before End = %d, want %d", tc.name, otelstep.FinishedMetricName, got, tc.steps)
		}
		run.End(ctx)
		rm = s.collect(t)
		if got := gauge[int64](t, rm, otelstep.FinishedMetricName)["sum"]; got != tc.finished+1 {
			t.Errorf("%s: %s at End = %d, want %d", tc.name, otelstep.FinishedMetricName, got, tc.finished+1)
		}
		planned, ok := gauge[int64](t, rm, otelstep.PlannedMetricName)["sum"]
		if ok != (tc.planed > 0) || planned != tc.planed {
			t.Errorf("%s: %s at End = %d (recorded %v), want %d", tc.name, otelstep.PlannedMetricName, planned, ok, tc.planed)
		}
		for _, name := range []string{otelstep.FinishedMetricName, otelstep.PlannedMetricName} {
			if u := unit(rm, name); tc.planed > 0 && u != "{step}" {
				t.Errorf("%s unit = %q, want {step}", name, u)
			}
		}
	}
}

// TestFinishedFromTheFirstStep: a run whose first step is still open
// already says it finished 0 of its steps, so that a sum across processes
// and the console count it from the start.
func TestFinishedFromTheFirstStep(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	run := otelstep.NewRun("first", s.opts(otelstep.WithTotalSteps(3))...)
	_, st := run.Start(ctx, run.Logger("c"))
	defer st.End(nil)
	rm := s.collect(t)
	got, ok := gauge[int64](t, rm, otelstep.FinishedMetricName)["first"]
	if !ok || got != 0 {
		t.Errorf("%s with one step open = %d (recorded %v), want 0, recorded", otelstep.FinishedMetricName, got, ok)
	}
	if planned := gauge[int64](t, rm, otelstep.PlannedMetricName)["first"]; planned != 3 {
		t.Errorf("%s = %d, want 3", otelstep.PlannedMetricName, planned)
	}
}
