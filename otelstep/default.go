package otelstep

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

var (
	defaultOnce sync.Once
	defaultRun  *Run
)

// Default returns the process-wide run, like the module globals of torch's
// logging. It is made on first use, named after the program
// (filepath.Base(os.Args[0])), with the global OpenTelemetry providers: those
// set after the first use are honoured through the globals' delegation.
func Default() *Run {
	defaultOnce.Do(func() {
		name := "otelstep"
		if len(os.Args) > 0 && os.Args[0] != "" {
			name = filepath.Base(os.Args[0])
		}
		defaultRun = NewRun(name)
	})
	return defaultRun
}

// GetLoggers returns the component loggers of the [Default] run.
func GetLoggers() []*slog.Logger { return Default().Loggers() }

// GetStepLogger takes the next step of the [Default] run; see
// [Run.StepLogger].
func GetStepLogger(ctx context.Context, logger *slog.Logger) StepLogger {
	return Default().StepLogger(ctx, logger)
}
