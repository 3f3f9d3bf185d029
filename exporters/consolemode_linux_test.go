package exporters

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otelstep/otelstep/internal/ptytest"
	"github.com/otelstep/otelstep/otelstep"
)

// TestConsoleAutoOnTerminal: with OTELSTEP_CONSOLE unset (auto) and an OTLP
// endpoint, a console writer that is a real pseudo-terminal shows the live
// status line, and the backend gets the trace.
func TestConsoleAutoOnTerminal(t *testing.T) {
	ptm, pts := ptytest.Open(t)
	var out syncBuffer
	go func() { _, _ = io.Copy(&out, ptm) }()
	sk := &sink{}
	srv := httptest.NewServer(sk)
	defer srv.Close()
	sinkEnv(t, srv.URL)
	t.Setenv("TERM", "xterm")
	t.Setenv("NO_COLOR", "1")

	ctx := context.Background()
	p, err := Setup(ctx, WithConsole(pts), WithGlobals(false))
	if err != nil {
		t.Fatal(err)
	}
	run := otelstep.NewRun("build", otelstep.WithTotalSteps(2), otelstep.WithTracerProvider(p.TracerProvider),
		otelstep.WithMeterProvider(p.MeterProvider), otelstep.WithLoggerProvider(p.LoggerProvider))
	sctx, st := run.Start(ctx, run.Logger("compile"))
	st.Info(sctx, "working")
	waitFor(t, "the status line", func() bool { return strings.Contains(out.String(), "build 0/2 steps") })
	st.End(nil)
	run.End(ctx)
	if err := shutdownWithin(t, p, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if sk.spans.Load() < 1 || sk.logs.Load() < 2 {
		t.Errorf("the backend got %d spans and %d records", sk.spans.Load(), sk.logs.Load())
	}
}
