package otelstep

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync/atomic"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/embedded"
	"go.opentelemetry.io/otel/metric"
)

// component is what a Run knows about one of its components. It is
// immutable once made, but for its level, which [Run.SetLevels] changes.
type component struct {
	run    *Run
	name   string
	level  atomic.Int64 // a slog.Level: the component's minimum level
	logger *slog.Logger // its handler is base

	attr     attribute.KeyValue // otelstep.component
	slogAttr slog.Attr          // otelstep.component
	otel     otellog.Logger     // where the records of its steps go
	durOpts  [numResults][]metric.RecordOption
	series   series // run + component: step progress and elapsed
}

// component returns the run's component named name, making it on first use.
func (r *Run) component(name string) *component {
	name = sanitize(name)
	r.mu.RLock()
	c, ok := r.components[name]
	r.mu.RUnlock()
	if ok {
		return c
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.components[name]; ok {
		return c
	}
	c = &component{
		run:      r,
		name:     name,
		attr:     ComponentKey.String(name),
		slogAttr: slog.String(string(ComponentKey), name),
	}
	c.level.Store(int64(r.levels.Load().Level(name)))
	c.durOpts = durationOpts(r.runAttrs, c.attr)
	c.series = newSeries(r.runAttrs, c.attr)
	lp := r.cfg.lp
	if lp == nil {
		lp = otel.GetLoggerProvider()
	}
	c.otel = lp.Logger(name, otellog.WithInstrumentationVersion(Version))
	c.logger = slog.New(&handler{
		comp: c,
		otel: readable{otelslog.NewHandler(name, otelslog.WithVersion(Version),
			otelslog.WithSource(r.cfg.source), otelslog.WithLoggerProvider(lp))},
		conv:  readable{otelslog.NewHandler(name, otelslog.WithLoggerProvider(captureProvider{}))},
		local: r.cfg.handler,
	})
	r.components[name] = c
	r.order = append(r.order, c)
	return c
}

// minLevel returns the component's minimum level.
func (c *component) minLevel() slog.Level { return slog.Level(c.level.Load()) }

// handler is the slog.Handler of a component logger: the component's level
// in front of otelslog and the run's local handler. Derived handlers keep
// the component.
type handler struct {
	comp  *component
	otel  slog.Handler // otelslog: the component logger's own records
	conv  slog.Handler // otelslog over captureProvider: converts the attributes of step records
	local slog.Handler // WithHandler's, or nil

	// foreign is the handler of a logger that no run made, taken as a step's
	// logger: its Enabled is the step's level check, and its Handle the
	// step's only destination.
	foreign slog.Handler

	// ops are the With and WithGroup calls since the component's logger,
	// replayed on another run's component (replay); spanAttrs are the
	// attributes they added, as span attributes (group names joined to keys
	// with "."); group is the prefix of the groups they opened.
	ops       []handlerOp
	spanAttrs []attribute.KeyValue
	group     string
}

// handlerOp is one With (attrs) or WithGroup (group) call.
type handlerOp struct {
	group string
	attrs []slog.Attr
}

var _ slog.Handler = (*handler)(nil)

// Enabled reports whether the component's level lets level through: the
// one level check of a component's message. Handle asks each handler
// behind whether it takes the record.
func (h *handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.comp.minLevel()
}

// Handle writes r to otelslog and to the local handler, each when its
// Enabled says so. A slog.Logger calls it only after Enabled said yes: the
// component's level is not checked again.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	h.comp.run.reportLevelsErr()
	var err1, err2 error
	if h.otel.Enabled(ctx, r.Level) {
		err1 = h.otel.Handle(ctx, r)
	}
	if h.local != nil && h.local.Enabled(ctx, r.Level) {
		err2 = h.local.Handle(ctx, r.Clone())
	}
	return errors.Join(err1, err2)
}

// WithAttrs returns a handler of the same component whose handlers carry
// attrs.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := h.derive(handlerOp{attrs: attrs})
	h2.spanAttrs = appendSpanAttrs(h.spanAttrs[:len(h.spanAttrs):len(h.spanAttrs)], h.group, attrs)
	return h2
}

// WithGroup returns a handler of the same component whose handlers open
// group name.
func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := h.derive(handlerOp{group: name})
	h2.group = h.group + name + "."
	return h2
}

// derive returns a copy of h with op applied to the handlers behind.
func (h *handler) derive(op handlerOp) *handler {
	h2 := *h
	h2.ops = append(h.ops[:len(h.ops):len(h.ops)], op)
	h2.otel, h2.conv = op.apply(h.otel), op.apply(h.conv)
	if h.local != nil {
		h2.local = op.apply(h.local)
	}
	return &h2
}

func (op handlerOp) apply(h slog.Handler) slog.Handler {
	if op.group != "" {
		return h.WithGroup(op.group)
	}
	return h.WithAttrs(op.attrs)
}

// replay returns the handler of c that the With and WithGroup calls of h
// make: how a logger of another run's component works as c's.
func (c *component) replay(h *handler) *handler {
	base := c.logger.Handler().(*handler)
	for _, op := range h.ops {
		if op.group != "" {
			base = base.WithGroup(op.group).(*handler)
		} else {
			base = base.WithAttrs(op.attrs).(*handler)
		}
	}
	return base
}

// plain reports whether h is its component's own handler, with nothing
// added by With or WithGroup.
func (h *handler) plain() bool { return len(h.ops) == 0 }

// appendSpanAttrs appends attrs to kvs as span attributes: keys prefixed
// with the open groups, groups flattened, values converted as otelslog
// converts them where it can and as their slog text otherwise.
func appendSpanAttrs(kvs []attribute.KeyValue, prefix string, attrs []slog.Attr) []attribute.KeyValue {
	for _, a := range attrs {
		v := a.Value.Resolve()
		if v.Kind() == slog.KindGroup {
			p := prefix
			if a.Key != "" {
				p += a.Key + "."
			}
			kvs = appendSpanAttrs(kvs, p, v.Group())
			continue
		}
		if a.Key == "" {
			continue
		}
		av, ok := basicValue(v)
		if !ok {
			av = attribute.StringValue(v.String())
		}
		kvs = append(kvs, attribute.KeyValue{Key: attribute.Key(prefix + a.Key), Value: av})
	}
	return kvs
}

// Conversion of a step record's attributes. The basic kinds are converted
// here, on the path of every record, as otelslog converts them (the
// differential test holds it); everything else (groups, errors, LogValuers,
// any value, the attributes and groups of With and WithGroup) is converted
// by otelslog itself, through a logger that captures the record it makes:
// one conversion, otelslog's, without a copy of its code.

// appendBasic appends args and attrs to kvs, converted, and reports whether
// all of them are of the basic kinds (otherwise kvs is to be dropped).
func appendBasic(kvs []attribute.KeyValue, args []any, attrs []slog.Attr) ([]attribute.KeyValue, bool) {
	for len(args) > 0 {
		var a slog.Attr
		switch x := args[0].(type) {
		case string:
			if len(args) == 1 {
				return kvs, false // slog's !BADKEY
			}
			a, args = slog.Any(x, args[1]), args[2:]
		case slog.Attr:
			a, args = x, args[1:]
		default:
			return kvs, false
		}
		var ok bool
		if kvs, ok = appendBasicAttr(kvs, a); !ok {
			return kvs, false
		}
	}
	for _, a := range attrs {
		var ok bool
		if kvs, ok = appendBasicAttr(kvs, a); !ok {
			return kvs, false
		}
	}
	return kvs, true
}

func appendBasicAttr(kvs []attribute.KeyValue, a slog.Attr) ([]attribute.KeyValue, bool) {
	if a.Key == "" {
		return kvs, false
	}
	v, ok := basicValue(a.Value)
	if !ok {
		return kvs, false
	}
	return append(kvs, attribute.KeyValue{Key: attribute.Key(a.Key), Value: v}), true
}

// basicValue converts v as otelslog does, for the kinds that need no
// reflection.
func basicValue(v slog.Value) (attribute.Value, bool) {
	switch v.Kind() {
	case slog.KindBool:
		return attribute.BoolValue(v.Bool()), true
	case slog.KindDuration:
		return attribute.StringValue(v.Duration().String()), true // as readable does
	case slog.KindFloat64:
		return attribute.Float64Value(v.Float64()), true
	case slog.KindInt64:
		return attribute.Int64Value(v.Int64()), true
	case slog.KindString:
		return attribute.StringValue(v.String()), true
	case slog.KindTime:
		return attribute.Int64Value(v.Time().UnixNano()), true
	case slog.KindUint64:
		if u := v.Uint64(); u <= 1<<63-1 {
			return attribute.Int64Value(int64(u)), true
		}
	}
	return attribute.Value{}, false
}

// convert returns args and attrs, with the attributes and groups h carries
// from With and WithGroup, as otelslog converts them, and the error it
// would set on the record.
func (h *handler) convert(args []any, attrs []slog.Attr) ([]attribute.KeyValue, error) {
	var r slog.Record
	r.Add(args...)
	r.AddAttrs(attrs...)
	var c captured
	_ = h.conv.Handle(context.WithValue(context.Background(), capturedKey{}, &c), r)
	return c.kvs, c.err
}

// captured is what captureLogger took from a record.
type captured struct {
	kvs []attribute.KeyValue
	err error
}

type capturedKey struct{}

// captureProvider gives the loggers behind handler.conv: they keep the
// attributes and error of the record otelslog emits in the captured value
// of the context, and emit nothing.
type captureProvider struct{ embedded.LoggerProvider }

func (captureProvider) Logger(string, ...otellog.LoggerOption) otellog.Logger {
	return captureLogger{}
}

type captureLogger struct{ embedded.Logger }

func (captureLogger) Emit(ctx context.Context, r otellog.Record) {
	c, ok := ctx.Value(capturedKey{}).(*captured)
	if !ok {
		return
	}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		c.kvs = append(c.kvs, kv)
		return true
	})
	c.err = r.Err()
}

func (captureLogger) Enabled(context.Context, otellog.EnabledParameters) bool { return true }

// readable is the slog.Handler in front of otelslog. It hands otelslog a
// time.Duration as Go writes it ("120ms") instead of a bare count of
// nanoseconds, and an error also as its message under its own key, which
// otelslog drops when it moves the error to the record's exception.*
// attributes. OTel logs have no duration type, and a person reads both in
// every backend, the console view included.
type readable struct{ slog.Handler }

func (h readable) Handle(ctx context.Context, r slog.Record) error {
	n := 0
	r.Attrs(func(a slog.Attr) bool {
		if isReadable(a) {
			n++
		}
		return true
	})
	if n == 0 {
		return h.Handler.Handle(ctx, r)
	}
	attrs := make([]slog.Attr, 0, r.NumAttrs()+n)
	r.Attrs(func(a slog.Attr) bool {
		attrs = appendReadable(attrs, a)
		return true
	})
	r2 := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r2.AddAttrs(attrs...)
	return h.Handler.Handle(ctx, r2)
}

func (h readable) WithAttrs(attrs []slog.Attr) slog.Handler {
	if slices.ContainsFunc(attrs, isReadable) {
		out := make([]slog.Attr, 0, len(attrs)+1)
		for _, a := range attrs {
			out = appendReadable(out, a)
		}
		attrs = out
	}
	return readable{h.Handler.WithAttrs(attrs)}
}

func (h readable) WithGroup(name string) slog.Handler {
	return readable{h.Handler.WithGroup(name)}
}

// isReadable reports whether appendReadable changes a: a duration, or an
// error with a key.
func isReadable(a slog.Attr) bool {
	switch a.Value.Kind() {
	case slog.KindDuration:
		return true
	case slog.KindAny:
		_, ok := a.Value.Any().(error)
		return ok && a.Key != ""
	}
	return false
}

// appendReadable appends a to dst as readable hands it to otelslog: a
// duration as its String, an error with a key as its message under that
// key, followed by the error itself.
func appendReadable(dst []slog.Attr, a slog.Attr) []slog.Attr {
	switch a.Value.Kind() {
	case slog.KindDuration:
		return append(dst, slog.String(a.Key, a.Value.Duration().String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok && a.Key != "" {
			return append(dst, slog.String(a.Key, err.Error()), a)
		}
	}
	return append(dst, a)
}
