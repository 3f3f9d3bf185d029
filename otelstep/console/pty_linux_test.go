package console_test

import (
	"os"
	"testing"

	"github.com/otelstep/otelstep/internal/ptytest"
	"github.com/otelstep/otelstep/otelstep/console"
)

// TestTerminalDetection checks terminal mode on a real pseudo-terminal, and
// TERM=dumb turning it off; a regular file is never a terminal.
func TestTerminalDetection(t *testing.T) {
	_, pts := ptytest.Open(t)
	t.Setenv("TERM", "xterm")
	if !console.New(pts).Terminal() {
		t.Errorf("a pseudo-terminal is not in terminal mode")
	}
	t.Setenv("TERM", "dumb")
	if console.New(pts).Terminal() {
		t.Errorf("TERM=dumb still in terminal mode")
	}
	if !console.New(pts, console.WithTerminal(true)).Terminal() {
		t.Errorf("WithTerminal(true) ignored")
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Setenv("TERM", "xterm")
	if console.New(f).Terminal() {
		t.Errorf("a regular file in terminal mode")
	}
}
