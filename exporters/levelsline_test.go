package exporters

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/otelstep/otelstep/otelstep"
)

// childEnv makes the test binary a small program for
// TestMalformedLevelsOneLine: "before" makes a run at package
// initialisation, as `var log = otelstep.GetLogger("db")` does, then calls
// Setup; "after" calls Setup, then makes a run.
const childEnv = "EXPORTERS_TEST_CHILD"

var initLogger = func() *slog.Logger {
	if os.Getenv(childEnv) != "before" {
		return nil
	}
	return otelstep.GetLogger("db")
}()

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		ctx := context.Background()
		p, err := Setup(ctx)
		if err != nil {
			panic(err)
		}
		if mode == "after" {
			initLogger = otelstep.NewRun("job").Logger("db")
		}
		initLogger.Info("connected")
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = p.Shutdown(sctx)
		return
	}
	os.Exit(m.Run())
}

// TestMalformedLevelsOneLine: a malformed OTELSTEP_LOGS with three bad
// tokens is one line on standard error, naming every bad token and giving
// the accepted syntax once, for a run made at package initialisation
// (before Setup) and for one made after Setup.
func TestMalformedLevelsOneLine(t *testing.T) {
	for _, mode := range []string{"before", "after"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = []string{childEnv + "=" + mode, otelstep.EnvLogs + "=+parse,,bad token,%zz"}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			var lines []string
			for l := range strings.SplitSeq(string(out), "\n") {
				if strings.Contains(l, otelstep.EnvLogs) {
					lines = append(lines, l)
				}
			}
			t.Logf("output:\n%s", out)
			if len(lines) != 1 {
				t.Fatalf("%d lines name %s, want 1", len(lines), otelstep.EnvLogs)
			}
			l := lines[0]
			if !strings.HasPrefix(l, "otelstep: ") {
				t.Errorf("the line is not the console's (Go's log prefix?): %s", l)
			}
			for _, want := range []string{`"" at position 2`, `"bad token" at position 3`, `"%zz" at position 4`} {
				if !strings.Contains(l, want) {
					t.Errorf("line lacks %s: %s", want, l)
				}
			}
			if strings.Count(l, "accepted") != 1 || strings.Contains(l, `\n`) {
				t.Errorf("want the accepted syntax once and no literal \\n: %s", l)
			}
			if !strings.Contains(string(out), "db: connected") {
				t.Errorf("the run's line is missing")
			}
		})
	}
}
