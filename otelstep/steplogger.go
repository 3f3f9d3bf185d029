package otelstep

import (
	"context"
	"log/slog"
	"runtime"

	"go.opentelemetry.io/otel/trace"
)

// StepLogger logs the messages of one step. Each message is written through
// the logger the step was taken with as "Step N: msg", with the step's
// attributes and the caller's args, and added to the span in ctx as an
// [LogEventName] event. A message below the component's level makes neither.
//
// A StepLogger is safe for concurrent use. [Run.StepLogger] never returns
// nil.
type StepLogger func(ctx context.Context, level slog.Level, msg string, args ...any)

// StepLogger takes the run's next step number and returns the logger of that
// step, like torch's get_step_logger.
//
// It adds the [StepEventName] event to the span in ctx when that span is
// recording, and records the progress gauges unless they are off. logger
// should be one of the run's component loggers; any other logger works, with
// [DefaultComponent] as its component and its own Enabled as the level check.
// A nil logger means the run's logger for [DefaultComponent].
//
// To measure how long a step takes, use [Run.Start] instead.
func (r *Run) StepLogger(ctx context.Context, logger *slog.Logger) StepLogger {
	r.stepDone() // a StepLogger step counts as finished when taken
	s := r.takeStep(ctx, logger)
	return func(ctx context.Context, level slog.Level, msg string, args ...any) {
		if level < s.level {
			return // filtered: the common case of Debug lines, kept tiny
		}
		s.message(ctx, level, msg, args)
	}
}

// message writes a message of a StepLogger step. It must stay a function of
// its own, called by the StepLogger closure only: the source location is
// found by skipping exactly these two frames.
//
//go:noinline
func (s numbered) message(ctx context.Context, level slog.Level, msg string, args []any) {
	if !s.enabled(ctx, level) {
		return
	}
	span := trace.SpanFromContext(ctx)
	h, handled, recording := s.prepare(ctx, span, level)
	if !handled && !recording {
		return
	}
	var pcs [1]uintptr
	if handled {
		runtime.Callers(3, pcs[:]) // skip runtime.Callers, message and the StepLogger closure
	}
	s.log(ctx, span, h, handled, recording, level, msg, pcs[0], args)
}
