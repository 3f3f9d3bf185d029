package otelsteptest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the root span of
// [Recorder.Context].
const ScopeName = "github.com/otelstep/otelstep/otelstep/otelsteptest"

// Recorder holds in-memory tracer, meter and logger providers and reads back
// what otelstep recorded through them. Make one with [New] or [NewRecorder].
//
// A Recorder is safe for concurrent use.
type Recorder struct {
	spans  *tracetest.SpanRecorder
	logs   *logExporter
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
	mp     *sdkmetric.MeterProvider
	lp     *sdklog.LoggerProvider

	rootOnce sync.Once
	rootCtx  context.Context
	root     trace.Span

	shutOnce sync.Once
	shutErr  error
	mu       sync.Mutex
	final    *metricdata.ResourceMetrics // the metrics collected by Shutdown
}

// New returns a Recorder that is shut down when tb's test ends, reporting a
// failure to shut down as a test error.
func New(tb testing.TB) *Recorder {
	tb.Helper()
	r := NewRecorder()
	tb.Cleanup(func() {
		if err := r.Shutdown(context.Background()); err != nil {
			tb.Errorf("otelsteptest: shutdown: %v", err)
		}
	})
	return r
}

// NewRecorder returns a Recorder for use outside a test function, such as
// in an Example or a TestMain. The caller shuts it down with
// [Recorder.Shutdown].
//
// The providers are configured explicitly, so that the OTEL_* environment
// variables do not change what is recorded: every span is sampled, span
// events, span attributes and log record attributes are unlimited, and the
// resource is empty.
func NewRecorder() *Recorder {
	r := &Recorder{
		spans:  tracetest.NewSpanRecorder(),
		logs:   &logExporter{},
		reader: sdkmetric.NewManualReader(),
	}
	limits := sdktrace.NewSpanLimits()
	limits.EventCountLimit = -1 // the default, 128, drops the events of long runs
	limits.AttributeCountLimit = -1
	limits.AttributePerEventCountLimit = -1
	r.tp = sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(r.spans),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithRawSpanLimits(limits),
		sdktrace.WithResource(resource.Empty()),
	)
	r.mp = sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(r.reader),
		sdkmetric.WithResource(resource.Empty()),
	)
	r.lp = sdklog.NewLoggerProvider(
		sdklog.WithProcessor(sdklog.NewSimpleProcessor(r.logs)),
		sdklog.WithAttributeCountLimit(-1),
		sdklog.WithAttributeValueLengthLimit(-1),
		sdklog.WithResource(resource.Empty()),
	)
	return r
}

// Options returns the options that wire a run to the recorder's providers:
// [otelstep.WithTracerProvider], [otelstep.WithMeterProvider] and
// [otelstep.WithLoggerProvider].
func (r *Recorder) Options() []otelstep.Option {
	return []otelstep.Option{
		otelstep.WithTracerProvider(r.tp),
		otelstep.WithMeterProvider(r.mp),
		otelstep.WithLoggerProvider(r.lp),
	}
}

// NewRun returns a run named name with the recorder's [Recorder.Options]
// followed by opts, started with [otelstep.Start] under the root span of
// [Recorder.Context]: steps and messages given a context without a span of
// its own (context.Background(), say) hang under the run's span, so that
// [Recorder.Steps] finds them. [otelstep.Run.End] ends the run span.
func (r *Recorder) NewRun(name string, opts ...otelstep.Option) *otelstep.Run {
	_, run := otelstep.Start(r.Context(), name, append(r.Options(), opts...)...)
	return run
}

// Context returns a context carrying the recorder's root span: a recording
// span of [Recorder.TracerProvider] named "otelsteptest", started on the
// first call and ended by [Recorder.Shutdown]. Every call returns the same
// context. Step loggers given it add their [otelstep.StepEventName] events to
// the root span, where [Recorder.Steps] finds them. After Shutdown, with no
// root span started before, it returns [context.Background].
func (r *Recorder) Context() context.Context {
	r.rootOnce.Do(func() {
		r.rootCtx, r.root = r.tp.Tracer(ScopeName).Start(context.Background(), "otelsteptest")
	})
	if r.rootCtx == nil {
		return context.Background()
	}
	return r.rootCtx
}

// TracerProvider returns the recorder's tracer provider, to start the spans
// a test gives its step loggers.
func (r *Recorder) TracerProvider() *sdktrace.TracerProvider { return r.tp }

// MeterProvider returns the recorder's meter provider.
func (r *Recorder) MeterProvider() *sdkmetric.MeterProvider { return r.mp }

// LoggerProvider returns the recorder's logger provider.
func (r *Recorder) LoggerProvider() *sdklog.LoggerProvider { return r.lp }

// Shutdown ends the root span of [Recorder.Context], collects the metrics one
// last time and shuts the providers down. Later calls return the error of the
// first. The accessors keep working after Shutdown; the metrics ones return
// the values collected then.
func (r *Recorder) Shutdown(ctx context.Context) error {
	r.shutOnce.Do(func() {
		r.rootOnce.Do(func() {}) // no root span after Shutdown
		if r.root != nil {
			r.root.End()
		}
		var rm metricdata.ResourceMetrics
		errCollect := r.reader.Collect(ctx, &rm)
		r.mu.Lock()
		r.final = &rm
		r.mu.Unlock()
		r.shutErr = errors.Join(
			errCollect,
			r.tp.Shutdown(ctx),
			r.mp.Shutdown(ctx),
			r.lp.Shutdown(ctx),
		)
	})
	return r.shutErr
}

// Spans returns a snapshot of the spans that have ended, in the order they
// ended. [Recorder.Steps] reads the spans whether they ended or not.
func (r *Recorder) Spans() tracetest.SpanStubs {
	return tracetest.SpanStubsFromReadOnlySpans(r.spans.Ended())
}
