package otelstep_test

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strconv"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func TestStartMakesChildSpan(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts(otelstep.WithTotalSteps(3))...)
	ctx, root := s.tp.Tracer("t").Start(context.Background(), "root")
	run.StepLogger(ctx, run.Logger("parse")) // step 1
	stepCtx, step := run.Start(ctx, run.Logger("typecheck"))
	if step.Number() != 2 {
		t.Errorf("Number() = %d, want 2 (one counter for StepLogger and Start)", step.Number())
	}
	if trace.SpanFromContext(stepCtx) != step.Span() {
		t.Errorf("returned ctx does not carry the step's span")
	}
	step.End(nil)
	root.End()

	spans := endedByName(s)
	sp, ok := spans["Step 2: typecheck"]
	if !ok {
		t.Fatalf("no span named %q in %v", "Step 2: typecheck", keys(spans))
	}
	if sp.Parent().SpanID() != root.SpanContext().SpanID() {
		t.Errorf("step span's parent is not the span in ctx")
	}
	a := eventAttrs(sp.Attributes())
	if a[otelstep.RunKey].AsString() != "build" || a[otelstep.StepNumberKey].AsInt64() != 2 ||
		a[otelstep.ComponentKey].AsString() != "typecheck" || a[otelstep.StepResultKey].AsString() != "ok" {
		t.Errorf("step span attributes: %v", sp.Attributes())
	}
	if sp.Status().Code != codes.Unset {
		t.Errorf("status = %v, want Unset", sp.Status())
	}
	ev := s.events(otelstep.StepEventName)
	if len(ev) != 2 {
		t.Fatalf("got %d step events on the root, want 2", len(ev))
	}
	if a := eventAttrs(ev[1].Attributes); a[otelstep.StepNumberKey].AsInt64() != 2 || a[otelstep.StepsTotalKey].AsInt64() != 3 {
		t.Errorf("Start's step event: %v", ev[1].Attributes)
	}
	if got := gauge[int64](t, s.collect(t), otelstep.StepsMetricName)["build"]; got != 2 {
		t.Errorf("steps gauge = %d, want 2", got)
	}
}

func TestStepLogUsesStepSpan(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	ctx, root := s.tp.Tracer("t").Start(context.Background(), "root")
	_, step := run.Start(ctx, run.Logger("codegen"))
	_, file, line, _ := runtime.Caller(0)
	step.Log(ctx, slog.LevelInfo, "begin codegen", "target", "amd64") // the parent's ctx
	step.Log(ctx, slog.LevelDebug, "filtered")
	step.End(nil)
	root.End()

	sp := endedByName(s)["Step 1: codegen"]
	var msgs []string
	for _, e := range sp.Events() {
		if e.Name == otelstep.LogEventName {
			msgs = append(msgs, eventAttrs(e.Attributes)[otelstep.MessageKey].AsString())
		}
	}
	if len(msgs) != 1 || msgs[0] != "Step 1: begin codegen" {
		t.Errorf("log events on the step span: %q", msgs)
	}
	var found bool
	for _, r := range s.logs.all() {
		if r.Body().AsString() != "Step 1: begin codegen" {
			continue
		}
		found = true
		if r.SpanID() != sp.SpanContext().SpanID() {
			t.Errorf("record's span = %v, want the step's %v", r.SpanID(), sp.SpanContext().SpanID())
		}
		a := logAttrs(r)
		if a["target"] != "amd64" || a["code.file.path"] != file || a["code.line.number"] != strconv.Itoa(line+1) {
			t.Errorf("record attributes: %v", a)
		}
	}
	if !found {
		t.Errorf("no record for the step message")
	}
}

func TestStepEndWithError(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	_, step := run.Start(context.Background(), run.Logger("link"))
	step.End(errors.New("undefined: main"))
	step.End(nil) // does nothing

	sp := endedByName(s)["Step 1: link"]
	if sp.Status().Code != codes.Error || sp.Status().Description != "undefined: main" {
		t.Errorf("status = %+v", sp.Status())
	}
	if len(sp.Events()) != 1 || sp.Events()[0].Name != "exception" {
		t.Errorf("error not recorded: %v", sp.Events())
	}
	h := durations(t, s)
	if len(h) != 1 || h[0].Count != 1 {
		t.Fatalf("duration points: %+v", h)
	}
	if res, _ := h[0].Attributes.Value(otelstep.StepResultKey); res.AsString() != "error" {
		t.Errorf("result = %q, want error", res.AsString())
	}
	if c, _ := h[0].Attributes.Value(otelstep.ComponentKey); c.AsString() != "link" {
		t.Errorf("component = %q, want link", c.AsString())
	}
}

func TestRunEndAbandonsOpenSteps(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx := context.Background()
	run := otelstep.NewRun("deploy", s.opts()...)
	if got := active(t, s)["deploy"]; got != 1 {
		t.Errorf("active runs after NewRun = %d, want 1", got)
	}
	_, done := run.Start(ctx, run.Logger("plan"))
	done.End(nil)
	_, open := run.Start(ctx, run.Logger("apply"))
	run.End(ctx)
	run.End(ctx)
	open.End(nil) // already ended as abandoned

	if got := active(t, s)["deploy"]; got != 0 {
		t.Errorf("active runs after End twice = %d, want 0", got)
	}
	byResult := map[string]uint64{}
	for _, dp := range durations(t, s) {
		res, _ := dp.Attributes.Value(otelstep.StepResultKey)
		byResult[res.AsString()] += dp.Count
	}
	if byResult["ok"] != 1 || byResult["abandoned"] != 1 || len(byResult) != 2 {
		t.Errorf("durations by result = %v, want ok:1 abandoned:1", byResult)
	}
	if sp := endedByName(s)["Step 2: apply"]; sp == nil || eventAttrs(sp.Attributes())[otelstep.StepResultKey].AsString() != "abandoned" {
		t.Errorf("open step not ended as abandoned")
	}
}

func TestStartEmitsLogEvent(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	ctx, step := run.Start(context.Background(), run.Logger("parse"))
	step.End(nil)
	var events int
	for _, r := range s.logs.all() {
		if r.EventName() != otelstep.StepEventName {
			continue
		}
		events++
		a := logAttrs(r)
		if a["otelstep.step.number"] != "1" || a["otelstep.component"] != "parse" || a["otelstep.run"] != "build" {
			t.Errorf("event record attributes: %v", a)
		}
		if r.SpanID() != trace.SpanContextFromContext(ctx).SpanID() {
			t.Errorf("event record not correlated with the step span")
		}
	}
	if events != 1 {
		t.Errorf("got %d log records with event name %s, want 1", events, otelstep.StepEventName)
	}
}

func endedByName(s *sdk) map[string]sdktrace.ReadOnlySpan {
	out := map[string]sdktrace.ReadOnlySpan{}
	for _, sp := range s.spans.Ended() {
		out[sp.Name()] = sp
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// durations returns the points of the step duration histogram.
func durations(t *testing.T, s *sdk) []metricdata.HistogramDataPoint[float64] {
	t.Helper()
	for _, sm := range s.collect(t).ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == otelstep.DurationMetricName {
				if m.Unit != "s" {
					t.Errorf("duration unit = %q, want s", m.Unit)
				}
				return m.Data.(metricdata.Histogram[float64]).DataPoints
			}
		}
	}
	return nil
}

// active returns the active runs counter by run name.
func active(t *testing.T, s *sdk) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, sm := range s.collect(t).ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != otelstep.ActiveRunsMetricName {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				v, _ := dp.Attributes.Value(attribute.Key(otelstep.RunKey))
				out[v.AsString()] = dp.Value
			}
		}
	}
	return out
}
