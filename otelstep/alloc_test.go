package otelstep_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	lognoop "go.opentelemetry.io/otel/log/noop"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// The allocation budgets of the performance targets: none for a step and
// its message without an SDK, none for a filtered message. These tests do
// not run in parallel: testing.AllocsPerRun counts the allocations of the
// whole process.

func TestAllocsNoSDK(t *testing.T) {
	run := otelstep.NewRun("bench", otelstep.WithTotalSteps(10),
		otelstep.WithTracerProvider(tracenoop.NewTracerProvider()),
		otelstep.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelstep.WithLoggerProvider(lognoop.NewLoggerProvider()))
	logger := run.Logger("parse")
	ctx, span := tracenoop.NewTracerProvider().Tracer("t").Start(context.Background(), "root")
	defer span.End()
	got := testing.AllocsPerRun(1000, func() {
		run.StepLogger(ctx, logger).Log(ctx, slog.LevelInfo, "begin parsing")
	})
	if got != 0 {
		t.Errorf("a step and its message without an SDK allocate %v times, budget 0", got)
	}
}

func TestAllocsFiltered(t *testing.T) {
	s := newSDK(t)
	run := otelstep.NewRun("bench", s.opts()...)
	ctx, span := s.tp.Tracer("t").Start(context.Background(), "root")
	defer span.End()
	log := run.StepLogger(ctx, run.Logger("parse"))
	got := testing.AllocsPerRun(1000, func() {
		log.Log(ctx, slog.LevelDebug, "filtered")
	})
	if got != 0 {
		t.Errorf("a filtered StepLogger message allocates %v times, budget 0", got)
	}

	got = testing.AllocsPerRun(1000, func() {
		log.Debug(ctx, "filtered", "n", 1)
	})
	if got != 0 {
		t.Errorf("a filtered StepLogger.Debug message with args allocates %v times, budget 0", got)
	}
	_, step := run.Start(ctx, run.Logger("parse"))
	defer step.End(nil)
	got = testing.AllocsPerRun(1000, func() {
		step.Log(ctx, slog.LevelDebug, "filtered", "n", 1)
	})
	if got != 0 {
		t.Errorf("a filtered Step.Log message with args allocates %v times, budget 0", got)
	}
}

func TestAllocsProgress(t *testing.T) {
	s := newSDK(t)
	run := otelstep.NewRun("bench", s.opts()...)
	ctx := context.Background()
	_, step := run.Start(ctx, run.Logger("codegen"))
	defer step.End(nil)
	var i int64
	got := testing.AllocsPerRun(1000, func() {
		i++
		step.Progress(ctx, i, 1<<20)
	})
	if got != 0 {
		t.Errorf("Step.Progress with the SDK allocates %v times, budget 0", got)
	}
}
