package console_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/console"
)

const clock = `\d\d:\d\d:\d\d\.\d{3} `

// matchLines checks got line by line against the regular expressions want.
func matchLines(t *testing.T, got string, want []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != len(want) {
		t.Errorf("got %d lines, want %d:\n%s", len(lines), len(want), got)
		return
	}
	for i, w := range want {
		if !regexp.MustCompile(w).MatchString(lines[i]) {
			t.Errorf("line %d = %q, want match for %s", i+1, lines[i], w)
		}
	}
}

// eventually polls cond until it holds, failing after a generous deadline
// (a hung view, not a slow one).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLines runs a real run through the view: one line per message with the
// caller's attributes only, no line for the step-start event, no echo of the
// otelstep.log span events, one compact line per ended step, and a summary.
func TestLines(t *testing.T) {
	var buf syncBuffer
	p := newProviders(console.New(&buf))
	ctx := context.Background()
	run := otelstep.NewRun("compile", p.opts(otelstep.WithTotalSteps(3))...)

	sctx, s := run.Start(ctx, run.Logger("parse"))
	s.Log(sctx, slog.LevelInfo, "begin parsing", "file", "main go", "lines", 16)
	s.End(nil)

	run.StepLogger(ctx, run.Logger("check")).Log(ctx, slog.LevelWarn, "slow", slog.Group("g", "a", 1))

	sctx, s = run.Start(ctx, run.Logger("gen"))
	s.Log(sctx, slog.LevelDebug, "emitting")
	s.End(errors.New("disk full"))
	// A span of the run (not a step): the summary says it.
	_, rs := p.tp.Tracer("t").Start(ctx, "compile")
	rs.SetAttributes(otelstep.RunKey.String("compile"))
	rs.End()
	run.End(ctx)
	p.shutdown(t)

	got := buf.String()
	t.Logf("output:\n%s", got)
	matchLines(t, got, []string{
		`^` + clock + `INFO  parse: Step 1: begin parsing file="main go" lines=16$`,
		`^` + clock + `INFO  parse: Step 1 done in \d\S*s$`,
		`^` + clock + `WARN  check: Step 2: slow g\.a=1$`,
		`^` + clock + `DEBUG gen: Step 3: emitting$`,
		`^` + clock + `ERROR gen: Step 3 failed after \d\S*s: disk full$`,
		`^` + clock + `ERROR compile: done, 3/3 steps in \d\S*s, [\d.]+ steps/(s|min), 1 step failed$`,
	})
	for _, bad := range []string{"otelstep.", "started", "code."} {
		if strings.Contains(got, bad) {
			t.Errorf("output repeats %q", bad)
		}
	}
}

// TestRunTags checks that lines carry a tag once a second run (or trace)
// has been seen, and not before.
func TestRunTags(t *testing.T) {
	var buf syncBuffer
	p := newProviders(console.New(&buf))
	ctx := context.Background()
	a := otelstep.NewRun("job", p.opts(otelstep.WithRunID("a1"))...)
	b := otelstep.NewRun("job", p.opts(otelstep.WithRunID("b2"))...)
	a.StepLogger(ctx, a.Logger("x")).Log(ctx, slog.LevelInfo, "one")
	b.StepLogger(ctx, b.Logger("x")).Log(ctx, slog.LevelInfo, "two")
	a.StepLogger(ctx, a.Logger("x")).Log(ctx, slog.LevelInfo, "three")

	tp := p.tp.Tracer("t")
	c1, s1 := tp.Start(ctx, "req")
	c2, s2 := tp.Start(ctx, "req")
	c := otelstep.NewRun("solo", p.opts()...)
	_ = c1
	c.StepLogger(c2, c.Logger("y")).Log(c2, slog.LevelInfo, "four")
	s1.End()
	s2.End()
	a.End(ctx)
	b.End(ctx)
	c.End(ctx)
	p.shutdown(t)
	got := buf.String()
	t.Logf("output:\n%s", got)
	tid := s2.SpanContext().TraceID().String()[:8]
	matchLines(t, got, []string{
		`^` + clock + `INFO  x: Step 1: one$`,
		`^` + clock + `INFO  \[b2\] x: Step 1: two$`,
		`^` + clock + `INFO  \[a1\] x: Step 2: three$`,
		`^` + clock + `INFO  \[` + tid + `\] y: Step 1: four$`,
		`^` + clock + `INFO  \[\w{8}\] req: span ended in `,
		`^` + clock + `INFO  \[` + tid + `\] req: span ended in `,
		// summaries, in any order
		`^` + clock + `INFO  (job \[a1\]|job \[b2\]|solo): done, `,
		`^` + clock + `INFO  (job \[a1\]|job \[b2\]|solo): done, `,
		`^` + clock + `INFO  (job \[a1\]|job \[b2\]|solo): done, `,
	})
}

// TestPlainProgress checks the plain mode: periodic progress lines and a
// summary when a run ends, never an escape byte.
func TestPlainProgress(t *testing.T) {
	var buf syncBuffer
	p := newProviders(console.New(&buf, console.WithProgressInterval(time.Millisecond), console.WithRedrawInterval(10*time.Millisecond)))
	ctx := context.Background()
	run := otelstep.NewRun("build", p.opts(otelstep.WithTotalSteps(4))...)
	sctx, s := run.Start(ctx, run.Logger("fetch"))
	s.Log(sctx, slog.LevelInfo, "go")
	eventually(t, "a progress line", func() bool { return strings.Contains(buf.String(), "build: 0/4 steps") })
	s.End(nil)
	run.End(ctx)
	eventually(t, "the end-of-run line", func() bool { return strings.Contains(buf.String(), "build: ended at 1/4 steps in ") })
	p.shutdown(t)
	got := buf.String()
	t.Logf("output:\n%s", got)
	if i := strings.IndexByte(got, 0x1b); i >= 0 {
		t.Errorf("escape byte at %d in plain mode", i)
	}
	if !regexp.MustCompile(`(?m)^` + clock + `INFO  build: 0/4 steps 0%, fetch \d\S*s$`).MatchString(got) {
		t.Errorf("no progress line with n/total, percent, component and the age of its step")
	}
	if strings.Count(got, "build: ended at") != 1 {
		t.Errorf("want one end-of-run line")
	}
}

// TestNoEscapeWhenNotTerminal writes everything the view can write (lines,
// progress, summaries, export errors) to a writer that is not a terminal,
// with colours asked for: no byte 0x1b.
func TestNoEscapeWhenNotTerminal(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm-256color")
	var buf syncBuffer
	v := console.New(&buf, console.WithColor(true), console.WithProgressInterval(time.Millisecond), console.WithRedrawInterval(10*time.Millisecond))
	if v.Terminal() {
		t.Fatal("a buffer is not a terminal")
	}
	p := newProviders(v)
	ctx := context.Background()
	run := otelstep.NewRun("r", p.opts(otelstep.WithTotalSteps(2))...)
	for i := range 2 {
		sctx, s := run.Start(ctx, run.Logger("c"))
		s.Log(sctx, slog.LevelError, "bad", "i", i)
		eventually(t, "a progress line", func() bool { return strings.Contains(buf.String(), "r: "+string(rune('0'+i))+"/2 steps") })
		s.End(errors.New("x"))
	}
	_, _ = v.Write([]byte("exporters: lost 1 of 2 spans\n"))
	run.End(ctx)
	p.shutdown(t)
	got := buf.String()
	t.Logf("output:\n%s", got)
	if strings.IndexByte(got, 0x1b) >= 0 {
		t.Errorf("escape byte written to a non-terminal")
	}
}

// TestTerminalStatus checks the status rows in terminal mode on a buffer:
// drawn with n/total and a percent, erased before each line above them, and
// cleared at Shutdown with the summary left.
func TestTerminalStatus(t *testing.T) {
	var buf syncBuffer
	v := console.New(&buf, console.WithTerminal(true), console.WithColor(false), console.WithRedrawInterval(10*time.Millisecond), console.WithWidth(100))
	p := newProviders(v)
	ctx := context.Background()
	run := otelstep.NewRun("deploy", p.opts(otelstep.WithTotalSteps(4))...)
	sctx, s := run.Start(ctx, run.Logger("push"))
	eventually(t, "the status row", func() bool {
		return regexp.MustCompile(`\x1b\[Jdeploy 0/4 steps \[                    \] 0%, push \d\S*s$`).MatchString(buf.String())
	})
	s.Log(sctx, slog.LevelInfo, "pushing")
	s.End(nil)
	run.End(ctx)
	p.shutdown(t)
	got := buf.String()
	if !strings.Contains(got, "\r\x1b[J"+time.Now().Format("15:")) {
		t.Errorf("no line written after erasing the status row: %q", got)
	}
	if !strings.HasSuffix(got, " INFO  deploy: ended at 1/4 steps in "+got[strings.LastIndex(got, " in ")+4:]) || strings.HasSuffix(got, "%") {
		t.Errorf("the output does not end with the summary: %q", got[max(0, len(got)-200):])
	}
	if strings.Contains(got, "\x1b[3") {
		t.Errorf("colour with WithColor(false)")
	}
}

// TestStatusManyRuns checks that at most WithStatusLines runs get a row and
// the rest are counted.
func TestStatusManyRuns(t *testing.T) {
	var buf syncBuffer
	v := console.New(&buf, console.WithTerminal(true), console.WithStatusLines(2), console.WithRedrawInterval(10*time.Millisecond), console.WithWidth(200))
	p := newProviders(v)
	ctx := context.Background()
	var runs []*otelstep.Run
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		r := otelstep.NewRun("job", p.opts(otelstep.WithRunID(id))...)
		r.StepLogger(ctx, r.Logger("x"))
		runs = append(runs, r)
	}
	eventually(t, "two rows and a count", func() bool {
		return regexp.MustCompile(`\njob \[\w\] 1 step[^\n]*\n\.\.\. and 3 more runs$`).MatchString(buf.String())
	})
	for _, r := range runs {
		r.End(ctx)
	}
	p.shutdown(t)
}

// TestGaugesOfLiveProgress records the live-progress gauges directly with
// the SDK (the contract's names and attributes) and checks the status row
// shows the time left, the current component's in-step progress and the
// age of its open step.
func TestGaugesOfLiveProgress(t *testing.T) {
	var buf syncBuffer
	v := console.New(&buf, console.WithTerminal(true), console.WithRedrawInterval(10*time.Millisecond), console.WithWidth(200))
	p := newProviders(v)
	ctx := context.Background()
	m := p.mp.Meter(otelstep.ScopeName)
	run := metric.WithAttributes(otelstep.RunKey.String("train"))
	comp := metric.WithAttributes(otelstep.RunKey.String("train"), otelstep.ComponentKey.String("epoch"))
	steps, _ := m.Int64Gauge(otelstep.StepsMetricName)
	ratio, _ := m.Float64Gauge(otelstep.ProgressMetricName)
	left, _ := m.Float64Gauge(otelstep.RemainingMetricName)
	inStep, _ := m.Float64Gauge(otelstep.StepProgressMetricName)
	active, _ := m.Int64UpDownCounter(otelstep.ActiveRunsMetricName)
	_, err := m.Float64ObservableGauge(otelstep.ElapsedMetricName, metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error {
		o.Observe(12.5, metric.WithAttributes(otelstep.RunKey.String("train"), otelstep.ComponentKey.String("epoch")))
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	active.Add(ctx, 1, run)
	steps.Record(ctx, 3, run)
	ratio.Record(ctx, 0.2, run)
	left.Record(ctx, 90, run)
	inStep.Record(ctx, 0.4, comp)
	// The total comes from the lines (otelstep.steps.total).
	p.tp.Tracer("t").Start(ctx, "x")
	_, sp := p.tp.Tracer("t").Start(ctx, "Step 2: epoch")
	sp.SetAttributes(otelstep.RunKey.String("train"), otelstep.StepNumberKey.Int(2), otelstep.StepsTotalKey.Int(10), otelstep.ComponentKey.String("epoch"), attribute.String("k", "v"))
	sp.End()
	eventually(t, "the status row", func() bool {
		return regexp.MustCompile(`\x1b\[Jtrain 2/10 steps \[====>               \] 20%, [\d.]+ steps/(s|min), 1m(29|30)s left, epoch 40% 12.5s$`).MatchString(buf.String())
	})
	active.Add(ctx, -1, run)
	eventually(t, "the summary", func() bool { return strings.Contains(buf.String(), "train: ended at 2/10 steps in ") })
	p.shutdown(t)
}

// TestWriteEscapes checks View.Write: one line, control characters and
// inner newlines escaped.
func TestWriteEscapes(t *testing.T) {
	var buf bytes.Buffer
	v := console.New(&buf)
	_, _ = v.Write([]byte("a\x1b[2J\rb\nc\n"))
	if got, want := buf.String(), "a\\x1b[2J\\rb\\nc\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestNoColor checks that level names are coloured in terminal mode, and
// not with NO_COLOR set.
func TestNoColor(t *testing.T) {
	for _, noColor := range []string{"", "1"} {
		t.Setenv("NO_COLOR", noColor)
		var buf syncBuffer
		p := newProviders(console.New(&buf, console.WithTerminal(true)))
		ctx := context.Background()
		run := otelstep.NewRun("r", p.opts()...)
		run.StepLogger(ctx, run.Logger("c")).Log(ctx, slog.LevelWarn, "careful")
		run.End(ctx)
		p.shutdown(t)
		if colored := strings.Contains(buf.String(), "\x1b[33mWARN"); colored != (noColor == "") {
			t.Errorf("NO_COLOR=%q: coloured %v: %q", noColor, colored, buf.String())
		}
	}
}

// writes records each Write call on its own.
type writes struct {
	mu sync.Mutex
	w  []string
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.w = append(w.w, string(p))
	return len(p), nil
}

func (w *writes) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.w)
}

// TestNoFlicker runs a tight loop of steps in terminal mode: once the
// status row is on screen, every write that prints lines erases it and
// draws it again in the same write (the row never goes missing between two
// writes), and the row is rendered from the metrics at most about once per
// redraw interval, not once per line.
func TestNoFlicker(t *testing.T) {
	t.Parallel()
	var w writes
	const interval = 20 * time.Millisecond
	p := newProviders(console.New(&w, console.WithTerminal(true), console.WithRedrawInterval(interval), console.WithWidth(200)))
	ctx := context.Background()
	run := otelstep.NewRun("loop", p.opts(otelstep.WithTotalSteps(3000))...)
	logger := run.Logger("c")
	start := time.Now()
	for i := range 3000 {
		sctx, s := run.Start(ctx, logger)
		s.Log(sctx, slog.LevelInfo, "step", "i", i)
		s.End(nil)
		if i == 1000 {
			eventually(t, "a status row", func() bool { return strings.Contains(strings.Join(w.all(), ""), "\x1b[Jloop ") })
		}
	}
	elapsed := time.Since(start)
	run.End(ctx)
	p.shutdown(t)
	all := w.all()
	drawn, missing := false, 0
	rows := map[string]bool{}
	for _, wr := range all[:len(all)-2] { // the last writes: the summary and Shutdown's erase
		if strings.Contains(wr, "\x1b[J") {
			drawn = true
		}
		if !drawn || !strings.Contains(wr, "\n") {
			continue
		}
		row := wr[strings.LastIndexByte(wr, '\n')+1:]
		if !strings.HasPrefix(row, "loop ") {
			missing++
			continue
		}
		rows[regexp.MustCompile(`, [\d.]+ steps/\S+`).ReplaceAllString(row, "")] = true
	}
	if !drawn || missing > 0 {
		t.Errorf("status row drawn %v; %d writes of lines left it off screen", drawn, missing)
	}
	if most := int(elapsed/(interval*9/10)) + 3; len(rows) > most {
		t.Errorf("%d status renderings in %v (6000 lines), want at most %d", len(rows), elapsed, most)
	}
	t.Logf("%d writes, %d renderings of the row in %v", len(all), len(rows), elapsed)
}

// TestRunAgain runs two runs of one name one after the other: each gets
// its summary, also when no collection saw the second one active.
func TestRunAgain(t *testing.T) {
	var buf syncBuffer
	p := newProviders(console.New(&buf, console.WithRedrawInterval(10*time.Millisecond), console.WithProgressInterval(20*time.Millisecond)))
	ctx := context.Background()
	for i := range 2 {
		run := otelstep.NewRun("job", p.opts(otelstep.WithTotalSteps(2))...)
		for range 2 {
			sctx, s := run.Start(ctx, run.Logger("c"))
			s.Log(sctx, slog.LevelInfo, "work")
			s.End(nil)
		}
		run.End(ctx)
		if i == 0 {
			eventually(t, "the first summary", func() bool { return strings.Contains(buf.String(), "job: done, 2/2 steps") })
		}
	}
	p.shutdown(t)
	if n := strings.Count(buf.String(), "job: done, 2/2 steps"); n != 2 {
		t.Errorf("%d summaries, want 2:\n%s", n, buf.String())
	}
}

// TestConcurrentRunsOfOneName interleaves two runs of one name and no id,
// each under a request span of its own: from the second run's first line
// on, lines carry the short trace id.
func TestConcurrentRunsOfOneName(t *testing.T) {
	var buf syncBuffer
	p := newProviders(console.New(&buf))
	ctx := context.Background()
	tr := p.tp.Tracer("t")
	ctx1, req1 := tr.Start(ctx, "POST /compile")
	ctx2, req2 := tr.Start(ctx, "POST /compile")
	r1 := otelstep.NewRun("compile", p.opts()...)
	r2 := otelstep.NewRun("compile", p.opts()...)
	c1, s1 := r1.Start(ctx1, r1.Logger("parse"))
	s1.Log(c1, slog.LevelInfo, "begin")
	c2, s2 := r2.Start(ctx2, r2.Logger("parse"))
	s2.Log(c2, slog.LevelInfo, "begin")
	s1.End(nil)
	s2.End(nil)
	req1.End()
	req2.End()
	r1.End(ctx)
	r2.End(ctx)
	p.shutdown(t)
	got := buf.String()
	t.Logf("output:\n%s", got)
	t1, t2 := req1.SpanContext().TraceID().String()[:8], req2.SpanContext().TraceID().String()[:8]
	matchLines(t, got, []string{
		`^` + clock + `INFO  parse: Step 1: begin$`,
		`^` + clock + `INFO  \[` + t2 + `\] parse: Step 1: begin$`,
		`^` + clock + `INFO  \[` + t1 + `\] parse: Step 1 done in `,
		`^` + clock + `INFO  \[` + t2 + `\] parse: Step 1 done in `,
		`^` + clock + `INFO  \[` + t1 + `\] POST /compile: span ended in `,
		`^` + clock + `INFO  \[` + t2 + `\] POST /compile: span ended in `,
		`^` + clock + `INFO  compile: done, `, // one summary: the two runs share their series
	})
}

// TestTimeLeftIsTheGauge checks that the status row shows the time left
// the run records (otelstep.run.remaining), as it is at each redraw: not
// counted down, not an estimate of the view's own, and the new value once
// the run records one.
func TestTimeLeftIsTheGauge(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	v := console.New(&buf, console.WithTerminal(true), console.WithRedrawInterval(10*time.Millisecond), console.WithWidth(200))
	p := newProviders(v)
	ctx := context.Background()
	m := p.mp.Meter(otelstep.ScopeName)
	run := metric.WithAttributes(otelstep.RunKey.String("long"))
	steps, _ := m.Int64Gauge(otelstep.StepsMetricName)
	ratio, _ := m.Float64Gauge(otelstep.ProgressMetricName)
	left, _ := m.Float64Gauge(otelstep.RemainingMetricName)
	active, _ := m.Int64UpDownCounter(otelstep.ActiveRunsMetricName)
	active.Add(ctx, 1, run)
	steps.Record(ctx, 50, run)
	ratio.Record(ctx, 0.5, run)
	left.Record(ctx, 3, run)
	_, sp := p.tp.Tracer("t").Start(ctx, "Step 50: c")
	sp.SetAttributes(otelstep.RunKey.String("long"), otelstep.StepNumberKey.Int(50), otelstep.StepsTotalKey.Int(100), otelstep.ComponentKey.String("c"))
	sp.End()
	eventually(t, "3s left", func() bool { return strings.Contains(buf.String(), ", 3s left") })
	time.Sleep(100 * time.Millisecond) // ten redraws
	left.Record(ctx, 7.5, run)
	eventually(t, "7.5s left", func() bool { return strings.Contains(buf.String(), ", 7.5s left") })
	active.Add(ctx, -1, run)
	p.shutdown(t)
	for _, l := range regexp.MustCompile(`, ([\d.]+\w*s) left`).FindAllStringSubmatch(buf.String(), -1) {
		if l[1] != "3s" && l[1] != "7.5s" {
			t.Errorf("time left %s shown: not the gauge's 3s or 7.5s", l[1])
		}
	}
}

// TestStepLoggerRunTotal checks that a run whose steps are StepLogger steps
// only (no Run.Start, so no line carries otelstep.steps.total) still gets its
// total in the summary, from the step events on the run's span.
func TestStepLoggerRunTotal(t *testing.T) {
	var buf syncBuffer
	v := console.New(&buf, console.WithTerminal(false))
	p := newProviders(v)
	ctx, run := otelstep.Start(context.Background(), "build", p.opts(otelstep.WithTotalSteps(2))...)
	for _, c := range []string{"parse", "codegen"} {
		run.StepLogger(ctx, run.Logger(c)).Info(ctx, "begin "+c)
	}
	run.End(ctx)
	p.shutdown(t)
	if got := buf.String(); !strings.Contains(got, "build: done, 2/2 steps in ") {
		t.Errorf("no 2/2 in the summary:\n%s", got)
	}
}

// TestEscapeByRule checks that the invisible and reordering characters of
// the issue are shown escaped in a component name, a message and a value:
// zero-width space, joiner and non-joiner, BOM, LRM/RLM, the Arabic letter
// mark, a tag character, a no-break space.
func TestEscapeByRule(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	p := newProviders(console.New(&buf))
	ctx := context.Background()
	run := otelstep.NewRun("r", p.opts()...)
	odd := "\u200b\u200c\u200d\ufeff\u200e\u200f\u061c\U000e0041\u00a0"
	run.StepLogger(ctx, run.Logger("parse"+odd)).Info(ctx, "m"+odd, "k", "v"+odd)
	run.End(ctx)
	p.shutdown(t)
	got := buf.String()
	esc := `\u200b\u200c\u200d\ufeff\u200e\u200f\u061c\U000e0041\xa0`
	for _, want := range []string{"parse" + esc + ": Step 1: m" + esc, `k="v` + esc + `"`} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %s:\n%s", want, got)
		}
	}
}

// TestErrorKey checks that an error argument shows as err="…", not as the
// exception.* attributes the SDK derives from it.
func TestErrorKey(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	p := newProviders(console.New(&buf))
	ctx := context.Background()
	run := otelstep.NewRun("r", p.opts()...)
	run.StepLogger(ctx, run.Logger("verify")).Warn(ctx, "mismatch", "err", errors.New("3 rows differ"), "n", 3)
	run.End(ctx)
	p.shutdown(t)
	got := buf.String()
	if !regexp.MustCompile(`verify: Step 1: mismatch (n=3 err="3 rows differ"|err="3 rows differ" n=3)\n`).MatchString(got) {
		t.Errorf("no err=\"3 rows differ\" on the line:\n%s", got)
	}
	if strings.Contains(got, "exception.") {
		t.Errorf("exception.* shown:\n%s", got)
	}
}

// TestLabelInStatus checks that the status row names the open step by the
// label its step-start record carries (otelstep.StepLabelKey), not by its
// component.
func TestLabelInStatus(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	p := newProviders(console.New(&buf, console.WithTerminal(true), console.WithRedrawInterval(10*time.Millisecond), console.WithWidth(200)))
	ctx := context.Background()
	run := otelstep.NewRun("mig", p.opts(otelstep.WithTotalSteps(2))...)
	sctx, s := run.Start(ctx, run.Logger("copy"), otelstep.WithLabel("copy users"))
	// The start record as the core writes it.
	var rec otellog.Record
	rec.SetEventName(otelstep.StepEventName)
	rec.SetBody(attribute.StringValue("Step 1 started: copy"))
	rec.AddAttributes(attribute.String(string(otelstep.RunKey), "mig"), attribute.Int(string(otelstep.StepNumberKey), 1),
		attribute.String(string(otelstep.ComponentKey), "copy"), attribute.String("otelstep.step.label", "copy users"))
	p.lp.Logger(otelstep.ScopeName).Emit(sctx, rec)
	s.Progress(sctx, 1, 2)
	eventually(t, "the label in the status row", func() bool {
		return regexp.MustCompile(`mig 0/2 steps [^\n]*, copy users 50%`).MatchString(buf.String())
	})
	s.End(nil)
	run.End(ctx)
	p.shutdown(t)
}

// TestSummaryFromTheRunsNumbers records the gauges a run reports at End by
// hand (finished 2, planned 5, while its lines said a total of 3 and 3
// steps were taken): the summary says 2/5, the run's own numbers.
func TestSummaryFromTheRunsNumbers(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	p := newProviders(console.New(&buf, console.WithTerminal(false)))
	ctx := context.Background()
	m := p.mp.Meter(otelstep.ScopeName)
	run := metric.WithAttributes(otelstep.RunKey.String("mig"))
	steps, _ := m.Int64Gauge(otelstep.StepsMetricName)
	ratio, _ := m.Float64Gauge(otelstep.ProgressMetricName)
	finished, _ := m.Int64Gauge(otelstep.FinishedMetricName)
	planned, _ := m.Int64Gauge(otelstep.PlannedMetricName)
	active, _ := m.Int64UpDownCounter(otelstep.ActiveRunsMetricName)
	active.Add(ctx, 1, run)
	_, sp := p.tp.Tracer("t").Start(ctx, "Step 3: c")
	sp.SetAttributes(otelstep.RunKey.String("mig"), otelstep.StepNumberKey.Int(3), otelstep.StepsTotalKey.Int(3), otelstep.ComponentKey.String("c"))
	sp.End()
	steps.Record(ctx, 3, run)
	ratio.Record(ctx, 1.0/3, run)
	finished.Record(ctx, 2, run)
	planned.Record(ctx, 5, run)
	active.Add(ctx, -1, run)
	p.shutdown(t)
	if got := buf.String(); !strings.Contains(got, "mig: ended at 2/5 steps in ") {
		t.Errorf("summary is not 2/5:\n%s", got)
	}
}
