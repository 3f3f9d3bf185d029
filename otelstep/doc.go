// Package otelstep gives multi-phase jobs (compilers, build and CI pipelines,
// model compilation, migrations, deployments) numbered steps and
// per-component loggers, and publishes them through OpenTelemetry.
//
// It is PyTorch's step logging (torch/_dynamo/logging.py) built on OTel:
//
//	torch                               otelstep
//	get_loggers()                       Run.Loggers, GetLoggers
//	get_step_logger(logger)             Run.StepLogger, GetStepLogger
//	"Step %s: %s"                       the same text, as the log body
//	tqdm progress bar                   the otelstep.run.steps,
//	                                    otelstep.run.progress and
//	                                    otelstep.run.remaining gauges;
//	                                    Step.Progress for a bar inside a step
//	TORCH_LOGS="+dynamo,-inductor"      OTELSTEP_LOGS, the same syntax
//
// # Model
//
// A [Run] is one execution of a job. It has a name, an optional expected
// total of steps ([WithTotalSteps]) and a step counter of its own: steps are
// numbered 1, 2, 3, ... each exactly once, whatever the number of goroutines
// taking them. [Default] is one process-wide run for drop-in use.
//
// Each component of the job (parse, typecheck, codegen...) has a
// [*slog.Logger] from [Run.Logger]. Records go to OpenTelemetry logs through
// the otelslog bridge, with the instrumentation scope named after the
// component and the trace and span IDs of the context logged with, and to a
// local handler given by [WithHandler].
//
// [Run.StepLogger] takes the next step number for a component logger and
// returns a [StepLogger] that writes that step's messages.
//
// # Telemetry contract
//
// Dashboards, tests and users' queries depend on these names.
//
// Span events are added to the span in the context given, only when that
// span is recording:
//
//   - [StepEventName] ("otelstep.step"), once per Run.StepLogger call, with
//     otelstep.run, otelstep.step.number, otelstep.component and, when the
//     total is known, otelstep.steps.total.
//   - [LogEventName] ("otelstep.log"), once per message that passes the level
//     check, with otelstep.run, otelstep.step.number, otelstep.component,
//     log.severity (the slog level name, "INFO") and log.message, the full
//     "Step N: msg".
//     Jaeger shows span events but not OTel logs: this is how a Jaeger user
//     reads the step messages.
//
// Log records (through otelslog): scope name = component; body = "Step N: msg"
// exactly; attributes otelstep.step.number, otelstep.component, otelstep.run,
// then the caller's args and whatever the logger carries from With; trace
// and span IDs from the context; severity from the slog level; source
// location (code.*) of the line that called the StepLogger. [Run.Start]
// also writes one record per step with the event name "otelstep.step" and
// the body "Step N started: component".
//
// Step spans ([Run.Start]) are children of the span in the context, named
// "Step N: component", with otelstep.run, otelstep.step.number,
// otelstep.component, otelstep.steps.total when known, and, once ended,
// otelstep.step.result ("ok", "error", "abandoned") and, when the step
// called [Step.Progress], otelstep.step.done and otelstep.step.total (the
// last values reported); their durations go to the otelstep.step.duration
// histogram (unit s, with run, component and result), and
// otelstep.runs.active counts the runs not yet ended.
//
// Metrics, from the meter named [ScopeName], with the attribute otelstep.run
// (and otelstep.run.id), never a step number:
//
//	otelstep.run.steps      Int64Gauge              {step}  steps taken
//	otelstep.run.progress   Float64Gauge            1       finished steps/total, 0..1, only with a known total
//	otelstep.run.remaining  Float64Gauge            s       estimated time until the total is reached
//	otelstep.step.progress  Float64Gauge            1       in-step done/total, + otelstep.component
//	otelstep.step.elapsed   Float64ObservableGauge  s       age of the oldest open step, + otelstep.component
//
// A Prometheus backend shows them as otelstep_run_steps,
// otelstep_run_progress_ratio, otelstep_run_remaining_seconds,
// otelstep_step_progress_ratio and otelstep_step_elapsed_seconds.
//
// Finished steps are the [Run.Start] steps that have ended, with any result,
// plus the [Run.StepLogger] steps taken: a StepLogger step has no end, so it
// counts when taken, as torch's bar does. For a fixed total the progress
// gauge never goes backwards and never exceeds 1. [Run.SetTotal] changes the
// total: the gauges follow at once, the events and spans of the steps that
// start or end afterwards carry the new value.
//
// otelstep.run.remaining is tqdm's estimate, elapsed since the run was made
// × (total − finished) / finished, recorded when a step finishes or the
// total changes: no value before the first finished step or without a
// total, 0 once the total is reached or the run has ended. A step's own time
// left needs no metric of its own: in PromQL,
// otelstep_step_elapsed_seconds * (1 - otelstep_step_progress_ratio) /
// otelstep_step_progress_ratio.
//
// otelstep.step.elapsed is observed at each collection with no call from the
// job, so a hung step shows as a growing age; a component's series is gone
// once none of its steps is open, and [Run.End] unregisters the run's
// callback.
//
// Gauges keep the last value recorded per attribute set: several runs of one
// name at the same time overwrite each other's series. Give each its own
// series with [WithRunID], which adds otelstep.run.id everywhere; every
// distinct id is a new series, so draw ids from a bounded set.
//
// Span events are exported only when their span ends, and so are spans, so
// a long step would be invisible in Jaeger until then. A [Run.Start] step
// still running after [DefaultLiveAfter] therefore gets one marker span
// named [LiveSpanName] ("otelstep.step.running"), a child of the step span
// from its start to the moment the marker is made, with the step's
// attributes and progress so far; see [WithLiveSteps]. The step's own span
// appears once, when it ends.
//
// # Levels
//
// Component levels come from the OTELSTEP_LOGS environment variable, read
// when a run is made, or from [WithLevels]; the syntax is TORCH_LOGS's and
// [ParseLevels] documents it. A message below its component's level makes no
// log record and no span event, and costs a few nanoseconds. A malformed
// value is reported once through [otel.Handle] and the defaults (Info for
// every component) apply.
//
// # Providers
//
// The package never sets OpenTelemetry globals. It takes providers as
// options and otherwise uses the global ones, through their delegation: a
// provider set after a run was made is honoured. Nothing in the package
// blocks on export; that is the SDK processors' job.
//
// # Bad input
//
// A nil logger means the run's [DefaultComponent] logger; an empty component
// name or run name is [DefaultComponent]; names and messages that are not
// valid UTF-8 have the bad bytes replaced by U+FFFD, since OTLP rejects them.
// A context without a span, or with a non-recording one, gets no span events:
// a StepLogger step then leaves only the gauges and its messages' records.
package otelstep
