package otelstep_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/propagation"

	"github.com/otelstep/otelstep/otelstep"
)

// partStepName is the name of a step span of a part: "Step <path>: comp".
var partStepName = regexp.MustCompile(`^Step ([1-9][0-9]*(?:\.[1-9][0-9]*)+): (.+)$`)

// TestPartsInProcess starts runs from goroutines inside one step: each is
// a part of the root run, with a path of its own under the step's, the
// root's name and id, and its own name as the part.
func TestPartsInProcess(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx, root := otelstep.Start(context.Background(), "compile", s.opts(otelstep.WithRunID("job-7"))...)
	root.StepLogger(ctx, root.Logger("parse")).Info(ctx, "parsed") // step 1
	sctx, calling := root.Start(ctx, root.Logger("codegen"))       // step 2
	const parts = 8
	var wg sync.WaitGroup
	paths := make([]string, parts)
	for i := range parts {
		wg.Go(func() {
			pctx, part := otelstep.Start(sctx, "worker", s.opts(otelstep.WithRunID("ignored"), otelstep.WithTotalSteps(2))...)
			paths[i] = part.Path()
			if part.Name() != "worker" || part.ID() != "job-7" {
				t.Errorf("part %d: Name %q ID %q, want worker, job-7", i, part.Name(), part.ID())
			}
			lctx, st := part.Start(pctx, part.Logger("lower"))
			st.Info(lctx, "lowering")
			st.End(nil)
			part.StepLogger(pctx, part.Logger("emit")).Info(pctx, "emitted")
			part.End(pctx)
		})
	}
	wg.Wait()
	calling.End(nil)
	root.End(ctx)

	seen := map[string]bool{}
	for i, p := range paths {
		if !strings.HasPrefix(p, "2.") || seen[p] {
			t.Errorf("part %d: path %q, want 2.k distinct from %v", i, p, paths)
		}
		seen[p] = true
	}
	names := map[string]bool{}
	var workerSteps int
	for _, sp := range s.spans.Ended() {
		a := eventAttrs(sp.Attributes())
		m := partStepName.FindStringSubmatch(sp.Name())
		if sp.Name() == "worker" {
			if sp.Parent().SpanID() != calling.Span().SpanContext().SpanID() {
				t.Errorf("part run span's parent is not the calling step's span")
			}
			if a[otelstep.RunKey].AsString() != "compile" || a[otelstep.RunPartKey].AsString() != "worker" ||
				!seen[a[otelstep.StepPathKey].AsString()] {
				t.Errorf("part run span attributes %v", sp.Attributes())
			}
			continue
		}
		if m == nil {
			if _, ok := a[otelstep.RunPartKey]; ok || a[otelstep.StepPathKey].AsString() != "" {
				t.Errorf("root span %q carries part attributes: %v", sp.Name(), sp.Attributes())
			}
			continue
		}
		workerSteps++
		if names[sp.Name()] {
			t.Errorf("step span %q twice", sp.Name())
		}
		names[sp.Name()] = true
		if a[otelstep.RunKey].AsString() != "compile" || a[otelstep.RunIDKey].AsString() != "job-7" ||
			a[otelstep.RunPartKey].AsString() != "worker" || a[otelstep.StepPathKey].AsString() != m[1] ||
			a[otelstep.StepNumberKey].AsInt64() != 1 {
			t.Errorf("part step span %q attributes %v", sp.Name(), sp.Attributes())
		}
	}
	if workerSteps != parts {
		t.Errorf("%d part step spans, want %d", workerSteps, parts)
	}
	// The parts' step events, and their records, name the root run and the part.
	for _, e := range s.events(otelstep.StepEventName) {
		a := eventAttrs(e.Attributes)
		if a[otelstep.RunKey].AsString() != "compile" {
			t.Errorf("step event with otelstep.run %v", e.Attributes)
		}
		if a[otelstep.RunPartKey].AsString() == "worker" && !strings.HasPrefix(a[otelstep.StepPathKey].AsString(), "2.") {
			t.Errorf("part step event without its path: %v", e.Attributes)
		}
	}
	var partRecords int
	for _, r := range s.logs.all() {
		a := logAttrs(r)
		if a["otelstep.run"] != "compile" || a["otelstep.run.id"] != "job-7" {
			t.Errorf("record %q: run %q id %q", r.Body().AsString(), a["otelstep.run"], a["otelstep.run.id"])
		}
		if a["otelstep.run.part"] != "worker" {
			continue
		}
		partRecords++
		body := r.Body().AsString()
		if !strings.HasPrefix(body, "Step "+a["otelstep.step.path"]) || !strings.HasPrefix(a["otelstep.step.path"], "2.") {
			t.Errorf("part record %q: path %q", body, a["otelstep.step.path"])
		}
	}
	if want := parts * 3; partRecords != want { // start record, message, message
		t.Errorf("%d part records, want %d", partRecords, want)
	}

	// The parts share one series per gauge, which adds them up; the path
	// is no label.
	rm := s.collect(t)
	for _, g := range []struct {
		name       string
		root, part int64
	}{{otelstep.FinishedMetricName, 2, 2 * parts}, {otelstep.PlannedMetricName, -1, 2 * parts}, {otelstep.StepsMetricName, 2, 2 * parts}} {
		got := map[string]int64{}
		for _, dp := range gaugePoints[int64](t, rm, g.name) {
			if _, ok := dp.Attributes.Value(otelstep.StepPathKey); ok {
				t.Errorf("%s has a path label: %v", g.name, dp.Attributes)
			}
			part, _ := dp.Attributes.Value(otelstep.RunPartKey)
			id, _ := dp.Attributes.Value(otelstep.RunIDKey)
			got[part.AsString()+"/"+id.AsString()] = dp.Value
		}
		want := map[string]int64{"worker/job-7": g.part}
		if g.root >= 0 {
			want["/job-7"] = g.root
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s by part/id: %v, want %v", g.name, got, want)
		}
	}
	// Their steps add up, their paces do not: no time left on the parts'
	// series, where the last part to record would win.
	for _, dp := range gaugePoints[float64](t, rm, otelstep.RemainingMetricName) {
		if part, ok := dp.Attributes.Value(otelstep.RunPartKey); ok {
			t.Errorf("%s recorded on the part %q's series: %v", otelstep.RemainingMetricName, part.AsString(), dp.Value)
		}
	}
}

// TestPartFromHeader starts a run from an extracted header: its steps are
// numbered under the path handed out; a second run under the same header,
// and a run under a malformed one, are runs of their own.
func TestPartFromHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, header  string
		first, second string // name of the first step of the first and second run
	}{
		{"well formed", "path=3.2;run=compile;id=j", "Step 3.2.1: lower", "Step 1: lower"},
		{"malformed", "path=3.02;run=compile", "Step 1: lower", "Step 1: lower"},
		{"no header", "", "Step 1: lower", "Step 1: lower"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSDK(t)
			carrier := propagation.MapCarrier{}
			if tc.header != "" {
				carrier.Set(otelstep.StepHeader, tc.header)
			}
			ctx := otelstep.Propagator().Extract(context.Background(), carrier)
			for i, want := range []string{tc.first, tc.second} {
				rctx, run := otelstep.Start(ctx, "worker", s.opts()...)
				_, st := run.Start(rctx, run.Logger("lower"))
				st.End(nil)
				run.End(rctx)
				wantRun, wantPart := "worker", ""
				if strings.Contains(want, ".") {
					wantRun, wantPart = "compile", "worker"
				}
				var found bool
				for _, sp := range s.spans.Ended() {
					if sp.SpanContext().SpanID() != st.Span().SpanContext().SpanID() {
						continue
					}
					found = true
					a := eventAttrs(sp.Attributes())
					if sp.Name() != want || a[otelstep.RunKey].AsString() != wantRun || a[otelstep.RunPartKey].AsString() != wantPart {
						t.Errorf("run %d: first step %q %v, want %q run %q part %q", i+1, sp.Name(), sp.Attributes(), want, wantRun, wantPart)
					}
				}
				if !found {
					t.Errorf("run %d: no step span", i+1)
				}
			}
		})
	}
}

// TestHandOut checks which contexts hand a step out: a Run.Start step's,
// not the run's of Start, and not the one given to a StepLogger.
func TestHandOut(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	header := func(ctx context.Context) string {
		c := propagation.MapCarrier{}
		otelstep.Propagator().Inject(ctx, c)
		return c.Get(otelstep.StepHeader)
	}
	ctx, root := otelstep.Start(context.Background(), "compile", s.opts()...)
	defer root.End(ctx)
	root.StepLogger(ctx, root.Logger("parse")) // step 1: hands nothing out
	if h := header(ctx); h != "" {
		t.Errorf("the run's context hands out %q", h)
	}
	sctx, st := root.Start(ctx, root.Logger("codegen")) // step 2
	defer st.End(nil)
	if h := header(sctx); h != "path=2.1;run=compile" {
		t.Errorf("step 2 hands out %q, want path=2.1;run=compile", h)
	}
	pctx, part := otelstep.Start(sctx, "worker", s.opts()...)
	defer part.End(pctx)
	if part.Path() != "2.2" {
		t.Errorf("part path %q, want 2.2 (the header took 2.1)", part.Path())
	}
	if h := header(pctx); h != "" {
		t.Errorf("the part's run context hands out %q", h)
	}
	p1ctx, p1 := part.Start(pctx, part.Logger("lower"))
	defer p1.End(nil)
	if h := header(p1ctx); h != "path=2.2.1.1;run=compile" {
		t.Errorf("the part's step 1 hands out %q, want path=2.2.1.1;run=compile", h)
	}
}
