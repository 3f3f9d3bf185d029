// Package exporters turns the standard OpenTelemetry environment into
// tracer, meter and logger providers: one call to [Setup] gives a service all
// three signals, one call to [Providers.Shutdown] flushes them.
//
//	p, err := exporters.Setup(ctx, exporters.WithServiceName("compiler"))
//	if err != nil {
//		return err // names the variable, its value and what is accepted
//	}
//	defer func() {
//		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
//		defer cancel()
//		_ = p.Shutdown(sctx) // without a deadline it may wait 10 s: see Shutdown
//	}()
//
// # Environment
//
// Setup reads the variables of the OpenTelemetry specification. Exporters are
// built by go.opentelemetry.io/contrib/exporters/autoexport and the OTLP
// exporters it wraps; Setup checks every value first, because they silently
// ignore or misread many bad ones.
//
//   - OTEL_SDK_DISABLED: "true" (any case) makes Setup return inert
//     providers: SDK providers with no processor and no reader (the tracer
//     provider samples nothing), an empty resource, globals untouched, every
//     other variable ignored, Shutdown returning nil. [Providers.Disabled]
//     reports it. Values other than true and false are an error.
//   - OTEL_TRACES_EXPORTER (otlp, console, none), OTEL_METRICS_EXPORTER (otlp,
//     prometheus, console, none), OTEL_LOGS_EXPORTER (otlp, console, none).
//     Names are matched exactly, as autoexport does; lists such as
//     "otlp,console" are an error. "none" attaches nothing to the provider.
//     An unset variable means otlp, as the specification says, except when
//     the console fallback below applies.
//   - OTEL_EXPORTER_OTLP_PROTOCOL and OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_PROTOCOL:
//     http/protobuf (default) or grpc.
//   - OTEL_EXPORTER_OTLP_ENDPOINT and the per-signal _ENDPOINT forms: an http
//     or https URL with a host (for grpc also host:port and unix:///path).
//     For http/protobuf the general endpoint is a base to whose path
//     /v1/traces, /v1/metrics, /v1/logs are appended; a per-signal endpoint
//     is used as is. The OTLP exporters drop the user information and the
//     query string; messages print the URL the requests really go to, and
//     never a password, a query string or a header value.
//   - OTEL_EXPORTER_OTLP_HEADERS and per-signal forms: key=value pairs,
//     comma-separated, values percent-encoded. Header values are never
//     printed, in errors or on the console.
//   - OTEL_EXPORTER_OTLP_INSECURE (true, false), _TIMEOUT (milliseconds),
//     _COMPRESSION (gzip, none), _CERTIFICATE (a readable PEM CA file),
//     _CLIENT_CERTIFICATE with _CLIENT_KEY (both, a matching pair), each also
//     in per-signal form.
//   - OTEL_METRIC_EXPORT_INTERVAL (default 60000) and
//     OTEL_METRIC_EXPORT_TIMEOUT: positive milliseconds.
//   - OTEL_BSP_* and OTEL_BLRP_* (SCHEDULE_DELAY, EXPORT_TIMEOUT: milliseconds
//     >= 0; MAX_QUEUE_SIZE, MAX_EXPORT_BATCH_SIZE: > 0) for the batch span and
//     log processors used with otlp.  Unset, Setup's own defaults apply; see
//     Queues below.
//   - The SDK's limit variables, integers >= -1 (-1: no limit):
//     OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT, OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT,
//     OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT, and the *_COUNT_LIMIT ones.
//     See Attribute limits below.
//   - OTEL_EXPORTER_PROMETHEUS_HOST (an IP address or a DNS name) and _PORT
//     when metrics use prometheus.
//   - OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, see Resource below.
//
// The OTLP, Prometheus, none and fallback exporters are chosen by
// go.opentelemetry.io/contrib/exporters/autoexport ("none" attaches
// nothing: autoexport's IsNone* functions); "console" is this package's view.
// Every unusable value is an [*EnvError], all of them joined into Setup's
// error, for example:
//
//	exporters: OTEL_TRACES_EXPORTER="jaegr": unknown exporter; accepted: otlp, console, none
//
// OTEL_PROPAGATORS is not read: with [WithGlobals] (the default) the global
// propagator is W3C tracecontext + baggage.
//
// # Console fallback
//
// When nothing is configured, that is none of OTEL_TRACES_EXPORTER,
// OTEL_METRICS_EXPORTER, OTEL_LOGS_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT and
// OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT is set, all three signals
// go to a readable console view on the [WithConsole] writer (os.Stderr by
// default) instead of an OTLP exporter with nowhere to send. Setting any one
// of them switches to the specification's behaviour for all three. The same
// view serves an explicit "console" exporter (not autoexport's JSON on
// stdout), so WithConsole applies to it too.
//
// The view is package [github.com/otelstep/otelstep/otelstep/console],
// whose documentation shows its output. It writes synchronously (simple
// processors), so nothing is lost and nothing is buffered: one torch-like
// line per step message and per ended step; on a terminal a status line
// per active run (n/total, bar, rate, time left, in-step progress) redrawn
// in place at most 10 times a second; otherwise a plain progress line at
// most every 5 s and never an escape code; a summary when a run ends.
// Metrics of other instrumentation scopes than otelstep's print their
// values at Shutdown and [Providers.ForceFlush]. Control characters are
// escaped: nothing can forge a line or move the cursor.
//
// Setup's own lines, export errors and the "lost N of M" warning at
// Shutdown, go through the view too: printed above the status line, never
// overwritten by it. A program's own lines do the same through
// [Providers.Console].
//
// # Resource
//
// telemetry.sdk.* and host.name, then service.name (from [WithServiceName],
// else "unknown_service:<executable>") and service.version (from
// [WithServiceVersion], else the main module version of the build
// information unless "(devel)"), then OTEL_RESOURCE_ATTRIBUTES, then
// OTEL_SERVICE_NAME: each later source overrides the earlier ones. The
// options are defaults the code ships with; the environment, the operator's
// word, wins, as the specification orders OTEL_SERVICE_NAME over resource
// attributes.
//
// # Shutdown
//
// [Providers.Shutdown] flushes and stops the three providers concurrently,
// including a final metric collection so short-lived jobs export their last
// gauge values, and returns by the context's deadline even when a backend is
// down (exports the SDK abandons then may finish in the background). Its
// errors name the signal and destination, for example
// "exporters: traces to otlp http/protobuf http://collector:4318/v1/traces: context deadline exceeded".
//
// Give it a deadline: without one, with the backend down, it may wait for
// the exporters' timeout per protocol, as [Providers.Shutdown] says.
//
// # Queues
//
// While a backend is slow or down, spans and log records wait in the batch
// processors' queues; a full queue drops new spans (the span processor) or
// the oldest records (the log processor) instead of blocking: a step call
// never waits for an export. When the OTEL_BSP_* and OTEL_BLRP_* variables
// are unset Setup uses, instead of the SDK's 2048 / 512 / 5 s (spans) and
// 2048 / 512 / 1 s (logs):
//
//	                  queue    batch  delay
//	spans (BSP)       131072   2048   1 s   [DefaultSpanQueueSize]
//	log records       262144   2048   1 s   [DefaultLogQueueSize]
//
// A variable that is set wins (a batch larger than the queue is cut to the
// queue). A burst is lossless as long as what the exporter has not sent yet
// fits in the queue: 100,000 otelstep steps from 8 goroutines in a tight
// loop (Run.Start, Step.Log, Step.End: 1 span and 2 log records a step) all
// arrive, at a real Jaeger and at an in-process OTLP/HTTP server, at about
// 400 MiB peak RSS for the burst process (scripts/burst-figure.sh).
//
// Memory: the span queue is the SDK's, a channel of 131,072 interface
// values (2 MiB allocated at start) holding ended spans of about 1-2 KiB
// each with their events. The log queue is this package's batching
// processor. It behaves as the SDK's BatchProcessor does (batches of
// OTEL_BLRP_MAX_EXPORT_BATCH_SIZE when one is full or every
// OTEL_BLRP_SCHEDULE_DELAY, one export at a time, each bounded by
// OTEL_BLRP_EXPORT_TIMEOUT, the oldest record dropped when full, an emit
// never waiting on an export); it differs in memory: the SDK allocates its
// whole ring at start (about 600 bytes a slot, 150 MiB for 262,144), this
// one allocates it in chunks of 512 records as records arrive, never more
// than the maximum, and gives each chunk back once drained, so an idle
// service holds at most two chunks. Drops are counted in [Providers.Stats]
// rather than logged. Lower OTEL_BLRP_MAX_QUEUE_SIZE and
// OTEL_BSP_MAX_QUEUE_SIZE to cap what a burst may take in a small container.
//
// # Attribute limits
//
// When none of OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT,
// OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT and
// OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT is set, string attribute values
// are cut to [DefaultAttributeValueLengthLimit] (8192) characters, not the
// SDK's unlimited: long enough for any step message or stack trace a person
// reads, short enough that one runaway value cannot make an OTLP request
// that a collector refuses (gRPC's 4 MiB) or a Jaeger page unusable. The
// span limit comes from the SPAN variable, else the general one; the log
// limit from the LOGRECORD variable, else the general one (the log SDK reads
// only its own). The SDK does not cut span event attributes; otelstep cuts
// the log.message it copies onto its events itself. Log record bodies are
// not attributes and are not truncated: an otelstep message is sent whole as
// the body of its record.
//
// # Strings
//
// The OTLP exporters refuse a whole batch when one string in it is not valid
// UTF-8, so the export path replaces invalid bytes by U+FFFD in every span
// and log record, whoever made it: names, attribute keys and values (nested
// slices and maps too), event names, status descriptions, bodies, severity
// texts, span scopes and the resource. A batch without an invalid string
// costs a scan; only a span or record that needs it is copied. The one
// string left as it is: the scope (logger name) of a log record, which the
// log SDK gives no way to change.
//
// # Errors and lost telemetry
//
// With [WithGlobals] (the default) Setup installs the global error handler
// (otel.SetErrorHandler), through which the SDK reports the export errors
// of its background exports. It writes on the [WithConsole] writer, or to
// the handler given by [WithErrorHandler], and rate-limits: the first error
// of each kind (an export of one signal to one destination; other errors
// by their text, numbers aside) is written at once, naming the signal and
// destination (also the metric reader's, which reach the handler
// unwrapped); repeats are counted and summarised once per
// [DefaultErrorInterval] (30 s), and once more at Shutdown:
//
//	exporters: traces to otlp http/protobuf http://127.0.0.1:4318/v1/traces: export failed: traces export: Post "…": connect: connection refused (repeats are counted, summarised every 30s)
//	exporters: 41 more export errors for traces to otlp http/protobuf http://127.0.0.1:4318/v1/traces since 10:00:01 (last: …)
//
// Header values (OTEL_EXPORTER_OTLP_HEADERS and per-signal forms) and the
// user information and query strings of the endpoints are replaced by
// "<redacted>" wherever they would appear in that output or in the errors
// ForceFlush and Shutdown return.
//
// [Providers.Stats] counts spans and log records from end or emission to
// export: exported, failed (the export call returned an error, after the
// OTLP exporter's retries, which last up to its timeout,
// OTEL_EXPORTER_OTLP_TIMEOUT, 10 s by default) and dropped (full queue, or
// Shutdown's deadline). The counting is one atomic add per span or record.
// When anything was lost Shutdown writes one line:
//
//	exporters: lost 1234 of 100000 spans (1234 dropped, 0 failed) and 0 of 200000 log records (0 dropped, 0 failed); dropped: queue full or Shutdown deadline, failed: export error
//
// # Files
//
//   - setup.go: Setup, the providers, Shutdown and ForceFlush.
//   - options.go: the options of Setup.
//   - env.go: validation of every OTEL_* value, with errors naming variable, value and accepted forms.
//   - resource.go: the resource, options as defaults the environment overrides.
//   - limits.go: the attribute length default and the limit variables the SDK misreads.
//   - logqueue.go: the bounded, lazily allocated log queue (the SDK's preallocates).
//   - utf8.go: invalid UTF-8 made U+FFFD at export (OTLP refuses the whole batch).
//   - stats.go: the lost-telemetry accounting ([Providers.Stats], the Shutdown line).
//   - errlimit.go: the rate-limited error handler and the redaction of secrets.
//   - console.go: the readable console view, and Console for the program's own lines.
package exporters
