package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Binaries the tests run, built once per test process.
//
// Jaeger is the `tool` of this module; `go tool -n jaeger` builds it into (and
// afterwards reuses it from) the Go build cache. The first build takes several
// minutes: scripts that run the suite cold should run `go tool -n jaeger` first.
// OTELSTEP_JAEGER_BIN names a prebuilt binary instead, OTELSTEP_DEMO_BIN a
// prebuilt demo.

var (
	buildMu   sync.Mutex
	jaegerBin string
	demoBin   string
)

// e2eDir is this module's directory (go test runs in the package directory).
func e2eDir() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return wd
}

// repoRoot is the otelstep checkout: the parent of e2e/.
func repoRoot() string { return filepath.Dir(e2eDir()) }

// jaegerConfigPath is the shared config the compose stack mounts as well.
func jaegerConfigPath() string { return filepath.Join(repoRoot(), "deploy", "jaeger", "config.yaml") }

// buildJaeger returns the path of a Jaeger v2 binary.
func buildJaeger() (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	if jaegerBin != "" {
		return jaegerBin, nil
	}
	if p := os.Getenv("OTELSTEP_JAEGER_BIN"); p != "" {
		jaegerBin = p
		return p, nil
	}
	start := time.Now()
	logf("building Jaeger with `go tool -n jaeger` in %s (cached: seconds; cold: ~6 min, 2.4 GB)", e2eDir())
	out, errOut, err := runCmd(context.Background(), 15*time.Minute, e2eDir(), nil, "go", "tool", "-n", "jaeger")
	if err != nil {
		return "", fmt.Errorf("go tool -n jaeger: %w\n%s", err, errOut)
	}
	p := strings.TrimSpace(string(out))
	if fi, err := os.Stat(p); err != nil || fi.IsDir() {
		return "", fmt.Errorf("go tool -n jaeger printed %q, not a binary (%v)\n%s", p, err, errOut)
	}
	logf("jaeger binary %s (ready in %s)", p, time.Since(start).Round(time.Millisecond))
	jaegerBin = p
	return p, nil
}

// buildDemo builds ./examples/jaeger from the repo root into dir.
// OTELSTEP_DEMO_BIN names a prebuilt demo instead (a demo under development
// elsewhere).
func buildDemo(dir string) (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	if demoBin != "" {
		return demoBin, nil
	}
	if p := os.Getenv("OTELSTEP_DEMO_BIN"); p != "" {
		demoBin = p
		return p, nil
	}
	p := filepath.Join(dir, "demo")
	_, errOut, err := runCmd(context.Background(), 5*time.Minute, repoRoot(), nil, "go", "build", "-o", p, "./examples/jaeger")
	if err != nil {
		return "", fmt.Errorf("go build ./examples/jaeger: %w\n%s", err, errOut)
	}
	demoBin = p
	return p, nil
}

// logf prints harness progress to stderr (visible with and without -v).
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "e2e harness: "+format+"\n", args...)
}
