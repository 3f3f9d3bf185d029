package e2e

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// maxDownLatency bounds a /compile request while the backend is down: step
// calls never wait for an export, so the request takes its simulated work
// (-delay per phase) plus a little, never an export timeout.
const maxDownLatency = time.Second

// The down period: downRequests requests downGap apart, so that several
// exports (every second, exporters' default schedule delay) hit the closed
// port. downEnv shortens the OTLP exporter's timeout, retries included, to
// 2 s, less than the down period: early batches of the period fail for good,
// late ones are retried into the restarted Jaeger.
const (
	downRequests = 12
	downGap      = 300 * time.Millisecond
)

var downEnv = []string{"OTEL_EXPORTER_OTLP_TIMEOUT=2000"}

// timedCompile is one /compile request, its answer and how long it took.
type timedCompile struct {
	s   summary
	dur time.Duration
}

// TestReliabilityJaegerRestart is issue 8's backend restart: the demo
// service exports to a Jaeger of the test's own, which is stopped (SIGTERM)
// and started again on the same ports while requests keep coming.
//
//   - Requests before the stop arrive (the path works).
//   - Requests while Jaeger is down are answered 200 quickly: telemetry
//     never blocks the service. What of them arrives after the restart (the
//     OTLP exporter retries for a while) is logged, not asserted.
//   - Every request after the restart arrives in full, spans, events and
//     log records.
//   - SIGTERM stops the service with exit status 0 within its shutdown
//     timeout, and its account of lost telemetry ("exporters: lost ...")
//     covers at least what is missing from Jaeger.
func TestReliabilityJaegerRestart(t *testing.T) {
	logs := startLogsReceiver()
	t.Cleanup(logs.Close)
	j := startOwnJaeger(t, "jaeger-restart", logs.URL())
	bin := demo(t)
	service := uniqueService(t, "restart")
	addr := hostPort(freePort(t))
	svc, err := startProc(workDir, "demo-restart-"+strings.ReplaceAll(addr, ":", "-"),
		append(otlpEnv(j.OTLPEndpoint(), service), downEnv...), bin, "-serve", addr, "-delay", "5ms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dumpOnFailure(t, svc); svc.stop(15 * time.Second) })
	if err := waitHTTP200("http://"+addr+"/healthz", svc, pollTimeout); err != nil {
		t.Fatalf("demo service: %v", err)
	}

	fire := func(phase string, n int, gap time.Duration) []timedCompile {
		t.Helper()
		var out []timedCompile
		for i := range n {
			if i > 0 {
				time.Sleep(gap)
			}
			start := time.Now()
			s, err := postCompile("http://" + addr + "/compile")
			d := time.Since(start)
			if err != nil {
				t.Fatalf("%s, request %d: %v", phase, i, err)
			}
			if err := s.check(); err != nil {
				t.Fatalf("%s, request %d: inconsistent summary: %v", phase, i, err)
			}
			out = append(out, timedCompile{s, d})
		}
		return out
	}
	arrived := func(phase string, reqs []timedCompile, timeout time.Duration) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for i, r := range reqs {
			var tr *v1Trace
			err := poll(max(time.Until(deadline), 0), 250*time.Millisecond, func() error {
				var err error
				if tr, err = j.getTraceV1(context.Background(), r.s.TraceID); err != nil {
					return err
				}
				return traceComplete(tr, r.s)
			})
			if err != nil {
				t.Errorf("%s, request %d: %v", phase, i, err)
				continue
			}
			if probs := checkTraceV1(tr, r.s, wantSpanNames(r.s, "POST /compile")); len(probs) > 0 {
				t.Errorf("%s, request %d, trace %s:\n- %s", phase, i, r.s.TraceID, strings.Join(probs, "\n- "))
			}
		}
	}

	before := fire("before the stop", 3, 0)
	arrived("before the stop", before, pollTimeout)
	if t.Failed() {
		t.FailNow()
	}

	// Stop Jaeger: its pid gets SIGTERM.
	j.stop(10 * time.Second)
	if !j.proc.exited() {
		t.Fatal("Jaeger did not stop")
	}
	downStart := time.Now()
	down := fire("while Jaeger is down", downRequests, downGap)
	var worst time.Duration
	for i, r := range down {
		worst = max(worst, r.dur)
		if r.dur > maxDownLatency {
			t.Errorf("while Jaeger is down, request %d took %s (want < %s): telemetry blocks the service",
				i, r.dur.Round(time.Millisecond), maxDownLatency)
		}
	}
	t.Logf("while Jaeger was down: %d requests in %s, latencies %s (worst %s)",
		len(down), time.Since(downStart).Round(time.Millisecond), latencies(down), worst.Round(time.Millisecond))

	// Start it again on the same ports (an empty memory store).
	if err := j.start(); err != nil {
		t.Fatalf("restarting Jaeger: %v", err)
	}
	t.Logf("Jaeger was down %s", time.Since(downStart).Round(time.Millisecond))

	after := fire("after the restart", 3, 0)
	// Exports the SDK is still retrying (the batch from the down period) go
	// first: allow for the OTLP exporter's timeout on top of the poll.
	arrived("after the restart", after, 60*time.Second)
	for i, r := range after {
		if err := waitLogRecords(logs, r.s, pollTimeout); err != nil {
			t.Errorf("after the restart, request %d: %v", i, err)
		}
	}

	// What of the down period arrived: logged, not asserted.
	var downSpans, downSpansIn, downLogs, downLogsIn, whole int
	for _, r := range down {
		downSpans += r.s.Spans
		downLogs += r.s.LogRecords
		n := 0
		if tr, err := j.getTraceV1(context.Background(), r.s.TraceID); err == nil {
			n = len(tr.Spans)
			if traceComplete(tr, r.s) == nil {
				whole++
			}
		}
		downSpansIn += n
		downLogsIn += len(recordsOfTrace(logs, service, r.s.TraceID))
	}
	t.Logf("requests made while Jaeger was down: %d of %d traces complete in Jaeger, %d of %d spans, %d of %d log records forwarded",
		whole, len(down), downSpansIn, downSpans, downLogsIn, downLogs)

	// SIGTERM: exit 0 within the demo's shutdown bound (HTTP drain 5 s +
	// telemetry flush 5 s).
	stopStart := time.Now()
	svc.stop(15 * time.Second)
	stopDur := time.Since(stopStart)
	if svc.waitErr != nil {
		t.Errorf("demo service after SIGTERM: %v (want exit 0)", svc.waitErr)
	}
	if stopDur > 11*time.Second {
		t.Errorf("demo service took %s to stop after SIGTERM (bound: 10 s)", stopDur.Round(time.Millisecond))
	}
	t.Logf("demo service stopped in %s", stopDur.Round(time.Millisecond))

	// The service's own account of lost telemetry (exporters' Shutdown
	// line, present only when something was lost).
	out, _ := os.ReadFile(svc.logPath)
	lostSpans, lostLogs, line := parseLostLine(string(out))
	if line != "" {
		t.Logf("demo service reported: %s", line)
	} else {
		t.Logf("demo service reported no lost telemetry")
	}
	// Before and after the down period everything arrived, so the loss is
	// the down period's: at least what is missing (an export that failed on
	// the client may still have reached a Jaeger), at most all of it.
	if missing := downSpans - downSpansIn; lostSpans < missing || lostSpans > downSpans {
		t.Errorf("%d of the down period's %d spans are missing from Jaeger, but the service reports %d spans lost",
			missing, downSpans, lostSpans)
	}
	if missing := downLogs - downLogsIn; lostLogs < missing || lostLogs > downLogs {
		t.Errorf("%d of the down period's %d log records were not forwarded, but the service reports %d lost",
			missing, downLogs, lostLogs)
	}
}

// traceComplete reports whether Jaeger holds at least what the request sent.
func traceComplete(tr *v1Trace, s summary) error { return complete(tr, s) }

// recordsOfTrace returns the log records of service with the trace ID.
func recordsOfTrace(logs *logsReceiver, service, traceID string) []logRecord {
	recs, _ := logs.byService(service)
	var out []logRecord
	for _, r := range recs {
		if r.TraceID == traceID {
			out = append(out, r)
		}
	}
	return out
}

// waitLogRecords waits until the logs receiver holds exactly the request's
// log records.
func waitLogRecords(logs *logsReceiver, s summary, timeout time.Duration) error {
	return poll(timeout, 250*time.Millisecond, func() error {
		if n := len(recordsOfTrace(logs, s.Service, s.TraceID)); n != s.LogRecords {
			return fmt.Errorf("trace %s: %d log records forwarded, want %d", s.TraceID, n, s.LogRecords)
		}
		return nil
	})
}

func latencies(rs []timedCompile) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.dur.Round(time.Millisecond).String())
	}
	return strings.Join(out, " ")
}

var lostRE = regexp.MustCompile(`exporters: lost (\d+) of \d+ spans \([^)]*\), (\d+) of \d+ log records`)

// parseLostLine finds exporters' "lost N of M spans (...), K of L log
// records (...) and ... metric data points" Shutdown line in a process's
// output.
func parseLostLine(out string) (spans, logs int, line string) {
	for l := range strings.Lines(out) {
		if m := lostRE.FindStringSubmatch(l); m != nil {
			spans, _ = strconv.Atoi(m[1])
			logs, _ = strconv.Atoi(m[2])
			return spans, logs, strings.TrimSpace(l)
		}
	}
	return 0, 0, ""
}
