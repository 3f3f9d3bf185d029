package otelstep_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
)

func TestLoggerSameComponent(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	a := run.Logger("parse")
	if b := run.Logger("parse"); b != a {
		t.Errorf("Logger(parse) twice gave different loggers")
	}
	run.Logger("codegen")
	run.Logger("parse")
	run.Logger("typecheck")
	got := run.Loggers()
	want := []*slog.Logger{a, run.Logger("codegen"), run.Logger("typecheck")}
	if !slices.Equal(got, want) {
		t.Errorf("Loggers() = %d loggers not in first-use order", len(got))
	}
}

func TestLoggerScopeIsComponent(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	ctx := context.Background()
	run.Logger("parse").InfoContext(ctx, "hello", "k", 1)
	run.Logger("parse").With("a", "b").WithGroup("g").InfoContext(ctx, "derived")

	recs := s.logs.all()
	if len(recs) != 2 {
		t.Fatalf("got %d log records, want 2", len(recs))
	}
	for _, r := range recs {
		if got := r.InstrumentationScope().Name; got != "parse" {
			t.Errorf("record %q: scope %q, want parse", r.Body().AsString(), got)
		}
	}
	if got := logAttrs(recs[1]); got["a"] != "b" {
		t.Errorf("derived logger lost With attrs: %v", got)
	}
}

func TestWithHandlerAlsoWritesLocally(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	var buf bytes.Buffer
	local := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	run := otelstep.NewRun("build", s.opts(otelstep.WithHandler(local))...)
	run.Logger("parse").With("file", "a.go").Info("parsed")
	if !strings.Contains(buf.String(), "msg=parsed file=a.go") {
		t.Errorf("local handler got %q", buf.String())
	}
	if n := len(s.logs.all()); n != 1 {
		t.Errorf("OTel got %d records, want 1", n)
	}
}

func TestDerivedLoggerKeepsComponent(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	ctx, span := s.tp.Tracer("t").Start(context.Background(), "root")
	derived := run.Logger("optimize").With("pass", "inline").WithGroup("g")
	log := run.StepLogger(ctx, derived)
	log.Log(ctx, slog.LevelInfo, "begin")
	span.End()

	ev := s.events(otelstep.StepEventName)
	if len(ev) != 1 {
		t.Fatalf("got %d step events, want 1", len(ev))
	}
	if got := eventAttrs(ev[0].Attributes)[otelstep.ComponentKey].AsString(); got != "optimize" {
		t.Errorf("component = %q, want optimize", got)
	}
	recs := s.logs.all()
	if len(recs) != 1 || recs[0].InstrumentationScope().Name != "optimize" {
		t.Fatalf("records: %v", recs)
	}
	if got := logAttrs(recs[0])["pass"]; got != "inline" {
		t.Errorf("With attrs lost: pass=%q", got)
	}
}

func TestStepNumbersConcurrent(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	other := otelstep.NewRun("other", s.opts()...)
	const goroutines, each = 16, 200
	ctx, span := s.tp.Tracer("t").Start(context.Background(), "root")
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			logger := run.Logger([]string{"a", "b", "c"}[g%3])
			for range each {
				run.StepLogger(ctx, logger)
				if g == 0 {
					other.StepLogger(ctx, nil)
				}
			}
		})
	}
	wg.Wait()
	span.End()

	if got := run.Steps(); got != goroutines*each {
		t.Errorf("Steps() = %d, want %d", got, goroutines*each)
	}
	if got := other.Steps(); got != each {
		t.Errorf("other.Steps() = %d, want %d", got, each)
	}
	var nums []int64
	for _, e := range s.events(otelstep.StepEventName) {
		a := eventAttrs(e.Attributes)
		if a[otelstep.RunKey].AsString() == "build" {
			nums = append(nums, a[otelstep.StepNumberKey].AsInt64())
		}
	}
	slices.Sort(nums)
	for i, n := range nums {
		if n != int64(i+1) {
			t.Fatalf("step numbers not 1..N each once: position %d holds %d", i, n)
		}
	}
	if len(nums) != goroutines*each {
		t.Errorf("got %d step events, want %d", len(nums), goroutines*each)
	}
}

func TestRunNameAndEmptyNames(t *testing.T) {
	t.Parallel()
	run := otelstep.NewRun("")
	if run.Name() != otelstep.DefaultComponent {
		t.Errorf("Name() = %q, want %q", run.Name(), otelstep.DefaultComponent)
	}
	if run.Logger("") != run.Logger(otelstep.DefaultComponent) {
		t.Errorf("empty component is not %q", otelstep.DefaultComponent)
	}
	if got := otelstep.NewRun("compile").Name(); got != "compile" {
		t.Errorf("Name() = %q", got)
	}
}
