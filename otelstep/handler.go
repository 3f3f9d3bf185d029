package otelstep

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/attribute"
)

// handler is the slog.Handler of a component logger: the component's level
// in front of the handler that writes (otelslog, fanned out with
// slog.NewMultiHandler to the run's local handler when there is one).
// Derived handlers keep the component.
type handler struct {
	comp  *component
	inner slog.Handler

	// direct is true for the component's own handler, with no local handler
	// and nothing added by WithAttrs or WithGroup: step messages can then
	// skip otelslog and go straight to the component's OTel logger.
	direct bool

	// spanAttrs are the attributes added with WithAttrs, as span attributes
	// (group names joined to keys with "."), for the steps taken with the
	// logger; group is the prefix of the groups opened with WithGroup.
	spanAttrs []attribute.KeyValue
	group     string
}

var _ slog.Handler = (*handler)(nil)

// Enabled reports whether the component's level lets level through and the
// handlers behind would write it.
func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.comp.minLevel() && h.inner.Enabled(ctx, level)
}

// Handle writes r. A slog.Logger calls it only after Enabled said yes: the
// component's level is not checked again.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	return h.inner.Handle(ctx, r)
}

// WithAttrs returns a handler of the same component whose handlers carry
// attrs.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.direct = false
	h2.inner = h.inner.WithAttrs(attrs)
	h2.spanAttrs = appendSpanAttrs(h.spanAttrs[:len(h.spanAttrs):len(h.spanAttrs)], h.group, attrs)
	return &h2
}

// WithGroup returns a handler of the same component whose handlers open group
// name.
func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.direct = false
	h2.inner = h.inner.WithGroup(name)
	h2.group = h.group + name + "."
	return &h2
}

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

// withSpanAttrs returns h with kvs added as slog attributes: how the handler
// of a logger of another run is carried over to this run's component.
func (h *handler) withSpanAttrs(kvs []attribute.KeyValue) *handler {
	if len(kvs) == 0 {
		return h
	}
	attrs := make([]slog.Attr, len(kvs))
	for i, kv := range kvs {
		attrs[i] = slog.Any(string(kv.Key), kv.Value.AsInterface())
	}
	return h.WithAttrs(attrs).(*handler)
}
