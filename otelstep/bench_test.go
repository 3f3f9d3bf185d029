package otelstep_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otelstep/otelstep/internal/benchbase"
	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	lognoop "go.opentelemetry.io/otel/log/noop"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// benchSDK is the full SDK as a service runs it: batch processors over
// exporters that discard.
type benchSDK struct {
	tp *sdktrace.TracerProvider
	mp *sdkmetric.MeterProvider
	lp *sdklog.LoggerProvider
}

func newBenchSDK(b *testing.B) benchSDK {
	s := benchSDK{
		tp: sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardSpans{})),
		mp: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
		lp: sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(discardLogs{}))),
	}
	b.Cleanup(func() {
		ctx := context.Background()
		_ = s.tp.Shutdown(ctx)
		_ = s.mp.Shutdown(ctx)
		_ = s.lp.Shutdown(ctx)
	})
	return s
}

type discardSpans struct{}

func (discardSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpans) Shutdown(context.Context) error                             { return nil }

type discardLogs struct{}

func (discardLogs) Export(context.Context, []sdklog.Record) error { return nil }
func (discardLogs) Shutdown(context.Context) error                { return nil }
func (discardLogs) ForceFlush(context.Context) error              { return nil }

// spanEvery is how many steps share one span in the benchmarks: spans are
// ended and replaced so that their events stay under the SDK's limit.
const spanEvery = 64

// BenchmarkStep measures one step: a StepLogger call and one Info message
// through it, with a recording span, progress on and the total known.
func BenchmarkStep(b *testing.B) {
	b.Run("sdk", func(b *testing.B) {
		s := newBenchSDK(b)
		run := otelstep.NewRun("bench", otelstep.WithTotalSteps(1<<30),
			otelstep.WithTracerProvider(s.tp), otelstep.WithMeterProvider(s.mp), otelstep.WithLoggerProvider(s.lp))
		benchSteps(b, s.tp.Tracer("bench"), run.Logger("parse"), func(ctx context.Context, l *slog.Logger) {
			run.StepLogger(ctx, l).Log(ctx, slog.LevelInfo, "begin parsing")
		})
	})
	b.Run("baseline-sdk", func(b *testing.B) {
		s := newBenchSDK(b)
		base := benchbase.New(s.mp, s.lp, 1<<30)
		benchSteps(b, s.tp.Tracer("bench"), nil, func(ctx context.Context, _ *slog.Logger) {
			base.Step(ctx, "parse", "begin parsing")
		})
	})
	b.Run("nosdk", func(b *testing.B) {
		run := otelstep.NewRun("bench", otelstep.WithTotalSteps(1<<30),
			otelstep.WithTracerProvider(tracenoop.NewTracerProvider()),
			otelstep.WithMeterProvider(metricnoop.NewMeterProvider()),
			otelstep.WithLoggerProvider(lognoop.NewLoggerProvider()))
		benchSteps(b, tracenoop.NewTracerProvider().Tracer("bench"), run.Logger("parse"), func(ctx context.Context, l *slog.Logger) {
			run.StepLogger(ctx, l).Log(ctx, slog.LevelInfo, "begin parsing")
		})
	})
}

// BenchmarkFilteredMessage measures a Debug message of an Info component,
// with the full SDK, through each entry point: the torch call form (the
// method value of StepLogger.Log), the
// StepLogger methods, the Step methods.
func BenchmarkFilteredMessage(b *testing.B) {
	s := newBenchSDK(b)
	run := otelstep.NewRun("bench", otelstep.WithTracerProvider(s.tp),
		otelstep.WithMeterProvider(s.mp), otelstep.WithLoggerProvider(s.lp))
	ctx, span := s.tp.Tracer("bench").Start(context.Background(), "root")
	defer span.End()
	log := run.StepLogger(ctx, run.Logger("parse"))
	_, step := run.Start(ctx, run.Logger("parse"))
	defer step.End(nil)
	b.Run("call", func(b *testing.B) {
		logf := log.Log // torch's call form
		b.ReportAllocs()
		for b.Loop() {
			logf(ctx, slog.LevelDebug, "filtered")
		}
	})
	b.Run("StepLogger.Debug", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			log.Debug(ctx, "filtered")
		}
	})
	b.Run("StepLogger.Debug-args", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			log.Debug(ctx, "filtered", "n", 1)
		}
	})
	b.Run("Step.Debug", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			step.Debug(ctx, "filtered", "n", 1)
		}
	})
}

// BenchmarkMessage measures one message that passes, with the full SDK,
// through each entry point: Info costs what Log costs.
func BenchmarkMessage(b *testing.B) {
	s := newBenchSDK(b)
	run := otelstep.NewRun("bench", otelstep.WithTracerProvider(s.tp),
		otelstep.WithMeterProvider(s.mp), otelstep.WithLoggerProvider(s.lp))
	tracer := s.tp.Tracer("bench")
	logger := run.Logger("parse")
	bench := func(name string, msg func(ctx context.Context, log otelstep.StepLogger, step *otelstep.Step)) {
		b.Run(name, func(b *testing.B) {
			ctx, span := tracer.Start(context.Background(), "root")
			log := run.StepLogger(ctx, logger)
			stepCtx, step := run.Start(ctx, logger)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i++; i%spanEvery == 0 {
					step.End(nil)
					span.End()
					ctx, span = tracer.Start(context.Background(), "root")
					log = run.StepLogger(ctx, logger)
					stepCtx, step = run.Start(ctx, logger)
				}
				msg(stepCtx, log, step)
			}
			step.End(nil)
			span.End()
		})
	}
	bench("StepLogger.Log", func(ctx context.Context, log otelstep.StepLogger, _ *otelstep.Step) {
		log.Log(ctx, slog.LevelInfo, "begin parsing", "n", 1)
	})
	bench("StepLogger.Info", func(ctx context.Context, log otelstep.StepLogger, _ *otelstep.Step) {
		log.Info(ctx, "begin parsing", "n", 1)
	})
	bench("Step.Log", func(ctx context.Context, _ otelstep.StepLogger, step *otelstep.Step) {
		step.Log(ctx, slog.LevelInfo, "begin parsing", "n", 1)
	})
	bench("Step.Info", func(ctx context.Context, _ otelstep.StepLogger, step *otelstep.Step) {
		step.Info(ctx, "begin parsing", "n", 1)
	})
}

// BenchmarkDirect measures a step message's record (no span) against
// otelslog writing the same record (the contract's attributes as args, with
// source): what owning the conversion saves.
func BenchmarkDirect(b *testing.B) {
	b.Run("direct", func(b *testing.B) {
		s := newBenchSDK(b)
		run := otelstep.NewRun("bench", otelstep.WithTracerProvider(s.tp),
			otelstep.WithMeterProvider(s.mp), otelstep.WithLoggerProvider(s.lp))
		ctx := context.Background()
		log := run.StepLogger(ctx, run.Logger("parse"))
		b.ReportAllocs()
		for b.Loop() {
			log.Info(ctx, "begin parsing", "n", 1, "table", "users")
		}
	})
	b.Run("otelslog", func(b *testing.B) {
		s := newBenchSDK(b)
		logger := otelslog.NewLogger("parse", otelslog.WithLoggerProvider(s.lp), otelslog.WithSource(true))
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			logger.InfoContext(ctx, "Step 1: begin parsing", "otelstep.step.number", 1, "otelstep.component", "parse",
				"otelstep.run", "bench", "n", 1, "table", "users")
		}
	})
}

// BenchmarkStepParallel runs steps from GOMAXPROCS goroutines, each on its
// own run and span, to show how far the SDK lets throughput scale.
func BenchmarkStepParallel(b *testing.B) {
	s := newBenchSDK(b)
	var runs atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		// A run name of its own: runs of one name would share, and lock,
		// one gauge series.
		name := fmt.Sprint("bench-", runs.Add(1))
		run := otelstep.NewRun(name, otelstep.WithTotalSteps(1<<30),
			otelstep.WithTracerProvider(s.tp), otelstep.WithMeterProvider(s.mp), otelstep.WithLoggerProvider(s.lp))
		logger := run.Logger("parse")
		tracer := s.tp.Tracer("bench")
		ctx, span := tracer.Start(context.Background(), "root")
		for i := 0; pb.Next(); i++ {
			if i%spanEvery == spanEvery-1 {
				span.End()
				ctx, span = tracer.Start(context.Background(), "root")
			}
			run.StepLogger(ctx, logger).Log(ctx, slog.LevelInfo, "begin parsing")
		}
		span.End()
	})
}

func benchSteps(b *testing.B, tracer trace.Tracer, logger *slog.Logger, step func(context.Context, *slog.Logger)) {
	ctx, span := tracer.Start(context.Background(), "root")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i%spanEvery == 0 {
			span.End()
			ctx, span = tracer.Start(context.Background(), "root")
		}
		step(ctx, logger)
	}
	span.End()
}

// BenchmarkStepMessage measures one Info message of a step already taken,
// with the full SDK: the yardstick of BenchmarkProgress.
func BenchmarkStepMessage(b *testing.B) {
	s := newBenchSDK(b)
	run := otelstep.NewRun("bench", otelstep.WithTotalSteps(1<<30),
		otelstep.WithTracerProvider(s.tp), otelstep.WithMeterProvider(s.mp), otelstep.WithLoggerProvider(s.lp))
	log := run.StepLogger(context.Background(), run.Logger("parse"))
	benchSteps(b, s.tp.Tracer("bench"), nil, func(ctx context.Context, _ *slog.Logger) {
		log.Log(ctx, slog.LevelInfo, "begin parsing")
	})
}

// BenchmarkProgress measures a Step.Progress call: with the full SDK, with
// the progress gauges off, and without an SDK.
func BenchmarkProgress(b *testing.B) {
	bench := func(b *testing.B, opts ...otelstep.Option) {
		run := otelstep.NewRun("bench", opts...)
		ctx := context.Background()
		_, st := run.Start(ctx, run.Logger("codegen"))
		defer st.End(nil)
		b.ReportAllocs()
		var i int64
		for b.Loop() {
			i++
			st.Progress(ctx, i, 1<<40)
		}
	}
	b.Run("sdk", func(b *testing.B) {
		s := newBenchSDK(b)
		bench(b, otelstep.WithTracerProvider(s.tp), otelstep.WithMeterProvider(s.mp), otelstep.WithLoggerProvider(s.lp))
	})
	b.Run("off", func(b *testing.B) {
		s := newBenchSDK(b)
		bench(b, otelstep.WithProgress(false),
			otelstep.WithTracerProvider(s.tp), otelstep.WithMeterProvider(s.mp), otelstep.WithLoggerProvider(s.lp))
	})
	b.Run("nosdk", func(b *testing.B) {
		bench(b, otelstep.WithTracerProvider(tracenoop.NewTracerProvider()),
			otelstep.WithMeterProvider(metricnoop.NewMeterProvider()),
			otelstep.WithLoggerProvider(lognoop.NewLoggerProvider()))
	})
}

// BenchmarkStartEnd measures a Run.Start step with one message, ended at
// once, with the full SDK: with the running-step markers at their default
// and off, to show that a quick step pays nothing for them.
func BenchmarkStartEnd(b *testing.B) {
	for _, c := range []struct {
		name string
		live time.Duration
	}{{"live-default", otelstep.DefaultLiveAfter}, {"live-off", 0}} {
		b.Run(c.name, func(b *testing.B) {
			s := newBenchSDK(b)
			run := otelstep.NewRun("bench", otelstep.WithTotalSteps(1<<30), otelstep.WithLiveSteps(c.live),
				otelstep.WithTracerProvider(s.tp), otelstep.WithMeterProvider(s.mp), otelstep.WithLoggerProvider(s.lp))
			defer run.End(context.Background())
			logger := run.Logger("parse")
			ctx, span := s.tp.Tracer("bench").Start(context.Background(), "root")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i++; i%spanEvery == 0 {
					span.End()
					ctx, span = s.tp.Tracer("bench").Start(context.Background(), "root")
				}
				sctx, st := run.Start(ctx, logger)
				st.Log(sctx, slog.LevelInfo, "begin parsing")
				st.End(nil)
			}
			span.End()
		})
	}
}
