package console_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/console"
)

// TestMarkersNotPrinted checks that the marker spans of a running step and
// of a running run, made for trace backends, print no line: the status line
// shows what runs.
func TestMarkersNotPrinted(t *testing.T) {
	for _, metrics := range []bool{true, false} {
		t.Run("metrics="+strconv.FormatBool(metrics), func(t *testing.T) { testMarkersNotPrinted(t, metrics) })
	}
}

// testMarkersNotPrinted is TestMarkersNotPrinted with or without the view's
// metrics (without them, the view reports a run from its run span).
func testMarkersNotPrinted(t *testing.T, metrics bool) {
	var buf syncBuffer
	p := newProviders(console.New(&buf))
	seen := tracetest.NewSpanRecorder()
	p.tp.RegisterSpanProcessor(seen)
	opts := p.opts(otelstep.WithLiveSteps(time.Millisecond))
	if !metrics {
		opts = append(opts, otelstep.WithMeterProvider(noop.NewMeterProvider()))
	}
	ctx, run := otelstep.Start(context.Background(), "deploy", opts...)
	_, s := run.Start(ctx, run.Logger("apply"))
	eventually(t, "both markers", func() bool {
		var names []string
		for _, sp := range seen.Ended() {
			names = append(names, sp.Name())
		}
		return slices.Contains(names, otelstep.LiveSpanName) && slices.Contains(names, otelstep.LiveRunSpanName)
	})
	s.End(nil)
	run.End(ctx)
	p.shutdown(t)
	got := buf.String()
	t.Logf("output:\n%s", got)
	for _, bad := range []string{otelstep.LiveSpanName, otelstep.LiveRunSpanName} {
		if strings.Contains(got, bad) {
			t.Errorf("output prints the marker %s", bad)
		}
	}
	if n := strings.Count(got, "deploy:"); n > 1 {
		t.Errorf("%d lines for the run, want at most one: a marker printed as the run", n)
	}
}
