package otelstep

// SetLevels replaces the run's component levels with those of spec, in the
// syntax of [ParseLevels], while the run goes on: like torch's set_logs, it
// turns a component's Debug messages on or off in a running service. The
// whole table is replaced: a component spec does not name goes back to Info
// (or to what "all" says), and an empty spec restores the defaults. The
// [EnvLogs] variable is not read again.
//
// A malformed spec is returned as an error joining one [*LevelsError] (with
// Source [SourceSetLevels]) per bad token, and its valid tokens apply all
// the same; the error is not given to the OpenTelemetry error handler, since
// the caller has it. SetLevels is safe for concurrent use with logging: a
// message checks its component's level with one atomic load.
func (r *Run) SetLevels(spec string) error {
	l, err := parseLevels(spec, SourceSetLevels)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.levels.Store(&l)
	for _, c := range r.order {
		c.level.Store(int64(l.Level(c.name)))
	}
	return err
}

// LevelsErr returns the error of the level specification the run was made
// with, from [EnvLogs] or [WithLevels] (see [ParseLevels]), or nil when it
// was well-formed. The error also goes to the OpenTelemetry error handler,
// once per process for each distinct value; LevelsErr lets a caller that
// passed [WithLevels] fail fast instead:
//
//	run := otelstep.NewRun("deploy", otelstep.WithLevels(flagLogs))
//	if err := run.LevelsErr(); err != nil {
//		return err
//	}
func (r *Run) LevelsErr() error { return r.levelsErr }
