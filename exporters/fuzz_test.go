package exporters

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets of this file feed arbitrary values for two OTEL_*
// variables at a time to the validation (FuzzEnvPlan, cheap) and to the whole
// of Setup and Shutdown (FuzzSetupEnv). They run with their seed corpus (the
// f.Add calls and testdata/fuzz/<FuzzName>/) under a plain go test, and for a
// bounded time under scripts/fuzz.sh.
//
// FuzzSetupEnv sets the fuzzed values in the process environment, with a
// loopback endpoint unless an input sets one, and skips inputs whose
// endpoint is not a loopback IP URL, so fuzzing never sends anything beyond
// 127.0.0.1.
//
// The TLS file variables (OTEL_EXPORTER_OTLP_CERTIFICATE and friends) are left
// out: their values are paths that Setup reads, and a fuzzer must not read
// /dev/zero or a FIFO.

// fuzzVars are the variables the targets set, indexed by a fuzzed byte.
var fuzzVars = []string{
	"OTEL_SDK_DISABLED",
	"OTEL_TRACES_EXPORTER",
	"OTEL_METRICS_EXPORTER",
	"OTEL_LOGS_EXPORTER",
	"OTEL_EXPORTER_OTLP_ENDPOINT",
	"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
	"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
	"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
	"OTEL_EXPORTER_OTLP_PROTOCOL",
	"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
	"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
	"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
	"OTEL_EXPORTER_OTLP_HEADERS",
	"OTEL_EXPORTER_OTLP_TRACES_HEADERS",
	"OTEL_EXPORTER_OTLP_LOGS_HEADERS",
	"OTEL_EXPORTER_OTLP_TIMEOUT",
	"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
	"OTEL_EXPORTER_OTLP_INSECURE",
	"OTEL_EXPORTER_OTLP_COMPRESSION",
	"OTEL_METRIC_EXPORT_INTERVAL",
	"OTEL_METRIC_EXPORT_TIMEOUT",
	"OTEL_BSP_SCHEDULE_DELAY",
	"OTEL_BSP_EXPORT_TIMEOUT",
	"OTEL_BSP_MAX_QUEUE_SIZE",
	"OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
	"OTEL_BLRP_SCHEDULE_DELAY",
	"OTEL_BLRP_MAX_QUEUE_SIZE",
	"OTEL_EXPORTER_PROMETHEUS_HOST",
	"OTEL_EXPORTER_PROMETHEUS_PORT",
	"OTEL_RESOURCE_ATTRIBUTES",
	"OTEL_SERVICE_NAME",
}

// canary is a secret that must never appear in an error: it is put in a
// headers variable next to the fuzzed value, and as the password of an
// endpoint URL.
const canary = "c4n4ry5ecr3t"

// fuzzEnv builds the environment of one fuzz input: the two fuzzed
// variables, over a headers variable and an endpoint password that hold the
// canary. The low bit of i1 and i2 puts the canary before or after a fuzzed
// headers value, or makes a fuzzed endpoint carry the canary password.
func fuzzEnv(i1 uint8, v1 string, i2 uint8, v2 string) map[string]string {
	m := map[string]string{"OTEL_EXPORTER_OTLP_METRICS_HEADERS": "authorization=Bearer%20" + canary}
	set := func(i uint8, v string) {
		k := fuzzVars[int(i>>1)%len(fuzzVars)]
		switch {
		case strings.HasSuffix(k, "_HEADERS") && i&1 == 0:
			v = v + ",x-api-key=" + canary
		case strings.HasSuffix(k, "_HEADERS"):
			v = "Bearer " + canary + v
		case strings.HasSuffix(k, "_ENDPOINT") && i&1 == 1:
			v = "http://user:" + canary + "@" + v
		}
		m[k] = v
	}
	set(i1, v1)
	set(i2, v2)
	return m
}

// fuzzSeeds are the seed inputs of both targets.
func fuzzSeeds(f *testing.F) {
	idx := func(k string, canaryVariant bool) uint8 {
		for i, v := range fuzzVars {
			if v == k {
				b := uint8(i << 1)
				if canaryVariant {
					b |= 1
				}
				return b
			}
		}
		f.Fatalf("unknown variable %s", k)
		return 0
	}
	huge := strings.Repeat("a", 64<<10)
	add := func(k1, v1 string, alt1 bool, k2, v2 string, alt2 bool) {
		f.Add(idx(k1, alt1), v1, idx(k2, alt2), v2)
	}
	add("OTEL_TRACES_EXPORTER", "none", false, "OTEL_SDK_DISABLED", "", false)
	add("OTEL_TRACES_EXPORTER", "jaegr", false, "OTEL_METRICS_EXPORTER", "otlp,console", false)
	add("OTEL_SDK_DISABLED", "TRUE", false, "OTEL_TRACES_EXPORTER", "bogus", false)
	add("OTEL_SDK_DISABLED", "yes", false, "OTEL_LOGS_EXPORTER", " Console", false)
	add("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318", false, "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", false)
	add("OTEL_EXPORTER_OTLP_ENDPOINT", "127.0.0.1:99999", false, "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", false)
	add("OTEL_EXPORTER_OTLP_ENDPOINT", "127.0.0.1:bad", true, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "unix:///tmp/x", false)
	add("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "[::1", true, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "%zz", true)
	add("OTEL_EXPORTER_OTLP_HEADERS", "a=b,c", false, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "k=%zz", true)
	add("OTEL_EXPORTER_OTLP_HEADERS", "bad key=v", true, "OTEL_EXPORTER_OTLP_LOGS_HEADERS", "=", false)
	add("OTEL_EXPORTER_OTLP_TIMEOUT", "-1", false, "OTEL_METRIC_EXPORT_INTERVAL", "0", false)
	add("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "9223372036854775808", false, "OTEL_METRIC_EXPORT_TIMEOUT", "1e3", false)
	add("OTEL_BSP_MAX_QUEUE_SIZE", "0", false, "OTEL_BSP_SCHEDULE_DELAY", " 5 ", false)
	add("OTEL_METRICS_EXPORTER", "prometheus", false, "OTEL_EXPORTER_PROMETHEUS_PORT", "65536", false)
	add("OTEL_RESOURCE_ATTRIBUTES", "a=b,c", false, "OTEL_SERVICE_NAME", "\xff\xfe", false)
	add("OTEL_RESOURCE_ATTRIBUTES", "k=%zz,service.name=x", false, "OTEL_SERVICE_NAME", "\x00\x1b[31m", false)
	add("OTEL_EXPORTER_OTLP_INSECURE", "maybe", false, "OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", false)
	add("OTEL_TRACES_EXPORTER", "", false, "OTEL_SERVICE_NAME", huge, false)
	add("OTEL_EXPORTER_OTLP_HEADERS", huge, false, "OTEL_RESOURCE_ATTRIBUTES", "+,-", false)
	add("OTEL_LOGS_EXPORTER", "\xff\xfe", false, "OTEL_EXPORTER_OTLP_ENDPOINT", "\x00\x1b[31m", false)
}

// checkEnvErrors fails t unless err is made of clear *EnvErrors: each names
// an OTEL_* variable, is valid UTF-8, hides header values and never shows the
// canary.
func checkEnvErrors(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	text := err.Error()
	if strings.Contains(text, canary) {
		t.Errorf("error shows a secret (%q): %s", canary, text)
	}
	leaves := leafErrors(err)
	if len(leaves) == 0 {
		t.Fatalf("error %q has no *EnvError", text)
	}
	for _, leaf := range leaves {
		var ee *EnvError
		if !errors.As(leaf, &ee) {
			t.Errorf("error %T %q is not an *EnvError", leaf, leaf)
			continue
		}
		msg := ee.Error()
		if !strings.HasPrefix(ee.Var, "OTEL_") || !strings.HasPrefix(msg, "exporters: "+ee.Var) {
			t.Errorf("error %q does not start by naming its OTEL_* variable (Var %q)", msg, ee.Var)
		}
		if !utf8.ValidString(msg) {
			t.Errorf("error %q is not valid UTF-8", msg)
		}
		if ee.Problem == "" {
			t.Errorf("error %q has no problem", msg)
		}
		if strings.HasSuffix(ee.Var, "_HEADERS") {
			if !ee.Redacted || ee.Value != "" {
				t.Errorf("headers error shows the value: %+v", ee)
			}
		}
	}
}

// leafErrors returns the errors of a tree of joined errors.
func leafErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return []error{err}
}

// FuzzEnvPlan checks the validation and exporter selection of Setup: no
// panic, clear errors, and on success an accepted exporter for every signal.
func FuzzEnvPlan(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, i1 uint8, v1 string, i2 uint8, v2 string) {
		m := fuzzEnv(i1, v1, i2, v2)
		e := env{lookup: mapEnv(m)}
		if _, err := e.sdkDisabled(); err != nil {
			checkEnvErrors(t, err)
		}
		p, err := e.plan()
		if err != nil {
			checkEnvErrors(t, err)
			return
		}
		for _, s := range signals {
			name := p.exporter[s.i]
			ok := false
			for _, a := range s.accepted {
				ok = ok || name == a
			}
			if !ok {
				t.Errorf("%s exporter %q is not one of %q", s.name, name, s.accepted)
			}
			if p.fallback && name != exporterConsole {
				t.Errorf("fallback plan has %s exporter %q, want console", s.name, name)
			}
			if target := e.target(s); strings.Contains(target, canary) {
				t.Errorf("%s target %q shows a secret", s.name, target)
			}
		}
	})
}

// FuzzSetupEnv runs Setup and Shutdown on the fuzzed environment: no panic,
// clear errors, and both return in bounded time.
func FuzzSetupEnv(f *testing.F) {
	// Pin what the OTLP exporters read from the process environment: a
	// loopback endpoint on the discard port, short timeouts, the default
	// (otlp) exporters and nothing else.
	for _, k := range fuzzVars {
		f.Setenv(k, "")
	}
	for _, s := range []string{"TRACES_", "METRICS_", "LOGS_", ""} {
		for _, v := range []string{"ENDPOINT", "HEADERS", "PROTOCOL", "TIMEOUT", "CERTIFICATE", "CLIENT_CERTIFICATE", "CLIENT_KEY", "INSECURE", "COMPRESSION"} {
			f.Setenv("OTEL_EXPORTER_OTLP_"+s+v, "")
		}
	}
	f.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
	f.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "200")
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, i1 uint8, v1 string, i2 uint8, v2 string) {
		assertLoopbackOnly(t)
		m := fuzzEnv(i1, v1, i2, v2)
		for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TIMEOUT"} {
			if _, ok := m[k]; !ok {
				m[k] = os.Getenv(k) // the pinned value
			}
		}
		for k, v := range m {
			if strings.ContainsRune(v, 0) {
				t.Skip("a NUL byte cannot be in the environment")
			}
			if k == "OTEL_EXPORTER_PROMETHEUS_HOST" && validHost(strings.TrimSpace(v)) {
				if ip := net.ParseIP(strings.Trim(strings.TrimSpace(v), "[]")); ip == nil || !ip.IsLoopback() {
					t.Skip("a Prometheus host off the loopback interface (or a name to look up)")
				}
			}
			if strings.HasSuffix(k, "_ENDPOINT") && strings.TrimSpace(v) != "" {
				u, err := url.Parse(strings.TrimSpace(v))
				if err != nil || net.ParseIP(u.Hostname()) == nil || !net.ParseIP(u.Hostname()).IsLoopback() {
					t.Skip("endpoint off the loopback interface")
				}
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		opt := testEnv(t, m)
		assertLoopbackOnly(t)
		p, err := Setup(ctx, opt, WithGlobals(false), WithConsole(io.Discard))
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Setup took %v", d)
		}
		if err != nil {
			if p != nil {
				t.Errorf("Setup returned providers with the error %v", err)
			}
			if strings.HasPrefix(err.Error(), "exporters: creating the ") {
				// Valid values that fail at run time (the Prometheus port
				// in use by another fuzz worker): named, and no secret.
				if strings.Contains(err.Error(), canary) {
					t.Errorf("error shows a secret: %v", err)
				}
				return
			}
			checkEnvErrors(t, err)
			return
		}
		if p.TracerProvider == nil || p.MeterProvider == nil || p.LoggerProvider == nil || p.Resource == nil {
			t.Fatalf("Setup returned nil providers: %+v", p)
		}
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer scancel()
		start = time.Now()
		err = p.Shutdown(sctx)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Shutdown took %v", d)
		}
		if err != nil && strings.Contains(err.Error(), canary) {
			t.Errorf("Shutdown error shows a secret: %v", err)
		}
	})
}

// assertLoopbackOnly stops the test unless every endpoint the OTLP exporters
// can read from the process environment is unset or on 127.0.0.1.
func assertLoopbackOnly(t *testing.T) {
	for _, s := range []string{"", "TRACES_", "METRICS_", "LOGS_"} {
		k := "OTEL_EXPORTER_OTLP_" + s + "ENDPOINT"
		v := strings.TrimSpace(os.Getenv(k))
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil {
			t.Fatalf("%s=%q: %v", k, v, err)
		}
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
			t.Fatalf("%s=%q is not a loopback address: refusing to fuzz", k, v)
		}
	}
}
