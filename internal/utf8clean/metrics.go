package utf8clean

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Metrics makes every string of rm valid, in place (an exporter may change
// what its reader hands it until it returns; the reader rewrites it at the
// next collection): the description and unit of each metric, and the
// attribute keys and values of its data points and their exemplars. Scopes
// are cleaned where they are made. It reports whether rm was valid.
func Metrics(rm *metricdata.ResourceMetrics) bool {
	ok := true
	for i := range rm.ScopeMetrics {
		ms := rm.ScopeMetrics[i].Metrics
		for j := range ms {
			m := &ms[j]
			var dok, uok bool
			m.Description, dok = String(m.Description)
			m.Unit, uok = String(m.Unit)
			ok = aggregation(m.Data) && dok && uok && ok
		}
	}
	return ok
}

func aggregation(data metricdata.Aggregation) bool {
	switch d := data.(type) {
	case metricdata.Gauge[int64]:
		return points(d.DataPoints, func(p *metricdata.DataPoint[int64]) (*attribute.Set, []metricdata.Exemplar[int64]) {
			return &p.Attributes, p.Exemplars
		})
	case metricdata.Gauge[float64]:
		return points(d.DataPoints, func(p *metricdata.DataPoint[float64]) (*attribute.Set, []metricdata.Exemplar[float64]) {
			return &p.Attributes, p.Exemplars
		})
	case metricdata.Sum[int64]:
		return points(d.DataPoints, func(p *metricdata.DataPoint[int64]) (*attribute.Set, []metricdata.Exemplar[int64]) {
			return &p.Attributes, p.Exemplars
		})
	case metricdata.Sum[float64]:
		return points(d.DataPoints, func(p *metricdata.DataPoint[float64]) (*attribute.Set, []metricdata.Exemplar[float64]) {
			return &p.Attributes, p.Exemplars
		})
	case metricdata.Histogram[int64]:
		return points(d.DataPoints, func(p *metricdata.HistogramDataPoint[int64]) (*attribute.Set, []metricdata.Exemplar[int64]) {
			return &p.Attributes, p.Exemplars
		})
	case metricdata.Histogram[float64]:
		return points(d.DataPoints, func(p *metricdata.HistogramDataPoint[float64]) (*attribute.Set, []metricdata.Exemplar[float64]) {
			return &p.Attributes, p.Exemplars
		})
	case metricdata.ExponentialHistogram[int64]:
		return points(d.DataPoints, func(p *metricdata.ExponentialHistogramDataPoint[int64]) (*attribute.Set, []metricdata.Exemplar[int64]) {
			return &p.Attributes, p.Exemplars
		})
	case metricdata.ExponentialHistogram[float64]:
		return points(d.DataPoints, func(p *metricdata.ExponentialHistogramDataPoint[float64]) (*attribute.Set, []metricdata.Exemplar[float64]) {
			return &p.Attributes, p.Exemplars
		})
	}
	return true
}

// points cleans, in place, the attribute set and exemplar attributes that
// parts returns for each data point.
func points[P any, N int64 | float64](pts []P, parts func(*P) (*attribute.Set, []metricdata.Exemplar[N])) bool {
	ok := true
	for i := range pts {
		set, exemplars := parts(&pts[i])
		var sok bool
		*set, sok = Set(*set)
		ok = ok && sok
		for k := range exemplars {
			var eok bool
			exemplars[k].FilteredAttributes, eok = KeyValues(exemplars[k].FilteredAttributes)
			ok = ok && eok
		}
	}
	return ok
}
