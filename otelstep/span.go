package otelstep

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"
)

// Step is a step with a duration: a span of its own and a record in the
// [DurationMetricName] histogram when it ends. Make one with [Run.Start].
//
// A Step is safe for concurrent use.
type Step struct {
	numbered
	span  trace.Span
	start time.Time

	once sync.Once
	lv   liveStep // in-step progress and running marker: progress.go, live.go
}

// Start takes the run's next step number exactly as [Run.StepLogger] does
// (the same counter, the same [StepEventName] event on the span in ctx, the
// same gauges) and starts a child of that span named "Step N: component",
// with the attributes otelstep.run, otelstep.step.number,
// otelstep.component and, when the total is known, otelstep.steps.total. The
// returned context carries the step's span.
//
// The step start is also an OTel log record with the event name
// [StepEventName] and the body "Step N started: component", for backends
// that read log-based events. Filter on the event name to tell it from the
// step's messages.
//
// The step must be ended with [Step.End]; [Run.End] ends the steps still
// open as abandoned.
func (r *Run) Start(ctx context.Context, logger *slog.Logger) (context.Context, *Step) {
	s := &Step{numbered: r.takeStep(ctx, logger)}
	attrs := r.stepAttrs(s.comp, s.n, true)
	s.start = r.lv.now()
	ctx, s.span = r.tracer().Start(ctx, "Step "+strconv.FormatInt(s.n, 10)+": "+s.comp.name,
		trace.WithAttributes(attrs...), trace.WithTimestamp(s.start))
	s.emitStartEvent(ctx)
	r.open(s)
	return ctx, s
}

// emitStartEvent writes the log-based event of the step start.
func (s *Step) emitStartEvent(ctx context.Context) {
	if slog.LevelInfo < s.comp.level {
		return
	}
	const sev = otellog.SeverityInfo
	param := otellog.EnabledParameters{Severity: sev, EventName: StepEventName}
	if !s.comp.events.Enabled(ctx, param) {
		return
	}
	var rec otellog.Record
	rec.SetEventName(StepEventName)
	rec.SetTimestamp(s.start)
	rec.SetSeverity(sev)
	rec.SetSeverityText("INFO")
	rec.SetBody(attribute.StringValue("Step " + strconv.FormatInt(s.n, 10) + " started: " + s.comp.name))
	rec.AddAttributes(s.run.stepAttrs(s.comp, s.n, true)...)
	s.comp.events.Emit(ctx, rec)
}

// Number returns the step's number in its run.
func (s *Step) Number() int { return int(s.n) }

// Span returns the step's span.
func (s *Step) Span() trace.Span { return s.span }

// Log writes a message of the step like a [StepLogger] does: body
// "Step N: msg", the step's attributes, the level check, the caller's source
// location. The record is correlated with the step's span and the
// [LogEventName] event goes to the step's span, also when ctx is the parent's.
func (s *Step) Log(ctx context.Context, level slog.Level, msg string, args ...any) {
	if !s.enabled(ctx, level) {
		return
	}
	if trace.SpanFromContext(ctx) != s.span {
		ctx = trace.ContextWithSpan(ctx, s.span)
	}
	h, handled, recording := s.prepare(ctx, s.span, level)
	if !handled && !recording {
		return
	}
	var pcs [1]uintptr
	if handled {
		runtime.Callers(2, pcs[:]) // skip runtime.Callers and Log
	}
	s.log(ctx, s.span, h, handled, recording, level, msg, pcs[0], args)
}

// End ends the step's span, with status Error and the error recorded when
// err is not nil, and records its duration with the result "ok" or "error".
// A second End does nothing.
func (s *Step) End(err error) {
	res := resultOK
	if err != nil {
		res = resultError
	}
	s.end(res, err)
}

// end ends the step with result res once.
func (s *Step) end(res int, err error) {
	s.once.Do(func() {
		end := s.run.lv.now()
		d := end.Sub(s.start)
		s.run.close(s)
		s.span.SetAttributes(StepResultKey.String(results[res]))
		if err != nil {
			s.span.RecordError(err)
			s.span.SetStatus(codes.Error, err.Error())
		}
		s.endProgress()
		s.span.End(trace.WithTimestamp(end))
		s.run.ins.duration.Record(context.Background(), d.Seconds(), s.comp.durOpts[res]...)
		s.run.finish()
	})
}
