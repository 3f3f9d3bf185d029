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
//		_ = p.Shutdown(sctx)
//	}()
//	run := otelstep.NewRun("build", otelstep.WithTracerProvider(p.TracerProvider),
//		otelstep.WithMeterProvider(p.MeterProvider), otelstep.WithLoggerProvider(p.LoggerProvider))
//
// # Environment
//
// Setup reads the variables of the OpenTelemetry specification: OTEL_SDK_DISABLED
// ("true": inert providers, nothing else read); OTEL_{TRACES,METRICS,LOGS}_EXPORTER
// (otlp, console, none, and prometheus for metrics; one name, no lists); the
// OTEL_EXPORTER_OTLP_* family, general and per signal (ENDPOINT, PROTOCOL
// http/protobuf or grpc, HEADERS, TIMEOUT, COMPRESSION, INSECURE, CERTIFICATE,
// CLIENT_CERTIFICATE, CLIENT_KEY); OTEL_METRIC_EXPORT_INTERVAL and _TIMEOUT;
// OTEL_METRICS_PRODUCERS (prometheus, none); OTEL_BSP_* and OTEL_BLRP_*; the
// attribute limit variables; OTEL_EXPORTER_PROMETHEUS_HOST and _PORT;
// OTEL_PROPAGATORS (the global propagator, through contrib's autoprop;
// tracecontext,baggage when unset; otelstep.Propagator beside it unless
// "none"); OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES, which override [WithServiceName] and
// [WithServiceVersion]. Every value is checked first: each unusable one is an
// [*EnvError] naming the variable, the value and what is accepted, all joined:
//
//	exporters: OTEL_TRACES_EXPORTER="jaegr": unknown exporter; accepted: otlp, console, none
//
// # Console
//
// The console view (package [github.com/otelstep/otelstep/otelstep/console])
// shows the job to a person: a line per step message and ended step, a status
// line on a terminal, a summary per run. OTELSTEP_CONSOLE decides when: auto
// (the default) shows it when nothing is configured (no exporter or endpoint
// variable set: then it is the only destination) and, beside the exporters,
// whenever the [WithConsole] writer (os.Stderr) is a terminal; on shows it
// always (a CI log); off never. An exporter named "console" sends that signal
// to the view; only then does the view print the values of metrics other than
// otelstep's, at Shutdown. Setup's own lines, and a program's through
// [Providers.Console], are printed above the status line.
//
// # Queues and limits
//
// Unset OTEL_BSP_* and OTEL_BLRP_* give queues sized for bursts
// ([DefaultSpanQueueSize], [DefaultLogQueueSize], batches of
// [DefaultMaxExportBatchSize], every [DefaultScheduleDelay]); the log queue
// is allocated in chunks as records arrive. A full queue drops (new spans, old
// records) rather than block a step. Unset value length limits cut string
// attributes to [DefaultAttributeValueLengthLimit] characters.
//
// # What reaches the backend
//
// Invalid UTF-8 would make an OTLP exporter refuse a whole batch: every
// string of spans, records and metric points is made valid on its way to the
// exporter, and the scope of every tracer, meter and logger where it is made.
// [Providers.Stats] counts spans, log records and metric points exported,
// failed (an export error, or rejected by the backend in a partial success)
// and dropped (full queue, Shutdown's deadline); Shutdown prints one line when
// anything was lost:
//
//	exporters: lost 12 of 100 spans (12 dropped, 0 failed), 0 of 200 log records (0 dropped, 0 failed) and 0 of 40 metric data points (0 dropped, 0 failed); ...
//
// [Providers.Shutdown] returns by its context's deadline, and then nothing of
// Setup's runs or sends any more, even when a backend hangs.
//
// # Errors and secrets
//
// With [WithGlobals] (the default) Setup installs the global error handler:
// each error is one line naming its signal and destination, the first of a
// kind at once, repeats summarised every [DefaultErrorInterval]. No message,
// error or console line shows a header value, or any part of an endpoint but
// its scheme, host, port and path: the rest prints as <redacted>.
package exporters
