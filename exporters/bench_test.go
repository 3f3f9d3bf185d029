package exporters

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/internal/benchbase"
	"github.com/otelstep/otelstep/otelstep"
)

// The benchmarks of this file measure what users run: the processors
// exporters.Setup builds from its defaults (batch span processor with a
// 131,072 queue, logBatcher with 262,144, the UTF-8 cleaning and counting
// wrappers), over exporters that discard. scripts/bench.sh runs each
// benchmark of a pair in a fresh process, alternating the order, and prints
// the median of the per-round ratios.

type discardSpans struct{}

func (discardSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpans) Shutdown(context.Context) error                             { return nil }

type discardLogs struct{}

func (discardLogs) Export(context.Context, []sdklog.Record) error { return nil }
func (discardLogs) Shutdown(context.Context) error                { return nil }
func (discardLogs) ForceFlush(context.Context) error              { return nil }

// setupDiscarding runs Setup as for OTLP with its defaults, the exporters
// swapped for discarding ones through the withExporters option.
func setupDiscarding(b *testing.B) *Providers {
	b.Helper()
	clearOTelEnv(b)
	b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9") // never used
	// A metric exporter that discards, every 60 s: the reader aggregates in between.
	metrics, _ := stdoutmetric.New(stdoutmetric.WithWriter(io.Discard))
	p, err := Setup(context.Background(), WithGlobals(false), WithConsole(discardWriter{}),
		withExporters(discardSpans{}, metrics, discardLogs{}))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
	})
	return p
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// benchSpanEvery is how many steps share one span: the independent
// measurement ended a span every 50 steps (under the SDK's 128 events).
const benchSpanEvery = 50

// BenchmarkSetupStep measures one step through Setup's providers: a
// StepLogger call with one Info message (otelstep), and a straightforward
// implementation writing the same records (baseline: otelslog with source,
// the same two span events, the same gauges).
func BenchmarkSetupStep(b *testing.B) {
	b.Run("otelstep", func(b *testing.B) {
		p := setupDiscarding(b)
		run := otelstep.NewRun("bench", otelstep.WithTotalSteps(1<<30),
			otelstep.WithTracerProvider(p.TracerProvider), otelstep.WithMeterProvider(p.MeterProvider),
			otelstep.WithLoggerProvider(p.LoggerProvider))
		logger := run.Logger("parse")
		benchSpans(b, p.TracerProvider.Tracer("bench"), func(ctx context.Context) {
			run.StepLogger(ctx, logger).Log(ctx, slog.LevelInfo, "begin parsing")
		})
	})
	b.Run("baseline", func(b *testing.B) {
		p := setupDiscarding(b)
		base := benchbase.New(p.MeterProvider, p.LoggerProvider, 1<<30)
		benchSpans(b, p.TracerProvider.Tracer("bench"), func(ctx context.Context) {
			base.Step(ctx, "parse", "begin parsing")
		})
	})
}

func benchSpans(b *testing.B, tracer trace.Tracer, step func(context.Context)) {
	ctx, span := tracer.Start(context.Background(), "root")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i%benchSpanEvery == 0 {
			span.End()
			ctx, span = tracer.Start(context.Background(), "root")
		}
		step(ctx)
	}
	span.End()
}

// blockedLogs is a log exporter whose backend never answers until
// released; it counts what it finally exports.
type blockedLogs struct {
	gate     chan struct{}
	exported atomic.Int64
}

func (x *blockedLogs) Export(ctx context.Context, records []sdklog.Record) error {
	select {
	case <-x.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	x.exported.Add(int64(len(records)))
	return nil
}
func (*blockedLogs) Shutdown(context.Context) error   { return nil }
func (*blockedLogs) ForceFlush(context.Context) error { return nil }

// BenchmarkQueueOutage emits 1,000,000 otelstep-sized log records (body and
// five attributes) into a log processor whose exporter is blocked, with
// Setup's sizes (queue 262,144, batch 2,048), then releases the exporter.
// It reports the peak heap in use during the outage, the longest single
// Emit and the records dropped, for Setup's logBatcher and for the SDK's
// BatchProcessor.
func BenchmarkQueueOutage(b *testing.B) {
	const total = 1_000_000
	for _, tc := range []struct {
		name string
		proc func(sdklog.Exporter) sdklog.Processor
	}{
		{"logBatcher", func(e sdklog.Exporter) sdklog.Processor {
			return newLogBatcher(e, DefaultLogQueueSize, DefaultMaxExportBatchSize, DefaultScheduleDelay, time.Minute)
		}},
		{"sdk", func(e sdklog.Exporter) sdklog.Processor {
			return sdklog.NewBatchProcessor(e, sdklog.WithMaxQueueSize(DefaultLogQueueSize),
				sdklog.WithExportMaxBatchSize(DefaultMaxExportBatchSize), sdklog.WithExportInterval(DefaultScheduleDelay),
				sdklog.WithExportTimeout(time.Minute))
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var peak, longest, dropped float64
			for b.Loop() {
				runtime.GC()
				exp := &blockedLogs{gate: make(chan struct{})}
				proc := tc.proc(exp)
				lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(proc))
				logger := lp.Logger("bench")
				stopHeap := sampleHeap()
				var worst time.Duration
				ctx := context.Background()
				for i := range total {
					var r otellog.Record
					r.SetBody(attribute.StringValue("Step 12345: begin parsing the input"))
					r.AddAttributes(
						attribute.Int("otelstep.step.number", i),
						attribute.String("otelstep.component", "parse"),
						attribute.String("otelstep.run", "bench"),
						attribute.String("code.function.name", "main.parse"),
						attribute.Int("code.line.number", 42),
					)
					start := time.Now()
					logger.Emit(ctx, r)
					if d := time.Since(start); d > worst {
						worst = d
					}
				}
				p := stopHeap()
				close(exp.gate)
				sctx, cancel := context.WithTimeout(ctx, time.Minute)
				_ = lp.Shutdown(sctx)
				cancel()
				peak = max(peak, float64(p)/(1<<20))
				longest = max(longest, float64(worst)/float64(time.Millisecond))
				dropped = float64(total - exp.exported.Load())
			}
			b.ReportMetric(peak, "peak-heap-MiB")
			b.ReportMetric(longest, "longest-emit-ms")
			b.ReportMetric(dropped, "dropped")
		})
	}
}

// sampleHeap samples the heap in use every millisecond until the returned
// function is called, which returns the peak.
func sampleHeap() func() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			mu.Lock()
			peak = max(peak, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
