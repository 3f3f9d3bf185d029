package otelstep

import (
	"context"
	"errors"
	"log/slog"
)

// handler is the slog.Handler of a component logger. It applies the
// component's level, then writes to the otelslog handler and to the run's
// local handler, if any. Derived handlers keep the component.
type handler struct {
	comp  *component
	otel  slog.Handler
	local slog.Handler // nil without WithHandler

	// direct is true for the component's own handler, with no local handler
	// and nothing added by WithAttrs or WithGroup: step messages can then
	// skip otelslog and go straight to the component's OTel logger.
	direct bool
}

var _ slog.Handler = (*handler)(nil)

// Enabled reports whether the component's level lets level through and one
// of the handlers would write it.
func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	if level < h.comp.level {
		return false
	}
	return h.otel.Enabled(ctx, level) || (h.local != nil && h.local.Enabled(ctx, level))
}

// Handle writes r to each handler that is enabled for its level.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.comp.level {
		return nil
	}
	var errOTel, errLocal error
	if h.otel.Enabled(ctx, r.Level) {
		errOTel = h.otel.Handle(ctx, r)
	}
	if h.local != nil && h.local.Enabled(ctx, r.Level) {
		errLocal = h.local.Handle(ctx, r)
	}
	return errors.Join(errOTel, errLocal)
}

// WithAttrs returns a handler of the same component whose handlers carry attrs.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.direct = false
	h2.otel = h.otel.WithAttrs(attrs)
	if h.local != nil {
		h2.local = h.local.WithAttrs(attrs)
	}
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
	h2.otel = h.otel.WithGroup(name)
	if h.local != nil {
		h2.local = h.local.WithGroup(name)
	}
	return &h2
}
