package console

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/term"
)

// View is the human view of otelstep's telemetry on one writer: one line per
// step message, one per ended step, and progress drawn from the metrics
// (see the package documentation). Make one with [New]; wire its exporters
// and reader into SDK providers; call [View.Shutdown] after the providers'
// Shutdown.
//
// A View is safe for concurrent use.
type View struct {
	w        io.Writer
	fd       uintptr // the writer's file descriptor, if hasFd
	hasFd    bool
	cfg      config
	terminal bool
	color    bool

	mu          sync.Mutex
	buf         []byte   // the lines being written, under mu
	out         []byte   // what is written in one Write, under mu
	tail        []byte   // a record's caller attributes, under mu
	strs        []string // their string values, under mu
	drawn       int      // status rows on screen; the cursor is at the end of the last
	status      []byte   // the status rows last rendered, without escape codes
	statusDirty bool     // status holds rows not drawn yet
	lastDraw    time.Time
	closed      bool
	logsOn      bool // LogExporter was asked for: otelstep.log span events repeat its lines

	runs     map[runKey]*runState
	seenRun  runKey
	haveRun  bool
	seenTID  trace.TraceID
	multiple bool // two runs or traces seen: lines carry a tag

	reader     *reader
	readerOnce sync.Once
	stop       chan struct{}
	loopDone   chan struct{}
	shutOnce   sync.Once
}

// New returns a view writing on w (io.Discard when nil).
//
// The view is in terminal mode, drawing status lines at the bottom, when w
// is a terminal (it has an Fd() uintptr method, as *os.File has, and that
// descriptor is a terminal) and TERM is not "dumb", unless [WithTerminal]
// decides. In terminal mode level names are coloured unless NO_COLOR is set
// (or [WithColor] decides). Otherwise the view writes plain lines and never
// an escape code.
func New(w io.Writer, opts ...Option) *View {
	if w == nil {
		w = io.Discard
	}
	v := &View{w: w, cfg: newConfig(opts), runs: make(map[runKey]*runState)}
	if f, ok := w.(interface{ Fd() uintptr }); ok {
		v.fd, v.hasFd = f.Fd(), true
	}
	if v.cfg.terminalSet {
		v.terminal = v.cfg.terminal
	} else {
		v.terminal = v.hasFd && v.cfg.getenv("TERM") != "dumb" && term.IsTerminal(int(v.fd))
	}
	if v.cfg.colorSet {
		v.color = v.cfg.color
	} else {
		v.color = v.cfg.getenv("NO_COLOR") == ""
	}
	v.color = v.color && v.terminal
	return v
}

// Terminal reports whether the view draws status lines with escape codes.
func (v *View) Terminal() bool { return v != nil && v.terminal }

// SpanExporter returns the exporter of the view's span lines, for a simple
// span processor: a step span is one line when it ends, with its duration
// and error; another span is one line with its duration, plus one line per
// event that no log record repeats.
func (v *View) SpanExporter() sdktrace.SpanExporter { return spanExporter{v} }

// LogExporter returns the exporter of the view's log lines, for a simple log
// processor: one line per record, except the step-start events
// (otelstep.step), which only update the status line.
func (v *View) LogExporter() sdklog.Exporter {
	v.mu.Lock()
	v.logsOn = true
	v.mu.Unlock()
	return logExporter{v}
}

// MetricReader returns the reader the view collects itself, about every
// redraw interval, for the status lines (terminal mode) or the progress
// lines (plain mode). Register it with one meter provider. Shutting it down
// (the provider's Shutdown) makes one last collection for the summaries
// [View.Shutdown] prints.
func (v *View) MetricReader() sdkmetric.Reader {
	v.readerOnce.Do(func() {
		v.reader = &reader{ManualReader: sdkmetric.NewManualReader(), v: v}
		v.stop = make(chan struct{})
		v.loopDone = make(chan struct{})
		go v.loop()
	})
	return v.reader
}

// Write writes p as one line (an export error, "lost N of M") above the
// status lines: a final newline is optional, and every other control
// character, newlines included, is escaped, so that an error text cannot
// forge a line. It never fails: n is len(p).
func (v *View) Write(p []byte) (int, error) {
	if v == nil || len(p) == 0 {
		return 0, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	b := appendEscaped(v.buf[:0], string(bytes.TrimSuffix(p, []byte{'\n'})), false)
	b = append(b, '\n')
	v.buf = b
	v.printLocked(b)
	return len(p), nil
}

// Shutdown stops the redraws, takes the last values the metric reader
// collected, writes one summary line per run not yet summarised and clears
// the status lines. Lines written afterwards (through [View.Write] or the
// exporters) are still printed. Call it after the meter provider's Shutdown
// so that the summaries have the final values; a second call does nothing.
func (v *View) Shutdown(ctx context.Context) error {
	if v == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	v.shutOnce.Do(func() {
		if v.stop != nil {
			close(v.stop)
			select {
			case <-v.loopDone:
			case <-ctx.Done():
			}
			v.refresh(context.Background(), true, false)
		}
		v.mu.Lock()
		v.closed = true
		v.eraseLocked()
		v.mu.Unlock()
	})
	return nil
}

// printLocked writes lines b above the status lines, in one write: it
// erases them, writes b and draws them again, as last rendered, so that
// the status never goes missing between two writes. Called with mu held.
func (v *View) printLocked(b []byte) {
	if len(b) == 0 {
		return
	}
	out := v.eraseSeq(v.out[:0])
	if len(out) > 0 {
		v.drawn = 0
		v.statusDirty = true
	}
	out = append(out, b...)
	if !v.closed {
		out = v.appendStatus(out) // in the same write: the row never goes missing
	}
	v.out = out
	_, _ = v.w.Write(out)
}

// eraseLocked clears the status rows and leaves the cursor at the start of
// the first one.
func (v *View) eraseLocked() {
	if out := v.eraseSeq(v.out[:0]); len(out) > 0 {
		v.out = out
		v.drawn = 0
		_, _ = v.w.Write(out)
	}
}

// drawLocked draws v.status over the current status rows.
func (v *View) drawLocked() {
	out := v.eraseSeq(v.out[:0])
	v.drawn = 0
	out = v.appendStatus(out)
	v.out = out
	if len(out) > 0 {
		_, _ = v.w.Write(out)
	}
}

// eraseSeq appends the escape codes that clear the status rows on screen
// and put the cursor at the start of the first one; nothing when none is.
func (v *View) eraseSeq(b []byte) []byte {
	if v.drawn == 0 {
		return b
	}
	b = append(b, '\r')
	if v.drawn > 1 {
		b = append(b, "\x1b["...)
		b = appendInt(b, int64(v.drawn-1))
		b = append(b, 'A')
	}
	return append(b, "\x1b[J"...)
}

// appendStatus appends the status rows (separated by '\n', no final
// newline: the cursor stays at the end of the last) and records them as
// drawn. Nothing outside terminal mode or after Shutdown. The screen must
// have no status rows (after eraseSeq).
func (v *View) appendStatus(b []byte) []byte {
	v.statusDirty = false
	v.lastDraw = time.Now()
	if !v.terminal || v.closed || len(v.status) == 0 {
		return b
	}
	v.drawn = bytes.Count(v.status, []byte{'\n'}) + 1
	return append(b, v.status...)
}

// width is the number of columns status rows are cut to.
func (v *View) width() int {
	if v.cfg.width > 0 {
		return v.cfg.width
	}
	if v.hasFd {
		if w, _, err := term.GetSize(int(v.fd)); err == nil && w >= 20 {
			return w
		}
	}
	return 80
}

// reader is the view's ManualReader; its Shutdown first makes the last
// collection.
type reader struct {
	*sdkmetric.ManualReader
	v *View
}

// Shutdown collects one last time, then shuts the reader down.
func (r *reader) Shutdown(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	r.v.refresh(ctx, false, true)
	return r.ManualReader.Shutdown(ctx)
}

// ForceFlush collects now: the status is up to date, and the values of the
// other scopes' metrics are printed.
func (r *reader) ForceFlush(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	r.v.refresh(ctx, false, true)
	return nil
}
