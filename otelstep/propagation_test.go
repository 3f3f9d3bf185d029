package otelstep

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// localCaller is a step of this process with path, as the core puts it in
// a step's context.
func localCaller(run, id, path string) *caller {
	return &caller{run: run, id: id, path: path, local: true}
}

// extracted returns the caller Propagator().Extract finds in carrier, or nil.
func extracted(carrier propagation.TextMapCarrier) *caller {
	return callerFrom(Propagator().Extract(context.Background(), carrier))
}

func TestPropagatorRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ run, id, path string }{
		{"compile", "", "2"},
		{"compile", "job-7", "2"},
		{"deploy ü/日本;=%+&", "id with spaces; and = signs", "4.1.3"},
		{strings.Repeat("é", maxName/2), strings.Repeat("x", maxName), "1"},
		{"deep", "", strings.TrimSuffix(strings.Repeat("9.", maxPathDepth-1), ".")},
	} {
		t.Run(tc.run[:min(len(tc.run), 8)]+"/"+tc.path, func(t *testing.T) {
			t.Parallel()
			ctx := withCaller(context.Background(), localCaller(tc.run, tc.id, tc.path))
			for want := 1; want <= 3; want++ {
				carrier := propagation.MapCarrier{}
				Propagator().Inject(ctx, carrier)
				v := carrier[StepHeader]
				if v == "" {
					t.Fatalf("hand-out %d: no %s header in %v", want, StepHeader, carrier)
				}
				if len(v) > maxHeader {
					t.Errorf("header of %d bytes, bound %d", len(v), maxHeader)
				}
				got := extracted(carrier)
				if got == nil {
					t.Fatalf("hand-out %d: header %q not extracted", want, v)
				}
				wantPath := tc.path + "." + strconv.Itoa(want)
				if got.run != tc.run || got.id != tc.id || got.path != wantPath || got.local {
					t.Errorf("extracted run %q id %q path %q local %v from %q, want %q %q %q remote",
						got.run, got.id, got.path, got.local, v, tc.run, tc.id, wantPath)
				}
				// A remote caller's path is taken by one run, once.
				if p, ok := got.childPath(); !ok || p != wantPath {
					t.Errorf("first run under %q: path %q, %v; want %q", v, p, ok, wantPath)
				}
				if p, ok := got.childPath(); ok {
					t.Errorf("second run under %q took path %q too", v, p)
				}
			}
		})
	}
}

// TestPropagatorBesideTraceContext checks the header travels with the W3C
// trace context through an http.Header, as otelhttp carries it.
func TestPropagatorBesideTraceContext(t *testing.T) {
	t.Parallel()
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("test").Start(context.Background(), "Step 2: fan-out")
	defer span.End()
	ctx = withCaller(ctx, localCaller("compile", "", "2"))

	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, Propagator())
	if f := prop.Fields(); !slices.Contains(f, StepHeader) || !slices.Contains(f, "traceparent") {
		t.Errorf("Fields() = %v, want traceparent and %s", f, StepHeader)
	}
	h := http.Header{}
	prop.Inject(ctx, propagation.HeaderCarrier(h))
	if got, want := h.Get(StepHeader), "path=2.1;run=compile"; got != want {
		t.Errorf("%s = %q, want %q", StepHeader, got, want)
	}
	rctx := prop.Extract(context.Background(), propagation.HeaderCarrier(h))
	if got := trace.SpanContextFromContext(rctx); got.TraceID() != span.SpanContext().TraceID() || !got.IsRemote() {
		t.Errorf("trace context lost beside %s: %v", StepHeader, got)
	}
	if c := callerFrom(rctx); c == nil || c.path != "2.1" || c.run != "compile" {
		t.Errorf("caller after the composite: %+v", c)
	}
}

// TestPropagatorInjectsNothing covers the contexts that hand nothing out.
func TestPropagatorInjectsNothing(t *testing.T) {
	t.Parallel()
	remote, _ := parseHeader("path=2.1;run=compile")
	atMaxIndex := localCaller("compile", "", "2")
	atMaxIndex.kids.n.Store(maxIndex)
	for name, ctx := range map[string]context.Context{
		"no caller":          context.Background(),
		"nil ctx":            nil,
		"remote caller":      withCaller(context.Background(), remote),
		"name too long":      withCaller(context.Background(), localCaller(strings.Repeat("x", maxName+1), "", "2")),
		"id too long":        withCaller(context.Background(), localCaller("compile", strings.Repeat("x", maxName+1), "2")),
		"control char":       withCaller(context.Background(), localCaller("com\npile", "", "2")),
		"line separator":     withCaller(context.Background(), localCaller("com\u2028pile", "", "2")),
		"C1 control in id":   withCaller(context.Background(), localCaller("compile", "a\u0085b", "2")),
		"invalid UTF-8":      withCaller(context.Background(), localCaller("com\xffpile", "", "2")),
		"path at max depth":  withCaller(context.Background(), localCaller("compile", "", strings.TrimSuffix(strings.Repeat("1.", maxPathDepth), "."))),
		"child index at max": withCaller(context.Background(), atMaxIndex),
	} {
		carrier := propagation.MapCarrier{}
		Propagator().Inject(ctx, carrier)
		if len(carrier) != 0 {
			t.Errorf("%s: injected %v, want nothing", name, carrier)
		}
	}
	Propagator().Inject(withCaller(context.Background(), localCaller("compile", "", "2")), nil) // no panic
}

// hostileHeaders are malformed, oversized or hostile header values that
// Extract must ignore; the fuzz target starts from them too.
var hostileHeaders = []string{
	"",
	"path=2.1",                                       // no run
	"run=compile",                                    // no path
	"path=2;run=compile",                             // one level: not a hand-out
	"path=0.1;run=compile",                           // zero
	"path=2.01;run=compile",                          // leading zero
	"path=-2.1;run=compile",                          // sign
	"path=2..1;run=compile",                          // empty level
	"path=2.1.;run=compile",                          // trailing dot
	"path=2.1234567890;run=compile",                  // 10 digits
	"path=2.x;run=compile",                           // not a number
	"path=2.1;run=",                                  // empty name
	"path=2.1;run=compile;id=",                       // empty id
	"path=2.1;run=a;run=b",                           // a field twice
	"path=2.1;path=2.2;run=a",                        // a field twice
	"path=2.1;run=compile;",                          // empty field
	"path=2.1;;run=compile",                          // empty field
	"path=2.1;run",                                   // no '='
	"path=2.1;run=compile;Key=x",                     // bad key
	"path=2.1;run=compile;k\x00=x",                   // NUL
	"path=2.1;run=com%0Apile",                        // escaped newline
	"path=2.1;run=com%1Bpile",                        // escaped ESC
	"path=2.1;run=com%C2%85pile",                     // escaped C1 control (NEL)
	"path=2.1;run=com%E2%80%A8pile",                  // escaped line separator
	"path=2.1;run=com%FFpile",                        // invalid UTF-8
	"path=2.1;run=com%ZZpile",                        // bad escape
	"path=2.1;run=com%",                              // truncated escape
	"path=2.1;run=com pile",                          // raw space
	"path=2.1;run=compile\r\nx-evil: 1",              // header injection
	"path=2.1;run=ü",                                 // raw non-ASCII
	"path=2.1;run=" + strings.Repeat("x", maxName+1), // name past its bound
	"path=2.1;run=" + strings.Repeat("%C3%A9", maxName/2+1),                            // escaped name past its bound
	"path=2.1;run=compile;id=" + strings.Repeat("y", maxName+1),                        // id past its bound
	"path=" + strings.TrimSuffix(strings.Repeat("1.", maxPathDepth+1), ".") + ";run=a", // too deep
	"path=2.1;run=compile;x=" + strings.Repeat("z", maxHeader),                         // header past its bound
	strings.Repeat(";", 10000),
	strings.Repeat("path=2.1;", 1000) + "run=a",
}

func TestPropagatorIgnoresMalformed(t *testing.T) {
	t.Parallel()
	for _, v := range hostileHeaders {
		if c := extracted(propagation.MapCarrier{StepHeader: v}); c != nil {
			t.Errorf("header %q extracted as %+v, want it ignored", v[:min(len(v), 80)], c)
		}
	}
	// The same through an http.Header, and a header given twice.
	h := http.Header{}
	h.Add(StepHeader, "path=2.1;run=a")
	h.Add(StepHeader, "path=2.2;run=a")
	if c := extracted(propagation.HeaderCarrier(h)); c != nil {
		t.Errorf("a header given twice extracted as %+v, want it ignored", c)
	}
	// Unknown fields are kept for later versions: ignored, not fatal.
	if c := extracted(propagation.MapCarrier{StepHeader: "v2-thing=x;path=2.1;run=a;later=1"}); c == nil || c.path != "2.1" || c.run != "a" {
		t.Errorf("unknown fields: extracted %+v, want path 2.1 run a", c)
	}
	// A malformed header leaves a caller already in the context alone.
	outer := localCaller("outer", "", "7")
	ctx := Propagator().Extract(withCaller(context.Background(), outer), propagation.MapCarrier{StepHeader: "path=0;run=x"})
	if callerFrom(ctx) != outer {
		t.Errorf("a malformed header replaced the caller in the context")
	}
	if ctx := Propagator().Extract(nil, propagation.MapCarrier{StepHeader: "path=2.1;run=a"}); callerFrom(ctx) == nil { //nolint:staticcheck // nil ctx on purpose
		t.Errorf("nil ctx: the header was not extracted onto context.Background")
	}
	if ctx := Propagator().Extract(context.Background(), nil); callerFrom(ctx) != nil {
		t.Errorf("nil carrier: a caller appeared")
	}
}

// TestChildIndexesDistinct hands work out from one step in many goroutines
// at once, both by Inject and by in-process child runs: every path is new.
func TestChildIndexesDistinct(t *testing.T) {
	t.Parallel()
	const goroutines, each = 16, 2000
	c := localCaller("compile", "job-7", "3.1")
	ctx := withCaller(context.Background(), c)
	paths := make([][]string, goroutines)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			<-start
			for i := range each {
				if i%10 == 0 { // a hand-out to another process
					carrier := propagation.MapCarrier{}
					Propagator().Inject(ctx, carrier)
					if got := extracted(carrier); got != nil {
						paths[g] = append(paths[g], got.path)
					}
					continue
				}
				if p, ok := c.childPath(); ok { // a child run in this process
					paths[g] = append(paths[g], p)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	seen := map[string]bool{}
	var twice []string
	for _, ps := range paths {
		for _, p := range ps {
			if seen[p] {
				twice = append(twice, p)
			}
			seen[p] = true
		}
	}
	if len(twice) > 0 {
		t.Errorf("%d paths handed out twice, e.g. %v", len(twice), twice[:min(len(twice), 5)])
	}
	if len(seen) != goroutines*each {
		t.Errorf("%d distinct paths, want %d", len(seen), goroutines*each)
	}
	for i := 1; i <= goroutines*each; i++ {
		if p := fmt.Sprintf("3.1.%d", i); !seen[p] {
			t.Errorf("path %s never handed out: indexes are not 1..%d", p, goroutines*each)
			break
		}
	}
}
