package exporters

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel"
)

// DefaultErrorInterval is how often [Setup]'s error handler summarises
// repeated errors.
const DefaultErrorInterval = 30 * time.Second

// maxErrorKinds bounds the distinct kinds the limiter tracks; the rest
// share one.
const maxErrorKinds = 32

// errorLimiter is the global error handler Setup installs. The first error
// of each kind is reported at once; repeats are counted and summarised at
// most once per interval, and once more at Shutdown.
type errorLimiter struct {
	interval time.Duration
	write    func(string) // one line, without the newline
	user     otel.ErrorHandler
	redact   func(string) string
	now      func() time.Time

	mu     sync.Mutex
	kinds  map[string]*errorKind
	order  []*errorKind
	timer  *time.Timer
	closed bool
}

// errorKind is one kind of error: an export of one signal to one
// destination, or otherwise errors of the same text, numbers aside.
type errorKind struct {
	label string    // "traces to otlp http/protobuf http://…/v1/traces", or ""
	since time.Time // start of the current count
	count int       // repeats since
	last  string    // last repeat's message
}

// SummaryError is what a handler given to [WithErrorHandler] receives in
// place of repeated errors: how many more errors of one kind occurred since
// a time, and the last of them.
type SummaryError struct {
	Kind  string    // the signal and destination, or the first error's text
	Count int       // errors since Since, not counting the first one reported
	Since time.Time // when the counting started
	Last  string    // the last error's message
}

// Error says how many errors of one kind were counted, since when, and the
// last one.
func (e *SummaryError) Error() string {
	return fmt.Sprintf("exporters: %d more %s since %s (last: %s)", e.Count, e.Kind, e.Since.Format("15:04:05"), shorten(e.Last, 300))
}

func newErrorLimiter(interval time.Duration, write func(string), user otel.ErrorHandler, redact func(string) string) *errorLimiter {
	if interval <= 0 {
		interval = DefaultErrorInterval
	}
	return &errorLimiter{
		interval: interval,
		write:    write,
		user:     user,
		redact:   redact,
		now:      time.Now,
		kinds:    map[string]*errorKind{},
	}
}

var digits = regexp.MustCompile(`[0-9]+`)

// Handle implements otel.ErrorHandler. Exports abandoned at Shutdown's
// deadline are not reported: Shutdown's error and lost line say so.
func (l *errorLimiter) Handle(err error) {
	if err == nil || errors.Is(err, errCut) {
		return
	}
	msg := oneLine(l.redact(err.Error()))
	key, label := "", ""
	if ee := (*exportError)(nil); errors.As(err, &ee) {
		label = ee.signal + " to " + ee.target
		key = "export " + label
	} else {
		key = digits.ReplaceAllString(msg, "#")
	}

	l.mu.Lock()
	k := l.kinds[key]
	if k == nil && len(l.kinds) >= maxErrorKinds {
		key = "\x00other"
		k = l.kinds[key]
		if k == nil {
			k = &errorKind{label: "other errors", since: l.now()}
			l.kinds[key] = k
			l.order = append(l.order, k)
		}
	}
	if k != nil {
		k.count++
		k.last = msg
		if l.timer == nil && !l.closed {
			l.timer = time.AfterFunc(l.interval, l.tick)
		}
		l.mu.Unlock()
		return
	}
	k = &errorKind{label: label, since: l.now()}
	l.kinds[key] = k
	l.order = append(l.order, k)
	l.mu.Unlock()

	if l.user != nil {
		l.user.Handle(maskedError{msg: msg, err: err})
		return
	}
	if label != "" {
		l.write("exporters: " + label + ": export failed: " + msg + " (repeats are counted, summarised every " + l.interval.String() + ")")
	} else {
		// Not an export error (a malformed OTELSTEP_LOGS, another
		// library's complaint): its own text says who speaks, as
		// "otelstep: ..." does, else "otel: "; repeats are summarised too.
		if !hasSpeaker(msg) {
			msg = "otel: " + msg
		}
		l.write(msg)
	}
}

// oneLine returns msg, which may hold several lines (errors.Join), as one:
// its distinct non-empty lines joined by "; ".
func oneLine(msg string) string {
	if !strings.Contains(msg, "\n") {
		return msg
	}
	var lines []string
	for l := range strings.SplitSeq(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(lines, l) {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "; ")
}

// hasSpeaker reports whether msg starts with a "package: " prefix, one word
// before the first ": ".
func hasSpeaker(msg string) bool {
	i := strings.Index(msg, ": ")
	return i > 0 && i <= 40 && !strings.ContainsAny(msg[:i], " \t\"=")
}

// tick prints the summaries of the interval just ended.
func (l *errorLimiter) tick() {
	l.mu.Lock()
	l.timer = nil
	l.mu.Unlock()
	l.flush()
}

// flush reports every kind with repeats and resets its count.
func (l *errorLimiter) flush() {
	l.mu.Lock()
	var out []*SummaryError
	now := l.now()
	for _, k := range l.order {
		if k.count == 0 {
			continue
		}
		kind := k.label
		if kind == "" {
			kind = "like " + shorten(k.last, 120)
		} else {
			kind = "export errors for " + kind
		}
		out = append(out, &SummaryError{Kind: kind, Count: k.count, Since: k.since, Last: k.last})
		k.count, k.since = 0, now
	}
	l.mu.Unlock()
	for _, s := range out {
		if l.user != nil {
			l.user.Handle(s)
			continue
		}
		l.write(s.Error())
	}
}

// close prints the final summaries. Afterwards nothing is scheduled: the
// first error of a new kind is still printed, repeats are only counted.
func (l *errorLimiter) close() {
	l.mu.Lock()
	l.closed = true
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.mu.Unlock()
	l.flush()
}

// maskedError is an error as the limiter prints it, secrets masked, for a
// handler of the program's own; errors.Is and errors.As still see the
// error it masks.
type maskedError struct {
	msg string
	err error
}

func (e maskedError) Error() string { return e.msg }
func (e maskedError) Unwrap() error { return e.err }

// shorten cuts s to at most n bytes, on a character boundary.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
