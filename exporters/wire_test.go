package exporters

import (
	"context"
	"encoding/pem"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel/attribute"
)

// TestErrorsRateLimited: with the backend down, the endpoint is named once
// per signal, repeats are summarised, and no header value is printed.
func TestErrorsRateLimited(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + lis.Addr().String()
	lis.Close()
	sinkEnv(t, closed)
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "20")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "5")
	t.Setenv("OTEL_BLRP_SCHEDULE_DELAY", "5")

	var console syncBuffer
	ctx := context.Background()
	p, err := Setup(ctx, WithConsole(&console), withErrorInterval(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for time.Since(start) < time.Second {
		emitSpansLogs(ctx, p, 1)
		time.Sleep(2 * time.Millisecond)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("steps blocked with the backend down: %v", d)
	}
	err = shutdownWithin(t, p, 2*time.Second)
	out := console.String()
	t.Logf("Shutdown: %v\nconsole:\n%s", err, out)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("Shutdown error %v: want one, without the secret", err)
	}
	if strings.Contains(out, secret) {
		t.Error("console shows the header secret")
	}
	tracesURL := closed + "/v1/traces"
	if n := strings.Count(out, "exporters: traces to otlp http/protobuf "+tracesURL+": export failed"); n != 1 {
		t.Errorf("first traces error printed %d times, want 1", n)
	}
	if !strings.Contains(out, "more export errors for traces to otlp http/protobuf "+tracesURL) {
		t.Error("no summary of repeated traces errors")
	}
	lines := strings.Count(out, "\n")
	st := p.Stats()
	if lines > 20 || st.SpansFailed < 20 {
		t.Errorf("%d console lines for %d failed spans: want few lines for many failures", lines, st.SpansFailed)
	}
	if !strings.Contains(out, "exporters: lost ") {
		t.Error("no lost line at Shutdown")
	}
}

// TestTLSAndHeaders: OTLP over https with OTEL_EXPORTER_OTLP_CERTIFICATE;
// headers arrive and are never printed.
func TestTLSAndHeaders(t *testing.T) {
	sk := &sink{}
	srv := httptest.NewTLSServer(sk)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	sinkEnv(t, srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", ca)

	var console syncBuffer
	ctx := context.Background()
	p, err := Setup(ctx, WithConsole(&console), WithServiceName("tls"))
	if err != nil {
		t.Fatal(err)
	}
	emitSample(ctx, t, p)
	if err := shutdownWithin(t, p, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if sk.spans.Load() == 0 || sk.logs.Load() == 0 || sk.metricReqs.Load() == 0 {
		t.Errorf("over TLS: %d spans, %d logs, %d metric requests", sk.spans.Load(), sk.logs.Load(), sk.metricReqs.Load())
	}
	sk.mu.Lock()
	for _, h := range sk.headers {
		if h.Get("Authorization") != "Bearer "+secret || h.Get("X-Tenant") != "acme" {
			t.Errorf("headers %v lack OTEL_EXPORTER_OTLP_HEADERS", h)
		}
	}
	sk.mu.Unlock()
	if out := console.String(); out != "" {
		t.Errorf("console: %q", out)
	}

	// Without the certificate the handshake fails: errors, no secret.
	t.Setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "200")
	console = syncBuffer{}
	p, err = Setup(ctx, WithConsole(&console))
	if err != nil {
		t.Fatal(err)
	}
	emitSample(ctx, t, p)
	ferr := p.ForceFlush(ctx)
	serr := shutdownWithin(t, p, 5*time.Second)
	if ferr == nil || serr == nil {
		t.Errorf("ForceFlush %v, Shutdown %v: want certificate errors", ferr, serr)
	}
	for _, s := range []string{console.String(), errString(ferr), errString(serr)} {
		if strings.Contains(s, secret) {
			t.Errorf("secret printed: %s", s)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestAttributeValueLengthLimit: a 1 MiB value through otelstep arrives
// truncated in span and log attributes; the log body is not truncated. (The
// SDK leaves span event attributes whole: otelstep cuts the log.message it
// copies onto its events itself, tested in package otelstep.)
func TestAttributeValueLengthLimit(t *testing.T) {
	big := strings.Repeat("é", 1<<19) // 1 MiB, 2-byte characters
	for _, tc := range []struct {
		name  string
		env   map[string]string
		limit int
	}{
		{"default", nil, DefaultAttributeValueLengthLimit},
		{"general", map[string]string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "100"}, 100},
		{"specific", map[string]string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "100", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "50", "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT": "50"}, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sk := &sink{keep: true}
			srv := httptest.NewServer(sk)
			defer srv.Close()
			sinkEnv(t, srv.URL)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			ctx := context.Background()
			p, err := Setup(ctx, WithGlobals(false), WithConsole(&syncBuffer{}))
			if err != nil {
				t.Fatal(err)
			}
			run := otelstep.NewRun("big", otelstep.WithTracerProvider(p.TracerProvider),
				otelstep.WithLoggerProvider(p.LoggerProvider), otelstep.WithMeterProvider(p.MeterProvider))
			sctx, st := run.Start(ctx, run.Logger("c"))
			st.Span().SetAttributes(attrStr("big", big))
			st.Log(sctx, slog.LevelInfo, big, "arg", big)
			st.End(nil)
			if err := shutdownWithin(t, p, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			sk.mu.Lock()
			defer sk.mu.Unlock()
			var checked int
			for _, s := range sk.keptSpan {
				for _, kv := range s.Attributes {
					if kv.Key == "big" {
						checked++
						wantLen(t, "span attribute", kv.Value.GetStringValue(), tc.limit)
					}
				}
			}
			for _, r := range sk.keptLogs {
				for _, kv := range r.Attributes {
					if kv.Key == "arg" {
						checked++
						wantLen(t, "log attribute", kv.Value.GetStringValue(), tc.limit)
						if body := r.Body.GetStringValue(); utf8.RuneCountInString(body) <= tc.limit {
							t.Errorf("log body truncated to %d characters", utf8.RuneCountInString(body))
						}
					}
				}
			}
			if checked != 2 {
				t.Errorf("found %d of the 2 long values", checked)
			}
		})
	}
}

func wantLen(t *testing.T, what, s string, limit int) {
	t.Helper()
	if n := utf8.RuneCountInString(s); n != limit || !utf8.ValidString(s) {
		t.Errorf("%s: %d characters (valid UTF-8 %v), want %d", what, n, utf8.ValidString(s), limit)
	}
}

func TestLimitVariablesValidated(t *testing.T) {
	for _, v := range []string{"-2", "8k", "1.5"} {
		_, err := Setup(context.Background(), WithGlobals(false), testEnv(t, map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":       "http://127.0.0.1:4318",
			"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": v,
		}))
		if err == nil || !strings.Contains(err.Error(), "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT=\""+v+"\"") || !strings.Contains(err.Error(), ">= -1") {
			t.Errorf("%s: %v", v, err)
		}
	}
}

func attrStr(k, v string) attribute.KeyValue { return attribute.String(k, v) }
