// Package otelsteptest records what package otelstep emits, for the tests of
// code that uses it:
//
//	rec := otelsteptest.New(t)
//	compile(rec.Context(), rec.NewRun("compile"))
//	if got := rec.Components(); !slices.Equal(got, []string{"parse", "typecheck", "codegen"}) { ... }
//
// A [Recorder] holds a real OpenTelemetry SDK writing to memory (every span
// sampled, no limit on events or attributes, an empty resource) and never
// touches the OpenTelemetry globals. Runs made with [Recorder.NewRun], or
// with [Recorder.Options], report to it; its accessors read the telemetry
// contract back:
//
//	Steps, Components   the steps taken, from step events and step spans
//	Messages, Bodies    the step messages, from the log records
//	Gauge, Gauges       the run's gauges (otelstep.run.steps, .progress, ...)
//	ComponentGauge      otelstep.step.progress and otelstep.step.elapsed
//	Durations           otelstep.step.duration, per run, component and result
//	ActiveRuns          otelstep.runs.active
//	Spans, Records      the raw spans and log records
//	Metrics             the raw metrics
//
// A step logger adds its step event to the span in its context, else to the
// run's span: runs of [Recorder.NewRun] have one, under the root span of
// [Recorder.Context]. A run made otherwise has no span, and its steps taken
// with a context without a recording span leave no step event (their
// messages still reach [Recorder.Messages]). Steps are read from spans ended
// or not.
//
// A Recorder is safe for concurrent use. [New] shuts it down at the end of
// the test; the accessors keep working afterwards, the metrics ones on the
// values collected then.
package otelsteptest
