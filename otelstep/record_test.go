package otelstep_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/otelstep/otelstep/otelstep"
)

// TestEventMessageTruncated checks that the log.message of a span event is
// cut at MaxEventMessage bytes, at a rune boundary, while the log record
// keeps the whole message.
func TestEventMessageTruncated(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx, run := otelstep.Start(context.Background(), "big", s.opts()...)
	// "Step 1: " is 8 bytes; a 3-byte rune straddles the limit.
	msg := strings.Repeat("x", otelstep.MaxEventMessage-8-1) + strings.Repeat("€", 10)
	run.StepLogger(ctx, run.Logger("c")).Info(ctx, msg)
	short := "short \xff message"
	run.StepLogger(ctx, run.Logger("c")).Info(ctx, short)
	run.End(ctx)

	ev := s.events(otelstep.LogEventName)
	if len(ev) != 2 {
		t.Fatalf("%d log events, want 2", len(ev))
	}
	got := eventAttrs(ev[0].Attributes)[otelstep.MessageKey].AsString()
	want := "Step 1: " + strings.Repeat("x", otelstep.MaxEventMessage-8-1)
	if got != want {
		t.Errorf("log.message is %d bytes, want %d (cut before the rune that straddles the limit)", len(got), len(want))
	}
	if !utf8.ValidString(got) {
		t.Errorf("log.message is not valid UTF-8")
	}
	if got := eventAttrs(ev[1].Attributes)[otelstep.MessageKey].AsString(); got != "Step 2: short \uFFFD message" {
		t.Errorf("short log.message = %q", got)
	}
	if bodies := s.Bodies(); len(bodies) != 2 || bodies[0] != "Step 1: "+msg {
		t.Errorf("the record lost the whole message")
	}
}

// TestEventBuffersNotShared checks that the reused attribute buffers of span
// events do not leak one event's attributes into another's.
func TestEventBuffersNotShared(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx, run := otelstep.Start(context.Background(), "bufs", s.opts()...)
	log := run.StepLogger(ctx, run.Logger("c"))
	for _, m := range []string{"one", "two", "three"} {
		log.Info(ctx, m)
	}
	run.End(ctx)
	var got []string
	for _, e := range s.events(otelstep.LogEventName) {
		got = append(got, eventAttrs(e.Attributes)[otelstep.MessageKey].AsString())
	}
	if want := "[Step 1: one Step 1: two Step 1: three]"; slogString(got) != want {
		t.Errorf("log.message of the events = %v, want %s", got, want)
	}
}
