package otelstep

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// observeElapsed is the callback of the otelstep.step.elapsed gauge: at each
// collection, for every component of the run with a Run.Start step not yet
// ended, the age in seconds of the oldest such step. A component with no
// open step is not observed, so its series is gone from that collection on.
// Run.End unregisters the callback.
func (r *Run) observeElapsed(_ context.Context, o metric.Observer) error {
	now := r.lv.now()
	r.mu.RLock()
	var oldest map[*component]time.Time
	for s := range r.openSteps {
		if oldest == nil {
			oldest = make(map[*component]time.Time)
		}
		if t, ok := oldest[s.comp]; !ok || s.start.Before(t) {
			oldest[s.comp] = s.start
		}
	}
	r.mu.RUnlock()
	for c, t := range oldest {
		o.ObserveFloat64(r.ins.elapsed, max(now.Sub(t).Seconds(), 0), c.series.observe...)
	}
	return nil
}
