// Package otelstep gives multi-phase jobs (compilers, pipelines, migrations,
// deployments) numbered steps and per-component loggers, published through
// OpenTelemetry: PyTorch's step logging (torch/_dynamo/logging.py) on OTel.
//
//	ctx, run := otelstep.Start(ctx, "compile", otelstep.WithTotalSteps(3))
//	defer run.End(ctx)
//	log := run.StepLogger(ctx, run.Logger("parse"))
//	log.Info(ctx, "begin parsing", "files", 12) // "Step 1: begin parsing"
//
//	stepCtx, step := run.Start(ctx, run.Logger("codegen")) // a step with a span
//	step.Progress(stepCtx, 40, 100)
//	step.End(err)
//
// Each message becomes a log record with the body "Step N: msg" (through
// the component's OTel logger, with otelslog's conversion) and an
// otelstep.log event on the span; each step an otelstep.step event; the
// run's progress, time left and active count are gauges. The names are the
// constants of contract.go, described in docs/contract.md.
//
// A run started within a [Run.Start] step, in this process or in another
// reached with [Propagator] beside the trace context, is a part of the
// step's run: one numbering ("Step 2.1.3: copy", otelstep.step.path), the
// root run's otelstep.run, its own name as otelstep.run.part, and progress
// gauges that add up across processes (docs/contract.md, "One run across
// processes").
//
// torch's names map as follows:
//
//	get_loggers() / getLogger           Run.Loggers, Run.Logger, GetLoggers, GetLogger
//	log = get_step_logger(logger)       log := run.StepLogger(ctx, logger).Log
//	"Step %s: %s"                       the same text, as the log body
//	tqdm progress bar                   the otelstep.run.* gauges; Step.Progress
//	TORCH_LOGS="+dynamo,-inductor"      OTELSTEP_LOGS, the same syntax
//	torch._logging.set_logs(...)        Run.SetLevels
//	a new torch.compile counts from 1   SetDefault(NewRun(...)).End(ctx)
//
// The package never sets OpenTelemetry globals: it takes providers as
// options and otherwise uses the global ones at call time. Every type is
// safe for concurrent use. Nil contexts and loggers, empty names and
// invalid UTF-8 have documented fallbacks; the zero StepLogger and a nil or
// zero Step do nothing.
//
// # Files
//
//	contract.go  the telemetry contract's names
//	run.go       Run: NewRun, Start (a run with a span), End, components, Default
//	step.go      StepLogger and Step, and the one path of a step's messages
//	handler.go   the component loggers' slog.Handler, and the record conversion
//	levels.go    OTELSTEP_LOGS, ParseLevels, SetLevels
//	metrics.go   the gauges, progress and time left, the elapsed callback
//	live.go      marker spans of running steps and runs (WithLiveSteps)
//	options.go   Option and StepOption
//	propagation.go  Propagator, the otelstep-step header, a step as a caller
package otelstep
