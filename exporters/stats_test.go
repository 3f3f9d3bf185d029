package exporters

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
)

// emitSpansLogs ends n spans and emits n log records through p.
func emitSpansLogs(ctx context.Context, p *Providers, n int) {
	tr := p.TracerProvider.Tracer("stats")
	lg := p.LoggerProvider.Logger("stats")
	for range n {
		_, s := tr.Start(ctx, "s")
		s.End()
		var r otellog.Record
		r.SetBody(attribute.StringValue("m"))
		lg.Emit(ctx, r)
	}
}

func shutdownWithin(t *testing.T, p *Providers, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return p.Shutdown(ctx)
}

// TestStatsBackendRecovers: the backend answers 503 at first; the OTLP
// exporter retries and nothing is lost.
func TestStatsBackendRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the OTLP exporter's first retry (about 5 s)")
	}
	sk := &sink{}
	sk.refuse.Store(2)
	srv := httptest.NewServer(sk)
	defer srv.Close()
	sinkEnv(t, srv.URL)

	var console syncBuffer
	ctx := context.Background()
	p, err := Setup(ctx, WithGlobals(false), WithConsole(&console))
	if err != nil {
		t.Fatal(err)
	}
	emitSpansLogs(ctx, p, 100)
	if err := shutdownWithin(t, p, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	t.Logf("%+v, refused %d", st, sk.refused.Load())
	if sk.refused.Load() != 2 {
		t.Errorf("server refused %d requests, want 2", sk.refused.Load())
	}
	want := Stats{SpansEnded: 100, SpansExported: 100, LogsEmitted: 100, LogsExported: 100}
	if st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
	if got := sk.spans.Load(); got != 100 {
		t.Errorf("server decoded %d spans, want 100", got)
	}
	if got := sk.logs.Load(); got != 100 {
		t.Errorf("server decoded %d log records, want 100", got)
	}
	if console.String() != "" {
		t.Errorf("console: %q", console.String())
	}
}

// TestStatsExportFailed: a batch the backend rejects is counted as failed,
// exactly, and reported at Shutdown.
func TestStatsExportFailed(t *testing.T) {
	sk := &sink{status: http.StatusBadRequest} // not retried
	srv := httptest.NewServer(sk)
	defer srv.Close()
	sinkEnv(t, srv.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000")
	t.Setenv("OTEL_BLRP_SCHEDULE_DELAY", "600000")

	var console syncBuffer
	ctx := context.Background()
	p, err := Setup(ctx, WithGlobals(false), WithConsole(&console))
	if err != nil {
		t.Fatal(err)
	}
	emitSpansLogs(ctx, p, 10)
	sk.refuse.Store(3) // traces, metrics, logs of the first flush
	if err := p.ForceFlush(ctx); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("ForceFlush = %v, want the 400", err)
	}
	emitSpansLogs(ctx, p, 7)
	if err := shutdownWithin(t, p, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	want := Stats{SpansEnded: 17, SpansExported: 7, SpansFailed: 10, LogsEmitted: 17, LogsExported: 7, LogsFailed: 10}
	if st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
	if sk.spans.Load() != 7 || sk.logs.Load() != 7 {
		t.Errorf("server decoded %d spans, %d logs, want 7 and 7", sk.spans.Load(), sk.logs.Load())
	}
	const line = "exporters: lost 10 of 17 spans (0 dropped, 10 failed), 10 of 17 log records (0 dropped, 10 failed) and 0 of 0 metric data points"
	if !strings.Contains(console.String(), line) {
		t.Errorf("console %q lacks %q", console.String(), line)
	}
}

// TestStatsQueueFull: with a queue of 4 and a backend that holds the first
// export, the rest is dropped, counted, and the sums add up.
func TestStatsQueueFull(t *testing.T) {
	sk := &sink{gate: make(chan struct{})}
	srv := httptest.NewServer(sk)
	defer srv.Close()
	sinkEnv(t, srv.URL)
	for _, pre := range []string{"OTEL_BSP_", "OTEL_BLRP_"} {
		t.Setenv(pre+"MAX_QUEUE_SIZE", "4")
		t.Setenv(pre+"SCHEDULE_DELAY", "600000")
	}

	var console syncBuffer
	ctx := context.Background()
	p, err := Setup(ctx, WithGlobals(false), WithConsole(&console))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	emitSpansLogs(ctx, p, 1000)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("emitting blocked: %v", d)
	}
	st := p.Stats()
	if st.SpansEnded != 1000 || st.SpansPending+st.SpansExported != 1000 || st.SpansDropped != 0 {
		t.Errorf("before Shutdown: %+v", st)
	}
	close(sk.gate)
	if err := shutdownWithin(t, p, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	st = p.Stats()
	t.Logf("%+v", st)
	if st.SpansEnded != 1000 || st.LogsEmitted != 1000 {
		t.Errorf("ended/emitted = %d/%d, want 1000", st.SpansEnded, st.LogsEmitted)
	}
	if st.SpansExported+st.SpansDropped+st.SpansFailed != st.SpansEnded || st.LogsExported+st.LogsDropped+st.LogsFailed != st.LogsEmitted {
		t.Errorf("counts do not add up: %+v", st)
	}
	if st.SpansPending != 0 || st.LogsPending != 0 {
		t.Errorf("pending after Shutdown: %+v", st)
	}
	if st.SpansDropped < 900 || st.LogsDropped < 900 {
		t.Errorf("dropped %d spans, %d logs, want most of 1000", st.SpansDropped, st.LogsDropped)
	}
	if int64(st.SpansExported) != sk.spans.Load() || int64(st.LogsExported) != sk.logs.Load() {
		t.Errorf("exported %d/%d, server decoded %d/%d", st.SpansExported, st.LogsExported, sk.spans.Load(), sk.logs.Load())
	}
	if !strings.Contains(console.String(), "exporters: lost ") || strings.Count(console.String(), "\n") != 1 {
		t.Errorf("console: %q, want one lost line", console.String())
	}
}

// TestBurst: many steps in a tight loop from 8 goroutines with Setup's
// default queues: nothing is lost while the backend is up.
func TestBurst(t *testing.T) {
	// 20,000 steps make 20,000 spans and 40,000 log records: within the
	// default queues (131072, 262144) however slow the export, so nothing
	// may be lost, also under -race. BURST_STEPS=100000 measures the burst
	// of the e2e suite (see doc.go).
	steps := 20_000
	if v, err := strconv.Atoi(os.Getenv("BURST_STEPS")); err == nil && v > 0 {
		steps = v
	}
	const workers = 8
	sk := &sink{}
	srv := httptest.NewServer(sk)
	defer srv.Close()
	sinkEnv(t, srv.URL)
	for _, k := range []string{"OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BLRP_MAX_QUEUE_SIZE"} {
		if v := os.Getenv("BURST_" + k); v != "" {
			t.Setenv(k, v) // for measuring other sizes
		}
	}

	var console syncBuffer
	ctx := context.Background()
	p, err := Setup(ctx, WithGlobals(false), WithConsole(&console))
	if err != nil {
		t.Fatal(err)
	}
	run := otelstep.NewRun("burst",
		otelstep.WithTracerProvider(p.TracerProvider),
		otelstep.WithMeterProvider(p.MeterProvider),
		otelstep.WithLoggerProvider(p.LoggerProvider),
		otelstep.WithLevels("all"),
	)
	logger := run.Logger("burst")
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range steps / workers {
				sctx, st := run.Start(ctx, logger)
				st.Log(sctx, slog.LevelInfo, "compiled", "unit", 1)
				st.End(nil)
			}
		})
	}
	wg.Wait()
	produced := time.Since(start)
	if err := shutdownWithin(t, p, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	total := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := p.Stats()
	t.Logf("%d steps: produced in %v (%.0f steps/s), exported by %v; heap in use %d MiB, total alloc %d MiB, %s; %+v",
		steps, produced, float64(steps)/produced.Seconds(), total, ms.HeapInuse>>20, (ms.TotalAlloc-ms0.TotalAlloc)>>20, vmHWM(), st)

	// Per step: one span; one "Step N started" record and one message.
	wantSpans, wantLogs := uint64(steps), uint64(2*steps)
	if st.SpansEnded != wantSpans || st.LogsEmitted != wantLogs {
		t.Errorf("ended %d spans, emitted %d records, want %d and %d", st.SpansEnded, st.LogsEmitted, wantSpans, wantLogs)
	}
	if st.SpansDropped != 0 || st.SpansFailed != 0 || st.LogsDropped != 0 || st.LogsFailed != 0 {
		t.Errorf("lost telemetry: %+v", st)
	}
	if got := sk.spans.Load(); uint64(got) != wantSpans {
		t.Errorf("server decoded %d spans, want %d", got, wantSpans)
	}
	if got := sk.logs.Load(); uint64(got) != wantLogs {
		t.Errorf("server decoded %d log records, want %d", got, wantLogs)
	}
	if console.String() != "" {
		t.Errorf("console: %q", console.String())
	}
}

// vmHWM returns the process's peak RSS line from /proc, if any.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "peak RSS unknown"
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return "peak RSS " + strings.TrimSpace(v)
		}
	}
	return "peak RSS unknown"
}
