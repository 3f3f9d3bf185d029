package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestPrometheusProgress runs the demo once and reads its progress gauges back
// from Prometheus, which scrapes Jaeger's prometheus exporter: the run's
// final values must be steps == N and progress == steps/total (1), and the
// step duration histogram must count each component's step once.
func TestPrometheusProgress(t *testing.T) {
	j := needJaeger(t)
	p := needPrometheus(t, j)
	service := uniqueService(t, "prom")
	s := runDemoJSON(t, otlpEnv(j.OTLPEndpoint(), service))

	sel := fmt.Sprintf(`{job=%q, otelstep_run=%q}`, service, s.Run)
	check := func(metric, sel string, want float64) {
		t.Helper()
		q := metric + sel
		var last []promSample
		err := poll(pollTimeout, 250*time.Millisecond, func() error {
			var err error
			if last, err = p.query(context.Background(), q); err != nil {
				return err
			}
			if len(last) != 1 {
				return fmt.Errorf("%s: %d series, want 1: %v", q, len(last), last)
			}
			if last[0].Value != want {
				return fmt.Errorf("%s = %v, want %v", q, last[0].Value, want)
			}
			return nil
		})
		if err != nil {
			t.Errorf("Prometheus: %v", err)
			if all, qerr := p.query(context.Background(), `{__name__=~"otelstep_.*"}`); qerr == nil {
				t.Logf("otelstep series in Prometheus: %v", all)
			}
		}
	}
	check("otelstep_run_steps", sel, float64(s.Steps))
	check("otelstep_run_progress_ratio", sel, float64(s.Steps)/float64(s.Total))
	// Run.Start steps also feed the duration histogram: one ok step per component.
	for _, c := range s.Components {
		check("otelstep_step_duration_seconds_count",
			fmt.Sprintf(`{job=%q, otelstep_run=%q, otelstep_component=%q, otelstep_step_result="ok"}`, service, s.Run, c), 1)
	}
}
