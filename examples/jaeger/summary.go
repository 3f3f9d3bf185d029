package main

import (
	"context"
	"log/slog"
	"sync"

	"go.opentelemetry.io/otel/trace"
)

// summary is what one pipeline run did, counted as it happened (never
// hard-coded): `-json` prints it as one line and `/compile` answers it, so a
// test can compare a backend's content with it exactly.
type summary struct {
	Service    string   `json:"service"`
	TraceID    string   `json:"trace_id"`
	Run        string   `json:"run"`
	Steps      int      `json:"steps"`       // Run.Steps() at the end
	StepEvents int      `json:"step_events"` // otelstep.step span events added
	LogEvents  int      `json:"log_events"`  // otelstep.log span events added
	LogRecords int      `json:"log_records"` // OTel log records emitted: messages + step-start events
	Spans      int      `json:"spans"`       // spans in the trace: "compile", the steps', otelhttp's
	Components []string `json:"components"`  // component of each step, in step order
	Messages   []string `json:"messages"`    // every emitted "Step N: msg", in order
	Total      int      `json:"total"`       // the WithTotalSteps value

	Instance string    `json:"instance,omitempty"` // service.instance.id, when the resource has one
	Parts    []summary `json:"parts,omitempty"`    // -workers: each worker's run, in worker order
}

// tally counts a run's telemetry while the pipeline runs. Its methods mirror
// what otelstep does with each call (see the package's telemetry contract).
type tally struct {
	mu sync.Mutex
	s  summary
}

// span counts a span the demo started (or, for otelhttp, received).
func (t *tally) span() {
	t.mu.Lock()
	t.s.Spans++
	t.mu.Unlock()
}

// step counts a Run.Start call made with ctx: the otelstep.step event on the
// span in ctx if it is recording, the step's own span, and the log-based
// step-start event, emitted when Info passes the component's level.
func (t *tally) step(ctx context.Context, component string, infoEnabled bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.s.Components = append(t.s.Components, component)
	t.s.Spans++
	if trace.SpanFromContext(ctx).IsRecording() {
		t.s.StepEvents++
	}
	if infoEnabled {
		t.s.LogRecords++
	}
}

// The tally is also the run's local slog handler (otelstep.WithHandler): it
// sees every step message that passed its component's level, the same
// records otelstep sends to OTel logs and, on a recording span, turns into
// otelstep.log span events. Being a handler rather than a wrapper around the
// step logger keeps the callers' source locations in the log records.
var _ slog.Handler = (*tally)(nil)

// Enabled accepts every level: otelstep has applied the component's level.
func (t *tally) Enabled(context.Context, slog.Level) bool { return true }

// Handle counts one step message.
func (t *tally) Handle(ctx context.Context, r slog.Record) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.s.Messages = append(t.s.Messages, r.Message)
	t.s.LogRecords++
	if trace.SpanFromContext(ctx).IsRecording() {
		t.s.LogEvents++
	}
	return nil
}

// WithAttrs returns t: attributes do not change the counts.
func (t *tally) WithAttrs([]slog.Attr) slog.Handler { return t }

// WithGroup returns t: groups do not change the counts.
func (t *tally) WithGroup(string) slog.Handler { return t }

// result returns a copy of the summary.
func (t *tally) result() summary {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.s
	s.Components = append([]string{}, s.Components...)
	s.Messages = append([]string{}, s.Messages...)
	s.Parts = append([]summary(nil), s.Parts...)
	return s
}
