package otelstep_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

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
