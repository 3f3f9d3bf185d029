package otelstep

import (
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Option configures a [Run].
type Option interface {
	apply(config) config
}

type optFunc func(config) config

func (f optFunc) apply(c config) config { return f(c) }

type config struct {
	total      int
	tp         trace.TracerProvider
	mp         metric.MeterProvider
	lp         log.LoggerProvider
	noProgress bool
	handler    slog.Handler
	levels     *string
	runID      string
	source     bool
	liveAfter  time.Duration // WithLiveSteps

	// Seams for the tests, set by options of export_test.go.
	now    func() time.Time // the run's clock; nil: time.Now
	asleep chan<- struct{}  // told, without blocking, each time the watcher sleeps
}

func newConfig(opts []Option) config {
	c := config{source: true, liveAfter: DefaultLiveAfter}
	for _, o := range opts {
		if o != nil {
			c = o.apply(c)
		}
	}
	return c
}

// WithTotalSteps sets the number of steps the run is expected to take. It
// enables the [ProgressMetricName] gauge and the [StepsTotalKey] attribute.
// n <= 0 means the total is unknown, the default. [Run.SetTotal] changes it
// later.
func WithTotalSteps(n int) Option {
	return optFunc(func(c config) config {
		c.total = max(n, 0)
		return c
	})
}

// WithTracerProvider sets the tracer provider of the spans the run starts:
// the run span of [Start], the step spans of [Run.Start] and the marker
// spans of [WithLiveSteps]. By default the global provider is used, resolved
// when the spans are started, so a provider set after the run was made is
// honoured.
//
// Span events are added to the span in the context given to a step logger
// (or to the run span when that context has none), whichever provider made
// it.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optFunc(func(c config) config {
		c.tp = tp
		return c
	})
}

// WithMeterProvider sets the meter provider of all the run's metrics: the
// progress gauges ([StepsMetricName], [ProgressMetricName],
// [RemainingMetricName], [FinishedMetricName], [PlannedMetricName],
// [StepProgressMetricName]), the
// [ElapsedMetricName] gauge, the [DurationMetricName] histogram and the
// [ActiveRunsMetricName] counter. By default the global provider is used;
// instruments made from it before a global provider is set are delegated
// to that provider once it is.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optFunc(func(c config) config {
		c.mp = mp
		return c
	})
}

// WithLoggerProvider sets the logger provider the component loggers emit to.
// By default the global provider is used, with the same delegation as
// [WithMeterProvider].
func WithLoggerProvider(lp log.LoggerProvider) Option {
	return optFunc(func(c config) config {
		c.lp = lp
		return c
	})
}

// WithProgress turns the progress gauges on or off: [StepsMetricName],
// [ProgressMetricName], [RemainingMetricName], [FinishedMetricName],
// [PlannedMetricName] and [StepProgressMetricName].
// They are on by default.
func WithProgress(enabled bool) Option {
	return optFunc(func(c config) config {
		c.noProgress = !enabled
		return c
	})
}

// WithHandler sets a local slog handler that every component logger of the
// run also writes to, such as a [slog.TextHandler] on stderr. Its own level
// applies on top of the component's level. A nil h writes nowhere locally.
func WithHandler(h slog.Handler) Option {
	return optFunc(func(c config) config {
		c.handler = h
		return c
	})
}

// WithLevels sets the component levels from a specification in the syntax
// of [ParseLevels]. It takes precedence over the [EnvLogs] environment
// variable. A malformed spec is reported through the OpenTelemetry error
// handler once per process for each distinct value, as WithLevels("spec"),
// and its valid tokens apply; [Run.LevelsErr] returns the error to a caller
// that would rather fail. [Run.SetLevels] changes the levels later.
func WithLevels(spec string) Option {
	return optFunc(func(c config) config {
		c.levels = &spec
		return c
	})
}

// WithRunID adds the attribute [RunIDKey] with id to the run's metrics, span
// events and log records, so that concurrent runs of one name record separate
// gauge series instead of overwriting each other's.
//
// Every distinct id makes new metric series: use ids from a small, bounded
// set (a worker slot, a shard, a queue name) rather than a request or job id
// when the metrics backend charges by series.
func WithRunID(id string) Option {
	return optFunc(func(c config) config {
		c.runID = id
		return c
	})
}

// WithSource controls whether log records carry the source location of the
// line that logged them (code.file.path, code.line.number, code.function.name).
// It is on by default.
func WithSource(enabled bool) Option {
	return optFunc(func(c config) config {
		c.source = enabled
		return c
	})
}

// StepOption configures one step taken with [Run.Start].
type StepOption interface {
	applyStep(stepConfig) stepConfig
}

type stepOptFunc func(stepConfig) stepConfig

func (f stepOptFunc) applyStep(c stepConfig) stepConfig { return f(c) }

type stepConfig struct {
	label string
}

func newStepConfig(opts []StepOption) stepConfig {
	var c stepConfig
	for _, o := range opts {
		if o != nil {
			c = o.applyStep(c)
		}
	}
	return c
}

// WithLabel names a step for people: the span of a step started with
// [Run.Start] is named "Step N: label" ("Step 3: migrate users") instead of
// "Step N: component", so that the steps of one component tell apart in a
// trace view. The component stays in the [ComponentKey] attribute and in the
// step's log records, whose bodies keep the "Step N: msg" form. An empty
// label keeps the contract name; invalid UTF-8 is replaced by U+FFFD.
//
// [Run.StepLogger] takes no options: its step has no span to name. To tell
// such steps apart, give the logger attributes with With: they are added to
// the step's [StepEventName] event.
func WithLabel(label string) StepOption {
	return stepOptFunc(func(c stepConfig) stepConfig {
		if label != "" {
			c.label = sanitize(label)
		}
		return c
	})
}
