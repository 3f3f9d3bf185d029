package otelstep

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel/propagation"
)

// StepHeader is the header (the carrier key) in which [Propagator] carries
// the calling step's identity, beside traceparent:
//
//	otelstep-step: path=2.1;run=compile;id=job-7
//
// path is the step path handed out to the callee: the calling step's path
// and a child index the caller allocated for this hand-out. run and id are
// the root run's name and id (id only when the run has one), escaped as in
// a URL query.
const StepHeader = "otelstep-step"

// Bounds of the [StepHeader] value; a value past any of them is ignored.
const (
	maxHeader    = 1024        // bytes of the header value
	maxName      = 128         // bytes of the run name or id, once unescaped
	maxPathDepth = 16          // levels of a step path
	maxIndex     = 999_999_999 // a step number or child index (9 digits)
)

// Propagator returns the propagator of the calling step's identity across
// processes, in the [StepHeader] header. Install it beside the W3C trace
// context (exporters.Setup does), so that otelhttp, otelgrpc and any code
// that injects and extracts with the global propagator carry it:
//
//	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
//		propagation.TraceContext{}, propagation.Baggage{}, otelstep.Propagator()))
//
// Inject writes the header when the context carries a step of this process:
// it allocates the step's next child index, so the callees of one step get
// distinct paths (2.1, 2.2, ...) without any coordination; an index is used
// once, even by a request that is retried, so paths may have gaps. A run
// whose name or id is longer than 128 bytes or holds a control character,
// or a path that would pass 16 levels, hands nothing out.
//
// Extract reads the header into the context, where [Start] finds it. A
// value that is not well formed is ignored as if absent: longer than 1024
// bytes, anything but printable ASCII, a path that is not 2 to 16
// dot-separated decimal numbers from 1 to 999999999 without leading zeros,
// a run name or id that is empty, longer than 128 bytes, not valid UTF-8 or
// holding a control character, a field given twice, or a header given
// twice. Unknown fields are ignored, for later versions.
//
// Unlike baggage, the header is meant for otelstep alone, and it carries no
// authority: it names a run and a place in it. A service reachable from
// callers that should not shape its runs strips the header at its edge, as
// it would traceparent.
func Propagator() propagation.TextMapPropagator { return stepPropagator{} }

// stepPropagator is the [Propagator].
type stepPropagator struct{}

var _ propagation.TextMapPropagator = stepPropagator{}

// Inject writes the header of a hand-out of the step in ctx, if any.
func (stepPropagator) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	if ctx == nil || carrier == nil {
		return
	}
	c := callerFrom(ctx)
	if c == nil {
		return
	}
	if v, ok := c.header(); ok {
		carrier.Set(StepHeader, v)
	}
}

// Extract returns ctx with the caller of the header, if it is well formed.
// A nil ctx is [context.Background].
func (stepPropagator) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if carrier == nil {
		return ctx
	}
	var v string
	if vg, ok := carrier.(propagation.ValuesGetter); ok {
		vs := vg.Values(StepHeader)
		if len(vs) != 1 {
			return ctx // absent, or ambiguous
		}
		v = vs[0]
	} else {
		v = carrier.Get(StepHeader)
	}
	c, ok := parseHeader(v)
	if !ok {
		return ctx
	}
	return withCaller(ctx, c)
}

// Fields returns [StepHeader].
func (stepPropagator) Fields() []string { return []string{StepHeader} }

// caller is the step that hands work out: what [Propagator] injects from
// and extracts into a context, and what [Start] reads to make a child run.
//
// A local caller is a step of this process (local is true): each hand-out
// takes its next child index. A remote caller was extracted from a header:
// its path is the one handed out to this process, taken by the first run
// started under it.
type caller struct {
	run   string // the root run's name
	id    string // the root run's id, "" when it has none
	path  string // local: the step's path, or with n its run's prefix; remote: the path handed out ("2.1")
	n     int64  // local: the step's number in a run with prefix path ("" for a root run); 0: path is whole
	local bool

	kids  childIndexes // local: the step's child indexes
	taken atomic.Bool  // remote: a run took path
}

// callerKey is the context key of the caller.
type callerKey struct{}

// withCaller returns ctx carrying c as the calling step.
func withCaller(ctx context.Context, c *caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// callerFrom returns the calling step ctx carries, or nil.
func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	return c
}

// stepPath returns the path of a local caller's step ("2", "2.1.3"), or
// the path a remote caller handed out. It is built when a step hands out,
// never for a step that does not.
func (c *caller) stepPath() string {
	switch {
	case c.n == 0:
		return c.path
	case c.path == "":
		return strconv.FormatInt(c.n, 10)
	}
	return c.path + "." + strconv.FormatInt(c.n, 10)
}

// levels returns the number of levels of stepPath.
func (c *caller) levels() int {
	switch {
	case c.n == 0:
		return strings.Count(c.path, ".") + 1
	case c.path == "":
		return 1
	}
	return strings.Count(c.path, ".") + 2
}

// childPath returns the path prefix of a run started under c, the part of
// "Step <path>.N" before ".N": a fresh child of a local step, or the path a
// remote caller handed out, the first time only. ok is false when c hands
// nothing out (any more): the run then numbers its steps on its own.
func (c *caller) childPath() (path string, ok bool) {
	if !c.local {
		if !c.taken.CompareAndSwap(false, true) {
			return "", false
		}
		return c.path, true
	}
	i, ok := c.nextChild()
	if !ok {
		return "", false
	}
	return c.stepPath() + "." + strconv.FormatUint(i, 10), true
}

// nextChild allocates the next child index of a local caller; ok is false
// when the child's path would pass the bounds.
func (c *caller) nextChild() (uint64, bool) {
	if c.levels()+1 > maxPathDepth {
		return 0, false
	}
	return c.kids.next()
}

// header returns the [StepHeader] value of the next hand-out of a local
// caller. A remote caller forwards nothing: one path handed to several
// callees would collide.
func (c *caller) header() (string, bool) {
	if !c.local || !validName(c.run) || (c.id != "" && !validName(c.id)) {
		return "", false
	}
	i, ok := c.nextChild()
	if !ok {
		return "", false
	}
	var buf [128]byte // one allocation, the string, for the usual header
	b := append(buf[:0], "path="...)
	if c.n == 0 || c.path != "" {
		b = append(b, c.path...)
		b = append(b, '.')
	}
	if c.n != 0 {
		b = strconv.AppendInt(b, c.n, 10)
		b = append(b, '.')
	}
	b = strconv.AppendUint(b, i, 10)
	b = append(b, ";run="...)
	b = append(b, url.QueryEscape(c.run)...)
	if c.id != "" {
		b = append(b, ";id="...)
		b = append(b, url.QueryEscape(c.id)...)
	}
	return string(b), true
}

// childIndexes allocates the child indexes of one step: 1, 2, 3, ...,
// each once, from any number of goroutines.
type childIndexes struct{ n atomic.Uint64 }

// next returns the next index; ok is false past maxIndex.
func (k *childIndexes) next() (i uint64, ok bool) {
	i = k.n.Add(1)
	return i, i <= maxIndex
}

// parseHeader returns the remote caller of a [StepHeader] value.
func parseHeader(v string) (*caller, bool) {
	if v == "" || len(v) > maxHeader {
		return nil, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return nil, false
		}
	}
	var c caller
	var seen [3]bool // path, run, id
	for field := range strings.SplitSeq(v, ";") {
		key, val, ok := strings.Cut(field, "=")
		if !ok || !validKey(key) {
			return nil, false
		}
		var err error
		switch key {
		case "path":
			if seen[0] || !validPath(val) {
				return nil, false
			}
			seen[0], c.path = true, val
		case "run":
			if seen[1] {
				return nil, false
			}
			seen[1] = true
			if c.run, err = url.QueryUnescape(val); err != nil || !validName(c.run) {
				return nil, false
			}
		case "id":
			if seen[2] {
				return nil, false
			}
			seen[2] = true
			if c.id, err = url.QueryUnescape(val); err != nil || !validName(c.id) {
				return nil, false
			}
		}
	}
	if !seen[0] || !seen[1] {
		return nil, false
	}
	return &c, true
}

// validKey reports whether k is a field name: 1 to 16 of [a-z0-9-].
func validKey(k string) bool {
	if k == "" || len(k) > 16 {
		return false
	}
	for i := 0; i < len(k); i++ {
		b := k[i]
		if (b < 'a' || b > 'z') && (b < '0' || b > '9') && b != '-' {
			return false
		}
	}
	return true
}

// validPath reports whether p is a hand-out path: 2 to maxPathDepth
// dot-separated numbers from 1 to maxIndex, without leading zeros.
func validPath(p string) bool {
	depth := 0
	for part := range strings.SplitSeq(p, ".") {
		depth++
		if depth > maxPathDepth || part == "" || len(part) > 9 || part[0] == '0' {
			return false
		}
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false
			}
		}
	}
	return depth >= 2
}

// validName reports whether s can name a run across processes: 1 to
// maxName bytes of valid UTF-8 without control characters or line and
// paragraph separators.
func validName(s string) bool {
	if s == "" || len(s) > maxName || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// stepCtx is the context a [Run.Start] step returns: the step span's
// context, which also answers for the caller the step hands work out as.
// It is part of the Step, so a step that hands nothing out pays no
// allocation for it.
type stepCtx struct {
	context.Context
	hand caller
}

// Value returns the step's caller for callerKey, and asks the span's
// context for any other key.
func (c *stepCtx) Value(key any) any {
	if _, ok := key.(callerKey); ok {
		return &c.hand
	}
	return c.Context.Value(key)
}
