package otelsteptest

import (
	"cmp"
	"context"
	"iter"
	"slices"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/internal/contract"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// GaugeValue is the last value of one series of a gauge.
type GaugeValue struct {
	Run   string // otelstep.run
	RunID string // otelstep.run.id, empty without otelstep.WithRunID
	// Component is otelstep.component for the gauges kept per component
	// ([otelstep.StepProgressMetricName], [otelstep.ElapsedMetricName]),
	// empty for those of the whole run.
	Component string
	Value     float64
}

// Duration is the series of one run, component and result of the
// [otelstep.DurationMetricName] histogram.
type Duration struct {
	Run       string  // otelstep.run
	RunID     string  // otelstep.run.id, empty without otelstep.WithRunID
	Component string  // otelstep.component
	Result    string  // otelstep.step.result: "ok", "error" or "abandoned"
	Count     uint64  // steps ended
	Sum       float64 // their durations, in seconds
}

// Metrics collects and returns the metrics recorded so far; after
// [Recorder.Shutdown], those collected then. A failed collection returns
// what it could collect, and is otherwise impossible: the reader is manual and
// the context is not cancelled.
func (r *Recorder) Metrics() metricdata.ResourceMetrics {
	r.mu.Lock()
	final := r.final
	r.mu.Unlock()
	if final != nil {
		return *final
	}
	var rm metricdata.ResourceMetrics
	_ = r.reader.Collect(context.Background(), &rm)
	return rm
}

// Gauge returns the last value of a gauge of the whole run, such as
// [otelstep.StepsMetricName], [otelstep.ProgressMetricName] or
// [otelstep.RemainingMetricName], for the run named run, whatever its id,
// and whether there is exactly one such series. Runs of one name with
// several ids ([otelstep.WithRunID]) have a series each: Gauge then reports
// false, and [Recorder.Gauges] lists them. For the gauges kept per
// component, use [Recorder.ComponentGauge].
func (r *Recorder) Gauge(name, run string) (float64, bool) {
	return r.ComponentGauge(name, run, "")
}

// ComponentGauge returns the last value of a gauge kept per component,
// [otelstep.StepProgressMetricName] or [otelstep.ElapsedMetricName], for
// the component named component of the run named run, whatever its id,
// and whether there is exactly one such series: none when the component
// never reported progress or, for the elapsed gauge, has no step open at
// the collection. Several ids of one run name report false, as
// [Recorder.Gauge] does.
func (r *Recorder) ComponentGauge(name, run, component string) (float64, bool) {
	var v float64
	n := 0
	for _, g := range r.Gauges(name) {
		if g.Run == run && g.Component == component {
			v, n = g.Value, n+1
		}
	}
	return v, n == 1
}

// Gauges returns the last value of every series of the gauge name, sorted
// by run name, run id and component. Integer gauges are converted to
// float64.
func (r *Recorder) Gauges(name string) []GaugeValue {
	var out []GaugeValue
	for p := range r.points(name, contract.Gauge) {
		out = append(out, GaugeValue{Run: p.Run, RunID: p.RunID, Component: p.Component, Value: p.Value})
	}
	slices.SortFunc(out, func(a, b GaugeValue) int {
		return cmp.Or(cmp.Compare(a.Run, b.Run), cmp.Compare(a.RunID, b.RunID),
			cmp.Compare(a.Component, b.Component))
	})
	return out
}

// Durations returns the series of the [otelstep.DurationMetricName]
// histogram, sorted by run name, run id, component and result.
func (r *Recorder) Durations() []Duration {
	var out []Duration
	for p := range r.points(otelstep.DurationMetricName, contract.Histogram) {
		out = append(out, Duration{Run: p.Run, RunID: p.RunID, Component: p.Component,
			Result: p.Result, Count: p.Count, Sum: p.Value})
	}
	slices.SortFunc(out, func(a, b Duration) int {
		return cmp.Or(
			cmp.Compare(a.Run, b.Run),
			cmp.Compare(a.RunID, b.RunID),
			cmp.Compare(a.Component, b.Component),
			cmp.Compare(a.Result, b.Result),
		)
	})
	return out
}

// ActiveRuns returns the value of [otelstep.ActiveRunsMetricName] for the
// runs named run, whatever their ids: the runs made and not yet ended.
func (r *Recorder) ActiveRuns(run string) int64 {
	var n int64
	for p := range r.points(otelstep.ActiveRunsMetricName, contract.Sum) {
		if p.Run == run {
			n += int64(p.Value)
		}
	}
	return n
}

// points yields the data points of otelstep's metric name of kind.
func (r *Recorder) points(name string, kind contract.PointKind) iter.Seq[contract.Point] {
	rm := r.Metrics()
	return func(yield func(contract.Point) bool) {
		for p := range contract.Points(&rm) {
			if p.Metric == name && p.Kind == kind && !yield(p) {
				return
			}
		}
	}
}
