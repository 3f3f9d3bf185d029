package exporters

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// DefaultAttributeValueLengthLimit is the attribute value length limit, in
// characters, that [Setup] applies to spans, span events and log records
// when none of OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT,
// OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT and
// OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT is set (the SDK's own default
// is unlimited).
const DefaultAttributeValueLengthLimit = 8192

const (
	envAttrValLen     = "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"
	envSpanAttrValLen = "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT"
	envLogAttrValLen  = "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT"
)

// limitVars are the SDK's limit variables Setup validates: integers >= -1.
var limitVars = []string{
	envAttrValLen, envSpanAttrValLen, envLogAttrValLen,
	"OTEL_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
	"OTEL_SPAN_EVENT_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT",
	"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
	"OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
}

// processInt returns the process environment's integer value of the first
// of keys that is set and non-empty (as the SDK reads them).
func processInt(keys ...string) (int, bool) {
	for _, k := range keys {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		return n, err == nil
	}
	return 0, false
}

// spanLimits returns the SDK's span limits from the environment, with
// DefaultAttributeValueLengthLimit when no value length variable is set.
func spanLimits() sdktrace.SpanLimits {
	sl := sdktrace.NewSpanLimits()
	if _, set := processInt(envSpanAttrValLen, envAttrValLen); !set {
		sl.AttributeValueLengthLimit = DefaultAttributeValueLengthLimit
	}
	return sl
}

// logValueLengthLimit returns the log record attribute value length limit:
// OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT, else
// OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT (which the log SDK does not read
// itself), else the default.
func logValueLengthLimit() int {
	if n, ok := processInt(envLogAttrValLen, envAttrValLen); ok {
		return n
	}
	return DefaultAttributeValueLengthLimit
}

// truncateEvents returns spans whose event attribute values are at most
// limit characters long. Spans that need no change are returned as they
// are; the slice is copied only when one does.
func truncateEvents(spans []sdktrace.ReadOnlySpan, limit int) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for i, s := range spans {
		evs := s.Events()
		j := slices.IndexFunc(evs, func(ev sdktrace.Event) bool { return attrsTooLong(ev.Attributes, limit) })
		if j < 0 {
			continue
		}
		if out == nil {
			out = append(make([]sdktrace.ReadOnlySpan, 0, len(spans)), spans...)
		}
		cp := make([]sdktrace.Event, len(evs))
		copy(cp, evs)
		for k := j; k < len(cp); k++ {
			if attrsTooLong(cp[k].Attributes, limit) {
				attrs := make([]attribute.KeyValue, len(cp[k].Attributes))
				for a, kv := range cp[k].Attributes {
					attrs[a] = attribute.KeyValue{Key: kv.Key, Value: truncateValue(kv.Value, limit)}
				}
				cp[k].Attributes = attrs
			}
		}
		out[i] = truncatedSpan{ReadOnlySpan: s, events: cp}
	}
	if out == nil {
		return spans
	}
	return out
}

// truncatedSpan is a span with its events replaced.
type truncatedSpan struct {
	sdktrace.ReadOnlySpan
	events []sdktrace.Event
}

// Events returns the span's events with their attribute values cut.
func (s truncatedSpan) Events() []sdktrace.Event { return s.events }

// attrsTooLong reports whether a string or string slice value is longer
// than limit bytes (a cheap upper bound of its length in characters).
func attrsTooLong(kvs []attribute.KeyValue, limit int) bool {
	for _, kv := range kvs {
		switch kv.Value.Type() {
		case attribute.STRING:
			if len(kv.Value.AsString()) > limit {
				return true
			}
		case attribute.STRINGSLICE:
			for _, s := range kv.Value.AsStringSlice() {
				if len(s) > limit {
					return true
				}
			}
		}
	}
	return false
}

// truncateValue truncates strings to limit characters (runes), as the SDK
// does for span attributes.
func truncateValue(v attribute.Value, limit int) attribute.Value {
	switch v.Type() {
	case attribute.STRING:
		return attribute.StringValue(truncateString(v.AsString(), limit))
	case attribute.STRINGSLICE:
		ss := v.AsStringSlice()
		for i, s := range ss {
			ss[i] = truncateString(s, limit)
		}
		return attribute.StringSliceValue(ss)
	}
	return v
}

func truncateString(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit {
			return strings.ToValidUTF8(s[:i], string(utf8.RuneError))
		}
		n++
	}
	return s
}
