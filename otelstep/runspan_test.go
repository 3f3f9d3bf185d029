package otelstep_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// byName returns the ended spans of s by name.
func byName(s *sdk) map[string]sdktrace.ReadOnlySpan {
	out := map[string]sdktrace.ReadOnlySpan{}
	for _, sp := range s.spans.Ended() {
		out[sp.Name()] = sp
	}
	return out
}

func TestStartOwnsTheTrace(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	parentCtx, parent := s.tp.Tracer("t").Start(context.Background(), "request")
	ctx, run := otelstep.Start(parentCtx, "deploy", s.opts(otelstep.WithRunID("slot-1"))...)
	if got := run.Span().SpanContext(); !got.IsValid() || !got.Equal(trace.SpanContextFromContext(ctx)) {
		t.Fatalf("Start's context does not carry the run span")
	}

	bg := context.Background() // no span: steps hang under the run span
	log := run.StepLogger(bg, run.Logger("plan"))
	log.Info(bg, "planning")
	stepCtx, step := run.Start(bg, run.Logger("apply"))
	step.Info(stepCtx, "applying")
	step.End(nil)
	// A context with a span of its own keeps it.
	own, ownSpan := s.tp.Tracer("t").Start(context.Background(), "own")
	run.StepLogger(own, run.Logger("verify")).Info(own, "on its own span")
	ownSpan.End()
	run.End(ctx)
	parent.End()

	spans := byName(s)
	runSpan, ok := spans["deploy"]
	if !ok {
		t.Fatalf("no run span named deploy: %v", keys(spans))
	}
	if runSpan.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("run span's parent is not the span in Start's ctx")
	}
	a := eventAttrs(runSpan.Attributes())
	if a[otelstep.RunKey].AsString() != "deploy" || a[otelstep.RunIDKey].AsString() != "slot-1" {
		t.Errorf("run span attributes = %v", runSpan.Attributes())
	}
	var names []string
	for _, e := range runSpan.Events() {
		names = append(names, e.Name+" "+eventAttrs(e.Attributes)[otelstep.ComponentKey].AsString())
	}
	want := []string{"otelstep.step plan", "otelstep.log plan", "otelstep.step apply"}
	if slogString(names) != slogString(want) {
		t.Errorf("run span events = %v, want %v", names, want)
	}
	if got := spans["Step 2: apply"]; got == nil || got.Parent().SpanID() != runSpan.SpanContext().SpanID() {
		t.Errorf("the step span of a context without a span is not a child of the run span")
	}
	if n := len(spans["own"].Events()); n != 2 {
		t.Errorf("the span of the context given got %d events, want 2", n)
	}
	// The record of a message given no span is correlated with the run span.
	for _, m := range s.Messages() {
		if m.Body == "Step 1: planning" && m.SpanID != runSpan.SpanContext().SpanID() {
			t.Errorf("record of a message without a span: span id %v, want the run span's", m.SpanID)
		}
	}
	if runSpan.Status().Code == codes.Error {
		t.Errorf("a run that did not fail has status %v", runSpan.Status())
	}
}

func TestRunFail(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx, run := otelstep.Start(context.Background(), "deploy", s.opts()...)
	run.Fail(nil)
	run.Fail(errors.New("quota exceeded"))
	run.Fail(errors.New("second error"))
	if err := run.Err(); err == nil || err.Error() != "quota exceeded" {
		t.Errorf("Err() = %v, want the first error", err)
	}
	run.End(ctx)
	run.Fail(errors.New("after End"))
	run.End(ctx)

	sp := byName(s)["deploy"]
	if sp == nil {
		t.Fatal("no run span")
	}
	if sp.Status().Code != codes.Error || sp.Status().Description != "quota exceeded" {
		t.Errorf("run span status = %+v, want Error: quota exceeded", sp.Status())
	}
	var exc int
	for _, e := range sp.Events() {
		if e.Name == "exception" {
			exc++
		}
	}
	if exc != 1 {
		t.Errorf("%d exception events on the run span, want 1", exc)
	}
	if n := len(s.spans.Ended()); n != 1 {
		t.Errorf("%d spans ended, want the run span once", n)
	}
}

func TestNewRunHasNoSpan(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("plain", s.opts()...)
	if run.Span().IsRecording() || run.Span().SpanContext().IsValid() {
		t.Errorf("NewRun's Span() is a real span")
	}
	ctx := context.Background()
	run.StepLogger(ctx, run.Logger("x")).Info(ctx, "m")
	run.Fail(errors.New("x"))
	run.End(ctx)
	if n := len(s.spans.Ended()); n != 0 {
		t.Errorf("NewRun made %d spans", n)
	}
	if got := len(s.Messages()); got != 1 {
		t.Errorf("%d messages, want 1", got)
	}
}

func TestNilContexts(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	//lint:ignore SA1012 nil contexts are the point
	var nilCtx context.Context
	ctx, run := otelstep.Start(nilCtx, "nil", s.opts(otelstep.WithLevels("+all"))...)
	if ctx == nil {
		t.Fatal("Start(nil) returned a nil context")
	}
	log := run.StepLogger(nilCtx, nil)
	log.Log(nilCtx, slog.LevelInfo, "call")
	log.Info(nilCtx, "Info")
	log.LogAttrs(nilCtx, slog.LevelInfo, "LogAttrs")
	_ = log.Enabled(nilCtx, slog.LevelDebug)
	stepCtx, step := run.Start(nilCtx, nil)
	if stepCtx == nil {
		t.Fatal("Run.Start(nil) returned a nil context")
	}
	step.Log(nilCtx, slog.LevelInfo, "Step.Log")
	step.Debug(nilCtx, "Step.Debug")
	step.LogAttrs(nilCtx, slog.LevelWarn, "Step.LogAttrs")
	_ = step.Enabled(nilCtx, slog.LevelDebug)
	step.End(nil)
	foreign := run.StepLogger(nilCtx, slog.New(slog.DiscardHandler))
	foreign.Info(nilCtx, "foreign")
	run.End(nilCtx)
	if got := len(s.Messages()); got != 6 {
		t.Errorf("%d messages with nil contexts, want 6", got)
	}
}
