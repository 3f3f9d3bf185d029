package otelstep

import "go.opentelemetry.io/otel/attribute"

// Attribute keys of the telemetry contract. They appear on span events, log
// records and metrics as docs/contract.md describes.
const (
	// RunKey names the run a step belongs to (string).
	RunKey = attribute.Key("otelstep.run")
	// RunIDKey distinguishes concurrent runs of one name (string). It is set
	// only when the run was made with [WithRunID].
	RunIDKey = attribute.Key("otelstep.run.id")
	// RunPartKey is the own name of a run that is a part of another run
	// (string): a run [Start]ed within a step of a run of this process or,
	// through [Propagator], of another. Set only on such a run, whose
	// [RunKey] is the root run's name; a metric label, one series per part
	// name.
	RunPartKey = attribute.Key("otelstep.run.part")
	// StepPathKey is the path of a step of a part of another run (string):
	// "4.1.2", the calling step's path, the child index it handed out and
	// the step's number, as in its name "Step 4.1.2: ...". Set on the spans,
	// events and records of such steps, and on a part's run span (the path
	// handed out, "4.1"); never on metrics.
	StepPathKey = attribute.Key("otelstep.step.path")
	// StepNumberKey is the 1-based number of a step within its run (int).
	StepNumberKey = attribute.Key("otelstep.step.number")
	// StepsTotalKey is the expected number of steps of a run (int), present
	// only when the total is known.
	StepsTotalKey = attribute.Key("otelstep.steps.total")
	// ComponentKey names the component that took a step (string).
	ComponentKey = attribute.Key("otelstep.component")
	// StepResultKey is how a step started with [Run.Start] ended: "ok",
	// "error", or "abandoned" when its run ended first (string).
	StepResultKey = attribute.Key("otelstep.step.result")

	// StepDoneKey is the last done count a step reported with
	// [Step.Progress] (int), set on the step span when it ends.
	StepDoneKey = attribute.Key("otelstep.step.done")
	// StepLabelKey is the [WithLabel] label of a step started with
	// [Run.Start] (string), on its span and its start record; absent
	// without a label.
	StepLabelKey = attribute.Key("otelstep.step.label")
	// StepTotalKey is the last total a step reported with [Step.Progress]
	// (int), set on the step span when it ends.
	StepTotalKey = attribute.Key("otelstep.step.total")

	// SeverityKey holds the slog level name of a step message ("INFO") on
	// the [LogEventName] span event.
	SeverityKey = attribute.Key("log.severity")
	// MessageKey holds the full "Step N: msg" text on the [LogEventName]
	// span event.
	MessageKey = attribute.Key("log.message")
)

// Span event and metric names of the telemetry contract.
const (
	// StepEventName is the span event added once per step.
	StepEventName = "otelstep.step"
	// LogEventName is the span event added once per step message that
	// passes the level check.
	LogEventName = "otelstep.log"
	// StepsMetricName is the Int64Gauge of the steps a run has taken.
	StepsMetricName = "otelstep.run.steps"
	// ProgressMetricName is the Float64Gauge of the steps a run has
	// finished (Run.Start steps ended with any result, StepLogger steps
	// taken) over its total, from 0 to 1; recorded only when the total is
	// known.
	ProgressMetricName = "otelstep.run.progress"
	// DurationMetricName is the Float64Histogram of the durations, in
	// seconds, of the steps started with [Run.Start].
	DurationMetricName = "otelstep.step.duration"
	// RemainingMetricName is the Float64Gauge of the estimated seconds until
	// a run reaches its total, from its pace so far; recorded only while it
	// can be known.
	RemainingMetricName = "otelstep.run.remaining"
	// StepProgressMetricName is the Float64Gauge of a step's own progress,
	// done over total from [Step.Progress], from 0 to 1, per run and
	// component.
	StepProgressMetricName = "otelstep.step.progress"
	// ElapsedMetricName is the Float64ObservableGauge of the age, in
	// seconds, of the oldest step of each component that has not ended, per
	// run and component; a series is gone once no step of it is open.
	ElapsedMetricName = "otelstep.step.elapsed"
	// ActiveRunsMetricName is the Int64UpDownCounter of the runs made and not
	// yet ended.
	ActiveRunsMetricName = "otelstep.runs.active"
	// FinishedMetricName is the Int64Gauge of the steps a run has finished,
	// as [ProgressMetricName] counts them; at [Run.End], the run's final
	// count.
	FinishedMetricName = "otelstep.run.finished"
	// PlannedMetricName is the Int64Gauge of the steps a run is expected to
	// take (its total); recorded only when the total is known, and at
	// [Run.End] the run's final total.
	PlannedMetricName = "otelstep.run.planned"

	// LiveSpanName is the name of the marker span that makes a running step
	// visible in a trace backend before it ends (see [WithLiveSteps]). It is
	// not "Step N: ...", so that nobody, and no query on step span names,
	// takes it for a second step.
	LiveSpanName = "otelstep.step.running"
	// LiveRunSpanName is the name of the marker span that makes a run of
	// [Start] visible in a trace backend before it ends (see
	// [WithLiveSteps]). It is neither the run's name nor "Step N: ...", so
	// that nobody takes it for the run or for a step.
	LiveRunSpanName = "otelstep.run.running"
)

// MaxEventMessage is the most bytes of the [MessageKey] attribute of a
// [LogEventName] span event: a longer "Step N: msg" is cut at the last rune
// boundary at or below it, so that one message cannot make a span too big to
// export. The log record keeps the whole message.
const MaxEventMessage = 8192

// DefaultComponent is the component used for an empty component name and for
// loggers that were not made by a [Run].
const DefaultComponent = "default"

// ScopeName is the instrumentation scope name of the meter and tracer that
// otelstep uses: its import path.
const ScopeName = "github.com/otelstep/otelstep/otelstep"

// Version is the version of otelstep, reported as the instrumentation
// scope version.
const Version = "0.1.0"
