package otelstep

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// progress holds a run's gauges and the options they are recorded with,
// computed once per run.
type progress struct {
	steps    metric.Int64Gauge
	ratio    metric.Float64Gauge
	recordOp []metric.RecordOption
}

// newProgress makes the gauges from mp, or from the global meter provider
// when mp is nil. Instrument errors go to the OpenTelemetry error handler; the
// instruments returned alongside them are still safe to use.
func newProgress(mp metric.MeterProvider, attrs attribute.Set) *progress {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(ScopeName, metric.WithInstrumentationVersion(Version))
	steps, err := m.Int64Gauge(StepsMetricName,
		metric.WithUnit("{step}"),
		metric.WithDescription("Steps a run has taken."))
	if err != nil {
		otel.Handle(err)
	}
	ratio, err := m.Float64Gauge(ProgressMetricName,
		metric.WithUnit("1"),
		metric.WithDescription("Steps a run has taken over its expected total, from 0 to 1."))
	if err != nil {
		otel.Handle(err)
	}
	return &progress{
		steps:    steps,
		ratio:    ratio,
		recordOp: []metric.RecordOption{metric.WithAttributeSet(attrs)},
	}
}

// record records n steps taken of total (total <= 0: unknown).
func (p *progress) record(ctx context.Context, n int64, total int) {
	p.steps.Record(ctx, n, p.recordOp...)
	if total > 0 {
		p.ratio.Record(ctx, min(float64(n)/float64(total), 1), p.recordOp...)
	}
}
