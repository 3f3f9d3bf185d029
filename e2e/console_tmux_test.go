package e2e

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// consoleTmuxRow matches the demo's status row: the run, n/total steps.
var consoleTmuxRow = regexp.MustCompile(`^compile \d/4 steps`)

// consoleTmuxDone matches the demo's last line: its steps and its trace.
var consoleTmuxDone = regexp.MustCompile(`otelstep-demo: \d+ steps, trace ([0-9a-f]{32}), telemetry to `)

// TestConsoleTmuxWithOTLP runs the demo in a real pseudo-terminal (a tmux
// pane of 100x30) with an OTLP endpoint set, the real Jaeger's, and
// OTELSTEP_CONSOLE at its default (auto): standard error is a terminal, so
// the person sees the job while the backend gets it. While the steps run
// the pane's last line is the status row; after exit the summary is left
// and no status row; Jaeger holds the run's trace, every step of it.
func TestConsoleTmuxWithOTLP(t *testing.T) {
	j := needJaeger(t)
	bin := demo(t)
	service := uniqueService(t, "tmux")
	m := consoleTmuxStart(t, 100, 30, otlpEnv(j.OTLPEndpoint(), service), bin, "-delay", "400ms")

	var last []string
	defer func() {
		if t.Failed() {
			t.Logf("last screen:\n%s", strings.Join(last, "\n"))
		}
	}()
	rows, samples := 0, 0
	err := poll(2*time.Minute, 50*time.Millisecond, func() error {
		last = m.screen()
		if l := last[len(last)-1]; strings.HasPrefix(l, "[exit ") {
			return nil
		} else if consoleTmuxRow.MatchString(l) {
			rows++
		}
		samples++
		return fmt.Errorf("still running")
	})
	if err != nil {
		t.Fatalf("the demo did not exit: %v", err)
	}
	t.Logf("status row in %d of %d samples", rows, samples)
	if rows < 3 {
		t.Errorf("the status row showed in %d samples while the steps ran, want it to show", rows)
	}
	all := m.history()
	if last[len(last)-1] != "[exit 0]" {
		t.Fatalf("the demo failed:\n%s", strings.Join(all, "\n"))
	}
	if n := slices.IndexFunc(all, consoleTmuxRow.MatchString); n >= 0 {
		t.Errorf("a status row left after exit: %q", all[n])
	}
	for _, want := range []string{"parse: Step 1 done in ", "codegen: Step 4 done in ", "compile: done, 4/4 steps in "} {
		if !slices.ContainsFunc(all, func(l string) bool { return strings.Contains(l, want) }) {
			t.Errorf("no line %q in the pane:\n%s", want, strings.Join(all, "\n"))
		}
	}

	// The backend holds the trace the demo names.
	var tid string
	for _, l := range all {
		if mm := consoleTmuxDone.FindStringSubmatch(l); mm != nil {
			tid = mm[1]
		}
	}
	if tid == "" {
		t.Fatalf("the demo named no trace:\n%s", strings.Join(all, "\n"))
	}
	want := []string{"Step 1: parse", "Step 2: typecheck", "Step 3: optimize", "Step 4: codegen", "compile"}
	var got []string
	err = poll(pollTimeout, 200*time.Millisecond, func() error {
		tr, err := j.getTraceV1(context.Background(), tid)
		if err != nil {
			return err
		}
		got = got[:0]
		for _, sp := range tr.Spans {
			if v, _ := field(sp.Tags, "otelstep.run"); v == "compile" {
				got = append(got, sp.OperationName)
			}
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				return fmt.Errorf("trace %s: spans of run compile %q, no %q", tid, got, w)
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("Jaeger: %v", err)
	}
}
