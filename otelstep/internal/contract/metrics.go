package contract

import (
	"iter"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelstep/otelstep/otelstep"
)

// PointKind is the kind of instrument a data point comes from.
type PointKind int

const (
	Gauge     PointKind = iota // a gauge, integer or float
	Sum                        // a sum (otelstep.runs.active)
	Histogram                  // a histogram (otelstep.step.duration)
)

// Point is one data point of otelstep's own metrics.
type Point struct {
	Metric string // the metric's name
	Kind   PointKind
	Attrs          // the series: run, run id, component, result
	Value  float64 // a gauge's or sum's value; a histogram's sum
	Count  uint64  // a histogram's count
}

// Points yields the data points of the metrics of otelstep's scope in rm.
func Points(rm *metricdata.ResourceMetrics) iter.Seq[Point] {
	return func(yield func(Point) bool) {
		for _, sm := range rm.ScopeMetrics {
			if sm.Scope.Name != otelstep.ScopeName {
				continue
			}
			for _, m := range sm.Metrics {
				if !points(m, yield) {
					return
				}
			}
		}
	}
}

func points(m metricdata.Metrics, yield func(Point) bool) bool {
	switch d := m.Data.(type) {
	case metricdata.Gauge[int64]:
		return values(m.Name, Gauge, d.DataPoints, yield)
	case metricdata.Gauge[float64]:
		return values(m.Name, Gauge, d.DataPoints, yield)
	case metricdata.Sum[int64]:
		return values(m.Name, Sum, d.DataPoints, yield)
	case metricdata.Sum[float64]:
		return values(m.Name, Sum, d.DataPoints, yield)
	case metricdata.Histogram[float64]:
		for _, dp := range d.DataPoints {
			p := Point{Metric: m.Name, Kind: Histogram, Attrs: OfSet(dp.Attributes), Value: dp.Sum, Count: dp.Count}
			if !yield(p) {
				return false
			}
		}
	}
	return true
}

// values yields the points of a gauge's or a sum's data points.
func values[N int64 | float64](name string, kind PointKind, dps []metricdata.DataPoint[N], yield func(Point) bool) bool {
	for _, dp := range dps {
		if !yield(Point{Metric: name, Kind: kind, Attrs: OfSet(dp.Attributes), Value: float64(dp.Value)}) {
			return false
		}
	}
	return true
}
