package exporters

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Attribute keys and event names of the otelstep telemetry contract that the
// console view prints specially.
const (
	eventStep     = "otelstep.step"
	eventLog      = "otelstep.log"
	attrStepNum   = "otelstep.step.number"
	attrStepTotal = "otelstep.steps.total"
	attrComponent = "otelstep.component"
	attrMessage   = "log.message"
	attrSeverity  = "log.severity"
)

// console serialises whole lines onto one writer shared by the three
// console exporters.
type console struct {
	mu sync.Mutex
	w  io.Writer
}

func (c *console) write(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.w.Write(b)
	return err
}

// consoleSpans is a sdktrace.SpanExporter printing each span as one line
// followed by one indented line per event.
type consoleSpans struct{ c *console }

// ExportSpans implements sdktrace.SpanExporter.
func (x consoleSpans) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	var b []byte
	for _, s := range spans {
		b = appendSpan(b, s)
	}
	return x.c.write(b)
}

// Shutdown implements sdktrace.SpanExporter.
func (consoleSpans) Shutdown(context.Context) error { return nil }

func appendSpan(b []byte, s sdktrace.ReadOnlySpan) []byte {
	b = append(b, "span "...)
	b = append(b, s.Name()...)
	b = append(b, " ("...)
	b = append(b, formatDuration(s.EndTime().Sub(s.StartTime()))...)
	b = append(b, ')')
	if st := s.Status(); st.Code == codes.Error {
		b = append(b, " error"...)
		if st.Description != "" {
			b = append(b, ": "...)
			b = append(b, st.Description...)
		}
	}
	b = append(b, '\n')
	for _, ev := range s.Events() {
		b = appendEvent(b, ev)
	}
	return b
}

// appendEvent prints an otelstep.step event as "  step N/T [component]", an
// otelstep.log event as "  step N [component] message" (the severity before
// the message unless INFO), and any other event as "  event name k=v ...".
func appendEvent(b []byte, ev sdktrace.Event) []byte {
	var num, total, comp, msg, sev attribute.Value
	for _, kv := range ev.Attributes {
		switch kv.Key {
		case attrStepNum:
			num = kv.Value
		case attrStepTotal:
			total = kv.Value
		case attrComponent:
			comp = kv.Value
		case attrMessage:
			msg = kv.Value
		case attrSeverity:
			sev = kv.Value
		}
	}
	isStep := (ev.Name == eventStep || ev.Name == eventLog) && num.Type() != attribute.INVALID
	if !isStep {
		b = append(b, "  event "...)
		b = append(b, ev.Name...)
		for _, kv := range ev.Attributes {
			b = appendKV(b, string(kv.Key), kv.Value.Emit())
		}
		return append(b, '\n')
	}
	b = append(b, "  step "...)
	b = append(b, num.Emit()...)
	if ev.Name == eventStep && total.Type() != attribute.INVALID {
		b = append(b, '/')
		b = append(b, total.Emit()...)
	}
	if c := emit(comp); c != "" {
		b = append(b, " ["...)
		b = append(b, c...)
		b = append(b, ']')
	}
	if ev.Name == eventLog {
		if s := emit(sev); s != "" && s != "INFO" {
			b = append(b, ' ')
			b = append(b, s...)
		}
		b = append(b, ' ')
		b = append(b, emit(msg)...)
	}
	return append(b, '\n')
}

// consoleLogs is a sdklog.Exporter printing one line per record:
// "15:04:05.000 LEVEL scope: body key=val ...".
type consoleLogs struct{ c *console }

// Export implements sdklog.Exporter.
func (x consoleLogs) Export(_ context.Context, records []sdklog.Record) error {
	var b []byte
	for i := range records {
		b = appendRecord(b, &records[i])
	}
	return x.c.write(b)
}

// Shutdown implements sdklog.Exporter.
func (consoleLogs) Shutdown(context.Context) error { return nil }

// ForceFlush implements sdklog.Exporter.
func (consoleLogs) ForceFlush(context.Context) error { return nil }

func appendRecord(b []byte, r *sdklog.Record) []byte {
	t := r.Timestamp()
	if t.IsZero() {
		t = r.ObservedTimestamp()
	}
	b = t.AppendFormat(b, "15:04:05.000")
	b = append(b, ' ')
	switch {
	case r.SeverityText() != "":
		b = append(b, r.SeverityText()...)
	case r.Severity() != otellog.SeverityUndefined:
		b = append(b, r.Severity().String()...)
	default:
		b = append(b, "LOG"...)
	}
	b = append(b, ' ')
	if scope := r.InstrumentationScope().Name; scope != "" {
		b = append(b, scope...)
		b = append(b, ": "...)
	}
	b = append(b, r.Body().Emit()...)
	var file, line string
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		switch kv.Key {
		case semconv.CodeFilePathKey:
			file = filepath.Base(kv.Value.Emit())
		case semconv.CodeLineNumberKey:
			line = kv.Value.Emit()
		case semconv.CodeFunctionNameKey:
		default:
			b = appendKV(b, string(kv.Key), kv.Value.Emit())
		}
		return true
	})
	if file != "" {
		// The source location, short: the full code.* attributes are in
		// the record for real backends.
		b = append(b, " ("...)
		b = append(b, file...)
		if line != "" {
			b = append(b, ':')
			b = append(b, line...)
		}
		b = append(b, ')')
	}
	return append(b, '\n')
}

// consoleMetrics is a metric reader that prints the current value of every
// instrument when flushed and at shutdown (the final collection), and
// nothing in between.
type consoleMetrics struct {
	*sdkmetric.ManualReader
	c *console
}

func newConsoleMetrics(c *console) consoleMetrics {
	return consoleMetrics{ManualReader: sdkmetric.NewManualReader(), c: c}
}

// ForceFlush prints the current values.
func (x consoleMetrics) ForceFlush(ctx context.Context) error { return x.print(ctx) }

// Shutdown prints the last values, then shuts the reader down.
func (x consoleMetrics) Shutdown(ctx context.Context) error {
	err := x.print(ctx)
	if err2 := x.ManualReader.Shutdown(ctx); err == nil {
		err = err2
	}
	return err
}

func (x consoleMetrics) print(ctx context.Context) error {
	var rm metricdata.ResourceMetrics
	if err := x.Collect(ctx, &rm); err != nil {
		return err
	}
	return x.c.write(appendMetrics(nil, rm.ScopeMetrics))
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
				b = append(b, l...)
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

func appendKV(b []byte, k, v string) []byte {
	b = append(b, ' ')
	b = append(b, k...)
	b = append(b, '=')
	return append(b, quoteIfNeeded(v)...)
}

// quoteIfNeeded quotes values that would not read back as one token.
func quoteIfNeeded(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\n\r\"=,{}") || !strconv.CanBackquote(v) {
		return strconv.Quote(v)
	}
	return v
}

// emit is Value.Emit with "" for an absent value.
func emit(v attribute.Value) string {
	if v.Type() == attribute.INVALID {
		return ""
	}
	return v.Emit()
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// formatDuration rounds to a precision a human reads: microseconds below a
// second, milliseconds above.
func formatDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
