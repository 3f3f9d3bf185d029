package otelstep

import (
	"context"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Start makes a run, as [NewRun] does, that owns its trace: it starts a span
// named name (empty: [DefaultComponent]), a child of the span in ctx if
// there is one, with the attributes otelstep.run (and otelstep.run.id), and
// returns a context carrying it.
//
// The steps of the run and their events hang under the run span whenever
// the context given to [Run.Start], [Run.StepLogger] or a [StepLogger]
// message carries no span of its own (no valid span context); a context with
// a span keeps its span, so steps can hang under spans of the caller's.
//
// [Run.End] ends the run span, with the run's total ([StepsTotalKey], the
// last [Run.SetTotal]'s) when known, and with status Error and the error
// recorded when the run learnt of a failure through [Run.Fail]. A run still running
// after the threshold of [WithLiveSteps] exports a [LiveRunSpanName] marker
// span, so that it can be found in a trace backend while it runs.
func Start(ctx context.Context, name string, opts ...Option) (context.Context, *Run) {
	if ctx == nil {
		ctx = context.Background()
	}
	r := NewRun(name, opts...)
	r.lv.runStart = r.lv.now()
	ctx, span := r.tracer().Start(ctx, r.name,
		trace.WithAttributes(r.runAttrs...), trace.WithTimestamp(r.lv.runStart))
	r.mu.Lock()
	r.span = span
	r.openedRun()
	r.mu.Unlock()
	return ctx, r
}

// Span returns the run's span: the one [Start] started, or a non-recording
// span for a run made with [NewRun].
func (r *Run) Span() trace.Span {
	if r.span == nil {
		return trace.SpanFromContext(context.Background())
	}
	return r.span
}

// Fail records that the run failed with err: [Run.End] then sets the run
// span's status to Error with err's text and records err on it. The first
// error wins; a nil err is ignored, as is Fail after End. Fail is how the
// run learns of a failure: a step's error ([Step.End]) marks that step
// only, since a job may recover from it.
func (r *Run) Fail(err error) {
	if err == nil || r.ended.Load() {
		return
	}
	r.failMu.Lock()
	if r.failErr == nil {
		r.failErr = err
	}
	r.failMu.Unlock()
}

// Err returns the error given to the first [Run.Fail], or nil.
func (r *Run) Err() error {
	r.failMu.Lock()
	defer r.failMu.Unlock()
	return r.failErr
}

// spanOf returns the span a step or message given ctx goes to: the span in
// ctx when its span context is valid, else the run's span (a non-recording
// one for a run without).
func (r *Run) spanOf(ctx context.Context) trace.Span {
	span := trace.SpanFromContext(ctx)
	if r.span != nil && !span.SpanContext().IsValid() {
		return r.span
	}
	return span
}

// endSpan ends the run span, on the run's clock as its steps end, with the
// run's total when known (the last [Run.SetTotal]'s) and the run's failure
// if any.
func (r *Run) endSpan() {
	if r.span == nil {
		return
	}
	if t := r.totalSteps(); t > 0 {
		r.span.SetAttributes(StepsTotalKey.Int(t))
	}
	if err := r.Err(); err != nil {
		r.span.RecordError(err)
		r.span.SetStatus(codes.Error, err.Error())
	}
	r.span.End(trace.WithTimestamp(r.lv.now()))
}
