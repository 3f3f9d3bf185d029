package otelstep_test

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel/trace"
)

func TestStepEvent(t *testing.T) {
	t.Parallel()
	for _, total := range []int{0, 4} {
		t.Run("total="+strconv.Itoa(total), func(t *testing.T) {
			s := newSDK(t)
			run := otelstep.NewRun("build", s.opts(otelstep.WithTotalSteps(total))...)
			ctx, span := s.tp.Tracer("t").Start(context.Background(), "root")
			run.StepLogger(ctx, run.Logger("parse"))
			run.StepLogger(ctx, run.Logger("codegen"))
			span.End()

			ev := s.events(otelstep.StepEventName)
			if len(ev) != 2 {
				t.Fatalf("got %d %s events, want 2", len(ev), otelstep.StepEventName)
			}
			for i, comp := range []string{"parse", "codegen"} {
				a := eventAttrs(ev[i].Attributes)
				if got := a[otelstep.RunKey].AsString(); got != "build" {
					t.Errorf("event %d: run = %q", i, got)
				}
				if got := a[otelstep.StepNumberKey].AsInt64(); got != int64(i+1) {
					t.Errorf("event %d: step number = %d", i, got)
				}
				if got := a[otelstep.ComponentKey].AsString(); got != comp {
					t.Errorf("event %d: component = %q, want %q", i, got, comp)
				}
				v, ok := a[otelstep.StepsTotalKey]
				if ok != (total > 0) || (ok && v.AsInt64() != int64(total)) {
					t.Errorf("event %d: total = %v (present %v), want %d", i, v.AsInt64(), ok, total)
				}
			}
		})
	}
}

func TestStepMessage(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts(otelstep.WithTotalSteps(3))...)
	ctx, span := s.tp.Tracer("t").Start(context.Background(), "root")
	run.StepLogger(ctx, run.Logger("parse")) // step 1
	log := run.StepLogger(ctx, run.Logger("typecheck").With("unit", "main"))
	_, _, line, _ := runtime.Caller(0)
	log.Log(ctx, slog.LevelWarn, "begin type checking", "files", 3) // line+1
	span.End()

	recs := s.logs.all()
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	r := recs[0]
	if got := r.Body().AsString(); got != "Step 2: begin type checking" {
		t.Errorf("body = %q", got)
	}
	if got := r.SeverityText(); got != "WARN" {
		t.Errorf("severity text = %q", got)
	}
	if got := r.Severity(); got != 13 { // log.SeverityWarn
		t.Errorf("severity = %d, want 13", got)
	}
	if r.TraceID() != span.SpanContext().TraceID() || r.SpanID() != span.SpanContext().SpanID() {
		t.Errorf("record not correlated with the span: %v/%v", r.TraceID(), r.SpanID())
	}
	a := logAttrs(r)
	want := map[string]string{
		"otelstep.step.number": "2",
		"otelstep.component":   "typecheck",
		"otelstep.run":         "build",
		"files":                "3",
		"unit":                 "main",
		"code.line.number":     strconv.Itoa(line + 1),
	}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("attribute %s = %q, want %q (all: %v)", k, a[k], v, a)
		}
	}
	_, file, _, _ := runtime.Caller(0)
	if a["code.file.path"] != file {
		t.Errorf("source file = %q, want %q", a["code.file.path"], file)
	}

	ev := s.events(otelstep.LogEventName)
	if len(ev) != 1 {
		t.Fatalf("got %d %s events, want 1", len(ev), otelstep.LogEventName)
	}
	ea := eventAttrs(ev[0].Attributes)
	if got := ea[otelstep.MessageKey].AsString(); got != "Step 2: begin type checking" {
		t.Errorf("log.message = %q", got)
	}
	if got := ea[otelstep.SeverityKey].AsString(); got != "WARN" {
		t.Errorf("log.severity = %q", got)
	}
	if got := ea[otelstep.StepNumberKey].AsInt64(); got != 2 {
		t.Errorf("step number = %d", got)
	}
	if got := ea[otelstep.ComponentKey].AsString(); got != "typecheck" {
		t.Errorf("component = %q", got)
	}
}

func TestStepLoggerSourceWithLocalHandler(t *testing.T) {
	t.Parallel()
	var got slog.Source
	h := sourceHandler{dst: &got}
	run := otelstep.NewRun("build", otelstep.WithHandler(h))
	log := run.StepLogger(context.Background(), run.Logger("parse"))
	_, file, line, _ := runtime.Caller(0)
	log.Log(context.Background(), slog.LevelInfo, "x")
	if got.File != file || got.Line != line+1 {
		t.Errorf("source = %s:%d, want %s:%d", got.File, got.Line, file, line+1)
	}
}

// sourceHandler keeps the source of the last record it handles.
type sourceHandler struct{ dst *slog.Source }

func (sourceHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h sourceHandler) Handle(_ context.Context, r slog.Record) error {
	*h.dst = *r.Source()
	return nil
}
func (h sourceHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h sourceHandler) WithGroup(string) slog.Handler      { return h }

func TestFilteredMessageMakesNothing(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts(otelstep.WithLevels("-codegen,+parse"))...)
	ctx, span := s.tp.Tracer("t").Start(context.Background(), "root")
	run.StepLogger(ctx, run.Logger("codegen")).Log(ctx, slog.LevelWarn, "filtered")
	run.StepLogger(ctx, run.Logger("typecheck")).Log(ctx, slog.LevelDebug, "filtered too")
	run.StepLogger(ctx, run.Logger("parse")).Log(ctx, slog.LevelDebug, "kept")
	run.Logger("codegen").Info("filtered as well")
	span.End()

	recs := s.logs.all()
	if len(recs) != 1 || recs[0].Body().AsString() != "Step 3: kept" {
		var bodies []string
		for _, r := range recs {
			bodies = append(bodies, r.Body().AsString())
		}
		t.Errorf("records = %q, want only \"Step 3: kept\"", bodies)
	}
	if ev := s.events(otelstep.LogEventName); len(ev) != 1 {
		t.Errorf("got %d %s events, want 1", len(ev), otelstep.LogEventName)
	}
	if ev := s.events(otelstep.StepEventName); len(ev) != 3 {
		t.Errorf("filtered messages must not hide steps: %d step events, want 3", len(ev))
	}
}

func TestNoPanics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	noSpan := otelstep.NewRun("")
	noSpan.StepLogger(ctx, nil).Log(ctx, slog.LevelInfo, "nil logger, no span, no SDK")

	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	nonRecording := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1},
	}))
	log := run.StepLogger(nonRecording, run.Logger(""))
	log.Log(nonRecording, slog.LevelError, "\xff invalid utf-8 \x00")
	run.StepLogger(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))).Log(ctx, slog.LevelInfo, "foreign logger")
	run.StepLogger(ctx, slog.New(slog.DiscardHandler)).Log(ctx, slog.LevelInfo, "discarded")
	run.End(ctx)
	run.End(ctx)
	run.StepLogger(ctx, nil).Log(ctx, slog.LevelInfo, "after End")

	if got := run.Steps(); got != 4 {
		t.Errorf("Steps() = %d, want 4", got)
	}
	for _, r := range s.logs.all() {
		if b := r.Body().AsString(); b == "Step 1: \ufffd invalid utf-8 \x00" {
			return
		}
	}
	t.Errorf("invalid UTF-8 message not logged with replacement characters")
}
