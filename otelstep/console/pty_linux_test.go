package console_test

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/otelstep/otelstep/otelstep/console"
)

// openPty returns the terminal side of a new pseudo-terminal (Linux's
// /dev/ptmx), and closes both sides at the end of the test.
func openPty(t *testing.T) *os.File {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptm.Close() })
	fd := int(ptm.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	pts, err := os.OpenFile("/dev/pts/"+strconv.FormatUint(uint64(n), 10), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { pts.Close() })
	return pts
}

// TestTerminalDetection checks terminal mode on a real pseudo-terminal, and
// TERM=dumb turning it off; a regular file is never a terminal.
func TestTerminalDetection(t *testing.T) {
	pts := openPty(t)
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
