package exporters

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelstep/otelstep/otelstep/console"
)

// Providers holds the SDK providers built by [Setup]. The fields are never
// nil, also when the SDK is disabled.
type Providers struct {
	TracerProvider *sdktrace.TracerProvider
	MeterProvider  *sdkmetric.MeterProvider
	LoggerProvider *sdklog.LoggerProvider
	Resource       *resource.Resource

	disabled bool
	// targets describes each signal's destination for error messages,
	// indexed like signals.
	targets [3]string

	console     *console.View // the console view, shut down after the providers
	spans, logs counts        // see Stats
	limiter     *errorLimiter // the global error handler, or nil
	report      func(string)  // writes a line to the console or WithErrorHandler's handler
	redact      func(string) string

	shutdownOnce sync.Once
}

// Queue defaults Setup applies when the OTEL_BSP_* and OTEL_BLRP_*
// variables are unset (see "Queues" in the package documentation).
const (
	DefaultSpanQueueSize      = 131072 // OTEL_BSP_MAX_QUEUE_SIZE; SDK default 2048
	DefaultLogQueueSize       = 262144 // OTEL_BLRP_MAX_QUEUE_SIZE, allocated as needed; SDK default 2048
	DefaultMaxExportBatchSize = 2048   // both; SDK default 512
	DefaultScheduleDelay      = time.Second

	defaultLogExportTimeout = 30 * time.Second // OTEL_BLRP_EXPORT_TIMEOUT, as the SDK's
)

// testExporters, set by benchmarks, replaces the exporters and metric reader
// autoexport would build (otlp, none, prometheus), keeping every processor
// Setup puts in front of them.
var testExporters *struct {
	spans   sdktrace.SpanExporter
	logs    sdklog.Exporter
	metrics sdkmetric.Reader
}

// Setup builds tracer, meter and logger providers from the standard OTEL_*
// environment (see the package documentation for the rules), and unless
// WithGlobals(false) installs them and the W3C tracecontext + baggage
// propagator as the otel globals.
//
// A variable with a value Setup cannot use makes it return an error naming
// the variable, the value (never for headers) and what is accepted, each
// problem an [*EnvError], all of them joined. Call [Providers.Shutdown] on
// every exit path to flush, with a deadline (see Shutdown).
func Setup(ctx context.Context, opts ...Option) (*Providers, error) {
	c := newConfig(opts)
	e := env{lookup: os.LookupEnv}
	disabled, err := e.sdkDisabled()
	if err != nil {
		return nil, err
	}
	if disabled {
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

	con := newConsole(c.console)
	res = cleanResource(res)
	p := &Providers{Resource: res, redact: secrets(e), console: con}
	p.report = func(line string) { _, _ = con.Write([]byte(line + "\n")) }
	if c.errorHandler != nil {
		h := c.errorHandler
		p.report = func(line string) { h.Handle(errors.New(line)) }
	}
	for i, s := range signals {
		p.targets[i] = pl.exporter[s.name]
		if p.targets[i] == exporterOTLP {
			p.targets[i] = e.target(s)
		}
	}
	fail := func(err error) (*Providers, error) {
		return nil, errors.Join(err, p.shutdownAll(ctx))
	}

	// autoexport builds the exporter each variable names (otlp, none,
	// prometheus); the console view serves "console" (not autoexport's JSON)
	// and the fallback when nothing is configured, a rule over all three
	// signals that plan decides.
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithRawSpanLimits(spanLimits())}
	var spanExp sdktrace.SpanExporter
	switch {
	case pl.exporter[sigTraces.name] == exporterConsole:
		spanExp = con.SpanExporter()
	case testExporters != nil:
		spanExp = testExporters.spans
	default:
		spanExp, err = autoexport.NewSpanExporter(ctx)
	}
	if err != nil {
		return fail(fmt.Errorf("exporters: creating the traces exporter (%s): %w", p.targets[0], err))
	}
	switch {
	case autoexport.IsNoneSpanExporter(spanExp):
	case pl.exporter[sigTraces.name] == exporterConsole:
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(countingSpanProcessor{sdktrace.NewSimpleSpanProcessor(p.spanExporter(spanExp)), &p.spans}))
	default:
		bsp := sdktrace.NewBatchSpanProcessor(p.spanExporter(spanExp), bspOptions()...)
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(countingSpanProcessor{bsp, &p.spans}))
	}
	p.TracerProvider = sdktrace.NewTracerProvider(tpOpts...)

	mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res)}
	var reader sdkmetric.Reader
	switch {
	case pl.exporter[sigMetrics.name] == exporterConsole:
		reader = con.MetricReader()
	case testExporters != nil:
		reader = testExporters.metrics
	default:
		reader, err = autoexport.NewMetricReader(ctx)
	}
	if err != nil {
		return fail(fmt.Errorf("exporters: creating the metrics reader (%s): %w", p.targets[1], err))
	}
	if !autoexport.IsNoneMetricReader(reader) {
		mpOpts = append(mpOpts, sdkmetric.WithReader(reader))
	}
	p.MeterProvider = sdkmetric.NewMeterProvider(mpOpts...)

	lpOpts := []sdklog.LoggerProviderOption{sdklog.WithResource(res), sdklog.WithAttributeValueLengthLimit(logValueLengthLimit())}
	var logExp sdklog.Exporter
	switch {
	case pl.exporter[sigLogs.name] == exporterConsole:
		logExp = con.LogExporter()
	case testExporters != nil:
		logExp = testExporters.logs
	default:
		logExp, err = autoexport.NewLogExporter(ctx)
	}
	if err != nil {
		return fail(fmt.Errorf("exporters: creating the logs exporter (%s): %w", p.targets[2], err))
	}
	switch {
	case autoexport.IsNoneLogExporter(logExp):
	case pl.exporter[sigLogs.name] == exporterConsole:
		lpOpts = append(lpOpts, sdklog.WithProcessor(countingLogProcessor{sdklog.NewSimpleProcessor(p.logExporter(logExp)), &p.logs}))
	default:
		lpOpts = append(lpOpts, sdklog.WithProcessor(countingLogProcessor{newLogProcessor(p.logExporter(logExp)), &p.logs}))
	}
	p.LoggerProvider = sdklog.NewLoggerProvider(lpOpts...)

	if c.globals {
		otel.SetTracerProvider(p.TracerProvider)
		otel.SetMeterProvider(p.MeterProvider)
		otel.SetLoggerProvider(p.LoggerProvider)
		otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
			propagation.TraceContext{}, propagation.Baggage{}))
		write := func(line string) { _, _ = con.Write([]byte(line + "\n")) }
		p.limiter = newErrorLimiter(c.errorInterval, write, c.errorHandler, p.redact, p.targets[1])
		otel.SetErrorHandler(p.limiter)
	}
	return p, nil
}

// disabledProviders returns the providers for OTEL_SDK_DISABLED=true: SDK
// providers with nothing attached (no processor, no reader), an empty
// resource, and no globals set.
func disabledProviders(w io.Writer) *Providers {
	return &Providers{
		console:        newConsole(w), // for Console only: no exporter, no reader
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample())),
		MeterProvider:  sdkmetric.NewMeterProvider(),
		LoggerProvider: sdklog.NewLoggerProvider(),
		Resource:       resource.Empty(),
		disabled:       true,
	}
}

// Disabled reports whether OTEL_SDK_DISABLED=true made Setup build inert
// providers. It is false for a nil p.
func (p *Providers) Disabled() bool { return p != nil && p.disabled }

// ForceFlush exports everything buffered by the three providers now, without
// stopping them (the console view prints the current values of the
// application's own metrics). It honours ctx's deadline; errors are joined,
// each naming its signal and destination.
func (p *Providers) ForceFlush(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return p.each(ctx,
		func(ctx context.Context) error { return flushTP(ctx, p.TracerProvider) },
		func(ctx context.Context) error { return flushMP(ctx, p.MeterProvider) },
		func(ctx context.Context) error { return flushLP(ctx, p.LoggerProvider) },
	)
}

// Shutdown flushes and stops the three providers, concurrently, so that a
// short-lived job exports its last spans, logs and metric values (a final
// collection). It returns by ctx's deadline even when a backend is down;
// errors are joined, each naming its signal and destination. Calls after the
// first, and calls on a nil p, do nothing and return nil.
//
// Without a deadline (context.Background()) it waits for the exports in
// flight, each bounded by OTEL_EXPORTER_OTLP_TIMEOUT (10 s by default,
// retries included): with grpc and the backend down (port closed or not
// answering) that is the whole timeout; with http/protobuf a closed port
// fails at once and a backend that never answers takes the whole timeout;
// the console view and "none" return at once.
func (p *Providers) Shutdown(ctx context.Context) error {
	if p == nil {
		return nil
	}
	var err error
	p.shutdownOnce.Do(func() { err = p.shutdownAll(ctx) })
	return err
}

func (p *Providers) shutdownAll(ctx context.Context) error {
	err := p.each(ctx,
		func(ctx context.Context) error {
			if p.TracerProvider == nil {
				return nil
			}
			// ForceFlush first: Shutdown sends export errors to otel.Handle
			// instead of returning them.
			defer p.spans.final.Store(true)
			return joinDistinct(flushTP(ctx, p.TracerProvider), p.TracerProvider.Shutdown(ctx))
		},
		func(ctx context.Context) error {
			if p.MeterProvider == nil {
				return nil
			}
			return p.MeterProvider.Shutdown(ctx)
		},
		func(ctx context.Context) error {
			if p.LoggerProvider == nil {
				return nil
			}
			defer p.logs.final.Store(true)
			return joinDistinct(flushLP(ctx, p.LoggerProvider), p.LoggerProvider.Shutdown(ctx))
		},
	)
	if p.console != nil {
		_ = p.console.Shutdown(ctx) // after the final collection: summaries
	}
	if p.limiter != nil {
		p.limiter.close()
	}
	if line := p.lostLine(); line != "" && p.report != nil {
		p.report(line)
	}
	return err
}

// lostLine is the Shutdown warning about lost spans and log records, or ""
// when nothing was lost.
func (p *Providers) lostLine() string {
	s := p.Stats()
	lostSpans, lostLogs := s.SpansDropped+s.SpansFailed, s.LogsDropped+s.LogsFailed
	if lostSpans == 0 && lostLogs == 0 {
		return ""
	}
	return fmt.Sprintf("exporters: lost %d of %d spans (%d dropped, %d failed) and %d of %d log records (%d dropped, %d failed); dropped: queue full or Shutdown deadline, failed: export error",
		lostSpans, s.SpansEnded, s.SpansDropped, s.SpansFailed, lostLogs, s.LogsEmitted, s.LogsDropped, s.LogsFailed)
}

// bspOptions returns the batch span processor options for the OTEL_BSP_*
// variables that are unset.
func bspOptions() []sdktrace.BatchSpanProcessorOption {
	var opts []sdktrace.BatchSpanProcessorOption
	q, set := processInt("OTEL_BSP_MAX_QUEUE_SIZE")
	if !set {
		q = DefaultSpanQueueSize
		opts = append(opts, sdktrace.WithMaxQueueSize(q))
	}
	if _, set := processInt("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"); !set {
		opts = append(opts, sdktrace.WithMaxExportBatchSize(min(DefaultMaxExportBatchSize, q)))
	}
	if _, set := processInt("OTEL_BSP_SCHEDULE_DELAY"); !set {
		opts = append(opts, sdktrace.WithBatchTimeout(DefaultScheduleDelay))
	}
	return opts
}

// newLogProcessor returns the batching log processor for exp, configured
// by the OTEL_BLRP_* variables that are set and Setup's defaults otherwise.
func newLogProcessor(exp sdklog.Exporter) *logBatcher {
	q, set := processInt("OTEL_BLRP_MAX_QUEUE_SIZE")
	if !set {
		q = DefaultLogQueueSize
	}
	batch, set := processInt("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE")
	if !set {
		batch = DefaultMaxExportBatchSize
	}
	delay := DefaultScheduleDelay
	if ms, set := processInt("OTEL_BLRP_SCHEDULE_DELAY"); set {
		delay = time.Duration(ms) * time.Millisecond
	}
	timeout := defaultLogExportTimeout
	if ms, set := processInt("OTEL_BLRP_EXPORT_TIMEOUT"); set {
		timeout = time.Duration(ms) * time.Millisecond
	}
	return newLogBatcher(exp, q, batch, max(delay, time.Millisecond), max(timeout, time.Millisecond))
}

// each runs one function per signal concurrently and joins their errors in
// signal order, prefixed with the signal and its destination.
func (p *Providers) each(ctx context.Context, fns ...func(context.Context) error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = fn(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			errs[i] = fmt.Errorf("exporters: %s to %s: %w", signals[i].name, p.targets[i], err)
		}
	}
	err := errors.Join(errs...)
	if err != nil && p.redact != nil {
		if msg := p.redact(err.Error()); msg != err.Error() {
			return errors.New(msg) // a header value in an error: never show it
		}
	}
	return err
}

func flushTP(ctx context.Context, tp *sdktrace.TracerProvider) error {
	if tp == nil {
		return nil
	}
	return tp.ForceFlush(ctx)
}

func flushMP(ctx context.Context, mp *sdkmetric.MeterProvider) error {
	if mp == nil {
		return nil
	}
	return mp.ForceFlush(ctx)
}

func flushLP(ctx context.Context, lp *sdklog.LoggerProvider) error {
	if lp == nil {
		return nil
	}
	return lp.ForceFlush(ctx)
}

// joinDistinct joins a and b, dropping the one whose message the other's
// already holds (a flush and a shutdown both hitting the same deadline:
// "context deadline exceeded: retry-able request failure: ..." and
// "context deadline exceeded"), so that each line of the error names its
// signal.
func joinDistinct(a, b error) error {
	switch {
	case a == nil || b == nil:
	case strings.Contains(a.Error(), b.Error()):
		return a
	case strings.Contains(b.Error(), a.Error()):
		return b
	}
	return errors.Join(a, b)
}
