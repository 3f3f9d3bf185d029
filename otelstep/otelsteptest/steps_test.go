package otelsteptest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/otelsteptest"
	"go.opentelemetry.io/otel/trace"
)

// compile is a user's pipeline: one step logger per phase.
func compile(ctx context.Context, run *otelstep.Run, phases ...string) {
	for _, p := range phases {
		log := run.StepLogger(ctx, run.Logger(p))
		log.Log(ctx, slog.LevelInfo, "begin "+p)
	}
}

func TestComponentsInOrder(t *testing.T) {
	rec := otelsteptest.New(t)
	compile(rec.Context(), rec.NewRun("compile"), "parse", "typecheck", "codegen")
	if got, want := rec.Components(), []string{"parse", "typecheck", "codegen"}; !slices.Equal(got, want) {
		t.Errorf("Components() = %q, want %q", got, want)
	}
}

func TestStepsFromStepLogger(t *testing.T) {
	rec := otelsteptest.New(t)
	run := rec.NewRun("build", otelstep.WithTotalSteps(3))
	compile(rec.Context(), run, "parse", "typecheck")

	want := []otelsteptest.StepRecord{
		{Run: "build", Number: 1, Component: "parse", Total: 3},
		{Run: "build", Number: 2, Component: "typecheck", Total: 3},
	}
	if got := rec.Steps(); !slices.Equal(got, want) {
		t.Errorf("Steps() = %+v\nwant %+v", got, want)
	}
}

func TestStepsFromStart(t *testing.T) {
	rec := otelsteptest.New(t)
	run := rec.NewRun("deploy", otelstep.WithTotalSteps(4))

	// A parent that records: Start adds the step event to it and makes a
	// step span; the step is reported once, with the event's total.
	ctx, root := rec.TracerProvider().Tracer("test").Start(context.Background(), "root")
	_, plan := run.Start(ctx, run.Logger("plan"))
	plan.End(nil)
	// No span in the context: the step event goes to the run's span and the
	// step span is its child.
	_, apply := run.Start(context.Background(), run.Logger("apply"))
	apply.End(errors.New("quota exceeded"))
	// A step logger between them, on the root span.
	run.StepLogger(ctx, run.Logger("verify"))
	// Left open, so still visible though not ended; Run.End abandons it.
	_, notify := run.Start(ctx, run.Logger("notify"))
	_ = notify

	want := []otelsteptest.StepRecord{
		{Run: "deploy", Number: 1, Component: "plan", Total: 4, Timed: true},
		{Run: "deploy", Number: 2, Component: "apply", Total: 4, Timed: true},
		{Run: "deploy", Number: 3, Component: "verify", Total: 4},
		{Run: "deploy", Number: 4, Component: "notify", Total: 4, Timed: true},
	}
	if got := rec.Steps(); !slices.Equal(got, want) {
		t.Errorf("Steps() before End = %+v\nwant %+v", got, want)
	}

	run.End(ctx)
	root.End()
	if got := rec.Steps(); !slices.Equal(got, want) {
		t.Errorf("Steps() after End = %+v\nwant %+v", got, want)
	}
	var names []string
	for _, s := range rec.Spans() {
		names = append(names, s.Name)
	}
	if want := []string{"Step 1: plan", "Step 2: apply", "Step 4: notify", "deploy", "root"}; !slices.Equal(names, want) {
		t.Errorf("Spans() names = %q, want %q", names, want)
	}
}

func TestStepLoggerWithoutSpan(t *testing.T) {
	rec := otelsteptest.New(t)
	// A run of NewRun owns a span: a step given a context without a span
	// shows all the same.
	run := rec.NewRun("build")
	compile(context.Background(), run, "parse")
	if got, want := rec.Steps(), []otelsteptest.StepRecord{{Run: "build", Number: 1, Component: "parse"}}; !slices.Equal(got, want) {
		t.Errorf("Steps() = %+v, want %+v", got, want)
	}

	// A run without a span: the step leaves no event, its message a record.
	rec = otelsteptest.New(t)
	run = otelstep.NewRun("build", rec.Options()...)
	compile(context.Background(), run, "parse")
	if got := rec.Steps(); len(got) != 0 {
		t.Errorf("Steps() = %+v, want none: no recording span took the event", got)
	}
	if got, want := rec.Bodies(), []string{"Step 1: begin parse"}; !slices.Equal(got, want) {
		t.Errorf("Bodies() = %q, want %q", got, want)
	}
	if got, ok := rec.Gauge(otelstep.StepsMetricName, "build"); !ok || got != 1 {
		t.Errorf("steps gauge = %v, %v, want 1, true", got, ok)
	}
}

func TestConcurrentSteps(t *testing.T) {
	const n = 300 // more than the SDK's default of 128 events per span
	rec := otelsteptest.New(t)
	run := rec.NewRun("fanout", otelstep.WithTotalSteps(n))
	ctx := rec.Context()

	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			comp := fmt.Sprintf("worker%d", i%4)
			log := run.StepLogger(ctx, run.Logger(comp))
			log.Log(ctx, slog.LevelInfo, "done")
			if i%10 == 0 { // readers run alongside writers
				_, _ = rec.Steps(), rec.Messages()
			}
		})
	}
	wg.Wait()
	// The gauges keep the last value recorded, and concurrent steps may record
	// theirs out of order; End records the final values.
	run.End(ctx)

	steps := rec.Steps()
	if len(steps) != n {
		t.Fatalf("got %d steps, want %d", len(steps), n)
	}
	for i, s := range steps {
		if s.Number != i+1 || s.Run != "fanout" || s.Total != n {
			t.Fatalf("steps[%d] = %+v, want number %d of %d", i, s, i+1, n)
		}
	}
	// Each message carries its step's number and component.
	comps := map[int]string{}
	for _, s := range steps {
		comps[s.Number] = s.Component
	}
	msgs := rec.Messages()
	if len(msgs) != n {
		t.Fatalf("got %d messages, want %d", len(msgs), n)
	}
	seen := map[int]bool{}
	for _, m := range msgs {
		if m.Component != comps[m.Step] || m.Body != fmt.Sprintf("Step %d: done", m.Step) || seen[m.Step] {
			t.Errorf("message %+v does not match step %d of %s", m, m.Step, comps[m.Step])
		}
		seen[m.Step] = true
	}
	if got, _ := rec.Gauge(otelstep.StepsMetricName, "fanout"); got != n {
		t.Errorf("steps gauge = %v, want %d", got, n)
	}
	if got, _ := rec.Gauge(otelstep.ProgressMetricName, "fanout"); got != 1 {
		t.Errorf("progress gauge = %v, want 1", got)
	}
}

func TestRunsWithIDs(t *testing.T) {
	rec := otelsteptest.New(t)
	ctx := rec.Context()
	a := rec.NewRun("build", otelstep.WithRunID("slot-a"))
	b := rec.NewRun("build", otelstep.WithRunID("slot-b"))
	other := rec.NewRun("test")

	compile(ctx, b, "parse")
	compile(ctx, a, "parse", "link")
	compile(ctx, other, "unit")
	compile(ctx, b, "link")

	want := []otelsteptest.StepRecord{
		{Run: "build", RunID: "slot-a", Number: 1, Component: "parse"},
		{Run: "build", RunID: "slot-a", Number: 2, Component: "link"},
		{Run: "build", RunID: "slot-b", Number: 1, Component: "parse"},
		{Run: "build", RunID: "slot-b", Number: 2, Component: "link"},
		{Run: "test", Number: 1, Component: "unit"},
	}
	if got := rec.Steps(); !slices.Equal(got, want) {
		t.Errorf("Steps() = %+v\nwant %+v", got, want)
	}
	var msgs []string
	for _, m := range rec.Messages() {
		msgs = append(msgs, m.Run+"/"+m.RunID+" "+m.Body)
	}
	wantMsgs := []string{
		"build/slot-b Step 1: begin parse",
		"build/slot-a Step 1: begin parse",
		"build/slot-a Step 2: begin link",
		"test/ Step 1: begin unit",
		"build/slot-b Step 2: begin link",
	}
	if !slices.Equal(msgs, wantMsgs) {
		t.Errorf("messages = %q\nwant %q", msgs, wantMsgs)
	}

	gauges := rec.Gauges(otelstep.StepsMetricName)
	wantGauges := []otelsteptest.GaugeValue{
		{Run: "build", RunID: "slot-a", Value: 2},
		{Run: "build", RunID: "slot-b", Value: 2},
		{Run: "test", Value: 1},
	}
	if !slices.Equal(gauges, wantGauges) {
		t.Errorf("Gauges() = %+v, want %+v", gauges, wantGauges)
	}
	if v, ok := rec.Gauge(otelstep.StepsMetricName, "build"); ok {
		t.Errorf("Gauge of two runs of one name with ids = %v, true; want false: ambiguous", v)
	}
	if v, ok := rec.Gauge(otelstep.StepsMetricName, "test"); !ok || v != 1 {
		t.Errorf("Gauge(test) = %v, %v; want 1, true", v, ok)
	}
	one := otelsteptest.New(t)
	c := one.NewRun("canary", otelstep.WithRunID("slot-c"))
	compile(ctx, c, "parse")
	if v, ok := one.Gauge(otelstep.StepsMetricName, "canary"); !ok || v != 1 {
		t.Errorf("Gauge of the one run with an id = %v, %v; want 1, true", v, ok)
	}
	if _, ok := rec.Gauge(otelstep.ProgressMetricName, "test"); ok {
		t.Errorf("progress gauge recorded without a total")
	}

	if got := rec.ActiveRuns("build"); got != 2 {
		t.Errorf("ActiveRuns(build) = %d, want 2", got)
	}
	a.End(ctx)
	if got := rec.ActiveRuns("build"); got != 1 {
		t.Errorf("ActiveRuns(build) after one End = %d, want 1", got)
	}
	if got := rec.ActiveRuns("test"); got != 1 {
		t.Errorf("ActiveRuns(test) = %d, want 1", got)
	}
}

func TestSameNameRunsInOneTrace(t *testing.T) {
	// Two runs of one name and no id in one trace: both runs' steps are
	// reported, the ties in the order they were taken.
	rec := otelsteptest.New(t)
	ctx := rec.Context()
	first, second := rec.NewRun("job"), rec.NewRun("job")
	first.StepLogger(ctx, first.Logger("a"))
	_, s := second.Start(ctx, second.Logger("b"))
	s.End(nil)
	_, s = first.Start(ctx, first.Logger("c"))
	s.End(nil)
	second.StepLogger(ctx, second.Logger("d"))

	want := []otelsteptest.StepRecord{
		{Run: "job", Number: 1, Component: "a"},
		{Run: "job", Number: 1, Component: "b", Timed: true},
		{Run: "job", Number: 2, Component: "c", Timed: true},
		{Run: "job", Number: 2, Component: "d"},
	}
	if got := rec.Steps(); !slices.Equal(got, want) {
		t.Errorf("Steps() = %+v\nwant %+v", got, want)
	}
}

func TestSpanIsStepSpan(t *testing.T) {
	// A span of another tracer carrying otelstep.step.number is no step.
	rec := otelsteptest.New(t)
	_, sp := rec.TracerProvider().Tracer("user").Start(context.Background(), "mine",
		trace.WithAttributes(otelstep.StepNumberKey.Int(7), otelstep.RunKey.String("x")))
	sp.End()
	if got := rec.Steps(); len(got) != 0 {
		t.Errorf("Steps() = %+v, want none", got)
	}
}

func TestStepsIgnoreRunningMarkers(t *testing.T) {
	rec := otelsteptest.New(t)
	run := rec.NewRun("build", otelstep.WithLiveSteps(time.Millisecond))
	ctx, st := run.Start(rec.Context(), run.Logger("link"))
	marked := func() bool {
		for _, sp := range rec.Spans() {
			if sp.Name == otelstep.LiveSpanName {
				return true
			}
		}
		return false
	}
	// Polled, with a bound against hanging: the marker comes from the run's
	// watcher once the step has run for a millisecond.
	for deadline := time.Now().Add(10 * time.Second); !marked(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no running marker")
		}
	}
	st.Log(ctx, slog.LevelInfo, "linking")
	st.End(nil)
	run.End(ctx)
	want := []otelsteptest.StepRecord{{Run: "build", Number: 1, Component: "link", Timed: true}}
	if got := rec.Steps(); !slices.Equal(got, want) {
		t.Errorf("Steps() = %+v, want %+v", got, want)
	}
}

// TestStepsOfParts checks the steps of parts of a run: the root run's name,
// the part's own name and path, sorted after the step that handed them out.
func TestStepsOfParts(t *testing.T) {
	t.Parallel()
	rec := otelsteptest.New(t)
	ctx, run := otelstep.Start(context.Background(), "deploy", rec.Options()...)
	sctx, s := run.Start(ctx, run.Logger("rollout"))
	pctx, part := otelstep.Start(sctx, "agent", rec.Options()...)
	part.StepLogger(pctx, part.Logger("copy")).Info(pctx, "copied")
	_, st := part.Start(pctx, part.Logger("restart"))
	st.End(nil)
	part.End(pctx)
	s.End(nil)
	run.StepLogger(ctx, run.Logger("verify")).Info(ctx, "ok")
	run.End(ctx)

	var got []string
	for _, s := range rec.Steps() {
		got = append(got, fmt.Sprintf("%s %d %q %q %s", s.Run, s.Number, s.Part, s.Path, s.Component))
	}
	want := []string{
		`deploy 1 "" "" rollout`,
		`deploy 1 "agent" "1.1.1" copy`,
		`deploy 2 "agent" "1.1.2" restart`,
		`deploy 2 "" "" verify`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("steps\n%q\nwant\n%q", got, want)
	}
	if msgs := rec.Messages(); len(msgs) != 2 || msgs[0].Body != "Step 1.1.1: copied" || msgs[0].Part != "agent" || msgs[0].Path != "1.1.1" {
		t.Errorf("messages %+v, want the part's first with its part and path", msgs)
	}
}
