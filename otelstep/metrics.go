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
	meter     metric.Meter
	steps     metric.Int64Gauge   // nil with WithProgress(false)
	ratio     metric.Float64Gauge // nil with WithProgress(false)
	remaining metric.Float64Gauge // nil with WithProgress(false)
	stepRatio metric.Float64Gauge // nil with WithProgress(false)
	elapsed   metric.Float64ObservableGauge
	duration  metric.Float64Histogram
	active    metric.Int64UpDownCounter

	runOpts []metric.RecordOption // otelstep.run (+ otelstep.run.id)
	addOpts []metric.AddOption

	mu       sync.Mutex // orders the gauge records of concurrent steps
	recorded progressState
}

// progressState is what the run's progress gauges were last recorded from.
type progressState struct {
	steps, done, total int64
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
		meter:   m,
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
			metric.WithDescription("Steps a run has finished over its expected total, from 0 to 1."))
		handle(err)
		ins.remaining, err = m.Float64Gauge(RemainingMetricName,
			metric.WithUnit("s"),
			metric.WithDescription("Estimated seconds until a run reaches its total, from its pace so far."))
		handle(err)
		ins.stepRatio, err = m.Float64Gauge(StepProgressMetricName,
			metric.WithUnit("1"),
			metric.WithDescription("Progress of the last step of a component that reported it, done over total, from 0 to 1."))
		handle(err)
	}
	ins.elapsed, err = m.Float64ObservableGauge(ElapsedMetricName,
		metric.WithUnit("s"),
		metric.WithDescription("Age of the oldest step of a component that has not ended."))
	handle(err)
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

// recordProgress records the run's progress gauges from its current counts:
// steps taken, steps finished, total and, from them, the time left. The
// counts are read under the lock that orders the records, and only ever
// grow, so the gauges never go backwards whatever the order in which
// concurrent steps get here. A gauge whose inputs have not changed since it
// was last recorded is skipped, unless force is set (for Run.End). Once the
// run has ended, only Run.End's forced record is made: the values recorded
// at End stay the last ones, whatever steps are taken after it.
//
// It also counts the run in [ActiveRunsMetricName] if that could not be done
// when the run was made (no meter provider yet).
func (r *Run) recordProgress(ctx context.Context, force bool) {
	ins := r.ins
	if !r.lv.counted.Load() && !r.ended.Load() && ins.active.Enabled(ctx) {
		r.countActive(ctx)
	}
	if !force && r.ended.Load() {
		return // Run.End recorded the last values: a step taken after it changes none
	}
	if ins.steps == nil || (!ins.steps.Enabled(ctx) && !ins.ratio.Enabled(ctx) && !ins.remaining.Enabled(ctx)) {
		return
	}
	ins.mu.Lock()
	defer ins.mu.Unlock()
	now := progressState{steps: r.steps.Load(), done: r.lv.done.Load(), total: r.lv.total.Load()}
	last := ins.recorded
	if force || now.steps != last.steps {
		ins.steps.Record(ctx, now.steps, ins.runOpts...)
	}
	if now.total > 0 && (force || now.done != last.done || now.total != last.total) {
		ins.ratio.Record(ctx, min(float64(now.done)/float64(now.total), 1), ins.runOpts...)
		if left, ok := r.remaining(now.done, now.total); ok {
			ins.remaining.Record(ctx, left, ins.runOpts...)
		}
	}
	ins.recorded = now
}

// countActive adds the run to [ActiveRunsMetricName] once, unless it has
// ended. Run.End takes it out only if it was counted, so the counter never
// goes below zero whatever the order of NewRun, the installation of a meter
// provider and End.
func (r *Run) countActive(ctx context.Context) {
	r.lv.activeMu.Lock()
	defer r.lv.activeMu.Unlock()
	if r.lv.counted.Load() || r.ended.Load() || !r.ins.active.Enabled(ctx) {
		return
	}
	r.ins.active.Add(ctx, 1, r.ins.addOpts...)
	r.lv.counted.Store(true)
}

// uncountActive takes an ended run out of [ActiveRunsMetricName] if it was
// counted in.
func (r *Run) uncountActive(ctx context.Context) {
	r.lv.activeMu.Lock()
	defer r.lv.activeMu.Unlock()
	if r.lv.counted.Load() {
		r.ins.active.Add(ctx, -1, r.ins.addOpts...)
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

// series are the options of a component's series without a result: run (+
// run id) and component, for otelstep.step.progress and
// otelstep.step.elapsed.
type series struct {
	record  []metric.RecordOption
	observe []metric.ObserveOption
}

func newSeries(runAttrs []attribute.KeyValue, comp attribute.KeyValue) series {
	kvs := append(append([]attribute.KeyValue(nil), runAttrs...), comp)
	opt := metric.WithAttributeSet(attribute.NewSet(kvs...))
	return series{record: []metric.RecordOption{opt}, observe: []metric.ObserveOption{opt}}
}

// Step results: the values of StepResultKey.
const (
	resultOK = iota
	resultError
	resultAbandoned
	numResults
)

var results = [numResults]string{"ok", "error", "abandoned"}
