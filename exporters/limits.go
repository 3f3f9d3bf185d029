package exporters

import (
	"os"
	"strconv"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// DefaultAttributeValueLengthLimit is the attribute value length limit, in
// characters, that [Setup] applies to span and log record attributes when
// none of OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT,
// OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT and
// OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT is set (the SDK's own default
// is unlimited). The SDK does not apply it to span event attributes;
// otelstep cuts the log.message it puts on its events itself.
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
