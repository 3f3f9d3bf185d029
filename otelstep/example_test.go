package otelstep_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/otelsteptest"
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
		log.Info(ctx, "begin "+phase)
		log.Info(ctx, "done "+phase)
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
	log.Debug(ctx, "altering table", "table", "items")

	log = run.StepLogger(ctx, run.Logger("data"))
	log.Debug(ctx, "not shown: data logs at Info")
	log.Info(ctx, "copied rows", "rows", 1200)
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
	log.Info(ctx, "compiling graph")
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

// slog's methods, and torch's call form log(ctx, level, msg, args...) as
// the method value of Log, write the same messages.
func ExampleStepLogger_Info() {
	ctx := context.Background()
	run := otelstep.NewRun("compile", otelstep.WithHandler(stdout()))
	log := run.StepLogger(ctx, run.Logger("parse"))
	log.Info(ctx, "begin parsing", "files", 12)
	logf := log.Log // torch: log = get_step_logger(logger)
	logf(ctx, slog.LevelInfo, "done parsing")
	log.Debug(ctx, "not shown: parse logs at Info")
	fmt.Println(log.Enabled(ctx, slog.LevelDebug))
	// Output:
	// level=INFO msg="Step 1: begin parsing" otelstep.step.number=1 otelstep.component=parse otelstep.run=compile files=12
	// level=INFO msg="Step 1: done parsing" otelstep.step.number=1 otelstep.component=parse otelstep.run=compile
	// false
}

// A step with a duration: its messages go to its own span.
func ExampleStep_Info() {
	ctx := context.Background()
	run := otelstep.NewRun("migrate", otelstep.WithHandler(stdout()))
	defer run.End(ctx)

	stepCtx, step := run.Start(ctx, run.Logger("schema"), otelstep.WithLabel("migrate users"))
	step.Info(stepCtx, "altering table", "table", "users")
	step.Warn(stepCtx, "slow lock", "waited", "2s")
	step.End(nil)
	// Output:
	// level=INFO msg="Step 1: altering table" otelstep.step.number=1 otelstep.component=schema otelstep.run=migrate table=users
	// level=WARN msg="Step 1: slow lock" otelstep.step.number=1 otelstep.component=schema otelstep.run=migrate waited=2s
}

// Start makes a run that owns its trace: steps taken with a context without
// a span hang under the run's span, and Fail marks the run failed.
func ExampleStart() {
	rec := otelsteptest.NewRecorder() // in-memory providers; an SDK in a real program
	ctx, run := otelstep.Start(context.Background(), "deploy", rec.Options()...)

	_, step := run.Start(context.Background(), run.Logger("apply"), otelstep.WithLabel("apply web"))
	step.End(nil)
	run.Fail(errors.New("canary failed"))
	run.End(ctx)

	_ = rec.Shutdown(ctx)
	spans := rec.Spans()
	for _, s := range spans {
		fmt.Printf("%q %s %q\n", s.Name, s.Status.Code, s.Status.Description)
	}
	fmt.Println(spans[0].Parent.SpanID() == spans[1].SpanContext.SpanID())
	// Output:
	// "Step 1: apply web" Unset ""
	// "deploy" Error "canary failed"
	// true
}

// A service starts a fresh default run for each job, as a new torch.compile
// starts its step numbering afresh; package-level loggers keep working.
func ExampleSetDefault() {
	ctx := context.Background()
	compile := otelstep.GetLogger("compile") // a package-level logger, made once

	for _, job := range []string{"job-1", "job-2"} {
		run := otelstep.NewRun(job, otelstep.WithHandler(stdout()))
		otelstep.SetDefault(run)
		otelstep.GetStepLogger(ctx, compile).Info(ctx, "compiling")
		run.End(ctx)
	}
	otelstep.SetDefault(nil) // the next Default() is a fresh run again
	// Output:
	// level=INFO msg="Step 1: compiling" otelstep.step.number=1 otelstep.component=compile otelstep.run=job-1
	// level=INFO msg="Step 1: compiling" otelstep.step.number=1 otelstep.component=compile otelstep.run=job-2
}

// SetLevels turns a component's Debug messages on while the run goes on,
// like torch's set_logs; the demo service does it from an admin endpoint.
func ExampleRun_SetLevels() {
	ctx := context.Background()
	run := otelstep.NewRun("svc", otelstep.WithHandler(stdout()))
	log := run.StepLogger(ctx, run.Logger("db"))
	log.Debug(ctx, "not shown: db logs at Info")

	if err := run.SetLevels("+db"); err != nil {
		fmt.Println(err)
	}
	log.Debug(ctx, "query plan", "rows", 3)

	// A malformed spec: the error comes back, the valid tokens apply.
	err := run.SetLevels("-db,load users")
	fmt.Println(err != nil, run.Levels().Level("db"))
	// Output:
	// level=DEBUG msg="Step 1: query plan" otelstep.step.number=1 otelstep.component=db otelstep.run=svc rows=3
	// true ERROR
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
		st.Info(ctx, "copying", "table", table)
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
