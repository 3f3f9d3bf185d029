package otelstep

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Run is one execution of a multi-phase job: it numbers its steps, owns one
// logger per component and records its progress.
//
// A Run is safe for concurrent use. Two runs count their steps independently.
type Run struct {
	name      string
	cfg       config
	levels    atomic.Pointer[Levels] // replaced whole by SetLevels
	levelsErr error                  // of the spec the run was made with

	span    trace.Span // the run span of Start; nil for NewRun
	failMu  sync.Mutex
	failErr error // the first error given to Fail

	logBufs  eventBufs // of the LogEventName events
	stepBufs eventBufs // of the StepEventName events

	runAttrs     []attribute.KeyValue // otelstep.run (+ otelstep.run.id)
	runSlogAttrs []slog.Attr          // the same as slog attributes

	steps atomic.Int64
	ins   *instruments
	ended atomic.Bool

	mu         sync.RWMutex
	components map[string]*component
	order      []*component
	openSteps  map[*Step]struct{}

	lv liveRun // live progress: progress.go, live.go, elapsed.go
}

// NewRun returns a run named name. The name becomes the [RunKey] attribute of
// everything the run records; an empty name is replaced by
// [DefaultComponent].
//
// NewRun reads the component levels from the [EnvLogs] environment variable
// unless [WithLevels] is given. A malformed value is reported through the
// OpenTelemetry error handler ([otel.Handle]) the first time the process
// sees it, naming its source, and its valid tokens apply; [Run.LevelsErr]
// returns the error to a caller that wants it.
//
// The run owns no span: use [Start] for a run with a span of its own.
func NewRun(name string, opts ...Option) *Run {
	cfg := newConfig(opts)
	name = sanitize(name)
	r := &Run{
		name:         name,
		cfg:          cfg,
		runAttrs:     []attribute.KeyValue{RunKey.String(name)},
		runSlogAttrs: []slog.Attr{slog.String(string(RunKey), name)},
		components:   make(map[string]*component),
		openSteps:    make(map[*Step]struct{}),
	}
	if cfg.runID != "" {
		id := sanitize(cfg.runID)
		r.runAttrs = append(r.runAttrs, RunIDKey.String(id))
		r.runSlogAttrs = append(r.runSlogAttrs, slog.String(string(RunIDKey), id))
	}
	levels, err := loadLevels(cfg.levels)
	r.levels.Store(&levels)
	r.levelsErr = err
	r.ins = newInstruments(cfg.mp, !cfg.noProgress, attribute.NewSet(r.runAttrs...))
	r.initLive()
	return r
}

// tracer returns the tracer of the run's step spans, from the configured
// provider or the global one at call time.
func (r *Run) tracer() trace.Tracer {
	tp := r.cfg.tp
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return tp.Tracer(ScopeName, trace.WithInstrumentationVersion(Version))
}

// open records s as a step not yet ended, watches it and makes sure the
// elapsed gauge observes it (live.go, progress.go).
func (r *Run) open(s *Step) {
	r.mu.Lock()
	r.openSteps[s] = struct{}{}
	r.opened(s)
	r.mu.Unlock()
	r.registerElapsed()
}

// close forgets s as an open step.
func (r *Run) close(s *Step) {
	r.mu.Lock()
	delete(r.openSteps, s)
	r.mu.Unlock()
}

// loadLevels parses spec, or the environment when spec is nil, reporting a
// malformed value through the OpenTelemetry error handler once per process.
func loadLevels(spec *string) (Levels, error) {
	s, source := os.Getenv(EnvLogs), SourceEnv
	if spec != nil {
		s, source = *spec, SourceWithLevels
	}
	l, err := parseLevels(s, source)
	reportLevels(source, s, err)
	return l, err
}

// Name returns the run's name.
func (r *Run) Name() string { return r.name }

// Steps returns the number of steps taken so far.
func (r *Run) Steps() int { return int(r.steps.Load()) }

// ID returns the run id given with [WithRunID], or "".
func (r *Run) ID() string {
	if len(r.runAttrs) > 1 {
		return r.runAttrs[1].Value.AsString()
	}
	return ""
}

// Total returns the expected number of steps, or 0 when it is unknown: the
// value of [WithTotalSteps] or of the last [Run.SetTotal].
func (r *Run) Total() int { return r.totalSteps() }

// Levels returns the component levels in force for the run.
func (r *Run) Levels() Levels { return *r.levels.Load() }

// End marks the run as finished: it ends the steps from [Run.Start] still
// open with the result "abandoned", records the progress gauges one last time
// so that the final values are the last ones exported ([RemainingMetricName]
// 0), stops the run's [ElapsedMetricName] series and running-step markers,
// and takes the run out of [ActiveRunsMetricName]. It then ends the run span
// of [Start], with status Error when [Run.Fail] was called. End is
// idempotent. Steps taken after End are still numbered and logged, and
// their spans hang under the ended run span, but they change no gauge and
// get no marker span. A nil ctx is [context.Background].
//
// A run that took a [Run.Start] step stays registered with its meter
// provider, for the elapsed gauge, until End: end every run.
func (r *Run) End(ctx context.Context) {
	if !r.ended.CompareAndSwap(false, true) {
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	r.mu.RLock()
	open := make([]*Step, 0, len(r.openSteps))
	for s := range r.openSteps {
		open = append(open, s)
	}
	r.mu.RUnlock()
	for _, s := range open {
		s.end(resultAbandoned, nil)
	}
	r.endLive(ctx)
	r.endSpan()
}

// sanitize makes s a usable name: valid UTF-8 (OTLP rejects anything else)
// and not empty.
func sanitize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, string(utf8.RuneError))
	}
	if s == "" {
		return DefaultComponent
	}
	return s
}

// Logger returns the run's logger for component. Asking again for the same
// component returns the same logger. An empty component is
// [DefaultComponent].
//
// The logger writes to OpenTelemetry logs through otelslog, with the
// instrumentation scope named after the component, and to the run's local
// handler when [WithHandler] was given. Loggers derived from it with With or
// WithGroup keep the component.
func (r *Run) Logger(component string) *slog.Logger {
	return r.component(component).logger
}

// Loggers returns the run's component loggers in the order the components
// were first used.
func (r *Run) Loggers() []*slog.Logger {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*slog.Logger, len(r.order))
	for i, c := range r.order {
		out[i] = c.logger
	}
	return out
}
