package contract_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/internal/contract"
	"github.com/otelstep/otelstep/otelstep/otelsteptest"
)

// TestDecode runs a real run and decodes every signal it left: one step
// span, one run span, the step-start record, the message, the step and log
// events and the metric series, each with the run, step and component.
func TestDecode(t *testing.T) {
	t.Parallel()
	rec := otelsteptest.New(t)
	ctx := context.Background()
	run := rec.NewRun("job", otelstep.WithRunID("r1"), otelstep.WithTotalSteps(2))
	sctx, s := run.Start(ctx, run.Logger("parse"))
	s.Log(sctx, slog.LevelWarn, "hi", "k", 1)
	s.End(errors.New("boom"))
	run.End(ctx)

	kinds := map[contract.SpanKind]int{}
	for _, sp := range rec.Spans().Snapshots() {
		kind, a := contract.Span(sp)
		kinds[kind]++
		if kind == contract.StepSpan {
			if a.Run != "job" || a.RunID != "r1" || a.Step != 1 || a.Component != "parse" || a.Total != 2 || a.Result != contract.ResultError {
				t.Errorf("step span decoded as %+v", a)
			}
			var events []contract.EventKind
			for _, ev := range sp.Events() {
				k, ea := contract.Event(ev, nil)
				events = append(events, k)
				if k == contract.LogEvent && (ea.Message != "Step 1: hi" || ea.Severity != "WARN") {
					t.Errorf("log event decoded as %+v", ea)
				}
			}
			if !slices.Contains(events, contract.LogEvent) {
				t.Errorf("no log event on the step span: %v", events)
			}
		}
	}
	if kinds[contract.StepSpan] != 1 || kinds[contract.RunSpan] != 1 {
		t.Errorf("span kinds %v, want one step span and one run span", kinds)
	}

	var records []contract.RecordKind
	for _, r := range rec.Records() {
		var other []string
		k, a := contract.Record(&r, func(kv attribute.KeyValue) { other = append(other, string(kv.Key)) })
		records = append(records, k)
		if k == contract.Message && (a.Step != 1 || a.Component != "parse" || !slices.Contains(other, "k")) {
			t.Errorf("message decoded as %+v, other attributes %v", a, other)
		}
	}
	if !slices.Contains(records, contract.Message) || !slices.Contains(records, contract.StepStart) {
		t.Errorf("record kinds %v, want a message and a step start", records)
	}

	rm := rec.Metrics()
	seen := map[string]bool{}
	for p := range contract.Points(&rm) {
		seen[p.Metric] = true
		if p.Run != "job" || p.RunID != "r1" {
			t.Errorf("point %s of run %q id %q", p.Metric, p.Run, p.RunID)
		}
		if p.Metric == otelstep.DurationMetricName && (p.Kind != contract.Histogram || p.Count != 1 || p.Result != contract.ResultError) {
			t.Errorf("duration point %+v", p)
		}
	}
	for _, m := range []string{otelstep.StepsMetricName, otelstep.ProgressMetricName, otelstep.DurationMetricName, otelstep.ActiveRunsMetricName} {
		if !seen[m] {
			t.Errorf("no point of %s", m)
		}
	}
}

// TestDecodePart decodes a part of a run started inside one of its steps:
// its step span, messages and series carry the root run's name and id, the
// part's own name, and (not the series) the step's path.
func TestDecodePart(t *testing.T) {
	t.Parallel()
	rec := otelsteptest.New(t)
	ctx := context.Background()
	ctx, run := otelstep.Start(ctx, "job", append(rec.Options(), otelstep.WithRunID("r1"))...)
	sctx, s := run.Start(ctx, run.Logger("codegen"))
	pctx, part := otelstep.Start(sctx, "worker", rec.Options()...)
	lctx, st := part.Start(pctx, part.Logger("lower"))
	st.Info(lctx, "lowering")
	st.End(nil)
	part.End(pctx)
	s.End(nil)
	run.End(ctx)

	var steps []string
	for _, sp := range rec.Spans().Snapshots() {
		if kind, a := contract.Span(sp); kind == contract.StepSpan {
			steps = append(steps, string(a.AppendStep(nil))+" "+a.Run+" "+a.RunID+" "+a.Part+" "+a.Component)
		}
	}
	slices.Sort(steps)
	if want := []string{"1 job r1  codegen", "1.1.1 job r1 worker lower"}; !slices.Equal(steps, want) {
		t.Errorf("step spans decoded as %q, want %q", steps, want)
	}
	var msgs int
	for _, r := range rec.Records() {
		if k, a := contract.Record(&r, nil); k == contract.Message {
			msgs++
			if a.Path != "1.1.1" || a.Part != "worker" || a.Run != "job" || a.Step != 1 {
				t.Errorf("part message decoded as %+v", a)
			}
		}
	}
	if msgs != 1 {
		t.Errorf("%d messages, want 1", msgs)
	}
	rm := rec.Metrics()
	var partPoints int
	for p := range contract.Points(&rm) {
		if p.Path != "" {
			t.Errorf("point %s with a path %q", p.Metric, p.Path)
		}
		if p.Part == "worker" {
			partPoints++
		}
	}
	if partPoints == 0 {
		t.Errorf("no point of the part")
	}
}
