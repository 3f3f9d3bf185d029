package otelstep_test

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel"
)

func TestNeverSetsGlobals(t *testing.T) {
	t.Parallel()
	tp, mp, lp := otel.GetTracerProvider(), otel.GetMeterProvider(), otel.GetLoggerProvider()
	prop, eh := otel.GetTextMapPropagator(), otel.GetErrorHandler()

	s := newSDK(t)
	ctx, span := s.tp.Tracer("t").Start(context.Background(), "root")
	run := otelstep.NewRun("build", s.opts(otelstep.WithTotalSteps(2))...)
	run.StepLogger(ctx, run.Logger("parse")).Log(ctx, slog.LevelInfo, "msg")
	run.End(ctx)
	span.End()

	if otel.GetTracerProvider() != tp || otel.GetMeterProvider() != mp || otel.GetLoggerProvider() != lp {
		t.Errorf("a global provider changed")
	}
	if otel.GetTextMapPropagator() != prop || otel.GetErrorHandler() != eh {
		t.Errorf("the global propagator or error handler changed")
	}
}

// TestDefaultHonoursLaterGlobals sets the OTel globals, whose delegation
// happens once per process: it runs in a child process of its own, so that
// it holds however often the tests run (-count).
func TestDefaultHonoursLaterGlobals(t *testing.T) {
	if os.Getenv("OTELSTEP_TEST_LATE_GLOBALS") != "1" {
		t.Parallel()
		cmd := exec.Command(os.Args[0], "-test.run=^TestDefaultHonoursLaterGlobals$", "-test.count=1")
		cmd.Env = append(os.Environ(), "OTELSTEP_TEST_LATE_GLOBALS=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	// First use, before any SDK is installed: like torch's module globals,
	// at import time.
	logger := otelstep.Default().Logger("compile")
	if otelstep.Default() != otelstep.Default() {
		t.Fatal("Default() is not one run")
	}

	s := newSDK(t)
	otel.SetTracerProvider(s.tp)
	otel.SetMeterProvider(s.mp)
	otel.SetLoggerProvider(s.lp)

	ctx, span := otel.Tracer("t").Start(context.Background(), "root")
	before := otelstep.Default().Steps()
	otelstep.GetStepLogger(ctx, logger).Log(ctx, slog.LevelInfo, "late globals")
	span.End()

	if got := otelstep.Default().Steps(); got != before+1 {
		t.Errorf("Steps() = %d, want %d", got, before+1)
	}
	loggers := otelstep.GetLoggers()
	if len(loggers) == 0 || loggers[0] != logger {
		t.Errorf("GetLoggers() does not list the compile logger first")
	}
	recs := s.logs.all()
	if len(recs) != 1 || recs[0].InstrumentationScope().Name != "compile" {
		t.Fatalf("records after late SetLoggerProvider: %d", len(recs))
	}
	if len(s.events(otelstep.StepEventName)) != 1 {
		t.Errorf("no step event on a span of the late global tracer provider")
	}
	steps := gauge[int64](t, s.collect(t), otelstep.StepsMetricName)
	if steps[otelstep.Default().Name()] != int64(before+1) {
		t.Errorf("gauges after late SetMeterProvider: %v", steps)
	}
}

// TestSetDefault replaces the default run, as a service does for each job,
// and checks that a package-level logger of the first default run keeps
// working with the next ones.
func TestSetDefault(t *testing.T) {
	old := otelstep.Default()
	t.Cleanup(func() { otelstep.SetDefault(old) })
	s := newSDK(t)
	ctx := context.Background()
	compile := otelstep.GetLogger("compile").With("unit", "main") // at import time

	first := otelstep.NewRun("job-1", s.opts()...)
	otelstep.SetDefault(first)
	if otelstep.Default() != first {
		t.Fatal("Default() is not the run given to SetDefault")
	}
	otelstep.GetStepLogger(ctx, compile).Info(ctx, "a")
	otelstep.GetStepLogger(ctx, otelstep.GetLogger("compile")).Info(ctx, "b")

	second := otelstep.NewRun("job-2", s.opts()...)
	if got := otelstep.SetDefault(second); got != first {
		t.Errorf("SetDefault handed back %p, want the run it replaced %p", got, first)
	}
	first.End(ctx)
	otelstep.GetStepLogger(ctx, compile).Info(ctx, "c")

	var got []string
	for _, m := range s.Messages() {
		got = append(got, m.Run+" "+m.Body+" "+m.Component+" "+m.Attrs["unit"])
	}
	want := []string{"job-1 Step 1: a compile main", "job-1 Step 2: b compile ", "job-2 Step 1: c compile main"}
	if slogString(got) != slogString(want) {
		t.Errorf("messages = %q\nwant %q", got, want)
	}
	if loggers := otelstep.GetLoggers(); len(loggers) != 1 || loggers[0] != second.Logger("compile") {
		t.Errorf("GetLoggers() = %v, want the compile logger of the second run", loggers)
	}

	otelstep.SetDefault(nil)
	fresh := otelstep.Default()
	if fresh == nil || fresh == second || fresh == old || fresh.Steps() != 0 {
		t.Errorf("SetDefault(nil) then Default() = %p, want a fresh run", fresh)
	}
}

// TestSetDefaultRace makes two jobs replace the default run at once, many
// times, each ending the run SetDefault hands back: every run made is ended
// exactly once, and otelstep.runs.active returns to 0.
func TestSetDefaultRace(t *testing.T) {
	s := newSDK(t)
	ctx := context.Background()
	prev := otelstep.SetDefault(otelstep.NewRun("job", s.opts()...))
	const jobs, each = 2, 300
	made := make([][]*otelstep.Run, jobs)
	var wg sync.WaitGroup
	for j := range jobs {
		wg.Go(func() {
			for range each {
				r := otelstep.NewRun("job", s.opts()...)
				made[j] = append(made[j], r)
				otelstep.SetDefault(r).End(ctx)
			}
		})
	}
	wg.Wait()
	otelstep.SetDefault(prev).End(ctx) // the last job's run
	for _, rs := range made {
		for _, r := range rs {
			if !otelstep.Ended(r) {
				t.Fatalf("a run made by a job was never ended")
			}
		}
	}
	if got := s.ActiveRuns("job"); got != 0 {
		t.Errorf("%s of job = %d after every job ended its run, want 0", otelstep.ActiveRunsMetricName, got)
	}
	var nilRun *otelstep.Run
	nilRun.End(ctx) // what SetDefault hands back when there was no default
}
