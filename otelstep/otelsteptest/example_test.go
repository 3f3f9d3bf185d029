package otelsteptest_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/otelsteptest"
)

// build is the code under test: a compiler taking one step per phase.
func build(ctx context.Context, run *otelstep.Run) {
	defer run.End(ctx)
	for _, phase := range []string{"parse", "typecheck", "codegen"} {
		log := run.StepLogger(ctx, run.Logger(phase))
		log.Log(ctx, slog.LevelInfo, "begin "+phase)
	}
}

// A test asserts the order of the phases in three lines. In a test function,
// use New(t), which shuts the recorder down when the test ends.
func Example() {
	rec := otelsteptest.NewRecorder()
	defer rec.Shutdown(context.Background())

	build(rec.Context(), rec.NewRun("build"))
	fmt.Println(slices.Equal(rec.Components(), []string{"parse", "typecheck", "codegen"}))
	// Output: true
}

// The accessors read back every part of the telemetry contract.
func ExampleRecorder() {
	rec := otelsteptest.NewRecorder()
	defer rec.Shutdown(context.Background())

	ctx := rec.Context()
	run := rec.NewRun("build", otelstep.WithTotalSteps(4))
	build(ctx, run)

	for _, s := range rec.Steps() {
		fmt.Printf("step %d of %d: %s\n", s.Number, s.Total, s.Component)
	}
	for _, b := range rec.Bodies() {
		fmt.Println(b)
	}
	steps, _ := rec.Gauge(otelstep.StepsMetricName, "build")
	progress, _ := rec.Gauge(otelstep.ProgressMetricName, "build")
	fmt.Println("gauges:", steps, progress)
	fmt.Println("active runs:", rec.ActiveRuns("build"))
	// Output:
	// step 1 of 4: parse
	// step 2 of 4: typecheck
	// step 3 of 4: codegen
	// Step 1: begin parse
	// Step 2: begin typecheck
	// Step 3: begin codegen
	// gauges: 3 0.75
	// active runs: 0
}

// Steps started with Run.Start have a span of their own and a duration.
func ExampleRecorder_Durations() {
	rec := otelsteptest.NewRecorder()
	defer rec.Shutdown(context.Background())

	ctx := rec.Context()
	run := rec.NewRun("deploy")
	for _, comp := range []string{"plan", "apply"} {
		_, step := run.Start(ctx, run.Logger(comp))
		step.End(nil)
	}
	_, step := run.Start(ctx, run.Logger("apply"))
	step.End(fmt.Errorf("quota exceeded"))

	for _, d := range rec.Durations() {
		fmt.Println(d.Component, d.Result, d.Count)
	}
	// Output:
	// apply error 1
	// apply ok 1
	// plan ok 1
}

// The gauges kept per component: a step's own progress, and the age of the
// oldest step of the component still open.
func ExampleRecorder_ComponentGauge() {
	rec := otelsteptest.NewRecorder()
	defer rec.Shutdown(context.Background())

	ctx := rec.Context()
	run := rec.NewRun("compile")
	_, step := run.Start(ctx, run.Logger("codegen"))
	step.Progress(ctx, 340, 1000)

	progress, _ := rec.ComponentGauge(otelstep.StepProgressMetricName, "compile", "codegen")
	_, open := rec.ComponentGauge(otelstep.ElapsedMetricName, "compile", "codegen")
	step.End(nil)
	_, stillOpen := rec.ComponentGauge(otelstep.ElapsedMetricName, "compile", "codegen")
	run.End(ctx)
	fmt.Println("codegen progress:", progress)
	fmt.Println("elapsed while open:", open, "after End:", stillOpen)
	// Output:
	// codegen progress: 0.34
	// elapsed while open: true after End: false
}
