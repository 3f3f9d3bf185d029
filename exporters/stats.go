package exporters

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Stats counts what went through the exporters [Setup] built: spans from
// their end, log records from their emission, metric data points from the
// collection that handed them to the exporter.
//
// An item is Exported when an export call that held it succeeded, Failed
// when that call returned an error (backend down or refusing, after the
// OTLP exporter's own retries) or the backend rejected it in a partial
// success, and Dropped when it never reached an export call: the batch
// processor's queue was full, or Shutdown's deadline passed first. Until
// Shutdown the processors cannot tell queued from dropped, so both count
// as Pending; after Shutdown Pending is 0 and
//
//	SpansEnded = SpansExported + SpansFailed + SpansDropped
//
// and likewise for log records and metric points.
type Stats struct {
	SpansEnded    uint64 // sampled spans ended
	SpansExported uint64 // in export calls that succeeded
	SpansFailed   uint64 // in export calls that failed, or rejected by the backend
	SpansDropped  uint64 // lost before export (known after Shutdown)
	SpansPending  uint64 // queued, being exported, or dropped (before Shutdown)

	LogsEmitted  uint64 // log records emitted
	LogsExported uint64
	LogsFailed   uint64
	LogsDropped  uint64
	LogsPending  uint64

	MetricPoints         uint64 // data points handed to the metric exporter
	MetricPointsExported uint64
	MetricPointsFailed   uint64
	MetricPointsDropped  uint64 // in exports abandoned at Shutdown's deadline
	MetricPointsPending  uint64 // being exported
}

// counts are the live counters of one signal.
type counts struct {
	produced, exported, failed atomic.Uint64
	final                      atomic.Bool // Shutdown done: what is left was dropped
}

// snapshot returns produced, exported, failed, dropped and pending.
func (c *counts) snapshot() (produced, exported, failed, dropped, pending uint64) {
	// Read the outcomes first: produced is counted before an item can reach
	// the exporter, so the difference never goes negative.
	exported, failed = c.exported.Load(), c.failed.Load()
	produced = c.produced.Load()
	left := uint64(0)
	if produced > exported+failed {
		left = produced - exported - failed
	}
	if c.final.Load() {
		return produced, exported, failed, left, 0
	}
	return produced, exported, failed, 0, left
}

// Stats returns the counts so far; see [Stats]. It is the zero Stats for a
// nil p and for disabled providers.
func (p *Providers) Stats() Stats {
	if p == nil {
		return Stats{}
	}
	var s Stats
	s.SpansEnded, s.SpansExported, s.SpansFailed, s.SpansDropped, s.SpansPending = p.counts[sigTraces.i].snapshot()
	s.MetricPoints, s.MetricPointsExported, s.MetricPointsFailed, s.MetricPointsDropped, s.MetricPointsPending = p.counts[sigMetrics.i].snapshot()
	s.LogsEmitted, s.LogsExported, s.LogsFailed, s.LogsDropped, s.LogsPending = p.counts[sigLogs.i].snapshot()
	return s
}

// lostLine is the Shutdown warning about lost telemetry, or "" when
// nothing was lost.
func (p *Providers) lostLine() string {
	s := p.Stats()
	lostSpans, lostLogs := s.SpansDropped+s.SpansFailed, s.LogsDropped+s.LogsFailed
	lostPoints := s.MetricPointsDropped + s.MetricPointsFailed
	if lostSpans == 0 && lostLogs == 0 && lostPoints == 0 {
		return ""
	}
	return fmt.Sprintf("exporters: lost %d of %d spans (%d dropped, %d failed), %d of %d log records (%d dropped, %d failed) and %d of %d metric data points (%d dropped, %d failed); dropped: queue full or Shutdown deadline, failed: export error or rejected",
		lostSpans, s.SpansEnded, s.SpansDropped, s.SpansFailed, lostLogs, s.LogsEmitted, s.LogsDropped, s.LogsFailed,
		lostPoints, s.MetricPoints, s.MetricPointsDropped, s.MetricPointsFailed)
}

// countingSpanProcessor counts the sampled spans handed to the batch (or
// simple) processor it wraps.
type countingSpanProcessor struct {
	sdktrace.SpanProcessor
	c *counts
}

// OnEnd implements sdktrace.SpanProcessor.
func (p countingSpanProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if s.SpanContext().IsSampled() { // the batch processor drops the others
		p.c.produced.Add(1)
	}
	p.SpanProcessor.OnEnd(s)
}

// countingLogProcessor counts the records handed to the processor it wraps.
type countingLogProcessor struct {
	sdklog.Processor
	c *counts
}

// OnEmit implements sdklog.Processor.
func (p countingLogProcessor) OnEmit(ctx context.Context, r *sdklog.Record) error {
	p.c.produced.Add(1)
	return p.Processor.OnEmit(ctx, r)
}

// pointCount returns the number of data points in rm. Every aggregation
// type of metricdata holds them in a DataPoints slice: reflection reads
// its length without a case per type.
func pointCount(rm *metricdata.ResourceMetrics) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if v := reflect.ValueOf(m.Data); v.Kind() == reflect.Struct {
				if dp := v.FieldByName("DataPoints"); dp.Kind() == reflect.Slice {
					n += dp.Len()
				}
			}
		}
	}
	return n
}
