// Package console is the human view of otelstep's telemetry: what a person
// at a terminal, or reading a CI log, sees of a run. It is a span exporter,
// a log exporter and a metric reader writing on one io.Writer:
//
//	v := console.New(os.Stderr)
//	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(v.SpanExporter())))
//	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(v.MetricReader()))
//	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(v.LogExporter())))
//	// ... runs with these providers; then their Shutdown, then v.Shutdown(ctx)
//
// exporters.Setup wires it so (see the example). It prints one line per
// step message and per ended step, in torch's form:
//
//	15:10:13.186 INFO  parse: Step 1: begin parsing file=main.mini wait=120ms
//	15:10:13.207 INFO  parse: Step 1 done in 21.1ms
//	15:10:13.249 ERROR codegen: Step 4 failed after 20.6ms: disk full
//
// A line is "time LEVEL component: body" and the caller's attributes,
// logfmt-quoted (slog groups as dotted keys; an error argument as
// err="…"). The telemetry contract's attributes and the code.* source
// location are not repeated. Once lines of more than one run are seen, each
// carries a tag: the run id, else 8 hex digits of the trace id.
//
// A run started inside a step (a part of that step's run, in this process
// or another: otelstep.Propagator) names its steps by their path, as its
// records do:
//
//	15:10:13.301 INFO  lower: Step 2.1.1 done in 4.2ms
//
// Its lines are the run's lines (no tag); its status row and summary are
// its own, "compile/worker 1/2 steps", counting the steps of the parts of
// that name in this process (one series, as the core reports it), while
// the run's row counts the run's own steps.
//
// # On a terminal
//
// When the writer is a terminal (golang.org/x/term) and TERM is not "dumb",
// or [WithTerminal] says so, each active run has a status row at the bottom:
//
//	deploy 2/5 steps [========>           ] 40%, 0.8 steps/s, 3.2s left, copy users 50% 1.5s
//
// the run, the finished steps over the total as the run reports them
// (otelstep.run.finished and otelstep.run.planned), a bar, the percent, the
// rate (one unit for the whole run), the time left as the run records it
// (otelstep.run.remaining, not an estimate of the view's own), and the open
// step: its WithLabel label (else its component), its in-step progress and
// its age. The view collects its own metric reader and renders the rows
// every [WithRedrawInterval] (100 ms), so the time left shown is the gauge's
// value as of the last redraw. A row is measured in terminal cells
// (github.com/rivo/uniseg) and never reaches the last column, so it never
// wraps: when the width is short, the bar, the step's age and the rate go
// first, then the name is cut, then the in-step progress, the label, the
// time left and the percent. A line to print erases the rows, is written
// and the rows are drawn again in the same write: no flicker. When a run
// ends its row goes and a summary line is printed:
//
//	15:10:13.270 INFO  deploy: done, 5/5 steps in 6.12s, 0.8 steps/s
//
// When the writer is not a terminal the view writes no escape code: a run
// gets a plain progress line at most every [WithProgressInterval] (5 s),
// and its summary. The metrics of other scopes than otelstep's are printed,
// one line per series, when the meter provider is flushed or shut down.
//
// # Escaping
//
// Nothing a program records can forge a line or move the cursor: in every
// name, message, key and value, each rune of Unicode category Cc or Cf,
// each bidirectional control and each rune that does not print
// (unicode.IsPrint) is shown escaped as strconv.Quote does (\n, \x1b,
// \u200b, \U000e0041), and invalid UTF-8 as U+FFFD. [View.Write] writes
// one escaped line per call, for the exporters package's own messages.
package console
