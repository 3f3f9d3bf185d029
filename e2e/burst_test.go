package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Burst: examples/burst takes burstSteps steps from burstWorkers goroutines
// as fast as it can against a Jaeger of the test's own; Jaeger must then hold
// every trace with exactly the spans and events the burst's summary counts,
// and Jaeger's logs pipeline must have forwarded exactly one step-start
// record and one message record per step.
const (
	burstSteps   = 100000
	burstWorkers = 8
)

// burstSummary is what `burst -json` prints.
type burstSummary struct {
	Service         string           `json:"service"`
	Steps           int              `json:"steps"`
	Workers         int              `json:"workers"`
	Chunk           int              `json:"chunk"`
	Spans           int              `json:"spans"`
	StepEvents      int              `json:"step_events"`
	LogEvents       int              `json:"log_events"`
	LogRecords      int              `json:"log_records"`
	TraceCount      int              `json:"trace_count"`
	Traces          []burstTrace     `json:"traces"`
	EmitSeconds     float64          `json:"emit_seconds"`
	ShutdownSeconds float64          `json:"shutdown_seconds"`
	WallSeconds     float64          `json:"wall_seconds"`
	PeakRSSBytes    int64            `json:"peak_rss_bytes"`
	OTelErrors      int              `json:"otel_errors"`
	ShutdownError   string           `json:"shutdown_error"`
	Stats           *json.RawMessage `json:"stats"`
}

type burstTrace struct {
	TraceID string `json:"trace_id"`
	Worker  int    `json:"worker"`
	Chunk   int    `json:"chunk"`
	Steps   int    `json:"steps"`
}

// check verifies the summary's own arithmetic.
func (s burstSummary) check(steps, workers int) error {
	perTrace := 0
	ids := map[string]bool{}
	for _, tr := range s.Traces {
		perTrace += tr.Steps
		if len(tr.TraceID) != 32 || ids[tr.TraceID] {
			return fmt.Errorf("trace ID %q is malformed or repeated", tr.TraceID)
		}
		ids[tr.TraceID] = true
		if tr.Steps < 1 || tr.Steps > s.Chunk {
			return fmt.Errorf("trace %s has %d steps, chunk is %d", tr.TraceID, tr.Steps, s.Chunk)
		}
	}
	switch {
	case s.Steps != steps || s.Workers != workers:
		return fmt.Errorf("%d steps from %d workers, asked for %d from %d", s.Steps, s.Workers, steps, workers)
	case s.TraceCount != len(s.Traces):
		return fmt.Errorf("trace_count %d, %d traces listed", s.TraceCount, len(s.Traces))
	case perTrace != s.Steps:
		return fmt.Errorf("the traces hold %d steps, not %d", perTrace, s.Steps)
	case s.Spans != s.Steps+len(s.Traces):
		return fmt.Errorf("spans %d, want steps + roots = %d", s.Spans, s.Steps+len(s.Traces))
	case s.StepEvents != s.Steps || s.LogEvents != s.Steps:
		return fmt.Errorf("step_events %d, log_events %d, want %d each", s.StepEvents, s.LogEvents, s.Steps)
	case s.LogRecords != 2*s.Steps:
		return fmt.Errorf("log_records %d, want %d", s.LogRecords, 2*s.Steps)
	}
	return nil
}

var (
	burstBinOnce sync.Once
	burstBin     string
	burstBinErr  error
)

// buildBurst builds ./examples/burst from the repo root, once.
func buildBurst(t testing.TB) string {
	t.Helper()
	burstBinOnce.Do(func() {
		p := filepath.Join(workDir, "burst")
		_, errOut, err := runCmd(context.Background(), 5*time.Minute, repoRoot(), nil, "go", "build", "-o", p, "./examples/burst")
		if err != nil {
			burstBinErr = fmt.Errorf("go build ./examples/burst: %w\n%s", err, errOut)
			return
		}
		burstBin = p
	})
	if burstBinErr != nil {
		t.Fatal(burstBinErr)
	}
	return burstBin
}

// TestBurstNothingLost is issue 8's burst: 100000 steps from 8 goroutines,
// over OTLP/HTTP to a real Jaeger, every span, event and log record
// accounted for.
func TestBurstNothingLost(t *testing.T) {
	steps, workers := burstSteps, burstWorkers
	if testing.Short() {
		steps = 5000
	}
	bin := buildBurst(t)
	service := uniqueService(t, "burst")
	logs := startCountingLogsReceiver(service, steps)
	t.Cleanup(logs.Close)
	j := startOwnJaeger(t, "jaeger-burst", logs.URL())

	// exporters.Setup's defaults, queues included: no OTEL_BSP_* or
	// OTEL_BLRP_* variable is set, and nothing may be lost.
	env := otlpEnv(j.OTLPEndpoint(), service)
	start := time.Now()
	out, errOut, err := runCmd(context.Background(), 2*time.Minute, repoRoot(), env, bin,
		"-steps", strconv.Itoa(steps), "-workers", strconv.Itoa(workers), "-json")
	if err != nil {
		t.Fatalf("burst: %v\nstderr:\n%s", err, errOut)
	}
	ran := time.Since(start)
	var s burstSummary
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		t.Fatalf("burst summary: %v\n%.500s\nstderr:\n%s", err, out, errOut)
	}
	if err := s.check(steps, workers); err != nil {
		t.Fatalf("burst summary is inconsistent: %v", err)
	}
	stats := "n/a"
	if s.Stats != nil {
		stats = string(*s.Stats)
	}
	t.Logf("burst: %d steps from %d workers, %d traces, %d spans, %d log records: emitted in %.2fs (%.0f steps/s), flushed in %.2fs, process wall %.2fs (%s with start-up), peak RSS %d MiB, otel errors %d, stats %s",
		s.Steps, s.Workers, s.TraceCount, s.Spans, s.LogRecords, s.EmitSeconds, float64(s.Steps)/s.EmitSeconds,
		s.ShutdownSeconds, s.WallSeconds, ran.Round(time.Millisecond), s.PeakRSSBytes>>20, s.OTelErrors, stats)
	if s.Stats != nil {
		// exporters.Stats: with queues sized for the burst, nothing may be
		// dropped or fail, and every span and record must be exported.
		var st map[string]uint64
		if err := json.Unmarshal(*s.Stats, &st); err != nil {
			t.Errorf("stats: %v", err)
		}
		for k, v := range st {
			if (strings.HasSuffix(k, "Dropped") || strings.HasSuffix(k, "Failed") || strings.HasSuffix(k, "Pending")) && v != 0 {
				t.Errorf("burst stats: %s = %d", k, v)
			}
		}
		if st["SpansExported"] != uint64(s.Spans) || st["LogsExported"] != uint64(s.LogRecords) {
			t.Errorf("burst stats: exported %d spans and %d log records, the burst made %d and %d",
				st["SpansExported"], st["LogsExported"], s.Spans, s.LogRecords)
		}
	}
	if s.ShutdownError != "" || s.OTelErrors != 0 {
		t.Errorf("burst reported export problems: shutdown error %q, %d otel errors; stderr:\n%s", s.ShutdownError, s.OTelErrors, errOut)
	}

	// Traces: one query per trace, a few at a time. The burst has flushed
	// before it printed its summary, so every trace is at Jaeger within its
	// batch timeout: incomplete traces are polled again until one shared
	// deadline, not each for pollTimeout.
	verifyStart := time.Now()
	deadline := verifyStart.Add(2 * pollTimeout)
	seen := make([]int32, steps+1) // step number -> step spans seen
	var seenMu sync.Mutex
	probs := make([][]string, len(s.Traces))
	work := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range work {
				tr := s.Traces[i]
				var got *v1Trace
				err := poll(max(time.Until(deadline), 0), 200*time.Millisecond, func() error {
					var err error
					got, err = j.getTraceV1(context.Background(), tr.TraceID)
					if err != nil {
						return err
					}
					if len(got.Spans) < tr.Steps+1 {
						return fmt.Errorf("trace %s: %d of %d spans", tr.TraceID, len(got.Spans), tr.Steps+1)
					}
					return nil
				})
				if err != nil {
					probs[i] = []string{err.Error()}
					continue
				}
				nums, p := checkBurstTrace(got, tr, service)
				probs[i] = p
				seenMu.Lock()
				for _, n := range nums {
					if n >= 1 && n <= steps {
						seen[n]++
					}
				}
				seenMu.Unlock()
			}
		})
	}
	for i := range s.Traces {
		work <- i
	}
	close(work)
	wg.Wait()
	bad := 0
	for i, p := range probs {
		if len(p) == 0 {
			continue
		}
		if bad++; bad <= 5 {
			t.Errorf("trace %s (worker %d, chunk %d):\n- %s", s.Traces[i].TraceID, s.Traces[i].Worker, s.Traces[i].Chunk, strings.Join(p, "\n- "))
		}
	}
	if bad > 5 {
		t.Errorf("... %d of %d traces differ in all", bad, len(s.Traces))
	}
	missing, dup := 0, 0
	for n := 1; n <= steps; n++ {
		switch {
		case seen[n] == 0:
			missing++
		case seen[n] > 1:
			dup++
		}
	}
	if missing+dup > 0 {
		t.Errorf("step spans over all traces: %d step numbers missing, %d repeated (want each of 1..%d once)", missing, dup, steps)
	}
	t.Logf("Jaeger: %d traces checked in %s", len(s.Traces), time.Since(verifyStart).Round(time.Millisecond))

	// Logs, as Jaeger's otlphttp exporter forwarded them.
	if err := poll(60*time.Second, 250*time.Millisecond, func() error {
		if n := logs.received(); n < 2*steps {
			return fmt.Errorf("%d of %d log records received", n, 2*steps)
		}
		return nil
	}); err != nil {
		t.Errorf("logs: %v", err)
	}
	time.Sleep(500 * time.Millisecond) // let a duplicate, if any, arrive
	for _, p := range logs.check(steps) {
		t.Errorf("logs: %s", p)
	}

	// Jaeger's own account: nothing refused, dropped or failed.
	m, err := j.collectorMetrics("otelcol_receiver_", "otelcol_exporter_", "otelcol_processor_")
	if err != nil {
		t.Errorf("Jaeger's own metrics: %v", err)
	}
	var names []string
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var shown []string
	for _, k := range names {
		shown = append(shown, fmt.Sprintf("%s=%g", k, m[k]))
		if (strings.Contains(k, "refused") || strings.Contains(k, "failed")) && m[k] != 0 {
			t.Errorf("Jaeger reports %s = %g", k, m[k])
		}
	}
	t.Logf("Jaeger peak RSS %d MiB; collector metrics: %s", j.peakRSS()>>20, strings.Join(shown, " "))
	if t.Failed() {
		t.Logf("burst stderr:\n%s", errOut)
	}
}

// checkBurstTrace compares one burst trace with its chunk: a root
// "burst chunk" carrying one otelstep.step event per step, and per step a
// child span "Step N: burst" with one otelstep.log event "Step N: processed
// item". It returns the step numbers of the step spans and every difference.
func checkBurstTrace(tr *v1Trace, want burstTrace, service string) (nums []int, probs []string) {
	bad := func(format string, args ...any) {
		if len(probs) < 10 {
			probs = append(probs, fmt.Sprintf(format, args...))
		}
	}
	if tr.TraceID != want.TraceID {
		bad("trace ID %s", tr.TraceID)
	}
	if len(tr.Spans) != want.Steps+1 {
		bad("%d spans, want exactly %d", len(tr.Spans), want.Steps+1)
	}
	for id, p := range tr.Processes {
		if p.ServiceName != service {
			bad("process %s has service %q, want %q", id, p.ServiceName, service)
		}
	}
	var root *v1Span
	for i, sp := range tr.Spans {
		if len(sp.References) == 0 {
			if root != nil {
				bad("two root spans: %q and %q", root.OperationName, sp.OperationName)
			}
			root = &tr.Spans[i]
		}
	}
	if root == nil {
		bad("no root span")
		return nil, probs
	}
	if root.OperationName != "burst chunk" {
		bad("root span %q, want %q", root.OperationName, "burst chunk")
	}
	if w, _ := field(root.Tags, "burst.worker"); w != strconv.Itoa(want.Worker) {
		bad("root has burst.worker %q, want %d", w, want.Worker)
	}
	events := map[int]int{} // step number -> otelstep.step events on the root
	for _, l := range root.Logs {
		ev, _ := field(l.Fields, "event")
		if ev != "otelstep.step" {
			bad("root carries a %q event", ev)
			continue
		}
		num, _ := field(l.Fields, "otelstep.step.number")
		n, err := strconv.Atoi(num)
		if err != nil {
			bad("otelstep.step event with step number %q", num)
		}
		events[n]++
	}
	if len(root.Logs) != want.Steps {
		bad("%d events on the root, want exactly %d otelstep.step events", len(root.Logs), want.Steps)
	}
	for _, sp := range tr.Spans {
		if sp.SpanID == root.SpanID {
			continue
		}
		num, _ := field(sp.Tags, "otelstep.step.number")
		n, err := strconv.Atoi(num)
		if err != nil {
			bad("span %q has step number %q", sp.OperationName, num)
			continue
		}
		nums = append(nums, n)
		if sp.OperationName != "Step "+num+": burst" {
			bad("span %q has step number %d", sp.OperationName, n)
		}
		if p := parentID(sp); p != root.SpanID {
			bad("span %q: parent %s, want the root %s", sp.OperationName, p, root.SpanID)
		}
		if events[n] != 1 {
			bad("step %d: %d otelstep.step events on the root, want 1", n, events[n])
		}
		if len(sp.Logs) != 1 {
			bad("span %q: %d events, want 1 otelstep.log", sp.OperationName, len(sp.Logs))
			continue
		}
		ev, _ := field(sp.Logs[0].Fields, "event")
		msg, _ := field(sp.Logs[0].Fields, "log.message")
		if ev != "otelstep.log" || msg != "Step "+num+": processed item" {
			bad("span %q: event %q %q, want otelstep.log %q", sp.OperationName, ev, msg, "Step "+num+": processed item")
		}
	}
	return nums, probs
}
