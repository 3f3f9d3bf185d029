package exporters

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/otelstep/otelstep/internal/ptytest"
	"github.com/otelstep/otelstep/otelstep"
)

// TestConsoleWriterAboveStatusLine checks, on a real pseudo-terminal, that a
// line written through Providers.Console while a status line is drawn first
// erases the status line (carriage return, erase below) instead of being
// written into it, and that the status line comes back below it.
func TestConsoleWriterAboveStatusLine(t *testing.T) {
	ptm, pts := ptytest.Open(t)
	var out syncBuffer
	go func() { _, _ = io.Copy(&out, ptm) }()

	t.Setenv("TERM", "xterm")
	t.Setenv("NO_COLOR", "1")
	ctx := context.Background()
	p, err := Setup(ctx, testEnv(t, nil), WithConsole(pts), WithGlobals(false))
	if err != nil {
		t.Fatal(err)
	}
	run := otelstep.NewRun("build", otelstep.WithTotalSteps(2), otelstep.WithTracerProvider(p.TracerProvider),
		otelstep.WithMeterProvider(p.MeterProvider), otelstep.WithLoggerProvider(p.LoggerProvider))
	sctx, st := run.Start(ctx, run.Logger("compile"))
	st.Info(sctx, "working")
	waitFor(t, "the status line", func() bool { return strings.Contains(out.String(), "build 0/2 steps") })

	before := len(out.String())
	fmt.Fprintln(p.Console(), "app: a line of my own")
	waitFor(t, "the line", func() bool { return strings.Contains(out.String()[before:], "app: a line of my own") })
	time.Sleep(300 * time.Millisecond) // a redraw or two
	st.End(nil)
	run.End(ctx)
	sctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := p.Shutdown(sctx2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)

	got := out.String()[before:]
	t.Logf("output after the status line was drawn: %q", got)
	i := strings.Index(got, "app: a line of my own")
	if !strings.HasSuffix(got[:i], "\r\x1b[J") {
		t.Errorf("the line was not written after erasing the status line: %q", got[:i])
	}
	if !strings.Contains(got[i:], "build 0/2 steps") {
		t.Errorf("the status line was not drawn again below the line")
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
