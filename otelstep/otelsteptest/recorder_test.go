package otelsteptest_test

import (
	"context"
	"slices"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/otelsteptest"
	"go.opentelemetry.io/otel"
	logglobal "go.opentelemetry.io/otel/log/global"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func spanContext(ctx context.Context) trace.SpanContext {
	return trace.SpanContextFromContext(ctx)
}

func TestOptionsWithNewRun(t *testing.T) {
	rec := otelsteptest.New(t)
	run := otelstep.NewRun("plain", append(rec.Options(), otelstep.WithTotalSteps(2))...)
	compile(rec.Context(), run, "one")
	if got, ok := rec.Gauge(otelstep.ProgressMetricName, "plain"); !ok || got != 0.5 {
		t.Errorf("progress = %v, %v; want 0.5, true", got, ok)
	}
	if got, want := rec.Components(), []string{"one"}; !slices.Equal(got, want) {
		t.Errorf("Components() = %q, want %q", got, want)
	}
}

func TestNoGlobals(t *testing.T) {
	tp, mp, lp := otel.GetTracerProvider(), otel.GetMeterProvider(), logglobal.GetLoggerProvider()
	rec := otelsteptest.New(t)
	compile(rec.Context(), rec.NewRun("g"), "x")
	if otel.GetTracerProvider() != tp || otel.GetMeterProvider() != mp || logglobal.GetLoggerProvider() != lp {
		t.Errorf("a global provider changed")
	}
	if _, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider); ok {
		t.Errorf("the global tracer provider is an SDK one")
	}
}

func TestContext(t *testing.T) {
	rec := otelsteptest.New(t)
	ctx := rec.Context()
	if !trace.SpanFromContext(ctx).IsRecording() {
		t.Fatalf("Context() carries no recording span")
	}
	if !spanContext(rec.Context()).Equal(spanContext(ctx)) {
		t.Errorf("Context() returned a different span on a second call")
	}
}

func TestShutdown(t *testing.T) {
	rec := otelsteptest.NewRecorder()
	run := rec.NewRun("build", otelstep.WithTotalSteps(2))
	ctx := rec.Context()
	compile(ctx, run, "parse", "link")
	run.End(ctx)
	if err := rec.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := rec.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}

	// Everything stays readable; metrics are those collected at shutdown.
	if got, want := rec.Components(), []string{"parse", "link"}; !slices.Equal(got, want) {
		t.Errorf("Components() = %q, want %q", got, want)
	}
	if got := len(rec.Bodies()); got != 2 {
		t.Errorf("%d bodies, want 2", got)
	}
	if got, ok := rec.Gauge(otelstep.StepsMetricName, "build"); !ok || got != 2 {
		t.Errorf("steps gauge = %v, %v; want 2, true", got, ok)
	}
	if got := rec.ActiveRuns("build"); got != 0 {
		t.Errorf("ActiveRuns = %d, want 0", got)
	}
	// The run span ended with End, the root span with Shutdown.
	spans := rec.Spans()
	if len(spans) != 2 || spans[0].Name != "build" || spans[1].Name != "otelsteptest" ||
		len(spans[1].Events) != 4 || spans[0].Parent.SpanID() != spans[1].SpanContext.SpanID() {
		t.Errorf("Spans() = %+v, want the run span, then the root span with 2 step and 2 log events", spans)
	}
	// Nothing is recorded after Shutdown.
	compile(ctx, run, "late")
	if got := len(rec.Steps()); got != 2 {
		t.Errorf("%d steps after Shutdown, want 2", got)
	}
}

func TestContextAfterShutdown(t *testing.T) {
	rec := otelsteptest.NewRecorder()
	if err := rec.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ctx := rec.Context(); ctx == nil || trace.SpanFromContext(ctx).IsRecording() {
		t.Errorf("Context() after Shutdown = %v", ctx)
	}
}
