package otelsteptest

import (
	"context"
	"log/slog"
	"sync"

	"github.com/otelstep/otelstep/otelstep/internal/contract"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"
)

// Message is one step message: a log record written by a
// [otelstep.StepLogger] or [otelstep.Step.Log] that passed the level check.
type Message struct {
	Run       string // otelstep.run
	RunID     string // otelstep.run.id, empty without otelstep.WithRunID
	Step      int    // otelstep.step.number
	Part      string // otelstep.run.part, in a part of another run (see [StepRecord])
	Path      string // otelstep.step.path, in a part of another run: "2.1.3"
	Component string // otelstep.component
	Level     slog.Level
	Body      string // "Step N: msg" ("Step 2.1.3: msg" in a part)
	TraceID   trace.TraceID
	SpanID    trace.SpanID
	// Attrs holds every attribute of the record, those of the telemetry
	// contract and the source location (code.*) included, each as its
	// attribute.Value.Emit string.
	Attrs map[string]string
}

// Messages returns the step messages in the order they were emitted: the log
// records that carry [otelstep.StepNumberKey] and no event name. The
// log-based step events of [otelstep.Run.Start] are not messages; plain
// records of a component logger, without a step, are not either. Both are
// in [Recorder.Records].
func (r *Recorder) Messages() []Message {
	var out []Message
	for _, rec := range r.logs.all() {
		m := Message{
			Level:   level(rec.Severity()),
			Body:    rec.Body().AsString(),
			TraceID: rec.TraceID(),
			SpanID:  rec.SpanID(),
			Attrs:   map[string]string{},
		}
		rec.WalkAttributes(func(kv attribute.KeyValue) bool {
			m.Attrs[string(kv.Key)] = kv.Value.Emit()
			return true
		})
		kind, a := contract.Record(&rec, nil)
		if kind != contract.Message {
			continue
		}
		m.Run, m.RunID, m.Step, m.Part, m.Path, m.Component = a.Run, a.RunID, int(a.Step), a.Part, a.Path, a.Component
		out = append(out, m)
	}
	return out
}

// Bodies returns the bodies ("Step N: msg") of [Recorder.Messages], in the
// order they were emitted.
func (r *Recorder) Bodies() []string {
	msgs := r.Messages()
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Body
	}
	return out
}

// Records returns clones of every log record emitted so far, in order: the
// step messages, the log-based step events and any other record of the
// recorder's logger provider.
func (r *Recorder) Records() []sdklog.Record {
	recs := r.logs.all()
	for i := range recs {
		recs[i] = recs[i].Clone()
	}
	return recs
}

// level converts an OTel severity back to the slog level it came from, the
// inverse of the otelslog bridge's mapping.
func level(s otellog.Severity) slog.Level {
	const offset = slog.Level(otellog.SeverityDebug) - slog.LevelDebug
	return slog.Level(s) - offset
}

// logExporter is an sdklog.Exporter that keeps clones of the records.
type logExporter struct {
	mu      sync.Mutex
	records []sdklog.Record
}

// Export keeps clones of records: the processor reuses their memory.
func (e *logExporter) Export(_ context.Context, records []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, rec := range records {
		e.records = append(e.records, rec.Clone())
	}
	return nil
}

// Shutdown does nothing: the records stay readable.
func (*logExporter) Shutdown(context.Context) error { return nil }

// ForceFlush does nothing: Export keeps nothing pending.
func (*logExporter) ForceFlush(context.Context) error { return nil }

// all returns a copy of the slice of records kept so far.
func (e *logExporter) all() []sdklog.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]sdklog.Record(nil), e.records...)
}
