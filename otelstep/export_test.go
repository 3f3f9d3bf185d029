package otelstep

import "time"

// The seams of the tests: options and read-only probes, no package state.

// WithClock makes now the clock of the run's progress estimates, elapsed
// gauge, step and run spans and watcher from the moment it is made.
func WithClock(now func() time.Time) Option {
	return optFunc(func(c config) config {
		c.now = now
		return c
	})
}

// WithAsleep makes the run's watcher tell ch, without blocking, each time it
// goes to sleep.
func WithAsleep(ch chan<- struct{}) Option {
	return optFunc(func(c config) config {
		c.asleep = ch
		return c
	})
}

// Watching reports whether r's running-step watcher is running.
func Watching(r *Run) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.lv.watching
}

// Wake wakes r's running-step watcher, as its timer would.
func Wake(r *Run) { r.wakeWatcher() }

// Ended reports whether r has ended.
func Ended(r *Run) bool { return r.ended.Load() }
