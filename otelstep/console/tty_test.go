package console_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// tmux runs tmux on the test's own server socket.
type tmux struct {
	t    *testing.T
	sock string
}

func (m tmux) run(args ...string) string {
	m.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", m.sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		m.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen returns the pane's visible lines, trailing blank lines dropped.
func (m tmux) screen() []string {
	m.t.Helper()
	lines := strings.Split(strings.TrimRight(m.run("capture-pane", "-p", "-t", "v"), "\n "), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return lines
}

// status matches a status row: run, n/total, the bar, the percent.
var status = regexp.MustCompile(`^ttydemo (\d)/3 steps \[[=> ]{20}\] +(\d+)%`)

// TestTerminal drives the view through a real pseudo-terminal (a tmux pane
// of 120x40): while a step runs, the status row is the pane's last line,
// with n/total and a percent; it moves when the step ends; the log lines
// scroll above it; after exit it is gone and the summary is left.
func TestTerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed: scripts/test.sh installs it, and CI must run this test")
		}
		t.Skip("tmux is not installed (scripts/test.sh installs it)")
	}
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ttydemo")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/cmd/ttydemo").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	m := tmux{t: t, sock: filepath.Join(dir, "tmux.sock")}
	// The shell keeps the pane after the program exits (remain-on-exit
	// would scroll the screen to print "Pane is dead").
	m.run("new-session", "-d", "-x", "120", "-y", "40", "-s", "v",
		"env", "NO_COLOR=1", "TERM=xterm", "sh", "-c", `"$0" "$@"; echo "[exit $?]"; exec sleep 3600`,
		bin, "-dir", dir, "-steps", "3")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", m.sock, "kill-server").Run() })

	var last []string
	find := func(what string, cond func(lines []string) bool) []string {
		t.Helper()
		eventually(t, what, func() bool {
			last = m.screen()
			return cond(last)
		})
		return last
	}
	defer func() {
		if t.Failed() {
			t.Logf("last screen:\n%s", strings.Join(last, "\n"))
			t.Logf("with history:\n%s", m.run("capture-pane", "-p", "-S", "-100", "-t", "v"))
			t.Logf("size: %s", m.run("display-message", "-p", "-t", "v", "#{pane_width}x#{pane_height} history #{history_size}"))
		}
	}()
	bottom := func(lines []string) []string { return status.FindStringSubmatch(lines[len(lines)-1]) }

	// Step 1 runs: its message line, then the status row at the bottom.
	// With the current component, its in-step progress (Step.Progress 1 of
	// 2) and the age of its open step.
	inStep := regexp.MustCompile(`, fetch 50% \d\S*s$`)
	lines := find("the status row of step 1", func(l []string) bool {
		return bottom(l) != nil && inStep.MatchString(l[len(l)-1])
	})
	first := bottom(lines)
	if !strings.Contains(strings.Join(lines, "\n"), "fetch: Step 1: working i=1") {
		t.Errorf("no message line above the status row")
	}

	// Steps 1 and 2 end: the row moves, the lines scroll above it.
	for i := 1; i <= 2; i++ {
		if err := os.WriteFile(filepath.Join(dir, "step"+strconv.Itoa(i)), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	lines = find("the status row of step 3", func(l []string) bool {
		got := bottom(l)
		return got != nil && got[1] != first[1] && strings.Contains(strings.Join(l, "\n"), "test: Step 3: working i=3")
	})
	second := bottom(lines)
	if n1, _ := strconv.Atoi(first[2]); n1 >= mustAtoi(t, second[2]) {
		t.Errorf("percent did not grow: %s%% then %s%%", first[2], second[2])
	}
	if got := countMatches(lines, status); got != 1 {
		t.Errorf("%d status rows on screen, want 1", got)
	}

	// The run ends: the summary, and no status row left.
	if err := os.WriteFile(filepath.Join(dir, "step3"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	lines = find("the summary", func(l []string) bool {
		return strings.Contains(strings.Join(l, "\n"), "ttydemo: done, 3/3 steps in ") && l[len(l)-1] == "[exit 0]"
	})
	if got := countMatches(lines, status); got != 0 {
		t.Errorf("%d status rows left after exit", got)
	}
	for i, c := range []string{"fetch", "build", "test"} {
		msg := c + ": Step " + strconv.Itoa(i+1) + ": working"
		if got := countContains(lines, msg); got != 1 {
			t.Errorf("%q shown %d times, want 1", msg, got)
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func countMatches(lines []string, re *regexp.Regexp) (n int) {
	for _, l := range lines {
		if re.MatchString(l) {
			n++
		}
	}
	return n
}

func countContains(lines []string, s string) (n int) {
	for _, l := range lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}
