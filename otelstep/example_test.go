package otelstep_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/otelstep/otelstep/otelstep"
)

// stdout is a local handler that prints records without their time, so the
// examples' output is stable.
func stdout() slog.Handler {
	return slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})
}

// A run of a small compiler: one logger per component, one step per phase,
// begin and end messages as torch writes them.
func Example() {
	ctx := context.Background()
	run := otelstep.NewRun("compile", otelstep.WithTotalSteps(2), otelstep.WithHandler(stdout()))
	defer run.End(ctx)

	for _, phase := range []string{"parse", "codegen"} {
		log := run.StepLogger(ctx, run.Logger(phase))
		log(ctx, slog.LevelInfo, "begin "+phase)
		log(ctx, slog.LevelInfo, "done "+phase)
	}
	fmt.Println(run.Steps(), "of", run.Total(), "steps")
	// Output:
	// level=INFO msg="Step 1: begin parse" otelstep.step.number=1 otelstep.component=parse otelstep.run=compile
	// level=INFO msg="Step 1: done parse" otelstep.step.number=1 otelstep.component=parse otelstep.run=compile
	// level=INFO msg="Step 2: begin codegen" otelstep.step.number=2 otelstep.component=codegen otelstep.run=compile
	// level=INFO msg="Step 2: done codegen" otelstep.step.number=2 otelstep.component=codegen otelstep.run=compile
	// 2 of 2 steps
}

// A step logger writes "Step N: msg" with the step's attributes and the
// caller's args. A message below the component's level is dropped.
func ExampleRun_StepLogger() {
	ctx := context.Background()
	run := otelstep.NewRun("migrate", otelstep.WithHandler(stdout()), otelstep.WithLevels("+schema"))

	log := run.StepLogger(ctx, run.Logger("schema").With("db", "orders"))
	log(ctx, slog.LevelDebug, "altering table", "table", "items")

	log = run.StepLogger(ctx, run.Logger("data"))
	log(ctx, slog.LevelDebug, "not shown: data logs at Info")
	log(ctx, slog.LevelInfo, "copied rows", "rows", 1200)
	// Output:
	// level=DEBUG msg="Step 1: altering table" db=orders otelstep.step.number=1 otelstep.component=schema otelstep.run=migrate table=items
	// level=INFO msg="Step 2: copied rows" otelstep.step.number=2 otelstep.component=data otelstep.run=migrate rows=1200
}

// The package defaults mirror torch's module-level functions. They use the
// process-wide run and the global OpenTelemetry providers.
func ExampleGetStepLogger() {
	ctx := context.Background()
	logger := otelstep.Default().Logger("inductor")
	log := otelstep.GetStepLogger(ctx, logger)
	log(ctx, slog.LevelInfo, "compiling graph")
	fmt.Println(len(otelstep.GetLoggers()) > 0)
	// Output: true
}

// ParseLevels validates an OTELSTEP_LOGS value before it is deployed.
func ExampleParseLevels() {
	levels, err := otelstep.ParseLevels("+parse,-codegen")
	fmt.Println(levels.Level("parse"), levels.Level("codegen"), levels.Level("typecheck"), err)

	_, err = otelstep.ParseLevels("parse,,codegen")
	fmt.Println(err != nil)
	// Output:
	// DEBUG ERROR INFO <nil>
	// true
}

// Runs of one name that overlap share their gauge series unless each has a
// run id from a small, bounded set.
func ExampleWithRunID() {
	worker := 3
	run := otelstep.NewRun("deploy", otelstep.WithRunID(fmt.Sprint("worker-", worker)))
	fmt.Println(run.Name())
	// Output: deploy
}

// A plan step discovers how much work there is and says so: the progress
// gauges, and the events and spans of the later steps, use the new total.
func ExampleRun_SetTotal() {
	ctx := context.Background()
	run := otelstep.NewRun("migrate")
	defer run.End(ctx)

	_, plan := run.Start(ctx, run.Logger("plan"))
	tables := []string{"users", "orders", "items"}
	run.SetTotal(1 + len(tables)) // the plan step and one step per table
	plan.End(nil)

	for _, table := range tables {
		_, st := run.Start(ctx, run.Logger("copy"))
		st.Log(ctx, slog.LevelInfo, "copying", "table", table)
		st.End(nil)
	}
	fmt.Println(run.Steps(), "of", run.Total(), "steps")
	// Output: 4 of 4 steps
}

// A step reports its own progress with absolute values, as a tqdm bar inside
// the step: the otelstep.step.progress gauge, and otelstep.step.done and
// otelstep.step.total on the step span. Out-of-range values are clamped.
func ExampleStep_Progress() {
	ctx := context.Background()
	run := otelstep.NewRun("compile")
	defer run.End(ctx)

	_, st := run.Start(ctx, run.Logger("codegen"))
	funcs := []string{"main", "fib", "init"}
	for i := range funcs {
		// ... compile funcs[i] ...
		st.Progress(ctx, int64(i+1), int64(len(funcs)))
	}
	st.Progress(ctx, 5, 3) // done above total: clamped to 3 of 3
	st.End(nil)
	st.Progress(ctx, 0, 3) // after End: ignored
	fmt.Println("step", st.Number(), "done")
	// Output: step 1 done
}

// Steps still running after 30 s get a marker span in the trace backend,
// named otelstep.step.running; WithLiveSteps(0) turns the markers off.
func ExampleWithLiveSteps() {
	run := otelstep.NewRun("deploy", otelstep.WithLiveSteps(30*time.Second))
	defer run.End(context.Background())
	fmt.Println(otelstep.LiveSpanName)
	// Output: otelstep.step.running
}
