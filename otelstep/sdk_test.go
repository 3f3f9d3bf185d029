package otelstep_test

import (
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/otelsteptest"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// sdk is the real OpenTelemetry SDK writing to memory of an
// otelsteptest.Recorder, with the short names the tests of this package use.
type sdk struct {
	*otelsteptest.Recorder
	tp    *sdktrace.TracerProvider
	mp    *sdkmetric.MeterProvider
	lp    *sdklog.LoggerProvider
	logs  recorderLogs
	spans recorderSpans
}

func newSDK(t testing.TB) *sdk {
	t.Helper()
	rec := otelsteptest.New(t)
	return &sdk{
		Recorder: rec,
		tp:       rec.TracerProvider(),
		mp:       rec.MeterProvider(),
		lp:       rec.LoggerProvider(),
		logs:     recorderLogs{rec},
		spans:    recorderSpans{rec},
	}
}

// recorderLogs reads the log records of a Recorder.
type recorderLogs struct{ rec *otelsteptest.Recorder }

// all returns the records emitted so far, in order.
func (l recorderLogs) all() []sdklog.Record { return l.rec.Records() }

// recorderSpans reads the spans of a Recorder.
type recorderSpans struct{ rec *otelsteptest.Recorder }

// Ended returns the spans that have ended, in the order they ended.
func (s recorderSpans) Ended() []sdktrace.ReadOnlySpan { return s.rec.Spans().Snapshots() }

// opts returns the options wiring a run to s, then more.
func (s *sdk) opts(more ...otelstep.Option) []otelstep.Option {
	return append(s.Options(), more...)
}

// collect returns the metrics recorded so far.
func (s *sdk) collect(t testing.TB) metricdata.ResourceMetrics {
	t.Helper()
	return s.Metrics()
}

// gauge returns the points of the gauge name, keyed by the otelstep.run
// attribute (and otelstep.run.id, when set, as "run/id").
func gauge[N int64 | float64](t testing.TB, rm metricdata.ResourceMetrics, name string) map[string]N {
	t.Helper()
	out := map[string]N{}
	for _, dp := range gaugePoints[N](t, rm, name) {
		run, _ := dp.Attributes.Value(otelstep.RunKey)
		key := run.AsString()
		if id, ok := dp.Attributes.Value(otelstep.RunIDKey); ok {
			key += "/" + id.AsString()
		}
		out[key] = dp.Value
	}
	return out
}

// gaugePoints returns the data points of the gauge name, failing when name
// is not a Gauge of N.
func gaugePoints[N int64 | float64](t testing.TB, rm metricdata.ResourceMetrics, name string) []metricdata.DataPoint[N] {
	t.Helper()
	var out []metricdata.DataPoint[N]
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			g, ok := m.Data.(metricdata.Gauge[N])
			if !ok {
				t.Fatalf("%s is %T, want a %T", name, m.Data, metricdata.Gauge[N]{})
			}
			out = append(out, g.DataPoints...)
		}
	}
	return out
}

// logAttrs returns the attributes of a log record as strings.
func logAttrs(r sdklog.Record) map[string]string {
	out := map[string]string{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		out[string(kv.Key)] = kv.Value.Emit()
		return true
	})
	return out
}

// eventAttrs returns the attributes of a span event keyed by name.
func eventAttrs(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	out := make(map[attribute.Key]attribute.Value, len(kvs))
	for _, kv := range kvs {
		out[kv.Key] = kv.Value
	}
	return out
}

// events returns the span events named name of every ended span.
func (s *sdk) events(name string) []sdktrace.Event {
	var out []sdktrace.Event
	for _, sp := range s.spans.Ended() {
		for _, e := range sp.Events() {
			if e.Name == name {
				out = append(out, e)
			}
		}
	}
	return out
}
