package otelstep

import (
	"context"
	"log/slog"
)

// The methods of slog.Logger that take a context, on StepLogger and *Step.
// Each one checks the level, then calls write itself: write finds the
// source location by skipping a fixed number of frames, so the methods must
// not call each other.

// Log writes a message at level, as the call form l(ctx, level, msg,
// args...) does.
func (l StepLogger) Log(ctx context.Context, level slog.Level, msg string, args ...any) {
	if s := stepOf(l); s != nil {
		if s.passes(ctx, level) {
			s.write(ctx, nil, level, msg, args, nil)
		}
		return
	}
	l.other(ctx, level, msg, args)
}

// Debug writes a message at [slog.LevelDebug].
func (l StepLogger) Debug(ctx context.Context, msg string, args ...any) {
	if s := stepOf(l); s != nil {
		if s.passes(ctx, slog.LevelDebug) {
			s.write(ctx, nil, slog.LevelDebug, msg, args, nil)
		}
		return
	}
	l.other(ctx, slog.LevelDebug, msg, args)
}

// Info writes a message at [slog.LevelInfo].
func (l StepLogger) Info(ctx context.Context, msg string, args ...any) {
	if s := stepOf(l); s != nil {
		if s.passes(ctx, slog.LevelInfo) {
			s.write(ctx, nil, slog.LevelInfo, msg, args, nil)
		}
		return
	}
	l.other(ctx, slog.LevelInfo, msg, args)
}

// Warn writes a message at [slog.LevelWarn].
func (l StepLogger) Warn(ctx context.Context, msg string, args ...any) {
	if s := stepOf(l); s != nil {
		if s.passes(ctx, slog.LevelWarn) {
			s.write(ctx, nil, slog.LevelWarn, msg, args, nil)
		}
		return
	}
	l.other(ctx, slog.LevelWarn, msg, args)
}

// Error writes a message at [slog.LevelError].
func (l StepLogger) Error(ctx context.Context, msg string, args ...any) {
	if s := stepOf(l); s != nil {
		if s.passes(ctx, slog.LevelError) {
			s.write(ctx, nil, slog.LevelError, msg, args, nil)
		}
		return
	}
	l.other(ctx, slog.LevelError, msg, args)
}

// LogAttrs is a more efficient version of [StepLogger.Log] that accepts only
// slog.Attrs.
func (l StepLogger) LogAttrs(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if s := stepOf(l); s != nil {
		if s.passes(ctx, level) {
			s.write(ctx, nil, level, msg, nil, attrs)
		}
		return
	}
	if l != nil {
		args := make([]any, len(attrs))
		for i, a := range attrs {
			args[i] = a
		}
		l.other(ctx, level, msg, args)
	}
}

// Enabled reports whether a message at level passes the step's level check
// (the component's level, or the Enabled of a logger that is not a
// component logger). A message that passes may still make nothing when no
// provider would record it. Enabled of a StepLogger that
// [Run.StepLogger] did not make reports true.
func (l StepLogger) Enabled(ctx context.Context, level slog.Level) bool {
	if s := stepOf(l); s != nil {
		return s.passes(ctx, level)
	}
	return l != nil
}

// other calls a StepLogger that stepOf cannot read: one that
// [Run.StepLogger] did not make, whose source location is then that func's
// business, or any StepLogger when the layout check failed. In that
// fallback it passes ctx wrapped in a methodCtx, which tells the closure of
// newStepLogger that a method and other stand between it and the caller's
// line. It passes a copy of args, so that the methods' args do not escape.
//
//go:noinline
func (l StepLogger) other(ctx context.Context, level slog.Level, msg string, args []any) {
	if l == nil {
		return
	}
	cp := make([]any, len(args))
	copy(cp, args)
	if closureFn == 0 {
		if ctx == nil {
			ctx = context.Background()
		}
		ctx = methodCtx{ctx}
	}
	l(ctx, level, msg, cp...)
}

// Log writes a message of the step at level, like a [StepLogger] does: body
// "Step N: msg", the step's attributes, the level check, the caller's source
// location. The record is correlated with the step's span and the
// [LogEventName] event goes to the step's span, also when ctx is the
// parent's. A nil ctx is [context.Background].
func (s *Step) Log(ctx context.Context, level slog.Level, msg string, args ...any) {
	if s.ok() && s.passes(ctx, level) {
		s.write(ctx, s.span, level, msg, args, nil)
	}
}

// Debug writes a message of the step at [slog.LevelDebug]; see [Step.Log].
func (s *Step) Debug(ctx context.Context, msg string, args ...any) {
	if s.ok() && s.passes(ctx, slog.LevelDebug) {
		s.write(ctx, s.span, slog.LevelDebug, msg, args, nil)
	}
}

// Info writes a message of the step at [slog.LevelInfo]; see [Step.Log].
func (s *Step) Info(ctx context.Context, msg string, args ...any) {
	if s.ok() && s.passes(ctx, slog.LevelInfo) {
		s.write(ctx, s.span, slog.LevelInfo, msg, args, nil)
	}
}

// Warn writes a message of the step at [slog.LevelWarn]; see [Step.Log].
func (s *Step) Warn(ctx context.Context, msg string, args ...any) {
	if s.ok() && s.passes(ctx, slog.LevelWarn) {
		s.write(ctx, s.span, slog.LevelWarn, msg, args, nil)
	}
}

// Error writes a message of the step at [slog.LevelError]; see [Step.Log].
func (s *Step) Error(ctx context.Context, msg string, args ...any) {
	if s.ok() && s.passes(ctx, slog.LevelError) {
		s.write(ctx, s.span, slog.LevelError, msg, args, nil)
	}
}

// LogAttrs is a more efficient version of [Step.Log] that accepts only
// slog.Attrs.
func (s *Step) LogAttrs(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if s.ok() && s.passes(ctx, level) {
		s.write(ctx, s.span, level, msg, nil, attrs)
	}
}

// Enabled reports whether a message of the step at level passes its level
// check; see [StepLogger.Enabled].
func (s *Step) Enabled(ctx context.Context, level slog.Level) bool {
	return s.ok() && s.passes(ctx, level)
}

// ok reports whether s is a step made by [Run.Start]: the methods of a nil
// or zero Step do nothing.
func (s *Step) ok() bool { return s != nil && s.run != nil }
