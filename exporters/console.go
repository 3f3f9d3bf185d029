package exporters

import (
	"bytes"
	"io"
	"os"

	"github.com/otelstep/otelstep/otelstep/console"
)

// Console returns a writer for the program's own lines on the console: the
// [WithConsole] writer, os.Stderr by default. Write through it rather than
// to os.Stderr directly, so that a line never collides with the console
// view's status line on a terminal: each line is printed above the status
// line, which is drawn again below it.
//
// Every line written (a final newline is optional; a Write with several
// lines prints each) goes out whole, in one write, with its control
// characters escaped as the view escapes everything it prints (so a
// colour code shows as \x1b, and nothing can move the cursor). It does so
// whatever the exporters, also after [Providers.Shutdown] and with
// OTEL_SDK_DISABLED=true; for a nil p it returns os.Stderr. Safe for
// concurrent use; Write never fails.
//
//	fmt.Fprintf(p.Console(), "compiled %d files\n", n)
func (p *Providers) Console() io.Writer {
	if p == nil || p.console == nil {
		return os.Stderr
	}
	return consoleLines{p.console}
}

// consoleLines writes each line of a Write as one line of the view.
type consoleLines struct{ v *console.View }

func (w consoleLines) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i+1], b[i+1:]
		} else {
			b = nil
		}
		_, _ = w.v.Write(line)
	}
	return n, nil
}
