package otelstep_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.GroupValue(slog.Int("a", 1), slog.String("b", "x")) }

// TestRecordMatchesOtelslog is the differential test of the conversion a
// step message's record goes through: for each kind of argument, and for a
// logger carrying attributes from With, the record otelstep emits is the
// one otelslog makes when given the same call with the contract's
// attributes as args (the code.line.number aside: the calls are on two
// lines). The SDK writes an error otelslog set on the record as
// exception.* attributes, which the comparison covers.
func TestRecordMatchesOtelslog(t *testing.T) {
	t.Parallel()
	many := make([]any, 0, 24)
	for i := range 12 {
		many = append(many, fmt.Sprint("k", i), i)
	}
	for _, tc := range []struct {
		name string
		with []any
		args []any
	}{
		{"basic", nil, []any{"s", "x", "i", 3, "u", uint64(7), "f", 1.5, "b", true,
			"d", 2 * time.Second, "tm", time.Unix(5, 0), slog.Int("attr", 9)}},
		{"none", nil, nil},
		{"many", nil, many},
		{"dangling", nil, []any{"k", 1, "dangling"}},
		{"not-a-key", nil, []any{42, "k", 1}},
		{"slice", nil, []any{"list", []int{1, 2}, "bytes", []byte("ab")}},
		{"map", nil, []any{"m", map[string]int{"a": 1}}},
		{"group", nil, []any{slog.Group("g", "k", "v", slog.Group("h", "n", 2))}},
		{"empty-key", nil, []any{slog.Any("", "v"), slog.Group("", "inlined", 1)}},
		{"error", nil, []any{"err", errors.New("disk full"), "k", 1}},
		{"valuer", nil, []any{"v", valuer{}}},
		{"huge-uint", nil, []any{"u", uint64(1 << 63)}},
		{"struct", nil, []any{"p", struct{ X, Y int }{1, 2}}},
		{"with", []any{"unit", "main", slog.Group("g", "k", "v")}, []any{"n", 1}},
		{"with-error", []any{"err", errors.New("early")}, []any{"n", 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSDK(t)
			run := otelstep.NewRun("build", s.opts()...)
			ctx, span := s.tp.Tracer("t").Start(context.Background(), "root")
			defer span.End()
			logger := run.Logger("parse")
			base := otelslog.NewLogger("parse", otelslog.WithLoggerProvider(s.lp),
				otelslog.WithVersion(otelstep.Version), otelslog.WithSource(true))
			if tc.with != nil {
				logger, base = logger.With(tc.with...), base.With(readableArgs(tc.with)...)
			}
			run.StepLogger(ctx, logger).Log(ctx, slog.LevelWarn, "begin", tc.args...)
			contract := []any{string(otelstep.StepNumberKey), int64(1), string(otelstep.ComponentKey), "parse", string(otelstep.RunKey), "build"}
			base.Log(ctx, slog.LevelWarn, "Step 1: begin", append(contract, readableArgs(tc.args)...)...)

			recs := s.logs.all()
			if len(recs) != 2 {
				t.Fatalf("%d records, want 2", len(recs))
			}
			compareRecords(t, recs[0], recs[1])
		})
	}
}

func compareRecords(t *testing.T, a, b sdklog.Record) {
	t.Helper()
	am, bm := logAttrs(a), logAttrs(b)
	delete(am, "code.line.number")
	delete(bm, "code.line.number")
	if !maps.Equal(am, bm) {
		t.Errorf("attributes differ:\n otelstep %v\n otelslog %v", am, bm)
	}
	if a.AttributesLen() != b.AttributesLen() {
		t.Errorf("%d attributes, otelslog %d", a.AttributesLen(), b.AttributesLen())
	}
	if a.Body() != b.Body() || a.Severity() != b.Severity() || a.SeverityText() != b.SeverityText() {
		t.Errorf("records differ: %q/%v/%q vs %q/%v/%q", a.Body().AsString(), a.Severity(), a.SeverityText(),
			b.Body().AsString(), b.Severity(), b.SeverityText())
	}
	if a.TraceID() != b.TraceID() || a.SpanID() != b.SpanID() {
		t.Errorf("correlation differs: %v/%v vs %v/%v", a.TraceID(), a.SpanID(), b.TraceID(), b.SpanID())
	}
	if a.InstrumentationScope() != b.InstrumentationScope() {
		t.Errorf("scopes differ: %+v vs %+v", a.InstrumentationScope(), b.InstrumentationScope())
	}
}

// TestGroupKeepsContractOnTop checks that a logger with an open group puts
// the caller's args in the group and the contract's attributes at the top,
// where every reader of the contract looks for them.
func TestGroupKeepsContractOnTop(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	ctx := context.Background()
	logger := run.Logger("parse").With("unit", "main").WithGroup("req")
	run.StepLogger(ctx, logger).Info(ctx, "begin", "id", 7)
	recs := s.logs.all()
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	got := logAttrs(recs[0])
	for k, want := range map[string]string{
		string(otelstep.StepNumberKey): "1", string(otelstep.ComponentKey): "parse",
		string(otelstep.RunKey): "build", "unit": "main",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q (%v)", k, got[k], want, got)
		}
	}
	if !strings.Contains(got["req"], "id") {
		t.Errorf("args not in the open group: %v", got)
	}
}

// readableArgs returns args as otelstep hands them to otelslog: a
// time.Duration as its String ("2s"), an error under a key as its message
// under that key, then the error itself (which otelslog turns into
// exception.*).
func readableArgs(args []any) []any {
	var out []any
	for i := 0; i < len(args); i++ {
		k, ok := args[i].(string)
		if !ok || i+1 == len(args) {
			out = append(out, args[i])
			continue
		}
		switch v := args[i+1].(type) {
		case time.Duration:
			out = append(out, k, v.String())
		case error:
			out = append(out, k, v.Error(), k, v)
		default:
			out = append(out, k, v)
		}
		i++
	}
	return out
}
