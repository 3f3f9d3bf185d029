package otelstep

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
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
	// levelsSpec and levelsSource are that spec and where it came from;
	// levelsUnreported says its error is yet to be reported.
	levelsSpec, levelsSource string
	levelsUnreported         atomic.Bool

	span    trace.Span // the run span of Start; nil for NewRun
	failMu  sync.Mutex
	failErr error // the first error given to Fail

	logBufs  eventBufs // of the LogEventName events
	stepBufs eventBufs // of the StepEventName events

	runAttrs     []attribute.KeyValue // otelstep.run (+ otelstep.run.id, + otelstep.run.part)
	runSlogAttrs []slog.Attr          // the same as slog attributes

	steps atomic.Int64
	ins   *instruments
	ended atomic.Bool

	mu         sync.RWMutex
	components map[string]*component
	order      []*component
	openSteps  map[*Step]struct{}

	lv liveRun // live progress: progress.go, live.go, elapsed.go

	root string   // the otelstep.run value: name, or the root run's name for a part
	id   string   // the otelstep.run.id value, "" for none
	path string   // a part's path prefix ("4.1"): its steps are Step 4.1.N; "" for a root run
	sums *partSum // a part's sums of its series (metrics.go); guarded by ins.mu
}

// NewRun returns a run named name. The name becomes the [RunKey] attribute of
// everything the run records; an empty name is replaced by
// [DefaultComponent].
//
// NewRun reads the component levels from the [EnvLogs] environment variable
// unless [WithLevels] is given. A malformed value is reported through the
// OpenTelemetry error handler ([otel.Handle]) at the run's first step or
// component message, once per process and value, naming its source, and its
// valid tokens apply; [Run.LevelsErr] returns the error to a caller that
// wants it.
//
// The run owns no span: use [Start] for a run with a span of its own.
//
// NewRun takes no context, so it is never a part of another run; see
// [Start].
func NewRun(name string, opts ...Option) *Run {
	return newRun(name, opts, nil, "")
}

// newRun makes a run; a part of the run of caller c, with path prefix
// path, when c is not nil.
func newRun(name string, opts []Option, c *caller, path string) *Run {
	cfg := newConfig(opts)
	name = sanitize(name)
	r := &Run{
		name:       name,
		root:       name,
		cfg:        cfg,
		components: make(map[string]*component),
		openSteps:  make(map[*Step]struct{}),
	}
	if cfg.runID != "" {
		r.id = sanitize(cfg.runID)
	}
	if c != nil {
		r.root, r.id, r.path = c.run, c.id, path // the root's name and id win
	}
	r.runAttrs = []attribute.KeyValue{RunKey.String(r.root)}
	r.runSlogAttrs = []slog.Attr{slog.String(string(RunKey), r.root)}
	if r.id != "" {
		r.runAttrs = append(r.runAttrs, RunIDKey.String(r.id))
		r.runSlogAttrs = append(r.runSlogAttrs, slog.String(string(RunIDKey), r.id))
	}
	if c != nil {
		r.runAttrs = append(r.runAttrs, RunPartKey.String(name))
		r.runSlogAttrs = append(r.runSlogAttrs, slog.String(string(RunPartKey), name))
	}
	levels, err := r.loadLevels(cfg.levels)
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

// loadLevels parses spec, or the environment when spec is nil. A malformed
// value is reported when the run is first used (reportLevelsErr).
func (r *Run) loadLevels(spec *string) (Levels, error) {
	s, source := os.Getenv(EnvLogs), SourceEnv
	if spec != nil {
		s, source = *spec, SourceWithLevels
	}
	l, err := parseLevels(s, source)
	if err != nil {
		r.levelsSpec, r.levelsSource = s, source
		r.levelsUnreported.Store(true)
	}
	return l, err
}

// reportLevelsErr reports the error of the run's level specification
// through the OpenTelemetry error handler, once, at the run's first step or
// component message rather than when it is made: a run made at package
// initialisation (var log = otelstep.GetLogger("db")) then reports through
// the handler exporters.Setup installs, on its console, not through Go's log.
func (r *Run) reportLevelsErr() {
	if r.levelsUnreported.Load() && r.levelsUnreported.CompareAndSwap(true, false) {
		reportLevels(r.levelsSource, r.levelsSpec, r.levelsErr)
	}
}

// Name returns the run's name: its own, also for a part of another run
// (whose [RunKey] is the root run's name and whose own name is [RunPartKey]).
func (r *Run) Name() string { return r.name }

// Path returns the path under which a part of another run numbers its
// steps ("4.1" for Step 4.1.1, Step 4.1.2, ...), or "" for a run that is
// not a part of another.
func (r *Run) Path() string { return r.path }

// Steps returns the number of steps taken so far.
func (r *Run) Steps() int { return int(r.steps.Load()) }

// ID returns the run id given with [WithRunID], or ""; for a part of
// another run, the root run's id (or "").
func (r *Run) ID() string { return r.id }

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
// idempotent, and does nothing on a nil run (what [SetDefault] hands back
// when there was no default run). Steps taken after End are still numbered and logged, and
// their spans hang under the ended run span, but they change no gauge and
// get no marker span. A nil ctx is [context.Background].
//
// A run that took a [Run.Start] step stays registered with its meter
// provider, for the elapsed gauge, until End: end every run.
func (r *Run) End(ctx context.Context) {
	if r == nil || !r.ended.CompareAndSwap(false, true) {
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
// and not empty. It is not internal/utf8clean's String, which cleans what
// the exporters send: that package imports the SDK, which the core must not.
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

// Start makes a run, as [NewRun] does, that owns its trace: it starts a span
// named name (empty: [DefaultComponent]), a child of the span in ctx if
// there is one, with the attributes otelstep.run (and otelstep.run.id), and
// returns a context carrying it.
//
// The steps of the run and their events hang under the run span whenever
// the context given to [Run.Start], [Run.StepLogger] or a [StepLogger]
// message carries no span of its own (no valid span context); a context with
// a span keeps its span, so steps can hang under spans of the caller's.
//
// A run started with a context that carries a step of another run is a
// part of that run: a step of a [Run.Start] of this process, or a step of
// another process carried by [Propagator] (extracted by otelhttp or
// otelgrpc from the request). Its steps are numbered under the path the
// calling step handed out ("Step 4.1.2: msg" for step 2 of the first run
// handed out by step 4; [StepNumberKey] keeps 2, [StepPathKey] holds
// "4.1.2"); its spans, events, records and metrics carry the root run's
// name as [RunKey] (and its id as [RunIDKey]; the part's [WithRunID] is
// ignored), and its own name as [RunPartKey]. Its run span stays named
// name, a child of the span in ctx, with [StepPathKey] set to the path
// handed out. A header's path is taken by the first run started under it;
// a second one, a caller whose path would pass 16 levels, and a context
// without a caller make a run of its own, as [NewRun] does. The returned
// context hands nothing out itself: only the run's [Run.Start] steps do.
//
// [Run.End] ends the run span, with the run's total ([StepsTotalKey], the
// last [Run.SetTotal]'s) when known, and with status Error and the error
// recorded when the run learnt of a failure through [Run.Fail]. A run still running
// after the threshold of [WithLiveSteps] exports a [LiveRunSpanName] marker
// span, so that it can be found in a trace backend while it runs.
func Start(ctx context.Context, name string, opts ...Option) (context.Context, *Run) {
	if ctx == nil {
		ctx = context.Background()
	}
	var r *Run
	attrs := []trace.SpanStartOption(nil)
	if c := callerFrom(ctx); c != nil {
		if path, ok := c.childPath(); ok {
			r = newRun(name, opts, c, path)
			attrs = append(attrs, trace.WithAttributes(StepPathKey.String(path)))
		}
		ctx = withCaller(ctx, nil) // run-level calls hand nothing out of the caller
	}
	if r == nil {
		r = NewRun(name, opts...)
	}
	r.lv.runStart = r.lv.now()
	ctx, span := r.tracer().Start(ctx, r.name, append(attrs,
		trace.WithAttributes(r.runAttrs...), trace.WithTimestamp(r.lv.runStart))...)
	if r.path != "" {
		r.joinSums(span.SpanContext().TraceID())
	}
	r.mu.Lock()
	r.span = span
	r.openedRun()
	r.mu.Unlock()
	return ctx, r
}

// Span returns the run's span: the one [Start] started, or a non-recording
// span for a run made with [NewRun].
func (r *Run) Span() trace.Span {
	if r.span == nil {
		return trace.SpanFromContext(context.Background())
	}
	return r.span
}

// Fail records that the run failed with err: [Run.End] then sets the run
// span's status to Error with err's text and records err on it. The first
// error wins; a nil err is ignored, as is Fail after End. Fail is how the
// run learns of a failure: a step's error ([Step.End]) marks that step
// only, since a job may recover from it.
func (r *Run) Fail(err error) {
	if err == nil || r.ended.Load() {
		return
	}
	r.failMu.Lock()
	if r.failErr == nil {
		r.failErr = err
	}
	r.failMu.Unlock()
}

// Err returns the error given to the first [Run.Fail], or nil.
func (r *Run) Err() error {
	r.failMu.Lock()
	defer r.failMu.Unlock()
	return r.failErr
}

// spanOf returns the span a step or message given ctx goes to: the span in
// ctx when its span context is valid, else the run's span (a non-recording
// one for a run without).
func (r *Run) spanOf(ctx context.Context) trace.Span {
	span := trace.SpanFromContext(ctx)
	if r.span != nil && !span.SpanContext().IsValid() {
		return r.span
	}
	return span
}

// endSpan ends the run span, on the run's clock as its steps end, with the
// run's total when known (the last [Run.SetTotal]'s) and the run's failure
// if any.
func (r *Run) endSpan() {
	if r.span == nil {
		return
	}
	if t := r.totalSteps(); t > 0 {
		r.span.SetAttributes(StepsTotalKey.Int(t))
	}
	if err := r.Err(); err != nil {
		r.span.RecordError(err)
		r.span.SetStatus(codes.Error, err.Error())
	}
	r.span.End(trace.WithTimestamp(r.lv.now()))
}

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
// slog, and returns the run it replaced (nil when there was none). It is how
// a service configures the default run (providers, levels, total) and how
// it starts a fresh one, numbered from 1, for each job, as a new
// torch.compile does; the caller that replaced a run ends it, when its
// steps are done:
//
//	old := otelstep.SetDefault(otelstep.NewRun("compile", otelstep.WithTotalSteps(3)))
//	old.End(ctx)
//
// The swap is atomic: when jobs replace the default run at once, each run
// is handed back to exactly one of them. (Reading [Default] and then
// calling SetDefault is not: two jobs could both end the same run.)
//
// SetDefault(nil) forgets the current run: the next Default makes a fresh
// one as on first use. Loggers of a replaced run keep working: given to
// GetStepLogger, a logger counts as the new run's component of the same
// name.
func SetDefault(r *Run) (old *Run) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	return defaultRun.Swap(r)
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
func GetStepLogger(ctx context.Context, logger *slog.Logger) StepLogger {
	return Default().StepLogger(ctx, logger)
}
