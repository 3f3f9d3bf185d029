package otelstep_test

import (
	"context"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
)

// TestDirectRecordMatchesOtelslog checks that a step message written straight
// to the OTel logger (the fast path) makes the very record otelslog makes
// (the path taken when a local handler is set).
func TestDirectRecordMatchesOtelslog(t *testing.T) {
	args := []any{"s", "x", "i", 3, "u", uint64(7), "f", 1.5, "b", true,
		"d", 2 * time.Second, "tm", time.Unix(5, 0), slog.Int("attr", 9)}
	direct := newSDK(t)
	viaSlog := newSDK(t)
	runs := []*otelstep.Run{
		otelstep.NewRun("build", direct.opts()...),
		otelstep.NewRun("build", viaSlog.opts(otelstep.WithHandler(slog.DiscardHandler))...),
	}
	ctx, span := direct.tp.Tracer("t").Start(context.Background(), "root")
	defer span.End()
	for _, run := range runs {
		log := run.StepLogger(ctx, run.Logger("parse"))
		logAt(ctx, log, args) // one call site for both
	}

	a, b := direct.logs.all(), viaSlog.logs.all()
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("records: %d direct, %d via otelslog; want 1 each", len(a), len(b))
	}
	if !maps.Equal(logAttrs(a[0]), logAttrs(b[0])) {
		t.Errorf("attributes differ:\n direct  %v\n otelslog %v", logAttrs(a[0]), logAttrs(b[0]))
	}
	if a[0].Body() != b[0].Body() || a[0].Severity() != b[0].Severity() || a[0].SeverityText() != b[0].SeverityText() ||
		a[0].TraceID() != b[0].TraceID() || a[0].SpanID() != b[0].SpanID() {
		t.Errorf("records differ: %q/%v/%q vs %q/%v/%q", a[0].Body().AsString(), a[0].Severity(), a[0].SeverityText(),
			b[0].Body().AsString(), b[0].Severity(), b[0].SeverityText())
	}
	if a[0].InstrumentationScope() != b[0].InstrumentationScope() {
		t.Errorf("scopes differ: %+v vs %+v", a[0].InstrumentationScope(), b[0].InstrumentationScope())
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
