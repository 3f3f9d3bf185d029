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
// valid UTF-8 (protobuf's "string field contains invalid UTF-8"), so one bad
// byte from any library sharing the providers would lose every span or
// record exported with it. The export path replaces invalid bytes by U+FFFD,
// once, just before the exporter: a scan in the common, valid case, a copy
// only of what needs a change. Each clean function returns its input
// unchanged (and ok true) when it is valid.

func cleanString(s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, true
	}
	return strings.ToValidUTF8(s, string(utf8.RuneError)), false
}

func cleanValue(v attribute.Value) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRING:
		if s, ok := cleanString(v.AsString()); !ok {
			return attribute.StringValue(s), false
		}
	case attribute.STRINGSLICE:
		ss, all := v.AsStringSlice(), true // a copy
		for i := range ss {
			var ok bool
			ss[i], ok = cleanString(ss[i])
			all = all && ok
		}
		if !all {
			return attribute.StringSliceValue(ss), false
		}
	case attribute.SLICE:
		vs, all := v.AsSlice(), true
		for i := range vs {
			var ok bool
			vs[i], ok = cleanValue(vs[i])
			all = all && ok
		}
		if !all {
			return attribute.SliceValue(vs...), false
		}
	case attribute.MAP:
		if kvs, ok := cleanKVs(v.AsMap()); !ok {
			return attribute.MapValue(kvs...), false
		}
	}
	return v, true
}

// cleanKVs returns kvs, or a cleaned copy when a key or value is invalid.
func cleanKVs(kvs []attribute.KeyValue) ([]attribute.KeyValue, bool) {
	var out []attribute.KeyValue
	for i, kv := range kvs {
		k, kok := cleanString(string(kv.Key))
		v, vok := cleanValue(kv.Value)
		if kok && vok {
			if out != nil {
				out[i] = kv
			}
			continue
		}
		if out == nil {
			out = slices.Clone(kvs)
		}
		out[i] = attribute.KeyValue{Key: attribute.Key(k), Value: v}
	}
	if out == nil {
		return kvs, true
	}
	return out, false
}

func cleanScope(s instrumentation.Scope) (instrumentation.Scope, bool) {
	var ok [4]bool
	s.Name, ok[0] = cleanString(s.Name)
	s.Version, ok[1] = cleanString(s.Version)
	s.SchemaURL, ok[2] = cleanString(s.SchemaURL)
	attrs, ok3 := cleanKVs(s.Attributes.ToSlice())
	if ok[3] = ok3; !ok3 {
		s.Attributes = attribute.NewSet(attrs...)
	}
	return s, ok == [4]bool{true, true, true, true}
}

// cleanResource returns res with its attributes and schema URL made valid.
// Setup cleans its resource once; spans and records carry that one.
func cleanResource(res *resource.Resource) *resource.Resource {
	attrs, aok := cleanKVs(res.Attributes())
	url, uok := cleanString(res.SchemaURL())
	if aok && uok {
		return res
	}
	return resource.NewWithAttributes(url, attrs...)
}

// cleanSpans returns spans, or a copy in which each span with an invalid
// string is replaced by a cleaned view of it.
func cleanSpans(spans []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for i, s := range spans {
		if c, ok := cleanSpanOf(s); !ok {
			if out == nil {
				out = slices.Clone(spans)
			}
			out[i] = c
		}
	}
	if out == nil {
		return spans
	}
	return out
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

func cleanSpanOf(s sdktrace.ReadOnlySpan) (cleanSpan, bool) {
	c := cleanSpan{ReadOnlySpan: s, events: s.Events(), links: s.Links(), status: s.Status()}
	var ok [5]bool
	c.name, ok[0] = cleanString(s.Name())
	c.attrs, ok[1] = cleanKVs(s.Attributes())
	c.status.Description, ok[2] = cleanString(c.status.Description)
	c.scope, ok[3] = cleanScope(s.InstrumentationScope())
	ok[4] = true
	for i, ev := range c.events {
		name, nok := cleanString(ev.Name)
		attrs, aok := cleanKVs(ev.Attributes)
		if !nok || !aok {
			if ok[4] {
				c.events, ok[4] = slices.Clone(c.events), false
			}
			c.events[i].Name, c.events[i].Attributes = name, attrs
		}
	}
	cloned := false
	for i, l := range c.links {
		if attrs, lok := cleanKVs(l.Attributes); !lok {
			if !cloned {
				c.links, cloned, ok[4] = slices.Clone(c.links), true, false
			}
			c.links[i].Attributes = attrs
		}
	}
	return c, ok == [5]bool{true, true, true, true, true}
}

func (s cleanSpan) Name() string                                { return s.name }
func (s cleanSpan) Attributes() []attribute.KeyValue            { return s.attrs }
func (s cleanSpan) Events() []sdktrace.Event                    { return s.events }
func (s cleanSpan) Links() []sdktrace.Link                      { return s.links }
func (s cleanSpan) Status() sdktrace.Status                     { return s.status }
func (s cleanSpan) InstrumentationScope() instrumentation.Scope { return s.scope }

//nolint:staticcheck // the deprecated accessor is part of the interface
func (s cleanSpan) InstrumentationLibrary() instrumentation.Library { return s.scope }

// cleanRecords returns records, or a copy in which each record with an
// invalid string (body, event name, severity text, attribute keys and
// values) is replaced by a cleaned clone. The log SDK gives no way to change
// a record's scope: a logger name is a constant in code, and the rare
// invalid one is left as it is.
func cleanRecords(records []sdklog.Record) []sdklog.Record {
	var out []sdklog.Record
	for i := range records {
		r := &records[i]
		var ok [4]bool
		var body attribute.Value
		var name, sev string
		body, ok[0] = cleanValue(r.Body())
		name, ok[1] = cleanString(r.EventName())
		sev, ok[2] = cleanString(r.SeverityText())
		ok[3] = true
		r.WalkAttributes(func(kv attribute.KeyValue) bool { // no allocation while valid
			_, kok := cleanString(string(kv.Key))
			_, vok := cleanValue(kv.Value)
			ok[3] = kok && vok
			return ok[3]
		})
		if ok == [4]bool{true, true, true, true} {
			continue
		}
		attrs := make([]attribute.KeyValue, 0, r.AttributesLen())
		r.WalkAttributes(func(kv attribute.KeyValue) bool { attrs = append(attrs, kv); return true })
		attrs, _ = cleanKVs(attrs)
		if out == nil {
			out = slices.Clone(records)
		}
		c := r.Clone()
		c.SetBody(body)
		c.SetEventName(name)
		c.SetSeverityText(sev)
		c.SetAttributes(attrs...)
		out[i] = c
	}
	if out == nil {
		return records
	}
	return out
}
