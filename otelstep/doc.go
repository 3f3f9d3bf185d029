// Package otelstep gives multi-phase jobs (compilers, build and CI pipelines,
// model compilation, migrations, deployments) numbered steps and
// per-component loggers, and publishes them through OpenTelemetry.
//
// It is PyTorch's step logging (torch/_dynamo/logging.py) built on OTel:
//
//	torch                               otelstep
//	get_loggers()                       Run.Loggers, GetLoggers, GetLogger
//	get_step_logger(logger)             Run.StepLogger, GetStepLogger
//	"Step %s: %s"                       the same text, as the log body
//	tqdm progress bar                   the otelstep.run.steps,
//	                                    otelstep.run.progress and
//	                                    otelstep.run.remaining gauges;
//	                                    Step.Progress for a bar inside a step
//	TORCH_LOGS="+dynamo,-inductor"      OTELSTEP_LOGS, the same syntax
//	torch._logging.set_logs(...)        Run.SetLevels
//	a new torch.compile counts from 1   SetDefault(NewRun(...))
//
// # Model
//
// A [Run] is one execution of a job. It has a name, an optional expected
// total of steps ([WithTotalSteps]) and a step counter of its own: steps are
// numbered 1, 2, 3, ... each exactly once, whatever the number of goroutines
// taking them. [Start] makes a run that owns its trace: a span named after
// it, under which its steps hang when the context they are given carries no
// span; [Run.Fail] marks it failed and [Run.End] ends it. [NewRun] makes a
// run without a span.
//
// [Default] is one process-wide run for drop-in use, with torch's
// module-level functions on it ([GetLogger], [GetLoggers], [GetStepLogger]);
// [SetDefault] replaces it, to configure it or to start a fresh one per job.
//
// Each component of the job (parse, typecheck, codegen...) has a
// [*slog.Logger] from [Run.Logger]. Records go to OpenTelemetry logs through
// the otelslog bridge, with the instrumentation scope named after the
// component and the trace and span IDs of the context logged with, and to a
// local handler given by [WithHandler].
//
// [Run.StepLogger] takes the next step number for a component logger and
// returns a [StepLogger] that writes that step's messages; [Run.Start] takes
// it as a [Step] with a span and a duration of its own. Both have the methods
// of [slog.Logger] that take a context (Debug, Info, Warn, Error, Log,
// LogAttrs, Enabled), each recording the caller's line; a StepLogger also
// keeps torch's call form, log(ctx, level, msg, args...). The attributes a
// step's logger carries from With are added to its step span and step event,
// and [WithLabel] names its span.
//
// # Telemetry contract
//
// Dashboards, tests and users' queries depend on these names.
//
// Span events are added to the span in the context given (to the run's span
// of [Start] when that context carries no valid span), only when that span is
// recording:
//
//   - [StepEventName] ("otelstep.step"), once per Run.StepLogger or
//     Run.Start call, with otelstep.run, otelstep.step.number,
//     otelstep.component, otelstep.steps.total when the total is known, and
//     the attributes the step's logger carries from With.
//   - [LogEventName] ("otelstep.log"), once per message that passes the level
//     check, with otelstep.run, otelstep.step.number, otelstep.component,
//     log.severity (the slog level name, "INFO") and log.message, the
//     "Step N: msg", cut to [MaxEventMessage] bytes at a rune boundary.
//     Jaeger shows span events but not OTel logs: this is how a Jaeger user
//     reads the step messages.
//
// Log records (through otelslog): scope name = component; body = "Step N: msg"
// exactly; attributes otelstep.step.number, otelstep.component, otelstep.run,
// then the caller's args and whatever the logger carries from With; trace
// and span IDs from the context (of the run span or the step span when the
// message went there); severity from the slog level; source location
// (code.*) of the line that called the StepLogger or Step method. [Run.Start]
// also writes one record per step with the event name "otelstep.step" and
// the body "Step N started: component".
//
// Run spans ([Start]) are named after the run, children of the span in the
// context, with otelstep.run (and otelstep.run.id); [Run.End] ends them,
// with status Error and the error recorded after [Run.Fail].
//
// Step spans ([Run.Start]) are children of the span in the context (of the
// run span when it carries none), named "Step N: component", or
// "Step N: label" with [WithLabel], with otelstep.run, otelstep.step.number,
// otelstep.component, otelstep.steps.total when known, the attributes the
// step's logger carries from With (group names joined to keys with "."),
// and, once ended, otelstep.step.result ("ok", "error", "abandoned") and,
// when the step called [Step.Progress], otelstep.step.done and
// otelstep.step.total (the last values reported); their
// durations go to the otelstep.step.duration histogram (unit s, with run,
// component and result), and otelstep.runs.active counts the runs not yet
// ended.
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
// start or end afterwards carry the new value, and so does the run span of
// [Start] when the run ends. [Run.End] records the gauges a last time:
// steps taken after it are numbered and logged but change no gauge.
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
// A run of [Start] still running after the same threshold gets one marker
// too, named [LiveRunSpanName] ("otelstep.run.running"), a child of the run
// span from the run's start to the moment the marker is made, with the
// run's attributes (and otelstep.steps.total when known): search for that
// operation to find the jobs running now. Until the run ends, its trace
// holds markers whose parents (the run span, the step spans) are not
// exported yet; once it ends, it holds the run span once, its steps once
// each under it, and the markers under the span each belongs to. The
// markers come from one watcher goroutine per run, alive only while a
// step or the run waits for its marker; a run or step quicker than the
// threshold costs no span, and [Run.End] stops the watcher at once.
//
// # Levels
//
// Component levels come from the OTELSTEP_LOGS environment variable, read
// when a run is made, or from [WithLevels]; the syntax is TORCH_LOGS's and
// [ParseLevels] documents it, including how to name any component (%XX
// escapes). [Run.SetLevels] replaces them while the run goes on. A message
// below its component's level makes no log record and no span event, and
// costs a few nanoseconds: the check is one atomic load and a compare, made
// once per message.
//
// A malformed value is reported through [otel.Handle] once per process for
// each distinct value, naming its source (OTELSTEP_LOGS= or WithLevels(...)),
// and its valid tokens apply; [Run.LevelsErr] returns the error to a caller
// that wants it. SetLevels returns its error instead of reporting it.
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
// A nil logger means the run's [DefaultComponent] logger; a nil context is
// [context.Background]; an empty component name or run name is
// [DefaultComponent]; names, labels and messages that are not valid UTF-8
// have the bad bytes replaced by U+FFFD, since OTLP rejects them (attribute
// values the caller gives, through args or With, are left to the exporters).
// A context without a span, of a run without a span, or with a non-recording
// one, gets no span events: a StepLogger step then leaves only the gauges
// and its messages' records. The methods of a nil or zero [Step] and a nil
// [StepLogger] do nothing.
package otelstep
