package otelstep

import (
	"context"
	"log/slog"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// StepLogger writes the messages of one step, like the function torch's
// get_step_logger returns: each message is written through the logger the
// step was taken with as "Step N: msg", with the step's attributes and the
// caller's args, and added as a [LogEventName] event to the span in ctx (or
// to the run's span when ctx has none). A message below the component's
// level makes neither.
//
// Its methods are those of [slog.Logger] that take a context; each takes
// the caller's line as the source location. torch's call form
// log(ctx, level, msg, args...) is the method value of Log:
//
//	log := run.StepLogger(ctx, logger).Log
//	log(ctx, slog.LevelInfo, "begin parsing", "file", name)
//
// A StepLogger is a small value, safe for concurrent use and cheap to copy.
// The zero StepLogger writes nothing.
type StepLogger struct {
	// level is the level check of a message: the component's level, or
	// passAll for a logger that no run made; nil for the zero StepLogger.
	// The one load and compare a filtered message costs.
	level *atomic.Int64
	run   *Run
	comp  *component
	h     *handler // the component's handler, one derived from it, or one of a foreign logger
	step  *Step    // the Run.Start step, whose span the messages go to; nil: the span of ctx, else the run's
	n     int64
}

// passAll is the level of the steps of a logger that no run made: every
// message goes on to write, where that logger's Enabled decides.
var passAll = func() *atomic.Int64 {
	var a atomic.Int64
	a.Store(math.MinInt64)
	return &a
}()

// Step is a step with a duration: a span of its own, a record in the
// [DurationMetricName] histogram when it ends, and its own progress. Make
// one with [Run.Start]. It writes its messages as a [StepLogger] does, to
// its own span.
//
// A Step is safe for concurrent use. The methods of a nil or zero Step do
// nothing.
type Step struct {
	log   StepLogger
	span  trace.Span
	start time.Time
	label string // of WithLabel, or ""
	once  sync.Once
	lv    liveStep // in-step progress and running marker: metrics.go, live.go
	ctx   stepCtx  // the context Start returns: the span's, and the step as a caller
}

// StepLogger takes the run's next step number and returns the logger of that
// step, like torch's get_step_logger.
//
// It adds the [StepEventName] event, with the attributes logger carries from
// With, to the span in ctx when that span is recording (to the run's span
// when ctx has none), and records the progress gauges unless they are off.
// The step has no span and no end: it counts as finished when taken, as a
// step of torch's bar does. To measure how long a step takes, use
// [Run.Start] instead. Having no context of its own, it hands nothing out:
// only a [Run.Start] step makes runs started within it parts of its run.
//
// logger should be one of the run's component loggers; a logger of another
// run's component counts as this run's component of the same name (see
// [SetDefault]); any other logger works, with [DefaultComponent] as its
// component and its own Enabled as the level check. A nil logger means the
// run's logger for [DefaultComponent].
func (r *Run) StepLogger(ctx context.Context, logger *slog.Logger) StepLogger {
	var l StepLogger
	r.takeStep(&l, logger, false) // finished when taken
	l.started(ctx, nil)
	return l
}

// Start takes the run's next step number exactly as [Run.StepLogger] does
// (the same counter, the same [StepEventName] event on the span in ctx, the
// same gauges) and starts a child of that span named "Step N: component"
// ("Step N: label" with [WithLabel]), with the attributes otelstep.run (and
// otelstep.run.id), otelstep.step.number, otelstep.component,
// otelstep.steps.total when the total is known, and the attributes logger
// carries from With. When ctx carries no span (no valid span context), the
// step event and the step span go to the run's span ([Start]). The returned
// context carries the step's span, and hands the step out: a run [Start]ed
// with it, here or in a process reached with [Propagator], is a part of
// this run, its steps numbered under the step's path (Step N.1.1, ...).
//
// The step start is also an OTel log record with the event name
// [StepEventName] and the body "Step N started: component", for backends
// that read log-based events. Filter on the event name to tell it from the
// step's messages.
//
// The step must be ended with [Step.End]; [Run.End] ends the steps still
// open as abandoned.
func (r *Run) Start(ctx context.Context, logger *slog.Logger, opts ...StepOption) (context.Context, *Step) {
	if ctx == nil {
		ctx = context.Background()
	}
	s := &Step{}
	r.takeStep(&s.log, logger, true)
	s.log.step = s
	s.start = r.lv.now()
	name := s.log.comp.name
	attrs := s.log.attrs(1)
	if s.label = newStepConfig(opts).label; s.label != "" {
		name = s.label
		attrs = append(attrs, StepLabelKey.String(s.label))
	}
	parent := ctx
	if !trace.SpanContextFromContext(ctx).IsValid() && r.span != nil {
		parent = trace.ContextWithSpan(ctx, r.span)
	}
	ctx, s.span = r.tracer().Start(parent, s.log.text(": ", name),
		trace.WithAttributes(attrs...), trace.WithTimestamp(s.start))
	s.log.started(parent, s)
	r.open(s)
	s.ctx.Context = ctx
	h := &s.ctx.hand
	h.run, h.id, h.path, h.n, h.local = r.root, r.id, r.path, s.log.n, true
	return &s.ctx, s
}

// takeStep sets l to the next step of the run, written through logger; a
// Run.Start step (open) counts as open until it ends. (l is filled in place:
// a returned StepLogger would be copied through memory twice.)
//
// A logger of another run's component works as the component of the same
// name of this run: this run's numbering, level and providers, with what
// the logger carries from With and WithGroup.
func (r *Run) takeStep(l *StepLogger, logger *slog.Logger, open bool) {
	r.reportLevelsErr()
	l.run = r
	if logger == nil {
		l.comp = r.component(DefaultComponent)
		l.h = l.comp.logger.Handler().(*handler)
	} else if h, ok := logger.Handler().(*handler); ok {
		l.comp, l.h = h.comp, h
		if h.comp.run != r {
			l.comp = r.component(h.comp.name)
			l.h = l.comp.replay(h)
		}
	} else {
		l.comp = r.component(DefaultComponent)
		l.h = &handler{comp: l.comp, foreign: logger.Handler()}
	}
	l.level = &l.comp.level
	if l.h.foreign != nil {
		l.level = passAll
	}
	if open {
		r.ins.mu.Lock()
		r.lv.open++
		l.n = r.steps.Add(1)
		r.ins.mu.Unlock()
	} else {
		l.n = r.steps.Add(1)
	}
}

// started writes the step's start: the [StepEventName] event to the span
// of ctx (the run's when it has none), the start record of a [Run.Start]
// step s (in the step span's context) and the progress gauges.
func (l *StepLogger) started(ctx context.Context, s *Step) {
	if ctx == nil {
		ctx = context.Background()
	}
	if span := l.run.spanOf(ctx); span.IsRecording() {
		l.addEvent(span, StepEventName, 0, l.h.with()...)
	}
	if s != nil && slog.LevelInfo >= l.comp.minLevel() {
		sctx := trace.ContextWithSpan(ctx, s.span)
		if l.comp.otel.Enabled(sctx, otellog.EnabledParameters{Severity: otellog.SeverityInfo, EventName: StepEventName}) {
			rec := l.record(s.start, slog.LevelInfo, l.text(" started: ", l.comp.name))
			rec.SetEventName(StepEventName)
			if t := l.run.totalSteps(); t > 0 {
				rec.AddAttributes(StepsTotalKey.Int(t))
			}
			if s.label != "" {
				rec.AddAttributes(StepLabelKey.String(s.label))
			}
			l.comp.otel.Emit(sctx, rec)
		}
	}
	l.run.recordProgress(ctx, false)
}

// text returns "Step N" + sep + s: the one place a step's name is written,
// for its messages, its span and its start record.
func (l StepLogger) text(sep, s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, string(utf8.RuneError))
	}
	var buf [32]byte
	b := append(buf[:0], "Step "...)
	b = l.appendPath(b)
	b = append(b, sep...)
	return string(b) + s
}

// appendPath appends the step's path to b: its number, under the run's
// path prefix for a part of another run ("4.1.2").
func (l StepLogger) appendPath(b []byte) []byte {
	if l.run.path != "" {
		b = append(b, l.run.path...)
		b = append(b, '.')
	}
	return strconv.AppendInt(b, l.n, 10)
}

// addPath adds the [StepPathKey] attribute of a step of a part to an OTel
// or slog record. It is kept out of line so that the frame of the message
// path does not grow for the steps of a root run.
//
//go:noinline
func (l StepLogger) addPath(rec *otellog.Record, srec *slog.Record) {
	p, _ := l.pathAttr()
	if rec != nil {
		rec.AddAttributes(p)
	}
	if srec != nil {
		srec.AddAttrs(slog.String(string(StepPathKey), p.Value.AsString()))
	}
}

// pathAttr returns the [StepPathKey] attribute of a step of a part of
// another run; ok is false for a step of a root run, which has none.
func (l StepLogger) pathAttr() (kv attribute.KeyValue, ok bool) {
	if l.run.path == "" {
		return kv, false
	}
	var buf [64]byte
	return StepPathKey.String(string(l.appendPath(buf[:0]))), true
}

// attrs returns the attributes of the step's span and marker: run, run id, part,
// step number, path, component, the total when known, those the step's logger
// carries from With, and room for extra more.
func (l StepLogger) attrs(extra int) []attribute.KeyValue {
	with := l.h.with()
	kvs := make([]attribute.KeyValue, 0, len(l.run.runAttrs)+4+len(with)+extra)
	kvs = append(kvs, l.run.runAttrs...)
	kvs = append(kvs, StepNumberKey.Int64(l.n), l.comp.attr)
	if p, ok := l.pathAttr(); ok {
		kvs = append(kvs, p)
	}
	if t := l.run.totalSteps(); t > 0 {
		kvs = append(kvs, StepsTotalKey.Int(t))
	}
	return append(kvs, with...)
}

// with returns the attributes h carries from With, as span attributes.
func (h *handler) with() []attribute.KeyValue {
	if h == nil {
		return nil
	}
	return h.spanAttrs
}

// addEvent adds the span event name of the step to span: run, run id, step
// number, component, then for a [StepEventName] event the total when known
// and more, for a [LogEventName] event the severity level and the message
// body. It is the one builder of a step's span events.
func (l StepLogger) addEvent(span trace.Span, name string, level slog.Level, more ...attribute.KeyValue) {
	var tmp [8]attribute.KeyValue
	kvs := append(tmp[:0], l.run.runAttrs...)
	kvs = append(kvs, StepNumberKey.Int64(l.n), l.comp.attr)
	if p, ok := l.pathAttr(); ok {
		kvs = append(kvs, p)
	}
	bufs := &l.run.stepBufs
	if name == LogEventName {
		bufs = &l.run.logBufs
		kvs = append(kvs, SeverityKey.String(level.String()))
	} else if t := l.run.totalSteps(); t > 0 {
		kvs = append(kvs, StepsTotalKey.Int(t))
	}
	buf := bufs.get(len(kvs) + len(more))
	copy(buf.kvs[copy(buf.kvs, kvs):], more)
	span.AddEvent(name, buf.opts[:]...)
	bufs.put(buf)
}

// record returns the OTel log record of the step with body at level, time
// t: body, severity and the step's attributes (step number, component,
// run, run id). It is the one builder of a step's log records, for its
// messages and its start.
func (l StepLogger) record(t time.Time, level slog.Level, body string) otellog.Record {
	var rec otellog.Record
	rec.SetTimestamp(t)
	rec.SetBody(attribute.StringValue(body))
	rec.SetSeverity(otellog.Severity(level + sevOffset))
	rec.SetSeverityText(level.String())
	rec.AddAttributes(StepNumberKey.Int64(l.n), l.comp.attr)
	rec.AddAttributes(l.run.runAttrs...)
	if l.run.path != "" {
		l.addPath(&rec, nil)
	}
	return rec
}

// sevOffset maps slog levels to OTel severities, as otelslog does.
const sevOffset = slog.Level(otellog.SeverityDebug) - slog.LevelDebug

// The methods of slog.Logger that take a context, on StepLogger and *Step.
// Each makes the level check and calls write directly: write finds the
// caller's line by skipping a fixed number of frames.
//
// The level check is one expression, written out in each method,
//
//	l.level != nil && int64(level) >= l.level.Load()
//
// so that the method inlines into its caller (a helper function puts it
// over the inliner's budget): a filtered message costs a load and a
// compare at the call site. A logger that no run made has passAll as its
// level, and its own Enabled checks the message in write.

// Log writes a message at level.
func (l StepLogger) Log(ctx context.Context, level slog.Level, msg string, args ...any) {
	if l.level != nil && int64(level) >= l.level.Load() {
		l.write(ctx, level, msg, args, nil)
	}
}

// Debug writes a message at [slog.LevelDebug].
func (l StepLogger) Debug(ctx context.Context, msg string, args ...any) {
	if l.level != nil && int64(slog.LevelDebug) >= l.level.Load() {
		l.write(ctx, slog.LevelDebug, msg, args, nil)
	}
}

// Info writes a message at [slog.LevelInfo].
func (l StepLogger) Info(ctx context.Context, msg string, args ...any) {
	if l.level != nil && int64(slog.LevelInfo) >= l.level.Load() {
		l.write(ctx, slog.LevelInfo, msg, args, nil)
	}
}

// Warn writes a message at [slog.LevelWarn].
func (l StepLogger) Warn(ctx context.Context, msg string, args ...any) {
	if l.level != nil && int64(slog.LevelWarn) >= l.level.Load() {
		l.write(ctx, slog.LevelWarn, msg, args, nil)
	}
}

// Error writes a message at [slog.LevelError].
func (l StepLogger) Error(ctx context.Context, msg string, args ...any) {
	if l.level != nil && int64(slog.LevelError) >= l.level.Load() {
		l.write(ctx, slog.LevelError, msg, args, nil)
	}
}

// LogAttrs is a more efficient version of [StepLogger.Log] that accepts only
// slog.Attrs.
func (l StepLogger) LogAttrs(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if l.level != nil && int64(level) >= l.level.Load() {
		l.write(ctx, level, msg, nil, attrs)
	}
}

// Enabled reports whether a message at level passes the step's level check:
// the component's level, or the Enabled of a logger that no run made. A
// message that passes may still make nothing when no provider would record
// it.
func (l StepLogger) Enabled(ctx context.Context, level slog.Level) bool {
	switch {
	case l.level == nil:
		return false // the zero StepLogger
	case l.h.foreign != nil:
		if ctx == nil {
			ctx = context.Background()
		}
		return l.h.foreign.Enabled(ctx, level)
	}
	return int64(level) >= l.level.Load()
}

// Log writes a message of the step at level, as a [StepLogger] does. The
// record is correlated with the step's span and the [LogEventName] event
// goes to the step's span, also when ctx is the parent's. A nil ctx is
// [context.Background].
func (s *Step) Log(ctx context.Context, level slog.Level, msg string, args ...any) {
	if s != nil && s.log.level != nil && int64(level) >= s.log.level.Load() {
		s.log.write(ctx, level, msg, args, nil)
	}
}

// Debug writes a message of the step at [slog.LevelDebug]; see [Step.Log].
func (s *Step) Debug(ctx context.Context, msg string, args ...any) {
	if s != nil && s.log.level != nil && int64(slog.LevelDebug) >= s.log.level.Load() {
		s.log.write(ctx, slog.LevelDebug, msg, args, nil)
	}
}

// Info writes a message of the step at [slog.LevelInfo]; see [Step.Log].
func (s *Step) Info(ctx context.Context, msg string, args ...any) {
	if s != nil && s.log.level != nil && int64(slog.LevelInfo) >= s.log.level.Load() {
		s.log.write(ctx, slog.LevelInfo, msg, args, nil)
	}
}

// Warn writes a message of the step at [slog.LevelWarn]; see [Step.Log].
func (s *Step) Warn(ctx context.Context, msg string, args ...any) {
	if s != nil && s.log.level != nil && int64(slog.LevelWarn) >= s.log.level.Load() {
		s.log.write(ctx, slog.LevelWarn, msg, args, nil)
	}
}

// Error writes a message of the step at [slog.LevelError]; see [Step.Log].
func (s *Step) Error(ctx context.Context, msg string, args ...any) {
	if s != nil && s.log.level != nil && int64(slog.LevelError) >= s.log.level.Load() {
		s.log.write(ctx, slog.LevelError, msg, args, nil)
	}
}

// LogAttrs is a more efficient version of [Step.Log] that accepts only
// slog.Attrs.
func (s *Step) LogAttrs(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if s != nil && s.log.level != nil && int64(level) >= s.log.level.Load() {
		s.log.write(ctx, level, msg, nil, attrs)
	}
}

// Enabled reports whether a message of the step at level passes its level
// check; see [StepLogger.Enabled].
func (s *Step) Enabled(ctx context.Context, level slog.Level) bool {
	return s.logger().Enabled(ctx, level)
}

// logger returns the StepLogger of s; the zero one for a nil s.
func (s *Step) logger() StepLogger {
	if s == nil {
		return StepLogger{}
	}
	return s.log
}

// sourceSkip is the runtime.Callers skip that reaches, from write, the line
// that called a step's method: runtime.Callers, write, the method.
const sourceSkip = 3

// write writes one message that passed the level check: the
// [LogEventName] event to the span when it is recording, the OTel log
// record when the component's logger takes it, and the record of the local
// handler (or of the logger no run made) when it takes it.
func (l StepLogger) write(ctx context.Context, level slog.Level, msg string, args []any, attrs []slog.Attr) {
	if ctx == nil {
		ctx = context.Background()
	}
	if l.h.foreign != nil && !l.h.foreign.Enabled(ctx, level) {
		return // the level check of a logger that no run made
	}
	// ctx must carry span for the records to be correlated with it.
	var span trace.Span
	if l.step != nil {
		span = l.step.span
	}
	if span == nil {
		span = trace.SpanFromContext(ctx)
		if l.run.span != nil && !span.SpanContext().IsValid() {
			span = l.run.span
			ctx = trace.ContextWithSpan(ctx, span)
		}
	} else if !trace.SpanContextFromContext(ctx).Equal(span.SpanContext()) {
		ctx = trace.ContextWithSpan(ctx, span)
	}
	recording := span.IsRecording()
	toOTel, local := false, l.h.foreign // the foreign logger's Enabled said yes
	if local == nil {
		toOTel = l.comp.otel.Enabled(ctx, otellog.EnabledParameters{Severity: otellog.Severity(level + sevOffset)})
		if local = l.h.local; local != nil && !local.Enabled(ctx, level) {
			local = nil
		}
	}
	if !recording && !toOTel && local == nil {
		return
	}
	body := l.text(": ", msg)
	if recording {
		l.addEvent(span, LogEventName, level, MessageKey.String(truncate(body, MaxEventMessage)))
	}
	if !toOTel && local == nil {
		return
	}
	now := time.Now()
	var pcs [1]uintptr
	if local != nil || l.run.cfg.source {
		runtime.Callers(sourceSkip, pcs[:])
	}
	if toOTel {
		rec := l.record(now, level, body)
		if l.run.cfg.source {
			rec.AddAttributes(sourceAttrs(pcs[0])...)
		}
		var buf [8]attribute.KeyValue
		kvs, ok := buf[:0], false
		if l.h.plain() {
			kvs, ok = appendBasic(kvs, args, attrs)
		}
		if !ok {
			var err error
			kvs, err = l.h.convert(args, attrs)
			rec.SetErr(err)
		}
		rec.AddAttributes(kvs...)
		l.comp.otel.Emit(ctx, rec)
	}
	if local != nil {
		rec := slog.NewRecord(now, level, body, pcs[0])
		rec.AddAttrs(slog.Int64(string(StepNumberKey), l.n), l.comp.slogAttr)
		rec.AddAttrs(l.run.runSlogAttrs...)
		if l.run.path != "" {
			l.addPath(nil, &rec)
		}
		rec.Add(args...)
		rec.AddAttrs(attrs...)
		_ = local.Handle(ctx, rec)
	}
}

// sources caches the source attributes of each call site (pc →
// []attribute.KeyValue): a program has a bounded number of lines that log,
// and resolving a pc to its frame costs more than the rest of the record.
var sources sync.Map

// sourceAttrs returns the code.* attributes of the call site pc, as otelslog
// writes them.
func sourceAttrs(pc uintptr) []attribute.KeyValue {
	if kvs, ok := sources.Load(pc); ok {
		return kvs.([]attribute.KeyValue)
	}
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	kvs := []attribute.KeyValue{
		attribute.String(string(semconv.CodeFilePathKey), f.File),
		attribute.String(string(semconv.CodeFunctionNameKey), f.Function),
		attribute.Int(string(semconv.CodeLineNumberKey), f.Line),
	}
	sources.Store(pc, kvs)
	return kvs
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

// Number returns the step's number in its run.
func (s *Step) Number() int { return int(s.logger().n) }

// Span returns the step's span.
func (s *Step) Span() trace.Span {
	if s != nil && s.span != nil {
		return s.span
	}
	return trace.SpanFromContext(context.Background())
}

// End ends the step's span, with status Error and the error recorded when
// err is not nil, and records its duration, with the result "ok" or "error"
// in [StepResultKey] on both. The span also gets the step's last
// [Step.Progress] values and, when [Run.SetTotal] changed it since the step
// started, the run's new total. The step then counts as finished in
// [ProgressMetricName]. A second End does nothing.
func (s *Step) End(err error) {
	if s == nil || s.log.run == nil {
		return
	}
	res := resultOK
	if err != nil {
		res = resultError
	}
	s.end(res, err)
}

// end ends the step with result res once.
func (s *Step) end(res int, err error) {
	s.once.Do(func() {
		r := s.log.run
		end := r.lv.now()
		r.close(s)
		s.span.SetAttributes(StepResultKey.String(results[res]))
		if err != nil {
			s.span.RecordError(err)
			s.span.SetStatus(codes.Error, err.Error())
		}
		frac := s.endProgress()
		s.span.End(trace.WithTimestamp(end))
		r.ins.duration.Record(context.Background(), end.Sub(s.start).Seconds(), s.log.comp.durOpts[res]...)
		r.ins.mu.Lock()
		r.lv.open-- // finished: a whole step, then no longer its fraction
		r.ins.mu.Unlock()
		r.lv.partial.Add(-frac)
		r.recordProgress(context.Background(), false)
	})
}
