package exporters

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	prometheusbridge "go.opentelemetry.io/contrib/bridges/prometheus"
	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/term"

	"github.com/otelstep/otelstep/internal/utf8clean"
	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/console"
)

// Providers holds the providers built by [Setup]: the SDK's, behind
// wrappers that make the instrumentation scope of every tracer, meter and
// logger valid UTF-8. The fields are never nil, also when the SDK is
// disabled.
type Providers struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	LoggerProvider log.LoggerProvider
	Resource       *resource.Resource

	disabled bool
	sdk      [3]lifecycle // the SDK providers, indexed like signals
	targets  [3]string    // each signal's destination, for messages
	counts   [3]counts    // see Stats

	console *console.View       // shut down after the providers
	limiter *errorLimiter       // the global error handler, or nil
	report  func(string)        // writes a line to the console or WithErrorHandler's handler
	redact  func(string) string // hides header values and endpoint secrets

	cutCtx       context.Context // done at Shutdown's deadline: exports end
	cut          context.CancelFunc
	shutdownOnce sync.Once
}

// lifecycle is what the three SDK providers have in common.
type lifecycle interface {
	ForceFlush(context.Context) error
	Shutdown(context.Context) error
}

// Setup builds tracer, meter and logger providers from the standard OTEL_*
// environment and OTELSTEP_CONSOLE (see the package documentation), and
// unless WithGlobals(false) installs them, the propagator OTEL_PROPAGATORS
// names and the error handler as the otel globals.
//
// A variable with a value Setup cannot use makes it return an error naming
// the variable, the value (never a secret) and what is accepted, each
// problem an [*EnvError], all of them joined. Call [Providers.Shutdown] on
// every exit path, with a deadline.
func Setup(ctx context.Context, opts ...Option) (*Providers, error) {
	c := newConfig(opts)
	e := env{lookup: os.LookupEnv}
	if disabled, err := e.sdkDisabled(); err != nil || disabled {
		if err != nil {
			return nil, err
		}
		return disabledProviders(c.console), nil
	}
	pl, err := e.plan()
	if err != nil {
		return nil, err
	}
	res, err := newResource(ctx, c)
	if err != nil {
		return nil, err
	}

	p := &Providers{Resource: utf8clean.Resource(res), redact: secrets(e), console: console.New(c.console)}
	p.cutCtx, p.cut = context.WithCancel(context.Background())
	p.report = func(line string) { _, _ = p.console.Write([]byte(line + "\n")) }
	if h := c.errorHandler; h != nil {
		p.report = func(line string) { h.Handle(errors.New(line)) }
	}
	for _, s := range signals {
		p.targets[s.i] = pl.exporter[s.i]
		if p.targets[s.i] == exporterOTLP {
			p.targets[s.i] = e.target(s)
		}
	}
	view := pl.beside(isTerminal(c.console))
	tp, err := p.traces(ctx, e, pl, view, c.exporters)
	if err == nil {
		p.sdk[sigTraces.i] = tp
		var mp *sdkmetric.MeterProvider
		if mp, err = p.metrics(ctx, e, pl, view, c.exporters); err == nil {
			p.sdk[sigMetrics.i] = mp
			var lp *sdklog.LoggerProvider
			if lp, err = p.logs(ctx, e, pl, view, c.exporters); err == nil {
				p.sdk[sigLogs.i] = lp
			}
		}
	}
	if err != nil {
		return nil, errors.Join(err, p.shutdownAll(ctx))
	}
	p.TracerProvider = utf8clean.TracerProvider(tp)
	p.MeterProvider = utf8clean.MeterProvider(p.sdk[sigMetrics.i].(*sdkmetric.MeterProvider))
	p.LoggerProvider = utf8clean.LoggerProvider(p.sdk[sigLogs.i].(*sdklog.LoggerProvider))

	if c.globals {
		otel.SetTracerProvider(p.TracerProvider)
		otel.SetMeterProvider(p.MeterProvider)
		otel.SetLoggerProvider(p.LoggerProvider)
		prop, _ := autoprop.TextMapPropagator(pl.propagators...) // checked by plan
		if !slices.Equal(pl.propagators, []string{"none"}) {
			// otelstep's own header beside what OTEL_PROPAGATORS names, so
			// that a run started by a callee is a part of the caller's run.
			prop = propagation.NewCompositeTextMapPropagator(prop, otelstep.Propagator())
		}
		otel.SetTextMapPropagator(prop)
		write := func(line string) { _, _ = p.console.Write([]byte(line + "\n")) }
		p.limiter = newErrorLimiter(c.errorInterval, write, c.errorHandler, p.redact)
		otel.SetErrorHandler(p.limiter)
	}
	return p, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// The three functions below build one signal each: its exporter (OTLP
// through autoexport, or the console view), the processor or reader in
// front of it with the wrappers of export.go, and the console view beside
// it when the view is shown.

func (p *Providers) traces(ctx context.Context, e env, pl plan, view bool, ex *exporterSet) (*sdktrace.TracerProvider, error) {
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(p.Resource), sdktrace.WithRawSpanLimits(e.spanLimits())}
	counted := &p.counts[sigTraces.i]
	switch pl.exporter[sigTraces.i] {
	case exporterConsole:
		exp := &spanExporter{p.path(sigTraces, false), p.console.SpanExporter()}
		opts = append(opts, sdktrace.WithSpanProcessor(countingSpanProcessor{sdktrace.NewSimpleSpanProcessor(exp), counted}))
		view = false // already there
	case exporterOTLP:
		var next sdktrace.SpanExporter
		var err error
		if ex != nil {
			next = ex.spans
		} else if next, err = autoexport.NewSpanExporter(ctx); err != nil {
			return nil, p.mask(fmt.Errorf("exporters: creating the traces exporter (%s): %w", p.targets[sigTraces.i], err))
		}
		bsp := sdktrace.NewBatchSpanProcessor(&spanExporter{p.path(sigTraces, false), next}, e.bspOptions()...)
		opts = append(opts, sdktrace.WithSpanProcessor(countingSpanProcessor{bsp, counted}))
	}
	if view {
		opts = append(opts, sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(p.console.SpanExporter())))
	}
	return sdktrace.NewTracerProvider(opts...), nil
}

func (p *Providers) metrics(ctx context.Context, e env, pl plan, view bool, ex *exporterSet) (*sdkmetric.MeterProvider, error) {
	opts := []sdkmetric.Option{sdkmetric.WithResource(p.Resource)}
	var reader sdkmetric.Reader
	var err error
	switch dest := pl.exporter[sigMetrics.i]; {
	case dest == exporterPrometheus:
		reader, err = autoexport.NewMetricReader(ctx)
	case dest == exporterOTLP:
		var next sdkmetric.Exporter
		switch {
		case ex != nil:
			next = ex.metrics
		case e.protocol(sigMetrics) == protoGRPC:
			next, err = otlpmetricgrpc.New(ctx)
		default:
			next, err = otlpmetrichttp.New(ctx)
		}
		var ropts []sdkmetric.PeriodicReaderOption
		if pl.promBridge {
			ropts = append(ropts, sdkmetric.WithProducer(prometheusbridge.NewMetricProducer()))
		}
		if err == nil {
			reader = sdkmetric.NewPeriodicReader(&metricExporter{p.path(sigMetrics, true), next}, ropts...)
		}
	case dest == exporterConsole && !pl.fallback:
		// The view is the destination: it prints the values of the other
		// scopes' metrics at Shutdown.
	default:
		// Nothing but the view, if shown, reads metrics: only otelstep's
		// instruments are aggregated, and no other values are printed.
		opts = append(opts, sdkmetric.WithView(otelstepOnly))
	}
	if err != nil {
		return nil, p.mask(fmt.Errorf("exporters: creating the metrics reader (%s): %w", p.targets[sigMetrics.i], err))
	}
	if reader != nil {
		opts = append(opts, sdkmetric.WithReader(reader))
	}
	if view || pl.exporter[sigMetrics.i] == exporterConsole {
		opts = append(opts, sdkmetric.WithReader(p.console.MetricReader()))
	}
	return sdkmetric.NewMeterProvider(opts...), nil
}

// otelstepOnly drops every instrument but otelstep's.
func otelstepOnly(i sdkmetric.Instrument) (sdkmetric.Stream, bool) {
	if i.Scope.Name == otelstep.ScopeName {
		return sdkmetric.Stream{}, false
	}
	return sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}}, true
}

func (p *Providers) logs(ctx context.Context, e env, pl plan, view bool, ex *exporterSet) (*sdklog.LoggerProvider, error) {
	opts := []sdklog.LoggerProviderOption{sdklog.WithResource(p.Resource), sdklog.WithAttributeValueLengthLimit(e.logValueLengthLimit())}
	counted := &p.counts[sigLogs.i]
	switch pl.exporter[sigLogs.i] {
	case exporterConsole:
		exp := &logExporter{p.path(sigLogs, false), p.console.LogExporter()}
		opts = append(opts, sdklog.WithProcessor(countingLogProcessor{sdklog.NewSimpleProcessor(exp), counted}))
		view = false
	case exporterOTLP:
		var next sdklog.Exporter
		var err error
		if ex != nil {
			next = ex.logs
		} else if next, err = autoexport.NewLogExporter(ctx); err != nil {
			return nil, p.mask(fmt.Errorf("exporters: creating the logs exporter (%s): %w", p.targets[sigLogs.i], err))
		}
		opts = append(opts, sdklog.WithProcessor(countingLogProcessor{e.logBatcherFor(&logExporter{p.path(sigLogs, false), next}), counted}))
	}
	if view {
		opts = append(opts, sdklog.WithProcessor(sdklog.NewSimpleProcessor(p.console.LogExporter())))
	}
	return sdklog.NewLoggerProvider(opts...), nil
}

// disabledProviders returns the providers for OTEL_SDK_DISABLED=true: SDK
// providers with nothing attached (no processor, no reader), an empty
// resource, and no globals set.
func disabledProviders(w io.Writer) *Providers {
	return &Providers{
		console:        console.New(w), // for Console only: no exporter, no reader
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample())),
		MeterProvider:  sdkmetric.NewMeterProvider(),
		LoggerProvider: sdklog.NewLoggerProvider(),
		Resource:       resource.Empty(),
		disabled:       true,
	}
}

// Destination describes where a signal ("traces", "metrics" or "logs")
// goes, for a program's own messages: for example "otlp http/protobuf
// http://collector:4318/v1/traces", "console", "prometheus" or "none";
// never with a secret of the endpoint. It is "none" for a nil p, for
// disabled providers and for another signal name.
func (p *Providers) Destination(signal string) string {
	for _, s := range signals {
		if p != nil && s.name == signal && p.targets[s.i] != "" {
			return p.targets[s.i]
		}
	}
	return exporterNone
}

// Disabled reports whether OTEL_SDK_DISABLED=true made Setup build inert
// providers. It is false for a nil p.
func (p *Providers) Disabled() bool { return p != nil && p.disabled }

// ForceFlush exports everything buffered by the three providers now, without
// stopping them. It honours ctx's deadline; errors are joined, one line
// each, naming its signal and destination.
func (p *Providers) ForceFlush(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return p.each(func(_ signal, lc lifecycle) error { return lc.ForceFlush(ctx) })
}

// Shutdown flushes and stops the three providers, concurrently, so that a
// short-lived job exports its last spans, logs and metric values (a final
// collection), and returns by ctx's deadline even when a backend hangs:
// the flush gets the deadline less a reserve (a tenth, at most 250 ms), at
// the end of which every export still in progress is abandoned (its items
// count as dropped), and the providers are then shut down within what is
// left. When it returns, no goroutine of Setup's runs and no request is
// sent. Errors are joined, one line each, naming its signal and
// destination. Calls after the first, and calls on a nil p, return nil.
//
// Without a deadline it waits for the exports in flight, each bounded by
// OTEL_EXPORTER_OTLP_TIMEOUT (10 s by default, retries included).
func (p *Providers) Shutdown(ctx context.Context) error {
	if p == nil {
		return nil
	}
	var err error
	p.shutdownOnce.Do(func() { err = p.shutdownAll(ctx) })
	return err
}

func (p *Providers) shutdownAll(ctx context.Context) error {
	flush, shut, done := p.deadlines(ctx)
	defer done()
	err := p.each(func(s signal, lc lifecycle) error {
		if s.i == sigMetrics.i { // Shutdown collects and exports once more
			return lc.Shutdown(shut)
		}
		return joinDistinct(lc.ForceFlush(flush), lc.Shutdown(shut))
	})
	if p.cut != nil {
		p.cut()
	}
	for i := range p.counts {
		p.counts[i].final.Store(true)
	}
	if p.console != nil {
		_ = p.console.Shutdown(shut) // after the final collection: summaries
	}
	if p.limiter != nil {
		p.limiter.close()
	}
	if line := p.lostLine(); line != "" && p.report != nil {
		p.report(line)
	}
	return err
}

// deadlines splits ctx for Shutdown: the flush gets ctx's deadline less a
// reserve, at whose end the cut abandons every export; the providers'
// Shutdown gets a context of its own, which ends at ctx's deadline, so that
// the processors stop even when the flush used up the time.
func (p *Providers) deadlines(ctx context.Context) (flush, shut context.Context, done func()) {
	deadline, ok := ctx.Deadline()
	if !ok || p.cut == nil {
		stop := context.AfterFunc(ctx, func() {
			if p.cut != nil {
				p.cut()
			}
		})
		return ctx, context.WithoutCancel(ctx), func() { stop() }
	}
	reserve := min(time.Until(deadline)/10, 250*time.Millisecond)
	flush, cancelFlush := context.WithDeadline(ctx, deadline.Add(-reserve))
	stop := context.AfterFunc(flush, p.cut)
	shut, cancelShut := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	return flush, shut, func() { stop(); cancelFlush(); cancelShut() }
}

// each runs fn on each SDK provider concurrently and joins their errors in
// signal order, each one line prefixed with the signal and its destination.
func (p *Providers) each(fn func(signal, lifecycle) error) error {
	var errs [3]error
	var wg sync.WaitGroup
	for _, s := range signals {
		if lc := p.sdk[s.i]; lc != nil {
			wg.Go(func() { errs[s.i] = fn(s, lc) })
		}
	}
	wg.Wait()
	var lines []string
	for _, s := range signals {
		if err := errs[s.i]; err != nil {
			lines = append(lines, "exporters: "+s.name+" to "+p.targets[s.i]+": "+oneLine(err.Error()))
		}
	}
	if lines == nil {
		return nil
	}
	return p.mask(&providersError{msg: strings.Join(lines, "\n"), errs: slices.DeleteFunc(errs[:], func(e error) bool { return e == nil })})
}

// mask returns err with the secrets of its text masked, as every message
// of Setup's is printed; errors.Is and errors.As still see err.
func (p *Providers) mask(err error) error {
	if msg := err.Error(); p.redact != nil && p.redact(msg) != msg {
		return maskedError{msg: p.redact(msg), err: err}
	}
	return err
}

// providersError is the error of ForceFlush or Shutdown: one line per
// signal, wrapping each signal's errors.
type providersError struct {
	msg  string
	errs []error
}

func (e *providersError) Error() string   { return e.msg }
func (e *providersError) Unwrap() []error { return e.errs }

// joinDistinct joins the errors of a flush and a shutdown, dropping the
// one whose message the other's already holds (both hitting the same
// deadline) and the shutdown's abandoned exports when the flush failed.
func joinDistinct(flush, shut error) error {
	switch {
	case flush == nil || shut == nil:
	case errors.Is(shut, errCut), strings.Contains(flush.Error(), shut.Error()):
		return flush
	case strings.Contains(shut.Error(), flush.Error()):
		return shut
	}
	return errors.Join(flush, shut)
}
