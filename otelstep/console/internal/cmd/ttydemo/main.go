// Command ttydemo runs a run of -steps steps through a console view on
// stderr, for the pseudo-terminal tests of package console (tty_test.go).
// Step i ends when the file "step<i>" exists in -dir, so that the test, not
// a clock, moves the run on; with -dir empty, each step takes -delay and
// writes -lines message lines.
//
// It uses the SDK directly, as exporters.Setup wires the view: simple span
// and log processors and the view's metric reader.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/console"
)

func main() {
	dir := flag.String("dir", "", "wait for `DIR`/step<i> before ending step i")
	steps := flag.Int("steps", 3, "number of steps")
	delay := flag.Duration("delay", 500*time.Millisecond, "length of a step without -dir")
	name := flag.String("run", "ttydemo", "run name")
	lines := flag.Int("lines", 1, "message lines per step, spread over -delay")
	flag.Parse()

	v := console.New(os.Stderr)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(v.SpanExporter())))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(v.MetricReader()))
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(v.LogExporter())))

	ctx := context.Background()
	run := otelstep.NewRun(*name, otelstep.WithTotalSteps(*steps),
		otelstep.WithTracerProvider(tp), otelstep.WithMeterProvider(mp), otelstep.WithLoggerProvider(lp))
	comps := []string{"fetch", "build", "test", "package"}
	for i := 1; i <= *steps; i++ {
		sctx, s := run.Start(ctx, run.Logger(comps[(i-1)%len(comps)]))
		s.Log(sctx, slog.LevelInfo, "working", "i", i)
		s.Progress(sctx, 1, 2) // half way through the step: the status shows 50%
		if *dir == "" {
			for j := 1; j < *lines; j++ {
				time.Sleep(*delay / time.Duration(*lines))
				s.Log(sctx, slog.LevelInfo, "more", "j", j)
			}
			time.Sleep(*delay / time.Duration(max(*lines, 1)))
		} else {
			waitFor(filepath.Join(*dir, "step"+strconv.Itoa(i)))
		}
		s.End(nil)
	}
	run.End(ctx)
	for _, err := range []error{tp.Shutdown(ctx), lp.Shutdown(ctx), mp.Shutdown(ctx), v.Shutdown(ctx)} {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
}

// waitFor returns once path exists.
func waitFor(path string) {
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
