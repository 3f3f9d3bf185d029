package exporters

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secret is the token every header variable carries in these tests; it must
// never be printed.
const secret = "s3cr3t-t0ken"

func TestBadValues(t *testing.T) {
	garbage := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		env      map[string]string
		variable string
		value    string // "" for redacted values
		accepted string
	}{
		{"sdk disabled", map[string]string{"OTEL_SDK_DISABLED": "yes"}, "OTEL_SDK_DISABLED", `"yes"`, "true, false"},
		{"traces exporter", map[string]string{"OTEL_TRACES_EXPORTER": "jaegr"}, "OTEL_TRACES_EXPORTER", `"jaegr"`, "accepted: otlp, console, none"},
		{"metrics exporter", map[string]string{"OTEL_METRICS_EXPORTER": "statsd"}, "OTEL_METRICS_EXPORTER", `"statsd"`, "accepted: otlp, prometheus, console, none"},
		{"logs exporter list", map[string]string{"OTEL_LOGS_EXPORTER": "otlp,console"}, "OTEL_LOGS_EXPORTER", `"otlp,console"`, "lists of exporters are not supported; accepted: otlp, console, none"},
		{"exporter case", map[string]string{"OTEL_TRACES_EXPORTER": "OTLP"}, "OTEL_TRACES_EXPORTER", `"OTLP"`, "lower case"},
		{"protocol json", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, "OTEL_EXPORTER_OTLP_PROTOCOL", `"http/json"`, "http/protobuf (default), grpc"},
		{"signal protocol", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "thrift"}, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", `"thrift"`, "http/protobuf (default), grpc"},
		{"endpoint no scheme", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318"}, "OTEL_EXPORTER_OTLP_ENDPOINT", `"localhost:4318"`, "http://localhost:4318"},
		{"endpoint unparsable", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://[::1"}, "OTEL_EXPORTER_OTLP_ENDPOINT", `"http://<redacted>"`, "unparsable endpoint"},
		{"endpoint scheme", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "ftp://collector"}, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", `"ftp://collector"`, "https://collector:4318"},
		{"endpoint no host", map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http:///v1/logs"}, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", `"http:///v1/logs"`, "no host"},
		{"endpoint password", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://user:" + secret + "@collector"}, "OTEL_EXPORTER_OTLP_ENDPOINT", `"ftp://<redacted>@collector"`, "http://localhost:4318"},
		{"timeout unit", map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, "OTEL_EXPORTER_OTLP_TIMEOUT", `"10s"`, "non-negative integer number of milliseconds"},
		{"timeout negative", map[string]string{"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT": "-1"}, "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", `"-1"`, "non-negative integer number of milliseconds"},
		{"insecure", map[string]string{"OTEL_EXPORTER_OTLP_INSECURE": "yes"}, "OTEL_EXPORTER_OTLP_INSECURE", `"yes"`, "true, false"},
		{"compression", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "zstd"}, "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", `"zstd"`, "gzip, none"},
		{"certificate missing", map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": "/nonexistent/ca.pem"}, "OTEL_EXPORTER_OTLP_CERTIFICATE", `"/nonexistent/ca.pem"`, "readable PEM file"},
		{"certificate garbage", map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": garbage}, "OTEL_EXPORTER_OTLP_CERTIFICATE", garbage, "no PEM certificate"},
		{"client key missing", map[string]string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": garbage}, "OTEL_EXPORTER_OTLP_CLIENT_KEY", `""`, "private key"},
		{"metric interval unit", map[string]string{"OTEL_METRIC_EXPORT_INTERVAL": "5s"}, "OTEL_METRIC_EXPORT_INTERVAL", `"5s"`, "positive integer number of milliseconds"},
		{"metric interval zero", map[string]string{"OTEL_METRIC_EXPORT_INTERVAL": "0"}, "OTEL_METRIC_EXPORT_INTERVAL", `"0"`, "positive integer number of milliseconds"},
		{"bsp delay", map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "abc"}, "OTEL_BSP_SCHEDULE_DELAY", `"abc"`, "non-negative integer"},
		{"blrp queue", map[string]string{"OTEL_BLRP_MAX_QUEUE_SIZE": "0"}, "OTEL_BLRP_MAX_QUEUE_SIZE", `"0"`, "positive integer"},
		{"resource attributes", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "team=core,oops"}, "OTEL_RESOURCE_ATTRIBUTES", `"team=core,oops"`, "key=value pairs"},
		{"prometheus port", map[string]string{"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": "99999"}, "OTEL_EXPORTER_PROMETHEUS_PORT", `"99999"`, "0 to 65535"},
		{"headers no equals", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "x-tenant=acme," + secret}, "OTEL_EXPORTER_OTLP_HEADERS", "", "key=value pairs"},
		{"headers bad key", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "bad key=" + secret}, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "", "key=value pairs"},
		{"headers bad escape", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%zz" + secret}, "OTEL_EXPORTER_OTLP_HEADERS", "", "percent-encoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"OTEL_EXPORTER_OTLP_LOGS_HEADERS": "api-key=" + secret}
			for k, v := range tt.env {
				env[k] = v
			}
			var console bytes.Buffer
			p, err := Setup(context.Background(), testEnv(t, env), WithGlobals(false), WithConsole(&console))
			if err == nil {
				_ = p.Shutdown(context.Background())
				t.Fatal("Setup succeeded")
			}
			if p != nil {
				t.Error("Setup returned providers with an error")
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.HasPrefix(msg, "exporters: ") {
				t.Errorf("error %q lacks the package prefix", msg)
			}
			for _, want := range []string{tt.variable, tt.value, tt.accepted} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			if strings.Contains(msg, secret) || strings.Contains(console.String(), secret) {
				t.Errorf("secret leaked: error %q, console %q", msg, console.String())
			}
			var ee *EnvError
			if !errors.As(err, &ee) {
				t.Errorf("error %T is not an *EnvError", err)
			}
		})
	}
}

func TestBadValuesJoined(t *testing.T) {
	_, err := Setup(context.Background(), WithGlobals(false), testEnv(t, map[string]string{
		"OTEL_TRACES_EXPORTER":        "jaegr",
		"OTEL_METRIC_EXPORT_INTERVAL": "1m",
	}))
	if err == nil {
		t.Fatal("Setup succeeded")
	}
	for _, want := range []string{"OTEL_TRACES_EXPORTER", "OTEL_METRIC_EXPORT_INTERVAL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestBadValueFromProcessEnv(t *testing.T) {
	clearOTelEnv(t)
	t.Setenv("OTEL_TRACES_EXPORTER", "jaegr")
	_, err := Setup(context.Background(), WithGlobals(false))
	const want = `exporters: OTEL_TRACES_EXPORTER="jaegr": unknown exporter; accepted: otlp, console, none`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name                  string
		env                   map[string]string
		traces, metrics, logs string
		fallback              bool
	}{
		{"nothing set", nil, "console", "console", "console", true},
		{"endpoint set", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "otlp", "otlp", "otlp", false},
		{"signal endpoint set", map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "https://collector/v1/logs"}, "otlp", "otlp", "otlp", false},
		{"one exporter set", map[string]string{"OTEL_TRACES_EXPORTER": "none"}, "none", "otlp", "otlp", false},
		{"prometheus", map[string]string{"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": "0"}, "otlp", "prometheus", "otlp", false},
		{"grpc host:port", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4317"}, "otlp", "otlp", "otlp", false},
		{"grpc unix", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "unix:///run/otel.sock"}, "otlp", "otlp", "otlp", false},
		{"all valid", map[string]string{
			"OTEL_SDK_DISABLED":               "FALSE",
			"OTEL_EXPORTER_OTLP_ENDPOINT":     " https://collector:4318/ ",
			"OTEL_EXPORTER_OTLP_HEADERS":      "authorization=Bearer%20x, x-tenant = acme",
			"OTEL_EXPORTER_OTLP_INSECURE":     "True",
			"OTEL_EXPORTER_OTLP_TIMEOUT":      "2500",
			"OTEL_EXPORTER_OTLP_COMPRESSION":  "gzip",
			"OTEL_METRIC_EXPORT_INTERVAL":     "5000",
			"OTEL_BSP_SCHEDULE_DELAY":         "0",
			"OTEL_BLRP_MAX_EXPORT_BATCH_SIZE": "64",
			"OTEL_RESOURCE_ATTRIBUTES":        "team=core,deployment.environment.name=dev%20box",
		}, "otlp", "otlp", "otlp", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := env{lookup: mapEnv(tt.env)}
			if d, err := e.sdkDisabled(); d || err != nil {
				t.Fatalf("sdkDisabled = %v, %v", d, err)
			}
			p, err := e.plan()
			if err != nil {
				t.Fatal(err)
			}
			got := p.exporter
			if want := [3]string{tt.traces, tt.metrics, tt.logs}; got != want || p.fallback != tt.fallback {
				t.Errorf("plan = %v fallback %v, want %v fallback %v", got, p.fallback, want, tt.fallback)
			}
		})
	}
}

// clearOTelEnv empties every OTEL_ variable of the process for the test, so
// the machine's environment cannot change the outcome.
func clearOTelEnv(t testing.TB) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OTEL_") {
			t.Setenv(k, "")
		}
	}
}

// testEnv sets the process environment to exactly m (every other OTEL_
// variable empty) for the test, and returns an option that does nothing: it
// stands where the environment is read, in Setup's argument list.
func testEnv(t testing.TB, m map[string]string) Option {
	t.Helper()
	clearOTelEnv(t)
	for k, v := range m {
		t.Setenv(k, v)
	}
	return optionFunc(func(c config) config { return c })
}

// mapEnv returns a lookup function over m, for unit tests of env.
func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// TestPrometheusHost checks that OTEL_EXPORTER_PROMETHEUS_HOST is an IP
// address or a DNS name before the Prometheus exporter tries to listen on it
// (a fuzzer found "65536" reaching a DNS lookup).
func TestPrometheusHost(t *testing.T) {
	for host, ok := range map[string]bool{
		"127.0.0.1": true, "::1": true, "[::1]": true, "localhost": true, "metrics.internal": true, "a-b.example.": true,
		"65536": false, "1.2.3.4.5": false, "-bad": false, "a..b": false, "a b": false, "h\u00e9": false, "host:9464": false,
	} {
		if got := validHost(host); got != ok {
			t.Errorf("validHost(%q) = %v, want %v", host, got, ok)
		}
	}
	env := testEnv(t, map[string]string{"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_HOST": "65536"})
	_, err := Setup(context.Background(), env, WithGlobals(false), WithConsole(io.Discard))
	var ee *EnvError
	if !errors.As(err, &ee) || ee.Var != "OTEL_EXPORTER_PROMETHEUS_HOST" {
		t.Fatalf("Setup error = %v, want an *EnvError for OTEL_EXPORTER_PROMETHEUS_HOST", err)
	}
}
