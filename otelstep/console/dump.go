package console

import (
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelstep/otelstep/otelstep"
)

// The metrics of other instrumentation scopes than otelstep's (the
// application's own instruments) have no status line to show them: the
// view prints their values when the reader is flushed and at its Shutdown,
// as the console exporter did before, so that they do not vanish from the
// console.

// appendOtherMetrics appends the metrics of the scopes other than otelstep's.
func appendOtherMetrics(b []byte, scopes []metricdata.ScopeMetrics) []byte {
	scopes = slices.DeleteFunc(slices.Clone(scopes), func(sm metricdata.ScopeMetrics) bool {
		return sm.Scope.Name == otelstep.ScopeName
	})
	return appendMetrics(b, scopes)
}

// appendMetrics prints "gauge name{k=v,...} = value unit" per data point
// (sum and histogram likewise), sorted by scope, name and line.
func appendMetrics(b []byte, scopes []metricdata.ScopeMetrics) []byte {
	scopes = slices.Clone(scopes)
	slices.SortStableFunc(scopes, func(a, b metricdata.ScopeMetrics) int { return strings.Compare(a.Scope.Name, b.Scope.Name) })
	for _, sm := range scopes {
		ms := slices.Clone(sm.Metrics)
		slices.SortStableFunc(ms, func(a, b metricdata.Metrics) int { return strings.Compare(a.Name, b.Name) })
		for _, m := range ms {
			lines := metricLines(m)
			slices.Sort(lines)
			for _, l := range lines {
				b = appendEscaped(b, l, false)
				b = append(b, '\n')
			}
		}
	}
	return b
}

func metricLines(m metricdata.Metrics) []string {
	unit := ""
	if m.Unit != "" && m.Unit != "1" {
		unit = " " + m.Unit
	}
	var lines []string
	line := func(kind string, set attribute.Set, value string) {
		lines = append(lines, kind+" "+m.Name+formatSet(set)+" = "+value+unit)
	}
	switch d := m.Data.(type) {
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			line("gauge", p.Attributes, strconv.FormatInt(p.Value, 10))
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			line("gauge", p.Attributes, formatFloat(p.Value))
		}
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			line("sum", p.Attributes, strconv.FormatInt(p.Value, 10))
		}
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			line("sum", p.Attributes, formatFloat(p.Value))
		}
	case metricdata.Histogram[int64]:
		for _, p := range d.DataPoints {
			line("histogram", p.Attributes, "count "+strconv.FormatUint(p.Count, 10)+" sum "+strconv.FormatInt(p.Sum, 10))
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			line("histogram", p.Attributes, "count "+strconv.FormatUint(p.Count, 10)+" sum "+formatFloat(p.Sum))
		}
	case metricdata.ExponentialHistogram[int64]:
		for _, p := range d.DataPoints {
			line("histogram", p.Attributes, "count "+strconv.FormatUint(p.Count, 10)+" sum "+strconv.FormatInt(p.Sum, 10))
		}
	case metricdata.ExponentialHistogram[float64]:
		for _, p := range d.DataPoints {
			line("histogram", p.Attributes, "count "+strconv.FormatUint(p.Count, 10)+" sum "+formatFloat(p.Sum))
		}
	}
	return lines
}

// formatSet prints an attribute set as {k=v,...} in key order, or nothing
// when empty.
func formatSet(s attribute.Set) string {
	if s.Len() == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, it := 0, s.Iter(); it.Next(); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		kv := it.Attribute()
		b.WriteString(string(kv.Key))
		b.WriteByte('=')
		b.WriteString(quoteIfNeeded(kv.Value.Emit()))
	}
	b.WriteByte('}')
	return b.String()
}

// quoteIfNeeded quotes values that would not read back as one token, and
// escapes control characters.
func quoteIfNeeded(v string) string {
	if strings.ContainsAny(v, ",{}") && !needsQuote(v) {
		return strconv.Quote(v)
	}
	return string(appendValue(nil, v))
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
