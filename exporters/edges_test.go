package exporters

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/goleak"

	"github.com/otelstep/otelstep/otelstep"
)

// TestInvalidUTF8MetricsAndScopes: a counter of the application with an
// invalid UTF-8 attribute key and value does not stop the metric exports
// (otelstep's gauges arrive beside it, at an OTLP/HTTP server that decodes
// the protobuf), and neither does an invalid scope name of any signal.
func TestInvalidUTF8MetricsAndScopes(t *testing.T) {
	sk := &sink{keep: true}
	srv := httptest.NewServer(sk)
	defer srv.Close()
	sinkEnv(t, srv.URL)
	ctx := context.Background()
	var console syncBuffer
	p, err := Setup(ctx, WithGlobals(false), WithConsole(&console))
	if err != nil {
		t.Fatal(err)
	}
	run := otelstep.NewRun("utf8", otelstep.WithTotalSteps(2), otelstep.WithTracerProvider(p.TracerProvider),
		otelstep.WithLoggerProvider(p.LoggerProvider), otelstep.WithMeterProvider(p.MeterProvider))
	_, st := run.Start(ctx, run.Logger("c"))
	st.End(nil)

	c, _ := p.MeterProvider.Meter("app\xff", metric.WithInstrumentationVersion("v\xff")).Int64Counter("requests", metric.WithDescription("d\xff"))
	c.Add(ctx, 1, metric.WithAttributes(attribute.String("path", "/bad\xff"), attribute.String("k\xff", "v")))
	var r otellog.Record
	r.SetBody(attribute.StringValue("from a bad logger name"))
	p.LoggerProvider.Logger("db\xff").Emit(ctx, r)
	_, span := p.TracerProvider.Tracer("tr\xff").Start(ctx, "s")
	span.End()

	if err := shutdownWithin(t, p, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	stats := p.Stats()
	t.Logf("%+v; console %q", stats, console.String())
	if stats.MetricPointsFailed != 0 || stats.LogsFailed != 0 || stats.SpansFailed != 0 || stats.MetricPointsExported == 0 {
		t.Errorf("an export failed: %+v", stats)
	}
	sk.mu.Lock()
	defer sk.mu.Unlock()
	found := map[string]bool{}
	for _, m := range sk.keptMetrics {
		found[m.Name] = true
		for _, dp := range m.GetSum().GetDataPoints() {
			if attrString(dp.Attributes, "path") == "/bad\uFFFD" && attrString(dp.Attributes, "k\uFFFD") == "v" {
				found["cleaned counter"] = true
			}
		}
	}
	for _, want := range []string{"otelstep.run.steps", "otelstep.run.progress", "requests", "cleaned counter"} {
		if !found[want] {
			t.Errorf("%s did not arrive; got %v", want, found)
		}
	}
	if !strings.Contains(strings.Join(sk.keptLogScopes, "|"), "db\uFFFD") {
		t.Errorf("the record of logger %q did not arrive: scopes %q", "db\xff", sk.keptLogScopes)
	}
}

// TestPartialSuccessCountsRejected: a backend that answers each request
// with a partial success rejecting 2 spans and 1 log record makes Stats count
// just those as failed, the rest as exported.
func TestPartialSuccessCountsRejected(t *testing.T) {
	sk := &sink{partial: true}
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
	err = shutdownWithin(t, p, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "(2 spans rejected)") || !strings.Contains(err.Error(), "(1 logs rejected)") {
		t.Errorf("Shutdown = %v, want the rejections named", err)
	}
	st := p.Stats()
	t.Logf("%+v; console %q", st, console.String())
	want := Stats{SpansEnded: 10, SpansExported: 8, SpansFailed: 2, LogsEmitted: 10, LogsExported: 9, LogsFailed: 1}
	if st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
	if !strings.Contains(console.String(), "lost 2 of 10 spans (0 dropped, 2 failed), 1 of 10 log records (0 dropped, 1 failed)") {
		t.Errorf("lost line: %q", console.String())
	}
}

// TestShutdownReleasesEverything: against a backend that never answers,
// Shutdown with a 1 s deadline returns by it; afterwards no request reaches
// the server and no goroutine of Setup's is left, over five Setup/Shutdown
// cycles, and the heap is back near where it started.
func TestShutdownReleasesEverything(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body) // then the server sees the client go
		<-r.Context().Done()               // hangs until the client gives up
	}))
	defer srv.Close()
	sinkEnv(t, srv.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	t.Setenv("OTEL_BLRP_SCHEDULE_DELAY", "50")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "50")
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	ignore := goleak.IgnoreCurrent()
	heap0 := heap()
	ctx := context.Background()
	for cycle := range 5 {
		var console syncBuffer
		p, err := Setup(ctx, WithGlobals(false), WithConsole(&console))
		if err != nil {
			t.Fatal(err)
		}
		emitSpansLogs(ctx, p, 2000)
		time.Sleep(200 * time.Millisecond) // exports under way, hanging
		start := time.Now()
		err = shutdownWithin(t, p, time.Second)
		took := time.Since(start)
		after := requests.Load()
		if took > 1100*time.Millisecond {
			t.Errorf("cycle %d: Shutdown took %v with a 1 s deadline", cycle, took)
		}
		if err == nil || !strings.Contains(err.Error(), "traces to otlp") {
			t.Errorf("cycle %d: Shutdown = %v, want the deadline named per signal", cycle, err)
		}
		time.Sleep(1200 * time.Millisecond) // past every schedule delay
		if n := requests.Load(); n != after {
			t.Errorf("cycle %d: %d requests reached the server after Shutdown returned", cycle, n-after)
		}
		for l := range strings.SplitSeq(strings.TrimSpace(console.String()), "\n") {
			if !strings.HasPrefix(l, "exporters: ") || strings.Contains(l, `\n`) {
				t.Errorf("cycle %d: console line not Setup's, or not one line: %q", cycle, l)
			}
		}
		if st := p.Stats(); st.SpansPending != 0 || st.SpansExported+st.SpansFailed+st.SpansDropped != st.SpansEnded {
			t.Errorf("cycle %d: %+v", cycle, st)
		}
	}
	if err := goleak.Find(ignore); err != nil {
		t.Errorf("goroutines left after Shutdown: %v", err)
	}
	if h := heap(); h > heap0+32<<20 {
		t.Errorf("heap in use grew from %d MiB to %d MiB over five cycles", heap0>>20, h>>20)
	}
}

// TestErrorLineOneLine: an error joining several (a log export of several
// batches) is one line on the console, each distinct message once, and an
// export error names its signal and destination.
func TestErrorLineOneLine(t *testing.T) {
	var lines []string
	l := newErrorLimiter(time.Hour, func(s string) { lines = append(lines, s) }, nil, func(s string) string { return s })
	refused := errors.New("logs export: connection refused")
	l.Handle(&exportError{signal: "logs", target: "otlp http/protobuf http://h:4318/v1/logs", err: errors.Join(refused, refused, refused, errors.New("retry"))})
	l.Handle(errors.Join(errCut, errCut)) // abandoned at Shutdown: not reported
	l.close()
	want := "exporters: logs to otlp http/protobuf http://h:4318/v1/logs: export failed: logs export: connection refused; retry (repeats are counted, summarised every 1h0m0s)"
	if len(lines) != 1 || lines[0] != want {
		t.Errorf("lines = %q, want [%q]", lines, want)
	}
}
