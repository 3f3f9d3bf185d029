// Command burst emits a burst of otelstep telemetry as fast as it can, from
// several goroutines, and prints exactly what it emitted, so that a test can
// check that a backend received all of it.
//
//	go run ./examples/burst                          100000 steps, 8 workers
//	go run ./examples/burst -steps 5000 -workers 2 -json
//
// The telemetry goes where exporters.Setup sends it: the standard OTEL_*
// environment (OTEL_EXPORTER_OTLP_ENDPOINT, ...), the console view when
// nothing is set.
//
// # Shape
//
// All workers share one otelstep.Run named "burst" (component "burst"), so
// the step numbers 1..steps are unique across workers. Worker w takes
// steps/workers steps (the first steps%workers workers one more) in chunks
// of at most -chunk steps. Each chunk is one trace: a root span "burst chunk"
// (attributes burst.worker, burst.chunk), and per step a [otelstep.Run.Start]
// span "Step N: burst", child of the root, with one Step.Log message at Info.
// So every trace holds chunk+1 spans, chunk otelstep.step events (on the
// root) and chunk otelstep.log events (one on each step span), and the run
// makes 2 log records per step: the message and the step-start event.
//
// Why chunks: the SDK keeps at most 128 events per span
// (OTEL_SPAN_EVENT_COUNT_LIMIT) and silently drops the rest, and a root span
// per worker would carry thousands of otelstep.step events. -chunk is
// therefore capped at 100, under the default limit, rather than raising the
// limit: one trace per 100 steps is also what a real job (a batch, a request)
// looks like. Every count in the summary is then exact.
//
// # Output
//
// With -json, one line on stdout after the providers are shut down (so
// everything counted has been handed to the exporters):
//
//	{"service":"otelstep-burst","steps":100000,"workers":8,"spans":101000,
//	 "step_events":100000,"log_events":100000,"log_records":200000,
//	 "trace_count":1000,"traces":[{"trace_id":"...","worker":0,"chunk":0,
//	 "steps":100,"first_step":1}, ...],"emit_seconds":...,"wall_seconds":...,
//	 "shutdown_seconds":...,"peak_rss_bytes":...,"otel_errors":0,
//	 "shutdown_error":"","stats":{...}}
//
// first_step is the step number of the chunk's first step only if a single
// worker ran (with several, workers interleave; the trace's step numbers are
// in its spans). stats is Providers.Stats() when the exporters package has
// it (drops and failures per signal). otel_errors counts errors the SDK
// reported through otel.Handle while running (export failures): the first
// ones are printed on stderr.
//
// The batch processors drop spans and log records when their queues
// (OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BLRP_MAX_QUEUE_SIZE) are full: a burst that
// outruns the exporter by more than exporters.Setup's defaults hold (131,072
// spans, 262,144 log records) loses data, and stats says how much. The exit
// status is 0 unless the set-up fails or the flags are wrong; a failed flush
// is reported in shutdown_error.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/exporters"
	"github.com/otelstep/otelstep/otelstep"
)

const (
	defaultService = "otelstep-burst"
	runName        = "burst"
	component      = "burst"
	tracerName     = "github.com/otelstep/otelstep/examples/burst"
	// maxChunk keeps the otelstep.step events of a root span under the
	// SDK's default span event limit (128).
	maxChunk = 100
)

func main() { os.Exit(run()) }

func run() int {
	steps := flag.Int("steps", 100000, "number of steps in all")
	workers := flag.Int("workers", 8, "number of goroutines taking steps")
	chunk := flag.Int("chunk", maxChunk, fmt.Sprintf("steps per trace (1..%d)", maxChunk))
	jsonOut := flag.Bool("json", false, "print a one-line JSON summary on stdout")
	shutdownTimeout := flag.Duration("shutdown-timeout", 60*time.Second, "bound on the final flush")
	flag.Parse()
	if *steps < 1 || *workers < 1 || *chunk < 1 || *chunk > maxChunk {
		fmt.Fprintf(os.Stderr, "burst: need -steps >= 1, -workers >= 1, 1 <= -chunk <= %d\n", maxChunk)
		return 2
	}

	start := time.Now()
	var errCount atomic.Int64
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		if errCount.Add(1) <= 5 {
			fmt.Fprintf(os.Stderr, "burst: otel: %v\n", err)
		}
	}))

	ctx := context.Background()
	p, err := exporters.Setup(ctx, exporters.WithServiceName(defaultService))
	if err != nil {
		fmt.Fprintf(os.Stderr, "burst: telemetry setup: %v\n", err)
		return 1
	}

	b := &burst{
		run: otelstep.NewRun(runName,
			otelstep.WithTracerProvider(p.TracerProvider),
			otelstep.WithMeterProvider(p.MeterProvider),
			otelstep.WithLoggerProvider(p.LoggerProvider),
			otelstep.WithLevels(component), // Info, whatever OTELSTEP_LOGS says
		),
		tracer: p.TracerProvider.Tracer(tracerName),
		chunk:  *chunk,
		single: *workers == 1,
	}
	b.logger = b.run.Logger(component)

	traces := make([][]traceInfo, *workers)
	var wg sync.WaitGroup
	for w := range *workers {
		n := *steps / *workers
		if w < *steps%*workers {
			n++
		}
		wg.Go(func() { traces[w] = b.work(ctx, w, n) })
	}
	wg.Wait()
	b.run.End(ctx)
	emitted := time.Since(start)

	sctx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	shutStart := time.Now()
	shutErr := p.Shutdown(sctx)
	cancel()
	shutDur := time.Since(shutStart)

	s := summary{
		Service:         serviceName(p),
		Steps:           b.run.Steps(),
		Workers:         *workers,
		Chunk:           *chunk,
		Spans:           int(b.spans.Load()),
		StepEvents:      int(b.stepEvents.Load()),
		LogEvents:       int(b.logEvents.Load()),
		LogRecords:      int(b.logRecords.Load()),
		EmitSeconds:     emitted.Seconds(),
		ShutdownSeconds: shutDur.Seconds(),
		WallSeconds:     time.Since(start).Seconds(),
		PeakRSSBytes:    peakRSS(),
		OTelErrors:      int(errCount.Load()),
		Stats:           stats(p),
	}
	for _, ts := range traces {
		s.Traces = append(s.Traces, ts...)
	}
	s.TraceCount = len(s.Traces)
	if shutErr != nil {
		s.ShutdownError = shutErr.Error()
		fmt.Fprintf(os.Stderr, "burst: flushing telemetry failed: %v\n", shutErr)
	}
	fmt.Fprintf(os.Stderr, "burst: %d steps from %d workers in %d traces: emitted in %.2fs, flushed in %.2fs, peak RSS %d MiB\n",
		s.Steps, s.Workers, s.TraceCount, s.EmitSeconds, s.ShutdownSeconds, s.PeakRSSBytes>>20)
	if *jsonOut {
		out, err := json.Marshal(s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "burst: %v\n", err)
			return 1
		}
		fmt.Println(string(out))
	}
	return 0
}

// burst is the shared state of the workers.
type burst struct {
	run    *otelstep.Run
	logger *slog.Logger
	tracer trace.Tracer
	chunk  int
	single bool

	// What was emitted, counted as it happened.
	spans, stepEvents, logEvents, logRecords atomic.Int64
}

// traceInfo is one chunk: one trace.
type traceInfo struct {
	TraceID   string `json:"trace_id"`
	Worker    int    `json:"worker"`
	Chunk     int    `json:"chunk"`
	Steps     int    `json:"steps"`
	FirstStep int    `json:"first_step,omitempty"`
}

// work takes n steps in chunks, one trace per chunk.
func (b *burst) work(ctx context.Context, worker, n int) []traceInfo {
	var out []traceInfo
	for c := 0; n > 0; c++ {
		k := min(n, b.chunk)
		n -= k
		out = append(out, b.chunkTrace(ctx, worker, c, k))
	}
	return out
}

// chunkTrace runs k steps under a new root span.
func (b *burst) chunkTrace(ctx context.Context, worker, chunk, k int) traceInfo {
	rctx, root := b.tracer.Start(ctx, "burst chunk",
		trace.WithNewRoot(),
		trace.WithAttributes(
			attribute.String("otelstep.run", runName),
			attribute.Int("burst.worker", worker),
			attribute.Int("burst.chunk", chunk),
		))
	b.count(&b.spans, root)
	ti := traceInfo{TraceID: root.SpanContext().TraceID().String(), Worker: worker, Chunk: chunk, Steps: k}
	for i := range k {
		sctx, st := b.run.Start(rctx, b.logger)
		infoEnabled := st.Enabled(sctx, slog.LevelInfo)
		if i == 0 && b.single {
			ti.FirstStep = st.Number()
		}
		b.count(&b.stepEvents, root) // otelstep.step on the span in rctx
		b.count(&b.spans, st.Span())
		if infoEnabled {
			b.logRecords.Add(1) // the step-start event record
		}
		st.Info(sctx, "processed item", "worker", worker, "item", i)
		if infoEnabled {
			b.logRecords.Add(1)
			b.count(&b.logEvents, st.Span())
		}
		st.End(nil)
	}
	root.End()
	return ti
}

// count adds one to c if span records (and so exports) what it was given.
func (b *burst) count(c *atomic.Int64, span trace.Span) {
	if span.IsRecording() {
		c.Add(1)
	}
}

type summary struct {
	Service         string      `json:"service"`
	Steps           int         `json:"steps"`
	Workers         int         `json:"workers"`
	Chunk           int         `json:"chunk"`
	Spans           int         `json:"spans"`
	StepEvents      int         `json:"step_events"`
	LogEvents       int         `json:"log_events"`
	LogRecords      int         `json:"log_records"`
	TraceCount      int         `json:"trace_count"`
	Traces          []traceInfo `json:"traces"`
	EmitSeconds     float64     `json:"emit_seconds"`
	ShutdownSeconds float64     `json:"shutdown_seconds"`
	WallSeconds     float64     `json:"wall_seconds"`
	PeakRSSBytes    int64       `json:"peak_rss_bytes"`
	OTelErrors      int         `json:"otel_errors"`
	ShutdownError   string      `json:"shutdown_error,omitempty"`
	Stats           any         `json:"stats,omitempty"`
}

// peakRSS reads VmHWM, the peak resident set size, from /proc/self/status
// (Linux); 0 elsewhere.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

// stats returns p.Stats() if the exporters package has such a method (drop
// and failure counters), else nil. It is looked up by reflection so that
// this command builds with and without it.
func stats(p *exporters.Providers) any {
	m := reflect.ValueOf(p).MethodByName("Stats")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() < 1 {
		return nil
	}
	return m.Call(nil)[0].Interface()
}

// serviceName reads service.name from the resource Setup built.
func serviceName(p *exporters.Providers) string {
	if p.Resource != nil {
		if v, ok := p.Resource.Set().Value("service.name"); ok {
			return v.AsString()
		}
	}
	return defaultService
}
