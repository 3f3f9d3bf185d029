package console_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rivo/uniseg"
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
	dir := t.TempDir()
	m := startDemo(t, dir, 120, 40, "-dir", dir, "-steps", "3")

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

// startDemo builds ttydemo and runs it with args in a tmux pane of
// width x height, in its own tmux server; the pane stays after the program
// exits, its last line "[exit N]".
func startDemo(t *testing.T, dir string, width, height int, args ...string) tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed: scripts/test.sh installs it, and CI must run this test")
		}
		t.Skip("tmux is not installed (scripts/test.sh installs it)")
	}
	if testing.Short() {
		t.Skip("builds a program")
	}
	bin := filepath.Join(dir, "ttydemo")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/cmd/ttydemo").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	m := tmux{t: t, sock: filepath.Join(dir, "tmux.sock")}
	// The shell keeps the pane after the program exits (remain-on-exit
	// would scroll the screen to print "Pane is dead").
	m.run(append([]string{"new-session", "-d", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height), "-s", "v",
		"env", "NO_COLOR=1", "TERM=xterm", "sh", "-c", `"$0" "$@"; echo "[exit $?]"; exec sleep 3600`,
		bin}, args...)...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", m.sock, "kill-server").Run() })
	return m
}

// wide is a run name of wide characters and more than half of 80 columns.
const wide = "部署 production-europe-west-cluster"

// wideRow matches a status row of the run named wide.
var wideRow = regexp.MustCompile(`^部署 production\S* \d/\d steps`)

// TestWideNameNoStaleRows runs a run named wide in an 80-column pane, with
// lines scrolling the screen: while it runs its status row is the last line
// and fits the width; after exit no status row is left, on screen or in the
// scrollback.
func TestWideNameNoStaleRows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := startDemo(t, dir, 80, 12, "-run", wide, "-steps", "4", "-delay", "400ms", "-lines", "8")
	sawRow := false
	eventually(t, "the end of the run", func() bool {
		lines := m.screen()
		last := lines[len(lines)-1]
		if wideRow.MatchString(last) {
			sawRow = true
			if w := uniseg.StringWidth(last); w > 79 {
				t.Errorf("status row of %d cells in 80 columns: %q", w, last)
			}
		}
		return last == "[exit 0]"
	})
	all := strings.Split(m.run("capture-pane", "-p", "-S", "-1000", "-t", "v"), "\n")
	if !sawRow {
		t.Errorf("no status row seen while the run ran")
	}
	if n := countMatches(all, wideRow); n > 0 {
		t.Errorf("%d stale status rows in the scrollback after exit:\n%s", n, strings.Join(all, "\n"))
	}
	if !slices.ContainsFunc(all, func(l string) bool { return strings.Contains(l, "INFO  "+wide+": done, 4/4 steps in ") }) {
		t.Errorf("no summary:\n%s", strings.Join(all, "\n"))
	}
}

// TestStatusAlwaysThere samples the pane every 50 ms while a run writes a
// line every 50 ms: from the first status row on (the first collection,
// one redraw interval after the run starts) to the summary, the status row
// is the last line in at least 95% of the samples (no flicker after each
// line).
func TestStatusAlwaysThere(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := startDemo(t, dir, 100, 20, "-run", wide, "-steps", "6", "-delay", "500ms", "-lines", "10")
	var samples, with int
	started := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		lines := m.screen()
		last := lines[len(lines)-1]
		if last == "[exit 0]" || strings.Contains(last, ": done, ") {
			break
		}
		if !started && !wideRow.MatchString(last) {
			continue // not started yet, or before the first collection
		}
		started = true
		samples++
		if wideRow.MatchString(last) {
			with++
		}
	}
	t.Logf("status row in %d of %d samples", with, samples)
	if samples < 20 {
		t.Fatalf("only %d samples while the run ran", samples)
	}
	if with*100 < samples*95 {
		t.Errorf("status row in %d of %d samples, want at least 95%%", with, samples)
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
