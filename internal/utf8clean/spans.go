package utf8clean

import (
	"slices"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Spans returns spans, or a copy in which each span with an invalid string
// (name, attributes, events, link attributes, status description) is
// replaced by a cleaned view of it. Scopes are not looked at: they are
// cleaned where they are made.
func Spans(spans []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for i, s := range spans {
		if c, ok := spanOf(s); !ok {
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

// span is a span with its strings made valid.
type span struct {
	sdktrace.ReadOnlySpan
	name   string
	attrs  []attribute.KeyValue
	events []sdktrace.Event
	links  []sdktrace.Link
	status sdktrace.Status
}

func spanOf(s sdktrace.ReadOnlySpan) (span, bool) {
	c := span{ReadOnlySpan: s, events: s.Events(), links: s.Links(), status: s.Status()}
	var nok, aok, sok bool
	c.name, nok = String(s.Name())
	c.attrs, aok = KeyValues(s.Attributes())
	c.status.Description, sok = String(c.status.Description)
	ok := nok && aok && sok
	cloned := false
	for i, ev := range c.events {
		name, nok := String(ev.Name)
		attrs, aok := KeyValues(ev.Attributes)
		if !nok || !aok {
			if !cloned {
				c.events, cloned = slices.Clone(c.events), true
			}
			c.events[i].Name, c.events[i].Attributes, ok = name, attrs, false
		}
	}
	cloned = false
	for i, l := range c.links {
		if attrs, lok := KeyValues(l.Attributes); !lok {
			if !cloned {
				c.links, cloned = slices.Clone(c.links), true
			}
			c.links[i].Attributes, ok = attrs, false
		}
	}
	return c, ok
}

func (s span) Name() string                     { return s.name }
func (s span) Attributes() []attribute.KeyValue { return s.attrs }
func (s span) Events() []sdktrace.Event         { return s.events }
func (s span) Links() []sdktrace.Link           { return s.links }
func (s span) Status() sdktrace.Status          { return s.status }
