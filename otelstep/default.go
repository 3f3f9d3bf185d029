package otelstep

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

var (
	defaultMu  sync.Mutex // serialises making the default run
	defaultRun atomic.Pointer[Run]
)

// Default returns the process-wide run, like the module globals of torch's
// logging. Unless [SetDefault] set one, it is made on first use, named after
// the program (filepath.Base(os.Args[0])), with the global OpenTelemetry
// providers: those set after the first use are honoured through the
// globals' delegation.
func Default() *Run {
	if r := defaultRun.Load(); r != nil {
		return r
	}
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if r := defaultRun.Load(); r != nil {
		return r
	}
	name := "otelstep"
	if len(os.Args) > 0 && os.Args[0] != "" {
		name = filepath.Base(os.Args[0])
	}
	r := NewRun(name)
	defaultRun.Store(r)
	return r
}

// SetDefault makes r the run of [Default] and of the package functions
// ([GetLogger], [GetLoggers], [GetStepLogger]), as [slog.SetDefault] does for
// slog. It is how a service configures the default run (providers, levels,
// total) and how it starts a fresh one, numbered from 1, for each job, as a
// new torch.compile does:
//
//	old := otelstep.Default()
//	otelstep.SetDefault(otelstep.NewRun("compile", otelstep.WithTotalSteps(3)))
//	old.End(ctx)
//
// SetDefault(nil) forgets the current run: the next Default makes a fresh
// one as on first use. SetDefault does not end the run it replaces; the
// caller does, when its steps are done. Loggers of the replaced run keep
// working: given to GetStepLogger, a logger counts as the new run's
// component of the same name.
func SetDefault(r *Run) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	defaultRun.Store(r)
}

// GetLogger returns the logger of component name of the [Default] run; see
// [Run.Logger].
func GetLogger(name string) *slog.Logger { return Default().Logger(name) }

// GetLoggers returns the component loggers of the [Default] run, in the
// order the components were first used. Unlike torch's get_loggers, which
// returns a fixed list of the components torch is responsible for, otelstep
// knows no components in advance: a component appears once something asked
// for its logger ([GetLogger], [Run.Logger]) or took a step with it. Ask for
// the loggers of a fixed list of components with GetLogger.
func GetLoggers() []*slog.Logger { return Default().Loggers() }

// GetStepLogger takes the next step of the [Default] run; see
// [Run.StepLogger].
func GetStepLogger(ctx context.Context, logger *slog.Logger, opts ...StepOption) StepLogger {
	return Default().StepLogger(ctx, logger, opts...)
}
