package otelstep

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// sevOffset maps slog levels to OTel severities, as otelslog does.
const sevOffset = slog.Level(otellog.SeverityDebug) - slog.LevelDebug

// maxDirectArgs is the most caller attributes a record emitted directly can
// hold; more take the otelslog path.
const maxDirectArgs = 8

// directOn switches the direct emission off for the benchmark that shows
// what it saves, and for the test that pins it.
var directOn = true

// testHookDirect, when set (by tests), is called by every direct emission.
var testHookDirect func()

// emitDirect writes a step message straight to the component's OTel logger,
// with the same record otelslog would make, and reports whether it could.
// It can when the caller's attributes are all of the basic slog kinds and
// few enough; otherwise the caller takes the otelslog path. The caller
// checks that the step's handler is direct.
func (s numbered) emitDirect(ctx context.Context, level slog.Level, body string, pc uintptr, args []any, attrs []slog.Attr) bool {
	var buf [maxDirectArgs]attribute.KeyValue
	kvs, ok := directArgs(buf[:0], args)
	if ok {
		kvs, ok = directAttrs(kvs, attrs)
	}
	if !ok {
		return false
	}

	var rec otellog.Record
	rec.SetTimestamp(time.Now())
	rec.SetBody(attribute.StringValue(body))
	rec.SetSeverity(otellog.Severity(level + sevOffset))
	rec.SetSeverityText(level.String())
	if s.run.cfg.source {
		rec.AddAttributes(sourceAttrs(pc)...)
	}
	rec.AddAttributes(StepNumberKey.Int64(s.n), s.comp.attr)
	rec.AddAttributes(s.run.runAttrs...)
	rec.AddAttributes(kvs...)
	s.h.comp.events.Emit(ctx, rec)
	if testHookDirect != nil {
		testHookDirect()
	}
	return true
}

// sources caches the source attributes of each call site (pc → []attribute.KeyValue):
// a program has a bounded number of lines that log, and resolving a pc to
// its frame costs more than the rest of the record.
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

// directArgs appends the attributes of args, key-value pairs or slog.Attrs as
// slog.Logger takes them, to kvs. It reports false when an arg needs more
// than the basic conversions (a group, an error, any other value, an
// odd-length list) or there are too many.
func directArgs(kvs []attribute.KeyValue, args []any) ([]attribute.KeyValue, bool) {
	for len(args) > 0 {
		var a slog.Attr
		switch x := args[0].(type) {
		case string:
			if len(args) == 1 {
				return kvs, false // slog's !BADKEY: leave it to otelslog
			}
			a, args = slog.Any(x, args[1]), args[2:]
		case slog.Attr:
			a, args = x, args[1:]
		default:
			return kvs, false
		}
		var ok bool
		if kvs, ok = appendDirect(kvs, a); !ok {
			return kvs, false
		}
	}
	return kvs, true
}

// directAttrs is directArgs for slog.Attrs.
func directAttrs(kvs []attribute.KeyValue, attrs []slog.Attr) ([]attribute.KeyValue, bool) {
	for _, a := range attrs {
		var ok bool
		if kvs, ok = appendDirect(kvs, a); !ok {
			return kvs, false
		}
	}
	return kvs, true
}

// appendDirect appends a to kvs, and reports false when there is no room
// left, its key is empty or its value needs more than the basic
// conversions.
func appendDirect(kvs []attribute.KeyValue, a slog.Attr) ([]attribute.KeyValue, bool) {
	if len(kvs) == cap(kvs) || a.Key == "" {
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
		return attribute.Int64Value(v.Duration().Nanoseconds()), true
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
