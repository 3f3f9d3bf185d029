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
	want := []string{
		`^\d\d:\d\d:\d\d\.\d{3} INFO typecheck: Step 3: begin type checking otelstep.step.number=3 otelstep.component=typecheck \(check.go:42\)$`,
		`^span compile \(\d[^)]*s\) error: type error$`,
		`^  step 3/5 \[typecheck\]$`,
		`^  step 3 \[typecheck\] Step 3: begin type checking$`,
		`^  step 3 \[typecheck\] WARN Step 3: slow$`,
		`^  event cache miss key="a b"$`,
		`^gauge otelstep.run.progress\{otelstep.run=compile\} = 0.6$`,
		`^gauge otelstep.run.steps\{otelstep.run=compile\} = 3 \{step\}$`,
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
	if !strings.HasPrefix(got, "span compile ") || strings.Contains(got, "gauge") || strings.Contains(got, "INFO typecheck:") {
		t.Errorf("want spans only, got:\n%s", got)
	}
}

func TestConsoleForceFlushPrintsGauges(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.Background()
	p, err := Setup(ctx, testEnv(t, nil), WithConsole(&buf), WithGlobals(false))
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
