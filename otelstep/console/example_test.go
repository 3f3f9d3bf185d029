package console_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"regexp"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/console"
)

// The view wired into SDK providers as exporters.Setup does it: simple
// processors for spans and logs, the view's own reader for metrics, and
// View.Shutdown after the providers'. On a terminal the same run also has a
// status line at the bottom while it runs. (The example's writer replaces
// the clock and durations, so that its output can be checked.)
func Example() {
	v := console.New(stable{os.Stdout})
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(v.SpanExporter())))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(v.MetricReader()))
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(v.LogExporter())))

	ctx := context.Background()
	run := otelstep.NewRun("compile", otelstep.WithTotalSteps(2),
		otelstep.WithTracerProvider(tp), otelstep.WithMeterProvider(mp), otelstep.WithLoggerProvider(lp))

	sctx, s := run.Start(ctx, run.Logger("parse"))
	s.Log(sctx, slog.LevelInfo, "begin parsing", "file", "main.mini")
	s.End(nil)
	sctx, s = run.Start(ctx, run.Logger("codegen"))
	s.Log(sctx, slog.LevelWarn, "no target given", "default", "wasm")
	s.End(errors.New("disk full"))
	run.End(ctx)

	_ = tp.Shutdown(ctx)
	_ = lp.Shutdown(ctx)
	_ = mp.Shutdown(ctx)
	_ = v.Shutdown(ctx)
	// Output:
	// 15:04:05.000 INFO  parse: Step 1: begin parsing file=main.mini
	// 15:04:05.000 INFO  parse: Step 1 done in 1ms
	// 15:04:05.000 WARN  codegen: Step 2: no target given default=wasm
	// 15:04:05.000 ERROR codegen: Step 2 failed after 1ms: disk full
	// 15:04:05.000 ERROR compile: done, 2/2 steps in 1ms, 1 step failed
}

// stable replaces the clock, durations and rates of the lines written to w.
type stable struct{ w *os.File }

var (
	clockRE    = regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{3}`)
	durationRE = regexp.MustCompile(`\d[\d.hms]*(µs|ms|s)\b`)
	rateRE     = regexp.MustCompile(`, [\d.]+ steps/(s|min)`)
)

func (s stable) Write(p []byte) (int, error) {
	q := clockRE.ReplaceAll(p, []byte("15:04:05.000"))
	q = durationRE.ReplaceAll(q, []byte("1ms"))
	q = rateRE.ReplaceAll(q, nil)
	_, err := s.w.Write(bytes.Clone(q))
	return len(p), err
}

// Write prints one line above the status lines, escaped: the exporters
// package writes its export errors and "lost N of M" warning this way, so
// that an error text can neither forge a line nor move the cursor.
func ExampleView_Write() {
	v := console.New(os.Stdout)
	_, _ = v.Write([]byte("exporters: export failed: server said \"bad\nrequest\x1b[2J\"\n"))
	_ = v.Shutdown(context.Background())
	// Output:
	// exporters: export failed: server said "bad\nrequest\x1b[2J"
}
