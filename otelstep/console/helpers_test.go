package console_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/console"
)

// providers are real SDK providers wired to a view as exporters.Setup wires
// them: simple processors and the view's reader (and more readers).
type providers struct {
	view *console.View
	tp   *sdktrace.TracerProvider
	mp   *sdkmetric.MeterProvider
	lp   *sdklog.LoggerProvider
}

func newProviders(v *console.View, more ...sdkmetric.Reader) *providers {
	opts := []sdkmetric.Option{sdkmetric.WithReader(v.MetricReader())}
	for _, r := range more {
		opts = append(opts, sdkmetric.WithReader(r))
	}
	return &providers{
		view: v,
		tp:   sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(v.SpanExporter()))),
		mp:   sdkmetric.NewMeterProvider(opts...),
		lp:   sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(v.LogExporter()))),
	}
}

// opts are the otelstep options that send a run's telemetry to p.
func (p *providers) opts(more ...otelstep.Option) []otelstep.Option {
	return append([]otelstep.Option{
		otelstep.WithTracerProvider(p.tp),
		otelstep.WithMeterProvider(p.mp),
		otelstep.WithLoggerProvider(p.lp),
		otelstep.WithLevels("+all"),
	}, more...)
}

// shutdown shuts the providers down, then the view, in exporters.Setup's
// order.
func (p *providers) shutdown(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	for _, err := range []error{p.tp.Shutdown(ctx), p.lp.Shutdown(ctx), p.mp.Shutdown(ctx), p.view.Shutdown(ctx)} {
		if err != nil {
			t.Error(err)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the view's redraw goroutine and
// the test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
