package otelstep_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
)

// unique returns a token no other test or run of this process uses, so that
// the once-per-process reporting of a malformed value is seen afresh.
func unique() string { return fmt.Sprintf("u%d", time.Now().UnixNano()) }

func TestSetLevels(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	h := withErrorHandler(t)
	run := otelstep.NewRun("svc", s.opts(otelstep.WithLevels(""))...)
	ctx := context.Background()
	db := run.Logger("db")
	log := run.StepLogger(ctx, db) // taken before the change
	_, step := run.Start(ctx, run.Logger("http"))

	log.Debug(ctx, "hidden")
	if err := run.SetLevels("+db,-http"); err != nil {
		t.Fatalf("SetLevels: %v", err)
	}
	log.Debug(ctx, "shown")
	step.Warn(ctx, "hidden")
	step.Error(ctx, "shown")
	if !db.Enabled(ctx, slog.LevelDebug) || !run.Logger("cache").Enabled(ctx, slog.LevelInfo) {
		t.Errorf("levels after SetLevels: db debug %v, new component info %v",
			db.Enabled(ctx, slog.LevelDebug), run.Logger("cache").Enabled(ctx, slog.LevelInfo))
	}
	if got := run.Levels().String(); got != "+db,-http" {
		t.Errorf("Levels() = %q after SetLevels", got)
	}

	// A partly malformed spec: the valid tokens apply, the error comes back
	// and is not given to the OTel error handler.
	err := run.SetLevels("-db,,+cache,bad token")
	var le *otelstep.LevelsError
	if !errors.As(err, &le) || le.Source != otelstep.SourceSetLevels {
		t.Fatalf("SetLevels error = %v, want a *LevelsError from SetLevels", err)
	}
	if !strings.Contains(err.Error(), `SetLevels("-db,,+cache,bad token")`) || !strings.Contains(err.Error(), `"bad token"`) {
		t.Errorf("error %q does not name its source and both bad tokens", err)
	}
	if db.Enabled(ctx, slog.LevelWarn) || !run.Logger("cache").Enabled(ctx, slog.LevelDebug) {
		t.Errorf("valid tokens of a partly malformed spec not applied")
	}
	if !step.Enabled(ctx, slog.LevelInfo) {
		t.Errorf("http not named any more: back to Info")
	}
	if errs := h.all(); len(errs) != 0 {
		t.Errorf("SetLevels errors went to the OTel handler: %v", errs)
	}
	// An empty spec restores the defaults.
	if err := run.SetLevels(""); err != nil || db.Enabled(ctx, slog.LevelDebug) || !db.Enabled(ctx, slog.LevelInfo) {
		t.Errorf("SetLevels(\"\") = %v; db debug %v", err, db.Enabled(ctx, slog.LevelDebug))
	}
	step.End(nil)

	if got, want := s.Bodies(), []string{"Step 1: shown", "Step 2: shown"}; slogString(got) != slogString(want) {
		t.Errorf("bodies = %q, want %q", got, want)
	}
}

func TestSetLevelsConcurrent(t *testing.T) {
	t.Parallel()
	run := otelstep.NewRun("svc", otelstep.WithHandler(slog.DiscardHandler))
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			log := run.StepLogger(ctx, run.Logger(fmt.Sprint("c", i%2)))
			for range 200 {
				log.Debug(ctx, "maybe")
				run.Logger(fmt.Sprint("n", i)).Debug("maybe")
			}
		})
	}
	for _, spec := range []string{"+all", "-c0", "", "+c1,-c0", "bad,,"} {
		_ = run.SetLevels(spec)
	}
	wg.Wait()
}

func TestWithLevelsErrors(t *testing.T) {
	t.Parallel()
	h := withErrorHandler(t)
	spec := "+ok," + unique() + " x"
	run := otelstep.NewRun("a", otelstep.WithLevels(spec))
	other := otelstep.NewRun("b", otelstep.WithLevels(spec))
	run.StepLogger(context.Background(), nil) // the first use of each reports, once a process
	other.Logger("c").Warn("used")
	err := run.LevelsErr()
	var le *otelstep.LevelsError
	if !errors.As(err, &le) || le.Source != otelstep.SourceWithLevels {
		t.Fatalf("LevelsErr() = %v, want a *LevelsError from WithLevels", err)
	}
	if !strings.Contains(err.Error(), "WithLevels(") || strings.Contains(err.Error(), "OTELSTEP_LOGS=") {
		t.Errorf("error %q is not labelled WithLevels", err)
	}
	errs := h.all()
	if len(errs) != 1 || errs[0].Error() != err.Error() {
		t.Errorf("OTel handler got %v, want the error once for two runs", errs)
	}
	if run.Levels().Level("ok") != slog.LevelDebug {
		t.Errorf("the valid token +ok was not applied")
	}
	if otelstep.NewRun("c", otelstep.WithLevels("+x")).LevelsErr() != nil {
		t.Errorf("LevelsErr of a valid spec is not nil")
	}
}

// TestEveryComponentNameExpressible checks that names the bare syntax cannot
// spell (spaces, commas, signs, other scripts) can be named.
func TestEveryComponentNameExpressible(t *testing.T) {
	t.Parallel()
	run := otelstep.NewRun("names", otelstep.WithLevels("+load%20users,-a%2Cb,+%2Dminus,+日本語,-ünïcode,+100%25"))
	if err := run.LevelsErr(); err != nil {
		t.Fatalf("LevelsErr() = %v", err)
	}
	for name, want := range map[string]slog.Level{
		"load users": slog.LevelDebug, "a,b": slog.LevelError, "-minus": slog.LevelDebug,
		"日本語": slog.LevelDebug, "ünïcode": slog.LevelError, "100%": slog.LevelDebug, "other": slog.LevelInfo,
	} {
		if got := run.Levels().Level(name); got != want {
			t.Errorf("Level(%q) = %v, want %v", name, got, want)
		}
	}
	_, err := otelstep.ParseLevels("load users")
	if err == nil || !strings.Contains(err.Error(), "%20") {
		t.Errorf("a name with a space: error %v, want one that says how to write it", err)
	}
}
