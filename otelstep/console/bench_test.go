package console_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/console"
)

// countWriter counts what the view writes, and the writes.
type countWriter struct{ bytes, writes atomic.Int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.bytes.Add(int64(len(p)))
	w.writes.Add(1)
	return len(p), nil
}

// discard is a span and log exporter that drops everything: the baseline
// without a view.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Export(context.Context, []sdklog.Record) error              { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }
func (discard) ForceFlush(context.Context) error                           { return nil }

// BenchmarkStepNoView is BenchmarkStep's baseline: the same providers and
// steps over exporters that drop everything, so that the difference is the
// view's own cost.
func BenchmarkStepNoView(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(discard{})))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(discard{})))
	ctx := context.Background()
	run := otelstep.NewRun("bench", otelstep.WithTotalSteps(b.N), otelstep.WithTracerProvider(tp),
		otelstep.WithMeterProvider(mp), otelstep.WithLoggerProvider(lp), otelstep.WithLevels("all"))
	timeSteps(b, run)
	run.End(ctx)
	_ = tp.Shutdown(ctx)
	_ = lp.Shutdown(ctx)
	_ = mp.Shutdown(ctx)
}

// BenchmarkStep measures one step through the view (Run.Start, one message,
// End: two lines) with the status line on and its redraw throttled to
// DefaultRedrawInterval ("status"), against the view without status line
// ("plain", the mode of a writer that is not a terminal). The bytes/step
// and writes/step metrics show what reaches the terminal: with the redraw
// throttled, a tight loop writes about what the plain view writes, not one
// status line per step.
func BenchmarkStep(b *testing.B) {
	for _, mode := range []struct {
		name string
		term bool
	}{{"plain", false}, {"status", true}} {
		b.Run(mode.name, func(b *testing.B) {
			var w countWriter
			p := newProviders(console.New(&w, console.WithTerminal(mode.term), console.WithWidth(120)))
			ctx := context.Background()
			run := otelstep.NewRun("bench", p.opts(otelstep.WithTotalSteps(b.N), otelstep.WithLevels("all"))...)
			timeSteps(b, run)
			b.ReportMetric(float64(w.bytes.Load())/float64(b.N), "bytes/step")
			b.ReportMetric(float64(w.writes.Load())/float64(b.N), "writes/step")
			run.End(ctx)
			p.shutdown(b)
		})
	}
}

// timeSteps times b.N steps of run, each one message at info: Run.Start, Log,
// End.
func timeSteps(b *testing.B, run *otelstep.Run) {
	ctx := context.Background()
	logger := run.Logger("work")
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		sctx, s := run.Start(ctx, logger)
		s.Log(sctx, slog.LevelInfo, "working", "i", i)
		s.End(nil)
	}
	b.StopTimer()
}
