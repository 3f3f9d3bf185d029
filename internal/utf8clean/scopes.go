package utf8clean

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	logembedded "go.opentelemetry.io/otel/log/embedded"
	"go.opentelemetry.io/otel/metric"
	metricembedded "go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/trace"
	traceembedded "go.opentelemetry.io/otel/trace/embedded"
)

// The providers below clean the instrumentation scope (name, version,
// schema URL, attributes) where it is made, when a tracer, meter or logger
// is asked for: a log record's scope cannot be changed later. The tracers,
// meters and loggers are the wrapped provider's own.

// TracerProvider returns tp cleaning the scopes of its tracers.
func TracerProvider(tp trace.TracerProvider) trace.TracerProvider { return tracerProvider{tp: tp} }

// MeterProvider returns mp cleaning the scopes of its meters.
func MeterProvider(mp metric.MeterProvider) metric.MeterProvider { return meterProvider{mp: mp} }

// LoggerProvider returns lp cleaning the scopes of its loggers.
func LoggerProvider(lp log.LoggerProvider) log.LoggerProvider { return loggerProvider{lp: lp} }

type tracerProvider struct {
	traceembedded.TracerProvider
	tp trace.TracerProvider
}

func (p tracerProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	c := trace.NewTracerConfig(opts...)
	if n, v, u, a, ok := scope(name, c.InstrumentationVersion(), c.SchemaURL(), c.InstrumentationAttributes()); !ok {
		return p.tp.Tracer(n, trace.WithInstrumentationVersion(v), trace.WithSchemaURL(u), trace.WithInstrumentationAttributeSet(a))
	}
	return p.tp.Tracer(name, opts...)
}

type meterProvider struct {
	metricembedded.MeterProvider
	mp metric.MeterProvider
}

func (p meterProvider) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	c := metric.NewMeterConfig(opts...)
	if n, v, u, a, ok := scope(name, c.InstrumentationVersion(), c.SchemaURL(), c.InstrumentationAttributes()); !ok {
		return p.mp.Meter(n, metric.WithInstrumentationVersion(v), metric.WithSchemaURL(u), metric.WithInstrumentationAttributeSet(a))
	}
	return p.mp.Meter(name, opts...)
}

type loggerProvider struct {
	logembedded.LoggerProvider
	lp log.LoggerProvider
}

func (p loggerProvider) Logger(name string, opts ...log.LoggerOption) log.Logger {
	c := log.NewLoggerConfig(opts...)
	if n, v, u, a, ok := scope(name, c.InstrumentationVersion(), c.SchemaURL(), c.InstrumentationAttributes()); !ok {
		return p.lp.Logger(n, log.WithInstrumentationVersion(v), log.WithSchemaURL(u), log.WithInstrumentationAttributeSet(a))
	}
	return p.lp.Logger(name, opts...)
}

// scope cleans the parts of an instrumentation scope and reports whether
// they were all valid.
func scope(name, version, schemaURL string, attrs attribute.Set) (string, string, string, attribute.Set, bool) {
	n, nok := String(name)
	v, vok := String(version)
	u, uok := String(schemaURL)
	a, aok := Set(attrs)
	return n, v, u, a, nok && vok && uok && aok
}
