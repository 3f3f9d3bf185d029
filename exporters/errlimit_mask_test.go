package exporters

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
)

// TestErrorHandlerGetsMaskedErrors: a handler of the program's own sees an
// error as the console would print it, its secret masked, and errors.Is
// still finds what it wraps.
func TestErrorHandlerGetsMaskedErrors(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []error
	user := otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		got = append(got, err)
		mu.Unlock()
	})
	redact := func(s string) string { return strings.ReplaceAll(s, "PWSECRET", "<redacted>") }
	l := newErrorLimiter(time.Hour, func(string) {}, user, redact)
	l.Handle(fmt.Errorf("post http://u:PWSECRET@collector:4318: %w", context.DeadlineExceeded))
	l.close()
	if len(got) != 1 {
		t.Fatalf("%d errors handed on, want 1", len(got))
	}
	if strings.Contains(got[0].Error(), "PWSECRET") || !strings.Contains(got[0].Error(), "<redacted>") {
		t.Errorf("handler got %q, want the secret masked", got[0])
	}
	if !errors.Is(got[0], context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false, want true", got[0])
	}
}

// TestErrorLimiterClosedSchedulesNothing: after Shutdown's close, a repeated
// error starts no timer that would write later.
func TestErrorLimiterClosedSchedulesNothing(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines []string
	l := newErrorLimiter(time.Millisecond, func(s string) {
		mu.Lock()
		lines = append(lines, s)
		mu.Unlock()
	}, nil, func(s string) string { return s })
	l.close()
	for range 3 {
		l.Handle(errors.New("late error"))
	}
	l.mu.Lock()
	timer := l.timer
	l.mu.Unlock()
	if timer != nil {
		t.Error("a repeat after close scheduled a summary")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 1 {
		t.Errorf("lines after close = %q, want the first error alone", lines)
	}
}
