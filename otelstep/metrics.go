package otelstep

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// durationBuckets are the bucket boundaries of the step duration histogram,
// in seconds: from 5 ms, as the OTel semantic conventions advise for
// durations, up to an hour, since a step of a deployment or a model
// compilation can take that long.
var durationBuckets = []float64{
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
}

// instruments are a run's metric instruments and the record options of its
// series, computed once per run.
type instruments struct {
	steps    metric.Int64Gauge   // nil with WithProgress(false)
	ratio    metric.Float64Gauge // nil with WithProgress(false)
	duration metric.Float64Histogram
	active   metric.Int64UpDownCounter

	runOpts []metric.RecordOption // otelstep.run (+ otelstep.run.id)
	addOpts []metric.AddOption

	mu       sync.Mutex // orders the gauge records of concurrent steps
	recorded int64      // the highest step count recorded
}

// newInstruments makes a run's instruments from mp, or from the global meter
// provider when mp is nil. Instrument errors go to the OpenTelemetry error
// handler; the instruments returned alongside them are still safe to use.
func newInstruments(mp metric.MeterProvider, progress bool, attrs attribute.Set) *instruments {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(ScopeName, metric.WithInstrumentationVersion(Version))
	set := metric.WithAttributeSet(attrs)
	ins := &instruments{
		runOpts: []metric.RecordOption{set},
		addOpts: []metric.AddOption{set},
	}
	var err error
	if progress {
		ins.steps, err = m.Int64Gauge(StepsMetricName,
			metric.WithUnit("{step}"),
			metric.WithDescription("Steps a run has taken."))
		handle(err)
		ins.ratio, err = m.Float64Gauge(ProgressMetricName,
			metric.WithUnit("1"),
			metric.WithDescription("Steps a run has taken over its expected total, from 0 to 1."))
		handle(err)
	}
	ins.duration, err = m.Float64Histogram(DurationMetricName,
		metric.WithUnit("s"),
		metric.WithDescription("Duration of the steps started with Run.Start."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	handle(err)
	ins.active, err = m.Int64UpDownCounter(ActiveRunsMetricName,
		metric.WithUnit("{run}"),
		metric.WithDescription("Runs made and not yet ended."))
	handle(err)
	return ins
}

func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

// recordProgress records n steps taken of total (total <= 0: unknown). A
// gauge keeps the last value recorded, so a count below one already recorded
// (a step that lost the race to record against a later one) is skipped: the
// gauges never go backwards. force records n even when it was recorded
// already, for Run.End.
func (ins *instruments) recordProgress(ctx context.Context, n int64, total int, force bool) {
	if ins.steps == nil || (!ins.steps.Enabled(ctx) && !ins.ratio.Enabled(ctx)) {
		return
	}
	ins.mu.Lock()
	defer ins.mu.Unlock()
	if n < ins.recorded || (n == ins.recorded && !force) {
		return
	}
	ins.recorded = n
	ins.steps.Record(ctx, n, ins.runOpts...)
	if total > 0 {
		ins.ratio.Record(ctx, min(float64(n)/float64(total), 1), ins.runOpts...)
	}
}

// durationOpts returns the record options of the duration series of a
// component, one per result, in the order of the results array.
func durationOpts(runAttrs []attribute.KeyValue, comp attribute.KeyValue) [numResults][]metric.RecordOption {
	var out [numResults][]metric.RecordOption
	for i, res := range results {
		kvs := append(append([]attribute.KeyValue(nil), runAttrs...), comp, StepResultKey.String(res))
		out[i] = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(kvs...))}
	}
	return out
}

// Step results: the values of StepResultKey.
const (
	resultOK = iota
	resultError
	resultAbandoned
	numResults
)

var results = [numResults]string{"ok", "error", "abandoned"}
