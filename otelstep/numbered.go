package otelstep

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// numbered is one numbered step of a run: what a StepLogger and a Step share.
// Its methods take it by value: a StepLogger closure holds a copy.
type numbered struct {
	run    *Run
	comp   *component // the component of logger, or DefaultComponent's
	logger *slog.Logger
	// h is the logger's handler when it is a component handler (of this
	// run or another): the step writes through h.inner. It is nil for any
	// other logger, whose own Enabled and Handle apply.
	h *handler
	n int64
}

// takeStep numbers the next step, adds the step event to the span in ctx
// (or the run's span, when ctx has none) and records the progress gauges.
//
// A logger of another run's component works as the component of the same
// name of this run: this run's numbering, level and providers, with the
// attributes the logger carries from With (flattened, group names joined to
// keys with ".").
func (r *Run) takeStep(ctx context.Context, logger *slog.Logger) numbered {
	if ctx == nil {
		ctx = context.Background()
	}
	s := numbered{run: r, logger: logger}
	if logger != nil {
		if h, ok := logger.Handler().(*handler); ok {
			s.h, s.comp = h, h.comp
			if h.comp.run != r {
				s.comp = r.component(h.comp.name)
				s.h = s.comp.logger.Handler().(*handler).withSpanAttrs(h.spanAttrs)
			}
		}
	}
	if s.comp == nil {
		s.comp = r.component(DefaultComponent)
		if logger == nil {
			s.logger = s.comp.logger
			s.h = s.logger.Handler().(*handler)
		}
	}
	s.n = r.steps.Add(1)

	if span := r.spanOf(ctx); span.IsRecording() {
		r.addStepEvent(span, s)
	}
	r.recordProgress(ctx, false)
	return s
}

// addStepEvent adds the [StepEventName] event of step s to span: the
// attributes of appendStepAttrs, then those the step's logger carries from With.
func (r *Run) addStepEvent(span trace.Span, s numbered) {
	if s.h != nil && len(s.h.spanAttrs) > 0 {
		attrs, _ := s.attrs()
		span.AddEvent(StepEventName, trace.WithAttributes(attrs...))
		return
	}
	var tmp [8]attribute.KeyValue
	attrs := r.appendStepAttrs(tmp[:0], s.comp, s.n)
	buf := r.stepBufs.get(len(attrs))
	copy(buf.kvs, attrs)
	span.AddEvent(StepEventName, buf.opts[:]...)
	r.stepBufs.put(buf)
}

// attrs returns the attributes of the step's span, event and marker: those
// of appendStepAttrs, the first own of them, then those the step's logger carries
// from With (which of the steps of a component it is), with room for two
// more (a marker's progress).
func (s numbered) attrs() (kvs []attribute.KeyValue, own int) {
	var with []attribute.KeyValue
	if s.h != nil {
		with = s.h.spanAttrs
	}
	kvs = make([]attribute.KeyValue, 0, len(s.run.runAttrs)+3+len(with)+2)
	kvs = s.run.appendStepAttrs(kvs, s.comp, s.n)
	return append(kvs, with...), len(kvs)
}

// appendStepAttrs appends the attributes of step n of comp to kvs: run, run
// id, step number, component and, when the total is known, the total.
func (r *Run) appendStepAttrs(kvs []attribute.KeyValue, c *component, n int64) []attribute.KeyValue {
	kvs = append(kvs, r.runAttrs...)
	kvs = append(kvs, StepNumberKey.Int64(n), c.attr)
	if t := r.totalSteps(); t > 0 {
		kvs = append(kvs, StepsTotalKey.Int(t))
	}
	return kvs
}

// passes reports whether a message at level passes the step's level check:
// the one level check of a step message. For a component logger it is a
// load and a compare.
func (s numbered) passes(ctx context.Context, level slog.Level) bool {
	if s.h != nil {
		return level >= slog.Level(s.comp.level.Load())
	}
	return s.logger.Enabled(ctx, level) // any other logger: its own check
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
