package otelstep_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel"
)

func TestParseLevels(t *testing.T) {
	t.Parallel()
	const info, debug, errl = slog.LevelInfo, slog.LevelDebug, slog.LevelError
	tests := []struct {
		spec string
		want map[string]slog.Level // component -> level; "other" is unnamed
	}{
		{"", map[string]slog.Level{"parse": info, "other": info}},
		{"  ", map[string]slog.Level{"other": info}},
		{"+parse", map[string]slog.Level{"parse": debug, "other": info}},
		{"+parse,-codegen", map[string]slog.Level{"parse": debug, "codegen": errl, "other": info}},
		{" typecheck , -all ", map[string]slog.Level{"typecheck": info, "other": errl}},
		{"+all,-codegen", map[string]slog.Level{"codegen": errl, "other": debug}},
		{"-codegen,+all", map[string]slog.Level{"codegen": errl, "other": debug}},
		{"all", map[string]slog.Level{"other": info}},
		{"my-comp,pkg/sub,a.b:c_d", map[string]slog.Level{"my-comp": info, "pkg/sub": info, "a.b:c_d": info}},
		{"+parse,parse", map[string]slog.Level{"parse": info}},
	}
	for _, tt := range tests {
		l, err := otelstep.ParseLevels(tt.spec)
		if err != nil {
			t.Errorf("ParseLevels(%q): %v", tt.spec, err)
			continue
		}
		for comp, want := range tt.want {
			if got := l.Level(comp); got != want {
				t.Errorf("ParseLevels(%q).Level(%q) = %v, want %v", tt.spec, comp, got, want)
			}
		}
		if l.String() != tt.spec {
			t.Errorf("String() = %q, want %q", l.String(), tt.spec)
		}
	}
}

func TestParseLevelsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ spec, token string }{
		{"parse,,codegen", ""},
		{"parse,", ""},
		{"++parse", "++parse"},
		{"+-parse", "+-parse"},
		{"+", "+"},
		{"-", "-"},
		{"pa rse", "pa rse"},
		{"parse;codegen", "parse;codegen"},
		{"dynamo=debug", "dynamo=debug"},
		{"\xffbad", "\xffbad"},
	}
	for _, tt := range tests {
		_, err := otelstep.ParseLevels(tt.spec)
		var le *otelstep.LevelsError
		if !errors.As(err, &le) {
			t.Errorf("ParseLevels(%q) error = %v, want a *LevelsError", tt.spec, err)
			continue
		}
		if le.Token != tt.token {
			t.Errorf("ParseLevels(%q): token %q, want %q", tt.spec, le.Token, tt.token)
		}
		msg := err.Error()
		for _, want := range []string{"OTELSTEP_LOGS", "bad token", `"+name" (Debug)`, `"-name" (Error)`, `"all"`} {
			if !strings.Contains(msg, want) {
				t.Errorf("ParseLevels(%q) error %q lacks %q", tt.spec, msg, want)
			}
		}
	}
}

// errorHandler collects the errors given to the OTel error handler.
type errorHandler struct {
	mu   sync.Mutex
	errs []error
}

func (h *errorHandler) Handle(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, err)
}

func (h *errorHandler) all() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]error(nil), h.errs...)
}

// withErrorHandler installs h as the global OTel error handler for the test.
// The OTel global error handler can be replaced, so it is restored afterwards.
func withErrorHandler(t *testing.T) *errorHandler {
	h := &errorHandler{}
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(h)
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	return h
}

func TestEnvLevels(t *testing.T) {
	t.Setenv(otelstep.EnvLogs, "+parse,-codegen")
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	ctx := context.Background()
	run.Logger("parse").Debug("kept")
	run.Logger("codegen").Warn("dropped")
	run.Logger("codegen").Error("kept")
	if n := len(s.logs.all()); n != 2 {
		t.Errorf("got %d records, want 2", n)
	}
	// WithLevels wins over the environment.
	over := otelstep.NewRun("build", s.opts(otelstep.WithLevels("-parse"))...)
	if over.Logger("parse").Enabled(ctx, slog.LevelWarn) {
		t.Errorf("WithLevels did not override %s", otelstep.EnvLogs)
	}
	if !over.Logger("codegen").Enabled(ctx, slog.LevelInfo) {
		t.Errorf("codegen should be back to Info under WithLevels")
	}
}

func TestMalformedEnvKeepsValidTokens(t *testing.T) {
	spec := "+parse,,oops" + unique()
	t.Setenv(otelstep.EnvLogs, spec)
	h := withErrorHandler(t)
	s := newSDK(t)
	run := otelstep.NewRun("build", s.opts()...)
	if errs := h.all(); len(errs) != 0 {
		t.Fatalf("got %v through the OTel handler before the run's first use, want nothing yet", errs)
	}
	run.Logger("parse").Info("first use") // reports the malformed value, once
	run.StepLogger(context.Background(), nil)
	errs := h.all()
	if len(errs) != 1 {
		t.Fatalf("got %d errors through the OTel handler, want exactly 1: %v", len(errs), errs)
	}
	if msg := errs[0].Error(); !strings.Contains(msg, `OTELSTEP_LOGS="`+spec+`"`) {
		t.Errorf("error %q does not name the variable and value", msg)
	}
	ctx := context.Background()
	if !run.Logger("parse").Enabled(ctx, slog.LevelDebug) {
		t.Errorf("the valid token +parse of a malformed value was not applied")
	}
	if !run.Logger("other").Enabled(ctx, slog.LevelInfo) || run.Logger("other").Enabled(ctx, slog.LevelDebug) {
		t.Errorf("a component the spec does not name must log at Info")
	}
	if err := run.LevelsErr(); err == nil || !strings.Contains(err.Error(), `position 2`) {
		t.Errorf("LevelsErr() = %v, want the error of the empty token", err)
	}
	// The same value again, in another run: not reported again.
	otelstep.NewRun("build", s.opts()...)
	if n := len(h.all()); n != 1 {
		t.Errorf("the same malformed value was reported %d times, want once per process", n)
	}
}

// TestLevelsComponentNamedAll: "all" is every component, "%61ll" the
// component named "all".
func TestLevelsComponentNamedAll(t *testing.T) {
	t.Parallel()
	l, err := otelstep.ParseLevels("-all,+%61ll")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Level("all"); got != slog.LevelDebug {
		t.Errorf(`Level("all") = %v, want DEBUG`, got)
	}
	if got := l.Level("parse"); got != slog.LevelError {
		t.Errorf(`Level("parse") = %v, want ERROR (from -all)`, got)
	}
}
