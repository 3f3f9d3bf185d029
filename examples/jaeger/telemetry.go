package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/exporters"
	"github.com/otelstep/otelstep/otelstep"
)

// defaultService is the service.name unless OTEL_SERVICE_NAME or
// OTEL_RESOURCE_ATTRIBUTES say otherwise.
const defaultService = "otelstep-demo"

// demoEnv is the demo's telemetry: the SDK providers from exporters.Setup.
type demoEnv struct {
	providers *exporters.Providers
	service   string
	endpoint  string // where the traces go, for messages (exporters: never a secret)
	levels    levelControl

	once sync.Once
}

func setup(ctx context.Context) (*demoEnv, error) {
	p, err := exporters.Setup(ctx, exporters.WithServiceName(defaultService))
	if err != nil {
		return nil, err
	}
	return &demoEnv{providers: p, service: serviceName(p), endpoint: p.Destination("traces")}, nil
}

// runOptions hands the Setup providers to otelstep explicitly (it would
// otherwise use the globals, which Setup also sets), and the component
// levels set through /admin/levels.
func (e *demoEnv) runOptions() []otelstep.Option {
	opts := e.levels.options()
	if p := e.providers.TracerProvider; p != nil {
		opts = append(opts, otelstep.WithTracerProvider(p))
	}
	if p := e.providers.MeterProvider; p != nil {
		opts = append(opts, otelstep.WithMeterProvider(p))
	}
	if p := e.providers.LoggerProvider; p != nil {
		opts = append(opts, otelstep.WithLoggerProvider(p))
	}
	return opts
}

// shutdown flushes and stops the providers once, within shutdownTimeout.
// A failure (backend down) is reported on stderr and otherwise ignored.
func (e *demoEnv) shutdown() {
	e.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := e.providers.Shutdown(ctx); err != nil {
			fmt.Fprintf(e.providers.Console(), "otelstep-demo: flushing telemetry to %s failed: %v\n", e.endpoint, err)
		}
	})
}

// serviceName reads service.name from the resource Setup built.
func serviceName(p *exporters.Providers) string {
	if p.Resource != nil {
		for _, kv := range p.Resource.Attributes() {
			if kv.Key == "service.name" {
				return kv.Value.AsString()
			}
		}
	}
	if s := os.Getenv("OTEL_SERVICE_NAME"); s != "" {
		return s
	}
	return defaultService
}

// tracerProvider is the Setup tracer provider, or the global one.
func tracerProvider(e *demoEnv) trace.TracerProvider {
	if tp := e.providers.TracerProvider; tp != nil {
		return tp
	}
	return otel.GetTracerProvider()
}

// meterProvider is the Setup meter provider, or the global one.
func meterProvider(e *demoEnv) metric.MeterProvider {
	if mp := e.providers.MeterProvider; mp != nil {
		return mp
	}
	return otel.GetMeterProvider()
}
