package otelstep

import "time"

// SetClock makes now the clock of r's progress estimates, elapsed gauge and
// running-step watcher, and restarts the run's pace from now(). Call it
// right after NewRun, before any step.
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
