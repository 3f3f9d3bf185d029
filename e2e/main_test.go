package e2e

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// The end-to-end suite runs the demo (examples/jaeger) against a real Jaeger v2
// built from this module's tool directive and started with
// deploy/jaeger/config.yaml, a real Prometheus (Debian package, found on PATH
// or in /usr/bin) and an in-test OTLP/HTTP logs receiver:
//
//	cd e2e && go test -race -count=1 -v ./...
//
// Every server listens on free 127.0.0.1 ports. The first Jaeger build takes
// minutes (see harness_build_test.go); OTELSTEP_JAEGER_BIN skips it. Without
// Prometheus its test is skipped, or fails when CI=true.

// workDir holds the binaries, configs and server logs of one test process.
var workDir string

// TestMain owns the servers the harness starts lazily (Jaeger, Prometheus,
// demo services): whatever happens, they are stopped by pid before exit, on
// SIGINT/SIGTERM too. If the test binary dies anyway, Pdeathsig kills them.
func TestMain(m *testing.M) {
	var err error
	workDir, err = os.MkdirTemp("", "otelstep-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		logf("got %v: stopping servers (their logs stay in %s)", s, workDir)
		stopAllProcs()
		os.Exit(1)
	}()

	code := run(m)
	if code != 0 {
		logf("tests failed; server logs kept in %s", workDir)
	} else {
		os.RemoveAll(workDir)
	}
	os.Exit(code)
}

func run(m *testing.M) int {
	defer stopAllProcs()
	defer func() {
		if jaegerS != nil {
			jaegerS.logs.Close()
		}
	}()
	return m.Run()
}
