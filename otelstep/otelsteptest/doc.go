// Package otelsteptest records what package otelstep emits, for the tests of
// code that uses it.
//
// A [Recorder] holds a real OpenTelemetry SDK writing to memory: a tracer
// provider with a span recorder and no limit on span events, a meter provider
// with a manual reader, and a logger provider whose simple processor keeps a
// clone of every record. It never touches the OpenTelemetry globals. Runs made
// with [Recorder.NewRun], or with [Recorder.Options], report to it, and its
// accessors read back the telemetry contract of package otelstep:
//
//	Steps, Components   the steps taken, from span events and step spans
//	Messages, Bodies    the step messages, from the log records
//	Gauge, Gauges       otelstep.run.steps, .progress and .remaining
//	ComponentGauge      otelstep.step.progress and otelstep.step.elapsed
//	Durations           otelstep.step.duration, per run, component and result
//	ActiveRuns          otelstep.runs.active
//	Spans, Records      the raw spans and log records, for anything else
//	Metrics             the raw metrics
//
// so that a test asserts the order of its pipeline's phases in three lines:
//
//	rec := otelsteptest.New(t)
//	compile(rec.Context(), rec.NewRun("compile"))
//	if got := rec.Components(); !slices.Equal(got, []string{"parse", "typecheck", "codegen"}) { ... }
//
// # Where steps come from
//
// A step logger adds its [otelstep.StepEventName] event to the span in the
// context it is given, or, when that context carries no span, to the run's
// span: runs of [Recorder.NewRun] have one, under the root span of
// [Recorder.Context], so their steps show whatever context they are given.
// A run made otherwise (otelstep.NewRun with [Recorder.Options]) has no
// span: its steps taken with a context without a recording span leave no
// step event, and their messages still reach [Recorder.Messages]. Steps from
// [otelstep.Run.Start] always show, by their own span.
//
// Steps are read from the spans as they are, ended or not: a test need not end
// its spans first. An exporter, by contrast, sees a span's events only once it
// ends.
//
// A Recorder is safe for concurrent use. Shut it down with
// [Recorder.Shutdown], which [New] arranges through testing.TB.Cleanup;
// the accessors keep working afterwards, the metrics ones on the values
// collected at shutdown.
package otelsteptest
