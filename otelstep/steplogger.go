package otelstep

import (
	"context"
	"log/slog"
	"unsafe"
)

// StepLogger logs the messages of one step. Each message is written through
// the logger the step was taken with as "Step N: msg", with the step's
// attributes and the caller's args, and added as a [LogEventName] event to
// the span in ctx (or to the run's span when ctx has none). A message below
// the component's level makes neither.
//
// A StepLogger keeps torch's call form, log(ctx, level, msg, args...), and
// has the methods of [slog.Logger] that take a context: Debug, Info, Warn,
// Error, Log, LogAttrs and Enabled. Each takes the caller's line as the
// source location.
//
// A StepLogger is safe for concurrent use. [Run.StepLogger] never returns
// nil; the methods of a nil StepLogger do nothing.
type StepLogger func(ctx context.Context, level slog.Level, msg string, args ...any)

// StepLogger takes the run's next step number and returns the logger of that
// step, like torch's get_step_logger.
//
// It adds the [StepEventName] event, with the attributes logger carries from
// With, to the span in ctx when that span is recording (to the run's span
// when ctx has none), and records the progress gauges unless they are off.
// logger should be one of the run's component loggers; a logger of another
// run's component counts as this run's component of the same name (see
// [SetDefault]); any other logger works, with [DefaultComponent] as its component and its own
// Enabled as the level check. A nil logger means the run's logger for
// [DefaultComponent]. The step has no span of its own: a [WithLabel] label
// is not shown.
//
// To measure how long a step takes, use [Run.Start] instead.
func (r *Run) StepLogger(ctx context.Context, logger *slog.Logger, opts ...StepOption) StepLogger {
	r.stepDone() // a StepLogger step counts as finished when taken
	return newStepLogger(r.takeStep(ctx, logger))
}

// newStepLogger returns the StepLogger of s. The closure captures s, and
// only s, by value: stepOf reads it back. It must not be inlined: each
// inlined copy would make a closure func of its own.
//
//go:noinline
func newStepLogger(s numbered) StepLogger {
	return func(ctx context.Context, level slog.Level, msg string, args ...any) {
		if s.passes(ctx, level) {
			s.write(ctx, nil, level, msg, args, nil)
		}
	}
}

// methodCtx is the context the methods of StepLogger pass to its func when
// stepOf cannot read the step out of it (the layout check failed):
// numbered.write then knows that a method and other stand between it and
// the caller's line, and unwraps the context for the record. The level check sees it wrapped,
// which changes nothing: it is a valid context carrying the caller's.
type methodCtx struct{ context.Context }

// stepClosure is the layout of the closure newStepLogger makes: the code
// pointer, then the captured step. The layout is checked when the package
// is initialised; stepOf finds no step when the check failed.
type stepClosure struct {
	fn uintptr
	s  numbered
}

// closureFn is the code pointer of newStepLogger's closures; 0 when the
// layout check failed. It is set by init, not by its declaration, since
// the closure reads it.
var closureFn uintptr

func init() { closureFn = probeClosure() }

// probeClosure checks the layout of newStepLogger's closures and returns
// their code pointer, or 0 when the layout is not stepClosure's.
func probeClosure() uintptr {
	probe := numbered{n: 0x5eed_0f_57e9}
	l := newStepLogger(probe)
	p := *(*unsafe.Pointer)(unsafe.Pointer(&l))
	c := (*stepClosure)(p)
	if c.s != probe {
		return 0
	}
	return c.fn
}

// stepOf returns the step of a StepLogger made by [Run.StepLogger], or nil
// for any other func (or when the layout check failed). The methods of
// StepLogger use it to write with the step directly: one frame less, so the
// source location is found as for the call form, and args that do not
// escape.
func stepOf(l StepLogger) *numbered {
	if l == nil || closureFn == 0 {
		return nil
	}
	p := *(*unsafe.Pointer)(unsafe.Pointer(&l))
	if *(*uintptr)(p) != closureFn {
		return nil
	}
	return &(*stepClosure)(p).s
}
