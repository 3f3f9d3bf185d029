package otelstep

import (
	"context"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// numbered is one numbered step of a run: what a StepLogger and a Step share.
type numbered struct {
	run    *Run
	comp   *component // the component of logger, or DefaultComponent's
	logger *slog.Logger
	level  slog.Level // comp.level, copied for the filtered path; foreign for other loggers
	n      int64
}

// foreign is the level of a step whose logger is not one of the run's
// component loggers: its own Enabled decides. Below every real level, it lets
// every message past the StepLogger's first check.
const foreign = slog.Level(math.MinInt)

// own reports whether the step's logger is one of a run's component loggers,
// whose level applies.
func (s numbered) own() bool { return s.level != foreign }

// takeStep numbers the next step, adds the step event to the span in ctx and
// records the progress gauges.
func (r *Run) takeStep(ctx context.Context, logger *slog.Logger) numbered {
	s := numbered{run: r, logger: logger, level: foreign}
	if logger != nil {
		if h, ok := logger.Handler().(*handler); ok {
			s.comp, s.level = h.comp, h.comp.level
		}
	}
	if s.comp == nil {
		s.comp = r.component(DefaultComponent)
		if logger == nil {
			s.logger, s.level = s.comp.logger, s.comp.level
		}
	}
	s.n = r.steps.Add(1)

	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent(StepEventName, trace.WithAttributes(r.stepAttrs(s.comp, s.n, true)...))
	}
	r.recordProgress(ctx, false)
	return s
}

// stepAttrs returns the attributes of step n of comp: run, run id, step
// number, component and, with total set and the total known, the total.
func (r *Run) stepAttrs(c *component, n int64, total bool) []attribute.KeyValue {
	known := r.totalSteps()
	total = total && known > 0
	size := len(r.runAttrs) + 2
	if total {
		size++
	}
	kvs := make([]attribute.KeyValue, 0, size) // exactly: an attribute is 64 bytes
	kvs = append(kvs, r.runAttrs...)
	kvs = append(kvs, StepNumberKey.Int64(n), c.attr)
	if total {
		kvs = append(kvs, StepsTotalKey.Int(known))
	}
	return kvs
}

// enabled reports whether a message at level passes the step's level check.
func (s numbered) enabled(ctx context.Context, level slog.Level) bool {
	if s.own() {
		return level >= s.level
	}
	return s.logger.Enabled(ctx, level)
}

// prepare reports what a message at level that passed the level check
// makes: a record through the step's logger's handler h (handled), an event
// on span (recording), or, with neither, nothing. The caller takes the
// source location only for a record.
func (s numbered) prepare(ctx context.Context, span trace.Span, level slog.Level) (h slog.Handler, handled, recording bool) {
	h = s.logger.Handler()
	return h, h.Enabled(ctx, level), span.IsRecording()
}

// log writes one message of the step, as prepare found: a record through h
// when handled, with pc as its source location, and an event on span when
// recording. ctx must carry span for the record to be correlated with it.
func (s numbered) log(ctx context.Context, span trace.Span, h slog.Handler, handled, recording bool,
	level slog.Level, msg string, pc uintptr, args []any,
) {
	body := stepBody(s.n, msg)
	if recording {
		attrs := make([]attribute.KeyValue, 0, len(s.run.runAttrs)+4)
		attrs = append(attrs, s.run.runAttrs...)
		attrs = append(attrs,
			StepNumberKey.Int64(s.n),
			s.comp.attr,
			SeverityKey.String(level.String()),
			MessageKey.String(body),
		)
		span.AddEvent(LogEventName, trace.WithAttributes(attrs...))
	}
	if handled {
		if own, ok := h.(*handler); ok && s.emitDirect(ctx, own, level, body, pc, args) {
			return
		}
		rec := slog.NewRecord(time.Now(), level, body, pc)
		rec.AddAttrs(slog.Int64(string(StepNumberKey), s.n), s.comp.slogAttr)
		rec.AddAttrs(s.run.runSlogAttrs...)
		rec.Add(args...)
		_ = h.Handle(ctx, rec)
	}
}

// stepBody returns "Step N: msg", with msg made valid UTF-8.
func stepBody(n int64, msg string) string {
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, string(utf8.RuneError))
	}
	var buf [32]byte
	b := append(buf[:0], "Step "...)
	b = strconv.AppendInt(b, n, 10)
	b = append(b, ": "...)
	return string(b) + msg
}
