package console

import (
	"context"
	"slices"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/internal/contract"
)

// The exception attributes the SDK derives from a record's error (otelslog
// takes an error argument out of the attributes, its key with it): a line
// shows the message as err="…", unless an attribute of the record says the
// same text (under the key the program gave it).
const (
	exceptionMessage = attribute.Key("exception.message")
	exceptionType    = attribute.Key("exception.type")
)

// isSource reports whether k is a code.* source location attribute, which
// lines do not repeat.
func isSource(k attribute.Key) bool {
	switch k {
	case "code.file.path", "code.line.number", "code.function.name", "code.column.number",
		"code.filepath", "code.lineno", "code.function", "code.namespace":
		return true
	}
	return false
}

// logExporter writes one line per log record.
type logExporter struct{ v *View }

// Export implements sdklog.Exporter.
func (x logExporter) Export(_ context.Context, records []sdklog.Record) error {
	v := x.v
	v.mu.Lock()
	defer v.mu.Unlock()
	b := v.buf[:0]
	for i := range records {
		b = v.appendRecord(b, &records[i])
	}
	v.buf = b
	v.printLocked(b)
	return nil
}

// Shutdown implements sdklog.Exporter.
func (logExporter) Shutdown(context.Context) error { return nil }

// ForceFlush implements sdklog.Exporter.
func (logExporter) ForceFlush(context.Context) error { return nil }

// appendRecord appends r's line, "time LEVEL [tag] component: body k=v ...",
// or nothing for a step-start event, which only updates the run's state.
// Called with mu held.
func (v *View) appendRecord(b []byte, r *sdklog.Record) []byte {
	t := r.Timestamp()
	if t.IsZero() {
		t = r.ObservedTimestamp()
	}
	tail, strs, errMsg := v.tail[:0], v.strs[:0], ""
	kind, c := contract.Record(r, func(kv attribute.KeyValue) {
		switch {
		case isSource(kv.Key), kv.Key == exceptionType:
		case kv.Key == exceptionMessage:
			errMsg = kv.Value.Emit()
		default:
			if kv.Value.Type() == attribute.STRING {
				strs = append(strs, kv.Value.AsString())
			}
			tail = appendAttr(tail, string(kv.Key), kv.Value)
		}
	})
	if errMsg != "" && !slices.Contains(strs, errMsg) {
		tail = appendAttr(tail, "err", attribute.StringValue(errMsg))
	}
	v.tail, v.strs = tail, strs
	tag := v.observe(&c, r.TraceID(), t, t)
	if kind == contract.StepStart {
		if c.Label != "" {
			v.run(runKey{c.Run, c.RunID, c.Part}, t).setLabel(c.Component, c.Label)
		}
		return b
	}
	comp := c.Component
	if comp == "" {
		comp = r.InstrumentationScope().Name
	}
	sev := r.Severity()
	level := r.SeverityText()
	if level == "" {
		level = severityName(sev)
	}
	b = v.appendPrefix(b, t, level, sev, tag, comp)
	b = appendEscaped(b, r.Body().Emit(), false)
	b = append(b, tail...)
	return append(b, '\n')
}

// appendPrefix appends "15:04:05.000 LEVEL [tag] component: ".
func (v *View) appendPrefix(b []byte, t time.Time, level string, sev otellog.Severity, tag, comp string) []byte {
	if t.IsZero() {
		t = time.Now()
	}
	b = t.AppendFormat(b, "15:04:05.000")
	b = append(b, ' ')
	color := ""
	if v.color {
		switch {
		case sev >= otellog.SeverityError:
			color = "\x1b[31m"
		case sev >= otellog.SeverityWarn:
			color = "\x1b[33m"
		case sev != otellog.SeverityUndefined && sev < otellog.SeverityInfo:
			color = "\x1b[2m"
		}
	}
	b = append(b, color...)
	n := len(b)
	b = appendEscaped(b, level, false)
	for len(b)-n < 5 {
		b = append(b, ' ')
	}
	if color != "" {
		b = append(b, "\x1b[0m"...)
	}
	b = append(b, ' ')
	if tag != "" {
		b = append(b, '[')
		b = appendEscaped(b, tag, false)
		b = append(b, "] "...)
	}
	if comp != "" {
		b = appendEscaped(b, comp, false)
		b = append(b, ": "...)
	}
	return b
}

// severityName is the level name of sev when the record has no severity
// text.
func severityName(sev otellog.Severity) string {
	switch {
	case sev == otellog.SeverityUndefined:
		return "LOG"
	case sev < otellog.SeverityDebug:
		return "TRACE"
	case sev < otellog.SeverityInfo:
		return "DEBUG"
	case sev < otellog.SeverityWarn:
		return "INFO"
	case sev < otellog.SeverityError:
		return "WARN"
	case sev < otellog.SeverityFatal:
		return "ERROR"
	}
	return "FATAL"
}

// appendAttr appends " key=value", a map value as one pair per entry with
// dotted keys (slog groups).
func appendAttr(b []byte, key string, val attribute.Value) []byte {
	if val.Type() == attribute.MAP {
		for _, kv := range val.AsMap() {
			b = appendAttr(b, key+"."+string(kv.Key), kv.Value)
		}
		return b
	}
	b = append(b, ' ')
	b = appendKey(b, key)
	b = append(b, '=')
	return appendValue(b, val.Emit())
}

// observe notes what a line tells about its run (first and last times
// seen, total, component) and returns the tag that tells runs apart once
// more than one is seen: two run names or ids, one step of a run (its
// number, or its path in a part of another run) in two traces, a run of one
// name and id active more than once (from the metrics), or lines of two
// traces that name no run. The parts of a run (otelstep.run.part) are the
// run: they share its name, id and trace, and each step its own path. The
// tag is the run id, else the first 8 hex digits of the trace id, else the
// run name. t and end are the times the line covers. Called with mu held.
func (v *View) observe(c *contract.Attrs, tid trace.TraceID, t, end time.Time) string {
	if c.Run != "" {
		k := runKey{c.Run, c.RunID, c.Part}
		if root := (runKey{run: c.Run, id: c.RunID}); !v.haveRun {
			v.seenRun, v.haveRun = root, true
		} else if root != v.seenRun {
			v.multiple = true
		}
		rs := v.run(k, t)
		if rs.done && c.Step > 0 && c.Step <= rs.maxNum {
			// Numbering starts again: a new run of the same name and id.
			rs.reset(t)
		}
		if c.Step > rs.maxNum {
			rs.maxNum = c.Step
		}
		if c.Step > 0 && tid.IsValid() {
			// One step of one run in two traces: two runs of one name and
			// id (a span-less run's steps are traces of their own, but each
			// step is one step).
			if rs.stepTraces == nil || len(rs.stepTraces) >= 256 {
				rs.stepTraces = make(map[stepKey]trace.TraceID)
			}
			sk := stepKey{c.Path, c.Step}
			if seen, ok := rs.stepTraces[sk]; ok && seen != tid {
				v.multiple = true
			}
			rs.stepTraces[sk] = tid
		}
		if end.After(rs.last) {
			rs.last = end
		}
		if c.Total > 0 {
			rs.total = c.Total
		}
		if c.Component != "" {
			rs.lastComp = c.Component
		}
	} else if tid.IsValid() {
		// A span-less run's steps are traces of their own: only lines
		// that name no run count traces.
		if !v.seenTID.IsValid() {
			v.seenTID = tid
		} else if tid != v.seenTID {
			v.multiple = true
		}
	}
	switch {
	case !v.multiple:
		return ""
	case c.RunID != "":
		return c.RunID
	case tid.IsValid():
		return tid.String()[:8]
	}
	return c.Run
}

// spanExporter writes one line per ended span.
type spanExporter struct{ v *View }

// ExportSpans implements sdktrace.SpanExporter.
func (x spanExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	v := x.v
	v.mu.Lock()
	defer v.mu.Unlock()
	b := v.buf[:0]
	for _, s := range spans {
		b = v.appendSpan(b, s)
	}
	v.buf = b
	v.printLocked(b)
	return nil
}

// Shutdown implements sdktrace.SpanExporter.
func (spanExporter) Shutdown(context.Context) error { return nil }

// appendSpan appends a step span as "component: Step N done in 21ms" (or
// "failed after 21ms: error", "abandoned after"), another span as
// "name: span ended in 85ms" (or "run ended" for a span that names a run but
// no step, only when it failed or the view has no metrics for the run's
// summary line), after one line per event no log line repeats. Called with mu
// held.
func (v *View) appendSpan(b []byte, s sdktrace.ReadOnlySpan) []byte {
	kind, c := contract.Span(s)
	if kind == contract.MarkerSpan {
		return b // a running step's or run's marker, for trace backends: the status line shows it
	}
	tag := v.observe(&c, s.SpanContext().TraceID(), s.StartTime(), s.EndTime())
	st := s.Status()
	failed := st.Code == codes.Error
	d := formatDuration(s.EndTime().Sub(s.StartTime()))
	level, sev := "INFO", otellog.SeverityInfo
	switch {
	case failed:
		level, sev = "ERROR", otellog.SeverityError
	case c.Result == contract.ResultAbandoned:
		level, sev = "WARN", otellog.SeverityWarn
	}
	isStep := kind == contract.StepSpan
	// The step events tell the run's total also when no line did (the
	// steps of a StepLogger, whose events are on the run's span).
	for _, ev := range s.Events() {
		if ek, ec := contract.Event(ev, nil); ek == contract.StepEvent {
			v.observe(&ec, s.SpanContext().TraceID(), ev.Time, ev.Time)
		}
	}
	if kind == contract.RunSpan && !failed && v.reader != nil {
		return b // a run's span: its summary line will say it (the metrics are here)
	}
	name := s.Name()
	if isStep {
		name = c.Component
	}
	for _, ev := range s.Events() {
		switch {
		case ev.Name == otelstep.StepEventName:
			continue // the step's lines and its span say it
		case ev.Name == otelstep.LogEventName && v.logsOn:
			continue // the log record's line said it
		case ev.Name == "exception" && failed:
			continue // the status said it
		}
		b = v.appendEvent(b, s.Name(), tag, ev)
	}
	b = v.appendPrefix(b, s.EndTime(), level, sev, tag, name)
	switch {
	case isStep:
		b = append(b, "Step "...)
		b = c.AppendStep(b)
	case kind == contract.RunSpan:
		b = append(b, "run"...)
	default:
		b = append(b, "span"...)
	}
	switch {
	case failed:
		b = append(b, " failed after "...)
	case c.Result == contract.ResultAbandoned:
		b = append(b, " abandoned after "...)
	case isStep:
		b = append(b, " done in "...)
	default:
		b = append(b, " ended in "...)
	}
	b = append(b, d...)
	if failed && st.Description != "" {
		b = append(b, ": "...)
		b = appendEscaped(b, st.Description, false)
	}
	b = append(b, '\n')
	return b
}

// appendEvent appends "name: event NAME k=v ..." (an otelstep.log event as
// its message, when no log line said it).
func (v *View) appendEvent(b []byte, span, tag string, ev sdktrace.Event) []byte {
	tail := v.tail[:0]
	kind, c := contract.Event(ev, func(kv attribute.KeyValue) {
		tail = appendAttr(tail, string(kv.Key), kv.Value)
	})
	v.tail = tail
	if kind == contract.LogEvent {
		level := c.Severity
		if level == "" {
			level = "INFO"
		}
		comp := c.Component
		if comp == "" {
			comp = span
		}
		b = v.appendPrefix(b, ev.Time, level, levelSeverity(level), tag, comp)
		b = appendEscaped(b, c.Message, false)
	} else {
		b = v.appendPrefix(b, ev.Time, "INFO", otellog.SeverityInfo, tag, span)
		b = append(b, "event "...)
		b = appendValue(b, ev.Name)
	}
	b = append(b, tail...)
	return append(b, '\n')
}

// levelSeverity maps a slog level name to a severity, for colours.
func levelSeverity(level string) otellog.Severity {
	switch level {
	case "DEBUG":
		return otellog.SeverityDebug
	case "WARN":
		return otellog.SeverityWarn
	case "ERROR":
		return otellog.SeverityError
	}
	return otellog.SeverityInfo
}

// formatDuration rounds d to what a person reads: 3 significant digits.
func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond).String()
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// formatSeconds prints s seconds as a duration (see formatDuration).
func formatSeconds(s float64) string {
	if s != s || s < 0 {
		s = 0
	}
	if s > 1e9 {
		return ">30y"
	}
	return formatDuration(time.Duration(s * float64(time.Second)))
}
