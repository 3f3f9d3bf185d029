package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// proc is a server process the harness started. It is stopped by its pid:
// SIGTERM, then SIGKILL after a grace period.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string // stdout and stderr of the process
	done    chan struct{}
	waitErr error
}

var (
	procsMu sync.Mutex
	procs   []*proc
)

// startProc starts a long-running server with its output in logDir/name.log.
// Every process started here is stopped by stopAllProcs (TestMain, signals),
// and, as a last resort, killed by the kernel when the test binary dies.
func startProc(logDir, name string, env []string, bin string, args ...string) (*proc, error) {
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(baseEnv(), env...)
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	procsMu.Lock()
	procs = append(procs, p)
	procsMu.Unlock()
	return p, nil
}

// exited reports whether the process has already ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process's pid, waits up to grace, then SIGKILLs.
func (p *proc) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(grace):
	}
	_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// tail returns the last n lines of the process's output.
func (p *proc) tail(n int) string { return tailFile(p.logPath, n) }

// stopAllProcs stops every process started by startProc, newest first.
func stopAllProcs() {
	procsMu.Lock()
	ps := procs
	procs = nil
	procsMu.Unlock()
	var wg sync.WaitGroup
	for i := len(ps) - 1; i >= 0; i-- {
		wg.Add(1)
		go func(p *proc) { defer wg.Done(); p.stop(10 * time.Second) }(ps[i])
	}
	wg.Wait()
}

// dumpOnFailure logs the tail of each process's output if t has failed.
func dumpOnFailure(t testing.TB, ps ...*proc) {
	t.Helper()
	if !t.Failed() {
		return
	}
	for _, p := range ps {
		if p == nil {
			continue
		}
		t.Logf("---- last lines of %s (%s) ----\n%s", p.name, p.logPath, p.tail(40))
	}
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// runCmd runs a short command to completion in dir, with a timeout, and
// returns its stdout and stderr.
func runCmd(ctx context.Context, timeout time.Duration, dir string, env []string, bin string, args ...string) (stdout, stderr []byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(baseEnv(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s %s: timed out after %s: %w", bin, strings.Join(args, " "), timeout, err)
	}
	return o.Bytes(), e.Bytes(), err
}

// baseEnv is this process's environment without OTEL_* and OTELSTEP_*
// variables, so a developer's shell settings never leak into the servers and
// the demo: each test sets exactly the variables it means.
func baseEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OTEL_") || strings.HasPrefix(kv, "OTELSTEP_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
