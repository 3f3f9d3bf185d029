package exporters

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
)

// TestConsoleWriter checks Providers.Console: one line of the view per line
// written (a Write with several lines prints each, a missing final newline
// is added), control characters escaped, lines still printed after
// Shutdown, and a writer also with OTEL_SDK_DISABLED and for a nil p.
func TestConsoleWriter(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.Background()
	p, err := Setup(ctx, testEnv(t, nil), WithConsole(&buf), WithGlobals(false))
	if err != nil {
		t.Fatal(err)
	}
	w := p.Console()
	fmt.Fprintf(w, "app: %d steps\n", 4)
	n, err := w.Write([]byte("app: two\napp: lines\x1b[2J\n\napp: no newline"))
	if n != len("app: two\napp: lines\x1b[2J\n\napp: no newline") || err != nil {
		t.Errorf("Write = %d, %v", n, err)
	}
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(w, "app: after shutdown")
	want := "app: 4 steps\napp: two\napp: lines\\x1b[2J\n\napp: no newline\napp: after shutdown\n"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	buf.Reset()
	d, err := Setup(ctx, testEnv(t, map[string]string{"OTEL_SDK_DISABLED": "true"}), WithConsole(&buf), WithGlobals(false))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(d.Console(), "app: disabled\r")
	if err := d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "app: disabled\\r\n" {
		t.Errorf("disabled: got %q", got)
	}

	var nilP *Providers
	if nilP.Console() != os.Stderr {
		t.Errorf("nil Providers: Console is not os.Stderr")
	}
}

// TestErrorLimiterSpeaker checks that an error that is not an export error
// is printed as it is when it names who speaks ("otelstep: ..."), without
// Setup's prefix, and with "otel: " when it does not.
func TestErrorLimiterSpeaker(t *testing.T) {
	var lines []string
	l := newErrorLimiter(0, func(s string) { lines = append(lines, s) }, nil, func(s string) string { return s })
	l.Handle(fmt.Errorf(`otelstep: OTELSTEP_LOGS="bad token": bad token`))
	l.Handle(fmt.Errorf("context deadline exceeded"))
	l.Handle(fmt.Errorf(`a b: c`))
	want := []string{`otelstep: OTELSTEP_LOGS="bad token": bad token`, "otel: context deadline exceeded", "otel: a b: c"}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", lines, want)
	}
	l.close()
}

// TestJoinDistinct checks that a flush and a shutdown error of one signal
// make one line when one repeats the other.
func TestJoinDistinct(t *testing.T) {
	long := fmt.Errorf("context deadline exceeded: retry-able request failure")
	short := context.DeadlineExceeded
	for _, tc := range []struct {
		a, b error
		want string
	}{
		{long, short, long.Error()},
		{short, long, long.Error()},
		{short, short, short.Error()},
		{nil, short, short.Error()},
		{long, fmt.Errorf("closed"), long.Error() + "\nclosed"},
	} {
		if got := joinDistinct(tc.a, tc.b); got == nil || got.Error() != tc.want {
			t.Errorf("joinDistinct(%v, %v) = %v, want %q", tc.a, tc.b, got, tc.want)
		}
	}
	if joinDistinct(nil, nil) != nil {
		t.Errorf("joinDistinct(nil, nil) != nil")
	}
}
