package otelstep

import (
	"context"
	"log/slog"
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
// same gauges) and starts a child of that span named "Step N: component"
// ("Step N: label" with [WithLabel]), with the attributes otelstep.run (and
// otelstep.run.id), otelstep.step.number, otelstep.component, otelstep.steps.total when the
// total is known, and the attributes logger carries from With. When ctx
// carries no span (no valid span context), the step event and the step span
// go to the run's span ([Start]). The returned context carries the step's
// span.
//
// The step start is also an OTel log record with the event name
// [StepEventName] and the body "Step N started: component", for backends
// that read log-based events. Filter on the event name to tell it from the
// step's messages.
//
// The step must be ended with [Step.End]; [Run.End] ends the steps still
// open as abandoned.
func (r *Run) Start(ctx context.Context, logger *slog.Logger, opts ...StepOption) (context.Context, *Step) {
	if ctx == nil {
		ctx = context.Background()
	}
	s := &Step{numbered: r.takeStep(ctx, logger)}
	sc := newStepConfig(opts)
	attrs, own := s.attrs()
	if !trace.SpanContextFromContext(ctx).IsValid() && r.span != nil {
		ctx = trace.ContextWithSpan(ctx, r.span)
	}
	name := s.comp.name
	if sc.label != "" {
		name = sc.label
	}
	s.start = r.lv.now()
	ctx, s.span = r.tracer().Start(ctx, "Step "+strconv.FormatInt(s.n, 10)+": "+name,
		trace.WithAttributes(attrs...), trace.WithTimestamp(s.start))
	s.emitStartEvent(ctx, attrs[:own])
	r.open(s)
	return ctx, s
}

// emitStartEvent writes the log-based event of the step start, with the
// step's own attributes attrs.
func (s *Step) emitStartEvent(ctx context.Context, attrs []attribute.KeyValue) {
	if slog.LevelInfo < s.comp.minLevel() {
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
	rec.AddAttributes(attrs...)
	s.comp.events.Emit(ctx, rec)
}

// Number returns the step's number in its run.
func (s *Step) Number() int {
	if s == nil {
		return 0
	}
	return int(s.n)
}

// Span returns the step's span.
func (s *Step) Span() trace.Span {
	if !s.ok() {
		return trace.SpanFromContext(context.Background())
	}
	return s.span
}

// End ends the step's span, with status Error and the error recorded when
// err is not nil, and records its duration, with the result "ok" or "error"
// in [StepResultKey] on both. The span also gets the step's last
// [Step.Progress] values and, when [Run.SetTotal] changed it since the step
// started, the run's new total. The step then counts as finished in
// [ProgressMetricName]. A second End does nothing.
func (s *Step) End(err error) {
	if !s.ok() {
		return
	}
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
