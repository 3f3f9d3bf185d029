package e2e

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// traceCounts counts what a v1 trace holds, for polling until it is complete.
func traceCounts(tr *v1Trace) (spans, stepEvents, logEvents int) {
	for _, sp := range tr.Spans {
		for _, l := range sp.Logs {
			switch ev, _ := field(l.Fields, "event"); ev {
			case "otelstep.step":
				stepEvents++
			case "otelstep.log":
				logEvents++
			}
		}
	}
	return len(tr.Spans), stepEvents, logEvents
}

// complete reports whether Jaeger holds as much of the trace as the demo sent.
func complete(tr *v1Trace, s summary) error {
	spans, steps, logs := traceCounts(tr)
	if spans < s.Spans || steps < s.StepEvents || logs < s.LogEvents {
		return fmt.Errorf("trace %s incomplete: spans %d/%d, step events %d/%d, log events %d/%d",
			s.TraceID, spans, s.Spans, steps, s.StepEvents, logs, s.LogEvents)
	}
	return nil
}

// stepEvent is an otelstep.step span event as Jaeger returned it.
type stepEvent struct {
	span      string
	number    int
	component string
	run       string
	total     string
	numType   string
}

// checkTraceV1 compares a v1 trace with the demo's summary and returns every
// difference. wantOps are the exact span names expected (any order).
func checkTraceV1(tr *v1Trace, s summary, wantOps []string) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }

	if tr.TraceID != s.TraceID {
		bad("trace ID %s, want %s", tr.TraceID, s.TraceID)
	}
	if len(tr.Spans) != s.Spans {
		bad("%d spans, want exactly %d", len(tr.Spans), s.Spans)
	}
	for id, p := range tr.Processes {
		if p.ServiceName != s.Service {
			bad("process %s has service %q, want %q", id, p.ServiceName, s.Service)
		}
	}
	var ops []string
	roots := 0
	for _, sp := range tr.Spans {
		ops = append(ops, sp.OperationName)
		if len(sp.References) == 0 {
			roots++
		}
	}
	if roots != 1 {
		bad("%d root spans, want 1", roots)
	}
	if d := diffSorted(wantOps, ops); d != "" {
		bad("span names differ (-want +got):\n%s", d)
	}

	// The otelstep.step events are on the span given to Run.Start (the
	// "compile" span); each step's own span "Step N: component" is its child
	// and carries the step's otelstep.log events.
	byID := map[string]v1Span{}
	for _, sp := range tr.Spans {
		byID[sp.SpanID] = sp
	}
	stepSpan := map[int]v1Span{}
	for _, sp := range tr.Spans {
		num, ok := field(sp.Tags, "otelstep.step.number")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			bad("span %q: otelstep.step.number tag %q", sp.OperationName, num)
			continue
		}
		if _, dup := stepSpan[n]; dup {
			bad("two spans for step %d", n)
		}
		stepSpan[n] = sp
		comp, _ := field(sp.Tags, "otelstep.component")
		if want := fmt.Sprintf("Step %d: %s", n, comp); sp.OperationName != want {
			bad("span %q has step tags of %q", sp.OperationName, want)
		}
		if res, _ := field(sp.Tags, "otelstep.step.result"); res != "ok" {
			bad("span %q: otelstep.step.result %q, want ok", sp.OperationName, res)
		}
	}
	if len(stepSpan) != s.Steps {
		bad("%d step spans, want %d", len(stepSpan), s.Steps)
	}

	var steps []stepEvent
	parentOfStep := map[int]string{} // step number -> span ID carrying its event
	for _, sp := range tr.Spans {
		for _, l := range sp.Logs {
			if ev, _ := field(l.Fields, "event"); ev != "otelstep.step" {
				continue
			}
			num, _ := field(l.Fields, "otelstep.step.number")
			n, err := strconv.Atoi(num)
			if err != nil {
				bad("span %q: otelstep.step has step number %q", sp.OperationName, num)
			}
			comp, _ := field(l.Fields, "otelstep.component")
			run, _ := field(l.Fields, "otelstep.run")
			total, _ := field(l.Fields, "otelstep.steps.total")
			typ := ""
			for _, kv := range l.Fields {
				if kv.Key == "otelstep.step.number" {
					typ = kv.Type
				}
			}
			steps = append(steps, stepEvent{sp.OperationName, n, comp, run, total, typ})
			parentOfStep[n] = sp.SpanID
		}
	}
	sort.SliceStable(steps, func(a, b int) bool { return steps[a].number < steps[b].number })

	if len(steps) != s.StepEvents {
		bad("%d otelstep.step events, want exactly %d", len(steps), s.StepEvents)
	}
	for i, ev := range steps {
		want := i + 1
		if ev.number != want {
			bad("step events are not 1..%d consecutive: position %d has step %d", s.Steps, i, ev.number)
		}
		if i < len(s.Components) && ev.component != s.Components[i] {
			bad("step %d: component %q, want %q", ev.number, ev.component, s.Components[i])
		}
		if ev.run != s.Run {
			bad("step %d: otelstep.run %q, want %q", ev.number, ev.run, s.Run)
		}
		if ev.total != strconv.Itoa(s.Total) {
			bad("step %d: otelstep.steps.total %q, want %d", ev.number, ev.total, s.Total)
		}
		if ev.numType != "int64" {
			bad("step %d: otelstep.step.number has type %q, want int64", ev.number, ev.numType)
		}
		if ev.span != "compile" {
			bad("step %d event is on span %q, want the run's span %q", ev.number, ev.span, "compile")
		}
		sp, ok := stepSpan[ev.number]
		if !ok {
			bad("step %d has an event but no span", ev.number)
			continue
		}
		if parent := parentID(sp); parent != parentOfStep[ev.number] {
			bad("span %q: parent %s (%s), want the span with its step event %s",
				sp.OperationName, parent, byID[parent].OperationName, parentOfStep[ev.number])
		}
	}

	type spanSteps struct {
		sp   v1Span
		step int
	}
	var ordered []spanSteps
	for n := 1; n <= s.Steps; n++ {
		if sp, ok := stepSpan[n]; ok {
			ordered = append(ordered, spanSteps{sp, n})
		}
	}
	for _, sp := range tr.Spans {
		if _, ok := field(sp.Tags, "otelstep.step.number"); ok {
			continue
		}
		for _, l := range sp.Logs {
			if ev, _ := field(l.Fields, "event"); ev == "otelstep.log" {
				bad("otelstep.log event on %q, which is not a step span", sp.OperationName)
			}
		}
	}

	// otelstep.log events, in step order and, within a span, event order.
	var msgs []string
	for _, o := range ordered {
		for _, l := range o.sp.Logs {
			if ev, _ := field(l.Fields, "event"); ev != "otelstep.log" {
				continue
			}
			msg, _ := field(l.Fields, "log.message")
			msgs = append(msgs, msg)
			num, _ := field(l.Fields, "otelstep.step.number")
			comp, _ := field(l.Fields, "otelstep.component")
			sev, _ := field(l.Fields, "log.severity")
			if !strings.HasPrefix(msg, "Step "+num+": ") {
				bad("log event %q carries otelstep.step.number %q", msg, num)
			}
			if n, _ := strconv.Atoi(num); n != o.step {
				bad("log event %q is on the span of step %d", msg, o.step)
			}
			if n, _ := strconv.Atoi(num); n >= 1 && n <= len(s.Components) && comp != s.Components[n-1] {
				bad("log event %q: component %q, want %q", msg, comp, s.Components[n-1])
			}
			if sev == "" {
				bad("log event %q has no log.severity", msg)
			}
		}
	}
	if d := diffList(s.Messages, msgs); d != "" {
		bad("otelstep.log messages differ from the demo's (-want +got):\n%s", d)
	}
	return probs
}

// parentID is the span's CHILD_OF parent ("" for a root).
func parentID(sp v1Span) string {
	for _, r := range sp.References {
		if r.RefType == "CHILD_OF" {
			return r.SpanID
		}
	}
	return ""
}

// diffList shows a line diff of two ordered lists ("" if equal).
func diffList(want, got []string) string {
	if strings.Join(want, "\x00") == strings.Join(got, "\x00") && len(want) == len(got) {
		return ""
	}
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		switch {
		case i >= len(got):
			fmt.Fprintf(&b, "  - %q\n", w)
		case i >= len(want):
			fmt.Fprintf(&b, "  + %q\n", g)
		case w != g:
			fmt.Fprintf(&b, "  - %q\n  + %q\n", w, g)
		default:
			fmt.Fprintf(&b, "    %q\n", w)
		}
	}
	return b.String()
}

// diffSorted compares two lists as multisets.
func diffSorted(want, got []string) string {
	w := append([]string(nil), want...)
	g := append([]string(nil), got...)
	sort.Strings(w)
	sort.Strings(g)
	return diffList(w, g)
}

// wantSpanNames are the span names of one pipeline run; extra are the names
// of spans around it (otelhttp's server span).
func wantSpanNames(s summary, extra ...string) []string {
	names := append([]string{"compile"}, extra...)
	for i, c := range s.Components {
		names = append(names, fmt.Sprintf("Step %d: %s", i+1, c))
	}
	return names
}
