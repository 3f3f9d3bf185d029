package otelsteptest_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/otelsteptest"
)

func TestMessages(t *testing.T) {
	rec := otelsteptest.New(t)
	run := rec.NewRun("build", otelstep.WithLevels("+codegen,-typecheck"))
	ctx := rec.Context()

	log := run.StepLogger(ctx, run.Logger("typecheck"))
	log.Log(ctx, slog.LevelInfo, "filtered: typecheck logs at Error")
	log.Log(ctx, slog.LevelError, "undefined: x", "file", "main.go")

	stepCtx, step := run.Start(ctx, run.Logger("codegen"))
	step.Log(ctx, slog.LevelDebug, "begin codegen", "target", "amd64") // parent's ctx
	step.Log(stepCtx, slog.LevelWarn, "slow")
	step.End(nil)

	run.Logger("codegen").Info("a plain record, no step")

	msgs := rec.Messages()
	if len(msgs) != 3 {
		t.Fatalf("got %d messages, want 3: %+v", len(msgs), msgs)
	}
	root := rec.Context()
	check := func(m otelsteptest.Message, step int, comp string, level slog.Level, body string) {
		t.Helper()
		if m.Run != "build" || m.RunID != "" || m.Step != step || m.Component != comp || m.Level != level || m.Body != body {
			t.Errorf("message = %+v\nwant run build, step %d, %s, %v, %q", m, step, comp, level, body)
		}
	}
	check(msgs[0], 1, "typecheck", slog.LevelError, "Step 1: undefined: x")
	check(msgs[1], 2, "codegen", slog.LevelDebug, "Step 2: begin codegen")
	check(msgs[2], 2, "codegen", slog.LevelWarn, "Step 2: slow")

	rootSC := spanContext(root)
	if msgs[0].TraceID != rootSC.TraceID() || msgs[0].SpanID != rootSC.SpanID() {
		t.Errorf("step logger message not correlated with the root span")
	}
	stepSC := step.Span().SpanContext()
	for _, m := range msgs[1:] {
		if m.TraceID != stepSC.TraceID() || m.SpanID != stepSC.SpanID() {
			t.Errorf("message %q not correlated with the step span", m.Body)
		}
	}
	if a := msgs[0].Attrs; a["file"] != "main.go" || a[string(otelstep.StepNumberKey)] != "1" || a["code.function.name"] == "" {
		t.Errorf("Attrs = %v", a)
	}
	if a := msgs[1].Attrs; a["target"] != "amd64" || a[string(otelstep.ComponentKey)] != "codegen" {
		t.Errorf("Attrs = %v", a)
	}

	want := []string{"Step 1: undefined: x", "Step 2: begin codegen", "Step 2: slow"}
	if got := rec.Bodies(); !slices.Equal(got, want) {
		t.Errorf("Bodies() = %q, want %q", got, want)
	}

	// The raw records also hold Start's log-based event and the plain record.
	var events, plain int
	for _, r := range rec.Records() {
		switch {
		case r.EventName() == otelstep.StepEventName:
			events++
		case r.Body().AsString() == "a plain record, no step":
			plain++
		}
	}
	if events != 1 || plain != 1 || len(rec.Records()) != 5 {
		t.Errorf("Records(): %d in all, %d step events, %d plain; want 5, 1, 1", len(rec.Records()), events, plain)
	}
}

func TestMessagesLevelsRoundTrip(t *testing.T) {
	rec := otelsteptest.New(t)
	run := rec.NewRun("levels", otelstep.WithLevels("+all"))
	ctx := context.Background()
	log := run.StepLogger(ctx, nil)
	levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelError + 2, slog.LevelDebug - 1}
	for _, l := range levels {
		log.Log(ctx, l, l.String())
	}
	var got []slog.Level
	for _, m := range rec.Messages() {
		got = append(got, m.Level)
		if m.Component != otelstep.DefaultComponent {
			t.Errorf("component = %q, want %q", m.Component, otelstep.DefaultComponent)
		}
	}
	// Debug-1 is below +all's Debug.
	if want := levels[:5]; !slices.Equal(got, want) {
		t.Errorf("levels = %v, want %v", got, want)
	}
}

func TestDurations(t *testing.T) {
	rec := otelsteptest.New(t)
	run := rec.NewRun("deploy", otelstep.WithRunID("eu"))
	ctx := context.Background()
	for _, comp := range []string{"plan", "plan", "apply"} {
		_, s := run.Start(ctx, run.Logger(comp))
		s.End(nil)
	}
	_, s := run.Start(ctx, run.Logger("apply"))
	s.End(errors.New("boom"))
	run.Start(ctx, run.Logger("verify"))
	run.End(ctx)

	got := rec.Durations()
	type key struct{ Run, RunID, Component, Result string }
	var keys []key
	var counts []uint64
	for _, d := range got {
		keys = append(keys, key{d.Run, d.RunID, d.Component, d.Result})
		counts = append(counts, d.Count)
		if d.Sum < 0 {
			t.Errorf("negative sum: %+v", d)
		}
	}
	wantKeys := []key{
		{"deploy", "eu", "apply", "error"},
		{"deploy", "eu", "apply", "ok"},
		{"deploy", "eu", "plan", "ok"},
		{"deploy", "eu", "verify", "abandoned"},
	}
	if !slices.Equal(keys, wantKeys) || !slices.Equal(counts, []uint64{1, 1, 2, 1}) {
		t.Errorf("Durations() = %+v\nwant %v with counts 1 1 2 1", got, wantKeys)
	}
	if n := rec.ActiveRuns("deploy"); n != 0 {
		t.Errorf("ActiveRuns after End = %d, want 0", n)
	}
}
