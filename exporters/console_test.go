package exporters

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// emitSample records what an otelstep run records: a span with step events,
// a log record and the two gauges.
func emitSample(ctx context.Context, t *testing.T, p *Providers) {
	t.Helper()
	ctx, span := p.TracerProvider.Tracer("test").Start(ctx, "compile")
	span.AddEvent("otelstep.step", trace.WithAttributes(
		attribute.String("otelstep.run", "compile"),
		attribute.Int("otelstep.step.number", 3),
		attribute.Int("otelstep.steps.total", 5),
		attribute.String("otelstep.component", "typecheck"),
	))
	span.AddEvent("otelstep.log", trace.WithAttributes(
		attribute.Int("otelstep.step.number", 3),
		attribute.String("otelstep.component", "typecheck"),
		attribute.String("log.severity", "INFO"),
		attribute.String("log.message", "Step 3: begin type checking"),
	))
	span.AddEvent("otelstep.log", trace.WithAttributes(
		attribute.Int("otelstep.step.number", 3),
		attribute.String("otelstep.component", "typecheck"),
		attribute.String("log.severity", "WARN"),
		attribute.String("log.message", "Step 3: slow"),
	))
	span.AddEvent("cache miss", trace.WithAttributes(attribute.String("key", "a b")))

	var rec otellog.Record
	rec.SetSeverity(otellog.SeverityInfo)
	rec.SetSeverityText("INFO")
	rec.SetBody(attribute.StringValue("Step 3: begin type checking"))
	rec.AddAttributes(attribute.Int("otelstep.step.number", 3), attribute.String("otelstep.component", "typecheck"),
		attribute.String("code.file.path", "/src/compiler/check.go"), attribute.String("code.function.name", "main.check"),
		attribute.Int("code.line.number", 42))
	p.LoggerProvider.Logger("typecheck").Emit(ctx, rec)

	m := p.MeterProvider.Meter("github.com/otelstep/otelstep/otelstep")
	steps, err := m.Int64Gauge("otelstep.run.steps", metric.WithUnit("{step}"))
	if err != nil {
		t.Fatal(err)
	}
	progress, err := m.Float64Gauge("otelstep.run.progress", metric.WithUnit("1"))
	if err != nil {
		t.Fatal(err)
	}
	run := metric.WithAttributes(attribute.String("otelstep.run", "compile"))
	steps.Record(ctx, 2, run)
	steps.Record(ctx, 3, run)
	progress.Record(ctx, 0.6, run)

	span.SetStatus(codes.Error, "type error")
	span.End()
}

func TestConsoleFallback(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.Background()
	p, err := Setup(ctx, testEnv(t, nil), WithConsole(&buf), WithGlobals(false), WithServiceName("svc"))
	if err != nil {
		t.Fatal(err)
	}
	emitSample(ctx, t, p)
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	t.Logf("console output:\n%s", got)
	// The view itself is tested in package console; here: the three signals
	// reach it, otelstep's gauges are a summary and no raw dump.
	want := []string{
		`^\d\d:\d\d:\d\d\.\d{3} INFO  typecheck: Step 3: begin type checking$`,
		`^\d\d:\d\d:\d\d\.\d{3} INFO  compile: event "cache miss" key="a b"$`,
		`^\d\d:\d\d:\d\d\.\d{3} ERROR compile: span failed after \d[^ ]*s: type error$`,
		`^\d\d:\d\d:\d\d\.\d{3} INFO  compile: ended at 3/5 steps in `,
	}
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d", len(lines), len(want))
	}
	for i, w := range want {
		if !regexp.MustCompile(w).MatchString(lines[i]) {
			t.Errorf("line %d = %q, want match for %s", i+1, lines[i], w)
		}
	}
}

func TestExplicitConsoleAndNone(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.Background()
	p, err := Setup(ctx, WithConsole(&buf), WithGlobals(false), testEnv(t, map[string]string{
		"OTEL_TRACES_EXPORTER":  "console",
		"OTEL_METRICS_EXPORTER": "none",
		"OTEL_LOGS_EXPORTER":    "none",
	}))
	if err != nil {
		t.Fatal(err)
	}
	emitSample(ctx, t, p)
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	t.Logf("console output:\n%s", got)
	// No log lines: the otelstep.log span events are the only copy of the
	// messages, so the span prints them; no metrics, no summary.
	for _, w := range []string{" INFO  typecheck: Step 3: begin type checking\n", " WARN  typecheck: Step 3: slow\n", "compile: span failed after "} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q", w)
		}
	}
	if strings.Contains(got, "steps in") || strings.Count(got, "\n") != 4 {
		t.Errorf("want the span and its three events only")
	}
}

// TestConsoleForceFlushPrintsOtherMetrics: with OTEL_METRICS_EXPORTER=console
// the view prints the values of the program's own metrics.
func TestConsoleForceFlushPrintsOtherMetrics(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.Background()
	p, err := Setup(ctx, testEnv(t, map[string]string{"OTEL_METRICS_EXPORTER": "console"}), WithConsole(&buf), WithGlobals(false))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := p.MeterProvider.Meter("m").Int64Gauge("g")
	g.Record(ctx, 7)
	if err := p.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "gauge g = 7\n" {
		t.Errorf("after ForceFlush got %q", got)
	}
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestFallbackPrintsNoOtherMetrics: with nothing configured (the demo's
// -serve mode) the view shows the job, and the values of other scopes'
// metrics (otelhttp's histograms) are not printed at Shutdown.
func TestFallbackPrintsNoOtherMetrics(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.Background()
	p, err := Setup(ctx, testEnv(t, nil), WithConsole(&buf), WithGlobals(false))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := p.MeterProvider.Meter("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp").Float64Histogram("http.server.request.duration")
	h.Record(ctx, 0.25)
	emitSample(ctx, t, p) // otelstep's gauges: the view's summary
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	if strings.Contains(got, "http.server.request.duration") || strings.Contains(got, "histogram") {
		t.Errorf("a metric of another scope was printed:\n%s", got)
	}
	if !strings.Contains(got, "compile: ended at 3/5 steps") {
		t.Errorf("no summary of the run from otelstep's gauges:\n%s", got)
	}
}

// TestConsoleLostLineThroughView checks that Setup's own lines (the lost
// telemetry line) go through the view's Write: escaped like every line.
func TestConsoleLostLineThroughView(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.Background()
	p, err := Setup(ctx, testEnv(t, nil), WithConsole(&buf), WithGlobals(false))
	if err != nil {
		t.Fatal(err)
	}
	p.report("exporters: test\x1b[2Aline")
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "exporters: test\\x1b[2Aline\n" {
		t.Errorf("got %q", got)
	}
}
