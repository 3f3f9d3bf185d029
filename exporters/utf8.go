package exporters

import (
	"slices"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The OTLP exporters refuse a whole batch when one string in it is not
// valid UTF-8 (protobuf's "string field contains invalid UTF-8"), so one
// bad byte from any library sharing the providers would lose every span or
// record exported with it. The export path therefore replaces invalid bytes
// by U+FFFD, once, just before the exporter: a scan for the common, valid
// case, a copy only of what needs a change.

const replacement = string(utf8.RuneError)

// cleanString returns s with every invalid byte sequence replaced.
func cleanString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, replacement)
}

// validValue reports whether every string in v (nested slices and maps
// included, map keys too) is valid UTF-8.
func validValue(v attribute.Value) bool {
	switch v.Type() {
	case attribute.STRING:
		return utf8.ValidString(v.AsString())
	case attribute.STRINGSLICE:
		return !slices.ContainsFunc(v.AsStringSlice(), func(s string) bool { return !utf8.ValidString(s) })
	case attribute.SLICE:
		return !slices.ContainsFunc(v.AsSlice(), func(e attribute.Value) bool { return !validValue(e) })
	case attribute.MAP:
		return validKVs(v.AsMap())
	}
	return true
}

func validKVs(kvs []attribute.KeyValue) bool {
	for _, kv := range kvs {
		if !utf8.ValidString(string(kv.Key)) || !validValue(kv.Value) {
			return false
		}
	}
	return true
}

// cleanValue returns v with its strings made valid.
func cleanValue(v attribute.Value) attribute.Value {
	if validValue(v) {
		return v
	}
	switch v.Type() {
	case attribute.STRING:
		return attribute.StringValue(cleanString(v.AsString()))
	case attribute.STRINGSLICE:
		ss := v.AsStringSlice() // a copy
		for i, s := range ss {
			ss[i] = cleanString(s)
		}
		return attribute.StringSliceValue(ss)
	case attribute.SLICE:
		vs := v.AsSlice()
		for i, e := range vs {
			vs[i] = cleanValue(e)
		}
		return attribute.SliceValue(vs...)
	case attribute.MAP:
		return attribute.MapValue(cleanKVs(v.AsMap())...)
	}
	return v
}

// cleanKVs returns kvs, or a cleaned copy when a key or value is invalid.
func cleanKVs(kvs []attribute.KeyValue) []attribute.KeyValue {
	if validKVs(kvs) {
		return kvs
	}
	out := make([]attribute.KeyValue, len(kvs))
	for i, kv := range kvs {
		out[i] = attribute.KeyValue{Key: attribute.Key(cleanString(string(kv.Key))), Value: cleanValue(kv.Value)}
	}
	return out
}

func validScope(s instrumentation.Scope) bool {
	return utf8.ValidString(s.Name) && utf8.ValidString(s.Version) && utf8.ValidString(s.SchemaURL) && validKVs(s.Attributes.ToSlice())
}

func cleanScope(s instrumentation.Scope) instrumentation.Scope {
	if validScope(s) {
		return s
	}
	s.Name, s.Version, s.SchemaURL = cleanString(s.Name), cleanString(s.Version), cleanString(s.SchemaURL)
	s.Attributes = attribute.NewSet(cleanKVs(s.Attributes.ToSlice())...)
	return s
}

// cleanResource returns res with its attributes and schema URL made valid.
// Setup cleans its resource once; spans and records carry that one.
func cleanResource(res *resource.Resource) *resource.Resource {
	if res == nil || (validKVs(res.Attributes()) && utf8.ValidString(res.SchemaURL())) {
		return res
	}
	return resource.NewWithAttributes(cleanString(res.SchemaURL()), cleanKVs(res.Attributes())...)
}

// cleanSpans returns spans, or a copy in which each span with an invalid
// string is replaced by a cleaned view of it.
func cleanSpans(spans []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for i, s := range spans {
		if validSpan(s) {
			continue
		}
		if out == nil {
			out = slices.Clone(spans)
		}
		out[i] = newCleanSpan(s)
	}
	if out == nil {
		return spans
	}
	return out
}

func validSpan(s sdktrace.ReadOnlySpan) bool {
	if !utf8.ValidString(s.Name()) || !validKVs(s.Attributes()) || !utf8.ValidString(s.Status().Description) || !validScope(s.InstrumentationScope()) {
		return false
	}
	for _, ev := range s.Events() {
		if !utf8.ValidString(ev.Name) || !validKVs(ev.Attributes) {
			return false
		}
	}
	for _, l := range s.Links() {
		if !validKVs(l.Attributes) {
			return false
		}
	}
	return true
}

// cleanSpan is a span with its strings made valid.
type cleanSpan struct {
	sdktrace.ReadOnlySpan
	name   string
	attrs  []attribute.KeyValue
	events []sdktrace.Event
	links  []sdktrace.Link
	status sdktrace.Status
	scope  instrumentation.Scope
}

func newCleanSpan(s sdktrace.ReadOnlySpan) cleanSpan {
	c := cleanSpan{
		ReadOnlySpan: s,
		name:         cleanString(s.Name()),
		attrs:        cleanKVs(s.Attributes()),
		events:       slices.Clone(s.Events()),
		links:        slices.Clone(s.Links()),
		status:       s.Status(),
		scope:        cleanScope(s.InstrumentationScope()),
	}
	c.status.Description = cleanString(c.status.Description)
	for i := range c.events {
		c.events[i].Name = cleanString(c.events[i].Name)
		c.events[i].Attributes = cleanKVs(c.events[i].Attributes)
	}
	for i := range c.links {
		c.links[i].Attributes = cleanKVs(c.links[i].Attributes)
	}
	return c
}

func (s cleanSpan) Name() string                                { return s.name }
func (s cleanSpan) Attributes() []attribute.KeyValue            { return s.attrs }
func (s cleanSpan) Events() []sdktrace.Event                    { return s.events }
func (s cleanSpan) Links() []sdktrace.Link                      { return s.links }
func (s cleanSpan) Status() sdktrace.Status                     { return s.status }
func (s cleanSpan) InstrumentationScope() instrumentation.Scope { return s.scope }

//nolint:staticcheck // the deprecated accessor still reaches some exporters
func (s cleanSpan) InstrumentationLibrary() instrumentation.Library { return s.scope }

// cleanRecords returns records, or a copy in which each record with an
// invalid string (body, event name, severity text, attribute keys and
// values) is replaced by a cleaned clone. The SDK gives no way to change a
// record's scope: a logger name is a constant in code, and the rare invalid
// one is left as it is.
func cleanRecords(records []sdklog.Record) []sdklog.Record {
	var out []sdklog.Record
	for i := range records {
		r := &records[i]
		if validRecord(r) {
			continue
		}
		if out == nil {
			out = slices.Clone(records)
		}
		out[i] = cleanRecord(r)
	}
	if out == nil {
		return records
	}
	return out
}

func validRecord(r *sdklog.Record) bool {
	ok := utf8.ValidString(r.EventName()) && utf8.ValidString(r.SeverityText()) && validValue(r.Body())
	if ok {
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			ok = utf8.ValidString(string(kv.Key)) && validValue(kv.Value)
			return ok
		})
	}
	return ok
}

func cleanRecord(r *sdklog.Record) sdklog.Record {
	c := r.Clone()
	c.SetEventName(cleanString(r.EventName()))
	c.SetSeverityText(cleanString(r.SeverityText()))
	c.SetBody(cleanValue(r.Body()))
	attrs := make([]attribute.KeyValue, 0, r.AttributesLen())
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		attrs = append(attrs, attribute.KeyValue{Key: attribute.Key(cleanString(string(kv.Key))), Value: cleanValue(kv.Value)})
		return true
	})
	c.SetAttributes(attrs...)
	return c
}
