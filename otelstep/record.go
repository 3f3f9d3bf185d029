package otelstep

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// MaxEventMessage is the most bytes of the [MessageKey] attribute of a
// [LogEventName] span event: a longer "Step N: msg" is cut at the last rune
// boundary at or below it, so that one message cannot make a span too big to
// export. The log record keeps the whole message.
const MaxEventMessage = 8192

// sourceSkip is the runtime.Callers skip that reaches, from write, the line
// that called a step's logging method or a StepLogger: runtime.Callers,
// write, the method or the StepLogger closure. A StepLogger method that
// calls the closure (the fallback of stepOf) marks ctx with methodCtx, for
// the two frames it adds.
const sourceSkip = 3

// write writes one message of the step that passed the level check
// ([numbered.passes]): the [LogEventName] event on span when it is recording
// and the log record when the step's logger would write it. It is the one
// place a step message is written, for [Step] and [StepLogger] alike, and
// must be called directly by the method or closure the user called: the
// source location is found by skipping exactly these frames.
//
// span is the step's own span for a [Step]; nil for a StepLogger message,
// which goes to the span in ctx, or to the run's span when ctx has none.
// The caller's attributes are in args (key-value pairs or slog.Attrs, as
// [slog.Logger.Log] takes them) or attrs.
//
//go:noinline
func (s numbered) write(ctx context.Context, span trace.Span, level slog.Level, msg string, args []any, attrs []slog.Attr) {
	skip := sourceSkip
	if mc, ok := ctx.(methodCtx); ok {
		ctx, skip = mc.Context, sourceSkip+2 // a method and other
	}
	if ctx == nil {
		ctx = context.Background()
	}
	// ctx must carry span for the record to be correlated with it.
	if span == nil {
		span = trace.SpanFromContext(ctx)
		if s.run.span != nil && !span.SpanContext().IsValid() {
			span = s.run.span
			ctx = trace.ContextWithSpan(ctx, span)
		}
	} else if !trace.SpanContextFromContext(ctx).Equal(span.SpanContext()) {
		ctx = trace.ContextWithSpan(ctx, span)
	}
	var h slog.Handler
	handled := true // a foreign logger's Enabled said so in passes
	if s.h != nil {
		h = s.h.inner
		handled = h.Enabled(ctx, level)
	} else {
		h = s.logger.Handler()
	}
	recording := span.IsRecording()
	if !handled && !recording {
		return
	}

	body := stepBody(s.n, msg)
	if recording {
		s.addLogEvent(span, level, body)
	}
	if !handled {
		return
	}
	var pcs [1]uintptr
	runtime.Callers(skip, pcs[:])
	if s.h != nil && s.h.direct && directOn && s.emitDirect(ctx, level, body, pcs[0], args, attrs) {
		return
	}
	rec := slog.NewRecord(time.Now(), level, body, pcs[0])
	rec.AddAttrs(slog.Int64(string(StepNumberKey), s.n), s.comp.slogAttr)
	rec.AddAttrs(s.run.runSlogAttrs...)
	rec.Add(args...)
	rec.AddAttrs(attrs...)
	_ = h.Handle(ctx, rec)
}

// addLogEvent adds the [LogEventName] event of a message with body to span.
func (s numbered) addLogEvent(span trace.Span, level slog.Level, body string) {
	buf := s.run.logBufs.get(len(s.run.runAttrs) + 4)
	kvs := append(buf.kvs[:0], s.run.runAttrs...)
	_ = append(kvs,
		StepNumberKey.Int64(s.n),
		s.comp.attr,
		SeverityKey.String(level.String()),
		MessageKey.String(truncate(body, MaxEventMessage)),
	)
	span.AddEvent(LogEventName, buf.opts[:]...)
	s.run.logBufs.put(buf)
}

// truncate returns s cut to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// eventBufs reuses the attribute buffers of span events: the SDK, like any
// implementation reading its options with trace.NewEventConfig, copies an
// event's attributes when it adds the event. Reusing the buffer and the
// option that wraps it saves three allocations an event.
type eventBufs struct{ pool sync.Pool }

// eventBuf is a buffer of n attributes and the event option that carries
// them.
type eventBuf struct {
	kvs  []attribute.KeyValue
	opts [1]trace.EventOption // trace.WithAttributes(kvs...)
}

// get returns a buffer of exactly n attributes, to be filled in place.
func (p *eventBufs) get(n int) *eventBuf {
	if b, ok := p.pool.Get().(*eventBuf); ok && len(b.kvs) == n {
		return b
	}
	b := &eventBuf{kvs: make([]attribute.KeyValue, n)}
	b.opts[0] = trace.WithAttributes(b.kvs...)
	return b
}

// put gives b back for reuse.
func (p *eventBufs) put(b *eventBuf) {
	clear(b.kvs) // drop the references to the strings
	p.pool.Put(b)
}
