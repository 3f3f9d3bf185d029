package exporters

import (
	"io"

	"github.com/otelstep/otelstep/otelstep/console"
)

// newConsole returns the console view on w that the console branches of
// Setup wire in: its span and log exporters behind simple processors (the
// view writes synchronously: nothing is buffered, nothing lost), its metric
// reader, and its Write for Setup's own lines (export errors, the lost
// telemetry line), which then never collide with the status line. The view
// itself, terminal detection included, is package
// [github.com/otelstep/otelstep/otelstep/console].
func newConsole(w io.Writer) *console.View { return console.New(w) }
