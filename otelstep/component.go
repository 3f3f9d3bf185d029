package otelstep

import (
	"log/slog"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
)

// component is what a Run knows about one of its components. It is
// immutable once made.
type component struct {
	run    *Run
	name   string
	level  slog.Level
	logger *slog.Logger

	attr     attribute.KeyValue // otelstep.component
	slogAttr slog.Attr          // otelstep.component
	events   otellog.Logger     // for the log-based step events
	durOpts  [numResults][]metric.RecordOption
	series   series // run + component: step progress and elapsed
}

// component returns the run's component named name, making it on first use.
func (r *Run) component(name string) *component {
	name = sanitize(name)
	r.mu.RLock()
	c, ok := r.components[name]
	r.mu.RUnlock()
	if ok {
		return c
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.components[name]; ok {
		return c
	}
	c = &component{
		run:      r,
		name:     name,
		level:    r.levels.Level(name),
		attr:     ComponentKey.String(name),
		slogAttr: slog.String(string(ComponentKey), name),
	}
	c.durOpts = durationOpts(r.runAttrs, c.attr)
	c.series = newSeries(r.runAttrs, c.attr)
	lp := r.cfg.lp
	if lp == nil {
		lp = otel.GetLoggerProvider()
	}
	c.events = lp.Logger(name, otellog.WithInstrumentationVersion(Version))
	opts := []otelslog.Option{
		otelslog.WithVersion(Version),
		otelslog.WithSource(r.cfg.source),
		otelslog.WithLoggerProvider(lp),
	}
	c.logger = slog.New(&handler{
		comp:   c,
		otel:   otelslog.NewHandler(name, opts...),
		local:  r.cfg.handler,
		direct: r.cfg.handler == nil,
	})
	r.components[name] = c
	r.order = append(r.order, c)
	return c
}
