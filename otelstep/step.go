package otelstep

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// StepLogger logs the messages of one step. Each message is written through
// the logger the step was taken with as "Step N: msg", with the step's
// attributes and the caller's args, and added to the span in ctx as an
// [LogEventName] event. A message below the component's level makes neither.
//
// A StepLogger is safe for concurrent use. The zero StepLogger (nil) must not
// be called; [Run.StepLogger] never returns nil.
type StepLogger func(ctx context.Context, level slog.Level, msg string, args ...any)

// StepLogger takes the run's next step number and returns the logger of that
// step, like torch's get_step_logger.
//
// It adds the [StepEventName] event to the span in ctx when that span is
// recording, and records the progress gauges unless they are off. logger
// should be one of the run's component loggers; any other logger works, with
// [DefaultComponent] as its component and its own Enabled as the level check.
// A nil logger means the run's logger for [DefaultComponent].
func (r *Run) StepLogger(ctx context.Context, logger *slog.Logger) StepLogger {
	s := r.takeStep(ctx, logger)
	return func(ctx context.Context, level slog.Level, msg string, args ...any) {
		var pcs [1]uintptr
		runtime.Callers(2, pcs[:]) // skip runtime.Callers and this closure
		s.log(ctx, level, msg, pcs[0], args)
	}
}

// step is one numbered step of a run.
type step struct {
	run    *Run
	comp   *component // the component of logger, or DefaultComponent's
	logger *slog.Logger
	own    bool // logger is one of comp's loggers: comp.level applies
	n      int64
}

// takeStep numbers the next step and records the step's event and gauges.
func (r *Run) takeStep(ctx context.Context, logger *slog.Logger) step {
	s := step{run: r, logger: logger}
	if logger != nil {
		if h, ok := logger.Handler().(*handler); ok {
			s.comp, s.own = h.comp, true
		}
	}
	if s.comp == nil {
		s.comp = r.component(DefaultComponent)
		if logger == nil {
			s.logger, s.own = s.comp.logger, true
		}
	}
	s.n = r.steps.Add(1)

	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent(StepEventName, trace.WithAttributes(r.stepAttrs(s.comp, s.n, true)...))
	}
	if r.progress != nil {
		r.progress.record(ctx, r.steps.Load(), r.cfg.total)
	}
	return s
}

// stepAttrs returns the attributes of step n of comp: run, run id, step
// number, component and, with total set and known, the total.
func (r *Run) stepAttrs(c *component, n int64, total bool) []attribute.KeyValue {
	kvs := make([]attribute.KeyValue, 0, 5)
	kvs = append(kvs, r.runAttr)
	if r.runIDAttr.Key != "" {
		kvs = append(kvs, r.runIDAttr)
	}
	kvs = append(kvs, StepNumberKey.Int64(n), c.attr)
	if total && r.totalAttr.Key != "" {
		kvs = append(kvs, r.totalAttr)
	}
	return kvs
}

// enabled reports whether a message at level passes the step's level check.
func (s *step) enabled(ctx context.Context, level slog.Level) bool {
	if s.own {
		return level >= s.comp.level
	}
	return s.logger.Enabled(ctx, level)
}

// log writes one message of the step, with pc as its source location.
func (s *step) log(ctx context.Context, level slog.Level, msg string, pc uintptr, args []any) {
	if !s.enabled(ctx, level) {
		return
	}
	span := trace.SpanFromContext(ctx)
	recording := span.IsRecording()
	h := s.logger.Handler()
	handled := h.Enabled(ctx, level)
	if !recording && !handled {
		return
	}

	body := stepBody(s.n, msg)
	if recording {
		span.AddEvent(LogEventName, trace.WithAttributes(
			StepNumberKey.Int64(s.n),
			s.comp.attr,
			SeverityKey.String(level.String()),
			MessageKey.String(body),
		))
	}
	if handled {
		rec := slog.NewRecord(time.Now(), level, body, pc)
		r := s.run
		if r.runIDAttr.Key != "" {
			rec.AddAttrs(slog.Int64(string(StepNumberKey), s.n), s.comp.slogAttr,
				slog.String(string(RunKey), r.name), slog.String(string(RunIDKey), r.runIDAttr.Value.AsString()))
		} else {
			rec.AddAttrs(slog.Int64(string(StepNumberKey), s.n), s.comp.slogAttr,
				slog.String(string(RunKey), r.name))
		}
		rec.Add(args...)
		_ = h.Handle(ctx, rec)
	}
}

// stepBody returns "Step N: msg", with msg made valid UTF-8.
func stepBody(n int64, msg string) string {
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, string(utf8.RuneError))
	}
	var buf [32]byte
	b := append(buf[:0], "Step "...)
	b = strconv.AppendInt(b, n, 10)
	b = append(b, ": "...)
	return string(b) + msg
}
