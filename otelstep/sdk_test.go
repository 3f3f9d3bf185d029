package otelstep_test

import (
	"context"
	"sync"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// sdk is a real OpenTelemetry SDK writing to memory.
type sdk struct {
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	logs   *memLogs
	lp     *sdklog.LoggerProvider
}

func newSDK(t testing.TB) *sdk {
	t.Helper()
	s := &sdk{
		spans:  tracetest.NewSpanRecorder(),
		reader: sdkmetric.NewManualReader(),
		logs:   &memLogs{},
	}
	limits := sdktrace.NewSpanLimits()
	limits.EventCountLimit = 1 << 16 // the default, 128, would drop events
	s.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(s.spans), sdktrace.WithRawSpanLimits(limits))
	s.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(s.reader))
	s.lp = sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(s.logs)))
	t.Cleanup(func() {
		ctx := context.Background()
		_ = s.tp.Shutdown(ctx)
		_ = s.mp.Shutdown(ctx)
		_ = s.lp.Shutdown(ctx)
	})
	return s
}

// opts returns the options wiring a run to s.
func (s *sdk) opts(more ...otelstep.Option) []otelstep.Option {
	return append([]otelstep.Option{
		otelstep.WithTracerProvider(s.tp),
		otelstep.WithMeterProvider(s.mp),
		otelstep.WithLoggerProvider(s.lp),
	}, more...)
}

// collect returns the metrics recorded so far.
func (s *sdk) collect(t testing.TB) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := s.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect metrics: %v", err)
	}
	return rm
}

// gauge returns the points of the gauge name, keyed by the otelstep.run
// attribute (and otelstep.run.id, when set, as "run/id").
func gauge[N int64 | float64](t testing.TB, rm metricdata.ResourceMetrics, name string) map[string]N {
	t.Helper()
	out := map[string]N{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			g, ok := m.Data.(metricdata.Gauge[N])
			if !ok {
				t.Fatalf("%s is %T, want a Gauge", name, m.Data)
			}
			for _, dp := range g.DataPoints {
				run, _ := dp.Attributes.Value(otelstep.RunKey)
				key := run.AsString()
				if id, ok := dp.Attributes.Value(otelstep.RunIDKey); ok {
					key += "/" + id.AsString()
				}
				out[key] = dp.Value
			}
		}
	}
	return out
}

// memLogs is an sdklog.Exporter that keeps the records in memory.
type memLogs struct {
	mu      sync.Mutex
	records []sdklog.Record
}

func (m *memLogs) Export(_ context.Context, records []sdklog.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range records {
		m.records = append(m.records, r.Clone())
	}
	return nil
}

func (m *memLogs) Shutdown(context.Context) error   { return nil }
func (m *memLogs) ForceFlush(context.Context) error { return nil }

func (m *memLogs) all() []sdklog.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]sdklog.Record(nil), m.records...)
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
