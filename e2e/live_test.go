package e2e

// Watching a long job (docs/watching.md, "Watching a long job"): while a demo step
// runs, Prometheus shows its age growing and the run's time left, and Jaeger
// finds the running step through its marker span; afterwards the trace holds
// each step once under its name. The dashboard's queries then run against
// that very data, as Grafana would send them.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// liveMarkerName is the name of the marker span of a running step
// (otelstep.LiveSpanName), as docs/watching.md and the dashboard's Jaeger links
// name it.
const liveMarkerName = "otelstep.step.running"

// liveRunMarkerName is the marker span of a running run
// (otelstep.LiveRunSpanName).
const liveRunMarkerName = "otelstep.run.running"

// liveDelay is the demo's -delay in the slow run: the simulated work of each
// phase, and of each of the 8 functions of codegen. Codegen then runs for 12
// s: its age is exported a dozen times (the metric export interval is 1 s),
// and its marker span (made after otelstep.DefaultLiveAfter, 5 s) reaches
// Jaeger while it runs.
const liveDelay = 1500 * time.Millisecond

// liveRunTime bounds the slow run: 3 phases and 8 codegen functions of
// liveDelay each, with room to spare.
const liveRunTime = 3 * 11 * liveDelay

// stepNameRE matches the name of a step span.
var stepNameRE = regexp.MustCompile(`^Step [0-9]+: `)

// liveJob is a demo process running in the background.
type liveJob struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{}
	err            error
}

// startLiveJob starts the demo with args and env; it is killed at the end of
// the test if it is still running.
func startLiveJob(t *testing.T, env []string, args ...string) *liveJob {
	t.Helper()
	j := &liveJob{done: make(chan struct{})}
	j.cmd = exec.Command(demo(t), args...)
	j.cmd.Dir = repoRoot()
	j.cmd.Env = append(baseEnv(), env...)
	j.cmd.Stdout, j.cmd.Stderr = &j.stdout, &j.stderr
	j.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := j.cmd.Start(); err != nil {
		t.Fatalf("start demo: %v", err)
	}
	go func() { j.err = j.cmd.Wait(); close(j.done) }()
	t.Cleanup(func() {
		if !j.exited() {
			_ = j.cmd.Process.Kill()
			<-j.done
		}
	})
	return j
}

func (j *liveJob) exited() bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

// poll is poll while the demo runs: it gives up as soon as the demo has
// exited, since what check waits for can no longer happen.
func (j *liveJob) poll(check func() error) error {
	last := errors.New("not checked before the demo ended")
	err := poll(liveRunTime, 250*time.Millisecond, func() error {
		if j.exited() {
			return nil
		}
		last = check()
		return last
	})
	if err != nil {
		return err
	}
	if last != nil {
		return fmt.Errorf("the demo ended first; last check: %w", last)
	}
	return nil
}

// wait waits for the demo to exit and parses its -json summary.
func (j *liveJob) wait(t *testing.T, timeout time.Duration) summary {
	t.Helper()
	select {
	case <-j.done:
	case <-time.After(timeout):
		t.Fatalf("demo still running after %s\nstderr:\n%s", timeout, j.stderr.String())
	}
	if j.err != nil {
		t.Fatalf("demo: %v\nstdout:\n%s\nstderr:\n%s", j.err, j.stdout.String(), j.stderr.String())
	}
	var s summary
	if err := json.Unmarshal(bytes.TrimSpace(j.stdout.Bytes()), &s); err != nil {
		t.Fatalf("demo -json: %v\n%s", err, j.stdout.String())
	}
	return s
}

// liveSamples returns the raw samples of each series of sel over the last
// window, oldest first, keyed by component.
func liveSamples(ctx context.Context, p *promServer, sel string, window time.Duration) (map[string][]float64, error) {
	var r promMatrix
	q := fmt.Sprintf("%s[%ds]", sel, int(window.Seconds()))
	if err := getJSON(ctx, p.URL()+"/api/v1/query?query="+url.QueryEscape(q), &r); err != nil {
		return nil, err
	}
	out := map[string][]float64{}
	for _, s := range r.Data.Result {
		for _, v := range s.Values {
			str, _ := v[1].(string)
			f, err := strconv.ParseFloat(str, 64)
			if err != nil {
				return nil, err
			}
			c := s.Metric["otelstep_component"]
			out[c] = append(out[c], f)
		}
	}
	return out, nil
}

// growing reports whether vs holds at least n distinct values and never
// goes down.
func growing(vs []float64, n int) bool {
	distinct := 0
	for i, v := range vs {
		if i > 0 && v < vs[i-1] {
			return false
		}
		if i == 0 || v != vs[i-1] {
			distinct++
		}
	}
	return distinct >= n
}

// liveMarker is a marker span found in Jaeger while its step ran.
type liveMarker struct {
	traceID, spanID, parent string
	number                  int
	component               string
}

// findRunningStep searches Jaeger for the service's marker spans and returns
// one whose step span ("Step N: component") is not in the trace yet: a step
// Jaeger knows only through its marker, because it has not ended.
func findRunningStep(ctx context.Context, j *jaegerStack, service string) (liveMarker, error) {
	q := url.Values{"service": {service}, "operation": {liveMarkerName}, "lookback": {"1h"}, "limit": {"20"}}
	var r v1TraceResponse
	if err := getJSON(ctx, j.QueryURL()+"/api/traces?"+q.Encode(), &r); err != nil {
		return liveMarker{}, err
	}
	for _, tr := range r.Data {
		names := map[string]bool{}
		for _, sp := range tr.Spans {
			names[sp.OperationName] = true
		}
		for _, sp := range tr.Spans {
			if sp.OperationName != liveMarkerName {
				continue
			}
			num, _ := field(sp.Tags, "otelstep.step.number")
			n, _ := strconv.Atoi(num)
			comp, _ := field(sp.Tags, "otelstep.component")
			m := liveMarker{traceID: tr.TraceID, spanID: sp.SpanID, parent: parentID(sp), number: n, component: comp}
			if n > 0 && comp != "" && !names[fmt.Sprintf("Step %d: %s", n, comp)] {
				return m, nil
			}
		}
	}
	return liveMarker{}, fmt.Errorf("no %s span of a step still running among %d traces of %s", liveMarkerName, len(r.Data), service)
}

// TestLiveWatch runs the demo slowly and watches it the way
// docs/watching.md's "Watching a long job" does, through the real Jaeger and Prometheus:
//
//   - while a step runs, otelstep_step_elapsed_seconds grows over at least
//     three metric exports with no call from the job, and
//     otelstep_run_remaining_seconds is there once a step has ended;
//   - Jaeger's API finds the running step: its marker span, while the step
//     span itself is not there yet;
//   - afterwards the trace holds each step exactly once, as "Step N:
//     component", and every marker is a child of its step's span with a name
//     no one takes for a step;
//   - OtelstepStepRunningLong, its thresholds scaled down to seconds, fires
//     for the running step;
//   - every PromQL query of the Grafana dashboard, its variables filled in as
//     Grafana would, returns data; the alerting rules evaluate without error.
//
// A fast serve-mode demo of the same service runs two pipelines first, so
// that the step counters increase between scrapes (rate() panels).
func TestLiveWatch(t *testing.T) {
	j := needJaeger(t)
	p := needPrometheus(t, j)
	ctx := context.Background()
	service := uniqueService(t, "live")
	from := time.Now().Add(-10 * time.Second)

	// 1. Two fast pipelines in one process, one scrape apart.
	port := freePort(t)
	addr := hostPort(port)
	fast, err := startProc(workDir, "demo-live-fast-"+strconv.Itoa(port),
		append(otlpEnv(j.OTLPEndpoint(), service), "OTEL_RESOURCE_ATTRIBUTES=service.instance.id=fast"),
		demo(t), "-serve", addr, "-delay", "5ms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fast.stop(10 * time.Second); dumpOnFailure(t, fast) })
	if err := waitHTTP200("http://"+addr+"/healthz", fast, pollTimeout); err != nil {
		t.Fatalf("demo service: %v", err)
	}
	counted := fmt.Sprintf(`sum(otelstep_step_duration_seconds_count{job=%q, instance="fast"})`, service)
	for i := 1; i <= 2; i++ {
		s, err := postCompile("http://" + addr + "/compile")
		if err != nil {
			t.Fatal(err)
		}
		want := float64(i * s.Steps)
		if err := poll(pollTimeout, 200*time.Millisecond, func() error {
			res, err := p.query(ctx, counted)
			if err != nil {
				return err
			}
			if len(res) != 1 || res[0].Value != want {
				return fmt.Errorf("%s = %v, want %v", counted, res, want)
			}
			return nil
		}); err != nil {
			t.Fatalf("Prometheus: %v", err)
		}
	}

	// 2. The slow run.
	start := time.Now()
	job := startLiveJob(t, append(otlpEnv(j.OTLPEndpoint(), service),
		"OTEL_RESOURCE_ATTRIBUTES=service.instance.id=slow",
		"OTEL_BSP_SCHEDULE_DELAY=200", // a marker reaches Jaeger within a second
	), "-json", "-delay", liveDelay.String())
	slow := fmt.Sprintf(`{job=%q, instance="slow"}`, service)

	// 2a. The age of the running step grows over three exports or more.
	var ages map[string][]float64
	if err := job.poll(func() error {
		var err error
		if ages, err = liveSamples(ctx, p, "otelstep_step_elapsed_seconds"+slow, 10*time.Second); err != nil {
			return err
		}
		for _, vs := range ages {
			if growing(vs, 3) {
				return nil
			}
		}
		return fmt.Errorf("no otelstep_step_elapsed_seconds series grew over 3 exports: %v", ages)
	}); err != nil {
		t.Errorf("Prometheus, while a step runs: %v", err)
	}

	// 2b. The run's time left, once a step has ended.
	remaining := "otelstep_run_remaining_seconds" + slow
	if err := job.poll(func() error {
		res, err := p.query(ctx, remaining)
		if err != nil {
			return err
		}
		if len(res) != 1 || res[0].Value <= 0 || math.IsInf(res[0].Value, 0) || math.IsNaN(res[0].Value) {
			return fmt.Errorf("%s = %v, want one positive value", remaining, res)
		}
		return nil
	}); err != nil {
		t.Errorf("Prometheus, while the run runs: %v", err)
	}

	// 2c. Jaeger finds the running step.
	var marker liveMarker
	if err := job.poll(func() error {
		var err error
		marker, err = findRunningStep(ctx, j, service)
		return err
	}); err != nil {
		t.Errorf("Jaeger, while a step runs: %v", err)
	} else {
		t.Logf("Jaeger found running step %d (%s) through its marker span %s", marker.number, marker.component, marker.spanID)
	}

	// 2d. A moment in the last phase, whose step reports in-step progress:
	// the end of the dashboard's time range, where Grafana runs its instant
	// queries ("now").
	var to time.Time
	inStep := "otelstep_step_progress_ratio" + slow
	if err := job.poll(func() error {
		now := time.Now()
		for _, q := range []string{inStep, remaining,
			fmt.Sprintf("changes(otelstep_step_elapsed_seconds%s[2m]) > 0", slow)} {
			res, err := p.queryAt(ctx, q, now)
			if err != nil {
				return err
			}
			if len(res) == 0 {
				return fmt.Errorf("%s: no data yet", q)
			}
		}
		to = now
		return nil
	}); err != nil {
		t.Errorf("Prometheus, during the phase with in-step progress: %v", err)
	}

	// 2e. The stuck-step alert, its thresholds scaled down to seconds (the
	// harness loads that copy beside the rules themselves), fires for the
	// running codegen step: its expression matches the real series.
	stuck := "OtelstepStepRunningLong" + scaledSuffix
	if err := job.poll(func() error {
		alerts, err := p.alerts(ctx)
		if err != nil {
			return err
		}
		for _, a := range alerts {
			l := a.Labels
			if l["alertname"] == stuck && l["job"] == service && l["instance"] == "slow" &&
				l["otelstep_component"] == "codegen" && a.State == "firing" {
				return nil
			}
		}
		return fmt.Errorf("no firing %s for codegen among %d alerts: %v", stuck, len(alerts), alerts)
	}); err != nil {
		t.Errorf("Prometheus alerts, while codegen runs: %v", err)
	}

	s := job.wait(t, liveRunTime)
	t.Logf("slow demo ran %s: %d steps, trace %s", time.Since(start).Round(time.Millisecond), s.Steps, s.TraceID)

	// 3. Afterwards: each step once under its name, markers beside them.
	tr := liveTrace(t, j, s)
	if marker.traceID != "" && marker.traceID != s.TraceID {
		t.Errorf("the marker found was in trace %s, not the run's %s", marker.traceID, s.TraceID)
	}
	for _, prob := range checkLiveTrace(tr, s) {
		t.Error(prob)
	}

	// 4. The dashboard, as Grafana would run it over [from, to].
	if !to.IsZero() {
		uids := composeProvisionedDatasources(t)
		dash := composeLoadDashboard(t)
		for _, run := range []string{grafanaAll, s.Run} {
			g := grafanaTime{From: from, To: to, ScrapeInterval: time.Second, MaxDataPoints: 1000,
				Vars: map[string][]string{"service": {service}, "run": {run}}}
			probs, ran := grafanaRunDashboard(ctx, p, dash, uids, g)
			for _, prob := range probs {
				t.Errorf("dashboard with run=%s: %s", run, prob)
			}
			t.Logf("dashboard with run=%s: %d queries run, %d without data", run, ran, len(probs))
		}
	}

	// 5. The alerting rules have been evaluated against this data.
	rules, err := p.rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rules {
		names = append(names, r.Name)
		if r.Health != "ok" {
			t.Errorf("alert rule %s: health %q, last error %q", r.Name, r.Health, r.LastError)
		}
	}
	for _, want := range composeAlertNames {
		if !containsString(names, want) {
			t.Errorf("Prometheus has not loaded alert %s (rules: %q)", want, names)
		}
	}
}

// liveTrace polls Jaeger until the run's trace holds all its step spans.
func liveTrace(t *testing.T, j *jaegerStack, s summary) *v1Trace {
	t.Helper()
	var tr *v1Trace
	err := poll(pollTimeout, 250*time.Millisecond, func() error {
		var err error
		if tr, err = j.getTraceV1(context.Background(), s.TraceID); err != nil {
			return err
		}
		n := 0
		for _, sp := range tr.Spans {
			if stepNameRE.MatchString(sp.OperationName) {
				n++
			}
		}
		if n < s.Steps {
			return fmt.Errorf("trace %s: %d step spans of %d", s.TraceID, n, s.Steps)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Jaeger: %v", err)
	}
	return tr
}

// checkLiveTrace checks a finished run's trace: each step exactly once as
// "Step N: component", at least one marker span, every marker a child of its
// step's span, and no marker named like a step.
func checkLiveTrace(tr *v1Trace, s summary) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	count := map[string]int{}
	byID := map[string]v1Span{}
	var names []string
	for _, sp := range tr.Spans {
		count[sp.OperationName]++
		byID[sp.SpanID] = sp
		names = append(names, sp.OperationName)
	}
	sort.Strings(names)
	for i, c := range s.Components {
		name := fmt.Sprintf("Step %d: %s", i+1, c)
		if count[name] != 1 {
			bad("span %q appears %d times, want exactly once (spans: %q)", name, count[name], names)
		}
	}
	steps := 0
	for name, n := range count {
		if stepNameRE.MatchString(name) {
			steps += n
		}
	}
	if steps != s.Steps {
		bad("%d spans named like a step, want %d (spans: %q)", steps, s.Steps, names)
	}
	markers := 0
	for _, sp := range tr.Spans {
		if sp.OperationName != liveMarkerName {
			continue
		}
		markers++
		num, _ := field(sp.Tags, "otelstep.step.number")
		comp, _ := field(sp.Tags, "otelstep.component")
		parent, ok := byID[parentID(sp)]
		if want := "Step " + num + ": " + comp; !ok || parent.OperationName != want {
			bad("marker span %s (step %s, %s) has parent %q, want its step span %q", sp.SpanID, num, comp, parent.OperationName, want)
		}
	}
	if markers == 0 {
		bad("no %s marker span in trace %s although codegen ran %s (spans: %q)", liveMarkerName, s.TraceID, 8*liveDelay, names)
	}
	// The run (otelstep.Start in the demo) ran longer than the threshold
	// too: one run marker, a child of the run's span.
	runMarkers := 0
	for _, sp := range tr.Spans {
		if sp.OperationName != liveRunMarkerName {
			continue
		}
		runMarkers++
		if parent, ok := byID[parentID(sp)]; !ok || parent.OperationName != s.Run {
			bad("run marker span %s has parent %q, want the run span %q", sp.SpanID, parent.OperationName, s.Run)
		}
		if _, ok := field(sp.Tags, "otelstep.step.number"); ok {
			bad("run marker span %s carries a step number", sp.SpanID)
		}
	}
	if runMarkers != 1 {
		bad("%d %s spans in trace %s, want exactly 1 (spans: %q)", runMarkers, liveRunMarkerName, s.TraceID, names)
	}
	for _, n := range names {
		if strings.HasPrefix(n, "Step ") && !stepNameRE.MatchString(n) {
			bad("span %q is named almost like a step", n)
		}
	}
	return probs
}
