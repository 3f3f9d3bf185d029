package otelstep_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/embedded"
)

// countingHandler counts the calls to Enabled and Handle.
type countingHandler struct {
	slog.Handler
	enabled, handled *atomic.Int64
}

func (h countingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	h.enabled.Add(1)
	return h.Handler.Enabled(ctx, l)
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.handled.Add(1)
	return h.Handler.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return countingHandler{h.Handler.WithAttrs(attrs), h.enabled, h.handled}
}

func (h countingHandler) WithGroup(name string) slog.Handler {
	return countingHandler{h.Handler.WithGroup(name), h.enabled, h.handled}
}

// countingProvider counts the calls to Enabled and Emit of its loggers.
type countingProvider struct {
	embedded.LoggerProvider
	lp               otellog.LoggerProvider
	enabled, emitted *atomic.Int64
}

func (p countingProvider) Logger(name string, opts ...otellog.LoggerOption) otellog.Logger {
	return countingLogger{Logger: p.lp.Logger(name, opts...), p: p}
}

type countingLogger struct {
	otellog.Logger
	p countingProvider
}

func (l countingLogger) Enabled(ctx context.Context, param otellog.EnabledParameters) bool {
	l.p.enabled.Add(1)
	return l.Logger.Enabled(ctx, param)
}

func (l countingLogger) Emit(ctx context.Context, r otellog.Record) {
	l.p.emitted.Add(1)
	l.Logger.Emit(ctx, r)
}

// TestOneLevelCheck checks that each message is level-checked once by each
// of its destinations, the OTel logger and the local handler, and handled
// once by each, on every path: the StepLogger and Step methods, a
// component logger's own messages, a logger of With, and a logger no run
// made.
func TestOneLevelCheck(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	var localEnabled, localHandled, otelEnabled, otelEmitted atomic.Int64
	local := countingHandler{slog.NewTextHandler(io.Discard, nil), &localEnabled, &localHandled}
	lp := countingProvider{lp: s.lp, enabled: &otelEnabled, emitted: &otelEmitted}
	run := otelstep.NewRun("count", s.opts(otelstep.WithHandler(local), otelstep.WithLoggerProvider(lp))...)
	ctx := context.Background()
	logger := run.Logger("parse")

	for _, tc := range []struct {
		name string
		msg  func()
	}{
		{"StepLogger.Info", func() { run.StepLogger(ctx, logger).Info(ctx, "m", "k", 1) }},
		{"StepLogger.LogAttrs", func() { run.StepLogger(ctx, logger).LogAttrs(ctx, slog.LevelWarn, "m") }},
		{"StepLogger of With", func() { run.StepLogger(ctx, logger.With("a", 1)).Info(ctx, "m", "err", io.EOF) }},
		{"Step.Info", func() {
			sctx, st := run.Start(ctx, logger)
			otelEnabled.Add(-1) // the start record's own check
			otelEmitted.Add(-1)
			st.Info(sctx, "m")
			st.End(nil)
		}},
		{"component logger", func() { logger.InfoContext(ctx, "m", "k", 1) }},
		{"component logger of With", func() { logger.With("a", 1).WarnContext(ctx, "m") }},
	} {
		localEnabled.Store(0)
		localHandled.Store(0)
		otelEnabled.Store(0)
		otelEmitted.Store(0)
		tc.msg()
		if got := localEnabled.Load(); got != 1 {
			t.Errorf("%s: the local handler's Enabled called %d times, want 1", tc.name, got)
		}
		if got := localHandled.Load(); got != 1 {
			t.Errorf("%s: the local handler's Handle called %d times, want 1", tc.name, got)
		}
		if got := otelEnabled.Load(); got != 1 {
			t.Errorf("%s: the OTel logger's Enabled called %d times, want 1", tc.name, got)
		}
		if got := otelEmitted.Load(); got != 1 {
			t.Errorf("%s: the OTel logger's Emit called %d times, want 1", tc.name, got)
		}
	}

	// A logger no run made: its own Enabled is the level check, once.
	var fe, fh atomic.Int64
	foreign := slog.New(countingHandler{slog.NewTextHandler(io.Discard, nil), &fe, &fh})
	run.StepLogger(ctx, foreign).Info(ctx, "m")
	if fe.Load() != 1 || fh.Load() != 1 {
		t.Errorf("a logger no run made: Enabled %d, Handle %d times, want 1 and 1", fe.Load(), fh.Load())
	}
}
