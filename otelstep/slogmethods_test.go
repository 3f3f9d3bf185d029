package otelstep_test

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
)

// next returns the line after the caller's: the line of the call to test.
func next() int {
	_, _, line, _ := runtime.Caller(1)
	return line + 1
}

// TestSourceEveryEntryPoint checks that every way to write a step message
// records the caller's line, through the direct path (no local handler) and
// through otelslog and a local handler, and with the StepLogger methods on
// their fallback (the closure layout check failed) as well as their fast
// path.
func TestSourceEveryEntryPoint(t *testing.T) {
	for _, tc := range []struct{ local, fallback bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		local := tc.local
		t.Run("local="+strconv.FormatBool(local)+"/fallback="+strconv.FormatBool(tc.fallback), func(t *testing.T) {
			defer otelstep.SetStepOfFallback(tc.fallback)()
			s := newSDK(t)
			var src slog.Source
			opts := s.opts(otelstep.WithLevels("+all"))
			if local {
				opts = append(opts, otelstep.WithHandler(sourceHandler{dst: &src}))
			}
			run := otelstep.NewRun("src", opts...)
			ctx := context.Background()
			log := run.StepLogger(ctx, run.Logger("parse"))
			_, step := run.Start(ctx, run.Logger("parse"))
			defer step.End(nil)

			var want []int
			var locals []int
			keep := func() { locals = append(locals, src.Line) }
			want = append(want, next())
			log(ctx, slog.LevelInfo, "call")
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

// TestOtherStepLogger checks the methods of a StepLogger otelstep did not
// make: they call it.
func TestOtherStepLogger(t *testing.T) {
	var got []string
	l := otelstep.StepLogger(func(_ context.Context, level slog.Level, msg string, args ...any) {
		got = append(got, level.String()+" "+msg+" "+strconv.Itoa(len(args)))
	})
	ctx := context.Background()
	l.Info(ctx, "a", "k", 1)
	l.LogAttrs(ctx, slog.LevelWarn, "b", slog.Int("n", 1))
	if !l.Enabled(ctx, slog.LevelDebug) {
		t.Errorf("Enabled of another StepLogger = false, want true")
	}
	if want := "[INFO a 2 WARN b 1]"; slogString(got) != want {
		t.Errorf("calls = %v, want %v", got, want)
	}
	var nilLogger otelstep.StepLogger
	nilLogger.Info(ctx, "nothing")
	nilLogger.LogAttrs(ctx, slog.LevelInfo, "nothing")
	if nilLogger.Enabled(ctx, slog.LevelError) {
		t.Errorf("a nil StepLogger is enabled")
	}
	var nilStep *otelstep.Step
	nilStep.Info(ctx, "nothing")
	nilStep.End(nil)
	(&otelstep.Step{}).Info(ctx, "zero step")
	(&otelstep.Step{}).End(nil)
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
