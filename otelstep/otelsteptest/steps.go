package otelsteptest

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otelstep/otelstep/otelstep/internal/contract"
	"go.opentelemetry.io/otel/trace"
)

// StepRecord is one step taken, as the spans show it.
type StepRecord struct {
	Run    string // otelstep.run
	RunID  string // otelstep.run.id, empty without otelstep.WithRunID
	Number int    // otelstep.step.number
	// Part is otelstep.run.part: the own name of the run that took the
	// step when it is a part of another run (started inside one of its
	// steps), whose name Run then is; empty otherwise.
	Part string
	// Path is otelstep.step.path, the step's path in a part of another
	// run ("2.1.3", as in "Step 2.1.3: msg"); empty otherwise.
	Path      string
	Component string // otelstep.component
	Total     int    // otelstep.steps.total; 0 when unknown or not seen
	// Timed reports that the step was taken with [otelstep.Run.Start]: it
	// has a span of its own.
	Timed bool
}

// Steps returns the steps taken, sorted by run name, run id and step (the
// steps of a part of the run after the step that handed it out: 2, 2.1.1,
// 2.1.2, 3), steps that tie in these (runs of one name without otelstep.WithRunID) in
// the order they were taken.
//
// A step shows by its [otelstep.StepEventName] event, on a recording span of
// the recorder's tracer provider, ended or not, and, when it was taken with
// [otelstep.Run.Start], by its step span. A Start step whose parent span is
// recording has both; it is reported once, with the total from the event.
// The marker spans of running steps and runs ([otelstep.LiveSpanName],
// [otelstep.LiveRunSpanName]) are not steps.
// A step logger given a context with no recording span leaves no step here:
// see [Recorder.Context].
func (r *Recorder) Steps() []StepRecord {
	type seen struct {
		StepRecord
		parent trace.SpanID // the span the event is on; the step span's parent
		time   time.Time    // of the event; the step span's start
	}
	var events, timed []seen
	for _, sp := range r.spans.Started() {
		for _, e := range sp.Events() {
			if kind, a := contract.Event(e, nil); kind == contract.StepEvent {
				events = append(events, seen{stepRecord(a), sp.SpanContext().SpanID(), e.Time})
			}
		}
		if kind, a := contract.Span(sp); kind == contract.StepSpan {
			s := stepRecord(a)
			s.Timed = true
			timed = append(timed, seen{s, sp.Parent().SpanID(), sp.StartTime()})
		}
	}

	// Pair each step span with the event Start added to its parent.
	all := make([]seen, 0, len(events)+len(timed))
	used := make([]bool, len(events))
	for _, t := range timed {
		for i, e := range events {
			if !used[i] && e.parent == t.parent && e.Run == t.Run && e.RunID == t.RunID &&
				e.Number == t.Number && e.Path == t.Path && e.Part == t.Part && e.Component == t.Component {
				used[i] = true
				t.Total, t.time = e.Total, e.time
				break
			}
		}
		all = append(all, t)
	}
	for i, e := range events {
		if !used[i] {
			all = append(all, e)
		}
	}
	slices.SortStableFunc(all, func(a, b seen) int {
		return cmp.Or(
			cmp.Compare(a.Run, b.Run),
			cmp.Compare(a.RunID, b.RunID),
			slices.Compare(a.steps(), b.steps()),
			a.time.Compare(b.time),
		)
	})
	out := make([]StepRecord, len(all))
	for i, s := range all {
		out[i] = s.StepRecord
	}
	return out
}

// Components returns the components of [Recorder.Steps], in that order: for
// a single run, the components in the order they took their steps.
func (r *Recorder) Components() []string {
	steps := r.Steps()
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.Component
	}
	return out
}

// stepRecord is the step a step event or span says.
func stepRecord(a contract.Attrs) StepRecord {
	return StepRecord{Run: a.Run, RunID: a.RunID, Number: int(a.Step), Part: a.Part, Path: a.Path, Component: a.Component, Total: int(a.Total)}
}

// steps is the step's path as numbers, for sorting: [Number] outside a
// part.
func (s StepRecord) steps() []int {
	if s.Path == "" {
		return []int{s.Number}
	}
	var out []int
	for f := range strings.SplitSeq(s.Path, ".") {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return out
}
