package exporters

import (
	"context"
	"sync/atomic"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Stats counts the spans and log records that went through the providers
// [Setup] built, from their end (a span) or emission (a log record) to the
// exporter. Metrics are not counted: the periodic reader aggregates them and
// has no queue to drop from.
//
// A span or record is Exported when an export call that held it returned
// no error, Failed when that call returned one (backend down or refusing,
// after the OTLP exporter's own retries), and Dropped when it never reached
// an export call: the batch processor's queue was full, or Shutdown gave up
// at its deadline. Until Shutdown the processors cannot tell queued from
// dropped, so both count as Pending; after Shutdown Pending is 0 and
//
//	SpansEnded = SpansExported + SpansFailed + SpansDropped
//
// and likewise for log records. Exports that Shutdown abandoned at its
// deadline may still finish in the background and move a few from Dropped
// to Exported or Failed.
type Stats struct {
	SpansEnded    uint64 // sampled spans ended
	SpansExported uint64 // in export calls that succeeded
	SpansFailed   uint64 // in export calls that failed
	SpansDropped  uint64 // lost before export (known after Shutdown)
	SpansPending  uint64 // queued, being exported, or dropped (before Shutdown)

	LogsEmitted  uint64 // log records emitted
	LogsExported uint64
	LogsFailed   uint64
	LogsDropped  uint64
	LogsPending  uint64
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
	s.SpansEnded, s.SpansExported, s.SpansFailed, s.SpansDropped, s.SpansPending = p.spans.snapshot()
	s.LogsEmitted, s.LogsExported, s.LogsFailed, s.LogsDropped, s.LogsPending = p.logs.snapshot()
	return s
}

// countingSpanProcessor counts the sampled spans handed to next, the batch
// (or simple) processor.
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

// spanExporter makes every string valid UTF-8 (see utf8.go), counts what
// next exported or failed to, and marks its errors with the signal's
// destination for the error limiter.
type spanExporter struct {
	next   sdktrace.SpanExporter
	c      *counts
	target string
}

func (p *Providers) spanExporter(next sdktrace.SpanExporter) *spanExporter {
	return &spanExporter{next: next, c: &p.spans, target: p.targets[0]}
}

func (p *Providers) logExporter(next sdklog.Exporter) *logExporter {
	return &logExporter{next: next, c: &p.logs, target: p.targets[2]}
}

// ExportSpans implements sdktrace.SpanExporter.
func (x *spanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	err := x.next.ExportSpans(ctx, cleanSpans(spans))
	if err != nil {
		x.c.failed.Add(uint64(len(spans)))
		return &exportError{signal: sigTraces.name, target: x.target, err: err}
	}
	x.c.exported.Add(uint64(len(spans)))
	return nil
}

// Shutdown implements sdktrace.SpanExporter.
func (x *spanExporter) Shutdown(ctx context.Context) error { return x.next.Shutdown(ctx) }

// countingLogProcessor counts the records handed to next.
type countingLogProcessor struct {
	sdklog.Processor
	c *counts
}

// OnEmit implements sdklog.Processor.
func (p countingLogProcessor) OnEmit(ctx context.Context, r *sdklog.Record) error {
	p.c.produced.Add(1)
	return p.Processor.OnEmit(ctx, r)
}

// logExporter makes every string valid UTF-8, counts what next exported or
// failed to and marks its errors.
type logExporter struct {
	next   sdklog.Exporter
	c      *counts
	target string
}

// Export implements sdklog.Exporter.
func (x *logExporter) Export(ctx context.Context, records []sdklog.Record) error {
	if len(records) == 0 {
		return nil
	}
	err := x.next.Export(ctx, cleanRecords(records))
	if err != nil {
		x.c.failed.Add(uint64(len(records)))
		return &exportError{signal: sigLogs.name, target: x.target, err: err}
	}
	x.c.exported.Add(uint64(len(records)))
	return nil
}

// Shutdown implements sdklog.Exporter.
func (x *logExporter) Shutdown(ctx context.Context) error { return x.next.Shutdown(ctx) }

// ForceFlush implements sdklog.Exporter.
func (x *logExporter) ForceFlush(ctx context.Context) error { return x.next.ForceFlush(ctx) }

// exportError is an exporter's error marked with its signal and
// destination. Its message is the exporter's own: the callers that return
// it (ForceFlush, Shutdown) name the destination already.
type exportError struct {
	signal, target string
	err            error
}

// Error returns the exporter's message.
func (e *exportError) Error() string { return e.err.Error() }

// Unwrap returns the exporter's error.
func (e *exportError) Unwrap() error { return e.err }
