package console_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/console"
)

// partsJob runs a job of three steps whose step 2 hands two parts out in
// this process, both "worker" of two steps and open at once, and whose step
// 3 hands out one more "worker" of one step. mid is called while
// both parts are open, each with one step finished.
func partsJob(t *testing.T, p *providers, mid func()) {
	t.Helper()
	ctx := context.Background()
	ctx, root := otelstep.Start(ctx, "compile", p.opts(otelstep.WithTotalSteps(3))...)
	sctx, s := root.Start(ctx, root.Logger("parse"))
	s.Info(sctx, "parsed")
	s.End(nil)

	sctx, s = root.Start(ctx, root.Logger("codegen"))
	actx, a := otelstep.Start(sctx, "worker", p.opts(otelstep.WithTotalSteps(2))...)
	bctx, b := otelstep.Start(sctx, "worker", p.opts(otelstep.WithTotalSteps(2))...)
	if a.Path() != "2.1" || b.Path() != "2.2" {
		t.Fatalf("part paths %q and %q, want 2.1 and 2.2", a.Path(), b.Path())
	}
	for _, part := range []struct {
		ctx context.Context
		run *otelstep.Run
	}{{actx, a}, {bctx, b}} {
		lctx, st := part.run.Start(part.ctx, part.run.Logger("lower"))
		st.Info(lctx, "lowering")
		st.End(nil)
	}
	// Both parts open: one series of "worker" active twice, which is no
	// second run.
	if err := p.mp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	mid()
	for _, part := range []struct {
		ctx context.Context
		run *otelstep.Run
	}{{actx, a}, {bctx, b}} {
		part.run.StepLogger(part.ctx, part.run.Logger("emit")).Info(part.ctx, "emitted")
		part.run.End(part.ctx)
	}
	s.End(nil)
	sctx, s = root.Start(ctx, root.Logger("link"))
	cctx, c := otelstep.Start(sctx, "worker", p.opts(otelstep.WithTotalSteps(1))...)
	lctx, st := c.Start(cctx, c.Logger("lower"))
	st.Info(lctx, "lowering")
	st.End(nil)
	c.End(cctx)
	s.End(nil)
	root.End(ctx)
}

// TestPartLines runs parts of a run through the view: their lines and
// "done in" lines name the step by its path, no line gets a run tag (the
// parts are the run), and the parts get a summary of their own beside the
// run's. The view collects only when told (ForceFlush, Shutdown): one
// summary per run.
func TestPartLines(t *testing.T) {
	var buf syncBuffer
	p := newProviders(console.New(&buf, console.WithRedrawInterval(time.Hour)))
	partsJob(t, p, func() {})
	p.shutdown(t)
	got := buf.String()
	t.Logf("output:\n%s", got)
	matchLines(t, got, []string{
		`^` + clock + `INFO  parse: Step 1: parsed$`,
		`^` + clock + `INFO  parse: Step 1 done in \d\S*s$`,
		`^` + clock + `INFO  lower: Step 2\.1\.1: lowering$`,
		`^` + clock + `INFO  lower: Step 2\.1\.1 done in \d\S*s$`,
		`^` + clock + `INFO  lower: Step 2\.2\.1: lowering$`,
		`^` + clock + `INFO  lower: Step 2\.2\.1 done in \d\S*s$`,
		`^` + clock + `INFO  emit: Step 2\.1\.2: emitted$`,
		`^` + clock + `INFO  emit: Step 2\.2\.2: emitted$`,
		`^` + clock + `INFO  codegen: Step 2 done in \d\S*s$`,
		`^` + clock + `INFO  lower: Step 3\.1\.1: lowering$`,
		`^` + clock + `INFO  lower: Step 3\.1\.1 done in \d\S*s$`,
		`^` + clock + `INFO  link: Step 3 done in \d\S*s$`,
		// summaries, in any order: the run's own steps, and its parts'
		`^` + clock + `INFO  compile(/worker)?: done, [35]/[35] steps in `,
		`^` + clock + `INFO  compile(/worker)?: done, [35]/[35] steps in `,
	})
	for _, want := range []string{"compile: done, 3/3 steps", "compile/worker: done, 5/5 steps"} {
		if !strings.Contains(got, want) {
			t.Errorf("no summary %q", want)
		}
	}
	if strings.Contains(got, "[") {
		t.Errorf("a line carries a run tag")
	}
}

// TestPartStatusRows checks the status rows while parts run: the run's row
// counts its own steps, the parts' row (one per part name) theirs.
func TestPartStatusRows(t *testing.T) {
	var buf syncBuffer
	v := console.New(&buf, console.WithTerminal(true), console.WithColor(false), console.WithRedrawInterval(10*time.Millisecond), console.WithWidth(100))
	p := newProviders(v)
	rows := regexp.MustCompile(`\x1b\[J(compile 1/3 steps [^\n]*\ncompile/worker 2/4 steps [^\n]*|compile/worker 2/4 steps [^\n]*\ncompile 1/3 steps [^\n]*)$`)
	partsJob(t, p, func() {
		eventually(t, "the run's and the parts' rows", func() bool { return rows.MatchString(buf.String()) })
	})
	p.shutdown(t)
	if got := buf.String(); strings.Contains(got, "[") && regexp.MustCompile(`\[[0-9a-f]{8}\]`).MatchString(got) {
		t.Errorf("a line carries a run tag: %q", got)
	}
}

// TestPartsAcrossTraces runs a run without a span, whose steps are traces
// of their own, each handing out a part of one name: the parts' steps 1 are
// in two traces, which is no second run (their paths differ).
func TestPartsAcrossTraces(t *testing.T) {
	var buf syncBuffer
	p := newProviders(console.New(&buf, console.WithRedrawInterval(time.Hour)))
	ctx := context.Background()
	root := otelstep.NewRun("compile", p.opts()...)
	for range 2 {
		sctx, s := root.Start(ctx, root.Logger("codegen"))
		pctx, part := otelstep.Start(sctx, "worker", p.opts()...)
		lctx, st := part.Start(pctx, part.Logger("lower"))
		st.Info(lctx, "lowering")
		st.End(nil)
		part.End(pctx)
		s.End(nil)
	}
	root.End(ctx)
	p.shutdown(t)
	got := buf.String()
	t.Logf("output:\n%s", got)
	matchLines(t, got, []string{
		`^` + clock + `INFO  lower: Step 1\.1\.1: lowering$`,
		`^` + clock + `INFO  lower: Step 1\.1\.1 done in \d\S*s$`,
		`^` + clock + `INFO  codegen: Step 1 done in \d\S*s$`,
		`^` + clock + `INFO  lower: Step 2\.1\.1: lowering$`,
		`^` + clock + `INFO  lower: Step 2\.1\.1 done in \d\S*s$`,
		`^` + clock + `INFO  codegen: Step 2 done in \d\S*s$`,
		`^` + clock + `INFO  compile(/worker)?: done, `,
		`^` + clock + `INFO  compile(/worker)?: done, `,
	})
}
