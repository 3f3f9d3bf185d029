package otelsteptest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/otelsteptest"
)

func TestComponentGauge(t *testing.T) {
	rec := otelsteptest.New(t)
	ctx := rec.Context()
	run := rec.NewRun("compile")
	_, parse := run.Start(ctx, run.Logger("parse"))
	_, gen := run.Start(ctx, run.Logger("codegen"))
	parse.Progress(ctx, 1, 4)
	gen.Progress(ctx, 3, 4)
	a := rec.NewRun("shard", otelstep.WithRunID("a"))
	b := rec.NewRun("shard", otelstep.WithRunID("b"))
	_, sa := a.Start(ctx, a.Logger("copy"))
	_, sb := b.Start(ctx, b.Logger("copy"))
	sa.Progress(ctx, 1, 2)
	sb.Progress(ctx, 1, 2)

	if v, ok := rec.ComponentGauge(otelstep.StepProgressMetricName, "compile", "parse"); !ok || v != 0.25 {
		t.Errorf("progress of parse = %v, %v; want 0.25, true", v, ok)
	}
	if v, ok := rec.ComponentGauge(otelstep.StepProgressMetricName, "compile", "codegen"); !ok || v != 0.75 {
		t.Errorf("progress of codegen = %v, %v; want 0.75, true", v, ok)
	}
	if _, ok := rec.ComponentGauge(otelstep.StepProgressMetricName, "compile", "link"); ok {
		t.Errorf("progress of a component that never reported it: found")
	}
	if _, ok := rec.ComponentGauge(otelstep.StepProgressMetricName, "shard", "copy"); ok {
		t.Errorf("progress of two runs of one name with ids: want false, ambiguous")
	}
	if _, ok := rec.Gauge(otelstep.StepProgressMetricName, "compile"); ok {
		t.Errorf("Gauge of a gauge kept per component: want false")
	}
	if v, ok := rec.ComponentGauge(otelstep.ElapsedMetricName, "compile", "codegen"); !ok || v < 0 {
		t.Errorf("elapsed of codegen, open = %v, %v; want a value", v, ok)
	}
	want := []otelsteptest.GaugeValue{
		{Run: "compile", Component: "codegen", Value: 0.75},
		{Run: "compile", Component: "parse", Value: 0.25},
		{Run: "shard", RunID: "a", Component: "copy", Value: 0.5},
		{Run: "shard", RunID: "b", Component: "copy", Value: 0.5},
	}
	if got := rec.Gauges(otelstep.StepProgressMetricName); !slices.Equal(got, want) {
		t.Errorf("Gauges(step progress) = %+v\nwant %+v", got, want)
	}
	gen.End(nil)
	if _, ok := rec.ComponentGauge(otelstep.ElapsedMetricName, "compile", "codegen"); ok {
		t.Errorf("elapsed of codegen with no step open: found")
	}
	if _, ok := rec.ComponentGauge(otelstep.ElapsedMetricName, "compile", "parse"); !ok {
		t.Errorf("elapsed of parse, still open: not found")
	}
	for _, r := range []*otelstep.Run{run, a, b} {
		r.End(ctx)
	}
}

// TestStepsSkipMarkers checks that the marker spans of running steps and
// runs are not taken for steps.
func TestStepsSkipMarkers(t *testing.T) {
	rec := otelsteptest.New(t)
	ctx := context.Background()
	run := rec.NewRun("slow", otelstep.WithLiveSteps(time.Millisecond))
	_, st := run.Start(ctx, run.Logger("copy"), otelstep.WithLabel("copy users"))
	run.StepLogger(ctx, run.Logger("check"))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		var step, runMarker bool
		for _, sp := range rec.Spans() {
			step = step || sp.Name == otelstep.LiveSpanName
			runMarker = runMarker || sp.Name == otelstep.LiveRunSpanName
		}
		if step && runMarker {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for the markers")
		}
	}
	st.End(nil)
	run.End(ctx)
	got := rec.Steps()
	if len(got) != 2 || got[0].Number != 1 || !got[0].Timed || got[1].Number != 2 || got[1].Timed {
		t.Errorf("Steps() = %+v, want the Start step and the StepLogger step once each", got)
	}
}
