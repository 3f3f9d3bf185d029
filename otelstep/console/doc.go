// Package console is the human view of otelstep's telemetry: what a person
// at a terminal, or reading a CI log, sees of a run. It is an OpenTelemetry
// span exporter, log exporter and metric reader writing on one io.Writer;
// exporters.Setup wires it in when no exporter is configured (its "Console
// fallback"), and any program can wire it into its own SDK providers (see
// the example).
//
// Progress is published as the otelstep gauges; this view renders them.
//
// # Lines
//
// One line per message, as torch's step logging prints them:
//
//	15:10:13.186 INFO  parse: Step 1: begin parsing file=main.mini lines=16
//	15:10:13.207 INFO  parse: Step 1: done parsing nodes=76
//	15:10:13.207 INFO  parse: Step 1 done in 21.1ms
//	15:10:13.228 WARN  optimize: Step 3: not inlining recursive function func=fib
//	15:10:13.249 ERROR codegen: Step 4 failed after 20.6ms: disk full
//
// A log record is "time LEVEL component: body" and then the caller's own
// attributes, logfmt-quoted (a value with a space, a quote or '=' is
// quoted; slog groups are dotted keys). The attributes of the telemetry
// contract (otelstep.run, otelstep.step.number, otelstep.component...) and
// the code.* source location are not repeated: the line already says them,
// and the records keep them for real backends. The component is the
// record's otelstep.component, else its instrumentation scope.
//
// The step-start event record (event name otelstep.step, body "Step N
// started: component") is no line of its own: it only tells the view the
// run's total. A step span (one with otelstep.step.number and
// otelstep.component) is one line when it ends, with what the lines did not
// say: its duration, and its error ("failed after", the status description)
// or "abandoned after" when its run ended first. Its otelstep.log span
// events repeat log lines and are not printed (unless the view has no log
// exporter in use: then they are the only copy, and print as lines); its
// otelstep.step events are not printed either. Another span is one line,
// "name: span ended in 85ms", after one line per event of its own, "name:
// event NAME k=v"; a span that names a run but no step prints no line of its
// own (the run's summary line says it) unless it failed ("run failed
// after") or the view has no metric reader in use.
//
// Once lines of more than one run have been seen (two run names or ids, one
// step number of a run name in two traces, a run active more than once at a
// time according to otelstep.runs.active, or two traces among spans and
// records that name no run), each line carries a tag that tells the runs
// apart: the run id, else the first 8 hex digits of the trace id, else the
// run name:
//
//	15:10:13.186 INFO  [4aae64c3] parse: Step 1: begin parsing
//
// # Progress on a terminal
//
// When the writer is a terminal and TERM is not "dumb" (or [WithTerminal]
// says so), the view keeps one status line per active run at the bottom,
// the busiest first, at most [WithStatusLines] of them and "... and N more
// runs":
//
//	compile 2/4 steps [==========>         ] 50%, 19.4 steps/s, 103ms left, typecheck 40% 1.2s
//
// that is the run (and its id), n/total, a bar, the percent, the rate since
// the run began, the time left, the current component, its in-step progress
// (otelstep.step.progress) and the age of its open step
// (otelstep.step.elapsed). n is otelstep.run.progress x total when both are
// known, else the steps taken (otelstep.run.steps); the total comes from the
// otelstep.steps.total attribute of the run's lines and step events (those
// of StepLogger steps arrive with the run's span). The time left is the
// larger of otelstep.run.remaining, counted down since it was recorded (the
// run records it only when a step finishes), and tqdm's elapsed x (total - d)
// / d, with d = n plus the current step's in-step progress: it moves during a
// long step, and grows when nothing does. A goroutine collects the
// view's own metric reader and redraws the status lines in place every
// [WithRedrawInterval] (100 ms: at most 10 times a second). A line to print
// erases them (carriage return, erase below), is written, and they are
// drawn again at once only if the last redraw is older than the interval:
// a tight loop of steps writes its lines, not a status line per step. Rows
// are cut to the terminal's width. Level names are coloured unless
// NO_COLOR is set.
//
// Runs of one name without [otelstep.WithRunID] share their metric series:
// they share a status line and a summary. Give concurrent runs ids to see
// them apart there too.
//
// When a run ends (its otelstep.runs.active series drops to 0) its status
// line goes and a one-line summary is printed; [View.Shutdown] prints one for
// each run not summarised yet and clears the status lines:
//
//	15:10:13.270 INFO  compile: done, 4/4 steps in 85ms, 47.0 steps/s
//
// # Progress elsewhere
//
// When the writer is not a terminal (CI logs, Kubernetes) the view never
// writes an escape code. Instead of a status line, a run whose step count
// moved gets a plain progress line at most every [WithProgressInterval]
// (5 s), the first one only after the run has lasted that long, and the
// summary line when it ends:
//
//	15:10:18.186 INFO  compile: 2/4 steps 50%, 0.4 steps/s, 5s left, typecheck
//
// The metrics of other instrumentation scopes than otelstep's (the
// application's own instruments) have no status line: their values are
// printed, one line per series ("gauge name{k=v} = 7 unit"), when the meter
// provider is flushed and at its Shutdown, so that they do not vanish from
// the console. otelstep's own gauges are not dumped: the status and summary
// lines show them.
//
// # Escaping
//
// Nothing a program records can forge a line or move the cursor: control
// characters (C0, DEL, C1), the Unicode line and paragraph separators and
// the bidirectional overrides in messages, component, run, span, event and
// scope names, severity texts, attribute keys and values and status
// descriptions are escaped as strconv.Quote does (\n, \r, \t, \x1b, \u2028),
// and invalid UTF-8 is shown as U+FFFD. [View.Write], for the exporters
// package's own lines (export errors, "lost N of M"), writes one line per
// call with the same escaping.
package console
