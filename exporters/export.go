package exporters

import (
	"context"
	"errors"
	"reflect"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelstep/otelstep/internal/utf8clean"
)

// The exporter wrappers stand between the SDK's processors (or periodic
// reader) and the exporters: they make every string valid UTF-8, count
// what was exported, failed or rejected, mark errors with their signal and
// destination, and abandon every export once Shutdown's deadline has passed
// (the cut), so that no export outlives Shutdown.

// errCut is returned for an export abandoned at Shutdown's deadline; its
// items count as dropped, and the error handler ignores it.
var errCut = errors.New("exporters: export abandoned at Shutdown's deadline")

// exportPath is what the wrappers of one signal share.
type exportPath struct {
	sig     signal
	target  string
	c       *counts
	cut     context.Context // done at Shutdown's deadline
	produce bool            // count items as produced here (metrics: no processor counts them)
}

func (p *Providers) path(s signal, produce bool) exportPath {
	return exportPath{sig: s, target: p.targets[s.i], c: &p.counts[s.i], cut: p.cutCtx, produce: produce}
}

// export runs fn, the export of n items, cancelled at the cut, and counts
// its outcome.
func (x exportPath) export(ctx context.Context, n int, fn func(context.Context) error) error {
	if x.produce {
		x.c.produced.Add(uint64(n))
	}
	if x.cut.Err() != nil {
		return errCut
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(x.cut, cancel)
	err := fn(ctx)
	stop()
	cancel()
	switch {
	case err == nil:
		x.c.exported.Add(uint64(n))
		return nil
	case x.cut.Err() != nil:
		return errCut
	}
	if r, ok := rejected(err); ok {
		r = min(r, uint64(n))
		x.c.exported.Add(uint64(n) - r)
		x.c.failed.Add(r)
	} else {
		x.c.failed.Add(uint64(n))
	}
	return &exportError{signal: x.sig.name, target: x.target, err: err}
}

// rejected returns how many items the OTLP partial success errors in err
// say the backend rejected, and whether there was one. Their type is
// internal to the OTLP exporters: it is found by its name and field.
func rejected(err error) (uint64, bool) {
	var n uint64
	found := false
	var walk func(error)
	walk = func(err error) {
		v := reflect.ValueOf(err)
		if v.Kind() == reflect.Struct && v.Type().Name() == "PartialSuccess" {
			if f := v.FieldByName("RejectedItems"); f.IsValid() && f.CanInt() && f.Int() >= 0 {
				n, found = n+uint64(f.Int()), true
			}
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			if e := u.Unwrap(); e != nil {
				walk(e)
			}
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return n, found
}

type spanExporter struct {
	exportPath
	next sdktrace.SpanExporter
}

// ExportSpans implements sdktrace.SpanExporter.
func (x *spanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	return x.export(ctx, len(spans), func(ctx context.Context) error { return x.next.ExportSpans(ctx, utf8clean.Spans(spans)) })
}

// Shutdown implements sdktrace.SpanExporter.
func (x *spanExporter) Shutdown(ctx context.Context) error { return x.next.Shutdown(ctx) }

type logExporter struct {
	exportPath
	next sdklog.Exporter
}

// Export implements sdklog.Exporter.
func (x *logExporter) Export(ctx context.Context, records []sdklog.Record) error {
	if len(records) == 0 {
		return nil
	}
	return x.export(ctx, len(records), func(ctx context.Context) error { return x.next.Export(ctx, utf8clean.Records(records)) })
}

// Shutdown implements sdklog.Exporter.
func (x *logExporter) Shutdown(ctx context.Context) error { return x.next.Shutdown(ctx) }

// ForceFlush implements sdklog.Exporter.
func (x *logExporter) ForceFlush(ctx context.Context) error { return x.next.ForceFlush(ctx) }

type metricExporter struct {
	exportPath
	sdkmetric.Exporter
}

// Export implements sdkmetric.Exporter.
func (x *metricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	utf8clean.Metrics(rm)
	return x.export(ctx, pointCount(rm), func(ctx context.Context) error { return x.Exporter.Export(ctx, rm) })
}

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
