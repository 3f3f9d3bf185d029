// Package benchbase is the yardstick of otelstep's benchmarks
// (exporters/bench_test.go, otelstep/bench_test.go): the same telemetry
// contract written the straightforward way.
package benchbase

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/otelstep"
)

// Baseline is a straightforward implementation of the telemetry contract,
// the yardstick of the performance targets. A step writes what an otelstep
// StepLogger step with one message writes, with the same attributes: the
// step event; the gauges steps, finished, progress and remaining (planned
// when the total changes); the log record through otelslog with source; the
// log event. The gauges' attribute option is made once, as a careful
// implementation would.
type Baseline struct {
	logger    *slog.Logger
	steps     metric.Int64Gauge
	finished  metric.Int64Gauge
	planned   metric.Int64Gauge
	ratio     metric.Float64Gauge
	remaining metric.Float64Gauge
	opts      metric.MeasurementOption
	began     time.Time
	total     int
	n         atomic.Int64
	mu        sync.Mutex // orders the gauge records of concurrent steps
	planned0  bool       // planned was recorded
}

// New returns a Baseline of a run of total steps over mp and lp.
func New(mp metric.MeterProvider, lp otellog.LoggerProvider, total int) *Baseline {
	m := mp.Meter("baseline")
	b := &Baseline{
		logger: otelslog.NewLogger("parse", otelslog.WithLoggerProvider(lp), otelslog.WithSource(true)),
		opts:   metric.WithAttributes(attribute.String("otelstep.run", "bench")),
		began:  time.Now(),
		total:  total,
	}
	b.steps, _ = m.Int64Gauge(otelstep.StepsMetricName)
	b.finished, _ = m.Int64Gauge(otelstep.FinishedMetricName)
	b.planned, _ = m.Int64Gauge(otelstep.PlannedMetricName)
	b.ratio, _ = m.Float64Gauge(otelstep.ProgressMetricName)
	b.remaining, _ = m.Float64Gauge(otelstep.RemainingMetricName)
	return b
}

// Step takes a step of component with one Info message msg, as an
// otelstep StepLogger step with one message does.
func (b *Baseline) Step(ctx context.Context, component, msg string) {
	n := b.n.Add(1)
	span := trace.SpanFromContext(ctx)
	span.AddEvent(otelstep.StepEventName, trace.WithAttributes(
		attribute.String("otelstep.run", "bench"),
		attribute.Int64("otelstep.step.number", n),
		attribute.String("otelstep.component", component),
		attribute.Int("otelstep.steps.total", b.total),
	))
	b.mu.Lock()
	b.steps.Record(ctx, n, b.opts)
	b.finished.Record(ctx, n, b.opts)
	if !b.planned0 {
		b.planned.Record(ctx, int64(b.total), b.opts)
		b.planned0 = true
	}
	b.ratio.Record(ctx, float64(n)/float64(b.total), b.opts)
	left := time.Since(b.began).Seconds() * float64(int64(b.total)-n) / float64(n)
	b.remaining.Record(ctx, left, b.opts)
	b.mu.Unlock()

	body := fmt.Sprintf("Step %d: %s", n, msg)
	b.logger.InfoContext(ctx, body,
		"otelstep.step.number", n, "otelstep.component", component, "otelstep.run", "bench")
	span.AddEvent(otelstep.LogEventName, trace.WithAttributes(
		attribute.String("otelstep.run", "bench"),
		attribute.Int64("otelstep.step.number", n),
		attribute.String("otelstep.component", component),
		attribute.String("log.severity", "INFO"),
		attribute.String("log.message", body),
	))
}
