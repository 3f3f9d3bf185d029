package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// consoleTmux is a tmux server of the test's own (its own socket) with one
// pane, "v", running a program in a real pseudo-terminal.
type consoleTmux struct {
	t    *testing.T
	sock string
}

// consoleTmuxStart runs bin with args and env in a tmux pane of width x
// height; the pane stays after the program exits, its last line "[exit N]".
// A missing tmux skips the test, or fails it when CI is set.
func consoleTmuxStart(t *testing.T, width, height int, env []string, bin string, args ...string) consoleTmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed: scripts/test.sh installs it, and CI must run this test")
		}
		t.Skip("tmux is not installed (scripts/test.sh installs it)")
	}
	m := consoleTmux{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	// The environment goes through env(1): tmux gives a new session the
	// server's environment, not the client's. baseEnv keeps the developer's
	// OTEL_* and OTELSTEP_* out, as for every process of the suite.
	cmd := []string{"new-session", "-d", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height), "-s", "v",
		"env", "-i"}
	cmd = append(cmd, baseEnv()...)
	cmd = append(cmd, "NO_COLOR=1", "TERM=xterm")
	cmd = append(cmd, env...)
	cmd = append(cmd, "sh", "-c", `"$0" "$@"; echo "[exit $?]"; exec sleep 3600`, bin)
	m.run(append(cmd, args...)...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", m.sock, "kill-server").Run() })
	return m
}

func (m consoleTmux) run(args ...string) string {
	m.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", m.sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		m.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen returns the pane's visible lines, trailing blank lines dropped.
func (m consoleTmux) screen() []string {
	m.t.Helper()
	return consoleTmuxLines(m.run("capture-pane", "-p", "-t", "v"))
}

// history returns the pane's scrollback and screen, wrapped lines joined.
func (m consoleTmux) history() []string {
	m.t.Helper()
	return consoleTmuxLines(m.run("capture-pane", "-p", "-J", "-S", "-2000", "-t", "v"))
}

func consoleTmuxLines(s string) []string {
	lines := strings.Split(strings.TrimRight(s, "\n "), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return lines
}
