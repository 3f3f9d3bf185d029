package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// uniqueService names a test's telemetry so tests never see each other's.
func uniqueService(t testing.TB, what string) string {
	return fmt.Sprintf("otelstep-e2e-%s-%d", what, time.Now().UnixNano())
}

// TestOneShotJaeger runs the demo once against Jaeger and checks that Jaeger
// holds exactly what the demo says it sent: spans, step events, log events
// (v1 API), typed attributes (v3 API), and the logs Jaeger forwarded.
//
// It runs with the default levels, with OTELSTEP_LOGS=+all (Debug lines go
// out too) and with -parse (parse logs nothing): the demo's summary must
// follow, and so must the backends.
func TestOneShotJaeger(t *testing.T) {
	j := needJaeger(t)
	for _, tc := range []struct{ name, levels string }{
		{"default_levels", ""},
		{"debug_all", "+all"},
		{"parse_errors_only", "-parse"},
	} {
		t.Run(tc.name, func(t *testing.T) { testOneShot(t, j, tc.levels) })
	}
}

func testOneShot(t *testing.T, j *jaegerStack, levels string) {
	service := uniqueService(t, "oneshot")
	started := time.Now()
	env := append(otlpEnv(j.OTLPEndpoint(), service), "OTELSTEP_LOGS="+levels)
	s := runDemoJSON(t, env)
	if s.Service != service {
		t.Fatalf("demo reports service %q, want %q", s.Service, service)
	}
	t.Logf("demo: trace %s, %d steps, %d spans, %d messages", s.TraceID, s.Steps, s.Spans, len(s.Messages))

	t.Run("v1", func(t *testing.T) {
		tr := waitTrace(t, j, s)
		if probs := checkTraceV1(tr, s, wantSpanNames(s)); len(probs) > 0 {
			t.Errorf("Jaeger trace %s differs from the demo's summary:\n- %s", s.TraceID, strings.Join(probs, "\n- "))
		}
	})

	t.Run("v3_typed_attributes", func(t *testing.T) {
		ctx := context.Background()
		var r *v3Response
		err := poll(pollTimeout, 200*time.Millisecond, func() error {
			var err error
			r, err = j.findTracesV3(ctx, service, started.Add(-time.Minute), time.Now().Add(time.Minute))
			return err
		})
		if err != nil {
			t.Fatalf("/api/v3/traces: %v", err)
		}
		var steps []int
		traceIDs := map[string]bool{}
		for _, rs := range r.Result.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					traceIDs[strings.ToLower(sp.TraceID)] = true
					for _, ev := range sp.Events {
						if ev.Name != "otelstep.step" {
							continue
						}
						for _, kv := range ev.Attributes {
							switch kv.Key {
							case "otelstep.step.number", "otelstep.steps.total":
								iv, ok := kv.Value["intValue"]
								if !ok {
									t.Errorf("span %q: %s = %v, want an intValue", sp.Name, kv.Key, kv.Value)
									continue
								}
								if kv.Key == "otelstep.step.number" {
									n, err := strconv.Atoi(fmt.Sprint(iv))
									if err != nil {
										t.Errorf("span %q: step number %v: %v", sp.Name, iv, err)
									}
									steps = append(steps, n)
								}
							case "otelstep.component", "otelstep.run":
								if _, ok := kv.Value["stringValue"]; !ok {
									t.Errorf("span %q: %s = %v, want a stringValue", sp.Name, kv.Key, kv.Value)
								}
							}
						}
					}
				}
			}
		}
		if len(traceIDs) != 1 || !traceIDs[s.TraceID] {
			t.Errorf("v3 trace IDs for %s: %v, want only %s", service, keys(traceIDs), s.TraceID)
		}
		sort.Ints(steps)
		if fmt.Sprint(steps) != fmt.Sprint(seq(s.Steps)) {
			t.Errorf("v3 step numbers %v, want %v", steps, seq(s.Steps))
		}
	})

	t.Run("logs_forwarded", func(t *testing.T) {
		var got []logRecord
		err := poll(pollTimeout, 200*time.Millisecond, func() error {
			var errs []string
			got, errs = j.logs.byService(service)
			if len(errs) > 0 {
				return fmt.Errorf("receiver errors: %v", errs)
			}
			if len(got) < s.LogRecords {
				return fmt.Errorf("%d/%d log records", len(got), s.LogRecords)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("logs via Jaeger's otlphttp exporter: %v", err)
		}
		checkLogRecords(t, got, s)
	})
}

// waitTrace polls the v1 API until the trace is complete or the deadline.
func waitTrace(t testing.TB, j *jaegerStack, s summary) *v1Trace {
	t.Helper()
	var tr *v1Trace
	err := poll(pollTimeout, 200*time.Millisecond, func() error {
		var err error
		if tr, err = j.getTraceV1(context.Background(), s.TraceID); err != nil {
			return err
		}
		return complete(tr, s)
	})
	if err != nil {
		t.Fatalf("Jaeger trace %s: %v", s.TraceID, err)
	}
	return tr
}

// checkLogRecords compares the forwarded OTel log records with the summary:
// one record per message (body "Step N: msg") and one step-start event
// (event name otelstep.step) per step whose component lets Info through.
func checkLogRecords(t testing.TB, got []logRecord, s summary) {
	t.Helper()
	if len(got) != s.LogRecords {
		t.Errorf("%d log records, want exactly %d", len(got), s.LogRecords)
	}
	var bodies, events []string
	for _, r := range got {
		if r.TraceID != s.TraceID {
			t.Errorf("record %q: trace ID %s, want %s", r.Body, r.TraceID, s.TraceID)
		}
		if r.SpanID == "" || strings.Trim(r.SpanID, "0") == "" {
			t.Errorf("record %q has no span ID", r.Body)
		}
		n, ok := r.Attrs["otelstep.step.number"].(int64)
		if !ok {
			t.Errorf("record %q: otelstep.step.number = %#v, want an int", r.Body, r.Attrs["otelstep.step.number"])
			continue
		}
		if n < 1 || int(n) > len(s.Components) {
			t.Errorf("record %q: step number %d out of 1..%d", r.Body, n, len(s.Components))
			continue
		}
		comp := s.Components[n-1]
		if r.Scope != comp || r.Attrs["otelstep.component"] != comp {
			t.Errorf("record %q: scope %q, component %v, want %q", r.Body, r.Scope, r.Attrs["otelstep.component"], comp)
		}
		if r.Attrs["otelstep.run"] != s.Run {
			t.Errorf("record %q: otelstep.run %v, want %q", r.Body, r.Attrs["otelstep.run"], s.Run)
		}
		switch r.Event {
		case "otelstep.step":
			events = append(events, r.Body)
			if want := fmt.Sprintf("Step %d started: %s", n, comp); r.Body != want {
				t.Errorf("step-start event body %q, want %q", r.Body, want)
			}
		case "":
			bodies = append(bodies, r.Body)
			if !strings.HasPrefix(r.Body, fmt.Sprintf("Step %d: ", n)) {
				t.Errorf("record %q carries step number %d", r.Body, n)
			}
		default:
			t.Errorf("record %q has unexpected event name %q", r.Body, r.Event)
		}
	}
	if d := diffSorted(s.Messages, bodies); d != "" {
		t.Errorf("log record bodies differ from the demo's messages (-want +got):\n%s", d)
	}
	if want := s.LogRecords - len(s.Messages); len(events) != want {
		t.Errorf("%d step-start event records, want %d: %q", len(events), want, events)
	}
}

// TestDemoBackendDown points the demo at a closed port: it must still finish,
// exit 0 within seconds, and name the endpoint it could not reach.
func TestDemoBackendDown(t *testing.T) {
	bin := demo(t)
	port := freePort(t) // nothing listens there
	endpoint := "http://" + hostPort(port)
	start := time.Now()
	out, errOut, err := runCmd(context.Background(), 30*time.Second, repoRoot(),
		otlpEnv(endpoint, uniqueService(t, "down")), bin, "-json")
	took := time.Since(start)
	t.Logf("demo with the backend down took %s", took.Round(time.Millisecond))
	if err != nil {
		var ee *exec.ExitError
		if ok := asExit(err, &ee); ok {
			t.Fatalf("demo exited %d, want 0\nstderr:\n%s", ee.ExitCode(), errOut)
		}
		t.Fatalf("demo: %v\nstderr:\n%s", err, errOut)
	}
	if took > 12*time.Second {
		t.Errorf("demo took %s with the backend down, want < 12s", took)
	}
	if !strings.Contains(string(errOut), hostPort(port)) {
		t.Errorf("stderr does not name the endpoint %s:\n%s", endpoint, errOut)
	}
	if strings.Contains(string(errOut), "panic") {
		t.Errorf("stderr mentions a panic:\n%s", errOut)
	}
	if len(strings.TrimSpace(string(out))) == 0 {
		t.Errorf("no JSON summary on stdout")
	}
}
