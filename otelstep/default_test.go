package otelstep_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel"
)

func TestNeverSetsGlobals(t *testing.T) {
	tp, mp, lp := otel.GetTracerProvider(), otel.GetMeterProvider(), otel.GetLoggerProvider()
	prop, eh := otel.GetTextMapPropagator(), otel.GetErrorHandler()

	s := newSDK(t)
	ctx, span := s.tp.Tracer("t").Start(context.Background(), "root")
	run := otelstep.NewRun("build", s.opts(otelstep.WithTotalSteps(2))...)
	run.StepLogger(ctx, run.Logger("parse"))(ctx, slog.LevelInfo, "msg")
	run.End(ctx)
	span.End()

	if otel.GetTracerProvider() != tp || otel.GetMeterProvider() != mp || otel.GetLoggerProvider() != lp {
		t.Errorf("a global provider changed")
	}
	if otel.GetTextMapPropagator() != prop || otel.GetErrorHandler() != eh {
		t.Errorf("the global propagator or error handler changed")
	}
}

// TestDefaultHonoursLaterGlobals sets the OTel globals, which can be done
// only once per process: it is the one test here that does.
func TestDefaultHonoursLaterGlobals(t *testing.T) {
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
	otelstep.GetStepLogger(ctx, logger)(ctx, slog.LevelInfo, "late globals")
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
