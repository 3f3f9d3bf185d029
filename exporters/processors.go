package exporters

import (
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Queue defaults Setup applies when the OTEL_BSP_* and OTEL_BLRP_*
// variables are unset (see "Queues" in the package documentation).
const (
	DefaultSpanQueueSize      = 131072 // OTEL_BSP_MAX_QUEUE_SIZE; SDK default 2048
	DefaultLogQueueSize       = 262144 // OTEL_BLRP_MAX_QUEUE_SIZE, allocated as needed; SDK default 2048
	DefaultMaxExportBatchSize = 2048   // both; SDK default 512
	DefaultScheduleDelay      = time.Second

	defaultLogExportTimeout = 30 * time.Second // OTEL_BLRP_EXPORT_TIMEOUT, as the SDK's
)

// DefaultAttributeValueLengthLimit is the attribute value length limit, in
// characters, that [Setup] applies to span and log record attributes when
// none of OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT,
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

// spanLimits returns the SDK's span limits (it reads the variables itself),
// with DefaultAttributeValueLengthLimit when no value length variable is
// set.
func (e env) spanLimits() sdktrace.SpanLimits {
	sl := sdktrace.NewSpanLimits()
	if _, set := e.int(envSpanAttrValLen, envAttrValLen); !set {
		sl.AttributeValueLengthLimit = DefaultAttributeValueLengthLimit
	}
	return sl
}

// logValueLengthLimit returns the log record attribute value length limit:
// OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT, else
// OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT (which the log SDK does not read
// itself), else the default.
func (e env) logValueLengthLimit() int {
	if n, ok := e.int(envLogAttrValLen, envAttrValLen); ok {
		return n
	}
	return DefaultAttributeValueLengthLimit
}

// bspOptions returns the batch span processor options for the OTEL_BSP_*
// variables that are unset (the SDK reads those that are set).
func (e env) bspOptions() []sdktrace.BatchSpanProcessorOption {
	var opts []sdktrace.BatchSpanProcessorOption
	q, set := e.int("OTEL_BSP_MAX_QUEUE_SIZE")
	if !set {
		q = DefaultSpanQueueSize
		opts = append(opts, sdktrace.WithMaxQueueSize(q))
	}
	if _, set := e.int("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"); !set {
		opts = append(opts, sdktrace.WithMaxExportBatchSize(min(DefaultMaxExportBatchSize, q)))
	}
	if _, set := e.int("OTEL_BSP_SCHEDULE_DELAY"); !set {
		opts = append(opts, sdktrace.WithBatchTimeout(DefaultScheduleDelay))
	}
	return opts
}

// logBatcherFor returns the batching log processor for exp, configured by
// the OTEL_BLRP_* variables that are set and Setup's defaults otherwise.
func (e env) logBatcherFor(exp *logExporter) *logBatcher {
	ms := func(key string, def time.Duration) time.Duration {
		if n, set := e.int(key); set {
			return max(time.Duration(n)*time.Millisecond, time.Millisecond)
		}
		return def
	}
	q, set := e.int("OTEL_BLRP_MAX_QUEUE_SIZE")
	if !set {
		q = DefaultLogQueueSize
	}
	batch, set := e.int("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE")
	if !set {
		batch = DefaultMaxExportBatchSize
	}
	return newLogBatcher(exp, q, batch, ms("OTEL_BLRP_SCHEDULE_DELAY", DefaultScheduleDelay), ms("OTEL_BLRP_EXPORT_TIMEOUT", defaultLogExportTimeout))
}
