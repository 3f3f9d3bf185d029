package otelstep

import "time"

// SetDirect switches the direct emission of step messages on or off, for
// the benchmark that shows what it saves and the test that pins it; the
// returned func restores the previous setting.
func SetDirect(on bool) (restore func()) {
	old := directOn
	directOn = on
	return func() { directOn = old }
}

// OnDirect makes f run at every direct emission until restore is called.
func OnDirect(f func()) (restore func()) {
	old := testHookDirect
	testHookDirect = f
	return func() { testHookDirect = old }
}

// SetClock makes now the clock of r's progress estimates, elapsed gauge and
// running-step watcher, and restarts the run's pace from now(). Call it
// right after NewRun, before any step; a run of Start has its watcher
// running already: give it WithClock instead.
func SetClock(r *Run, now func() time.Time) {
	r.lv.now = now
	r.lv.began = now()
}

// Watching reports whether r's running-step watcher is running.
func Watching(r *Run) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.lv.watching
}

// Asleep returns a channel told each time r's watcher goes to sleep. Call
// it right after NewRun, before any step.
func Asleep(r *Run) <-chan struct{} {
	r.lv.asleep = make(chan struct{}, 1)
	return r.lv.asleep
}

// Wake wakes r's running-step watcher, as its timer would.
func Wake(r *Run) {
	select {
	case r.lv.wake <- struct{}{}:
	default:
	}
}

// SetStepOfFallback makes the StepLogger methods take the fallback they
// take when the closure layout check fails at init (stepOf finds no step),
// when on is true; the returned func restores the check's result.
func SetStepOfFallback(on bool) (restore func()) {
	old := closureFn
	if on {
		closureFn = 0
	}
	return func() { closureFn = old }
}

// WithClock makes now the clock of the run's progress estimates, elapsed
// gauge, run span and watcher from the moment it is made: for a run of
// Start, whose watcher starts before SetClock could be called.
func WithClock(now func() time.Time) Option {
	return optFunc(func(c config) config {
		c.now = now
		return c
	})
}
