package otelstep_test

import (
	"context"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
)

// TestDirectRecordMatchesOtelslog checks that a step message of a run
// without a local handler takes the direct path (straight to the OTel
// logger), and that it makes the very record otelslog makes for the same
// call with the direct path switched off.
func TestDirectRecordMatchesOtelslog(t *testing.T) {
	args := []any{"s", "x", "i", 3, "u", uint64(7), "f", 1.5, "b", true,
		"d", 2 * time.Second, "tm", time.Unix(5, 0), slog.Int("attr", 9)}
	var direct int
	defer otelstep.OnDirect(func() { direct++ })()

	recs := make([]sdk, 2)
	for i, on := range []bool{true, false} {
		restore := otelstep.SetDirect(on)
		s := newSDK(t)
		recs[i] = *s
		run := otelstep.NewRun("build", s.opts()...)
		ctx, span := s.tp.Tracer("t").Start(context.Background(), "root")
		log := run.StepLogger(ctx, run.Logger("parse"))
		logAt(ctx, log, args) // one call site for both
		log.LogAttrs(ctx, slog.LevelError, "attrs", slog.String("k", "v"), slog.Bool("ok", false))
		span.End()
		restore()
		if want := map[bool]int{true: 2, false: 2}[on]; direct != want {
			t.Fatalf("direct emissions = %d after the run with direct=%v, want %d", direct, on, want)
		}
	}

	a, b := recs[0].logs.all(), recs[1].logs.all()
	if len(a) != 2 || len(b) != 2 {
		t.Fatalf("records: %d direct, %d via otelslog; want 2 each", len(a), len(b))
	}
	for i := range a {
		if !maps.Equal(logAttrs(a[i]), logAttrs(b[i])) {
			t.Errorf("attributes differ:\n direct  %v\n otelslog %v", logAttrs(a[i]), logAttrs(b[i]))
		}
		if a[i].Body() != b[i].Body() || a[i].Severity() != b[i].Severity() || a[i].SeverityText() != b[i].SeverityText() {
			t.Errorf("records differ: %q/%v/%q vs %q/%v/%q", a[i].Body().AsString(), a[i].Severity(), a[i].SeverityText(),
				b[i].Body().AsString(), b[i].Severity(), b[i].SeverityText())
		}
		if a[i].TraceID().IsValid() != b[i].TraceID().IsValid() || a[i].SpanID().IsValid() != b[i].SpanID().IsValid() {
			t.Errorf("correlation differs: %v/%v vs %v/%v", a[i].TraceID(), a[i].SpanID(), b[i].TraceID(), b[i].SpanID())
		}
		if a[i].InstrumentationScope() != b[i].InstrumentationScope() {
			t.Errorf("scopes differ: %+v vs %+v", a[i].InstrumentationScope(), b[i].InstrumentationScope())
		}
	}
}

func logAt(ctx context.Context, log otelstep.StepLogger, args []any) {
	log(ctx, slog.LevelWarn, "begin", args...)
}

// TestOddArgsTakeOtelslogPath checks the args the fast path leaves to
// otelslog still arrive as otelslog writes them.
func TestOddArgsTakeOtelslogPath(t *testing.T) {
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	ctx := context.Background()
	log := run.StepLogger(ctx, run.Logger("parse"))
	log(ctx, slog.LevelInfo, "a", "dangling")
	log(ctx, slog.LevelInfo, "b", "list", []int{1, 2})
	log(ctx, slog.LevelInfo, "c", slog.Group("g", "k", "v"))
	recs := s.logs.all()
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	if got := logAttrs(recs[0])["!BADKEY"]; got != "dangling" {
		t.Errorf("dangling arg: %v", logAttrs(recs[0]))
	}
	if got := logAttrs(recs[1])["list"]; got != "[1,2]" {
		t.Errorf("slice arg = %q", got)
	}
	if got := logAttrs(recs[2])["g"]; got == "" {
		t.Errorf("group arg lost: %v", logAttrs(recs[2]))
	}
}
