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
