package exporters

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestEndpointQueryNeverPrinted: a token in the endpoint's query string is
// never printed (export errors on the console, Shutdown's error, EnvError),
// and the destination printed is the one the requests went to: the base
// path joined with /v1/<signal>, without the query.
func TestEndpointQueryNeverPrinted(t *testing.T) {
	const token = "S3CR3T-QUERY-T0KEN"
	sk := &sink{keep: true, status: 401}
	sk.refuse.Store(1 << 20) // refuse everything: errors get printed
	srv := httptest.NewServer(sk)
	defer srv.Close()
	sinkEnv(t, srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL+"/base/?token="+token)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "5")
	t.Setenv("OTEL_BLRP_SCHEDULE_DELAY", "5")

	var console syncBuffer
	ctx := context.Background()
	p, err := Setup(ctx, WithConsole(&console), WithErrorHandler(nil))
	if err != nil {
		t.Fatal(err)
	}
	emitSample(ctx, t, p)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	shutErr := p.Shutdown(sctx)
	out := console.String()
	if shutErr != nil {
		out += "\n" + shutErr.Error()
	}
	t.Log(out)
	if strings.Contains(out, token) {
		t.Errorf("the query-string token was printed:\n%s", out)
	}
	for _, want := range []string{"traces to otlp http/protobuf " + srv.URL + "/base/v1/traces", "logs to otlp http/protobuf " + srv.URL + "/base/v1/logs"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not name the destination used, %q:\n%s", want, out)
		}
	}
	if sk.refused.Load() == 0 {
		t.Error("no request reached the server")
	}

	// An unusable endpoint's EnvError shows neither the query nor the password.
	clearOTelEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://user:"+secret+"@host:4318/?token="+token)
	_, err = Setup(ctx, WithGlobals(false))
	if err == nil || strings.Contains(err.Error(), token) || strings.Contains(err.Error(), secret) {
		t.Errorf("EnvError = %v", err)
	}
}

func TestTarget(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://u:p@h:4318/base/?token=x#f"}, "otlp http/protobuf http://h:4318/base/v1/traces"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://h"}, "otlp http/protobuf https://h/v1/traces"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://h:4318?token=x"}, "otlp http/protobuf http://h:4318/"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://h:4318/custom/path?k=v"}, "otlp http/protobuf http://h:4318/custom/path"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://h:4317/ignored?k=v", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "otlp grpc http://h:4317"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "h:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "otlp grpc h:4317"},
		{nil, "otlp http/protobuf http://localhost:4318/v1/traces (default endpoint)"},
	} {
		if got := (env{lookup: mapEnv(tc.env)}).target(sigTraces); got != tc.want {
			t.Errorf("%v: target %q, want %q", tc.env, got, tc.want)
		}
	}
}

// TestMetricErrorsReportedAndCounted: with only metrics going to OTLP and
// the backend refusing them, the failure is printed once, naming the signal
// and destination, counted in Stats and in the lost line.
func TestMetricErrorsReportedAndCounted(t *testing.T) {
	sk := &sink{status: 400}
	sk.refuse.Store(1 << 20)
	srv := httptest.NewServer(sk)
	defer srv.Close()
	clearOTelEnv(t)
	t.Setenv("OTEL_TRACES_EXPORTER", "none")
	t.Setenv("OTEL_LOGS_EXPORTER", "none")
	t.Setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", srv.URL+"/v1/metrics")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "20")

	var console syncBuffer
	ctx := context.Background()
	p, err := Setup(ctx, WithConsole(&console), withErrorInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.MeterProvider.Meter("app").Int64Counter("jobs")
	c.Add(ctx, 1)
	for deadline := time.Now().Add(10 * time.Second); sk.refused.Load() < 3 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	err = shutdownWithin(t, p, 5*time.Second)
	out := console.String()
	t.Logf("Shutdown: %v\nconsole:\n%s", err, out)
	const first = "exporters: metrics to otlp http/protobuf "
	if n := strings.Count(out, first+srv.URL+"/v1/metrics: export failed: "); n != 1 {
		t.Errorf("first metrics error printed %d times, want 1", n)
	}
	st := p.Stats()
	if st.MetricPointsFailed < 3 || st.MetricPoints != st.MetricPointsFailed+st.MetricPointsExported+st.MetricPointsDropped {
		t.Errorf("Stats = %+v: want the refused points counted as failed", st)
	}
	if !strings.Contains(out, fmt.Sprintf("and %d of %d metric data points", st.MetricPointsFailed+st.MetricPointsDropped, st.MetricPoints)) {
		t.Errorf("the lost line does not count the metric points")
	}
}
