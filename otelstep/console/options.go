package console

import (
	"os"
	"time"
)

// Defaults of the options.
const (
	// DefaultRedrawInterval is the shortest time between two redraws of the
	// status lines on a terminal: at most 10 a second.
	DefaultRedrawInterval = 100 * time.Millisecond
	// DefaultProgressInterval is the shortest time between two plain
	// progress lines of one run when the writer is not a terminal.
	DefaultProgressInterval = 5 * time.Second
	// DefaultStatusLines is how many runs get a status line of their own;
	// the others are counted on one more line.
	DefaultStatusLines = 3
)

// Option configures a [View].
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	terminal, terminalSet bool
	color, colorSet       bool
	redraw                time.Duration
	progress              time.Duration
	statusLines           int
	width                 int
	getenv                func(string) string
}

func newConfig(opts []Option) config {
	c := config{
		redraw:      DefaultRedrawInterval,
		progress:    DefaultProgressInterval,
		statusLines: DefaultStatusLines,
		getenv:      os.Getenv,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithTerminal decides whether the view draws status lines with escape
// codes (true) or writes plain lines only (false), instead of finding out
// whether the writer is a terminal (an *os.File, or anything with an
// Fd() uintptr method, on a terminal) and TERM is not "dumb".
func WithTerminal(on bool) Option {
	return optionFunc(func(c *config) { c.terminal, c.terminalSet = on, true })
}

// WithColor decides whether a terminal view colours the level names, instead
// of doing so unless NO_COLOR is set to a non-empty value. A view that is not
// in terminal mode never colours.
func WithColor(on bool) Option {
	return optionFunc(func(c *config) { c.color, c.colorSet = on, true })
}

// WithRedrawInterval sets the shortest time between two redraws of the
// status lines on a terminal ([DefaultRedrawInterval]; values below 10 ms
// are raised to 10 ms). The metrics are collected at the same pace.
func WithRedrawInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.redraw = max(d, 10*time.Millisecond) })
}

// WithProgressInterval sets the shortest time between two plain progress
// lines of a run when the view is not in terminal mode
// ([DefaultProgressInterval]). Zero or less: no periodic line, only the one
// when a run ends. In that mode the view collects its metrics every
// progress interval or second, whichever is shorter (never more often than
// the redraw interval), so a run's end line comes within about a second.
func WithProgressInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.progress = d })
}

// WithStatusLines sets how many runs get a status line of their own on a
// terminal, the busiest first ([DefaultStatusLines]); the others are counted
// on one more line. Values below 1 are 1.
func WithStatusLines(n int) Option {
	return optionFunc(func(c *config) { c.statusLines = max(n, 1) })
}

// WithWidth sets the width, in columns, that status lines are cut to,
// instead of the terminal's (80 when unknown). Values below 20 are 20.
func WithWidth(cols int) Option {
	return optionFunc(func(c *config) { c.width = max(cols, 20) })
}
