package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// asDemo makes the test binary the demo itself (TestMain runs main's run),
// so the tests below start real orchestrator and worker processes: the
// orchestrator starts os.Executable, this binary, as its workers, and they
// inherit the variable.
const asDemo = "OTELSTEP_TEST_AS_DEMO"

func TestMain(m *testing.M) {
	if os.Getenv(asDemo) == "1" {
		os.Exit(run())
	}
	os.Exit(m.Run())
}

// demoCmd is the test binary run as the demo with args, exporting nothing.
func demoCmd(ctx context.Context, t *testing.T, args ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), asDemo+"=1",
		"OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none", "OTEL_LOGS_EXPORTER=none")
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// TestWorkersOneTrace runs the demo with two worker processes: each
// worker's run answers from its own process (its own service.instance.id),
// in the orchestrator's trace, having taken its steps.
func TestWorkersOneTrace(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := demoCmd(ctx, t, "-workers", "2", "-delay", "1ms", "-json")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo -workers 2: %v\n%s", err, stderr.String())
	}
	var s summary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("demo -workers 2 -json: %v\n%s", err, stdout.String())
	}
	if len(s.Parts) != 2 {
		t.Fatalf("%d parts, want 2: %+v", len(s.Parts), s)
	}
	funcs := 0
	for i, p := range s.Parts {
		if p.TraceID != s.TraceID || len(p.TraceID) != 32 {
			t.Errorf("worker %d: trace %q, want the orchestrator's %q", i+1, p.TraceID, s.TraceID)
		}
		if p.Steps != len(workerSteps) || strings.Join(p.Components, ",") != strings.Join(workerSteps, ",") {
			t.Errorf("worker %d: %d steps %v, want %v", i+1, p.Steps, p.Components, workerSteps)
		}
		if p.Instance == "" || p.Instance == s.Instance {
			t.Errorf("worker %d: service.instance.id %q, want one of its own (orchestrator %q)", i+1, p.Instance, s.Instance)
		}
		for _, m := range p.Messages {
			if strings.Contains(m, "begin lowering") {
				funcs++
			}
		}
	}
	if s.Parts[0].Instance == s.Parts[1].Instance {
		t.Errorf("both workers are service.instance.id %q", s.Parts[0].Instance)
	}
	if funcs != 2 {
		t.Errorf("%d workers lowered, want 2", funcs)
	}
}

// TestWorkersDieWithOrchestrator kills the orchestrator (SIGKILL: no
// clean-up of its own runs) once its workers are up: they exit on their own,
// their stdin closed, and no orphan is left.
func TestWorkersDieWithOrchestrator(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("finds the workers in /proc")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := demoCmd(ctx, t, "-workers", "2", "-delay", "30s")
	// The console view: its first step line says the workers are up.
	cmd.Env = append(cmd.Env, "OTEL_TRACES_EXPORTER=console", "OTEL_METRICS_EXPORTER=console", "OTEL_LOGS_EXPORTER=console")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stderr)
	up := false
	for !up && sc.Scan() {
		up = strings.Contains(sc.Text(), "begin parsing") // after startWorkers returned
	}
	go func() { // keep the pipe drained
		for sc.Scan() {
		}
	}()
	workers := children(cmd.Process.Pid)
	if !up || len(workers) != 2 {
		t.Fatalf("orchestrator up %v, workers %v: want up, 2 workers", up, workers)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for _, pid := range workers {
		gone := false
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if !alive(pid) {
				gone = true
				break
			}
		}
		if !gone {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("worker pid %d still runs 20 s after its orchestrator was killed", pid)
		}
	}
}

// children returns the pids whose parent is ppid.
func children(ppid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		rest := string(b[bytes.LastIndexByte(b, ')')+1:])
		f := strings.Fields(rest)
		if len(f) > 2 && f[1] == strconv.Itoa(ppid) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, pid)
		}
	}
	return out
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}
