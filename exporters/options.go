package exporters

import (
	"io"
	"os"
	"time"

	"go.opentelemetry.io/otel"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Option configures [Setup].
type Option interface {
	apply(config) config
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// config is the result of applying every Option.
type config struct {
	serviceName    string
	serviceVersion string
	globals        bool
	console        io.Writer
	errorHandler   otel.ErrorHandler
	errorInterval  time.Duration
	exporters      *exporterSet // replaces what OTLP would build (benchmarks)
}

// exporterSet is what withExporters puts in place of the OTLP exporters.
type exporterSet struct {
	spans   sdktrace.SpanExporter
	metrics sdkmetric.Exporter
	logs    sdklog.Exporter
}

func newConfig(opts []Option) config {
	c := config{globals: true, console: os.Stderr}
	for _, o := range opts {
		if o != nil {
			c = o.apply(c)
		}
	}
	return c
}

// WithServiceName sets the service.name resource attribute the code ships
// with. It is a default: OTEL_RESOURCE_ATTRIBUTES (service.name=...) and
// OTEL_SERVICE_NAME, in that increasing order of precedence, override it, so
// operators can rename a service without a rebuild. An empty name is ignored.
// Without this option and without those variables the name is
// "unknown_service:<executable name>", as the specification asks.
func WithServiceName(name string) Option {
	return optionFunc(func(c config) config {
		if name != "" {
			c.serviceName = name
		}
		return c
	})
}

// WithServiceVersion sets the service.version resource attribute, overriding
// the main module version read from the build information. Like
// [WithServiceName] it is a default that OTEL_RESOURCE_ATTRIBUTES overrides.
// An empty version is ignored.
func WithServiceVersion(v string) Option {
	return optionFunc(func(c config) config {
		if v != "" {
			c.serviceVersion = v
		}
		return c
	})
}

// WithGlobals chooses whether [Setup] installs its providers as the otel
// global tracer, meter and logger providers and sets the global propagator
// from OTEL_PROPAGATORS (W3C tracecontext + baggage when unset). The default
// is true. It also installs the
// global error handler (otel.SetErrorHandler) that reports export errors
// rate-limited on the console writer: see "Errors and lost telemetry" in
// the package documentation.
func WithGlobals(set bool) Option {
	return optionFunc(func(c config) config {
		c.globals = set
		return c
	})
}

// WithConsole sets where the console view writes (see "Console" in the
// package documentation); OTELSTEP_CONSOLE=auto shows the view beside the
// exporters when it is a terminal. The default is os.Stderr; nil restores it.
func WithConsole(w io.Writer) Option {
	return optionFunc(func(c config) config {
		if w == nil {
			w = os.Stderr
		}
		c.console = w
		return c
	})
}

// WithErrorHandler sends the errors [Setup]'s global error handler lets
// through to h instead of the console writer: the first error of each kind
// with its secrets masked (errors.Is and errors.As still see the error
// itself), repeats as one [*SummaryError] per kind and interval (and at
// Shutdown). The handler is installed only with WithGlobals(true), the
// default. nil restores the console.
func WithErrorHandler(h otel.ErrorHandler) Option {
	return optionFunc(func(c config) config {
		c.errorHandler = h
		return c
	})
}

// withExporters makes Setup use spans, metrics and logs where the
// environment names the OTLP exporters, keeping every processor and wrapper
// Setup puts in front of them (benchmarks).
func withExporters(spans sdktrace.SpanExporter, metrics sdkmetric.Exporter, logs sdklog.Exporter) Option {
	return optionFunc(func(c config) config {
		c.exporters = &exporterSet{spans, metrics, logs}
		return c
	})
}

// withErrorInterval sets the summary interval (tests).
func withErrorInterval(d time.Duration) Option {
	return optionFunc(func(c config) config {
		c.errorInterval = d
		return c
	})
}
