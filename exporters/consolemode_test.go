package exporters

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/otelstep/otelstep/otelstep"
)

func TestConsoleModePlan(t *testing.T) {
	otlp := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		name           string
		env            map[string]string
		terminal, want bool
		exporter       string
	}{
		{"nothing set", nil, false, true, "console"},
		{"otlp, piped", otlp, false, false, "otlp"},
		{"otlp, terminal", otlp, true, true, "otlp"},
		{"otlp, on", with(otlp, EnvConsole, " ON "), false, true, "otlp"},
		{"otlp, off, terminal", with(otlp, EnvConsole, "off"), true, false, "otlp"},
		{"nothing set, off", map[string]string{EnvConsole: "off"}, true, false, "none"},
		{"auto", with(otlp, EnvConsole, "auto"), false, false, "otlp"},
	} {
		p, err := env2(tc.env).plan()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := p.beside(tc.terminal); got != tc.want || p.exporter[sigTraces.i] != tc.exporter {
			t.Errorf("%s: beside %v, traces to %s; want %v, %s", tc.name, got, p.exporter[sigTraces.i], tc.want, tc.exporter)
		}
	}
	for _, bad := range []map[string]string{
		{EnvConsole: "yes"},
		{EnvConsole: "off", "OTEL_TRACES_EXPORTER": "console"},
	} {
		_, err := env2(bad).plan()
		var ee *EnvError
		if !errors.As(err, &ee) || ee.Var != EnvConsole || !strings.Contains(err.Error(), "auto") {
			t.Errorf("%v: error %v, want an EnvError for %s naming the accepted values", bad, err, EnvConsole)
		}
	}
}

// TestConsoleBesideOTLP: OTELSTEP_CONSOLE=on (a CI log) with an OTLP
// endpoint: the console shows the job, and the backend gets everything.
func TestConsoleBesideOTLP(t *testing.T) {
	sk := &sink{keep: true}
	srv := httptest.NewServer(sk)
	defer srv.Close()
	sinkEnv(t, srv.URL)
	t.Setenv(EnvConsole, "on")
	var console syncBuffer
	ctx := context.Background()
	p, err := Setup(ctx, WithGlobals(false), WithConsole(&console))
	if err != nil {
		t.Fatal(err)
	}
	run := otelstep.NewRun("deploy", otelstep.WithTotalSteps(1), otelstep.WithTracerProvider(p.TracerProvider),
		otelstep.WithMeterProvider(p.MeterProvider), otelstep.WithLoggerProvider(p.LoggerProvider))
	sctx, st := run.Start(ctx, run.Logger("migrate"))
	st.Info(sctx, "copying tables")
	st.End(nil)
	run.End(ctx)
	if err := shutdownWithin(t, p, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	out := console.String()
	t.Logf("console:\n%s", out)
	for _, want := range []string{"migrate: Step 1: copying tables", "deploy: done, 1/1 steps"} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	if st := p.Stats(); st.SpansExported != st.SpansEnded || st.SpansEnded < 1 || st.LogsExported != st.LogsEmitted || st.LogsEmitted < 2 || sk.metricReqs.Load() == 0 {
		t.Errorf("the backend did not get everything: %+v, %d metric requests", st, sk.metricReqs.Load())
	}
	if sk.spans.Load() != int64(p.Stats().SpansEnded) {
		t.Errorf("server decoded %d spans", sk.spans.Load())
	}
}

// TestPropagatorsFromEnv: the global propagator is what OTEL_PROPAGATORS
// names (tracecontext and baggage when unset) and otelstep's header beside
// them, none at all for "none"; an unknown name is an error.
func TestPropagatorsFromEnv(t *testing.T) {
	for _, tc := range []struct{ value, fields string }{
		{"", "baggage,otelstep-step,traceparent,tracestate"},
		{"b3", "b3,otelstep-step"},
		{"tracecontext, b3multi", "otelstep-step,traceparent,tracestate,x-b3-flags,x-b3-sampled,x-b3-spanid,x-b3-traceid"},
		{"none", ""}, // none means none: no otelstep header either
	} {
		otel.SetTextMapPropagator(propagation.TraceContext{})
		p, err := Setup(context.Background(), testEnv(t, map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none",
			"OTEL_LOGS_EXPORTER": "none", "OTEL_PROPAGATORS": tc.value}))
		if err != nil {
			t.Fatal(err)
		}
		fields := otel.GetTextMapPropagator().Fields()
		slices.Sort(fields)
		if got := strings.Join(fields, ","); got != tc.fields {
			t.Errorf("OTEL_PROPAGATORS=%q: fields %s, want %s", tc.value, got, tc.fields)
		}
		_ = p.Shutdown(context.Background())
	}
	_, err := Setup(context.Background(), testEnv(t, map[string]string{"OTEL_PROPAGATORS": "tracecontext,jaegr"}), WithGlobals(false))
	if err == nil || !strings.Contains(err.Error(), `OTEL_PROPAGATORS="tracecontext,jaegr": unknown propagator: jaegr`) {
		t.Errorf("Setup = %v, want an EnvError naming the unknown propagator", err)
	}
}
