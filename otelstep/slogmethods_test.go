package otelstep_test

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
)

// next returns the line after the caller's: the line of the call to test.
func next() int {
	_, _, line, _ := runtime.Caller(1)
	return line + 1
}

// TestSourceEveryEntryPoint checks that every way to write a step message
// records the caller's line, in the OTel record and in the local handler's:
// each method of StepLogger and Step, and torch's call form (the method
// value of Log). TestSourceLinesUnoptimised runs the same check in a
// program built with -gcflags=all=-N -l.
func TestSourceEveryEntryPoint(t *testing.T) {
	t.Parallel()
	for _, local := range []bool{false, true} {
		t.Run("local="+strconv.FormatBool(local), func(t *testing.T) {
			t.Parallel()
			s := newSDK(t)
			var src slog.Source
			opts := s.opts(otelstep.WithLevels("+all"))
			if local {
				opts = append(opts, otelstep.WithHandler(sourceHandler{dst: &src}))
			}
			run := otelstep.NewRun("src", opts...)
			ctx := context.Background()
			log := run.StepLogger(ctx, run.Logger("parse"))
			logf := log.Log // torch's call form
			_, step := run.Start(ctx, run.Logger("parse"))
			defer step.End(nil)

			var want []int
			var locals []int
			keep := func() { locals = append(locals, src.Line) }
			want = append(want, next())
			logf(ctx, slog.LevelInfo, "call")
			keep()
			want = append(want, next())
			log.Log(ctx, slog.LevelInfo, "Log")
			keep()
			want = append(want, next())
			log.Debug(ctx, "Debug")
			keep()
			want = append(want, next())
			log.Info(ctx, "Info")
			keep()
			want = append(want, next())
			log.Warn(ctx, "Warn")
			keep()
			want = append(want, next())
			log.Error(ctx, "Error")
			keep()
			want = append(want, next())
			log.LogAttrs(ctx, slog.LevelInfo, "LogAttrs", slog.Int("n", 1))
			keep()
			want = append(want, next())
			step.Log(ctx, slog.LevelInfo, "Step.Log")
			keep()
			want = append(want, next())
			step.Debug(ctx, "Step.Debug")
			keep()
			want = append(want, next())
			step.Info(ctx, "Step.Info")
			keep()
			want = append(want, next())
			step.Warn(ctx, "Step.Warn")
			keep()
			want = append(want, next())
			step.Error(ctx, "Step.Error")
			keep()
			want = append(want, next())
			step.LogAttrs(ctx, slog.LevelInfo, "Step.LogAttrs", slog.Int("n", 1))
			keep()

			_, file, _, _ := runtime.Caller(0)
			msgs := s.Messages()
			if len(msgs) != len(want) {
				t.Fatalf("%d messages, want %d", len(msgs), len(want))
			}
			for i, m := range msgs {
				if got := m.Attrs["code.line.number"]; got != strconv.Itoa(want[i]) {
					t.Errorf("%s: code.line.number = %s, want %d", m.Body, got, want[i])
				}
				if got := m.Attrs["code.file.path"]; got != file {
					t.Errorf("%s: code.file.path = %s, want %s", m.Body, got, file)
				}
				if local && locals[i] != want[i] {
					t.Errorf("%s: local handler's source line = %d, want %d", m.Body, locals[i], want[i])
				}
			}
		})
	}
}

// TestMethodLevels checks each method's level and the attributes of
// LogAttrs.
func TestMethodLevels(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	run := otelstep.NewRun("lv", s.opts(otelstep.WithLevels("+all"))...)
	ctx := context.Background()
	log := run.StepLogger(ctx, run.Logger("parse"))
	_, step := run.Start(ctx, run.Logger("parse"))
	log.Debug(ctx, "d")
	log.Info(ctx, "i")
	log.Warn(ctx, "w")
	log.Error(ctx, "e")
	log.LogAttrs(ctx, slog.LevelWarn+1, "a", slog.String("k", "v"), slog.Group("g", slog.Int("n", 2)))
	step.Debug(ctx, "d")
	step.Info(ctx, "i")
	step.Warn(ctx, "w")
	step.Error(ctx, "e")
	step.LogAttrs(ctx, slog.LevelWarn+1, "a", slog.String("k", "v"))
	step.End(nil)

	want := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelWarn + 1}
	msgs := s.Messages()
	if len(msgs) != 2*len(want) {
		t.Fatalf("%d messages, want %d", len(msgs), 2*len(want))
	}
	for i, m := range msgs {
		if m.Level != want[i%len(want)] {
			t.Errorf("%s: level %v, want %v", m.Body, m.Level, want[i%len(want)])
		}
	}
	if got := msgs[4].Attrs["k"]; got != "v" {
		t.Errorf("LogAttrs attribute k = %q, want v (%v)", got, msgs[4].Attrs)
	}
	if got := msgs[4].Attrs["g"]; got == "" {
		t.Errorf("LogAttrs group lost: %v", msgs[4].Attrs)
	}
	if got := msgs[9].Attrs["k"]; got != "v" {
		t.Errorf("Step.LogAttrs attribute k = %q, want v", got)
	}
}

func TestEnabled(t *testing.T) {
	t.Parallel()
	run := otelstep.NewRun("en", otelstep.WithLevels("+parse,-codegen"))
	ctx := context.Background()
	parse := run.StepLogger(ctx, run.Logger("parse"))
	codegen := run.StepLogger(ctx, run.Logger("codegen"))
	_, step := run.Start(ctx, run.Logger("link"))
	defer step.End(nil)
	for _, tt := range []struct {
		name    string
		enabled func(context.Context, slog.Level) bool
		level   slog.Level
		want    bool
	}{
		{"parse debug", parse.Enabled, slog.LevelDebug, true},
		{"codegen warn", codegen.Enabled, slog.LevelWarn, false},
		{"codegen error", codegen.Enabled, slog.LevelError, true},
		{"link debug", step.Enabled, slog.LevelDebug, false},
		{"link info", step.Enabled, slog.LevelInfo, true},
	} {
		if got := tt.enabled(ctx, tt.level); got != tt.want {
			t.Errorf("%s: Enabled = %v, want %v", tt.name, got, tt.want)
		}
	}
	// A foreign logger's own level decides.
	foreign := run.StepLogger(ctx, slog.New(slog.NewTextHandler(nil, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if foreign.Enabled(ctx, slog.LevelInfo) || !foreign.Enabled(ctx, slog.LevelWarn) {
		t.Errorf("a foreign logger's Enabled must decide")
	}
}

// TestZeroValues calls every method of a zero StepLogger, a nil Step and a
// zero Step: each does nothing, and none panics.
func TestZeroValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var nilCtx context.Context
	var l otelstep.StepLogger
	var nilStep *otelstep.Step
	zeroStep := &otelstep.Step{}
	for _, c := range []context.Context{ctx, nilCtx} {
		l.Log(c, slog.LevelError, "x", "k", 1)
		l.Debug(c, "x")
		l.Info(c, "x")
		l.Warn(c, "x")
		l.Error(c, "x")
		l.LogAttrs(c, slog.LevelError, "x", slog.Int("k", 1))
		if l.Enabled(c, slog.LevelError) {
			t.Errorf("a zero StepLogger is enabled")
		}
		for _, s := range []*otelstep.Step{nilStep, zeroStep} {
			s.Log(c, slog.LevelError, "x", "k", 1)
			s.Debug(c, "x")
			s.Info(c, "x")
			s.Warn(c, "x")
			s.Error(c, "x")
			s.LogAttrs(c, slog.LevelError, "x", slog.Int("k", 1))
			if s.Enabled(c, slog.LevelError) {
				t.Errorf("a nil or zero Step is enabled")
			}
			s.Progress(c, 1, 2)
			if s.Number() != 0 {
				t.Errorf("Number of a nil or zero Step = %d", s.Number())
			}
			if s.Span().IsRecording() || s.Span().SpanContext().IsValid() {
				t.Errorf("Span of a nil or zero Step is a real span")
			}
			s.End(errors.New("x"))
			s.End(nil)
		}
	}
}

func slogString(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

// TestSourceLinesUnoptimised builds testdata/srcline with optimisations and
// inlining off (-gcflags=all=-N -l), where every frame is a real one, and
// runs it: each entry point must still record its caller's line.
func TestSourceLinesUnoptimised(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build testdata/srcline: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "run", "-gcflags=all=-N -l", "./testdata/srcline").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Errorf("srcline built with -N -l: %v\n%s", err, out)
	}
}
