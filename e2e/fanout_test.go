package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// One run across processes (issue 20): the demo's orchestrator and two
// worker processes it starts (examples/jaeger -workers 2) talk HTTP through
// otelhttp. The workers' runs, started from the request's context, are
// part of the orchestrator's run: one trace, one numbering (paths under the
// calling step's number), the root run's name, one overall progress.

// Contract names the test reads; the part attribute and the path attribute
// are the names proposed for the child run's own name and the step path,
// the gauges those of the run's finished and planned steps.
const (
	fanoutWorkers  = 2
	fanoutPartKey  = "otelstep.run.part" // a child run's own name
	fanoutFinished = "otelstep_run_finished"
	fanoutPlanned  = "otelstep_run_planned"
	fanoutPanel    = "Parts of a run" // the dashboard's panel
	fanoutRootPart = "(root)"         // its part name for the root run
)

// fanoutSummary is the -json line of `demo -workers N`: the orchestrator's
// summary, with each worker's.
type fanoutSummary struct {
	summary
	Instance string       `json:"instance"`
	Parts    []fanoutPart `json:"parts"`
}

// fanoutPart is one worker's summary.
type fanoutPart struct {
	summary
	Instance string `json:"instance"`
}

// stepName is the name of a step span: "Step <path>: <component>".
var stepName = regexp.MustCompile(`^Step ([1-9][0-9]*(?:\.[1-9][0-9]*)*): (.+)$`)

// TestFanout runs the demo with two worker processes against Jaeger and
// Prometheus and checks that Jaeger holds one run across the three
// processes, and that Prometheus adds their progress up.
func TestFanout(t *testing.T) {
	j := needJaeger(t)
	p := needPrometheus(t, j)
	service := uniqueService(t, "fanout")
	s := runFanoutDemo(t, otlpEnv(j.OTLPEndpoint(), service))
	t.Logf("demo: trace %s, orchestrator %d steps, workers %d", s.TraceID, s.Steps, len(s.Parts))

	t.Run("one_trace", func(t *testing.T) { checkFanoutTrace(t, j, s) })
	t.Run("logs_carry_root_run", func(t *testing.T) { checkFanoutLogs(t, j, service, s) })
	t.Run("overall_progress", func(t *testing.T) { checkFanoutProgress(t, p, service, s) })
	t.Run("dashboard_parts", func(t *testing.T) { checkFanoutPanel(t, p, service, s) })
}

// runFanoutDemo runs `demo -workers 2 -json` and checks its summary.
func runFanoutDemo(t *testing.T, env []string) fanoutSummary {
	t.Helper()
	out, errOut, err := runCmd(context.Background(), 90*time.Second, repoRoot(), env, demo(t),
		"-workers", fmt.Sprint(fanoutWorkers), "-json")
	if err != nil {
		t.Fatalf("demo -workers %d -json: %v\nstdout:\n%s\nstderr:\n%s", fanoutWorkers, err, out, errOut)
	}
	var s fanoutSummary
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("demo -workers -json: %v\n%s\nstderr:\n%s", err, out, errOut)
	}
	if err := s.check(); err != nil {
		t.Fatalf("orchestrator summary: %v\n%s", err, out)
	}
	if len(s.Parts) != fanoutWorkers {
		t.Fatalf("%d worker summaries, want %d:\n%s", len(s.Parts), fanoutWorkers, out)
	}
	for i, part := range s.Parts {
		if err := part.check(); err != nil {
			t.Fatalf("worker %d summary: %v\n%s", i+1, err, out)
		}
		if part.Instance == "" {
			t.Fatalf("worker %d has no service.instance.id:\n%s", i+1, out)
		}
	}
	return s
}

// fanoutSpans is what the checks need of a trace's spans.
type fanoutSpans struct {
	byID     map[string]v1Span
	instance map[string]string // span ID -> service.instance.id of its process
}

func newFanoutSpans(tr *v1Trace) fanoutSpans {
	fs := fanoutSpans{byID: map[string]v1Span{}, instance: map[string]string{}}
	for _, sp := range tr.Spans {
		fs.byID[sp.SpanID] = sp
		inst, _ := field(tr.Processes[sp.ProcessID].Tags, "service.instance.id")
		fs.instance[sp.SpanID] = inst
	}
	return fs
}

// descends reports whether span id has ancestor among its CHILD_OF parents.
func (fs fanoutSpans) descends(id, ancestor string) bool {
	for seen := 0; id != "" && seen < len(fs.byID); seen++ {
		id = parentID(fs.byID[id])
		if id == ancestor {
			return true
		}
	}
	return false
}

// ancestry is the names from a span up to its root, for messages.
func (fs fanoutSpans) ancestry(id string) string {
	var names []string
	for seen := 0; id != "" && seen <= len(fs.byID); seen++ {
		sp, ok := fs.byID[id]
		if !ok {
			names = append(names, "(missing "+id+")")
			break
		}
		names = append(names, sp.OperationName)
		id = parentID(sp)
	}
	return strings.Join(names, " < ")
}

// checkFanoutTrace checks the one trace: the run span, the orchestrator's
// steps and every worker's steps; each worker step under the calling step,
// named "Step <calling number>.<...>: component", with a path no other
// step has, carrying the root run's name and the worker run's own name.
func checkFanoutTrace(t *testing.T, j *jaegerStack, s fanoutSummary) {
	want := s.summary
	for _, part := range s.Parts {
		want.Spans += part.Spans
		want.StepEvents += part.StepEvents
		want.LogEvents += part.LogEvents
	}
	tr := waitTrace(t, j, want)
	fs := newFanoutSpans(tr)
	workerOf := map[string]int{} // service.instance.id -> worker number
	for i, part := range s.Parts {
		workerOf[part.Instance] = i + 1
		if part.TraceID != s.TraceID {
			t.Errorf("worker %d ran in trace %s, want the orchestrator's %s", i+1, part.TraceID, s.TraceID)
		}
	}

	// The orchestrator's spans: the run span and its steps; the calling
	// step is codegen's.
	var runSpan, calling v1Span
	var orchSteps, workerSteps []v1Span
	for _, sp := range tr.Spans {
		_, isStep := field(sp.Tags, "otelstep.component")
		w := workerOf[fs.instance[sp.SpanID]]
		switch {
		case w == 0 && sp.OperationName == s.Run && parentID(sp) == "":
			runSpan = sp
		case w == 0 && isStep:
			orchSteps = append(orchSteps, sp)
			if c, _ := field(sp.Tags, "otelstep.component"); c == "codegen" {
				calling = sp
			}
		case w != 0 && isStep:
			workerSteps = append(workerSteps, sp)
		}
	}
	if runSpan.SpanID == "" {
		t.Errorf("no root span %q of the orchestrator in trace %s", s.Run, s.TraceID)
	}
	if len(orchSteps) != s.Steps {
		t.Errorf("%d orchestrator step spans, want %d", len(orchSteps), s.Steps)
	}
	if calling.SpanID == "" {
		t.Fatalf("no codegen step span (the calling step) in trace %s", s.TraceID)
	}
	callNum, _ := field(calling.Tags, "otelstep.step.number")
	if m := stepName.FindStringSubmatch(calling.OperationName); m == nil || m[1] != callNum {
		t.Errorf("calling step span %q: want \"Step %s: codegen\"", calling.OperationName, callNum)
	}

	wantWorkerSteps := 0
	for _, part := range s.Parts {
		wantWorkerSteps += part.Steps
	}
	if len(workerSteps) != wantWorkerSteps {
		t.Errorf("%d worker step spans in the trace, want %d (each worker's steps)", len(workerSteps), wantWorkerSteps)
	}
	perWorker := map[int]int{}
	paths := map[string]string{} // path -> span name
	for _, sp := range append(append([]v1Span{}, orchSteps...), workerSteps...) {
		if m := stepName.FindStringSubmatch(sp.OperationName); m != nil {
			if other, dup := paths[m[1]]; dup {
				t.Errorf("step path %s twice in one run: %q and %q", m[1], other, sp.OperationName)
			}
			paths[m[1]] = sp.OperationName
		}
	}
	for _, sp := range workerSteps {
		w := workerOf[fs.instance[sp.SpanID]]
		perWorker[w]++
		where := fmt.Sprintf("worker %d span %q", w, sp.OperationName)
		if !fs.descends(sp.SpanID, calling.SpanID) {
			t.Errorf("%s is not a descendant of the calling step %q: %s", where, calling.OperationName, fs.ancestry(sp.SpanID))
		}
		comp, _ := field(sp.Tags, "otelstep.component")
		m := stepName.FindStringSubmatch(sp.OperationName)
		switch {
		case m == nil || m[2] != comp:
			t.Errorf("%s: want \"Step <path>: %s\"", where, comp)
		case !strings.HasPrefix(m[1], callNum+"."):
			t.Errorf("%s: path %s does not start with the calling step's number and a dot (%s.)", where, m[1], callNum)
		}
		if run, _ := field(sp.Tags, "otelstep.run"); run != s.Run {
			t.Errorf("%s: otelstep.run = %q, want the root run's %q", where, run, s.Run)
		}
		if part, _ := field(sp.Tags, fanoutPartKey); part != s.Parts[w-1].Run {
			t.Errorf("%s: %s = %q, want the worker run's own name %q", where, fanoutPartKey, part, s.Parts[w-1].Run)
		}
		// The step event on the worker's run span names the root run too.
		for _, l := range fs.byID[parentID(sp)].Logs {
			if ev, _ := field(l.Fields, "event"); ev == "otelstep.step" {
				if run, _ := field(l.Fields, "otelstep.run"); run != s.Run {
					t.Errorf("%s: its otelstep.step event has otelstep.run = %q, want %q", where, run, s.Run)
					break
				}
			}
		}
	}
	for i, part := range s.Parts {
		if perWorker[i+1] != part.Steps {
			t.Errorf("worker %d (%s): %d step spans in the trace, want %d", i+1, part.Instance, perWorker[i+1], part.Steps)
		}
	}
	if t.Failed() {
		names := make([]string, 0, len(tr.Spans))
		for _, sp := range tr.Spans {
			who := "orchestrator"
			if w := workerOf[fs.instance[sp.SpanID]]; w != 0 {
				who = fmt.Sprintf("worker %d", w)
			}
			names = append(names, fmt.Sprintf("%s [%s]", fs.ancestry(sp.SpanID), who))
		}
		sort.Strings(names)
		t.Logf("trace %s, each span up to its root:\n  %s", s.TraceID, strings.Join(names, "\n  "))
	}
}

// checkFanoutLogs checks that the workers' log records carry the root
// run's name, and their bodies the step path.
func checkFanoutLogs(t *testing.T, j *jaegerStack, service string, s fanoutSummary) {
	want := s.LogRecords
	for _, part := range s.Parts {
		want += part.LogRecords
	}
	var got []logRecord
	err := poll(pollTimeout, 200*time.Millisecond, func() error {
		var errs []string
		got, errs = j.logs.byService(service)
		if len(errs) > 0 {
			return fmt.Errorf("receiver errors: %v", errs)
		}
		if len(got) < want {
			return fmt.Errorf("%d/%d log records", len(got), want)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("forwarded logs: %v", err)
	}
	workerComponents := map[string]bool{}
	for _, part := range s.Parts {
		for _, c := range part.Components {
			workerComponents[c] = true
		}
	}
	bad := 0
	for _, r := range got {
		if !workerComponents[r.Scope] {
			continue
		}
		run := fmt.Sprint(r.Attrs["otelstep.run"])
		if run != s.Run && bad < 5 {
			bad++
			t.Errorf("worker log record %q (scope %s): otelstep.run = %q, want the root run's %q", r.Body, r.Scope, run, s.Run)
		}
	}
}

// checkFanoutProgress checks the documented PromQL: the sum over the run's
// processes of finished and of planned steps, one series per process.
func checkFanoutProgress(t *testing.T, p *promServer, service string, s fanoutSummary) {
	finished, planned := s.Steps, s.Total
	for _, part := range s.Parts {
		finished += part.Steps
		planned += part.Total
	}
	for _, q := range []struct {
		metric string
		want   int
	}{{fanoutFinished, finished}, {fanoutPlanned, planned}} {
		sel := fmt.Sprintf(`{job=%q, otelstep_run=%q}`, service, s.Run)
		sum := fmt.Sprintf(`sum by (otelstep_run) (%s%s)`, q.metric, sel)
		var last []promSample
		var series []promSample
		err := poll(pollTimeout, 250*time.Millisecond, func() error {
			var err error
			if series, err = p.query(context.Background(), q.metric+sel); err != nil {
				return err
			}
			if len(series) != 1+len(s.Parts) {
				return fmt.Errorf("%s%s: %d series, want one per process (%d): %v", q.metric, sel, len(series), 1+len(s.Parts), series)
			}
			if last, err = p.query(context.Background(), sum); err != nil {
				return err
			}
			if len(last) != 1 || last[0].Value != float64(q.want) {
				return fmt.Errorf("%s = %v, want %d (orchestrator and workers)", sum, last, q.want)
			}
			return nil
		})
		if err != nil {
			t.Errorf("Prometheus: %v", err)
			continue
		}
		// One series per worker, told apart by its instance.
		var instances []string
		for _, sm := range series {
			instances = append(instances, sm.Metric["instance"])
		}
		for i, part := range s.Parts {
			if !slices.Contains(instances, part.Instance) {
				t.Errorf("%s: no series with instance=%q (worker %d) among %v", q.metric, part.Instance, i+1, instances)
			}
		}
	}
	if t.Failed() {
		if all, err := p.query(context.Background(), fmt.Sprintf(`{job=%q, __name__=~"otelstep_run_.*"}`, service)); err == nil {
			t.Logf("otelstep_run_* series of %s in Prometheus:\n%v", service, all)
		}
	}
}

// checkFanoutPanel runs the finished, planned and done queries of the
// dashboard's "Parts of a run" panel as Grafana would: one row for the root
// run and one for the workers' part, summed over the two processes.
func checkFanoutPanel(t *testing.T, p *promServer, service string, s fanoutSummary) {
	uids := composeProvisionedDatasources(t)
	dash := composeLoadDashboard(t)
	vars := grafanaVariables(dash)
	now := time.Now()
	g := grafanaTime{From: now.Add(-5 * time.Minute), To: now, ScrapeInterval: time.Second, MaxDataPoints: 1000,
		Vars: map[string][]string{"service": {service}, "run": {s.Run}}}
	part := s.Parts[0].Run
	var workerSteps, workerTotal int
	for _, pt := range s.Parts {
		workerSteps += pt.Steps
		workerTotal += pt.Total
	}
	want := map[string]map[string]float64{ // refId -> part -> value
		"A": {fanoutRootPart: float64(s.Steps), part: float64(workerSteps)},
		"B": {fanoutRootPart: float64(s.Total), part: float64(workerTotal)},
		"C": {fanoutRootPart: 1, part: 1},
	}
	ran := 0
	for _, tg := range grafanaPromTargets(dash, uids) {
		if tg.Panel != fanoutPanel || want[tg.RefID] == nil {
			continue
		}
		ran++
		q, err := g.interpolate(tg.Expr, vars)
		if err != nil {
			t.Errorf("panel %q target %s: %v", fanoutPanel, tg.RefID, err)
			continue
		}
		err = poll(pollTimeout, 250*time.Millisecond, func() error {
			res, err := p.query(context.Background(), q)
			if err != nil {
				return err
			}
			got := map[string]float64{}
			for _, sm := range res {
				got[sm.Metric["otelstep_run_part"]] = sm.Value
			}
			if fmt.Sprint(got) != fmt.Sprint(want[tg.RefID]) {
				return fmt.Errorf("%s: rows by part %v, want %v", q, got, want[tg.RefID])
			}
			return nil
		})
		if err != nil {
			t.Errorf("panel %q target %s: %v", fanoutPanel, tg.RefID, err)
		}
	}
	if ran != len(want) {
		t.Errorf("the dashboard's panel %q has %d of the targets A, B, C", fanoutPanel, ran)
	}
}
