package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// summary is the JSON line `demo -json` prints and `/compile` answers: what
// the demo did, counted by the demo itself.
type summary struct {
	Service    string   `json:"service"`
	TraceID    string   `json:"trace_id"`
	Run        string   `json:"run"`
	Steps      int      `json:"steps"`
	StepEvents int      `json:"step_events"`
	LogEvents  int      `json:"log_events"`
	LogRecords int      `json:"log_records"`
	Spans      int      `json:"spans"`
	Components []string `json:"components"`
	Messages   []string `json:"messages"`
	Total      int      `json:"total"`
}

// demo returns the demo binary, built once.
func demo(t testing.TB) string {
	t.Helper()
	bin, err := buildDemo(workDir)
	if err != nil {
		t.Fatalf("build demo: %v", err)
	}
	return bin
}

// otlpEnv is the environment that points the demo at Jaeger over OTLP/HTTP.
func otlpEnv(endpoint, service string) []string {
	return []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint,
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_SERVICE_NAME=" + service,
		"OTEL_METRIC_EXPORT_INTERVAL=1000",
		"OTEL_TRACES_SAMPLER=always_on",
	}
}

// runDemoJSON runs the one-shot demo with -json and parses its summary.
func runDemoJSON(t testing.TB, env []string) summary {
	t.Helper()
	bin := demo(t)
	start := time.Now()
	out, errOut, err := runCmd(context.Background(), 60*time.Second, repoRoot(), env, bin, "-json")
	if err != nil {
		t.Fatalf("demo -json: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	t.Logf("demo ran in %s", time.Since(start).Round(time.Millisecond))
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var s summary
	if len(lines) != 1 {
		t.Fatalf("demo -json: want exactly one line on stdout, got %d:\n%s\nstderr:\n%s", len(lines), out, errOut)
	}
	if err := json.Unmarshal([]byte(lines[0]), &s); err != nil {
		t.Fatalf("demo -json: %v\n%s", err, out)
	}
	if err := s.check(); err != nil {
		t.Fatalf("demo summary is inconsistent: %v\n%s", err, out)
	}
	return s
}

// check verifies the summary's own arithmetic, so the comparisons against
// the backends rest on something sound.
func (s summary) check() error {
	switch {
	case len(s.TraceID) != 32:
		return fmt.Errorf("trace_id %q is not 32 hex digits", s.TraceID)
	case s.Steps < 1:
		return fmt.Errorf("steps = %d", s.Steps)
	case s.StepEvents != s.Steps:
		return fmt.Errorf("step_events %d != steps %d", s.StepEvents, s.Steps)
	case len(s.Components) != s.Steps:
		return fmt.Errorf("%d components for %d steps", len(s.Components), s.Steps)
	case s.LogEvents != len(s.Messages):
		return fmt.Errorf("log_events %d != %d messages", s.LogEvents, len(s.Messages))
	case s.LogRecords < len(s.Messages) || s.LogRecords > len(s.Messages)+s.Steps:
		// one record per message, plus one step-start event per step whose
		// component lets Info through
		return fmt.Errorf("log_records %d for %d messages and %d steps", s.LogRecords, len(s.Messages), s.Steps)
	case s.Spans < s.Steps+1:
		return fmt.Errorf("spans = %d for %d steps", s.Spans, s.Steps)
	}
	return nil
}
